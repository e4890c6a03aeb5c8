// Browser tests of issue 20 (SPEC §12): My work, the Controls views, the evidence library, the
// findings' search, multi-value filters and bulk actions, time travel on the new views, and
// axe-core on every view at desktop and phone widths. Playwright (playwright-core) drives
// Debian's Chromium against a real `gaplog serve` on a fresh demo program; every number and id
// asserted on is read from the API in the same test. harness.mjs fails a test on an uncaught
// page error, a CSP violation, a dialog, a token in a URL or stray `null` text.
//
//   node --test tests/web/controls.test.mjs        (scripts/test runs it; see docs/web.md)
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DESKTOP, PHONE, apiWith, artifacts, demoData, launchBrowser, openPage as openCheckedPage, root, settled, shot, startGaplog,
  tokenIn,
} from './harness.mjs';

const { AxeBuilder } = createRequire(join(root, 'web', 'package.json'))('@axe-core/playwright');

const ADMIN = 'admin@acme.example';
const EDITOR = 'maya.chen@acme.example';
const AUDITOR = 'dana.fox@cpa.example';
const CONTRIBUTORS = ['sofia.garcia@acme.example', 'liam.oconnor@acme.example', 'ava.novak@acme.example',
  'noah.kim@acme.example', 'emma.rossi@acme.example'];
const DAY_MS = 86400e3;
const today = () => new Date().toISOString().slice(0, 10);
const daysFromToday = (n) => new Date(Date.now() + n * DAY_MS).toISOString().slice(0, 10);

let demo;
let server;
let base;
let browser;
const tokens = {};

const api = (token, path, options) => apiWith(base, token, path, options);
const all = async (token, path) => {
  const items = [];
  let after = '';
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api(token, `${path}${sep}limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    items.push(...page.items);
    if (page.next_after === null || page.next_after === undefined) return items;
    after = page.next_after;
  }
};
const ids = (items) => items.map((x) => x.id);

// Uploads `text` as evidence through the API (raw body), with `query` (control=, finding=, …).
async function upload(token, filename, text, query = {}) {
  const q = new URLSearchParams({ filename, ...query });
  const res = await fetch(`${base}/api/v1/evidence?${q}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' },
    body: text,
  });
  const json = await res.json();
  assert.equal(res.status, 201, JSON.stringify(json));
  return json;
}

before(async () => {
  demo = demoData(ADMIN);
  tokens[ADMIN] = demo.adminToken;
  for (const email of [EDITOR, AUDITOR, ...CONTRIBUTORS]) tokens[email] = tokenIn(demo.gaplog('token', 'issue', '--for', email));
  server = await startGaplog({ data: demo.dir });
  base = server.base;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  demo?.remove();
});

const openPage = (viewport = DESKTOP) => openCheckedPage(browser, { viewport, secrets: () => Object.values(tokens) });

