// Reads the settings table of the app README: the Markdown table whose header
// row is exactly "| Env var | Property | Default | Required | Description |".
export const SETTINGS_TABLE_HEADER = '| Env var | Property | Default | Required | Description |';

/** Rows of the settings table as { envVar, property, default, required, description }. */
export function parseSettingsTable(markdown) {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === SETTINGS_TABLE_HEADER);
  if (start < 0) throw new Error(`no settings table: the header row "${SETTINGS_TABLE_HEADER}" was not found`);
  if (!/^\|\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*){4}\|$/.test(lines[start + 1]?.trim() ?? '')) {
    throw new Error('the settings table header is not followed by a |---|---|---|---|---| delimiter row');
  }
  const rows = [];
  for (let i = start + 2; i < lines.length && lines[i].trim().startsWith('|'); i++) {
    const cells = splitRow(lines[i]);
    if (cells.length !== 5) throw new Error(`settings table row ${i + 1} has ${cells.length} cells, not 5: ${lines[i]}`);
    const [envVar, property, def, required, description] = cells;
    rows.push({ envVar: stripCode(envVar), property: stripCode(property), default: def, required, description, line: i + 1 });
  }
  if (rows.length === 0) throw new Error('the settings table has no rows');
  return rows;
}

function splitRow(line) {
  // Split on unescaped pipes that are not inside `code`.
  const cells = [];
  let cell = '';
  let inCode = false;
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\' && body[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (c === '`') {
      inCode = !inCode;
      cell += c;
    } else if (c === '|' && !inCode) {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += c;
    }
  }
  cells.push(cell.trim());
  return cells;
}

function stripCode(s) {
  return s.replace(/`/g, '').trim();
}

/**
 * Whether a row must be set by the deployment. "yes..." -> required; "no..." or
 * empty -> not; "when <subject> is <value>[ or <value>...]" -> required when the
 * deployment's value of that subject is one of the values. `deployment` maps a
 * normalised subject ("transport", "caller auth") to the value(s) Terraform
 * deploys. Anything else is an error, so a new wording fails loudly.
 */
export function isRequiredFor(requiredCell, deployment) {
  const cell = requiredCell.replace(/[*_`]/g, '').trim().toLowerCase();
  if (cell.startsWith('yes')) return true;
  if (cell === '' || cell === '-' || cell === '—' || cell.startsWith('no')) return false;
  const m = /^when\s+(.+?)\s+(?:is|=|==)\s+(.+?)\.?$/.exec(cell);
  if (!m) throw new Error(`cannot read the Required cell "${requiredCell}"`);
  const subject = m[1].replace(/\s+mode$/, '').trim();
  const values = m[2].split(/\s*(?:,|\bor\b)\s*/).map((v) => v.replace(/["'`]/g, '').trim()).filter(Boolean);
  if (!(subject in deployment)) return false;
  const deployed = [].concat(deployment[subject]);
  return values.some((v) => deployed.includes(v));
}
