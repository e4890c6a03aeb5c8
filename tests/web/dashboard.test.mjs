// Browser tests of the web dashboard (issue 8): Playwright (playwright-core, from web/'s
// node_modules) drives Debian's Chromium headless against a real `gaplog serve` on a fresh demo
// data directory and a free loopback port. Every number asserted on is read from the API in
// the same test. Any uncaught page error, CSP violation or JavaScript dialog fails the test.
//
//   node --test tests/web/dashboard.test.mjs        (scripts/test runs it; see docs/web.md)
//
// Environment: GAPLOG_BINARY (default build/gaplog), GAPLOG_WEB_DIR (default build/web),
// CHROMIUM (default /usr/bin/chromium), GAPLOG_WEB_ARTIFACTS (default build/test-artifacts/web,
// where the screenshots go).
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = createRequire(join(root, 'web', 'package.json'))('playwright-core');
const binary = resolve(root, process.env.GAPLOG_BINARY ?? 'build/gaplog');
const webDir = resolve(root, process.env.GAPLOG_WEB_DIR ?? 'build/web');
const artifacts = resolve(root, process.env.GAPLOG_WEB_ARTIFACTS ?? 'build/test-artifacts/web');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const ADMIN = 'admin@acme.example';
const EDITOR = 'maya.chen@acme.example';
const AUDITOR = 'dana.fox@cpa.example';
const XSS_TITLE = '<img src=x onerror=alert(1)>';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let data;
let server;
let serverLog = '';
let base;
let browser;
const tokens = {};

const pct = (p) => `${Number(p).toFixed(1)}%`;

