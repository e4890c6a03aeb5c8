// The contract checker itself (check_contract.mjs), on a tiny document and hand-made exchanges:
// it must pass a log that matches and fail each kind of mismatch the contract test exists for.
//   node --test tests/openapi/check_contract.test.mjs
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { checkContract } from './check_contract.mjs';

const doc = {
  openapi: '3.1.0',
  info: { title: 'tiny', version: '1' },
  servers: [{ url: '/' }],
  paths: {
    '/api/v1/findings': {
      get: {
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } }],
        responses: {
          200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/FindingList' } } } },
          401: { $ref: '#/components/responses/Error' },
        },
      },
      post: {
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object', required: ['title'], additionalProperties: false, properties: { title: { type: 'string' } } },
            },
          },
        },
        responses: {
          201: { description: 'made', content: { 'application/json': { schema: { $ref: '#/components/schemas/Finding' } } } },
          '4XX': { $ref: '#/components/responses/Error' },
        },
      },
    },
    '/api/v1/findings/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^F-[0-9]+$' } }],
      get: {
        responses: {
          200: { description: 'one', content: { 'application/json': { schema: { $ref: '#/components/schemas/Finding' } } } },
          404: { $ref: '#/components/responses/Error' },
        },
      },
    },
    '/api/v1/findings/export': {
      get: { responses: { 200: { description: 'csv', content: { 'text/csv': { schema: { type: 'string' } } } } } },
    },
  },
  components: {
    schemas: {
      Finding: {
        type: 'object',
        required: ['id', 'title'],
        properties: { id: { type: 'string' }, title: { type: 'string' }, opened: { type: 'string', format: 'date' } },
      },
      FindingList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Finding' } } } },
      Error: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
    responses: {
      Error: { description: 'refused', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  },
};

const json = (body) => ({ content_type: 'application/json', ...(body === undefined ? {} : { body }) });
const finding = { id: 'F-1', title: 'No MFA', opened: '2026-01-05' };
const error = { error: { code: 'not_found', message: 'no such finding' } };

// Exercises every operation, correctly.
const goodLog = () => [
  { source: 't A', method: 'GET', target: '/api/v1/findings?limit=20', request: {}, status: 200, response: json({ items: [finding] }) },
  { source: 't A', method: 'GET', target: '/api/v1/findings', request: {}, status: 401, response: json(error) },
  { source: 't B', method: 'POST', target: '/api/v1/findings', request: json({ title: 'x' }), status: 201, response: json(finding) },
  { source: 't B', method: 'POST', target: '/api/v1/findings', request: json({ title: 1, extra: true }), status: 400, response: json(error) },
  { source: 't C', method: 'GET', target: '/api/v1/findings/F-1', request: {}, status: 200, response: json(finding) },
  { source: 't C', method: 'HEAD', target: '/api/v1/findings/F-1', request: {}, status: 200, response: { content_type: 'application/json' } },
  { source: 't C', method: 'GET', target: '/api/v1/findings/export', request: {}, status: 200, response: { content_type: 'text/csv; charset=utf-8' } },
  // The router's refusals: no such path, no such method.
  { source: 't D', method: 'GET', target: '/api/v1/nothing', request: {}, status: 404, response: json(error) },
  { source: 't D', method: 'DELETE', target: '/api/v1/findings', request: {}, status: 405, response: json(error) },
];

const failuresOf = (result) => result.text.split('\n').filter((l) => l.startsWith('FAIL'));

test('a log that matches the document passes, and every operation counts as exercised', () => {
  const r = checkContract(doc, goodLog());
  assert.equal(r.ok, true, r.text);
  assert.match(r.text, /^9 exchanges \(2 of them refusals of what is no endpoint\); 4 of 4 documented operations exercised$/);
});

test('a status the operation does not document fails, once for all exchanges that have it', () => {
  const log = goodLog();
  const bad = { source: 't E', method: 'GET', target: '/api/v1/findings', request: {}, status: 500, response: json(error) };
  const r = checkContract(doc, [...log, bad, { ...bad, source: 't F' }]);
  assert.equal(r.ok, false);
  assert.deepEqual(failuresOf(r), ['FAIL (2x) GET /api/v1/findings: status 500 is not documented']);
  assert.match(r.text, /e\.g\. t E: GET \/api\/v1\/findings -> 500/);
});

test('a response body with a wrong type fails, naming where', () => {
  const log = goodLog();
  log[0].response.body.items.push({ id: 7, title: 'numbered' });
  const r = checkContract(doc, log);
  assert.equal(r.ok, false);
  assert.deepEqual(failuresOf(r), ['FAIL GET /api/v1/findings 200 application/json: response body: /items/*/id must be string']);
});

test('a documented operation that no exchange exercised fails', () => {
  const r = checkContract(doc, goodLog().filter((e) => e.target !== '/api/v1/findings/export'));
  assert.equal(r.ok, false);
  assert.deepEqual(failuresOf(r), ['FAIL GET /api/v1/findings/export: documented, but no test exercised it']);
  assert.match(r.text, /3 of 4 documented operations exercised/);
});

test('an endpoint the document does not have fails', () => {
  const extra = { source: 't G', method: 'GET', target: '/api/v1/secrets', request: {}, status: 200, response: json({}) };
  const r = checkContract(doc, [...goodLog(), extra]);
  assert.deepEqual(failuresOf(r), ['FAIL GET /api/v1/secrets: no such operation in the document (answered 200)']);
});

test('an undocumented content type, a bad error body and a format violation fail', () => {
  const log = goodLog();
  log[6].response.content_type = 'application/vnd.ms-excel';
  log[1].response.body = { message: 'no code' };
  log[4].response.body = { ...finding, opened: '5 January' };
  const r = checkContract(doc, log);
  assert.deepEqual(failuresOf(r).sort(), [
    "FAIL GET /api/v1/findings 401 application/json: response body: (the whole value) must have required property 'error'",
    'FAIL GET /api/v1/findings/export 200: content type application/vnd.ms-excel is not documented',
    'FAIL GET /api/v1/findings/{id} 200 application/json: response body: /opened must match format "date"',
  ].sort());
});

test('an accepted request is held to the request schema and the parameters; a refused one is not', () => {
  const log = goodLog();
  log[0].target = '/api/v1/findings?limit=500&colour=red';
  log[2].request.body = { title: 'x', extra: 1 };
  log[4].target = '/api/v1/findings/X-1';
  const r = checkContract(doc, log);
  assert.deepEqual(failuresOf(r).sort(), [
    'FAIL GET /api/v1/findings/{id}: path parameter id: (the whole value) must match pattern "^F-[0-9]+$"',
    'FAIL GET /api/v1/findings: query parameter colour is not documented',
    'FAIL GET /api/v1/findings: query parameter limit: (the whole value) must be <= 100',
    'FAIL POST /api/v1/findings: request body: (the whole value) must NOT have additional properties (extra)',
  ]);
});

test('the command line reads a directory of logs and exits 1 on a failure, 0 otherwise', () => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-check-test-'));
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    writeFileSync(join(dir, 'doc.json'), JSON.stringify(doc));
    writeFileSync(join(dir, 'a.jsonl'), goodLog().slice(0, 5).map((e) => JSON.stringify(e)).join('\n') + '\n');
    writeFileSync(join(dir, 'b.jsonl'), goodLog().slice(5).map((e) => JSON.stringify(e)).join('\n') + '\n');
    const run = () => execFileSync(process.execPath, [join(here, 'check_contract.mjs'), join(dir, 'doc.json'), dir], { encoding: 'utf8' });
    assert.match(run(), /9 exchanges/);
    writeFileSync(join(dir, 'c.jsonl'), '{not json\n');
    assert.throws(run, (e) => e.status === 1 && /c\.jsonl:1: not a JSON line/.test(e.stdout));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