async function signIn(page, token) {
  await page.goto(`${base}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#user-role').waitFor();
  await settled(page);
}

async function go(page, path) {
  await page.goto(`${base}${path}`);
  await settled(page);
}

// A success message after an action (forms.js flashMessage), which then has the focus.
async function flash(page, text) {
  const el = page.locator('#flash');
  await el.filter({ hasText: text }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'flash', 'the message has the focus');
}

describe('My work', () => {
  test('a contributor lands on My work and completes a finding with the keyboard; editors land on the overview', async () => {
    // A contributor with an open or in-progress finding they may move to remediated.
    let who;
    let target;
    for (const email of CONTRIBUTORS) {
      const mine = await all(tokens[email], `/findings?owner=${encodeURIComponent(email)}&status=open,in_progress`);
      target = mine.find((f) => f.allowed_transitions.some((t) => t.to === 'remediated' && !t.reason_required));
      if (target) {
        who = email;
        break;
      }
    }
    assert.ok(target, 'the demo has a contributor with an open finding');
    const mine = (await all(tokens[who], `/findings?owner=${encodeURIComponent(who)}`)).filter((f) => f.unresolved);

    const { page, context, check } = await openPage();
    await signIn(page, tokens[who]);
    assert.match(page.url(), /\/my-work$/, 'a contributor who owns something lands on My work');
    assert.equal(await page.locator('h1').textContent(), 'My work');
    assert.equal(await page.locator('nav a[aria-current="page"]').textContent(), 'My work');
    // Every unresolved finding of theirs is listed once; the overdue ones first, in their group.
    assert.deepEqual((await page.locator('#my-findings li[data-finding]').evaluateAll((ls) => ls.map((l) => l.dataset.finding))).sort(),
      ids(mine).sort());
    const overdue = mine.filter((f) => f.overdue);
    assert.equal(await page.locator('#group-overdue li').count(), overdue.length);
    if (overdue.length) assert.equal(await page.locator('.work-group').first().getAttribute('data-group'), 'overdue');
    const groups = await page.locator('.work-group').evaluateAll((gs) => gs.map((g) => g.dataset.group));
    const order = ['overdue', 'due-soon', 'in-progress', 'not-started', 'waiting'];
    assert.deepEqual(groups, order.filter((g) => groups.includes(g)), 'overdue, then due soon, then in progress');
    await shot(page, 'my-work-contributor');

    // Keyboard only: Tab to the finding's "Mark remediated" and press Enter.
    const button = page.getByRole('button', { name: `Mark remediated: ${target.id}`, exact: true });
    await button.focus();
    await page.keyboard.press('Enter');
    await flash(page, `${target.id} is now remediated.`);
    assert.equal((await api(tokens[ADMIN], `/findings/${target.id}`)).status, 'remediated');
    assert.equal(await page.locator(`#group-waiting li[data-finding="${target.id}"]`).count(), 1, 'now waiting for verification');
    await check();
    await context.close();

    // Editors and admins land on the overview, with My work in the navigation; auditors have none.
    for (const [email, hasLink] of [[EDITOR, true], [ADMIN, true], [AUDITOR, false]]) {
      const other = await openPage();
      await signIn(other.page, tokens[email]);
      assert.equal(new URL(other.page.url()).pathname, '/', email);
      assert.equal(await other.page.getByRole('link', { name: 'My work', exact: true }).count(), hasLink ? 1 : 0, email);
      await other.check();
      await other.context.close();
    }
  });

  test('My work lists the controls whose evidence is due and the reminders sent to the user', async () => {
    const owned = new Map();
    for (const email of CONTRIBUTORS) owned.set(email, await all(tokens[ADMIN], `/controls?owner=${encodeURIComponent(email)}`));
    // A contributor who owns a control (the demo gives controls owners), else one made so here.
    let who = CONTRIBUTORS.find((e) => owned.get(e).length);
    if (!who) {
      who = CONTRIBUTORS[0];
      await api(tokens[ADMIN], '/controls/AC-03', { method: 'PATCH', body: { owner: who } });
      owned.set(who, await all(tokens[ADMIN], `/controls?owner=${encodeURIComponent(who)}`));
    }
    const due = owned.get(who).filter((c) => ['missing', 'lapsed', 'expiring'].includes(c.evidence_status));
    const sent = (await api(tokens[ADMIN], `/notifications?recipient=${encodeURIComponent(who)}&limit=20`)).notifications;
    const { page, context, check } = await openPage();
    await signIn(page, tokens[who]);
    await go(page, '/my-work');
    assert.deepEqual(await page.locator('#controls-due li').evaluateAll((ls) => ls.map((l) => l.dataset.control)).then((x) => x.sort()),
      ids(due).sort());
    assert.equal(await page.locator('#my-reminders-table tbody tr').count(), sent.length);
    await check();
    await context.close();
  });
});

