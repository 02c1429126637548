// Delegated mode (delegated.tf): a public client with delegated scopes only,
// no admin consent, and the token cache container with narrow access.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { terraformConfig } from './lib/config.mjs';

const { merged } = await terraformConfig();
const app = merged.resource?.azuread_application?.delegated_signin?.[0];

test('the sign-in registration is a public client created only with delegated mailboxes', () => {
  assert.ok(app, 'azuread_application.delegated_signin is missing');
  assert.equal(app.fallback_public_client_enabled, true);
  assert.match(String(app.count), /local\.delegated_enabled/);
  assert.equal(app.sign_in_audience, 'AzureADMyOrg');
});

test('the sign-in registration declares delegated scopes only, never an application permission', () => {
  const text = JSON.stringify(app.required_resource_access);
  assert.match(text, /"type":"Scope"/);
  assert.doesNotMatch(text, /"type":"Role"/);
  assert.doesNotMatch(text, /app_role_ids/);
  assert.match(text, /oauth2_permission_scope_ids/);
  assert.deepEqual(merged.locals.map((l) => l.delegated_graph_scopes).find(Boolean), ['Mail.Send', 'offline_access']);
});

test('no admin consent is granted and no app role is assigned to the sign-in registration', () => {
  assert.equal(merged.resource?.azuread_service_principal_delegated_permission_grant, undefined);
  for (const [, [body]] of Object.entries(merged.resource?.azuread_app_role_assignment ?? {})) {
    assert.doesNotMatch(JSON.stringify(body), /delegated_signin/);
  }
});

test('operators get blob data access on the token cache container only', () => {
  const [assignment] = merged.resource.azurerm_role_assignment.delegated_operator_tokens;
  assert.equal(assignment.role_definition_name, 'Storage Blob Data Contributor');
  assert.equal(assignment.scope, '${azurerm_storage_container.delegated_tokens[0].resource_manager_id}');
  const [container] = merged.resource.azurerm_storage_container.delegated_tokens;
  assert.equal(container.container_access_type, 'private');
});

// ---------------------------------------------------------------------------
// The Key Vault key that wraps the token caches' data keys, and who may use it.
// ---------------------------------------------------------------------------
const KEY_SCOPE = '${azurerm_key_vault_key.delegated_tokens[0].resource_versionless_id}';
const KEY_ROLE = 'Key Vault Crypto Service Encryption User';
const DEPLOYER = '${data.azurerm_client_config.current.object_id}';

/** Why a role assignment on the token cache key is wider than wrap/unwrap on that one key ([] when it is not). */
export function keyRoleProblems(address, body) {
  const problems = [];
  if (body.role_definition_name !== KEY_ROLE) problems.push(`${address}: role "${body.role_definition_name}", expected "${KEY_ROLE}" (wrap/unwrap only)`);
  if (body.scope !== KEY_SCOPE) problems.push(`${address}: scope ${body.scope}, expected the token cache key ${KEY_SCOPE}`);
  if (!/local\.delegated_enabled/.test(String(body.count ?? body.for_each))) problems.push(`${address}: not conditional on delegated mailboxes`);
  return problems;
}

test('the token cache key is an RSA key for wrapKey/unwrapKey only, in this vault, created only with delegated mailboxes', () => {
  const [key] = merged.resource?.azurerm_key_vault_key?.delegated_tokens ?? [];
  assert.ok(key, 'azurerm_key_vault_key.delegated_tokens is missing');
  assert.equal(key.key_type, 'RSA');
  assert.ok(Number(key.key_size) >= 2048);
  assert.deepEqual([...key.key_opts].sort(), ['unwrapKey', 'wrapKey']);
  assert.equal(key.key_vault_id, '${azurerm_key_vault.this.id}');
  assert.match(String(key.count), /local\.delegated_enabled/);
  assert.equal(key.name, '${var.delegated_key_name}');
});

test('the function identity and the operators get wrap/unwrap on the token cache key only', () => {
  const roles = merged.resource.azurerm_role_assignment;
  const [fn] = roles.delegated_function_token_key ?? [];
  assert.ok(fn, 'azurerm_role_assignment.delegated_function_token_key is missing');
  assert.equal(fn.principal_id, '${local.function_principal_id}');
  assert.deepEqual(keyRoleProblems('delegated_function_token_key', fn), []);
  const [ops] = roles.delegated_operator_token_key ?? [];
  assert.ok(ops, 'azurerm_role_assignment.delegated_operator_token_key is missing');
  assert.equal(ops.principal_id, '${each.value}');
  assert.deepEqual(keyRoleProblems('delegated_operator_token_key', ops), []);
  for (const [name, [body]] of Object.entries(roles)) {
    if (/Crypto/.test(body.role_definition_name) && !['delegated_function_token_key', 'delegated_operator_token_key', 'deployer_crypto_officer'].includes(name)) {
      assert.fail(`azurerm_role_assignment.${name} grants ${body.role_definition_name}: only the token cache key's users and its creator may`);
    }
  }
});

test('the key check fails on a vault-wide scope, a wider crypto role or an unconditional assignment', () => {
  const good = { role_definition_name: KEY_ROLE, scope: KEY_SCOPE, count: '${local.delegated_enabled ? 1 : 0}' };
  assert.deepEqual(keyRoleProblems('x', good), []);
  assert.match(keyRoleProblems('x', { ...good, scope: '${azurerm_key_vault.this.id}' }).join(), /scope/);
  assert.match(keyRoleProblems('x', { ...good, scope: '${azurerm_storage_account.this.id}' }).join(), /scope/);
  assert.match(keyRoleProblems('x', { ...good, role_definition_name: 'Key Vault Crypto User' }).join(), /role/);
  assert.match(keyRoleProblems('x', { ...good, count: '1' }).join(), /conditional/);
});

test('Key Vault Crypto Officer (to create the key) goes to the deployer only, on this vault, only with delegated mailboxes', () => {
  const officers = Object.entries(merged.resource.azurerm_role_assignment)
    .filter(([, [body]]) => body.role_definition_name === 'Key Vault Crypto Officer');
  assert.deepEqual(officers.map(([name]) => name), ['deployer_crypto_officer']);
  const [[, [body]]] = officers;
  assert.equal(body.principal_id, DEPLOYER);
  assert.equal(body.scope, '${azurerm_key_vault.this.id}');
  assert.match(String(body.count), /local\.delegated_enabled/);
});

test('the function app gets the delegated settings only with delegated mailboxes', () => {
  const local = merged.locals.map((l) => l.delegated_app_settings).find(Boolean);
  assert.ok(local, 'local.delegated_app_settings is missing');
  assert.match(local, /local\.delegated_enabled/);
  for (const key of ['GRAPH_MAILER_DELEGATED_MAILBOXES', 'GRAPH_MAILER_DELEGATED_CLIENT_ID', 'GRAPH_MAILER_DELEGATED_TOKEN_CONTAINER_URL',
    'GRAPH_MAILER_DELEGATED_KEY_NAME']) {
    assert.match(local, new RegExp(key));
  }
  const fnSettings = merged.locals.map((l) => l.function_app_settings).find(Boolean);
  assert.match(fnSettings, /local\.delegated_app_settings/);
});
