// Scoping modes are mutually exclusive and no role or permission is broader
// than the deployment needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blocksOf, stringsIn, allLocals } from './lib/hcl.mjs';
import { evaluateValue, referencesInValue } from './lib/expr.mjs';
import { terraformConfig, evalContext } from './lib/config.mjs';

const { merged } = await terraformConfig();
const locals = allLocals(merged);
const MODES = ['exchange_rbac', 'access_policy'];

// Inputs that switch optional parts on, so every conditional resource is exercised.
const SCENARIO = {
  allowed_senders: ['a@contoso.example', 'b@contoso.example'],
  smtp_mailboxes: ['a@contoso.example'],
  enable_large_attachments: true,
  caller_principal_object_ids: ['11111111-2222-3333-4444-555555555555'],
  exchange_scope_group: 'senders@contoso.example',
  name_prefix: 'mailer-test',
};

const ALLOWED_AZURE_ROLES = new Set([
  'Key Vault Secrets User',
  'Key Vault Certificates Officer',
  'Storage Queue Data Contributor',
  'Storage Table Data Contributor',
  'Storage Blob Data Contributor',
  'Storage Blob Data Owner',
  // Delegated mode (delegated.tf): wrap/unwrap on the token cache key only; creating that key (the deployer only,
  // which delegated.test.mjs checks, like Certificates Officer for the certificate).
  'Key Vault Crypto Service Encryption User',
  'Key Vault Crypto Officer',
]);
const FORBIDDEN_AZURE_ROLES = [
  'Owner',
  'Contributor',
  'User Access Administrator',
  'Role Based Access Control Administrator',
  'Key Vault Administrator',
  'Key Vault Secrets Officer',
  'Storage Account Contributor',
  'Storage Account Key Operator Service Role',
];

/** [address, role name] of every azurerm_role_assignment, resolving for_each over a local map. */
function azureRoleAssignments() {
  const out = [];
  for (const [name, [body]] of Object.entries(merged.resource.azurerm_role_assignment ?? {})) {
    const role = body.role_definition_name;
    assert.ok(!('role_definition_id' in body), `azurerm_role_assignment.${name}: name the role, not its id, so it can be reviewed`);
    const m = /^\$\{each\.value\.(\w+)\}$/.exec(role ?? '');
    if (m) {
      const fe = /^\$\{local\.(\w+)\}$/.exec(body.for_each ?? '');
      assert.ok(fe, `azurerm_role_assignment.${name}: for_each must be a local map so its roles can be read`);
      for (const [key, item] of Object.entries(locals[fe[1]])) out.push([`azurerm_role_assignment.${name}["${key}"]`, item[m[1]], item.scope]);
    } else {
      assert.ok(typeof role === 'string' && !role.includes('${'), `azurerm_role_assignment.${name}: role must be a literal`);
      out.push([`azurerm_role_assignment.${name}`, role, body.scope]);
    }
  }
  return out;
}

/** Instance count of a block under the given variable values (0, 1, ... or the for_each size). */
function instances(body, overrides) {
  const ctx = evalContext(merged, { ...SCENARIO, ...overrides });
  if ('count' in body) return evaluateValue(body.count, ctx);
  if ('for_each' in body) {
    // A map local: its keys are known even when its values come from resources.
    const local = /^\$\{local\.(\w+)\}$/.exec(body.for_each);
    if (local && locals[local[1]] && typeof locals[local[1]] === 'object') return Object.keys(locals[local[1]]).length;
    const v = evaluateValue(body.for_each, ctx);
    return Array.isArray(v) ? v.length : Object.keys(v).length;
  }
  return 1;
}

function appRoleAssignments() {
  return Object.entries(merged.resource.azuread_app_role_assignment ?? {}).map(([n, [b]]) => [`azuread_app_role_assignment.${n}`, b]);
}

test('Azure role assignments use only reviewed, narrow data-plane roles', () => {
  const assignments = azureRoleAssignments();
  assert.ok(assignments.length >= 5);
  for (const [address, role] of assignments) {
    assert.ok(!FORBIDDEN_AZURE_ROLES.includes(role), `${address} grants the broad role "${role}"`);
    assert.ok(ALLOWED_AZURE_ROLES.has(role), `${address} grants "${role}", which is not on the reviewed list`);
  }
});

