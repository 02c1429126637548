// Every Terraform file parses with a real HCL parser, and the parser really
// rejects broken HCL (so a green run means something).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseHcl } from './lib/hcl.mjs';
import { terraformDir } from './lib/config.mjs';

const hclFiles = fs
  .readdirSync(terraformDir)
  .filter((n) => n.endsWith('.tf') || n.endsWith('.tfvars') || n.endsWith('.tfvars.example'))
  .sort();

test('the terraform directory has the expected files', () => {
  for (const name of ['versions.tf', 'variables.tf', 'outputs.tf', 'terraform.tfvars.example', 'README.md']) {
    assert.ok(fs.existsSync(path.join(terraformDir, name)), `${name} is missing`);
  }
});

for (const name of hclFiles) {
  test(`${name} is valid HCL`, async () => {
    const source = fs.readFileSync(path.join(terraformDir, name), 'utf8');
    const json = await parseHcl(name, source);
    assert.equal(typeof json, 'object');
  });
}

const broken = {
  'missing value': 'resource "a" "b" {\n  x =\n}\n',
  'unclosed block': 'resource "a" "b" {\n  x = 1\n',
  'unterminated string': 'locals {\n  x = "abc\n}\n',
  'unclosed interpolation': 'locals {\n  x = "${var.a"\n}\n',
  'duplicate argument': 'resource "a" "b" {\n  x = 1\n  x = 2\n}\n',
  'missing list separator': 'locals {\n  x = [1 2]\n}\n',
  'stray closing brace': 'locals {\n  x = 1\n}\n}\n',
  'bad operator': 'locals {\n  x = 1 +* 2\n}\n',
};

for (const [what, source] of Object.entries(broken)) {
  test(`the parser rejects broken HCL: ${what}`, async () => {
    await assert.rejects(parseHcl('broken.tf', source), /broken\.tf/);
  });
}

test('the parser accepts the same snippets once fixed (the rejections are about syntax)', async () => {
  await parseHcl('fixed.tf', 'resource "a" "b" {\n  x = 1\n}\nlocals {\n  y = [1, 2]\n  z = "${var.a}"\n}\n');
});
