// Browser tests of the dashboard's side of reminders (SPEC §11): the admins' Reminders page
// (channels, a webhook added with its secret shown once and removed after a confirmation, the
// delivery log's filter, the day's preview), everyone's reminder settings on /account, what a
// contributor is refused, a finding's reminders (also on a past day), the audit trail's new
// event types with gaplog as their actor, and the Users view's column. Every expectation is read
// from the API in the same test. Reminders about findings come from the demo program or, when it
// has none, from today's pass delivered to a webhook on loopback before the tests (remindersSent).
//
//   node --test tests/web/reminders.test.mjs        (scripts/test runs it; see docs/web.md)
//
// Environment: as tests/web/harness.mjs.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { PHONE, apiWith, demoData, launchBrowser, openPage as openCheckedPage, settled, shot, startGaplog } from './harness.mjs';

const ADMIN = 'admin@acme.example';

// SPEC §11's kinds as the page must word them (written here, not imported from the UI).
const KIND_WORDS = {
  assigned: 'Assigned',
  due_soon: 'Due soon',
  overdue: 'Overdue',
  acceptance_expiring: 'Acceptance expiring',
  acceptance_expired: 'Acceptance expired',
  evidence_expiring: 'Evidence expiring',
  weekly_digest: 'Weekly digest',
};

let demo;
let server;
let base;
let browser;
const tokens = {}; // by role: admin, editor, contributor (and their e-mails in `who`)
const who = {};
const secrets = []; // tokens and webhook secrets: never in a URL

const api = (token, path, options) => apiWith(base, token, path, options);
const openPage = () => openCheckedPage(browser, {
  secrets: () => secrets,
  contextOptions: { permissions: ['clipboard-read', 'clipboard-write'] },
});
const today = () => new Date().toISOString().slice(0, 10);

before(async () => {
  demo = demoData(ADMIN);
  tokens.admin = demo.adminToken;
  who.admin = ADMIN;
  secrets.push(tokens.admin);
  server = await startGaplog({ data: demo.dir });
  base = server.base;
  // One active person of each other role, with a token the admin issues through the API.
  const users = (await api(tokens.admin, '/users?limit=1000')).items.filter((u) => u.active !== false);
  for (const role of ['editor', 'contributor']) {
    const user = users.find((u) => u.role === role);
    assert.ok(user, `the demo has an active ${role}`);
    who[role] = user.email;
    tokens[role] = (await api(tokens.admin, `/users/${encodeURIComponent(user.email)}/tokens`, { method: 'POST', body: {} })).token;
    secrets.push(tokens[role]);
  }
  await remindersSent();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  demo?.remove();
});

// Makes sure the log holds reminders about findings (notification_sent), as a program in use
// does: when the demo program has none, today's pass is run with a webhook whose receiver (here,
// on loopback) accepts everything, until gaplog has recorded what it delivered; then the webhook
// is removed, so the tests start with no channel.
async function remindersSent() {
  const aboutFindings = async () => (await api(tokens.admin, '/notifications?limit=1000')).notifications
    .filter((n) => /^F-\d+$/.test(n.subject ?? ''));
  if ((await aboutFindings()).length) return;
  const received = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    const kinds = Object.keys(KIND_WORDS).filter((k) => k !== 'weekly_digest');
    const hook = await api(tokens.admin, '/webhooks', {
      method: 'POST',
      body: { url: `http://127.0.0.1:${receiver.address().port}/gaplog`, kinds },
    });
    secrets.push(hook.secret);
    const pass = await api(tokens.admin, '/notifications/run', { method: 'POST', body: {} });
    assert.ok(pass.notifications.some((n) => n.recipient === `webhook:${hook.id}`), 'today\'s pass has reminders for the webhook');
    for (let i = 0; i < 100 && !(await aboutFindings()).length; i++) await new Promise((r) => setTimeout(r, 200));
    assert.ok((await aboutFindings()).length, 'gaplog recorded the reminders it delivered');
    assert.ok(received.every((r) => /^v1,/.test(r.headers['webhook-signature'] ?? '')), 'each delivery is signed');
    await fetch(`${base}/api/v1/webhooks/${hook.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${tokens.admin}` } });
  } finally {
    receiver.close();
  }
}

