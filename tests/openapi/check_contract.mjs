// The OpenAPI contract check (SPEC §15): every exchange the API tests and the browser tests
// recorded (tests/support/contract_log.h, tests/web/harness.mjs; one JSON line each) is held
// against the OpenAPI 3.1 document with ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
//
//   node tests/openapi/check_contract.mjs DOC.json DIR...
//
// An exchange fails when no operation of the document matches its method and path, when its
// status is not among the operation's responses (and there is no range such as 4XX, nor a
// default), when its response content type is not documented for that status, or when its JSON
// response body does not validate. A successful (2xx) exchange also has its JSON request body
// and its path and query parameters validated: a refused request may be refused for exactly the
// reason that it does not match. HEAD is checked against GET's responses, without a body, unless
// the document describes HEAD itself. At the end, every documented operation must have been
// exercised by at least one exchange.
//
// Two kinds of answer are not endpoints and so cannot be in the document: 404 for a path that no
// operation has, and 405 for a method that a documented path does not have (401 for either
// when the request had no credentials: the server authenticates before it routes). The tests
// ask for them on purpose; they are checked against the shared error schema
// (components/schemas/Error) when the document has one, and counted apart. Any other answer to
// such a request is an endpoint the document is missing.
//
// Output: the exchanges and operations covered, then each distinct failure once, with how many
// exchanges had it and one example; exit status 1 on any failure.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020.js').default;
const addFormats = require('ajv-formats').default;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// A JSON pointer into the document, as a URI fragment ajv can resolve.
const pointer = (...parts) =>
  '#/' + parts.map((p) => encodeURIComponent(String(p).replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

// "application/json; charset=utf-8" -> "application/json".
const mediaType = (contentType) => (contentType ?? '').split(';')[0].trim().toLowerCase();

// The documented media type that `type` falls under: exact first, then "text/*", then "*/*".
function documentedMedia(content, type) {
  if (!content) return undefined;
  const keys = Object.keys(content);
  const lower = new Map(keys.map((k) => [mediaType(k), k]));
  return lower.get(type) ?? lower.get(`${type.split('/')[0]}/*`) ?? lower.get('*/*');
}

// A %-encoded path segment decoded; a malformed escape (which the tests send on purpose) as sent.
function decoded(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// A path template of the document as a matcher: literal segments must be equal (once
// %-decoded, as the server routes: /api/v1/%65vidence is /api/v1/evidence), each {name}
// takes one non-empty segment. More literal segments make a better match (OpenAPI: concrete
// paths before templated ones, so /findings/export beats /findings/{id}).
function compileTemplate(prefix, template) {
  const segments = (prefix + template).split('/').slice(1);
  const literals = segments.filter((s) => !/^\{[^}]+\}$/.test(s)).length;
  return {
    template,
    literals,
    match(pathSegments) {
      if (pathSegments.length !== segments.length) return null;
      const params = {};
      for (let i = 0; i < segments.length; i++) {
        const m = /^\{([^}]+)\}$/.exec(segments[i]);
        if (m) {
          if (pathSegments[i] === '') return null;
          params[m[1]] = decoded(pathSegments[i]);
        } else if (segments[i] !== decoded(pathSegments[i])) {
          return null;
        }
      }
      return params;
    },
  };
}

// The path prefix of the document's first server ("/" and absent: none).
function serverPrefix(doc) {
  const url = doc.servers?.[0]?.url ?? '/';
  const path = /^[a-z]+:\/\//i.test(url) ? new URL(url).pathname : url;
  return path.replace(/\/+$/, '');
}

// Turns a query or path value (a string, or several for a repeated key) into what its schema
// says it is, so that "limit=20" validates against {type: integer}. A value that does not
// convert is left as it is and fails validation with a message that says why.
function coerce(schema, values, explode) {
  const types = [].concat(schema?.type ?? []);
  if (types.includes('array')) {
    const items = explode === false ? values.flatMap((v) => v.split(',')) : values;
    return items.map((v) => coerce(schema.items, [v], true));
  }
  const v = values[values.length - 1];
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v)) return Number(v);
  if (types.includes('boolean') && (v === 'true' || v === 'false')) return v === 'true';
  return v;
}

export class ContractChecker {
  constructor(doc) {
    this.doc = doc;
    this.ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema(doc, 'openapi');
    this.validators = new Map();  // pointer -> compiled validator, each compiled once
    const prefix = serverPrefix(doc);
    this.paths = Object.keys(doc.paths ?? {}).map((t) => compileTemplate(prefix, t));
    this.operations = new Map();  // "GET /api/v1/findings" -> number of exchanges
    for (const [template, item] of Object.entries(doc.paths ?? {})) {
      for (const m of METHODS) if (item[m]) this.operations.set(`${m.toUpperCase()} ${template}`, 0);
    }
    this.failures = new Map();  // failure text -> {count, example}
    this.exchanges = 0;
    this.refusals = 0;
  }