test('the function identity gets exactly the four roles it needs', () => {
  const fn = azureRoleAssignments().filter(([a]) => a.startsWith('azurerm_role_assignment.function'));
  assert.deepEqual(fn.map(([, r]) => r).sort(), [
    'Key Vault Secrets User',
    'Storage Blob Data Contributor',
    'Storage Queue Data Contributor',
    'Storage Table Data Contributor',
  ]);
  for (const [address, , scope] of fn) {
    assert.match(scope, /^\$\{azurerm_(key_vault|storage_account)\.this\.id\}$/, `${address} must be scoped to this deployment's vault or storage account`);
  }
});

test('no role assignment is scoped to a subscription, management group or resource group', () => {
  for (const [address, , scope] of azureRoleAssignments()) {
    assert.doesNotMatch(String(scope), /subscription|management_group|resource_group/i, `${address} has a broad scope: ${scope}`);
  }
});

test('in exchange_rbac mode nothing is granted on Microsoft Graph in Entra ID', () => {
  const granted = appRoleAssignments().filter(([, b]) => instances(b, { mailbox_scoping_mode: 'exchange_rbac' }) > 0);
  for (const [address, body] of granted) {
    const refs = referencesInValue(body.resource_object_id).map((r) => r.text);
    assert.ok(!refs.some((t) => t.includes('microsoft_graph')), `${address} grants a Graph permission in exchange_rbac mode`);
  }
  const sender = merged.resource.azuread_application.sender[0];
  const declared = (sender.dynamic?.required_resource_access ?? []).filter((d) => instances({ for_each: d.for_each }, { mailbox_scoping_mode: 'exchange_rbac' }) > 0);
  for (const d of declared) assert.doesNotMatch(JSON.stringify(d.content), /graph_mail_send_id|graph_mail_readwrite_id|graph_mail_readbasic_id/);
});

test('in access_policy mode Graph Mail.Send (and Mail.ReadWrite when asked) is granted', () => {
  const granted = appRoleAssignments()
    .filter(([, b]) => instances(b, { mailbox_scoping_mode: 'access_policy' }) > 0)
    .map(([, b]) => b.app_role_id);
  assert.ok(granted.some((id) => id.includes('app_role_ids["Mail.Send"]')));
  assert.ok(granted.some((id) => id.includes('app_role_ids["Mail.ReadWrite"]')));
  assert.ok(granted.some((id) => id.includes('app_role_ids["Mail.ReadBasic"]')), 'Mail.ReadBasic for policy verify');
  const withoutLarge = appRoleAssignments()
    .filter(([, b]) => instances(b, { mailbox_scoping_mode: 'access_policy', enable_large_attachments: false }) > 0)
    .map(([, b]) => b.app_role_id);
  assert.ok(!withoutLarge.some((id) => id.includes('Mail.ReadWrite')));
});

test('the scoping modes are mutually exclusive: mode-specific resources exist in at most one mode', () => {
  const modeSpecific = [];
  for (const [address, body] of blocksOf(merged)) {
    const counts = MODES.map((mode) => instances(body, { mailbox_scoping_mode: mode }));
    if (counts[0] !== counts[1]) modeSpecific.push([address, counts]);
  }
  assert.ok(modeSpecific.length >= 1, 'expected mode-specific resources');
  for (const [address, counts] of modeSpecific) {
    assert.ok(counts.filter((c) => c > 0).length === 1, `${address} exists in both modes: ${counts}`);
  }
  // And every Graph grant is one of them.
  for (const [address, body] of appRoleAssignments()) {
    if (String(body.resource_object_id).includes('microsoft_graph')) {
      assert.ok(modeSpecific.some(([a]) => a === address), `${address} is not conditioned on the scoping mode`);
    }
  }
});

test('SMTP.SendAsApp is granted only when SMTP mailboxes are configured, and looked up by value', () => {
  const [address, body] = appRoleAssignments().find(([, b]) => b.app_role_id.includes('SMTP.SendAsApp')) ?? [];
  assert.ok(address, 'no SMTP.SendAsApp assignment');
  assert.equal(instances(body, { smtp_mailboxes: [] }), 0);
  assert.equal(instances(body, {}), 1);
  assert.match(body.app_role_id, /data\.azuread_service_principal\.exchange_online\[\*\]\.app_role_ids\["SMTP\.SendAsApp"\]/);
});