async function signIn(page, token) {
  await page.goto(`${base}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#user-role').waitFor();
  await settled(page);
}

// Form controls without an accessible name (a <label>, aria-label(ledby), or a button's text).
async function unlabelled(page) {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((c) => c.type !== 'hidden' && !c.labels?.length && !c.getAttribute('aria-label') &&
      !c.getAttribute('aria-labelledby') && !(c.tagName === 'BUTTON' && c.textContent.trim()))
    .map((c) => c.outerHTML.slice(0, 80)));
}

const rowCount = async (locator) => locator.locator('tbody tr:not(:has(td.empty))').count();

describe('reminders in the dashboard', () => {
  test('an admin adds a webhook (its secret shown once), sees it listed, and removes it', async () => {
    const { page, context, check } = await openPage();
    await signIn(page, tokens.admin);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reminders' }).click();
    await settled(page);
    assert.equal(new URL(page.url()).pathname, '/reminders');
    assert.equal(await page.locator('h1').textContent(), 'Reminders');
    assert.deepEqual(await unlabelled(page), []);

    // The channels as the server reports them; no SMTP relay in this test.
    const { channels } = await api(tokens.admin, '/deliveries?limit=1');
    assert.equal(channels.email, false);
    assert.match(await page.locator('#channel-email').textContent(), /^off/);
    assert.match(await page.locator('#channel-hour').textContent(), new RegExp(`${String(channels.reminder_hour).padStart(2, '0')}:00 UTC`));
    assert.equal(await page.locator('#reminders-off').count(), channels.webhooks === 0 ? 1 : 0);
    if (channels.webhooks === 0) assert.match(await page.locator('#reminders-off').textContent(), /Reminders are off: start the server with --smtp-url/);
    const before = (await api(tokens.admin, '/webhooks')).webhooks.map((w) => w.id);

    // At least one kind: with none ticked the page says so and sends nothing.
    // On loopback, where nothing listens: nothing leaves the machine if gaplog tries it.
    const url = 'http://127.0.0.1:9/hooks/gaplog?team=compliance';
    await page.getByLabel('URL of the receiver').fill(url);
    for (const box of await page.locator('#add-webhook-form input[type="checkbox"]').all()) await box.uncheck();
    await page.getByRole('button', { name: 'Add the webhook' }).click();
    await page.locator('#add-webhook-form').getByText('Choose at least one kind').waitFor();
    assert.equal((await api(tokens.admin, '/webhooks')).webhooks.length, before.length);

    // Overdue and due soon, by their words.
    await page.getByLabel(/^Overdue/).check();
    await page.getByLabel(/^Due soon/).check();
    await page.getByRole('button', { name: 'Add the webhook' }).click();
    await page.locator('#new-webhook-secret').waitFor();
    const secret = await page.locator('#new-webhook-secret').textContent();
    assert.match(secret, /^whsec_/);
    secrets.push(secret);
    assert.match(await page.locator('#new-webhook-warning').textContent(), /will not be shown again/);
    assert.match(await page.locator('#new-webhook-warning').textContent(), /verify|check that each request/);
    assert.match(await page.locator('#new-webhook-warning').textContent(), /docs\/reminders\.md/);
    await page.getByRole('button', { name: 'Copy the signing secret' }).click();
    await page.locator('#new-webhook-box').getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);

    const listed = (await api(tokens.admin, '/webhooks')).webhooks;
    const added = listed.find((w) => !before.includes(w.id));
    assert.ok(added, 'the webhook is recorded');
    assert.equal(added.url, url);
    assert.deepEqual([...added.kinds].sort(), ['due_soon', 'overdue']);
    assert.equal(JSON.stringify(listed).includes(secret), false, 'the list never holds the secret');
    const row = page.locator(`#webhooks-table tr[data-webhook-id="${added.id}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /127\.0\.0\.1:9\/hooks\/gaplog/);
    assert.match(await row.textContent(), /Due soon/);
    assert.match(await row.textContent(), /Overdue/);
    await shot(page, 'reminders-webhook-added');

    // Drawn again: listed, the secret gone; the channels count it.
    await page.reload();
    await settled(page);
    assert.equal(await page.locator('#new-webhook-secret').count(), 0);
    assert.equal((await page.locator('body').innerText()).includes(secret), false);
    await row.waitFor();
    assert.match(await page.locator('#channel-webhooks').textContent(), new RegExp(`^${before.length + 1} webhook`));
    assert.equal(await page.locator('#reminders-off').count(), 0);

    // Remove: Cancel first, then Yes.
    await row.getByRole('button', { name: `Remove webhook ${added.id}` }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api(tokens.admin, '/webhooks')).webhooks.some((w) => w.id === added.id), true);
    await row.getByRole('button', { name: `Remove webhook ${added.id}` }).click();
    await page.getByRole('button', { name: 'Yes, remove' }).click();
    await page.locator('#webhooks-status').getByText(`Removed ${added.id}.`).waitFor();
    assert.equal(await row.count(), 0);
    assert.equal((await api(tokens.admin, '/webhooks')).webhooks.some((w) => w.id === added.id), false);
    await check();
    await context.close();
  });

  test('the delivery log filters by state, and the day\'s preview equals GET /notifications/due', async () => {
    const { page, context, check } = await openPage();
    await signIn(page, tokens.admin);
    await page.goto(`${base}/reminders`);
    await settled(page);

    const all = (await api(tokens.admin, '/deliveries?limit=100')).deliveries;
    assert.equal(await rowCount(page.locator('#deliveries-table')), all.length);
    await page.getByLabel('State', { exact: true }).selectOption('delivered');
    await page.waitForURL(/state=delivered/);
    await settled(page);
    const delivered = (await api(tokens.admin, '/deliveries?limit=100&state=delivered')).deliveries;
    assert.equal(await rowCount(page.locator('#deliveries-table')), delivered.length);
    for (const [i, d] of delivered.slice(0, 5).entries()) {
      const cells = page.locator('#deliveries-table tbody tr').nth(i).locator('td');
      assert.equal(await cells.nth(0).textContent(), KIND_WORDS[d.kind]);
      assert.equal(await cells.nth(4).textContent(), 'delivered');
    }
    await page.getByLabel('State', { exact: true }).selectOption('failed');
    await page.waitForURL(/state=failed/);
    await settled(page);
    const failed = (await api(tokens.admin, '/deliveries?limit=100&state=failed')).deliveries;
    assert.equal(await rowCount(page.locator('#deliveries-table')), failed.length);
    if (!failed.length) assert.match(await page.locator('#deliveries-table').textContent(), /No failed deliveries/);

    const due = await api(tokens.admin, `/notifications/due?as_of=${today()}`);
    assert.equal(await page.locator('#due-title').textContent(), 'Due today');
    assert.equal(await rowCount(page.locator('#due-table')), due.notifications.length);
    assert.match(await page.locator('#due-table caption').textContent(), new RegExp(`^${due.notifications.length} reminders for ${due.as_of}`));
    for (const [i, n] of due.notifications.slice(0, 5).entries()) {
      assert.equal(await page.locator('#due-table tbody tr').nth(i).locator('td').first().textContent(), KIND_WORDS[n.kind]);
    }
    assert.deepEqual(await unlabelled(page), []);
    await shot(page, 'reminders-admin');
    // On a phone the tables scroll inside their boxes; the page does not scroll sideways.
    await page.setViewportSize(PHONE);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 1);
    await check();
    await context.close();
  });

  test('your account: e-mail reminders and the Monday digest are saved and stay after a reload', async () => {
    const token = tokens.editor;
    const { page, context, check } = await openPage();
    await signIn(page, token);
    await page.locator('#account-link').click();
    await settled(page);
    assert.equal(await page.locator('h1').textContent(), 'Your account');
    assert.deepEqual(await unlabelled(page), []);
    const email = page.getByLabel('E-mail reminders');
    const digest = page.getByLabel('Monday digest');
    const start = await api(token, '/me/notifications');
    assert.equal(await email.isChecked(), start.email);
    assert.equal(await digest.isChecked(), start.digest);
    if (!start.email) {
      await email.check();
      await page.getByRole('button', { name: 'Save the reminder settings' }).click();
      await page.locator('#reminder-settings-status .message.success').waitFor();
    }

    // E-mail off: the digest cannot be chosen (it is an e-mail), and it is saved.
    await email.uncheck();
    assert.equal(await digest.isDisabled(), true);
    await page.getByRole('button', { name: 'Save the reminder settings' }).click();
    await page.locator('#reminder-settings-status').getByText('Saved: gaplog sends you no e-mail reminders').waitFor();
    assert.equal((await api(token, '/me/notifications')).email, false);
    await page.reload();
    await settled(page);
    assert.equal(await email.isChecked(), false);
    assert.equal(await digest.isDisabled(), true);

    // E-mail on, no digest.
    await email.check();
    assert.equal(await digest.isDisabled(), false);
    await digest.uncheck();
    await page.getByRole('button', { name: 'Save the reminder settings' }).click();
    await page.locator('#reminder-settings-status').getByText('but not the Monday digest').waitFor();
    assert.deepEqual(await api(token, '/me/notifications'), { email: true, digest: false });
    await page.reload();
    await settled(page);
    assert.equal(await email.isChecked(), true);
    assert.equal(await digest.isChecked(), false);

    // The choice is in the user's stream, and the admins' Users view shows it.
    const events = (await api(tokens.admin, `/events?stream=${encodeURIComponent(`user/${who.editor}`)}&type=user_notifications_set&limit=1000`)).events;
    const last = events[events.length - 1];
    assert.equal(last.data.email_enabled, true);
    assert.equal(last.data.digest_enabled, false);
    const listed = (await api(tokens.admin, '/users?limit=1000')).items.find((u) => u.email === who.editor);
    assert.deepEqual(listed.notifications, { email: true, digest: false });
    await check();
    await context.close();

    const admin = await openPage();
    await signIn(admin.page, tokens.admin);
    await admin.page.goto(`${base}/users`);
    await settled(admin.page);
    const row = admin.page.locator('#users-table tbody tr').filter({ has: admin.page.getByRole('link', { name: who.editor, exact: true }) });
    assert.equal(await row.locator('td[data-label="E-mail reminders"]').textContent(), 'on, no digest');
    await admin.check();
    await admin.context.close();
  });

  test('a contributor has no Reminders entry, and the API refuses them the webhooks and the delivery log', async () => {
    const { page, context, check } = await openPage();
    await signIn(page, tokens.contributor);
    assert.equal(await page.locator('#user-role').textContent(), 'contributor');
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reminders' }).count(), 0);
    await page.goto(`${base}/reminders`);
    await settled(page);
    await page.locator('#admins-only').waitFor();
    for (const path of ['/webhooks', '/deliveries']) {
      const res = await fetch(`${base}/api/v1${path}`, { headers: { Authorization: `Bearer ${tokens.contributor}` } });
      assert.equal(res.status, 403, `GET ${path}`);
    }
    const post = await fetch(`${base}/api/v1/webhooks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens.contributor}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: 'https://hooks.example.com/x', kinds: ['overdue'] }),
    });
    assert.equal(post.status, 403);
    // Their own settings are theirs.
    assert.equal(typeof (await api(tokens.contributor, '/me/notifications')).email, 'boolean');
    await check();
    await context.close();
  });

  test('a finding\'s page lists the reminders sent about it, up to the as-of day', async () => {
    const sent = (await api(tokens.admin, '/notifications?limit=1000')).notifications;
    const subject = sent.find((n) => /^F-\d+$/.test(n.subject ?? ''))?.subject;
    assert.ok(subject, 'the demo program has reminders sent about a finding');
    const about = (await api(tokens.admin, `/notifications?subject=${subject}`)).notifications;
    assert.ok(about.length >= 1);

    const { page, context, check } = await openPage();
    await signIn(page, tokens.editor);
    await page.goto(`${base}/findings/${subject}`);
    await settled(page);
    const table = page.locator('#reminders-table');
    assert.equal(await rowCount(table), about.length);
    const first = table.locator('tbody tr').first().locator('td');
    assert.equal(await first.nth(0).textContent(), KIND_WORDS[about[0].kind]);
    // a person by name and e-mail, a webhook by its id
    const to = await first.nth(1).textContent();
    const hook = /^webhook:(.+)$/.exec(about[0].recipient);
    if (hook) assert.equal(to, `Webhook ${hook[1]}`);
    else assert.ok(to.includes(about[0].recipient), to);
    assert.equal(await first.nth(2).textContent(), about[0].day);
    assert.match(await first.nth(3).textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC$/);
    await shot(page, 'reminders-finding');

    // Time travel: only the reminders for days up to the as-of date.
    const days = [...new Set(about.map((n) => n.day))].sort();
    await page.goto(`${base}/findings/${subject}?as_of=${days[0]}`);
    await settled(page);
    assert.equal(await rowCount(table), about.filter((n) => n.day <= days[0]).length);
    // The day before the first reminder, when the finding existed then (an assignment on the
    // day it was recorded is often its first reminder).
    const dayBefore = new Date(Date.parse(`${days[0]}T00:00:00Z`) - 86400e3).toISOString().slice(0, 10);
    const existed = await api(tokens.admin, `/findings/${subject}?as_of=${dayBefore}`).then(() => true, () => false);
    if (existed) {
      await page.goto(`${base}/findings/${subject}?as_of=${dayBefore}`);
      await settled(page);
      await page.locator('#no-reminders').waitFor();
    }

    // A finding nobody was reminded about says so.
    const subjects = new Set(sent.map((n) => n.subject));
    const quiet = (await api(tokens.admin, '/findings?limit=1000')).items.find((f) => !subjects.has(f.id));
    if (quiet) {
      const none = await api(tokens.admin, `/notifications?subject=${quiet.id}`);
      if (!none.notifications.length) {
        await page.goto(`${base}/findings/${quiet.id}`);
        await settled(page);
        assert.equal(await page.locator('#no-reminders').textContent(), 'No reminders sent yet.');
      }
    }
    await check();
    await context.close();
  });

  test('the audit trail offers the reminders\' event types and shows gaplog as their actor', async () => {
    const { page, context, check } = await openPage();
    await signIn(page, tokens.admin);
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await settled(page);
    const types = await page.getByLabel('Type', { exact: true }).locator('option').evaluateAll((os) => os.map((o) => o.value));
    for (const t of ['notification_sent', 'user_notifications_set', 'webhook_added', 'webhook_removed']) assert.ok(types.includes(t), t);
    await page.getByLabel('Type', { exact: true }).selectOption('notification_sent');
    await page.waitForURL(/type=notification_sent/);
    await settled(page);
    const expected = (await api(tokens.admin, '/events?type=notification_sent&limit=50')).events;
    assert.ok(expected.length >= 1, 'the demo program has notification_sent events');
    const rows = page.locator('#events-table tbody tr');
    assert.equal(await rows.count(), expected.length);
    assert.equal(await rows.first().locator('td').nth(5).textContent(), 'gaplog (the server)');
    assert.equal(await rows.first().locator('td').nth(3).textContent(), 'notification sent');
    // gaplog is offered as an actor too.
    const actors = await page.getByLabel('Actor', { exact: true }).locator('option').evaluateAll((os) => os.map((o) => o.textContent));
    assert.ok(actors.includes('gaplog (the server)'));
    await page.getByLabel('Type', { exact: true }).selectOption('');
    await page.waitForURL((u) => !u.search.includes('type='));
    await settled(page);
    await page.getByLabel('Actor', { exact: true }).selectOption({ label: 'gaplog (the server)' });
    await page.waitForURL(/actor=gaplog/);
    await settled(page);
    const byGaplog = (await api(tokens.admin, '/events?actor=gaplog&limit=50')).events;
    assert.equal(await rows.count(), byGaplog.length);
    await check();
    await context.close();
  });
});
