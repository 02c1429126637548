// Every reference resolves: var.x is declared (and every declared variable is
// used), local.x is defined (and used), resources and data sources exist, and
// counted / for_each resources are indexed where they are referenced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blocksOf, stringsIn, allLocals } from './lib/hcl.mjs';
import { referencesInValue } from './lib/expr.mjs';
import { terraformConfig } from './lib/config.mjs';

const { merged, files } = await terraformConfig();

const SPECIAL_ROOTS = new Set(['path', 'terraform', 'self', 'each', 'count']);

/** Every reference in the configuration, with where it was found. */
function collectReferences() {
  const out = [];
  const visit = (where, value, bound) => {
    for (const [text, at] of stringsIn(value)) {
      // Not expressions: type constraints and the attribute names of ignore_changes.
      if (at.includes('ignore_changes') || (where.startsWith('variable.') && at[0] === 'type')) continue;
      // Dynamic blocks bind their label (or iterator) inside "content".
      const dynBound = new Set(bound);
      for (let i = 0; i < at.length - 1; i++) {
        if (at[i] === 'dynamic') dynBound.add(at[i + 1]);
      }
      for (const ref of referencesInValue(text, dynBound)) out.push({ ...ref, where, at: at.join('.') });
    }
  };
  for (const [address, body] of blocksOf(merged)) visit(address, body, new Set());
  for (const [name, [body]] of Object.entries(merged.variable ?? {})) visit(`variable.${name}`, body, new Set());
  for (const [name, [body]] of Object.entries(merged.output ?? {})) visit(`output.${name}`, body, new Set());
  for (const [name, value] of Object.entries(allLocals(merged))) visit(`local.${name}`, value, new Set());
  for (const [name, bodies] of Object.entries(merged.provider ?? {})) visit(`provider.${name}`, bodies, new Set());
  for (const [name, bodies] of Object.entries(merged.check ?? {})) visit(`check.${name}`, bodies, new Set());
  return out;
}

const refs = collectReferences();
const declaredVars = new Set(Object.keys(merged.variable ?? {}));
const definedLocals = new Set(Object.keys(allLocals(merged)));
const resources = new Map([...blocksOf(merged)].filter(([, , kind]) => kind === 'resource').map(([a, b]) => [a, b]));
const dataSources = new Map([...blocksOf(merged)].filter(([, , kind]) => kind === 'data').map(([a, b]) => [a, b]));

test('the configuration is not empty and the reference scanner finds references', () => {
  assert.ok(resources.size > 10, 'expected the full deployment');
  assert.ok(refs.length > 100);
});

test('every var.x is declared', () => {
  const missing = refs.filter((r) => r.root === 'var' && !declaredVars.has(r.path[0]));
  assert.deepEqual(missing.map((r) => `${r.where}: ${r.text}`), []);
});

test('every declared variable is used outside its own declaration', () => {
  const used = new Set(refs.filter((r) => r.root === 'var' && !(r.where === `variable.${r.path[0]}`)).map((r) => r.path[0]));
  assert.deepEqual([...declaredVars].filter((v) => !used.has(v)), []);
});

test('every variable has a description and a type', () => {
  for (const [name, [body]] of Object.entries(merged.variable)) {
    assert.ok(typeof body.description === 'string' && body.description.length > 10, `variable ${name} needs a description`);
    assert.ok(typeof body.type === 'string' && body.type.startsWith('${'), `variable ${name} needs a type`);
  }
});

test('every output has a description', () => {
  for (const [name, [body]] of Object.entries(merged.output)) {
    assert.ok(typeof body.description === 'string' && body.description.length > 5, `output ${name} needs a description`);
  }
});

test('every local.x is defined, and every local is used', () => {
  const missing = refs.filter((r) => r.root === 'local' && !definedLocals.has(r.path[0]));
  assert.deepEqual(missing.map((r) => `${r.where}: ${r.text}`), []);
  const used = new Set(refs.filter((r) => r.root === 'local' && r.where !== `local.${r.path[0]}`).map((r) => r.path[0]));
  assert.deepEqual([...definedLocals].filter((l) => !used.has(l)), []);
});

test('a local is defined once across all files', () => {
  const seen = new Map();
  for (const f of files) {
    for (const block of f.json.locals ?? []) {
      for (const name of Object.keys(block)) {
        assert.ok(!seen.has(name), `local.${name} is defined in ${seen.get(name)} and ${f.name}`);
        seen.set(name, f.name);
      }
    }
  }
});

test('every resource and data source reference resolves', () => {
  const bad = [];
  for (const r of refs) {
    if (r.root === 'var' || r.root === 'local' || SPECIAL_ROOTS.has(r.root)) continue;
    if (r.root === 'module') {
      bad.push(`${r.where}: ${r.text} (this configuration has no modules)`);
    } else if (r.root === 'data') {
      if (!dataSources.has(`data.${r.path[0]}.${r.path[1]}`)) bad.push(`${r.where}: ${r.text}`);
    } else if (!resources.has(`${r.root}.${r.path[0]}`)) {
      bad.push(`${r.where}: ${r.text}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('counted and for_each resources are indexed where referenced, others are not', () => {
  const bad = [];
  for (const r of refs) {
    let address;
    let nameIndexed;
    if (r.root === 'data' && r.path.length >= 2) {
      address = `data.${r.path[0]}.${r.path[1]}`;
      nameIndexed = r.indexed[1];
    } else if (resources.has(`${r.root}.${r.path[0]}`)) {
      address = `${r.root}.${r.path[0]}`;
      nameIndexed = r.indexed[0];
    } else {
      continue;
    }
    const body = resources.get(address) ?? dataSources.get(address);
    if (!body) continue;
    const multi = 'count' in body || 'for_each' in body;
    // A bare reference in depends_on / triggers (no attribute) is fine either way.
    const attributeRead = r.root === 'data' ? r.path.length > 2 : r.path.length > 1;
    if (multi && attributeRead && !nameIndexed) bad.push(`${r.where}: ${r.text} needs [index] or [*]`);
    if (!multi && nameIndexed) bad.push(`${r.where}: ${r.text} indexes a single resource`);
  }
  assert.deepEqual(bad, []);
});

test('each.* appears only in for_each blocks and count.* only in counted blocks', () => {
  const bad = [];
  for (const r of refs.filter((x) => x.root === 'each' || x.root === 'count')) {
    const body = resources.get(r.where) ?? dataSources.get(r.where);
    const need = r.root === 'each' ? 'for_each' : 'count';
    const inDynamic = r.at.includes('dynamic');
    if (!body || (!(need in body) && !inDynamic)) bad.push(`${r.where}: ${r.text}`);
  }
  assert.deepEqual(bad, []);
});

test('depends_on lists only existing resources', () => {
  for (const [address, body] of blocksOf(merged)) {
    for (const dep of body.depends_on ?? []) {
      const name = dep.replace(/^\$\{|\}$/g, '');
      const known = resources.has(name) || dataSources.has(name);
      assert.ok(known, `${address} depends on unknown ${name}`);
    }
  }
});
