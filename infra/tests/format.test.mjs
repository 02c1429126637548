// The layout `terraform fmt` produces, checked without Terraform: two-space
// indentation by nesting depth, no tabs or trailing blanks, and "=" aligned
// across consecutive single-line arguments (a blank line, a comment line, a
// block or a multi-line value ends a run, as in hclwrite). Run `terraform fmt
// -check` for the authoritative answer; this catches the common slips here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { terraformDir } from './lib/config.mjs';

/** Net bracket change of a line, ignoring brackets inside strings and comments. */
function scan(line) {
  let net = 0;
  let leadingClosers = 0;
  let seenOther = false;
  let inString = false;
  let interp = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '$' && line[i + 1] === '{') {
        interp++;
        i++;
      } else if (c === '}' && interp > 0) interp--;
      else if (c === '"' && interp === 0) inString = false;
      continue;
    }
    if (c === '#' || (c === '/' && line[i + 1] === '/')) break;
    if (c === '"') {
      inString = true;
      seenOther = true;
    } else if ('{[('.includes(c)) {
      net++;
      seenOther = true;
    } else if ('}])'.includes(c)) {
      net--;
      if (!seenOther) leadingClosers++;
    } else if (c !== ' ') {
      seenOther = true;
    }
  }
  return { net, leadingClosers };
}

function formatProblems(source) {
  const problems = [];
  const lines = source.split('\n');
  // As hclwrite does: a line with a net surplus of opening brackets adds one
  // indent level however many it opens; closers pop levels again.
  const indents = [];
  let run = [];
  const closeRun = () => {
    if (run.length > 1) {
      const width = Math.max(...run.map((r) => r.keyEnd));
      for (const r of run) {
        if (r.eq !== width + 1) problems.push(`line ${r.n}: "=" at column ${r.eq + 1}, expected ${width + 2} (aligned with lines ${run[0].n}-${run.at(-1).n})`);
      }
    } else if (run.length === 1 && run[0].eq !== run[0].keyEnd + 1) {
      problems.push(`line ${run[0].n}: expected exactly one space before "="`);
    }
    run = [];
  };
  let heredoc = null;
  lines.forEach((line, idx) => {
    const n = idx + 1;
    if (heredoc) {
      if (line.trim() === heredoc) heredoc = null;
      return;
    }
    if (/\t/.test(line)) problems.push(`line ${n}: tab character`);
    if (/\s+$/.test(line)) problems.push(`line ${n}: trailing whitespace`);
    const trimmed = line.trim();
    if (trimmed === '') {
      closeRun();
      return;
    }
    const { net, leadingClosers } = scan(line);
    const expectedIndent = 2 * (indents.length - (leadingClosers > 0 ? 1 : 0));
    const indent = line.length - line.trimStart().length;
    if (indent !== expectedIndent) problems.push(`line ${n}: indented ${indent}, expected ${expectedIndent}`);
    if (net > 0) {
      indents.push(net);
    } else {
      let closed = -net;
      while (closed > 0 && indents.length) {
        const top = indents.at(-1);
        if (closed >= top) {
          closed -= top;
          indents.pop();
        } else {
          indents[indents.length - 1] -= closed;
          closed = 0;
        }
      }
    }
    const hd = /<<-?([A-Z]+)\s*$/.exec(line);
    if (hd) heredoc = hd[1];
    const assign = /^(\s*)("[^"]*"|[A-Za-z_][A-Za-z0-9_-]*)(\s*)=(?!=)/.exec(line);
    if (assign && net === 0 && !trimmed.startsWith('#')) {
      run.push({ n, keyEnd: assign[1].length + assign[2].length, eq: assign[1].length + assign[2].length + assign[3].length });
    } else {
      closeRun();
    }
  });
  closeRun();
  if (indents.length !== 0) problems.push('unbalanced brackets at end of file');
  if (!source.endsWith('\n') || source.endsWith('\n\n')) problems.push('file must end with exactly one newline');
  return problems;
}

const files = fs.readdirSync(terraformDir).filter((n) => n.endsWith('.tf') || n.endsWith('.tfvars.example')).sort();

for (const name of files) {
  test(`${name} is laid out as terraform fmt would`, () => {
    assert.deepEqual(formatProblems(fs.readFileSync(path.join(terraformDir, name), 'utf8')), []);
  });
}

test('the layout check notices misaligned "=", bad indentation and tabs', () => {
  assert.deepEqual(formatProblems('a {\n  x = 1\n  yy = 2\n}\n'), ['line 2: "=" at column 5, expected 6 (aligned with lines 2-3)']);
  assert.deepEqual(formatProblems('a {\n   x = 1\n}\n'), ['line 2: indented 3, expected 2']);
  assert.deepEqual(formatProblems('a {\n\tx = 1\n}\n'), ['line 2: tab character', 'line 2: indented 1, expected 2']);
  assert.deepEqual(formatProblems('a {\n  x  = 1\n\n  yy = 2\n}\n'), ['line 2: expected exactly one space before "="']);
  assert.deepEqual(formatProblems('a {\n  x = 1\n  tags = {\n    k = "v"\n  }\n}\n'), []);
  assert.deepEqual(formatProblems('a {\n  t = merge(b, {\n    k = "v"\n  })\n}\n'), []);
});
