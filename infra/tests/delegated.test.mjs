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
