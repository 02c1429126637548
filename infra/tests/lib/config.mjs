// Paths and the parsed configuration, shared by the test files.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTerraformDir, allLocals } from './hcl.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const infraDir = path.resolve(here, '../..');
// GRAPH_MAILER_TF_DIR points the checks at another copy (used to try them on broken variants).
export const terraformDir = process.env.GRAPH_MAILER_TF_DIR ? path.resolve(process.env.GRAPH_MAILER_TF_DIR) : path.join(infraDir, 'terraform');
export const exchangeDir = path.join(infraDir, 'exchange');
export const repoRoot = path.resolve(infraDir, '..');

/** The app README with the settings table: $GRAPH_MAILER_README, else ../README.md from infra/. */
export const readmePath = process.env.GRAPH_MAILER_README
  ? path.resolve(process.env.GRAPH_MAILER_README)
  : path.join(repoRoot, 'README.md');

let cached;
export async function terraformConfig() {
  cached ??= loadTerraformDir(terraformDir);
  return cached;
}

/** Default values of the declared variables, with overrides (for evaluating counts). */
export function variableValues(merged, overrides = {}) {
  const vars = {};
  for (const [name, [body]] of Object.entries(merged.variable ?? {})) {
    if ('default' in body) vars[name] = body.default;
  }
  return { ...vars, ...overrides };
}

export function evalContext(merged, overrides) {
  return { vars: variableValues(merged, overrides), locals: allLocals(merged) };
}