describe('Findings: search, filters with several values, bulk actions', () => {
  test('an editor bulk-assigns five findings; a bulk with a finding that cannot take it changes nothing and names it', async () => {
    const newOwner = 'emma.rossi@acme.example';
    const open = await all(tokens[ADMIN], '/findings?status=open,in_progress');
    const five = open.filter((f) => f.owner !== newOwner).slice(0, 5);
    assert.equal(five.length, 5, 'the demo has five open findings');

    const { page, context, check } = await openPage();
    await signIn(page, tokens[EDITOR]);
    await page.getByRole('link', { name: 'Findings', exact: true }).click();
    await settled(page);
    // Two statuses at once: the list is the API's for status=open,in_progress.
    await page.getByRole('group', { name: 'Status' }).getByLabel('open', { exact: true }).check();
    await page.waitForURL(/status=open(&|$)/);
    await settled(page);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'filter-status-0', 'the focus stays on the filter');
    await page.getByRole('group', { name: 'Status' }).getByLabel('in progress', { exact: true }).check();
    await page.waitForURL(/status=open%2Cin_progress|status=open,in_progress/);
    await settled(page);
    assert.equal(await page.locator('#findings-table tbody tr').count(), open.length);

    for (const f of five) await page.getByRole('checkbox', { name: `Select ${f.id}`, exact: true }).check();
    assert.match(await page.locator('#selection-count').textContent(), /^5 findings selected/);
    await page.locator('#bulk-owner').selectOption(newOwner);
    await page.getByRole('button', { name: 'Assign the selected findings' }).click();
    await flash(page, 'Assigned 5 findings to Emma Rossi.');
    for (const f of five) assert.equal((await api(tokens[ADMIN], `/findings/${f.id}`)).owner, newOwner, f.id);
    await shot(page, 'findings-bulk-assigned');

    // All or nothing: two open findings and a closed one cannot all go to in progress.
    const closed = (await all(tokens[ADMIN], '/findings?status=closed'))[0];
    assert.ok(closed, 'the demo has a closed finding');
    const two = open.filter((f) => f.status === 'open').slice(0, 2);
    assert.equal(two.length, 2);
    await go(page, '/findings');
    const size = (await api(tokens[ADMIN], '/readiness')).tree_size;
    for (const f of [...two, closed]) await page.getByRole('checkbox', { name: `Select ${f.id}`, exact: true }).check();
    await page.locator('#bulk-to').selectOption('in_progress');
    await page.getByRole('button', { name: 'Change their status' }).click();
    const alert = page.locator('#bulk-status [role="alert"]');
    await alert.waitFor();
    assert.match(await alert.textContent(), new RegExp(`^Refused: .*\\b${closed.id}\\b.*\\(HTTP 4\\d\\d`));
    assert.equal(await page.locator(`#bulk-refusals li[data-finding="${closed.id}"]`).count(), 1, 'the refused finding is named');
    for (const f of two) assert.equal(await page.locator(`#bulk-refusals li[data-finding="${f.id}"]`).count(), 0, f.id);
    assert.equal((await api(tokens[ADMIN], '/readiness')).tree_size, size, 'nothing written');
    for (const f of two) assert.equal((await api(tokens[ADMIN], `/findings/${f.id}`)).status, 'open', f.id);
    assert.equal((await api(tokens[ADMIN], `/findings/${closed.id}`)).status, 'closed');
    await shot(page, 'findings-bulk-refused');
    await check();
    await context.close();
  });

  test('the search box and the owner filter give what the API gives; columns sort in the page; contributors get no bulk actions', async () => {
    const findings = await all(tokens[ADMIN], '/findings');
    const word = findings[0].title.split(/\s+/).find((w) => w.length > 4) ?? findings[0].title.split(/\s+/)[0];
    const expected = await all(tokens[ADMIN], `/findings?q=${encodeURIComponent(word.toUpperCase())}`);
    assert.ok(expected.length > 0);
    const { page, context, check } = await openPage();
    await signIn(page, tokens[EDITOR]);
    await go(page, '/findings');
    await page.getByLabel('Search', { exact: true }).fill(word.toUpperCase());
    await page.getByLabel('Search', { exact: true }).press('Enter');
    await page.waitForURL(/q=/);
    await settled(page);
    assert.deepEqual(await page.locator('#findings-table tbody tr td:first-child a').allTextContents(), ids(expected));

    // Two owners and the unassigned ones.
    const owners = [EDITOR, 'raj.patel@acme.example'];
    const byOwners = await all(tokens[ADMIN], `/findings?owner=${owners.map(encodeURIComponent).join(',')},none`);
    await go(page, '/findings');
    const group = page.getByRole('group', { name: 'Owner' });
    for (const o of owners) {
      await group.locator(`input[value="${o}"]`).check();
      await settled(page);
    }
    await group.getByLabel('Unassigned').check();
    await page.waitForURL(/owner=.*none/);
    await settled(page);
    assert.equal(await page.locator('#findings-table tbody tr').count(), Math.max(1, byOwners.length));
    // Sorted by owner in the page (blanks last).
    await page.getByRole('button', { name: 'Owner', exact: true }).click();
    const shown = await page.locator('#findings-table td[data-label="Owner"]').allTextContents();
    const sorted = [...shown].sort((a, b) => (a === 'unassigned') - (b === 'unassigned') || a.localeCompare(b));
    assert.deepEqual(shown, sorted);
    await check();
    await context.close();

    const contributor = await openPage();
    await signIn(contributor.page, tokens[CONTRIBUTORS[0]]);
    await go(contributor.page, '/findings');
    assert.equal(await contributor.page.locator('#bulk').count(), 0);
    assert.equal(await contributor.page.locator('.row-select').count(), 0);
    await contributor.check();
    await contributor.context.close();
  });
});

