// Static checks of the Exchange scoping script (PowerShell is not available on
// these machines, so it is not executed here): it does every step the issue
// asks for, changes nothing outside ShouldProcess (so -WhatIf is a dry run),
// looks before it creates, and reads exactly what Terraform outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { exchangeDir, terraformConfig } from './lib/config.mjs';

const scriptPath = path.join(exchangeDir, 'Set-GraphMailerMailboxScope.ps1');
const script = fs.readFileSync(scriptPath, 'utf8');

/** The script without comments and string contents (for structure checks). */
function code(text) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('<#', i)) {
      i = text.indexOf('#>', i) + 1;
    } else if (text[i] === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (text[i] === "'" ) {
      i++;
      while (i < text.length && !(text[i] === "'" && text[i + 1] !== "'")) i += text[i] === "'" ? 2 : 1;
      out += "''";
    } else if (text[i] === '"') {
      i++;
      let depth = 0;
      while (i < text.length) {
        if (text[i] === '`') i++;
        else if (text.startsWith('$(', i)) depth++;
        else if (text[i] === ')' && depth > 0) depth--;
        else if (text[i] === '"' && depth === 0) break;
        i++;
      }
      out += '""';
    } else {
      out += text[i];
    }
  }
  return out;
}

const stripped = code(script);

test('the script declares SupportsShouldProcess, so -WhatIf is a dry run', () => {
  assert.match(script, /\[CmdletBinding\(SupportsShouldProcess = \$true/);
  assert.match(script, /\$WhatIfPreference/);
});

test('the script runs every step the deployment needs', () => {
  for (const needle of [
    'New-ServicePrincipal',
    'New-ManagementScope',
    'New-ManagementRoleAssignment',
    "'Application Mail.Send'",
    "'Application Mail.ReadWrite'",
    "'Application Mail.ReadBasic'",
    "'Application SMTP.SendAsApp'",
    'Test-ServicePrincipalAuthorization',
    'New-ApplicationAccessPolicy',
    'Test-ApplicationAccessPolicy',
    'Set-CASMailbox -Identity $Mailbox -SmtpClientAuthenticationDisabled $false',
    '-AccessRight RestrictAccess',
  ]) {
    assert.ok(script.includes(needle), `missing: ${needle}`);
  }
});

test('every Exchange change happens inside Invoke-Change (ShouldProcess)', () => {
  const lines = stripped.split('\n');
  const mutating = /^\s*(New|Set|Add|Remove|Enable|Disable)-(?!StrictMode)[A-Z]\w+/;
  const bad = [];
  lines.forEach((line, i) => {
    if (!mutating.test(line)) return;
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    if (!/Invoke-Change .*\{\s*$/.test(lines[j])) bad.push(`line ${i + 1}: ${line.trim()}`);
  });
  assert.deepEqual(bad, []);
  assert.match(script, /\$script:cmdlet\.ShouldProcess\(/);
});

test('the script looks before it creates (idempotent)', () => {
  for (const noun of ['ServicePrincipal', 'ManagementScope', 'ManagementRoleAssignment', 'ApplicationAccessPolicy', 'DistributionGroup']) {
    if (script.includes(`New-${noun}`)) assert.ok(script.includes(`Get-${noun}`), `New-${noun} without Get-${noun}`);
  }
  assert.match(script, /Get-CASMailbox/);
});

test('brackets balance outside strings and comments', () => {
  const pairs = { '(': ')', '{': '}', '[': ']' };
  const stack = [];
  for (const c of stripped) {
    if (pairs[c]) stack.push(pairs[c]);
    else if (Object.values(pairs).includes(c)) assert.equal(stack.pop(), c, 'unbalanced bracket');
  }
  assert.equal(stack.length, 0);
});

test('the script reads exactly the keys of the exchange_scoping Terraform output', async () => {
  const { merged } = await terraformConfig();
  const outputKeys = Object.keys(merged.output.exchange_scoping[0].value).sort();
  const readKeys = [...new Set([...script.matchAll(/\$scoping\.(\w+)/g)].map((m) => m[1]))]
    .filter((k) => k !== 'PSObject' && k !== 'exchange_scoping')
    .sort();
  assert.deepEqual(readKeys, outputKeys);
});
