// Just enough of the HCL expression language to find references in, and to
// evaluate the small arithmetic and boolean expressions (count, locals) that the
// tests pin down. Input is the expression text that hcl2json leaves in its JSON
// output ("${...}" strings), which is HCL source, so this follows HCL's rules.

/** The "${...}" (and "%{...}") expression sources inside one hcl2json string value. */
export function templateExpressions(text) {
  const out = [];
  for (let i = 0; i < text.length; i++) {
    if ((text[i] === '$' || text[i] === '%') && text[i + 1] === '{') {
      if (text[i - 1] === text[i]) continue; // "$${" / "%%{" escape a literal
      const end = matchingBrace(text, i + 1);
      out.push(text.slice(i + 2, end).replace(/^~|~$/g, ''));
      i = end;
    }
  }
  return out;
}

function matchingBrace(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = endOfString(text, i);
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`unbalanced braces in ${JSON.stringify(text)}`);
}

function endOfString(text, start) {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
    } else if ((text[i] === '$' || text[i] === '%') && text[i + 1] === '{' && text[i - 1] !== text[i]) {
      i = matchingBrace(text, i + 1);
    } else if (text[i] === '"') {
      return i;
    }
  }
  throw new Error(`unterminated string in ${JSON.stringify(text)}`);
}

/** Tokens of one expression. Strings become {type:'string', parts}: literal text and nested expressions. */
export function tokenize(src) {
  const tokens = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      const end = endOfString(src, i);
      const body = src.slice(i + 1, end);
      tokens.push({ type: 'string', raw: body, exprs: templateExpressions(body), value: unescape(body) });
      i = end + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i));
      tokens.push({ type: 'number', value: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
      tokens.push({ type: 'ident', value: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 3) === '...' ? '...' : src.slice(i, i + 2);
      if (['...', '==', '!=', '<=', '>=', '&&', '||', '=>'].includes(two)) {
        tokens.push({ type: 'op', value: two });
        i += two.length;
      } else if ('+-*/%<>!?:=()[]{},.'.includes(c)) {
        tokens.push({ type: 'op', value: c });
        i++;
      } else {
        throw new Error(`unexpected character ${JSON.stringify(c)} in ${JSON.stringify(src)}`);
      }
    }
  }
  return tokens;
}

function unescape(body) {
  return body.replace(/\\(.)/g, (_, ch) => ({ n: '\n', t: '\t', r: '\r' })[ch] ?? ch);
}

/**
 * References in an expression: [{ root, path, indexed, text }] where path is
 * the dotted names after the root ("var.x" -> root "var", path ["x"]) and
 * indexed tells, per path element, whether "[...]" follows it. Names bound by
 * "for" expressions, object keys and function names are not references.
 */
export function referencesIn(src, bound = new Set()) {
  const tokens = tokenize(src);
  const refs = [];
  const locallyBound = new Set(bound);
  // for-expression iterators: "for k, v in" / "for v in"
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].type === 'ident' && tokens[i].value === 'for' && ['[', '{'].includes(tokens[i - 1]?.value)) {
      for (let j = i + 1; j < tokens.length && tokens[j].value !== 'in'; j++) {
        if (tokens[j].type === 'ident') locallyBound.add(tokens[j].value);
      }
    }
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === 'string') {
      for (const e of t.exprs) refs.push(...referencesIn(e, locallyBound));
      continue;
    }
    if (t.type !== 'ident') continue;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    if (prev?.value === '.') continue; // attribute of something else
    if (next?.value === '(') continue; // function call
    if (next?.value === '=' || (next?.value === ':' && isObjectKey(tokens, i))) continue; // object key
    if (['true', 'false', 'null', 'for', 'in', 'if'].includes(t.value)) continue;
    if (locallyBound.has(t.value)) continue;
    const path = [];
    const indexed = [];
    let j = i + 1;
    let rootIndexed = false;
    while (j < tokens.length) {
      if (tokens[j].value === '.' && tokens[j + 1]?.type === 'ident') {
        path.push(tokens[j + 1].value);
        indexed.push(false);
        j += 2;
      } else if (tokens[j].value === '.' && tokens[j + 1]?.value === '*') {
        if (path.length === 0) rootIndexed = true;
        else indexed[indexed.length - 1] = true;
        j += 2;
      } else if (tokens[j].value === '[') {
        if (path.length === 0) rootIndexed = true;
        else indexed[indexed.length - 1] = true;
        j = skipBracket(tokens, j);
      } else {
        break;
      }
    }
    refs.push({ root: t.value, path, indexed, rootIndexed, text: tokens.slice(i, j).map((x) => x.value ?? '').join('') });
  }
  return refs;
}

function isObjectKey(tokens, i) {
  // "key : value" only appears inside "{ for ... : ... }" and "cond ? a : b";
  // a key is preceded by "{" or ",".
  return ['{', ','].includes(tokens[i - 1]?.value);
}

function skipBracket(tokens, open) {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    if (tokens[j].value === '[' || tokens[j].value === '(' || tokens[j].value === '{') depth++;
    if (tokens[j].value === ']' || tokens[j].value === ')' || tokens[j].value === '}') depth--;
    if (depth === 0) return j + 1;
  }
  return tokens.length;
}

