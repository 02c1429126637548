// The maximum instance count follows load: the mailbox budget (shared by every
// instance and trigger) holds the per-mailbox limits, so nothing derives the
// count from the per-process in-flight limit any more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateValue } from './lib/expr.mjs';
import { allLocals } from './lib/hcl.mjs';
import { terraformConfig, evalContext } from './lib/config.mjs';

const { merged } = await terraformConfig();
const locals = allLocals(merged);

function maxInstances(overrides) {
  return evaluateValue('${local.maximum_instance_count}', evalContext(merged, overrides));
}

test('the function app uses the maximum instance count variable, default 40', () => {
  assert.equal(merged.resource.azurerm_function_app_flex_consumption.this[0].maximum_instance_count, '${local.maximum_instance_count}');
  assert.equal(merged.variable.maximum_instance_count[0].default, 40);
  assert.equal(maxInstances({}), 40);
  assert.equal(maxInstances({ maximum_instance_count: 7 }), 7);
});

for (const q of [1, 2, 3, 4]) {
  test(`in-flight ${q} per instance no longer changes the instance count`, () => {
    assert.equal(maxInstances({ queue_max_in_flight_per_mailbox: q }), 40);
  });
}

test('nothing derives the count from the in-flight limit, and no precondition ties them', () => {
  assert.equal(locals.derived_maximum_instance_count, undefined);
  assert.equal(locals.sends_in_flight_per_instance, undefined);
  assert.equal(merged.variable.sending_function_groups, undefined);
  const pres = merged.resource.azurerm_function_app_flex_consumption.this[0].lifecycle[0].precondition;
  for (const pre of pres) {
    assert.doesNotMatch(pre.condition, /queue_max_in_flight_per_mailbox|sending_function_groups/);
  }
});

test('the app setting still carries the in-process in-flight limit', () => {
  assert.equal(locals.graph_mailer_app_settings.GRAPH_MAILER_QUEUE_MAX_IN_FLIGHT_PER_MAILBOX, '${tostring(var.queue_max_in_flight_per_mailbox)}');
});

test('the budget settings reach the app: overrides only when given, the HTTP outage policy always', () => {
  assert.equal(locals.graph_mailer_app_settings.GRAPH_MAILER_BUDGET_UNAVAILABLE_HTTP, '${var.budget_unavailable_http}');
  assert.equal(merged.variable.budget_unavailable_http[0].default, 'refuse');
  assert.deepEqual(merged.variable.budget_overrides[0].default, []);
  assert.match(locals.budget_app_settings, /length\(var\.budget_overrides\) == 0 \? \{\}/);
  assert.match(locals.budget_app_settings, /GRAPH_MAILER_BUDGET_OVERRIDES\s*=\s*join\(",", var\.budget_overrides\)/);
  assert.match(locals.function_app_settings, /local\.budget_app_settings/);
});
