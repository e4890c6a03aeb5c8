// What the browser tests share (tests/web/*.test.mjs): the paths, a fresh demo data directory,
// `gaplog serve` on loopback, Chromium through playwright-core, and a page that records what
// must never happen (an uncaught error, a CSP violation, a dialog, a secret in a URL, stray
// `null` text).
//
// Environment: GAPLOG_BINARY (default build/gaplog), GAPLOG_WEB_DIR (default build/web),
// CHROMIUM (default /usr/bin/chromium), GAPLOG_WEB_ARTIFACTS (default build/test-artifacts/web),
// GAPLOG_CONTRACT_LOG (a directory: every exchange a page or apiWith has with the API, /auth/
// and /healthz is recorded there for the OpenAPI contract check, tests/openapi/).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const { chromium } = createRequire(join(root, 'web', 'package.json'))('playwright-core');
export const binary = resolve(root, process.env.GAPLOG_BINARY ?? 'build/gaplog');
export const webDir = resolve(root, process.env.GAPLOG_WEB_DIR ?? 'build/web');
export const artifacts = resolve(root, process.env.GAPLOG_WEB_ARTIFACTS ?? 'build/test-artifacts/web');
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export const tokenIn = (text) => /gaplog_[0-9a-f]{64}/.exec(text)[0];

// A fresh demo program in a temporary directory: {dir, gaplog(...args) → stdout, remove()}.
export function demoData(admin) {
  mkdirSync(artifacts, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'gaplog-web-test-'));
  const gaplog = (...args) => execFileSync(binary, ['--data', dir, ...args], { encoding: 'utf8' });
  const adminToken = tokenIn(gaplog('demo', '--admin', admin));
  return { dir, gaplog, adminToken, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// A loopback port free right now (for a server whose URL must be known before it starts).
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

// `gaplog --data DIR serve` on 127.0.0.1:`port` (0: any) with `args`; resolves once it listens.
// → {base, log() (stdout and stderr so far), stop()}
export async function startGaplog({ data, port = 0, args = [] }) {
  let log = '';
  const server = spawn(binary, ['--data', data, 'serve', '--listen', `127.0.0.1:${port}`, '--web', webDir, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr.on('data', (d) => { log += d; });
  const base = await new Promise((resolveBase, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gaplog serve did not start: ${out}${log}`)), 20000);
    server.stdout.on('data', (d) => {
      out += d;
      log += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveBase(m[1]);
      }
    });
    server.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gaplog serve exited with ${code}: ${out}${log}`));
    });
  });
  gaplogOrigins.add(new URL(base).origin);  // the contract log records this server's answers only
  return {
    base,
    log: () => log,
    stop: async () => {
      if (server.exitCode !== null) return;
      const exited = new Promise((r) => server.on('exit', r));
      server.kill('SIGTERM');
      await exited;
    },
  };
}

export const launchBrowser = () => chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });

// The contract log (tests/openapi/check_contract.mjs): one JSON line per exchange, in a file of
// this process's own, in the same form as the API tests' (tests/support/contract_log.h).
const contractDir = process.env.GAPLOG_CONTRACT_LOG || null;
const testFile = basename(process.argv[1] ?? 'node');
const contractFile = contractDir &&
  join(contractDir, `web-${basename(testFile, '.mjs')}-${process.pid}-${Math.floor(Math.random() * 1e9)}.jsonl`);
const parsedJson = (contentType, text) => {
  if (!/^application\/json\b/.test(contentType ?? '') || !text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
function recordExchange({ source, method, target, requestType, requestText, status, responseType, responseText }) {
  if (!contractFile) return;
  const message = (type, text) => {
    const body = parsedJson(type, text);
    return { ...(type ? { content_type: type } : {}), ...(body !== undefined ? { body } : {}) };
  };
  const line = { source, method, target, request: message(requestType, requestText), status, response: message(responseType, responseText) };
  appendFileSync(contractFile, `${JSON.stringify(line)}\n`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());
const isApiPath = (path) => path.startsWith('/api/') || path.startsWith('/auth/') || path === '/healthz';
// The origins of the gaplog servers this process started: a page also talks to others (the test
// OpenID provider has /auth/ paths of its own), whose answers are not gaplog's to document.
const gaplogOrigins = new Set();

// Records every API exchange of `page` (when GAPLOG_CONTRACT_LOG is set); the returned function
// waits for the ones whose bodies are still being read.
function recordPage(page) {
  const pending = new Set();
  if (!contractFile) return async () => {};
  page.on('response', (res) => {
    const u = new URL(res.url());
    if (!gaplogOrigins.has(u.origin) || !isApiPath(u.pathname)) return;
    const req = res.request();
    const where = new URL(page.url() || 'about:blank').pathname;
    const done = (async () => {
      // Bodies of redirects and downloads cannot be read: their exchanges are recorded without.
      // Playwright can leave a body read unanswered once its page moved on: 5 s at most.
      const responseText = await Promise.race([res.text().catch(() => undefined), sleep(5000)]);
      const requestHeaders = await Promise.race([req.allHeaders().catch(() => req.headers()), sleep(5000)]) ?? req.headers();
      recordExchange({
        source: `${testFile} (browser at ${where})`,
        method: req.method(),
        target: u.pathname + u.search,
        requestType: requestHeaders['content-type'],
        requestText: req.postData() ?? undefined,
        status: res.status(),
        responseType: res.headers()['content-type'],
        responseText,
      });
    })();
    pending.add(done);
    done.finally(() => pending.delete(done));
  });
  return () => Promise.all([...pending]);
}

// The API with a bearer token; throws on an error status.
export async function apiWith(base, token, path, { method = 'GET', body } = {}) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  recordExchange({
    source: `${testFile} (apiWith)`,
    method,
    target: `/api/v1${path}`,
    requestType: body ? 'application/json' : undefined,
    requestText: body ? JSON.stringify(body) : undefined,
    status: res.status,
    responseType: res.headers.get('content-type') ?? undefined,
    responseText: text,
  });
  const json = JSON.parse(text);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// A fresh browser context and page (its own cookies and sessionStorage) that records what must
// never happen; `secrets()` lists the strings no URL may contain. → {context, page, check()}
export async function openPage(browser, { viewport = DESKTOP, secrets = () => [], contextOptions = {} } = {}) {
  const context = await browser.newContext({ viewport, timezoneId: 'UTC', acceptDownloads: true, ...contextOptions });
  const page = await context.newPage();
  const recorded = recordPage(page);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`dialog: ${d.message()}`);
    await d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => {
    for (const t of secrets()) if (t && r.url().includes(t)) problems.push(`secret in a URL: ${r.url()}`);
  });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const check = async () => {
    await recorded();
    const csp = await page.evaluate(() => window.__csp).catch(() => []);
    // A stray null or undefined rendered as text is a bug in a view.
    const stray = await page.evaluate(() => {
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const found = [];
      while (walker.nextNode()) if (/^\s*(null|undefined|NaN|\[object Object\])\s*$/.test(walker.currentNode.data)) found.push(walker.currentNode.data);
      return found;
    }).catch(() => []);
    assert.deepEqual([...problems, ...csp.map((v) => `CSP violation: ${v}`), ...stray.map((t) => `stray text: ${t}`)], []);
  };
  return { context, page, check };
}

export async function settled(page) {
  await page.locator('main#main:not([aria-busy])').waitFor();
}

export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}