/** References in every "${...}" of an hcl2json string value. */
export function referencesInValue(text, bound) {
  return templateExpressions(text).flatMap((e) => referencesIn(e, bound));
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

export class Unknown extends Error {}

const FUNCTIONS = {
  max: (...a) => Math.max(...a),
  min: (...a) => Math.min(...a),
  floor: (x) => Math.floor(x),
  ceil: (x) => Math.ceil(x),
  coalesce: (...a) => a.find((x) => x !== null && x !== ''),
  length: (x) => (typeof x === 'string' ? x.length : Array.isArray(x) ? x.length : Object.keys(x).length),
  tostring: (x) => String(x),
  tonumber: (x) => Number(x),
  contains: (list, x) => list.includes(x),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  join: (sep, list) => list.join(sep),
  toset: (list) => [...new Set(list)],
  tolist: (list) => [...list],
  one: (list) => (list.length === 0 ? null : list[0]),
  alltrue: (list) => list.every(Boolean),
  anytrue: (list) => list.some(Boolean),
};

/**
 * Evaluates an hcl2json value (a "${expr}" string, a template, or plain JSON)
 * with the given variables and locals. Anything else (resource attributes,
 * unsupported syntax) throws Unknown.
 */
export function evaluateValue(value, ctx) {
  if (typeof value === 'string') {
    const exprs = templateExpressions(value);
    if (exprs.length === 1 && value.startsWith('${') && value.endsWith('}') && value.length === exprs[0].length + 3) {
      return evaluate(exprs[0], ctx);
    }
    if (exprs.length === 0) return value.replace(/\$\$\{/g, '${');
    let out = '';
    let rest = value;
    for (const e of exprs) {
      const at = rest.indexOf('${' + e + '}');
      if (at < 0) throw new Unknown(`template directive in ${value}`);
      out += rest.slice(0, at) + String(evaluate(e, ctx));
      rest = rest.slice(at + e.length + 3);
    }
    return out + rest;
  }
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, ctx));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateValue(v, ctx)]));
  }
  return value;
}

export function evaluate(src, ctx) {
  const p = new Parser(tokenize(src), ctx, src);
  const v = p.expr();
  if (p.pos !== p.tokens.length) throw new Unknown(`unsupported syntax in ${src}`);
  return v;
}

class Parser {
  constructor(tokens, ctx, src) {
    Object.assign(this, { tokens, ctx, src, pos: 0 });
  }
  peek() {
    return this.tokens[this.pos]?.value;
  }
  take(v) {
    if (this.peek() !== v) throw new Unknown(`expected ${v} in ${this.src}`);
    this.pos++;
  }
  expr() {
    const c = this.binary(0);
    if (this.peek() === '?') {
      this.pos++;
      const a = this.expr();
      this.take(':');
      const b = this.expr();
      return c ? a : b;
    }
    return c;
  }
  binary(level) {
    const levels = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];
    if (level === levels.length) return this.unary();
    let left = this.binary(level + 1);
    while (levels[level].includes(this.peek())) {
      const op = this.tokens[this.pos++].value;
      const right = this.binary(level + 1);
      left = apply(op, left, right);
    }
    return left;
  }
  unary() {
    if (this.peek() === '!') {
      this.pos++;
      return !this.unary();
    }
    if (this.peek() === '-') {
      this.pos++;
      return -this.unary();
    }
    return this.postfix(this.primary());
  }
  postfix(v) {
    for (;;) {
      if (this.peek() === '.' && this.tokens[this.pos + 1]?.type === 'ident') {
        const name = this.tokens[this.pos + 1].value;
        this.pos += 2;
        if (v === null || typeof v !== 'object' || !(name in v)) throw new Unknown(`no attribute ${name} in ${this.src}`);
        v = v[name];
      } else if (this.peek() === '[') {
        this.pos++;
        const k = this.expr();
        this.take(']');
        v = v?.[k];
      } else {
        return v;
      }
    }
  }
  primary() {
    const t = this.tokens[this.pos++];
    if (!t) throw new Unknown(`unexpected end of ${this.src}`);
    if (t.type === 'number') return t.value;
    if (t.type === 'string') {
      if (t.exprs.length) throw new Unknown(`template string in ${this.src}`);
      return t.value;
    }
    if (t.value === '(') {
      const v = this.expr();
      this.take(')');
      return v;
    }
    if (t.value === '[') {
      const items = [];
      while (this.peek() !== ']') {
        if (this.peek() === 'for') throw new Unknown(`for expression in ${this.src}`);
        items.push(this.expr());
        if (this.peek() === ',') this.pos++;
      }
      this.take(']');
      return items;
    }
    if (t.type !== 'ident') throw new Unknown(`unsupported ${t.value} in ${this.src}`);
    if (t.value === 'true') return true;
    if (t.value === 'false') return false;
    if (t.value === 'null') return null;
    if (this.peek() === '(') {
      const fn = FUNCTIONS[t.value];
      if (!fn) throw new Unknown(`function ${t.value} in ${this.src}`);
      this.pos++;
      const args = [];
      while (this.peek() !== ')') {
        args.push(this.expr());
        if (this.peek() === ',') this.pos++;
      }
      this.take(')');
      return fn(...args);
    }
    if (t.value === 'var' || t.value === 'local') {
      this.take('.');
      const name = this.tokens[this.pos++].value;
      if (t.value === 'var') {
        if (!(name in this.ctx.vars)) throw new Unknown(`var.${name} has no value`);
        return this.ctx.vars[name];
      }
      if (!(name in this.ctx.locals)) throw new Unknown(`local.${name} is not defined`);
      return evaluateValue(this.ctx.locals[name], this.ctx);
    }
    throw new Unknown(`${t.value} is not known before apply (${this.src})`);
  }
}

function apply(op, a, b) {
  switch (op) {
    case '||': return a || b;
    case '&&': return a && b;
    case '==': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '>': return a > b;
    case '<=': return a <= b;
    case '>=': return a >= b;
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
    default: throw new Unknown(op);
  }
}