describe('Controls and evidence', () => {
  test('a control owner uploads evidence that makes a criterion ready', async () => {
    const owner = 'noah.kim@acme.example';
    // A criterion in scope whose only blocker will be missing evidence: no unresolved finding
    // (status no_control or no_evidence), to which an implemented control of the owner's is mapped.
    // When every criterion in scope is either a gap or ready, a category is brought into scope
    // for the test (and taken out again at the end).
    const scope = await api(tokens[ADMIN], '/scope');
    let readiness = await api(tokens[ADMIN], '/readiness');
    const blockedByControls = (r) => r.criteria.find((c) => c.status === 'no_control' || c.status === 'no_evidence');
    let widened = false;
    if (!blockedByControls(readiness)) {
      const out = [...new Set(readiness.criteria.filter((c) => c.status === 'out_of_scope').map((c) => c.category))];
      for (const category of out) {
        await api(tokens[ADMIN], '/scope', { method: 'PUT', body: { categories: [...scope.categories, category] } });
        widened = true;
        readiness = await api(tokens[ADMIN], '/readiness');
        if (blockedByControls(readiness)) break;
      }
    }
    const criterion = blockedByControls(readiness);
    assert.ok(criterion, 'a criterion blocked by controls or evidence alone');
    try {
      await ownerMakesReady(criterion, owner);
    } finally {
      if (widened) await api(tokens[ADMIN], '/scope', { method: 'PUT', body: { categories: scope.categories } });
    }
  });

  async function ownerMakesReady(criterion, owner) {
    const controlId = 'WEB-20';
    await api(tokens[ADMIN], '/controls', {
      method: 'POST',
      body: { id: controlId, title: 'Evidence the dashboard test uploads', criteria: [criterion.id], status: 'implemented' },
    });
    await api(tokens[ADMIN], `/controls/${controlId}`, { method: 'PATCH', body: { owner, evidence_every: 'quarterly' } });
    const blocked = (await api(tokens[ADMIN], '/readiness')).criteria.find((c) => c.id === criterion.id);
    assert.equal(blocked.status, 'no_evidence', 'before: only the evidence is missing');

    const { page, context, check } = await openPage();
    await signIn(page, tokens[owner]);
    assert.match(page.url(), /\/my-work$/);
    const item = page.locator(`#controls-due li[data-control="${controlId}"]`);
    assert.match(await item.textContent(), /no evidence/);
    await item.getByRole('link', { name: `Upload evidence for ${controlId}` }).click();
    await settled(page);
    assert.match(await page.locator('h1').textContent(), new RegExp(`^${controlId}: `));
    // The owner may upload and link, not change the control.
    for (const form of ['#control-status-form', '#control-owner-form', '#control-test-form']) {
      assert.equal(await page.locator(form).count(), 0, form);
    }
    assert.equal(await page.locator('#control-upload-form').count(), 1);
    // The keyboard's way to a file: the labelled file input (drop works too, tested on a finding).
    await page.getByLabel('Drop a file here, or choose one').setInputFiles({
      name: 'access-review-q4.txt', mimeType: 'text/plain', buffer: Buffer.from('access review, Q4: 42 accounts, 3 removed\n'),
    });
    assert.match(await page.locator('#control-evidence-chosen').textContent(), /access-review-q4\.txt/);
    await page.getByRole('button', { name: 'Upload the evidence' }).click();
    await flash(page, `Uploaded access-review-q4.txt for ${controlId}.`);
    const control = await api(tokens[ADMIN], `/controls/${controlId}`);
    assert.equal(control.evidence_status, 'current');
    assert.equal(await page.locator('#control-evidence-status').textContent(), 'evidence current');
    assert.equal(await page.locator('#control-evidence-table tbody tr').count(), 1);
    // Valid for a quarter from today (no "valid until" given): the API's date, shown.
    const [evidenceId] = control.evidence;
    const stored = await api(tokens[ADMIN], `/evidence/${evidenceId}`);
    assert.ok(stored.expires_on > today(), stored.expires_on);
    assert.match(await page.locator('#control-evidence-table tbody tr').textContent(), new RegExp(stored.expires_on));
    const ready = (await api(tokens[ADMIN], '/readiness')).criteria.find((c) => c.id === criterion.id);
    assert.equal(ready.status, 'ready', 'after: the criterion is ready');
    await shot(page, 'control-owner-uploaded');

    // The criterion's page links the control and the evidence.
    await page.getByRole('link', { name: criterion.id, exact: true }).first().click();
    await settled(page);
    assert.equal(await page.locator('#criterion-status').textContent(), 'ready');
    assert.equal(await page.locator('#criterion-controls').getByRole('link', { name: controlId, exact: true }).count(), 1);
    assert.equal(await page.locator('#criterion-evidence tbody tr').filter({ hasText: evidenceId }).count(), 1);
    await check();
    await context.close();

    // An editor records a failed test: the control stops counting, the criterion is blocked again.
    const editor = await openPage();
    await signIn(editor.page, tokens[EDITOR]);
    await go(editor.page, `/controls/${controlId}`);
    await editor.page.locator('#test-result').selectOption('fail');
    await editor.page.locator('#test-notes').fill('MFA was off for two service accounts');
    await editor.page.getByRole('button', { name: 'Record the test' }).click();
    await flash(editor.page, 'Test recorded: fail.');
    assert.equal((await api(tokens[ADMIN], `/controls/${controlId}`)).counts_as_implemented, false);
    assert.notEqual((await api(tokens[ADMIN], '/readiness')).criteria.find((c) => c.id === criterion.id).status, 'ready');
    assert.equal(await editor.page.locator('#control-tests-table tbody tr').count(), 1);
    assert.match(await editor.page.locator('.pills').textContent(), /latest test failed/);
    await editor.check();
    await editor.context.close();

    // Auditors read it and get no action.
    const auditor = await openPage();
    await signIn(auditor.page, tokens[AUDITOR]);
    await go(auditor.page, `/controls/${controlId}`);
    assert.equal(await auditor.page.locator('main form').count(), 0);
    assert.equal(await auditor.page.locator('button.unlink').count(), 0);
    await auditor.check();
    await auditor.context.close();
  }

  test('the controls list filters by owner, status and lapsed evidence as the API does', async () => {
    const { page, context, check } = await openPage();
    await signIn(page, tokens[ADMIN]);
    await page.getByRole('link', { name: 'Controls', exact: true }).click();
    await settled(page);
    const everything = await all(tokens[ADMIN], '/controls');
    assert.equal(await page.locator('#controls-table tbody tr').count(), everything.length);
    await page.getByRole('link', { name: 'Controls with lapsed or no evidence' }).click();
    await settled(page);
    const lapsed = await all(tokens[ADMIN], '/controls?evidence_status=lapsed,missing');
    assert.deepEqual(await page.locator('#controls-table tbody tr td:first-child a').allTextContents(), ids(lapsed));
    await page.getByRole('group', { name: 'Status' }).getByLabel('implemented', { exact: true }).check();
    await page.waitForURL(/status=implemented/);
    await settled(page);
    const both = await all(tokens[ADMIN], '/controls?evidence_status=lapsed,missing&status=implemented');
    assert.equal(await page.locator('#controls-table tbody tr').count(), Math.max(1, both.length));
    const someone = everything.find((c) => c.owner)?.owner;
    if (someone) {
      await go(page, '/controls');
      await page.getByLabel('Owner').selectOption(someone);
      await page.waitForURL(/owner=/);
      await settled(page);
      const theirs = await all(tokens[ADMIN], `/controls?owner=${encodeURIComponent(someone)}`);
      assert.deepEqual(await page.locator('#controls-table tbody tr td:first-child a').allTextContents(), ids(theirs));
    }
    await shot(page, 'controls');
    await check();
    await context.close();
  });

  test('the evidence library: the expiring filter, unlinked, link and unlink with the keyboard, download', async () => {
    // Evidence that expires within 30 days, whatever the demo holds.
    const control = (await all(tokens[ADMIN], '/controls'))[0];
    const soon = await upload(tokens[ADMIN], 'soon-expiring.txt', 'expires soon\n', { control: control.id, valid_until: daysFromToday(10) });
    const loose = await upload(tokens[ADMIN], 'not-linked.txt', 'linked to nothing\n');
    const expiring = await all(tokens[ADMIN], '/evidence?expiring_within=30');
    assert.ok(ids(expiring).includes(soon.id));

    const { page, context, check } = await openPage();
    await signIn(page, tokens[ADMIN]);
    await page.getByRole('link', { name: 'Evidence', exact: true }).click();
    await settled(page);
    const everything = await all(tokens[ADMIN], '/evidence');
    assert.equal(await page.locator('#evidence-table tbody tr').count(), everything.length);
    await page.getByLabel(/^Expiring within 30 days/).check();
    await page.waitForURL(/expiring_within=30/);
    await settled(page);
    assert.deepEqual(await page.locator('#evidence-table tbody tr td:first-child').allTextContents(), ids(expiring));
    const row = page.locator('#evidence-table tbody tr').filter({ hasText: soon.id });
    assert.match(await row.textContent(), /expiring soon/);
    await shot(page, 'evidence-expiring');

    await page.getByLabel(/^Expiring within 30 days/).uncheck();
    await settled(page);
    await page.getByLabel('Not linked to anything').check();
    await page.waitForURL(/unlinked=true/);
    await settled(page);
    const unlinked = await all(tokens[ADMIN], '/evidence?unlinked=true');
    assert.deepEqual(await page.locator('#evidence-table tbody tr td:first-child').allTextContents(), ids(unlinked));

    // Link with the keyboard: the button, a select, Enter.
    const target = (await all(tokens[ADMIN], '/controls')).find((c) => c.id !== control.id);
    await go(page, '/evidence');
    await page.getByRole('button', { name: `Link ${loose.id}…`, exact: true }).focus();
    await page.keyboard.press('Enter');
    const choice = page.locator(`#link-target-${loose.id}`);
    assert.equal(await page.evaluate(() => document.activeElement?.id), `link-target-${loose.id}`);
    await choice.selectOption(`control:${target.id}`);
    await page.keyboard.press('Tab'); // to "Link"
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Link');
    await page.keyboard.press('Enter');
    await flash(page, `${loose.id} linked to ${target.id}.`);
    assert.deepEqual((await api(tokens[ADMIN], `/evidence/${loose.id}`)).controls, [target.id]);
    await page.getByRole('button', { name: `Unlink ${loose.id} from ${target.id}`, exact: true }).focus();
    await page.keyboard.press('Enter');
    await flash(page, `${loose.id} unlinked from ${target.id}.`);
    assert.deepEqual((await api(tokens[ADMIN], `/evidence/${loose.id}`)).controls, []);

    // Download: fetched with the token, handed over as a blob.
    const [downloaded] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(`#evidence-table button.download[data-evidence="${soon.id}"]`).click(),
    ]);
    assert.equal(downloaded.suggestedFilename(), 'soon-expiring.txt');
    const path = join(artifacts, 'library-download.txt');
    await downloaded.saveAs(path);
    assert.equal(await readFile(path, 'utf8'), 'expires soon\n');

    // Upload from the library by drag and drop, linked to a control at once.
    const transfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['policy v3\n'], 'policy-v3.txt', { type: 'text/plain' }));
      return dt;
    });
    await page.locator('#library-dropzone').dispatchEvent('drop', { dataTransfer: transfer });
    await page.locator('#library-link-to').selectOption(`control:${target.id}`);
    await page.getByRole('button', { name: 'Upload the evidence' }).click();
    await flash(page, 'Uploaded policy-v3.txt.');
    const uploaded = (await all(tokens[ADMIN], `/evidence?control=${encodeURIComponent(target.id)}`)).find((e) => e.filename === 'policy-v3.txt');
    assert.ok(uploaded, 'uploaded and linked');
    await check();
    await context.close();
  });

  test('as of a past day the new views show the API as of then and offer no action', async () => {
    const day = daysFromToday(-60);
    const controls = await all(tokens[ADMIN], `/controls?as_of=${day}`);
    assert.ok(controls.length > 0, 'the demo had controls 60 days ago');
    const { page, context, check } = await openPage();
    await signIn(page, tokens[EDITOR]);
    await go(page, `/controls?as_of=${day}`);
    assert.match(await page.locator('#time-banner').textContent(), new RegExp(day));
    assert.equal(await page.locator('#controls-table tbody tr').count(), controls.length);
    const c = controls[0];
    await page.getByRole('link', { name: c.id, exact: true }).click();
    await settled(page);
    assert.match(page.url(), new RegExp(`as_of=${day}`));
    assert.equal(await page.locator('#control-status').textContent(), c.status.replaceAll('_', ' '));
    assert.equal(await page.locator('main form').count(), 0, 'no action in the past');
    await go(page, `/evidence?as_of=${day}`);
    assert.equal(await page.locator('#evidence-table tbody tr').count(), Math.max(1, (await all(tokens[ADMIN], `/evidence?as_of=${day}`)).length));
    assert.equal(await page.locator('main form:not(.filters)').count(), 0);
    assert.equal(await page.locator('button.link-open, button.unlink').count(), 0);
    await go(page, `/findings?as_of=${day}`);
    assert.equal(await page.locator('#bulk').count(), 0);
    await go(page, `/my-work?as_of=${day}`);
    assert.equal(await page.locator('.work-actions button').count(), 0);
    await check();
    await context.close();
  });
});

