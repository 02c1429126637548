// Loads Terraform configuration with a real HCL parser (the HashiCorp hcl2json
// WebAssembly build shipped as @cdktf/hcl2json; it runs offline) and walks the
// JSON it produces.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** Parses one HCL document; rejects with the parser's diagnostics on a syntax error. */
export async function parseHcl(fileName, text) {
  return parse(fileName, text);
}

/** Every *.tf file of a directory, parsed one by one so an error names its file. */
export async function loadTerraformDir(dir) {
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.tf')).sort();
  const files = [];
  for (const name of names) {
    const source = fs.readFileSync(path.join(dir, name), 'utf8');
    files.push({ name, source, json: await parseHcl(name, source) });
  }
  return { dir, files, merged: mergeConfigs(files.map((f) => f.json)) };
}

/** Terraform merges all files of a module; so does this (blocks of a label keep every instance). */
export function mergeConfigs(docs) {
  const out = {};
  for (const doc of docs) {
    for (const [kind, value] of Object.entries(doc)) {
      if (Array.isArray(value)) {
        out[kind] = [...(out[kind] ?? []), ...value];
      } else if (kind === 'resource' || kind === 'data') {
        out[kind] ??= {};
        for (const [type, byName] of Object.entries(value)) {
          out[kind][type] = { ...(out[kind][type] ?? {}), ...byName };
        }
      } else {
        out[kind] = { ...(out[kind] ?? {}), ...value };
      }
    }
  }
  return out;
}

/** Yields [address, body] for every resource ("type.name") and data source ("data.type.name"). */
export function* blocksOf(merged) {
  for (const [type, byName] of Object.entries(merged.resource ?? {})) {
    for (const [name, bodies] of Object.entries(byName)) yield [`${type}.${name}`, bodies[0], 'resource', type];
  }
  for (const [type, byName] of Object.entries(merged.data ?? {})) {
    for (const [name, bodies] of Object.entries(byName)) yield [`data.${type}.${name}`, bodies[0], 'data', type];
  }
}

/** Every string in a parsed value, with the JSON path that leads to it. */
export function* stringsIn(value, at = []) {
  if (typeof value === 'string') {
    yield [value, at];
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* stringsIn(value[i], [...at, i]);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* stringsIn(v, [...at, k]);
  }
}

export function allLocals(merged) {
  return Object.assign({}, ...(merged.locals ?? []));
}
