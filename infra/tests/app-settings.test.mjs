// The function app's app settings cover every setting the app README marks as
// required for this deployment. The README table is parsed at test time, so
// the two cannot drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allLocals } from './lib/hcl.mjs';
import { templateExpressions, referencesIn } from './lib/expr.mjs';
import { parseSettingsTable, isRequiredFor, SETTINGS_TABLE_HEADER } from './lib/readme-table.mjs';
import { terraformConfig, readmePath } from './lib/config.mjs';

const { merged } = await terraformConfig();
const locals = allLocals(merged);

// What Terraform deploys: the graph transport, and caller auth "entra" by
// default or "host-key" (both count: a setting required for either is set).
const DEPLOYMENT = { transport: ['graph'], 'caller auth': ['entra', 'host-key'] };

/** Keys of app_settings that are always present: literal maps, or locals merged in. */
function appSettingKeys() {
  const apps = merged.resource?.azurerm_function_app_flex_consumption ?? {};
  const [name] = Object.keys(apps);
  assert.ok(name, 'no azurerm_function_app_flex_consumption');
  const value = apps[name][0].app_settings;
  return keysOf(value, new Set());
}

function keysOf(value, seen) {
  if (value && typeof value === 'object' && !Array.isArray(value)) return new Set(Object.keys(value));
  if (typeof value !== 'string') return new Set();
  const keys = new Set();
  for (const expr of templateExpressions(value)) {
    // Follow local.x inside merge(...) or a bare local.x; var.x (extra settings) guarantees nothing.
    for (const ref of referencesIn(expr)) {
      if (ref.root !== 'local' || seen.has(ref.path[0])) continue;
      seen.add(ref.path[0]);
      for (const k of keysOf(locals[ref.path[0]], seen)) keys.add(k);
    }
  }
  return keys;
}

test('the README has the settings table (set GRAPH_MAILER_README to use another file)', () => {
  assert.ok(fs.existsSync(readmePath), `${readmePath} does not exist`);
  const rows = parseSettingsTable(fs.readFileSync(readmePath, 'utf8'));
  assert.ok(rows.some((r) => r.envVar.startsWith('GRAPH_MAILER_')));
});

test('the function app sets every setting the README marks as required for graph transport and entra/host-key auth', () => {
  const rows = parseSettingsTable(fs.readFileSync(readmePath, 'utf8'));
  const keys = appSettingKeys();
  const missing = rows.filter((r) => isRequiredFor(r.required, DEPLOYMENT) && !keys.has(r.envVar)).map((r) => `${r.envVar} (README line ${r.line})`);
  assert.deepEqual(missing, []);
});

test('every GRAPH_MAILER_* setting Terraform sets is documented in the README table', () => {
  const rows = parseSettingsTable(fs.readFileSync(readmePath, 'utf8'));
  const documented = new Set(rows.map((r) => r.envVar));
  const undocumented = [...appSettingKeys()].filter((k) => k.startsWith('GRAPH_MAILER_') && !documented.has(k));
  assert.deepEqual(undocumented, []);
});

test('Terraform deploys the graph transport and a non-development caller auth mode', () => {
  const settings = locals.graph_mailer_app_settings;
  assert.equal(settings.GRAPH_MAILER_TRANSPORT, 'graph');
  assert.equal(settings.GRAPH_MAILER_CALLER_AUTH_MODE, '${var.caller_auth_mode}');
  const validation = merged.variable.caller_auth_mode[0].validation.map((v) => v.condition).join(' ');
  assert.match(validation, /\["entra", "host-key"\]/);
  assert.equal(merged.variable.caller_auth_mode[0].default, 'entra');
});

// ---------------------------------------------------------------------------
// The table reader itself, on a fixture written to a temporary directory.
// ---------------------------------------------------------------------------

const FIXTURE = `# app

Some text | with a pipe.

${SETTINGS_TABLE_HEADER}
|---|---|---|---|---|
| \`GRAPH_MAILER_ALLOWED_SENDERS\` | \`graph-mailer.allowed-senders\` | — | yes | Comma list |
| \`GRAPH_MAILER_TRANSPORT\` | \`graph-mailer.transport\` | \`graph\` | no | \`graph\` \\| \`outbox\` |
| \`GRAPH_MAILER_CLIENT_ID\` | \`graph-mailer.client-id\` | — | when transport is graph | App id |
| \`GRAPH_MAILER_OUTBOX_DIRECTORY\` | \`graph-mailer.outbox.directory\` | \`outbox\` | when transport is outbox | Folder |
| \`GRAPH_MAILER_CALLER_AUTH_AUDIENCE\` | \`graph-mailer.caller-auth.audience\` | — | when caller auth is entra | aud |
| \`GRAPH_MAILER_SMTP_HOST\` | \`graph-mailer.smtp.host\` | — | when transport is smtp or graph-smtp | host |

After the table.
`;

test('the table reader reads cells, code spans and escaped pipes from a fixture file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-mailer-readme-'));
  try {
    const file = path.join(dir, 'README.md');
    fs.writeFileSync(file, FIXTURE);
    const rows = parseSettingsTable(fs.readFileSync(file, 'utf8'));
    assert.equal(rows.length, 6);
    assert.equal(rows[0].envVar, 'GRAPH_MAILER_ALLOWED_SENDERS');
    assert.equal(rows[1].description, '`graph` | `outbox`');
    const required = rows.filter((r) => isRequiredFor(r.required, DEPLOYMENT)).map((r) => r.envVar);
    assert.deepEqual(required, ['GRAPH_MAILER_ALLOWED_SENDERS', 'GRAPH_MAILER_CLIENT_ID', 'GRAPH_MAILER_CALLER_AUTH_AUDIENCE']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the table reader fails loudly on a missing table or an unreadable Required cell', () => {
  assert.throws(() => parseSettingsTable('# nothing here\n'), /no settings table/);
  assert.throws(() => parseSettingsTable(`${SETTINGS_TABLE_HEADER}\n| a | b |\n`), /delimiter row/);
  assert.throws(() => isRequiredFor('sometimes', DEPLOYMENT), /cannot read the Required cell/);
  assert.equal(isRequiredFor('Yes (comma list)', DEPLOYMENT), true);
  assert.equal(isRequiredFor('when caller auth mode is `entra`', DEPLOYMENT), true);
  assert.equal(isRequiredFor('when transport is outbox', DEPLOYMENT), false);
});