async function api(token, path, { method = 'GET', body } = {}) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function gaplog(...args) {
  return execFileSync(binary, ['--data', data, ...args], { encoding: 'utf8' });
}
const tokenIn = (text) => /gaplog_[0-9a-f]{64}/.exec(text)[0];

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  data = mkdtempSync(join(tmpdir(), 'gaplog-web-test-'));
  tokens.admin = tokenIn(gaplog('demo', '--admin', ADMIN));
  for (const email of [EDITOR, AUDITOR, 'sofia.garcia@acme.example', 'liam.oconnor@acme.example', 'ava.novak@acme.example',
    'noah.kim@acme.example', 'emma.rossi@acme.example', 'raj.patel@acme.example']) {
    tokens[email] = tokenIn(gaplog('token', 'issue', '--for', email));
  }
  server = spawn(binary, ['--data', data, 'serve', '--listen', '127.0.0.1:0', '--web', webDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr.on('data', (d) => { serverLog += d; });
  base = await new Promise((resolvePort, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gaplog serve did not start: ${out}${serverLog}`)), 20000);
    server.stdout.on('data', (d) => {
      out += d;
      serverLog += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePort(m[1]);
      }
    });
    server.on('exit', (code) => reject(new Error(`gaplog serve exited with ${code}: ${out}${serverLog}`)));
  });
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.on('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (data) rmSync(data, { recursive: true, force: true });
});

// A fresh tab (its own sessionStorage) that records what must never happen.
async function openPage(viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, timezoneId: 'UTC', acceptDownloads: true });
  const page = await context.newPage();
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
    for (const t of Object.values(tokens)) if (r.url().includes(t)) problems.push(`token in a URL: ${r.url()}`);
  });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const check = async () => {
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

async function signIn(page, token) {
  await page.goto(`${base}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#user-role').waitFor();
}

async function settled(page) {
  await page.locator('main#main:not([aria-busy])').waitFor();
}

// Form controls without an accessible name (a <label>, aria-label(ledby), or a button's text).
async function unlabelled(page) {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((c) => c.type !== 'hidden' && !c.labels?.length && !c.getAttribute('aria-label') &&
      !c.getAttribute('aria-labelledby') && !(c.tagName === 'BUTTON' && c.textContent.trim()))
    .map((c) => c.outerHTML.slice(0, 80)));
}

async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

describe('web dashboard', () => {
  test('serves the page with the security headers, and a plain 404 for a missing asset', async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy'), /default-src 'none'; script-src 'self';/);
    assert.doesNotMatch(res.headers.get('content-security-policy'), /unsafe/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const html = await res.text();
    assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script');
    assert.equal((await fetch(`${base}/assets/nope/missing.js`)).status, 404);
    assert.equal((await fetch(`${base}/..%2f..%2fetc/passwd`)).status, 404);
  });

  test('a wrong token is refused with the reason, a right one signs in, sign-out forgets it', async () => {
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    await shot(page, 'signin');
    await page.getByLabel('API token').fill('gaplog_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await assert.doesNotReject(page.getByRole('alert').filter({ hasText: 'That token was not accepted' }).waitFor());
    await page.getByLabel('API token').fill(tokens.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#user-role').waitFor();
    assert.equal(await page.locator('#user-email').textContent(), ADMIN);
    assert.equal(await page.locator('#user-role').textContent(), 'admin');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gaplog.token')), tokens.admin);
    assert.equal((await context.cookies()).length, 0, 'no cookies');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gaplog.token')), null);
    await check();
    await context.close();
  });

  test('the overview shows the API readiness, per category, per criterion, and the timeline', async () => {
    const { page, context, check } = await openPage();
    await signIn(page, tokens.admin);
    await settled(page);
    const readiness = await api(tokens.admin, '/readiness');
    const timeline = await api(tokens.admin, '/timeline');
    assert.equal(await page.locator('#overall-percent').textContent(), pct(readiness.overall.percent));
    assert.equal(await page.locator('#overall-count').textContent(),
      `${readiness.overall.ready} of ${readiness.overall.in_scope} in-scope criteria ready`);
    const categories = Object.keys(readiness.categories);
    assert.ok(categories.length >= 2, 'the demo has several categories in scope');
    assert.equal(await page.locator('section.category').count(), categories.length);
    for (const c of categories) {
      assert.equal(await page.locator(`section.category[data-category="${c}"] .cat-percent`).textContent(),
        pct(readiness.categories[c].percent), c);
    }
    assert.equal(await page.locator('a.criterion').count(), 61);
    for (const status of ['gap', 'no_control', 'no_evidence', 'ready', 'out_of_scope']) {
      assert.equal(await page.locator(`a.criterion[data-status="${status}"]`).count(),
        readiness.criteria.filter((c) => c.status === status).length, status);
    }
    if (timeline.projected_ready_on) assert.equal(await page.locator('#projected-ready').textContent(), timeline.projected_ready_on);
    if (timeline.ready_since) assert.equal(await page.locator('#ready-since').textContent(), timeline.ready_since);
    assert.equal(await page.locator('.chart canvas').count(), 1, 'the uPlot chart is drawn');
    await shot(page, 'overview');

    // Click-through: a criterion with a gap lists its findings and controls.
    const gap = readiness.criteria.find((c) => c.status === 'gap');
    await page.locator(`a.criterion:has(.crit-id:text-is("${gap.id}"))`).click();
    await settled(page);
    assert.match(await page.locator('h1').textContent(), new RegExp(`^${gap.id.replace('.', '\\.')}: `));
    for (const f of gap.findings) assert.equal(await page.locator(`#criterion-findings a:text-is("${f}")`).count(), 1, f);
    assert.equal(await page.locator('#criterion-controls tbody tr').count(), Math.max(1, gap.controls.length));
    await page.reload(); // a deep link to a route with a dot in it still gets the page
    await settled(page);
    assert.match(await page.locator('h1').textContent(), new RegExp(`^${gap.id.replace('.', '\\.')}: `));
    await shot(page, 'criterion');
    await check();
    await context.close();
  });

  test('picking a past date changes every number to the API as-of values, and as-known-at too', async () => {
    const { page, context, check } = await openPage();
    await signIn(page, tokens.admin);
    await settled(page);
    const now = await api(tokens.admin, '/readiness');
    // The demo's history spans six months: find a day ~4 months back whose readiness differs.
    let day;
    let past;
    for (const back of [120, 90, 150, 60, 30]) {
      day = new Date(Date.now() - back * 86400e3).toISOString().slice(0, 10);
      past = await api(tokens.admin, `/readiness?as_of=${day}`);
      if (past.overall.percent !== now.overall.percent) break;
    }
    assert.notEqual(past.overall.percent, now.overall.percent, 'the test needs a past day with other numbers');
    await page.locator('#as-of').fill(day);
    await page.locator('#overall-percent').filter({ hasText: pct(past.overall.percent) }).waitFor();
    await settled(page);
    assert.equal(await page.locator('#overall-percent').textContent(), pct(past.overall.percent));
    assert.match(page.url(), new RegExp(`as_of=${day}`));
    assert.match(await page.locator('#time-banner').textContent(), new RegExp(day));
    assert.equal(await page.locator('section.category').count(), Object.keys(past.categories).length);
    for (const [c, r] of Object.entries(past.categories)) {
      assert.equal(await page.locator(`section.category[data-category="${c}"] .cat-percent`).textContent(), pct(r.percent), c);
    }
    for (const status of ['gap', 'ready']) {
      assert.equal(await page.locator(`a.criterion[data-status="${status}"]`).count(),
        past.criteria.filter((c) => c.status === status).length, status);
    }
    await shot(page, 'overview-as-of');

    // The other views follow the date: the owners' workloads as of that day.
    await page.getByRole('link', { name: 'Owners', exact: true }).click();
    await settled(page);
    const workloads = await api(tokens.admin, `/workloads?as_of=${day}`);
    assert.match(page.url(), new RegExp(`/owners\\?as_of=${day}`));
    assert.equal(await page.locator('#workload-bars > li').count(), workloads.owners.length);

    // A finding as of that day: its state then, its history up to then, no actions.
    const f1 = await api(tokens.admin, `/findings/F-1?as_of=${day}`);
    await page.goto(`${base}/findings/F-1?as_of=${day}`);
    await settled(page);
    assert.equal(await page.locator('#finding-status').textContent(), f1.status.replace('_', ' '));
    assert.equal(await page.locator('#status-form').count(), 0);
    const times = await page.locator('#history time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
    assert.ok(times.length > 0);
    for (const t of times) assert.ok(t.slice(0, 10) <= day, `${t} is after ${day}`);

    // "As known at": just after the demo was written, before any later write.
    const events = await api(tokens.admin, '/events?after=0&limit=1');
    const knownAt = new Date(Date.parse(events.events[0].recorded_at) + 60e3).toISOString().slice(0, 16);
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await settled(page);
    await page.locator('#known-on').check();
    await page.locator('#as-known-at').fill(knownAt);
    await page.locator('#as-known-at').dispatchEvent('change');
    await page.waitForURL(/as_known_at=/);
    await settled(page);
    const known = await api(tokens.admin, `/readiness?as_of=${day}&as_known_at=${knownAt}:00Z`);
    assert.equal(await page.locator('#overall-percent').textContent(), pct(known.overall.percent));

    await page.getByRole('button', { name: 'Back to today' }).click();
    await page.locator('#overall-percent').filter({ hasText: pct(now.overall.percent) }).waitFor();
    await check();
    await context.close();
  });

  test('an owner remediates its finding and uploads evidence; an editor closes it', async () => {
    const users = (await api(tokens.admin, '/users?limit=1000')).items;
    const contributors = new Set(users.filter((u) => u.role === 'contributor').map((u) => u.email));
    const findings = (await api(tokens.admin, '/findings?limit=1000')).items;
    const target = findings.find((f) => (f.status === 'open' || f.status === 'in_progress') && contributors.has(f.owner));
    assert.ok(target, 'the demo has an open finding owned by a contributor');
    const owner = target.owner;

    const { page, context, check } = await openPage();
    await signIn(page, tokens[owner]);
    await page.getByRole('link', { name: 'Findings', exact: true }).click();
    await settled(page);
    await page.locator('#findings-table').getByRole('link', { name: target.id, exact: true }).click();
    await settled(page);
    assert.equal(await page.locator('#finding-status').textContent(), target.status.replace('_', ' '));
    await page.getByRole('button', { name: 'Mark remediated' }).click();
    await page.locator('#finding-status').filter({ hasText: 'remediated' }).waitFor();
    assert.equal((await api(tokens.admin, `/findings/${target.id}`)).status, 'remediated');
    // Segregation of duties: the owner is not offered the close.
    assert.equal(await page.getByRole('button', { name: 'Close as verified' }).count(), 0);

    // Evidence by drag and drop.
    const content = `vulnerability scan of ${target.id}: no findings\n`;
    const transfer = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'scan-report.txt', { type: 'text/plain' }));
      return dt;
    }, content);
    await page.locator('#dropzone').dispatchEvent('drop', { dataTransfer: transfer });
    assert.match(await page.locator('#evidence-chosen').textContent(), /scan-report\.txt/);
    await page.getByRole('button', { name: 'Upload the evidence' }).click();
    await page.locator('#evidence-list').filter({ hasText: 'scan-report.txt' }).waitFor();
    const after = await api(tokens.admin, `/findings/${target.id}`);
    assert.equal(after.evidence.length, target.evidence.length + 1);
    // The history shows the upload and the status change.
    assert.ok(await page.locator('#history li').filter({ hasText: 'evidence uploaded' }).count() >= 1);
    assert.ok(await page.locator('#history li').filter({ hasText: 'finding status changed' }).count() >= 1);

    // Download: fetched with the token header, handed over as a blob.
    const [downloaded] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download scan-report.txt' }).click(),
    ]);
    assert.equal(downloaded.suggestedFilename(), 'scan-report.txt');
    const path = join(artifacts, 'downloaded-evidence.txt');
    await downloaded.saveAs(path);
    assert.equal(execFileSync('cat', [path], { encoding: 'utf8' }), content);
    await shot(page, 'finding-owner');
    await check();
    await context.close();

    const editor = await openPage();
    await signIn(editor.page, tokens[EDITOR]);
    await editor.page.goto(`${base}/findings/${target.id}`);
    await settled(editor.page);
    await editor.page.getByRole('button', { name: 'Close as verified' }).click();
    await editor.page.locator('#finding-status').filter({ hasText: 'closed' }).waitFor();
    assert.equal((await api(tokens.admin, `/findings/${target.id}`)).status, 'closed');
    await shot(editor.page, 'finding-closed');
    await editor.check();
    await editor.context.close();
  });

  test('an auditor sees no write actions, and a forced one shows the server\'s 403', async () => {
    const findings = (await api(tokens.admin, '/findings?limit=1000')).items;
    const f = findings.find((x) => x.status === 'open');
    const { page, context, check } = await openPage();
    await signIn(page, tokens[AUDITOR]);
    assert.equal(await page.locator('#user-role').textContent(), 'auditor');
    await page.goto(`${base}/findings/${f.id}`);
    await settled(page);
    assert.equal(await page.locator('#no-actions').count(), 1);
    for (const form of ['#status-form', '#assign-form', '#due-form', '#comment-form', '#risk-form', '#upload-form']) {
      assert.equal(await page.locator(form).count(), 0, form);
    }
    assert.equal(await page.locator('main form').count(), 0, 'no form at all');
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await settled(page);
    assert.equal(await page.locator('#download-bundle').count(), 1, 'auditors get the audit bundle');
    assert.equal(await page.locator('#download-poam').count(), 1);
    await page.locator('#verify').click();
    await page.locator('#verify-result .success').waitFor();
    const head = await api(tokens.admin, '/audit/tree-head');
    assert.equal(await page.locator('#root-hash').textContent(), head.root_hash);
    // Both exports download through fetch with the token header (never a token in a URL).
    const [poam] = await Promise.all([page.waitForEvent('download'), page.locator('#download-poam').click()]);
    const doc = JSON.parse(await readFile(await poam.path(), 'utf8'));
    assert.ok(doc['plan-of-action-and-milestones'].uuid, 'the POA&M is an OSCAL document');
    assert.equal(doc['plan-of-action-and-milestones'].metadata['oscal-version'], '1.1.2');
    const [bundle] = await Promise.all([page.waitForEvent('download'), page.locator('#download-bundle').click()]);
    assert.match(bundle.suggestedFilename(), /^gaplog-audit-bundle-\d{4}-\d{2}-\d{2}-\d+\.tar$/);
    const tar = await readFile(await bundle.path());
    assert.equal(tar.subarray(0, 9).toString(), 'VERIFY.md', 'the bundle is a tar whose first member is VERIFY.md');
    assert.equal(tar.subarray(257, 262).toString(), 'ustar');
    await shot(page, 'audit-auditor');

    // Force a write: a tampered /me claims admin, so the UI offers the actions; the server
    // still refuses, and the UI shows its message.
    await page.route('**/api/v1/me', async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...(await res.json()), role: 'admin' } });
    });
    await page.goto(`${base}/findings/${f.id}`);
    await settled(page);
    const before = (await api(tokens.admin, `/findings/${f.id}/history`)).events.length;
    await page.getByLabel('Your comment').fill('an auditor trying to write');
    await page.getByRole('button', { name: 'Add the comment' }).click();
    const alert = page.locator('#comment-form [role="alert"]');
    await alert.waitFor();
    assert.match(await alert.textContent(), /HTTP 403, forbidden/);
    assert.equal((await api(tokens.admin, `/findings/${f.id}/history`)).events.length, before, 'nothing written');
    await shot(page, 'auditor-forced-403');
    await check();
    await context.close();
  });

  test('a contributor is not offered the audit bundle or verify', async () => {
    const { page, context, check } = await openPage();
    await signIn(page, tokens['noah.kim@acme.example']);
    await page.goto(`${base}/audit`);
    await settled(page);
    assert.equal(await page.locator('#download-bundle').count(), 0);
    assert.equal(await page.locator('#verify').count(), 0);
    assert.equal(await page.locator('#download-poam').count(), 1);
    await check();
    await context.close();
  });

  test('a finding titled with HTML shows those characters and runs nothing', async () => {
    const created = await api(tokens.admin, '/findings', {
      method: 'POST',
      body: { title: XSS_TITLE, description: '<script>alert(2)</script>', severity: 'low', criteria: ['CC2.1'] },
    });
    await api(tokens.admin, `/findings/${created.id}/comments`, { method: 'POST', body: { text: '<b onmouseover=alert(3)>hi</b>' } });
    const { page, context, check } = await openPage();
    await signIn(page, tokens.admin);
    await page.goto(`${base}/findings?severity=low`);
    await settled(page);
    assert.equal(await page.locator('#findings-table .finding-title').filter({ hasText: XSS_TITLE }).count(), 1);
    await page.goto(`${base}/findings/${created.id}`);
    await settled(page);
    assert.equal(await page.locator('#finding-title').textContent(), XSS_TITLE);
    assert.ok(await page.getByText('<script>alert(2)</script>').count() >= 1);
    assert.ok(await page.getByText('<b onmouseover=alert(3)>hi</b>').count() >= 1);
    assert.equal(await page.locator('img').count(), 0, 'no img element was created');
    assert.equal(await page.locator('main script, main b').count(), 0);
    await page.goto(`${base}/roadmap`);
    await settled(page);
    assert.equal(await page.locator('img').count(), 0);
    await shot(page, 'xss-finding');
    await check(); // no dialog fired, no CSP violation
    await context.close();
  });

  test('owners, roadmap, findings and audit show the API data; keyboard and phone width work', async () => {
    const { page, context, check } = await openPage();
    await signIn(page, tokens.admin);
    await settled(page);

    // Keyboard: on a fresh load the skip link comes first, then the navigation.
    await page.goto(`${base}/`);
    await settled(page);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Overview');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/findings$/);
    await settled(page);

    await page.getByRole('link', { name: 'Owners', exact: true }).click();
    await settled(page);
    const workloads = await api(tokens.admin, '/workloads');
    const rows = page.locator('#workload-bars > li');
    assert.equal(await rows.count(), workloads.owners.length);
    assert.equal(await rows.first().getAttribute('data-owner'), workloads.owners[0].owner ?? '');
    await shot(page, 'owners');

    await page.getByRole('link', { name: 'Roadmap', exact: true }).click();
    await settled(page);
    const roadmap = await api(tokens.admin, '/roadmap');
    assert.equal(await page.locator('#roadmap > section').count(), roadmap.months.length);
    assert.equal(await page.locator('#roadmap li').count(), roadmap.months.reduce((n, m) => n + m.findings.length, 0));
    await shot(page, 'roadmap');

    await page.getByRole('link', { name: 'Findings', exact: true }).click();
    await settled(page);
    const all = (await api(tokens.admin, '/findings?limit=1000')).items;
    assert.equal(await page.locator('#findings-table tbody tr').count(), all.length);
    await page.getByLabel('Overdue only').check();
    await page.waitForURL(/overdue=true/);
    await settled(page);
    const overdue = (await api(tokens.admin, '/findings?limit=1000&overdue=true')).items;
    assert.equal(await page.locator('#findings-table tbody tr').count(), Math.max(1, overdue.length));
    // Sorting by severity puts critical first.
    await page.getByLabel('Overdue only').uncheck();
    await settled(page);
    await page.getByRole('button', { name: 'Severity' }).click();
    assert.equal(await page.locator('#findings-table tbody tr').first().locator('.pill').first().textContent(), 'critical');
    assert.equal(await page.locator('th[aria-sort="ascending"]').count(), 1);
    await shot(page, 'findings');

    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await settled(page);
    const head = await api(tokens.admin, '/audit/tree-head');
    assert.equal(await page.locator('#tree-size').textContent(), String(head.tree_size));
    assert.equal(await page.locator('#events-table tbody tr').count(), 50);
    assert.ok(await page.locator('#events-table .backfilled-flag').count() > 0, 'the demo history is back-filled');
    await page.locator('#next-page').click();
    await settled(page);
    assert.match(await page.locator('#events-range').textContent(), /^Events 51–100 /);
    await shot(page, 'audit');
    assert.deepEqual(await unlabelled(page), []);

    // Every control is labelled on the busiest pages too.
    for (const path of ['/', '/findings', '/findings/F-2', '/owners']) {
      await page.goto(`${base}${path}`);
      await settled(page);
      assert.deepEqual(await unlabelled(page), [], path);
    }

    // An error says what happened: the server's message and status.
    await page.goto(`${base}/findings/F-9999`);
    await settled(page);
    assert.match(await page.getByRole('alert').textContent(), /Could not load this page: .*F-9999.*\(HTTP 404, not_found\)/);
    assert.equal(await page.getByRole('button', { name: 'Try again' }).count(), 1);
    await shot(page, 'error-not-found');
    await check();
    await context.close();

    const phone = await openPage(PHONE);
    await signIn(phone.page, tokens.admin);
    await settled(phone.page);
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the overview fits a phone's width (overflow ${overflow}px)`);
    await shot(phone.page, 'overview-phone');
    await phone.page.goto(`${base}/findings/F-1`);
    await settled(phone.page);
    await shot(phone.page, 'finding-phone');
    await phone.check();
    await phone.context.close();
  });

  test('no token appears in the server log', () => {
    assert.ok(serverLog.includes('GET /api/v1/readiness'), 'the access log was captured');
    for (const t of Object.values(tokens)) assert.ok(!serverLog.includes(t), 'a token leaked into the log');
  });
});
