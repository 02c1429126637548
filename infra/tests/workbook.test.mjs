// The workbook's queries (infra/terraform/workbook.tf) use only metric and attribute names the app emits
// (src/main/java/io/graphmailer/adapter/out/telemetry/OtelTelemetry.java) and only the Application Insights tables the
// app's exporter fills (adapter/out/telemetry/TrackEnvelopes.java): a renamed metric or a table nothing writes would
// otherwise leave an empty chart that nobody notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const workbook = fs.readFileSync(path.join(root, 'infra/terraform/workbook.tf'), 'utf8');
const telemetry = fs.readFileSync(path.join(root, 'src/main/java/io/graphmailer/adapter/out/telemetry/OtelTelemetry.java'), 'utf8');
const envelopes = fs.readFileSync(path.join(root, 'src/main/java/io/graphmailer/adapter/out/telemetry/TrackEnvelopes.java'), 'utf8');
const functionApp = fs.readFileSync(path.join(root, 'infra/terraform/function.tf'), 'utf8');

/** The table Application Insights writes each envelope name to. */
const TABLE_OF_ENVELOPE = {
  Request: 'requests', RemoteDependency: 'dependencies', Exception: 'exceptions', Metric: 'customMetrics',
  Message: 'traces', Event: 'customEvents',
};

/** The tables the exporter fills: the envelope names TrackEnvelopes writes. */
function filledTables() {
  const names = [...envelopes.matchAll(/static final String [A-Z_]+ = "([A-Za-z]+)";/g)].map((m) => m[1]);
  return new Set(names.filter((n) => n in TABLE_OF_ENVELOPE).map((n) => TABLE_OF_ENVELOPE[n]));
}

/** The table each query reads: the first word of each heredoc. */
function tablesIn(text) {
  return [...text.matchAll(/<<-KQL\s*\n\s*([A-Za-z]+)/g)].map((m) => m[1]);
}

/** The graph_mailer.* and faas.* names a text mentions (metric names and attribute keys). */
export function namesIn(text) {
  return new Set([...text.matchAll(/\b(?:graph_mailer|faas)\.[a-z0-9_.]*[a-z0-9_]/g)].map((m) => m[0]));
}

/** What the code emits: the string constants of OtelTelemetry. */
function emitted() {
  return new Set([...telemetry.matchAll(/"((?:graph_mailer|faas)\.[a-z0-9_.]+)"/g)].map((m) => m[1]));
}

function unknown(queries, names) {
  return [...namesIn(queries)].filter((n) => !names.has(n)).sort();
}

test('the workbook queries metrics and attributes', () => {
  const used = namesIn(workbook);
  assert.ok(used.has('graph_mailer.sends'), 'no query on graph_mailer.sends');
  assert.ok([...used].some((n) => n === 'graph_mailer.outcome'), 'no query by outcome');
});

test('every metric and attribute name in the workbook is one the code emits', () => {
  assert.deepEqual(unknown(workbook, emitted()), []);
});

test('the check notices a name the code does not emit', () => {
  assert.deepEqual(unknown('customMetrics | where name == "graph_mailer.sendz"', emitted()), ['graph_mailer.sendz']);
});

test('the workbook charts what the issue asks for', () => {
  for (const key of ['sends_by_outcome', 'failures_by_code', 'throttles_and_waits', 'quota_per_mailbox', 'dead_letter_backlog']) {
    assert.match(workbook, new RegExp(`\\b${key}\\s*=`), `${key} is missing`);
  }
});

test('every workbook query reads a table the exporter fills', () => {
  const filled = filledTables();
  assert.ok(filled.has('customMetrics') && filled.has('requests') && filled.has('dependencies'), [...filled].join(','));
  const tables = tablesIn(workbook);
  assert.ok(tables.length >= 8, `found ${tables.length} queries`);
  assert.deepEqual(tables.filter((t) => !filled.has(t)), []);
  assert.ok(tables.includes('requests') && tables.includes('dependencies'), 'no query on the spans');
});

test('the table check notices a table nothing fills', () => {
  assert.deepEqual(tablesIn('q = <<-KQL\n  traces\n  | take 1\nKQL').filter((t) => !filledTables().has(t)), ['traces']);
});

test('the connection string reaches the app as APPLICATIONINSIGHTS_CONNECTION_STRING, set once', () => {
  // On azurerm_function_app_flex_consumption the provider writes site_config.application_insights_connection_string
  // as the app setting APPLICATIONINSIGHTS_CONNECTION_STRING (and reads that setting back into it); setting it in
  // app_settings as well would fight over one value.
  assert.match(functionApp, /application_insights_connection_string\s*=\s*azurerm_application_insights\.this\.connection_string/);
  const locals = fs.readdirSync(path.join(root, 'infra/terraform')).filter((f) => f.endsWith('.tf'))
    .map((f) => fs.readFileSync(path.join(root, 'infra/terraform', f), 'utf8')).join('\n');
  assert.doesNotMatch(locals, /APPLICATIONINSIGHTS_CONNECTION_STRING"?\s*=/);
});
