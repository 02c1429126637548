// The maximum instance count follows from Graph's ~4 concurrent requests per
// app and mailbox: n * groups * in-flight <= 4.
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

test('the function app uses the derived maximum instance count', () => {
  assert.equal(merged.resource.azurerm_function_app_flex_consumption.this[0].maximum_instance_count, '${local.maximum_instance_count}');
  assert.equal(locals.graph_concurrent_requests_per_mailbox, 4);
});

test('defaults: 4 sends in flight per instance -> 1 instance', () => {
  assert.equal(maxInstances({}), 1);
});

for (const [q, g, expected] of [[4, 1, 1], [3, 1, 1], [2, 1, 2], [1, 1, 4], [2, 2, 1], [1, 2, 2], [1, 4, 1]]) {
  test(`in-flight ${q} x groups ${g} -> ${expected} instance(s), never more than 4 concurrent requests`, () => {
    const n = maxInstances({ queue_max_in_flight_per_mailbox: q, sending_function_groups: g });
    assert.equal(n, expected);
    assert.ok(n * q * g <= 4);
  });
}

test('an explicit maximum_instance_count wins', () => {
  assert.equal(maxInstances({ maximum_instance_count: 40 }), 40);
});

test('the app setting carries the same in-flight limit the arithmetic used', () => {
  assert.equal(locals.graph_mailer_app_settings.GRAPH_MAILER_QUEUE_MAX_IN_FLIGHT_PER_MAILBOX, '${tostring(var.queue_max_in_flight_per_mailbox)}');
});

test('a precondition rejects in-flight x groups > 4 unless the count is set explicitly', () => {
  const pre = merged.resource.azurerm_function_app_flex_consumption.this[0].lifecycle[0].precondition[0];
  const holds = (o) => evaluateValue(pre.condition, evalContext(merged, o));
  assert.equal(holds({}), true);
  assert.equal(holds({ queue_max_in_flight_per_mailbox: 4, sending_function_groups: 2 }), false);
  assert.equal(holds({ queue_max_in_flight_per_mailbox: 4, sending_function_groups: 2, maximum_instance_count: 1 }), true);
});
