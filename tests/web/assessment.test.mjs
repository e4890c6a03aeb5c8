// Browser tests of issue 21 (SPEC §13): the Assessment view and its forms, the risk heat map and
// the findings' risk, the audit date on the Overview with its blockers, the management report
// printed to PDF by Chromium (read back with poppler's pdftotext), the findings' CSV and Excel
// downloads, and axe-core on the new views at desktop and phone widths. Playwright
// (playwright-core) drives Debian's Chromium against a real `gaplog serve` on a fresh demo
// program; every number and id asserted on is read from the API in the same test. Where the demo
// has no assessment data, ratings or audit date, the test records them through the API first.
// harness.mjs fails a test on an uncaught page error, a CSP violation, a dialog, a token in a URL
// or stray `null` text.
//
//   node --test tests/web/assessment.test.mjs        (scripts/test runs it; see docs/web.md)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
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
const CONTRIBUTOR = 'sofia.garcia@acme.example';
const DAY_MS = 86400e3;
const daysFromToday = (n) => new Date(Date.now() + n * DAY_MS).toISOString().slice(0, 10);
const today = () => daysFromToday(0);

// The spreadsheet's columns (contract of issue 21), in order.
const COLUMNS = ['id', 'title', 'description', 'recommendation', 'severity', 'status', 'criteria', 'control', 'source', 'origin',
  'owner', 'due_date', 'likelihood', 'impact', 'risk_score', 'overdue', 'unresolved', 'acceptance_expired',
  'risk_acceptance_justification', 'risk_acceptance_expires_on', 'risk_acceptance_approved_by', 'evidence', 'recorded_on', 'version'];

let demo;
let server;
let base;
let browser;
const tokens = {};

