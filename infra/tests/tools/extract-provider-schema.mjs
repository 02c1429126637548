#!/usr/bin/env node
// Regenerates tests/fixtures/provider-schema.json: argument, block and attribute
// names of every resource and data source that infra/terraform uses, read from the
// prebuilt CDK for Terraform provider bindings (generated from each provider's own
// schema). Nothing here touches the network; fetch the packages first, e.g.
//
//   mkdir -p /tmp/prov && cd /tmp/prov
//   npm pack @cdktf/provider-azurerm@14.23.1 @cdktf/provider-azuread@14.3.1 @cdktf/provider-time@11.0.1
//   for f in *.tgz; do d="${f%.tgz}"; mkdir -p "$d" && tar xzf "$f" -C "$d"; done
//   node infra/tests/tools/extract-provider-schema.mjs /tmp/prov/*/package
//
// Output shape (per block type, recursively):
//   { args: { name: { required } }, blocks: { name: { required, schema } }, attrs: { name: schema|null } }
// "args"/"blocks" are what a configuration may set; "attrs" is what an expression may read.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTerraformDir } from '../lib/hcl.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const tfDir = path.resolve(here, '../../terraform');
const outFile = path.resolve(here, '../fixtures/provider-schema.json');

const packageDirs = process.argv.slice(2);
if (packageDirs.length === 0) {
  console.error('usage: extract-provider-schema.mjs <unpacked @cdktf/provider-* package dir>...');
  process.exit(2);
}

const config = await loadTerraformDir(tfDir);
const wanted = { resource: new Set(), data: new Set() };
for (const f of config.files) {
  for (const type of Object.keys(f.json.resource ?? {})) wanted.resource.add(type);
  for (const type of Object.keys(f.json.data ?? {})) wanted.data.add(type);
}

const snakeFromCamel = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

// --- index.d.ts: the *Config interfaces tell what may be set --------------------
function parseInterfaces(dts) {
  const interfaces = {};
  const re = /export interface (\w+)(?: extends [\w.]+)? \{([\s\S]*?)\n\}/g;
  let m;
  while ((m = re.exec(dts)) !== null) {
    const [, name, body] = m;
    const fields = {};
    // Each field: an optional doc comment, then "readonly x?: Type;"
    const fieldRe = /(\/\*\*([\s\S]*?)\*\/\s*)?readonly (\w+)(\??): ([^;]+);/g;
    let f;
    while ((f = fieldRe.exec(body)) !== null) {
      const doc = f[2] ?? '';
      const camel = f[3];
      const anchor = /#(\w+) \w+#\w+\}/.exec(doc);
      const snake = anchor ? anchor[1] : snakeFromCamel(camel);
      const type = f[5].trim();
      const blockType = /^(\w+)(\[\])?( \| cdktf\.IResolvable)?$/.exec(type);
      fields[snake] = {
        required: f[4] !== '?',
        ref: blockType && /^[A-Z]/.test(blockType[1]) ? blockType[1] : null,
      };
    }
    interfaces[name] = fields;
  }
  return interfaces;
}

// --- index.js: the classes tell what may be read ---------------------------------
function parseClasses(js) {
  const classes = {};
  const re = /\nclass (\w+) extends cdktf\.(\w+) \{([\s\S]*?)\n\}\n/g;
  let m;
  while ((m = re.exec(js)) !== null) {
    const [, name, base, body] = m;
    const attrs = {};
    for (const a of body.matchAll(/get\w*Attribute\('(\w+)'\)/g)) attrs[a[1]] ??= null;
    for (const a of body.matchAll(/\/\/ (\w+) - computed: (?:true|false), optional: (?:true|false), required: (?:true|false)/g)) {
      attrs[a[1]] ??= null;
    }
    for (const c of body.matchAll(/new ((?:cdktf\.)?\w+)\(this, "(\w+)"/g)) {
      attrs[c[2]] = c[1].startsWith('cdktf.') ? null : c[1].replace(/List$/, 'OutputReference').replace(/Map$/, 'OutputReference');
    }
    const typeMatch = /tfResourceType = "(\w+)"/.exec(js.slice(m.index, m.index + m[0].length + 400));
    classes[name] = { base, attrs, tfType: typeMatch ? typeMatch[1] : null };
  }
  return classes;
}

function buildNode(interfaces, classes, interfaceName, className, seen = new Set()) {
  const node = { args: {}, blocks: {}, attrs: {} };
  if (seen.has(interfaceName + '|' + className)) return node;
  seen = new Set(seen).add(interfaceName + '|' + className);
  for (const [name, f] of Object.entries(interfaces[interfaceName] ?? {})) {
    if (f.ref && interfaces[f.ref]) {
      node.blocks[name] = {
        required: f.required,
        schema: buildNode(interfaces, classes, f.ref, f.ref + 'OutputReference', seen),
      };
    } else {
      node.args[name] = { required: f.required };
    }
  }
  const cls = classes[className];
  for (const [name, child] of Object.entries(cls?.attrs ?? {})) {
    if (child && classes[child]) {
      const iface = child.replace(/OutputReference$/, '');
      node.attrs[name] = buildNode(interfaces, classes, iface, child, seen);
    } else {
      node.attrs[name] = null;
    }
  }
  for (const name of [...Object.keys(node.args), ...Object.keys(node.blocks)]) {
    if (!(name in node.attrs)) node.attrs[name] = node.blocks[name]?.schema ?? null;
  }
  return node;
}

const out = { generatedFrom: {}, resource: {}, data: {} };
for (const pkgDir of packageDirs) {
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const provider = pkg.cdktf?.provider;
  if (provider) out.generatedFrom[provider.name] = { version: provider.version, package: `${pkg.name}@${pkg.version}` };
  const libDir = path.join(pkgDir, 'lib');
  for (const entry of fs.readdirSync(libDir)) {
    const jsFile = path.join(libDir, entry, 'index.js');
    const dtsFile = path.join(libDir, entry, 'index.d.ts');
    if (!fs.existsSync(jsFile) || !fs.existsSync(dtsFile)) continue;
    const js = fs.readFileSync(jsFile, 'utf8');
    const classes = parseClasses(js);
    const main = Object.entries(classes).find(([, c]) => c.tfType);
    if (!main) continue;
    const [className, cls] = main;
    const kind = cls.base === 'TerraformDataSource' ? 'data' : cls.base === 'TerraformResource' ? 'resource' : null;
    if (!kind || !wanted[kind].has(cls.tfType)) continue;
    const interfaces = parseInterfaces(fs.readFileSync(dtsFile, 'utf8'));
    out[kind][cls.tfType] = buildNode(interfaces, classes, className + 'Config', className);
  }
}

for (const kind of ['resource', 'data']) {
  for (const type of wanted[kind]) {
    if (!out[kind][type]) console.error(`warning: no schema found for ${kind} ${type}`);
  }
  out[kind] = Object.fromEntries(Object.entries(out[kind]).sort(([a], [b]) => a.localeCompare(b)));
}
fs.writeFileSync(outFile, JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${path.relative(process.cwd(), outFile)}`);