  // Follows a $ref within the document (parameters, responses, request bodies).
  deref(object) {
    let o = object;
    for (let i = 0; o?.$ref && i < 16; i++) {
      o = o.$ref.slice(2).split('/').reduce((at, p) => at?.[p.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
    }
    return o;
  }

  validator(ref) {
    let v = this.validators.get(ref);
    if (!v) {
      v = this.ajv.compile({ $ref: `openapi${ref}` });
      this.validators.set(ref, v);
    }
    return v;
  }

  // The schema errors of `value` against the schema at `ref`, one line each ([] when valid).
  // Array indices become "*", so that the same mistake in every item is one failure.
  errors(ref, value) {
    const v = this.validator(ref);
    if (v(value)) return [];
    return v.errors.map((e) => {
      const at = e.instancePath.replace(/\/\d+(?=\/|$)/g, '/*') || '(the whole value)';
      const extra = e.params?.additionalProperty ?? e.params?.allowedValues?.join('|') ?? '';
      return `${at} ${e.message}${extra ? ` (${extra})` : ''}`;
    });
  }

  fail(text, exchange) {
    const f = this.failures.get(text) ?? { count: 0, example: exchange };
    f.count++;
    this.failures.set(text, f);
  }

  // The operation for a method and path: {template, method, op, params} or a reason why none.
  find(method, path) {
    const segments = path.split('/').slice(1);
    const matches = this.paths
      .map((p) => ({ p, params: p.match(segments) }))
      .filter((m) => m.params)
      .sort((a, b) => b.p.literals - a.p.literals);
    if (matches.length === 0) return { reason: 'no path' };
    // Methods are case-sensitive (RFC 9110): "get" is no method the server has.
    for (const { p, params } of method === method.toUpperCase() ? matches : []) {
      const item = this.doc.paths[p.template];
      let m = method.toLowerCase();
      if (m === 'head' && !item.head) m = 'get';
      if (item[m]) return { template: p.template, method: m, op: item[m], item, params };
    }
    return { reason: 'no method', template: matches[0].p.template };
  }

  check(exchange) {
    this.exchanges++;
    const { method, target, status } = exchange;
    const [path, query = ''] = String(target).split('?', 2);
    const found = this.find(method, path);
    const name = found.template ? `${method} ${found.template}` : `${method} ${path}`;
    if (!found.op) {
      const refused = found.reason === 'no path' ? [401, 404].includes(status) : [401, 405].includes(status);
      if (!refused) {
        this.fail(`${name}: no such operation in the document (answered ${status})`, exchange);
        return;
      }
      this.refusals++;
      const body = exchange.response?.body;
      if (body !== undefined && this.doc.components?.schemas?.Error) {
        for (const e of this.errors(pointer('components', 'schemas', 'Error'), body)) {
          this.fail(`${method} (not routed) ${status}: the error body: ${e}`, exchange);
        }
      }
      return;
    }
    const key = `${found.method.toUpperCase()} ${found.template}`;
    if (found.method === method.toLowerCase()) this.operations.set(key, this.operations.get(key) + 1);
    this.checkResponse(exchange, found, name);
    if (status >= 200 && status < 300) {
      this.checkParameters(exchange, found, name, query);
      this.checkRequestBody(exchange, found, name);
    }
  }

  checkResponse(exchange, found, name) {
    const { status } = exchange;
    const responses = found.op.responses ?? {};
    const code = [String(status), `${String(status)[0]}XX`, 'default'].find((c) => responses[c]);
    if (!code) {
      this.fail(`${name}: status ${status} is not documented`, exchange);
      return;
    }
    const response = this.deref(responses[code]);
    const type = mediaType(exchange.response?.content_type);
    if (!type) return;  // no body (204, 304): nothing more to hold it to
    const media = documentedMedia(response?.content, type);
    if (!media) {
      this.fail(`${name} ${status}: content type ${type} is not documented`, exchange);
      return;
    }
    const body = exchange.response?.body;
    if (body === undefined || exchange.method === 'HEAD' || !response.content[media].schema) return;
    const base = responses[code].$ref
      ? responses[code].$ref.slice(1).split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      : ['paths', found.template, found.method, 'responses', code];
    for (const e of this.errors(pointer(...base, 'content', media, 'schema'), body)) {
      this.fail(`${name} ${status} ${media}: response body: ${e}`, exchange);
    }
  }

  // The parameters of the operation and of its path, the operation's overriding the path's.
  parameters(found) {
    const all = new Map();
    const list = (owner, where) => (owner.parameters ?? []).forEach((p, i) => {
      const d = this.deref(p);
      const ref = p.$ref ? p.$ref.slice(1) + '/schema' : pointer(...where, 'parameters', i, 'schema');
      all.set(`${d.in} ${d.name}`, { ...d, ref: ref.startsWith('#') ? ref : `#${ref}` });
    });
    list(found.item, ['paths', found.template]);
    list(found.op, ['paths', found.template, found.method]);
    return [...all.values()];
  }

  checkParameters(exchange, found, name, query) {
    const params = this.parameters(found);
    const given = new URLSearchParams(query);
    for (const p of params.filter((q) => q.in === 'query')) {
      const values = given.getAll(p.name);
      if (values.length === 0) {
        if (p.required) this.fail(`${name}: required query parameter ${p.name} missing from a 2xx request`, exchange);
        continue;
      }
      if (!p.schema) continue;
      const value = coerce(this.deref(p.schema), values, p.explode);
      for (const e of this.errors(p.ref, value)) this.fail(`${name}: query parameter ${p.name}: ${e}`, exchange);
    }
    const documented = new Set(params.filter((q) => q.in === 'query').map((q) => q.name));
    for (const k of new Set(given.keys())) {
      if (!documented.has(k)) this.fail(`${name}: query parameter ${k} is not documented`, exchange);
    }
    for (const [k, v] of Object.entries(found.params)) {
      const p = params.find((q) => q.in === 'path' && q.name === k);
      if (!p) {
        this.fail(`${name}: path parameter ${k} is not documented`, exchange);
      } else if (p.schema) {
        for (const e of this.errors(p.ref, coerce(this.deref(p.schema), [v], true))) {
          this.fail(`${name}: path parameter ${k}: ${e}`, exchange);
        }
      }
    }
  }

  checkRequestBody(exchange, found, name) {
    const type = mediaType(exchange.request?.content_type);
    const body = exchange.request?.body;
    const rb = found.op.requestBody;
    if (!rb) {
      if (body !== undefined) this.fail(`${name}: a request body was accepted but none is documented`, exchange);
      return;
    }
    const requestBody = this.deref(rb);
    if (!type) {
      if (requestBody.required) this.fail(`${name}: accepted without the required request body`, exchange);
      return;
    }
    const media = documentedMedia(requestBody.content, type);
    if (!media) {
      this.fail(`${name}: request content type ${type} accepted but not documented`, exchange);
      return;
    }
    if (body === undefined || !requestBody.content[media].schema) return;
    const base = rb.$ref
      ? rb.$ref.slice(2).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      : ['paths', found.template, found.method, 'requestBody'];
    for (const e of this.errors(pointer(...base, 'content', media, 'schema'), body)) {
      this.fail(`${name}: request body: ${e}`, exchange);
    }
  }

  // The operations no exchange exercised (each is a failure), after every exchange was checked.
  finish() {
    const unexercised = [...this.operations].filter(([, n]) => n === 0).map(([k]) => k);
    for (const op of unexercised) this.fail(`${op}: documented, but no test exercised it`, null);
    return unexercised;
  }

  report() {
    const covered = [...this.operations.values()].filter((n) => n > 0).length;
    const lines = [
      `${this.exchanges} exchanges (${this.refusals} of them refusals of what is no endpoint); ` +
        `${covered} of ${this.operations.size} documented operations exercised`,
    ];
    const sorted = [...this.failures].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
    for (const [text, { count, example }] of sorted) {
      lines.push(`FAIL ${count > 1 ? `(${count}x) ` : ''}${text}`);
      if (example) lines.push(`     e.g. ${example.source ?? '?'}: ${example.method} ${example.target} -> ${example.status}`);
    }
    if (sorted.length) lines.push(`${sorted.length} distinct failures`);
    return lines.join('\n');
  }
}

// Every exchange of every *.jsonl file in `dirs` (files may be given directly too).
export function readExchanges(dirs) {
  const exchanges = [];
  const problems = [];
  for (const d of dirs) {
    const files = statSync(d).isDirectory()
      ? readdirSync(d).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(d, f))
      : [d];
    for (const file of files) {
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (!line.trim()) return;
        try {
          exchanges.push(JSON.parse(line));
        } catch (e) {
          problems.push(`${file}:${i + 1}: not a JSON line (${e.message})`);
        }
      });
    }
  }
  return { exchanges, problems };
}

// The whole check: {ok, text}.
export function checkContract(doc, exchanges) {
  const checker = new ContractChecker(doc);
  for (const e of exchanges) checker.check(e);
  checker.finish();
  return { ok: checker.failures.size === 0 && exchanges.length > 0, text: checker.report(), checker };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [docPath, ...dirs] = process.argv.slice(2);
  if (!docPath || dirs.length === 0) {
    console.error('usage: check_contract.mjs OPENAPI.json LOG-DIR...');
    process.exit(2);
  }
  const doc = JSON.parse(readFileSync(docPath, 'utf8'));
  const { exchanges, problems } = readExchanges(dirs);
  const { ok, text } = checkContract(doc, exchanges);
  console.log(text);
  for (const p of problems) console.log(`FAIL ${p}`);
  if (exchanges.length === 0) console.log(`FAIL no exchanges recorded in ${dirs.join(', ')}: is the recorder on?`);
  process.exit(ok && problems.length === 0 ? 0 : 1);
}