// Every view at 1280×800 and 390×844: no serious or critical axe-core violation.
describe('accessibility', () => {
  // The rules of WCAG 2.1 A and AA and axe's best practices; what fails the test is a violation
  // of serious or critical impact.
  async function violations(page) {
    // The wide tables' scroll boxes are named and focusable once laid out (table.js).
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const result = await new AxeBuilder({ page }).analyze();
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(' | ')}`);
  }

  async function everyView(name, viewport) {
    const control = (await all(tokens[ADMIN], '/controls')).find((c) => c.evidence.length) ?? (await all(tokens[ADMIN], '/controls'))[0];
    const finding = (await all(tokens[ADMIN], '/findings?status=open'))[0];
    const criterion = (await api(tokens[ADMIN], '/readiness')).criteria.find((c) => c.status === 'gap');
    // A contributor with work of their own, so My work has every section filled.
    let contributor = CONTRIBUTORS[0];
    for (const email of CONTRIBUTORS) {
      if ((await all(tokens[ADMIN], `/findings?owner=${encodeURIComponent(email)}&status=open,in_progress`)).length) {
        contributor = email;
        break;
      }
    }
    const views = [
      ['/', ADMIN], ['/my-work', contributor], ['/my-work', EDITOR], ['/findings', EDITOR], [`/findings/${finding.id}`, ADMIN],
      ['/controls', ADMIN], [`/controls/${control.id}`, ADMIN], ['/evidence', ADMIN], [`/criteria/${criterion.id}`, ADMIN],
      ['/owners', ADMIN], ['/roadmap', ADMIN], ['/audit', ADMIN], ['/users', ADMIN], [`/users/${encodeURIComponent(EDITOR)}`, ADMIN],
      ['/reminders', ADMIN], ['/account', ADMIN],
      ['/evidence', contributor], [`/controls/${control.id}`, AUDITOR],
    ];
    const found = [];
    {
      // The sign-in page, before anyone signs in.
      const first = await openPage(viewport);
      await first.page.goto(`${base}/`);
      await first.page.getByLabel('API token').waitFor();
      for (const v of await violations(first.page)) found.push(`${name} sign-in: ${v}`);
      await first.context.close();
      const pages = new Map();
      for (const [path, who] of views) {
        if (!pages.has(who)) {
          const p = await openPage(viewport);
          await signIn(p.page, tokens[who]);
          pages.set(who, p);
        }
        const { page } = pages.get(who);
        await go(page, path);
        for (const v of await violations(page)) found.push(`${name} ${path} (${who}): ${v}`);
        await shot(page, `axe-${name}-${path.replaceAll(/[^a-zA-Z0-9.-]/g, '_')}`);
      }
      // An opened in-place form, and the time-travel panel on a phone.
      const { page } = pages.get(ADMIN);
      await go(page, '/evidence');
      const opener = page.locator('button.link-open').first();
      if (await opener.count()) {
        await opener.click();
        for (const v of await violations(page)) found.push(`${name} /evidence, linking: ${v}`);
      }
      if (name === 'phone') {
        await page.locator('#time-travel-toggle').click();
        for (const v of await violations(page)) found.push(`${name} time travel open: ${v}`);
      }
      for (const p of pages.values()) {
        await p.check();
        await p.context.close();
      }
    }
    assert.deepEqual(found, []);
  }

  test('every view passes axe-core at desktop width (1280×800)', () => everyView('desktop', DESKTOP));
  test('every view passes axe-core at phone width (390×844)', () => everyView('phone', PHONE));
});