test('no Directory.*, Application.*, RoleManagement.* or other broad Graph permission appears anywhere', () => {
  const text = JSON.stringify(merged);
  for (const pattern of [/Directory\.[A-Za-z]+/, /Application\.ReadWrite/, /RoleManagement\./, /AppRoleAssignment\.ReadWrite/, /Mail\.Send\.Shared/, /full_access_as_app/, /Mail\.ReadBasic\.All/]) {
    assert.doesNotMatch(text, pattern);
  }
  const roleLookups = [];
  for (const [text] of stringsIn(merged)) {
    for (const m of text.matchAll(/app_role_ids\["([^"]+)"\]/g)) roleLookups.push(m[1]);
  }
  assert.deepEqual([...new Set(roleLookups)].sort(), ['Mail.ReadBasic', 'Mail.ReadWrite', 'Mail.Send', 'SMTP.SendAsApp']);
});

test('the well-known Graph ids are the documented ones', () => {
  assert.equal(locals.microsoft_graph_app_id, '00000003-0000-0000-c000-000000000000');
  assert.equal(locals.exchange_online_app_id, '00000002-0000-0ff1-ce00-000000000000');
  assert.equal(locals.graph_mail_send_id, 'b633e1c5-b582-4048-a93e-9f11b44c7e96');
  assert.equal(locals.graph_mail_readwrite_id, 'e2a3a72e-5f79-4c64-b1b1-878b674786c9');
  assert.equal(locals.graph_mail_readbasic_id, '6be147d2-ea4f-4b5a-a3fa-3eab6f3c140a');
});

test('callers: the API app role is GraphMailer.Send, v2 tokens, assignment required', () => {
  const api = merged.resource.azuread_application.api[0];
  assert.equal(api.api[0].requested_access_token_version, 2);
  assert.equal(api.app_role[0].value, '${local.caller_app_role_value}');
  assert.equal(locals.caller_app_role_value, 'GraphMailer.Send');
  assert.deepEqual(api.app_role[0].allowed_member_types, ['Application']);
  assert.equal(merged.resource.azuread_service_principal.api[0].app_role_assignment_required, true);
});

test('admins: GraphMailer.Admin is a second application role with its own id, assigned only to the listed principals', () => {
  const api = merged.resource.azuread_application.api[0];
  const admin = api.app_role.find((r) => r.value === '${local.admin_app_role_value}');
  assert.ok(admin, 'an app role GraphMailer.Admin');
  assert.equal(locals.admin_app_role_value, 'GraphMailer.Admin');
  assert.deepEqual(admin.allowed_member_types, ['Application']);
  assert.equal(admin.id, '${local.admin_app_role_id}');
  assert.notEqual(locals.admin_app_role_id, locals.caller_app_role_id);
  assert.match(locals.admin_app_role_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const assignment = merged.resource.azuread_app_role_assignment.admins[0];
  assert.equal(assignment.app_role_id, '${local.admin_app_role_id}');
  assert.equal(assignment.for_each, '${toset(var.admin_principal_object_ids)}');
  assert.equal(assignment.resource_object_id, '${azuread_service_principal.api.object_id}');
  assert.deepEqual(merged.variable.admin_principal_object_ids[0].default, []);
});

test('the certificate is exportable, client-auth only, auto-renewed, and no secret goes into variables', () => {
  const policy = merged.resource.azurerm_key_vault_certificate.sender[0].certificate_policy[0];
  assert.equal(policy.key_properties[0].exportable, true);
  assert.deepEqual(policy.x509_certificate_properties[0].extended_key_usage, ['1.3.6.1.5.5.7.3.2']);
  assert.equal(policy.lifetime_action[0].action[0].action_type, 'AutoRenew');
  assert.equal(policy.issuer_parameters[0].name, 'Self');
  assert.ok(!('certificate' in merged.resource.azurerm_key_vault_certificate.sender[0]), 'no PFX contents may pass through Terraform');
  for (const name of Object.keys(merged.variable)) {
    assert.doesNotMatch(name, /secret|password|key$|pfx|connection_string/i, `variable ${name} looks like a secret`);
  }
  assert.ok(!merged.resource.azuread_application_password, 'no client secrets');
  assert.ok(!merged.resource.azuread_service_principal_password, 'no client secrets');
});

test('storage and vault use Entra ID only', () => {
  const sa = merged.resource.azurerm_storage_account.this[0];
  assert.equal(sa.shared_access_key_enabled, false);
  assert.equal(merged.resource.azurerm_key_vault.this[0].rbac_authorization_enabled, true);
  const app = merged.resource.azurerm_function_app_flex_consumption.this[0];
  assert.equal(app.storage_authentication_type, 'SystemAssignedIdentity');
  assert.ok(!('storage_access_key' in app));
  assert.equal(app.webdeploy_publish_basic_authentication_enabled, false);
});
