// Host storage is identity-based only: no AzureWebJobsStorage value (an empty
// one breaks the .NET 10 host), no connection string with a key, and the
// provider's own key-less connection string removed after apply. Also the
// always-ready input and the variable validations, run through the real
// Terraform binary where one is installed (variables only: no provider needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { allLocals, stringsIn } from './lib/hcl.mjs';
import { templateExpressions, referencesIn } from './lib/expr.mjs';
import { terraformConfig, terraformDir } from './lib/config.mjs';

const { merged } = await terraformConfig();
const locals = allLocals(merged);
const app = merged.resource.azurerm_function_app_flex_consumption.this[0];

/** Every [key, value] the app_settings expression merges in (literal maps, or locals followed through merge()). */
function appSettingEntries(value, seen = new Set()) {
  if (value && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value);
  if (typeof value !== 'string') return [];
  const out = [];
  for (const expr of templateExpressions(value)) {
    for (const ref of referencesIn(expr)) {
      if (ref.root !== 'local' || seen.has(ref.path[0])) continue;
      seen.add(ref.path[0]);
      out.push(...appSettingEntries(locals[ref.path[0]], seen));
    }
  }
  return out;
}

const KEY_READS = /\.(primary|secondary)_(access_key|connection_string|blob_connection_string)\b/;

/** What is wrong with a set of app settings for identity-based host storage. */
function hostStorageProblems(entries) {
  const problems = [];
  for (const [key, value] of entries) {
    if (key.toLowerCase() === 'azurewebjobsstorage') problems.push(`${key} is set (${JSON.stringify(value)}): any value is read as a connection string`);
    if (key.toLowerCase().startsWith('azurewebjobsstorage') && value === '') problems.push(`${key} is empty`);
    for (const [text] of stringsIn(value)) {
      if (/accountkey=/i.test(text)) problems.push(`${key} holds a connection string with an AccountKey`);
      if (KEY_READS.test(text)) problems.push(`${key} reads a storage key or connection string`);
    }
  }
  return problems;
}

test('the function app gets only identity-based host storage settings: no AzureWebJobsStorage, empty or not, and no key', () => {
  const entries = appSettingEntries(app.app_settings);
  assert.ok(entries.length > 10, 'the app settings were not followed through their locals');
  assert.deepEqual(hostStorageProblems(entries), []);
  const settings = Object.fromEntries(entries);
  assert.equal(settings.AzureWebJobsStorage__accountName, '${azurerm_storage_account.this.name}');
  assert.equal(settings.AzureWebJobsStorage__credential, 'managedidentity');
  assert.equal(app.storage_authentication_type, 'SystemAssignedIdentity');
  assert.ok(!('storage_access_key' in app), 'storage_access_key would make the provider write a keyed connection string');
});

