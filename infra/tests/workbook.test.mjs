// The workbook's queries (infra/terraform/workbook.tf) use only metric and attribute names the app emits
// (src/main/java/io/graphmailer/adapter/out/telemetry/OtelTelemetry.java): a renamed metric would otherwise leave an
// empty chart that nobody notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const workbook = fs.readFileSync(path.join(root, 'infra/terraform/workbook.tf'), 'utf8');
const telemetry = fs.readFileSync(path.join(root, 'src/main/java/io/graphmailer/adapter/out/telemetry/OtelTelemetry.java'), 'utf8');

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
