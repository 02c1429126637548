// Arguments, blocks and attribute reads checked against the provider schemas.
// fixtures/provider-schema.json is generated (tools/extract-provider-schema.mjs)
// from the prebuilt CDK for Terraform bindings of azurerm 4.55.0, azuread 3.7.0
// and time 0.13.1. versions.tf pins azurerm ~> 4.60: a name that exists in
// 4.55 still exists in later 4.x releases, but arguments added after 4.55 would
// be reported here as unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { blocksOf, stringsIn, allLocals } from './lib/hcl.mjs';
import { referencesInValue } from './lib/expr.mjs';
import { terraformConfig } from './lib/config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const schema = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/provider-schema.json'), 'utf8'));
// Terraform's built-in resource (provider terraform.io/builtin/terraform, in every Terraform >= 1.4):
// not in any provider package, so written here from its documented schema.
schema.resource.terraform_data = {
  args: { input: { required: false }, triggers_replace: { required: false } },
  blocks: {},
  attrs: { id: null, input: null, output: null, triggers_replace: null },
};
// azurerm_application_insights_workbook (workbook.tf) is not in the snapshot, which was extracted for the types used
// before it; written here from the provider's documented schema until the snapshot is regenerated with it.
schema.resource.azurerm_application_insights_workbook ??= {
  args: Object.fromEntries([
    ...['name', 'resource_group_name', 'location', 'display_name', 'data_json'].map((a) => [a, { required: true }]),
    ...['source_id', 'category', 'description', 'storage_container_id', 'tags', 'id'].map((a) => [a, { required: false }]),
  ]),
  blocks: {
    identity: { args: { type: { required: true }, identity_ids: { required: false } }, blocks: {}, attrs: { principal_id: null, tenant_id: null } },
    timeouts: { args: { create: { required: false }, read: { required: false }, update: { required: false }, delete: { required: false } }, blocks: {}, attrs: {} },
  },
  attrs: { id: null, name: null, display_name: null, data_json: null, source_id: null, category: null, tags: null },
};
const { merged } = await terraformConfig();

const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);

/** Problems with one block body against one schema node. */
function checkBody(body, node, where, problems) {
  for (const [key, value] of Object.entries(body)) {
    if (META_ARGUMENTS.has(key)) continue;
    if (key === 'dynamic') {
      for (const [label, dyns] of Object.entries(value)) {
        const block = node.blocks[label];
        if (!block) {
          problems.push(`${where}: unknown dynamic block "${label}"`);
          continue;
        }
        for (const dyn of dyns) {
          for (const content of dyn.content ?? []) checkBody(content, block.schema, `${where}.${label}`, problems);
        }
      }
    } else if (node.args[key]) {
      continue;
    } else if (node.blocks[key]) {
      for (const item of value) checkBody(item, node.blocks[key].schema, `${where}.${key}`, problems);
    } else {
      problems.push(`${where}: unknown argument or block "${key}"`);
    }
  }
  const dynamicLabels = new Set(Object.keys(body.dynamic ?? {}));
  for (const [name, arg] of Object.entries(node.args)) {
    if (arg.required && !(name in body)) problems.push(`${where}: required argument "${name}" is missing`);
  }
  for (const [name, block] of Object.entries(node.blocks)) {
    if (block.required && !(name in body) && !dynamicLabels.has(name)) problems.push(`${where}: required block "${name}" is missing`);
  }
}

test('the schema snapshot covers every resource and data source type used', () => {
  const missing = [];
  for (const [address, , kind, type] of blocksOf(merged)) {
    if (!schema[kind][type]) missing.push(`${address} (${kind} ${type})`);
  }
  assert.deepEqual(missing, [], 'regenerate fixtures/provider-schema.json (see tools/extract-provider-schema.mjs)');
});

test('every argument and block exists in the provider schema, and required ones are set', () => {
  const problems = [];
  for (const [address, body, kind, type] of blocksOf(merged)) {
    if (schema[kind][type]) checkBody(body, schema[kind][type], address, problems);
  }
  assert.deepEqual(problems, []);
});

test('every attribute read from a resource or data source exists in its schema', () => {
  const problems = [];
  const check = (where, text) => {
    for (const r of referencesInValue(text)) {
      let kind, type, rest;
      if (r.root === 'data') {
        [kind, type, rest] = ['data', r.path[0], r.path.slice(2)];
      } else if (schema.resource[r.root]) {
        [kind, type, rest] = ['resource', r.root, r.path.slice(1)];
      } else {
        continue;
      }
      let node = schema[kind][type];
      for (const name of rest) {
        if (!node) break; // a map or primitive: the rest is indexing into a value
        if (!(name in node.attrs)) {
          problems.push(`${where}: ${r.text} ("${name}" is not an attribute of ${kind} ${type})`);
          break;
        }
        node = node.attrs[name];
      }
    }
  };
  const everything = [
    ...[...blocksOf(merged)].map(([a, b]) => [a, b]),
    ...Object.entries(merged.output ?? {}).map(([n, b]) => [`output.${n}`, b]),
    ...Object.entries(allLocals(merged)).map(([n, v]) => [`local.${n}`, v]),
  ];
  for (const [where, value] of everything) {
    for (const [text, at] of stringsIn(value)) {
      if (!at.includes('ignore_changes')) check(where, text);
    }
  }
  assert.deepEqual(problems, []);
});

test('the checker notices an unknown argument, a missing required one and an unknown attribute', () => {
  const problems = [];
  checkBody({ name: 'x', bogus_argument: 1 }, schema.resource.azurerm_resource_group, 'azurerm_resource_group.t', problems);
  assert.deepEqual(problems, [
    'azurerm_resource_group.t: unknown argument or block "bogus_argument"',
    'azurerm_resource_group.t: required argument "location" is missing',
  ]);
  assert.ok(!('no_such_attribute' in schema.resource.azurerm_key_vault.attrs));
  assert.ok('vault_uri' in schema.resource.azurerm_key_vault.attrs);
});