test('no .tf file anywhere sets AzureWebJobsStorage to an empty value or reads a storage key', () => {
  const problems = [];
  for (const name of fs.readdirSync(terraformDir).filter((n) => n.endsWith('.tf'))) {
    const source = fs.readFileSync(path.join(terraformDir, name), 'utf8');
    source.split('\n').forEach((line, i) => {
      const code = line.replace(/#.*$/, '');
      if (/"?AzureWebJobsStorage"?\s*=\s*""/.test(code)) problems.push(`${name}:${i + 1}: empty AzureWebJobsStorage`);
      if (KEY_READS.test(code) || /AccountKey=[^"\s;]/i.test(code)) problems.push(`${name}:${i + 1}: storage key`);
    });
  }
  assert.deepEqual(problems, []);
});

test('the host storage check fails on an empty AzureWebJobsStorage, on any AzureWebJobsStorage and on a keyed connection string', () => {
  assert.equal(hostStorageProblems([['AzureWebJobsStorage', '']]).length, 2);
  assert.equal(hostStorageProblems([['AzureWebJobsStorage__accountName', '']]).length, 1);
  assert.deepEqual(hostStorageProblems([['MY_CONN', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net']]),
    ['MY_CONN holds a connection string with an AccountKey']);
  assert.deepEqual(hostStorageProblems([['X', '${azurerm_storage_account.this.primary_connection_string}']]), ['X reads a storage key or connection string']);
  assert.deepEqual(hostStorageProblems([['AzureWebJobsStorage__credential', 'managedidentity']]), []);
});

test('after every apply the provider-added AzureWebJobsStorage is deleted from the app, without printing the settings', () => {
  const removal = merged.resource.terraform_data?.remove_host_storage_connection_string?.[0];
  assert.ok(removal, 'terraform_data.remove_host_storage_connection_string is missing');
  const triggers = JSON.stringify(removal.triggers_replace);
  assert.match(triggers, /azurerm_function_app_flex_consumption\.this\.id/);
  assert.match(triggers, /plantimestamp\(\)/);
  const command = removal.provisioner['local-exec'][0].command;
  assert.match(command, /^az functionapp config appsettings delete --ids \$\{azurerm_function_app_flex_consumption\.this\.id\} /);
  assert.match(command, / --setting-names AzureWebJobsStorage /);
  // The delete answers with the remaining settings (the App Insights connection string among them).
  assert.match(command, / --output none$/);
});

test('always_ready: a map per function group, default none, passed to the always_ready block', () => {
  const v = merged.variable.always_ready[0];
  assert.equal(v.type, '${map(number)}');
  assert.deepEqual(v.default, {});
  const dyn = app.dynamic.always_ready[0];
  assert.equal(dyn.for_each, '${var.always_ready}');
  assert.deepEqual(dyn.content[0], { name: '${always_ready.key}', instance_count: '${always_ready.value}' });
  const pre = app.lifecycle[0].precondition.map((p) => p.condition).join(' ');
  assert.match(pre, /values\(var\.always_ready\).*<= local\.maximum_instance_count/);
});

test('instance memory stays 2048 MB with the reason written beside it', () => {
  assert.equal(merged.variable.instance_memory_in_mb[0].default, 2048);
  const source = fs.readFileSync(path.join(terraformDir, 'variables.tf'), 'utf8');
  const before = source.slice(0, source.indexOf('variable "instance_memory_in_mb"'));
  assert.match(before.slice(-1200), /MaxRAMPercentage=70/);
});

// ---------------------------------------------------------------------------
// The validations themselves, evaluated by Terraform: variables.tf alone in a
// temporary module, `terraform plan` with the inputs under test.
// ---------------------------------------------------------------------------

const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const noTerraform = terraform.status === 0 ? false : 'no terraform binary on PATH';

function planWith(vars) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-mailer-tfvars-'));
  try {
    fs.copyFileSync(path.join(terraformDir, 'variables.tf'), path.join(dir, 'variables.tf'));
    fs.writeFileSync(path.join(dir, 'test.auto.tfvars.json'), JSON.stringify({ name_prefix: 'gmtest', allowed_senders: ['a@example.org'], ...vars }));
    const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: os.devNull, CHECKPOINT_DISABLE: '1' };
    const run = (args) => spawnSync('terraform', args, { cwd: dir, env, encoding: 'utf8' });
    const init = run(['init', '-input=false', '-backend=false', '-no-color']);
    assert.equal(init.status, 0, init.stderr);
    const plan = run(['plan', '-input=false', '-no-color', '-refresh=false']);
    return { ok: plan.status === 0, output: plan.stdout + plan.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('Terraform accepts the defaults and always_ready for real function groups', { skip: noTerraform }, () => {
  for (const vars of [{}, { always_ready: { http: 1 } }, { always_ready: { 'function:OutboxQueue': 2, 'function:NotificationJobs': 1 } }]) {
    const r = planWith(vars);
    assert.ok(r.ok, `${JSON.stringify(vars)}: ${r.output}`);
  }
});

test('Terraform rejects an unknown function group and a count that is not a whole number of at least 1', { skip: noTerraform }, () => {
  for (const [vars, message] of [
    [{ always_ready: { OutboxQueue: 1 } }, /always_ready keys must be Flex Consumption function groups/],
    [{ always_ready: { http: 0 } }, /always_ready instance counts must be whole numbers/],
    [{ always_ready: { http: 1.5 } }, /always_ready instance counts must be whole numbers/],
  ]) {
    const r = planWith(vars);
    assert.ok(!r.ok, `${JSON.stringify(vars)} was accepted`);
    assert.match(r.output.replace(/\s+/g, ' '), message);
  }
});

test('Terraform rejects AzureWebJobsStorage (empty or not) and keyed connection strings in extra_app_settings', { skip: noTerraform }, () => {
  for (const [vars, message] of [
    [{ extra_app_settings: { AzureWebJobsStorage: '' } }, /must not set AzureWebJobsStorage/],
    [{ extra_app_settings: { azurewebjobsstorage: 'UseDevelopmentStorage=true' } }, /must not set AzureWebJobsStorage/],
    [{ extra_app_settings: { OTHER: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0' } }, /must not contain a storage connection string with an AccountKey/],
  ]) {
    const r = planWith(vars);
    assert.ok(!r.ok, `${JSON.stringify(vars)} was accepted`);
    assert.match(r.output.replace(/\s+/g, ' '), message);
  }
});