const api = (token, path, options) => apiWith(base, token, path, options);
const admin = (path, options) => api(tokens[ADMIN], path, options);
const all = async (path) => {
  const items = [];
  let after = '';
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await admin(`${path}${sep}limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    items.push(...page.items);
    if (page.next_after === null || page.next_after === undefined) return items;
    after = page.next_after;
  }
};
const sorted = (xs) => [...xs].sort();

// What the demo may lack (it gains documents, interviews, tests, ratings and an audit date in
// issue 21): recorded here through the API, so the tests have something to look at either way.
async function ensureAssessmentData() {
  let assessment = await admin('/assessment');
  const findings = (await all('/findings')).filter((f) => f.unresolved && f.status !== 'closed');
  if (!assessment.documents.length) {
    const doc = await admin('/documents', { method: 'POST', body: {
      title: 'Information Security Policy', kind: 'policy', owner: EDITOR, version: '2.1',
      approved_on: daysFromToday(-400), next_review_on: daysFromToday(-35), criteria: ['CC5.2', 'CC5.3'],
    } });
    await admin(`/documents/${doc.id}/reviews`, { method: 'POST', body: { outcome: 'outdated', notes: 'Last approved over a year ago.' } });
    await admin('/documents', { method: 'POST', body: { title: 'Incident Response Plan', kind: 'plan', criteria: ['CC7.4'] } });
  }
  if (!assessment.interviews.length) {
    await admin('/interviews', { method: 'POST', body: {
      stakeholder: 'Dana Reyes', stakeholder_role: 'VP Engineering', held_on: daysFromToday(-20), interviewers: [EDITOR],
      criteria: ['CC1.3', 'CC8.1'], notes: 'Change approvals are informal.',
    } });
  }
  if (!assessment.tests.length) {
    const control = (await all('/controls'))[0];
    await admin(`/controls/${encodeURIComponent(control.id)}/tests`, { method: 'POST', body: { kind: 'operating', tested_on: today(), result: 'fail' } });
  }
  assessment = await admin('/assessment');
  // A finding produced by each kind of origin, rated (an origin is of the kind of the finding's
  // source, docs/assessment.md); recorded here when the demo has none.
  const kinds = [['document_review', assessment.documents[0].id], ['interview', assessment.interviews[0].id],
    ['control_evaluation', assessment.tests[0].ref]];
  for (const [i, [source, origin]] of kinds.entries()) {
    if (findings.some((f) => f.origin && f.source === source)) continue;
    await admin('/findings', { method: 'POST', body: {
      title: `Found by ${origin}`, severity: 'medium', criteria: ['CC1.1'], source, origin, likelihood: 4, impact: 3 + i,
    } });
  }
  const heat = await admin('/heatmap');
  if (heat.cells.every((c) => c.findings.length < 2)) {
    for (const f of (await all('/findings')).filter((x) => x.unresolved && !x.risk_score).slice(0, 2)) {
      await admin(`/findings/${f.id}`, { method: 'PATCH', body: { likelihood: 2, impact: 5 } });
    }
  }
  const program = await admin('/program');
  if (!program.audit) await admin('/program/audit', { method: 'PUT', body: { type: 'type1', date: daysFromToday(45) } });
}

before(async () => {
  demo = demoData(ADMIN);
  tokens[ADMIN] = demo.adminToken;
  for (const email of [EDITOR, AUDITOR, CONTRIBUTOR]) tokens[email] = tokenIn(demo.gaplog('token', 'issue', '--for', email));
  server = await startGaplog({ data: demo.dir });
  base = server.base;
  browser = await launchBrowser();
  await ensureAssessmentData();
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

async function flash(page, text) {
  await page.locator('#flash').filter({ hasText: text }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'flash', 'the message has the focus');
}

const rowIds = (page, table) => page.locator(`#${table} tbody tr td:first-child`).evaluateAll((tds) =>
  tds.map((td) => td.textContent.trim()).filter((t) => t && !/^No /.test(t)));
const findingIdsShown = (page) => page.locator('#findings-table tbody tr td:first-child a').allTextContents();

describe('Assessment view', () => {
  test('lists the API\'s documents, interviews, control tests and not-assessed criteria, today and as of an earlier day', async () => {
    const assessment = await admin('/assessment');
    assert.ok(assessment.documents.length && assessment.interviews.length && assessment.tests.length);
    assert.ok(assessment.not_assessed.length, 'the demo leaves some in-scope criteria not assessed');
    const { page, context, check } = await openPage();
    await signIn(page, tokens[AUDITOR]);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Assessment' }).click();
    await settled(page);
    assert.equal(await page.locator('h1').textContent(), 'Assessment');
    assert.equal(await page.locator('#assessed').textContent(), `${assessment.assessed} of ${assessment.in_scope}`);
    assert.equal(await page.locator('#not-assessed-count').textContent(), String(assessment.not_assessed.length));

    // Documents: kind, owner, latest review and date, next review with the review-due flag, findings.
    assert.deepEqual(await rowIds(page, 'documents-table'), assessment.documents.map((d) => d.id));
    for (const d of assessment.documents) {
      const row = page.locator('#documents-table tbody tr').filter({ has: page.locator(`[id="${d.id}"]`) });
      const text = await row.textContent();
      assert.ok(text.includes(d.title) && text.includes(d.kind), `${d.id}: title and kind`);
      if (d.latest_review) {
        assert.equal(await row.locator('.latest-outcome').textContent(), d.latest_review.outcome.replaceAll('_', ' '));
        assert.ok(text.includes(d.latest_review.reviewed_on));
      } else {
        assert.ok(text.includes('not reviewed'));
      }
      if (d.next_review_on) assert.ok(text.includes(d.next_review_on));
      assert.equal(await row.locator('.review-due').count(), d.review_due ? 1 : 0, `${d.id}: review due is flagged`);
      assert.deepEqual(await row.locator('.finding-links li').evaluateAll((ls) => ls.map((l) => l.dataset.finding)), d.findings);
    }
    // Interviews and tests, each with the findings it produced.
    assert.deepEqual(await rowIds(page, 'interviews-table'), assessment.interviews.map((i) => i.id));
    for (const i of assessment.interviews) {
      const row = page.locator('#interviews-table tbody tr').filter({ has: page.locator(`[id="${i.id}"]`) });
      const text = await row.textContent();
      assert.ok(text.includes(i.stakeholder) && text.includes(i.stakeholder_role) && text.includes(i.held_on));
      for (const c of i.criteria) assert.ok(text.includes(c));
      assert.deepEqual(await row.locator('.finding-links li').evaluateAll((ls) => ls.map((l) => l.dataset.finding)), i.findings);
    }
    assert.deepEqual(await rowIds(page, 'tests-table'), assessment.tests.map((t) => t.ref));
    const produced = assessment.tests.find((t) => t.findings.length);
    assert.ok(produced, 'a control test produced a finding');
    const testRow = page.locator('#tests-table tbody tr').filter({ has: page.locator(`[id="${produced.ref}"]`) });
    assert.ok((await testRow.textContent()).includes(produced.result));
    assert.deepEqual(await testRow.locator('.finding-links li').evaluateAll((ls) => ls.map((l) => l.dataset.finding)), produced.findings);

    // Not assessed: exactly the API's, each a link to its criterion's page.
    assert.deepEqual(await page.locator('#not-assessed-list li').evaluateAll((ls) => ls.map((l) => l.dataset.criterion)), assessment.not_assessed);
    assert.equal(await page.locator('#document-form, #review-form, #interview-form').count(), 0, 'auditors get no form');
    await shot(page, 'assessment');
    const first = assessment.not_assessed[0];
    await page.locator(`#not-assessed-list li[data-criterion="${first}"] a`).click();
    await settled(page);
    assert.match(page.url(), new RegExp(`/criteria/${first.replace('.', '\\.')}$`));

    // A finding's origin links back to its row.
    const originated = assessment.documents.find((d) => d.findings.length);
    assert.ok(originated, 'a document review produced a finding');
    await go(page, `/findings/${originated.findings[0]}`);
    assert.equal(await page.locator('#finding-origin').textContent(), originated.id);
    await page.locator('#finding-origin a').click();
    await settled(page);
    assert.equal(await page.evaluate(() => document.activeElement?.id), originated.id, 'the origin\'s row has the focus');

    // As of an earlier day: the API's answer for that day.
    const earlier = daysFromToday(-30);
    const then = await admin(`/assessment?as_of=${earlier}`);
    await go(page, `/assessment?as_of=${earlier}`);
    assert.deepEqual(await rowIds(page, 'documents-table'), then.documents.map((d) => d.id));
    assert.deepEqual(await rowIds(page, 'interviews-table'), then.interviews.map((i) => i.id));
    assert.deepEqual(await rowIds(page, 'tests-table'), then.tests.map((t) => t.ref));
    assert.equal(await page.locator('#not-assessed-count').textContent(), String(then.not_assessed.length));
    await check();
    await context.close();
  });

  test('an editor records a document, reviews it and records an interview through the forms', async () => {
    const before = await admin('/assessment');
    const [forDocument, forInterview] = before.not_assessed;
    assert.ok(forInterview, 'two criteria not assessed yet');
    const owner = CONTRIBUTOR;
    const { page, context, check } = await openPage();
    await signIn(page, tokens[EDITOR]);
    await go(page, '/assessment');

    // Record a document (its title holds HTML, shown as text).
    const title = 'Access Control Standard <b>draft</b>';
    const doc = page.locator('#document-form');
    await doc.getByLabel('Title').fill(title);
    await doc.getByLabel('Kind').selectOption('standard');
    await doc.getByLabel('Owner').selectOption(owner);
    await doc.getByLabel('Version (optional)').fill('0.9');
    await doc.getByLabel('Approved on (optional)').fill(daysFromToday(-10));
    await doc.getByLabel('Next review (optional)').fill(daysFromToday(355));
    await doc.getByRole('button', { name: 'Record the document' }).click();
    await doc.getByText('Tick at least one criterion').waitFor(); // refused in the page, nothing sent
    await doc.locator(`input[name="document-criteria"][value="${forDocument}"]`).check();
    await doc.getByRole('button', { name: 'Record the document' }).click();
    await flash(page, 'recorded: Access Control Standard');
    const documents = await all('/documents');
    assert.equal(documents.length, before.documents.length + 1);
    const recorded = documents[documents.length - 1];
    assert.equal(recorded.title, title);
    assert.equal(recorded.kind, 'standard');
    assert.equal(recorded.owner, owner);
    assert.equal(recorded.document_version, '0.9');
    assert.equal(recorded.approved_on, daysFromToday(-10));
    assert.equal(recorded.next_review_on, daysFromToday(355));
    assert.deepEqual(recorded.criteria, [forDocument]);
    assert.equal(recorded.recorded_by, EDITOR);
    assert.equal(await page.locator(`#documents-table tr:has([id="${recorded.id}"]) .doc-title`).textContent(), title);
    assert.equal(await page.locator('#documents-table b').count(), 0, 'no element made from the title');

    // Review it: the criterion it covers is assessed now.
    const review = page.locator('#review-form');
    await review.getByLabel('Document').selectOption(recorded.id);
    await review.getByLabel('Outcome').selectOption('incomplete');
    await review.getByLabel('Notes (optional)').fill('No section on privileged access.');
    await review.getByRole('button', { name: 'Record the review' }).click();
    await flash(page, `Review of ${recorded.id} recorded: incomplete.`);
    const reviewed = await admin(`/documents/${recorded.id}`);
    assert.equal(reviewed.latest_review.outcome, 'incomplete');
    assert.equal(reviewed.latest_review.reviewed_by, EDITOR);
    assert.equal(reviewed.latest_review.reviewed_on, today());
    assert.equal(reviewed.latest_review.notes, 'No section on privileged access.');
    assert.equal(await page.locator(`#documents-table tr:has([id="${recorded.id}"]) .latest-outcome`).textContent(), 'incomplete');
    assert.ok(!(await admin('/assessment')).not_assessed.includes(forDocument), 'the review assessed its criterion');
    assert.equal(await page.locator(`#not-assessed-list li[data-criterion="${forDocument}"]`).count(), 0);

    // Record an interview, held by the editor (ticked already) and the admin.
    const interview = page.locator('#interview-form');
    await interview.getByLabel('Stakeholder').fill('Priya Natarajan');
    await interview.getByLabel('Their role').fill('Head of IT');
    await interview.getByLabel('Held on').fill(daysFromToday(-3));
    assert.ok(await interview.locator(`input[name="interviewers"][value="${EDITOR}"]`).isChecked(), 'the editor is an interviewer by default');
    await interview.locator(`input[name="interviewers"][value="${ADMIN}"]`).check();
    await interview.locator(`input[name="interview-criteria"][value="${forInterview}"]`).check();
    await interview.getByLabel('Notes (optional)').fill('Laptops are reimaged by hand.');
    await interview.getByRole('button', { name: 'Record the interview' }).click();
    await flash(page, 'recorded: Priya Natarajan');
    const interviews = await all('/interviews');
    const held = interviews[interviews.length - 1];
    assert.equal(interviews.length, before.interviews.length + 1);
    assert.equal(held.stakeholder, 'Priya Natarajan');
    assert.equal(held.stakeholder_role, 'Head of IT');
    assert.equal(held.held_on, daysFromToday(-3));
    assert.deepEqual(sorted(held.interviewers), sorted([EDITOR, ADMIN]));
    assert.deepEqual(held.criteria, [forInterview]);
    assert.equal(held.notes, 'Laptops are reimaged by hand.');
    assert.equal(held.recorded_by, EDITOR);
    assert.deepEqual(await rowIds(page, 'interviews-table'), interviews.map((i) => i.id));
    const now = await admin('/assessment');
    assert.ok(!now.not_assessed.includes(forInterview));
    assert.deepEqual(await page.locator('#not-assessed-list li').evaluateAll((ls) => ls.map((l) => l.dataset.criterion)), now.not_assessed);
    await shot(page, 'assessment-editor');

    // A contributor reads, records nothing; looking at the past hides the forms.
    await go(page, `/assessment?as_of=${daysFromToday(-1)}`);
    assert.equal(await page.locator('#document-form').count(), 0);
    await check();
    await context.close();
    const { page: p2, context: c2, check: check2 } = await openPage();
    await signIn(p2, tokens[CONTRIBUTOR]);
    await go(p2, '/assessment');
    assert.equal(await p2.locator('#document-form, #review-form, #interview-form').count(), 0);
    await check2();
    await c2.close();
  });
});

describe('Risk', () => {
  test('each heat-map cell links to exactly the findings GET /heatmap puts in it; the Risk column sorts; an editor rates a finding', async () => {
    const heat = await admin('/heatmap');
    assert.equal(heat.cells.length, 25);
    const { page, context, check } = await openPage();
    await signIn(page, tokens[EDITOR]);
    // The overview's map: every cell's count is the API's.
    for (const c of heat.cells) {
      const cell = page.locator(`#heatmap td[data-likelihood="${c.likelihood}"][data-impact="${c.impact}"]`);
      assert.equal(await cell.getAttribute('data-count'), String(c.findings.length), `cell ${c.likelihood}×${c.impact}`);
    }
    // Rows: likelihood 5 down to 1; columns: impact 1 to 5.
    assert.deepEqual(await page.locator('#heatmap tbody th').allTextContents(), [5, 4, 3, 2, 1].map((l) => `Likelihood ${l}`));
    assert.deepEqual(await page.locator('#heatmap thead th').allTextContents(), [1, 2, 3, 4, 5].map((i) => `Impact ${i}`));
    await shot(page, 'overview-heatmap');

    const busiest = [...heat.cells].sort((a, b) => b.findings.length - a.findings.length)[0];
    assert.ok(busiest.findings.length >= 2, 'a cell holds at least two findings');
    await page.locator(`#heatmap td[data-likelihood="${busiest.likelihood}"][data-impact="${busiest.impact}"] a`).click();
    await settled(page);
    assert.match(page.url(), /\/findings\?/);
    assert.deepEqual(sorted(await findingIdsShown(page)), sorted(busiest.findings), 'the cell\'s link shows exactly its findings');
    assert.ok((await page.locator('#risk-filter').textContent()).includes(`likelihood ${busiest.likelihood} and impact ${busiest.impact}`));
    await shot(page, 'findings-from-heatmap');

    // The unrated count links to exactly the API's unrated findings.
    await go(page, '/');
    if (heat.unrated.length) {
      assert.ok((await page.locator('#heatmap-unrated').textContent()).startsWith(`${heat.unrated.length} finding`));
      await page.locator('#heatmap-unrated').click();
      await settled(page);
      assert.deepEqual(sorted(await findingIdsShown(page)), sorted(heat.unrated));
    }

    // The Risk column: the API's risk_score, likelihood × impact alongside, sortable in the page.
    const findings = await all('/findings');
    await go(page, '/findings');
    const rated = findings.find((f) => f.risk_score);
    const riskText = await page.locator('#findings-table tbody tr').filter({ has: page.locator(`a:text-is("${rated.id}")`) }).locator('td.risk-col').textContent();
    assert.equal(riskText.trim(), `${rated.risk_score} (${rated.likelihood}×${rated.impact})`);
    const sortButton = page.locator('#findings-table th button.sort', { hasText: 'Risk' });
    await sortButton.click();
    await sortButton.click(); // highest first
    const shown = await findingIdsShown(page);
    const scores = new Map(findings.map((f) => [f.id, f.risk_score ?? 0]));
    const ranked = shown.map((id) => scores.get(id));
    assert.deepEqual(ranked.slice(0, 5), [...ranked].sort((a, b) => b - a).slice(0, 5), 'highest risk first');
    assert.equal(await page.locator('#findings-table th:has(button:text-is("Risk"))').getAttribute('aria-sort'), 'descending');

    // An editor sets likelihood, impact and origin on a finding's page.
    const assessment = await admin('/assessment');
    // an unrated finding from an interview (its origin must be an interview, docs/assessment.md)
    let target = findings.find((f) => f.unresolved && f.status !== 'closed' && !f.risk_score && f.source === 'interview');
    target ??= await admin('/findings', { method: 'POST', body: { title: 'Found in an interview', severity: 'low', criteria: ['CC1.3'], source: 'interview' } });
    const origin = assessment.interviews[assessment.interviews.length - 1].id;
    await go(page, `/findings/${target.id}`);
    const form = page.locator('#risk-rating-form');
    await form.getByLabel('Likelihood').selectOption('5');
    await form.getByRole('button', { name: 'Save risk and origin' }).click();
    await form.getByText('Give both a likelihood and an impact, or neither.').waitFor();
    await form.getByLabel('Impact').selectOption('4');
    await form.getByLabel('Origin').selectOption(origin);
    await form.getByRole('button', { name: 'Save risk and origin' }).click();
    await flash(page, 'Risk set to 20 (likelihood 5 × impact 4).');
    const rated2 = await admin(`/findings/${target.id}`);
    assert.deepEqual([rated2.likelihood, rated2.impact, rated2.risk_score, rated2.origin], [5, 4, 20, origin]);
    assert.equal(await page.locator('#finding-origin').textContent(), origin);
    const heatNow = await admin('/heatmap');
    assert.ok(heatNow.cells.find((c) => c.likelihood === 5 && c.impact === 4).findings.includes(target.id));
    await go(page, '/');
    assert.equal(await page.locator('#heatmap td[data-likelihood="5"][data-impact="4"]').getAttribute('data-count'),
      String(heatNow.cells.find((c) => c.likelihood === 5 && c.impact === 4).findings.length));
    // Cleared again: neither.
    await go(page, `/findings/${target.id}`);
    await form.getByLabel('Likelihood').selectOption('');
    await form.getByLabel('Impact').selectOption('');
    await form.getByRole('button', { name: 'Save risk and origin' }).click();
    await flash(page, 'Risk and origin saved.');
    const cleared = await admin(`/findings/${target.id}`);
    assert.deepEqual([cleared.likelihood, cleared.impact, cleared.risk_score], [null, null, null]);

    // As of an earlier day, the map is the API's for that day.
    const earlier = daysFromToday(-60);
    const then = await admin(`/heatmap?as_of=${earlier}`);
    await go(page, `/?as_of=${earlier}`);
    for (const c of then.cells) {
      assert.equal(await page.locator(`#heatmap td[data-likelihood="${c.likelihood}"][data-impact="${c.impact}"]`).getAttribute('data-count'),
        String(c.findings.length));
    }
    await check();
    await context.close();
  });
});

describe('Audit date', () => {
  test('the overview shows the days left, on track or not, and the blockers the timeline gives; an admin sets the date', async () => {
    const { page, context, check } = await openPage();
    await signIn(page, tokens[ADMIN]);
    const assertAsTimeline = async () => {
      const t = await admin('/timeline');
      assert.ok(t.audit_target, 'an audit date is set');
      assert.equal(await page.locator('#audit-target').getAttribute('data-target'), t.audit_target.target);
      const words = await page.locator('#audit-target').textContent();
      if (t.audit_target.type === 'type1') assert.ok(words.includes(t.audit_target.date));
      else assert.ok(words.includes(t.audit_target.window_start) && words.includes(t.audit_target.window_end));
      assert.equal(await page.locator('#audit-days-left').getAttribute('data-days'), String(t.days_left));
      if (t.days_left > 0) assert.ok((await page.locator('#audit-days-left').textContent()).startsWith(`${t.days_left} day`));
      assert.equal(await page.locator('#audit-on-track').getAttribute('data-on-track'), String(t.on_track));
      assert.equal(await page.locator('#audit-on-track .pill').textContent(), t.on_track ? 'on track' : 'not on track');
      const listed = (id) => page.locator(`#${id} li`).evaluateAll((ls) => ls.map((l) => l.dataset.id));
      assert.deepEqual(await listed('blockers-criteria'), t.blockers.criteria);
      assert.deepEqual(await listed('blockers-no-due-date'), t.blockers.no_due_date);
      assert.deepEqual(await listed('blockers-due-after'), t.blockers.due_after_target);
      if (!t.projected_ready_on) {
        const why = await page.locator('#projected-ready').textContent();
        assert.ok(!why.includes('a criterion lacks an implemented control with current evidence, or'), 'no generic message');
        if (t.blockers.criteria.length) assert.ok(why.includes(`${t.blockers.criteria.length} in-scope criteri`));
      }
      return t;
    };
    const t = await assertAsTimeline();
    assert.ok(t.blockers.criteria.length || t.blockers.no_due_date.length || t.blockers.due_after_target.length, 'the demo has blockers');
    // A blocker's link leads to it.
    if (t.blockers.criteria.length) {
      await page.locator(`#blockers-criteria li[data-id="${t.blockers.criteria[0]}"] a`).click();
      await settled(page);
      assert.match(page.url(), /\/criteria\//);
      await go(page, '/');
    }
    await shot(page, 'overview-audit-date');

    // The admin sets a Type II window, then a Type I date (the form, PUT /program/audit).
    const start = daysFromToday(20);
    const end = daysFromToday(200);
    const form = page.locator('#audit-form');
    await form.getByLabel('Type II (an observation window)').check();
    await form.getByLabel('Window starts').fill(start);
    await form.getByLabel('Window ends').fill(end);
    await form.getByRole('button', { name: 'Save the audit date' }).click();
    await flash(page, `Audit date set: Type II, ${start} to ${end}.`);
    assert.deepEqual((await admin('/program')).audit, { type: 'type2', date: null, window_start: start, window_end: end, target: start });
    await assertAsTimeline();
    const date = daysFromToday(30);
    await page.locator('#audit-form').getByLabel('Type I (one date)').check();
    await page.locator('#audit-form').getByLabel('Type I date').fill(date);
    await page.locator('#audit-form').getByRole('button', { name: 'Save the audit date' }).click();
    await flash(page, `Audit date set: Type I on ${date}.`);
    assert.equal((await admin('/program')).audit.target, date);
    const t2 = await assertAsTimeline();
    assert.equal(t2.days_left, 30);
    // A date in the past is the server's refusal, shown with its status.
    await page.locator('#audit-form').getByLabel('Type I date').fill(daysFromToday(-2));
    await page.locator('#audit-form').getByRole('button', { name: 'Save the audit date' }).click();
    await page.locator('#audit-form .message.error').filter({ hasText: 'HTTP 422' }).waitFor();
    assert.equal((await admin('/program')).audit.target, date);
    await check();
    await context.close();

    // An editor sees the date and the blockers, and no form.
    const { page: p2, context: c2, check: check2 } = await openPage();
    await signIn(p2, tokens[EDITOR]);
    assert.equal(await p2.locator('#audit-target').getAttribute('data-target'), date);
    assert.equal(await p2.locator('#audit-form').count(), 0);
    await check2();
    await c2.close();
  });
});

describe('Management report and spreadsheets', () => {
  test('the report printed to PDF by Chromium (A4 and Letter) holds the API\'s figures and made no request', async () => {
    const day = today();
    // A context that sends the admin's token, as the dashboard does.
    const context = await browser.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${tokens[ADMIN]}` }, timezoneId: 'UTC' });
    const page = await context.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const reportUrl = `${base}/api/v1/export/report?as_of=${day}`;
    // The API answers with Content-Disposition: attachment; to have Chromium show (and print) it,
    // the answer is passed on without that header, otherwise unchanged.
    let headers;
    await page.route(reportUrl, async (route) => {
      const res = await route.fetch();
      headers = res.headers();
      const passed = { ...headers };
      delete passed['content-disposition'];
      await route.fulfill({ response: res, headers: passed });
    });
    const [readiness, timeline, head] = await Promise.all([
      admin(`/readiness?as_of=${day}`), admin(`/timeline?to=${day}`), admin('/audit/tree-head'),
    ]);
    await page.goto(reportUrl);
    await page.waitForLoadState('networkidle');
    assert.match(headers['content-type'], /^text\/html; charset=utf-8/i);
    assert.match(headers['content-disposition'], new RegExp(`attachment; filename="gaplog-report-${day}\\.html"`));
    // Every request went to gaplog, and the report made none besides its own load.
    const off = requests.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith('data:'));
    assert.deepEqual(off, [], 'no request left gaplog');
    assert.deepEqual(requests.filter((u) => !u.startsWith('data:')), [reportUrl], 'the report loads nothing');
    assert.deepEqual(errors, []);

    const figures = [
      // overall readiness, as the report rounds it (one decimal, or whole)
      [`${readiness.overall.percent.toFixed(1)}%`, `${Math.round(readiness.overall.percent)}%`],
      [timeline.audit_target.target],
      // the tree head the figures were computed from
      [`tree size ${head.tree_size}`, `${head.tree_size} events`],
      // a blocker of each kind the timeline has, by id
      ...[timeline.blockers.criteria, timeline.blockers.no_due_date, timeline.blockers.due_after_target].filter((b) => b.length).map((b) => [b[0]]),
    ];
    assert.ok(figures.length > 3, 'the timeline names a blocker');
    for (const [format, size] of [['A4', /Page size: .*\(A4\)/], ['Letter', /Page size: +612(\.\d+)? x 792(\.\d+)? pts/]]) {
      const pdf = join(artifacts, `report-${format}.pdf`);
      await writeFile(pdf, await page.pdf({ format, printBackground: true }));
      assert.match(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }), size, `${format} pages`);
      const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      await writeFile(join(artifacts, `report-${format}.txt`), text);
      for (const options of figures) {
        assert.ok(options.some((o) => text.includes(o)), `${format}: the report shows ${options.join(' or ')}`);
      }
      const lower = text.toLowerCase();
      if (timeline.on_track) assert.ok(lower.includes('on track') && !lower.includes('not on track'), `${format}: on track`);
      else assert.ok(lower.includes('not on track'), `${format}: not on track`);
    }
    await context.close();
  });

  test('the report button and the CSV and Excel buttons download the files, with the list\'s filters', async () => {
    const { page, context, check } = await openPage();
    await signIn(page, tokens[AUDITOR]);
    const [report] = await Promise.all([page.waitForEvent('download'), page.locator('#download-report').click()]);
    assert.equal(report.suggestedFilename(), `gaplog-report-${today()}.html`);
    assert.match((await readFile(await report.path(), 'utf8')).slice(0, 200), /^<!doctype html>/i);

    await go(page, '/findings?status=open&severity=high,critical');
    const expected = await all('/findings?status=open&severity=high,critical');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('#download-csv').click()]);
    assert.equal(csv.suggestedFilename(), `gaplog-findings-${today()}.csv`);
    const body = await readFile(await csv.path(), 'utf8');
    const firstLine = body.slice(0, body.indexOf('\r\n'));
    assert.equal(firstLine, COLUMNS.join(','), 'the header row, CRLF');
    // The first cell of each record (ids never need quoting); records end with CRLF outside quotes.
    const ids = [];
    let quoted = false;
    let start = body.indexOf('\r\n') + 2;
    for (let i = start; i < body.length; i++) {
      if (body[i] === '"') quoted = !quoted;
      else if (!quoted && body.startsWith('\r\n', i)) {
        ids.push(body.slice(start, body.indexOf(',', start)));
        start = i + 2;
        i++;
      }
    }
    assert.deepEqual(ids, expected.map((f) => f.id), 'the rows of the filtered list');
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.locator('#download-xlsx').click()]);
    assert.equal(xlsx.suggestedFilename(), `gaplog-findings-${today()}.xlsx`);
    const bytes = await readFile(await xlsx.path());
    assert.deepEqual([...bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'a zip (Office Open XML)');
    assert.ok(bytes.includes(Buffer.from('xl/worksheets/')), 'with a worksheet');

    // As of an earlier day, the file is named and filled for that day.
    const earlier = daysFromToday(-30);
    await go(page, `/findings?as_of=${earlier}`);
    const [old] = await Promise.all([page.waitForEvent('download'), page.locator('#download-csv').click()]);
    assert.equal(old.suggestedFilename(), `gaplog-findings-${earlier}.csv`);
    const oldIds = (await readFile(await old.path(), 'utf8')).split('\r\n').filter((l) => /^F-\d+,/.test(l)).map((l) => l.split(',')[0]);
    assert.deepEqual(oldIds, (await all(`/findings?as_of=${earlier}`)).map((f) => f.id), 'the findings as of that day');
    await check();
    await context.close();
  });
});

// The new views at 1280×800 and 390×844: no serious or critical axe-core violation.
describe('accessibility (axe-core)', () => {
  async function axe(page, label) {
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad.map((v) => `${label}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`), []);
  }
  async function newViews(name, viewport) {
    const findings = await all('/findings');
    const rated = findings.find((f) => f.risk_score && f.origin && f.status !== 'closed') ?? findings[0];
    for (const [who, paths] of [
      [ADMIN, ['/', '/assessment', `/findings/${rated.id}`, '/findings?likelihood=4&impact=3&unresolved=true']],
      [EDITOR, ['/assessment', '/findings']],
      [AUDITOR, ['/', '/assessment']],
    ]) {
      const { page, context, check } = await openPage(viewport);
      await signIn(page, tokens[who]);
      for (const path of paths) {
        await go(page, path);
        // open the folds, so what is inside them is checked too
        await page.locator('main details').evaluateAll((ds) => ds.forEach((d) => { d.open = true; }));
        await axe(page, `${who} ${path}`);
        await shot(page, `axe-21-${name}-${who.split('@')[0]}-${path.replaceAll(/[^a-zA-Z0-9.-]/g, '_')}`);
      }
      if (viewport === PHONE) {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 1, `${who}: no sideways scrolling on a phone (${overflow}px)`);
      }
      await check();
      await context.close();
    }
  }
  test('the new views pass axe-core at desktop width (1280×800)', () => newViews('desktop', DESKTOP));
  test('the new views pass axe-core at phone width (390×844)', () => newViews('phone', PHONE));
});
