// Browser tests of sign-in for people (SPEC §10, issue 18): a REAL OpenID provider
// (oidc-provider, tests/web/oidc_provider.mjs) on loopback, `gaplog serve` configured for it, and
// Chromium signing in through both. What is checked: the dashboard in session mode (the header,
// the role's actions, a write with the CSRF token, sign-out and back), every refusal with a page
// that says why (unknown, unverified, deactivated, a replayed callback, a missing state, an
// authorization code used twice), deactivation during a session, CSRF from the browser and from
// another origin, everyone's own API tokens (/account: issue with the default or a chosen expiry,
// copy, use, last use, revoke), and the admins' Users view (add, role, tokens shown once,
// revoke, deactivate).
//
//   node --test tests/web/sign_in.test.mjs        (scripts/test runs it; see docs/web.md)
//
// Environment: as tests/web/harness.mjs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  apiWith, binary, demoData, freePort, launchBrowser, openPage as openCheckedPage, settled, shot, startGaplog, tokenIn,
} from './harness.mjs';
import { ACCOUNTS, startProvider } from './oidc_provider.mjs';

const IDP_NAME = 'Acme SSO';
const ADMIN = ACCOUNTS.admin.email;
const EDITOR = ACCOUNTS.maya.email;
const AUDITOR = 'dana.fox@cpa.example';

let demo;
let idp;
let server;
let base;
let browser;
let clientSecret;
const secrets = []; // tokens, session cookies, codes: never in a URL of ours, never in the log
const tokens = {};

const api = (token, path, options) => apiWith(base, token, path, options);
const openPage = (options = {}) => openCheckedPage(browser, {
  // the callback URL carries the authorization code by design: only our own secrets count here
  secrets: () => secrets,
  contextOptions: { permissions: ['clipboard-read', 'clipboard-write'] },
  ...options,
});

before(async () => {
  demo = demoData(ADMIN);
  tokens.admin = demo.adminToken;
  tokens[AUDITOR] = tokenIn(demo.gaplog('token', 'issue', '--for', AUDITOR));
  secrets.push(tokens.admin, tokens[AUDITOR]);
  clientSecret = randomBytes(24).toString('hex');
  secrets.push(clientSecret);
  const secretFile = join(demo.dir, '..', `${demo.dir.split('/').pop()}-oidc-secret`);
  writeFileSync(secretFile, `${clientSecret}\n`, { mode: 0o600 });
  demo.secretFile = secretFile;

  // gaplog's URL must be known first: it is the provider's registered redirect URI.
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  idp = await startProvider({ redirectUri: `${publicUrl}/auth/callback`, clientSecret, log: (line) => console.error(line) });
  server = await startGaplog({
    data: demo.dir,
    port,
    args: ['--public-url', publicUrl, '--oidc-issuer', idp.issuer, '--oidc-client-id', 'gaplog',
      '--oidc-client-secret-file', secretFile, '--oidc-name', IDP_NAME],
  });
  base = server.base;
  assert.equal(base, publicUrl);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await idp?.close();
  if (demo?.secretFile) rmSync(demo.secretFile, { force: true });
  demo?.remove();
});

const sessionCookie = async (context) => (await context.cookies(base)).find((c) => c.name === 'gaplog_session');

// Clicks "Sign in with Acme SSO" and, when the provider asks, names the account. `expect`:
// 'dashboard' waits for the signed-in header; 'refused' for gaplog's callback page, whose
// response it returns.
async function signInWithIdp(page, account, { expect = 'dashboard' } = {}) {
  await page.getByRole('link', { name: `Sign in with ${IDP_NAME}` }).click();
  const callback = expect === 'refused' ? page.waitForResponse((r) => r.url().startsWith(`${base}/auth/callback`)) : null;
  await page.locator('#account').or(page.locator('#user-role')).first().waitFor();
  if (await page.locator('#account').isVisible()) {
    await page.locator('#account').fill(account);
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  if (expect === 'dashboard') {
    await page.locator('#user-role').waitFor();
    await settled(page);
    return null;
  }
  const res = await callback;
  await page.waitForLoadState();
  return res;
}

// A refusal page: the status, the reason in plain words, who to ask, a way back, no session.
async function assertRefused(page, res, status, reason, context) {
  assert.ok(Array.isArray(status) ? status.includes(res.status()) : res.status() === status,
    `status ${res.status()}, expected ${status}`);
  const text = await page.locator('body').innerText();
  assert.match(text, reason);
  assert.match(text, /admin/i, 'says who to ask');
  assert.doesNotMatch(text, /scripts\/|npm|cmake|stack trace|std::|invalid_grant|errno/i, 'no jargon');
  assert.ok(await page.locator('a[href="/"]').count() >= 1, 'a link back to the dashboard');
  assert.equal(await sessionCookie(context), undefined, 'no session cookie');
}

// Every request the browser makes to the callback, as URLs (they are single-use secrets).
function recordCallbacks(page) {
  const urls = [];
  page.on('request', (r) => {
    if (r.url().startsWith(`${base}/auth/callback`)) urls.push(r.url());
  });
  return urls;
}

// A login started at gaplog and carried through the provider's test-only login page by Node's
// fetch (its own cookie jar, so a fresh provider session): the callback URL, not delivered, and
// the gaplog_signin cookie gaplog gave the "browser" that started it.
async function callbackFromProvider(account) {
  const jar = new Map();
  const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const step = async (url, init = {}) => {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, Cookie: cookies() } });
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      jar.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return res;
  };
  let res = await step(`${base}/auth/login?return_to=%2F`);
  assert.equal(res.status, 302);
  let url = new URL(res.headers.get('location'));
  for (let hops = 0; hops < 10; hops++) {
    if (url.href.startsWith(`${base}/auth/callback`)) return { href: url.href, browser: jar.get('gaplog_signin') };
    if (/^\/interaction\/[^/]+$/.test(url.pathname)) {
      res = await step(`${url.href}/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ account }).toString(),
      });
    } else {
      res = await step(url.href);
    }
    assert.ok([302, 303].includes(res.status), `${url}: ${res.status} ${await res.text()}`);
    url = new URL(res.headers.get('location'), url);
  }
  throw new Error('the provider never sent the browser back to gaplog');
}

const streamEvents = async (email) => (await api(tokens.admin, `/events?stream=${encodeURIComponent(`user/${email}`)}&limit=1000`)).events;

describe('sign-in with the identity provider', () => {
  test('the server says which provider people sign in with', async () => {
    const config = await (await fetch(`${base}/auth/config`)).json();
    assert.deepEqual(config, { oidc: { name: IDP_NAME, login_url: '/auth/login' } });
    assert.equal((await fetch(`${base}/auth/session`)).status, 401);
  });

  test('an editor signs in, lands where they were going, writes with the session, signs out and back in', async () => {
    const { page, context, check } = await openPage();
    const findings = (await api(tokens.admin, '/findings?limit=1000')).items;
    const target = findings.find((f) => f.status === 'open' && f.owner !== EDITOR);
    assert.ok(target, 'the demo has an open finding');

    // The sign-in page: the provider first, the token second; words for people.
    await page.goto(`${base}/findings/${target.id}`);
    const link = page.getByRole('link', { name: `Sign in with ${IDP_NAME}` });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `/auth/login?return_to=${encodeURIComponent(`/findings/${target.id}`)}`);
    assert.equal(await page.locator('#token-sign-in summary').textContent(), 'Sign in with an API token');
    assert.equal(await page.getByLabel('API token').isVisible(), false, 'the token form is folded');
    const words = await page.locator('main').innerText();
    assert.match(words, /ask your gaplog admin/i);
    assert.doesNotMatch(words, /scripts\/|gaplog token|--|npm|OIDC|OpenID|cookie|sessionStorage|Authorization/);
    await shot(page, 'signin-oidc');

    const callbacks = recordCallbacks(page);
    await signInWithIdp(page, 'maya');
    assert.equal(callbacks.length, 1);
    assert.equal(new URL(page.url()).pathname, `/findings/${target.id}`, 'back where sign-in started');
    assert.equal(await page.locator('#user-email').textContent(), EDITOR);
    assert.equal(await page.locator('#user-role').textContent(), 'editor');
    assert.equal(await page.locator('#user-name').textContent(), 'Maya Chen');
    // The session: an HttpOnly cookie the page cannot read, nothing in storage.
    const cookie = await sessionCookie(context);
    assert.ok(cookie, 'a gaplog_session cookie');
    secrets.push(cookie.value);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    assert.equal(await page.evaluate(() => document.cookie.includes('gaplog_session')), false);
    assert.deepEqual(await page.evaluate(() => [sessionStorage.length, localStorage.length]), [0, 0]);
    const session = await page.evaluate(async () => (await fetch('/auth/session')).json());
    assert.equal(session.email, EDITOR);
    assert.equal(session.role, 'editor');
    assert.ok(session.csrf_token && session.expires_at);
    assert.equal((await page.locator('body').innerText()).includes(session.csrf_token), false, 'the CSRF token is not shown');

    // An editor's actions are there, an admin's are not.
    assert.equal(await page.locator('#assign-form').count(), 1);
    assert.equal(await page.locator('#due-form').count(), 1);
    assert.equal(await page.locator('#risk-form').count(), 0, 'risk acceptance is for admins');
    assert.equal(await page.getByRole('link', { name: 'Users', exact: true }).count(), 0, 'no Users view');

    // A write with the session: the CSRF token rides along, no bearer token.
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/comments'));
    await page.getByLabel('Your comment').fill('written in a session');
    await page.getByRole('button', { name: 'Add the comment' }).click();
    const headers = (await sent).headers();
    assert.equal(headers['x-csrf-token'], session.csrf_token);
    assert.equal(headers.authorization, undefined);
    await page.locator('main .message.success').waitFor();
    const comment = (await api(tokens.admin, `/findings/${target.id}/history`)).events
      .find((e) => e.type === 'comment_added' && e.data.text === 'written in a session');
    assert.equal(comment?.actor, EDITOR);

    // Sign out: the server ends the session; the sign-in page again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: `Sign in with ${IDP_NAME}` }).waitFor();
    assert.match(await page.locator('main').innerText(), /Signed out/);
    assert.equal(await sessionCookie(context), undefined, 'the cookie is cleared');
    assert.equal(await page.evaluate(async () => (await fetch('/auth/session')).status), 401);
    const oldCookie = await fetch(`${base}/api/v1/me`, { headers: { Cookie: `gaplog_session=${cookie.value}` } });
    assert.equal(oldCookie.status, 401, 'the old cookie no longer works');
    await page.reload();
    await page.getByRole('link', { name: `Sign in with ${IDP_NAME}` }).waitFor();

    // Sign back in (the provider remembers the person, so it may not ask again).
    await signInWithIdp(page, 'maya');
    assert.equal(await page.locator('#user-role').textContent(), 'editor');
    const types = (await streamEvents(EDITOR)).map((e) => e.type);
    assert.deepEqual(types.filter((t) => t.startsWith('user_signed')), ['user_signed_in', 'user_signed_out', 'user_signed_in']);
    const signedIn = (await streamEvents(EDITOR)).find((e) => e.type === 'user_signed_in');
    assert.equal(signedIn.data.email, EDITOR);
    assert.equal(signedIn.data.subject, 'maya');
    assert.equal(signedIn.data.issuer, idp.issuer);
    await check();
    await context.close();
  });

  test('the e-mail matches in any letter case', async () => {
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    await signInWithIdp(page, 'noah');
    assert.equal(await page.locator('#user-email').textContent(), 'noah.kim@acme.example');
    await check();
    await context.close();
  });

  test('an API token still signs in, behind "Sign in with an API token"', async () => {
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    await page.locator('#token-sign-in summary').click();
    await page.getByLabel('API token').fill(tokens[AUDITOR]);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.locator('#user-role').waitFor();
    assert.equal(await page.locator('#user-role').textContent(), 'auditor');
    assert.equal(await sessionCookie(context), undefined, 'no session for a token');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: `Sign in with ${IDP_NAME}` }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gaplog.token')), null);
    await check();
    await context.close();
  });

  test('return_to never sends the browser to another site', async () => {
    const { page, context, check } = await openPage();
    for (const evil of ['//evil.example/', 'https://evil.example/', '/\\evil.example/']) {
      const callback = page.waitForResponse((r) => r.url().startsWith(`${base}/auth/callback`));
      await page.goto(`${base}/auth/login?return_to=${encodeURIComponent(evil)}`);
      if (await page.locator('#account').isVisible()) {
        await page.locator('#account').fill('maya');
        await page.getByRole('button', { name: 'Continue' }).click();
      }
      const res = await callback;
      assert.equal(res.status(), 302, evil);
      const location = new URL(res.headers().location, base);
      assert.equal(location.origin, base, `return_to=${evil} redirected to ${location}`);
      await page.locator('#user-role').waitFor();
    }
    await check();
    await context.close();
  });
});

describe('sign-in refused, with the reason', () => {
  test('an e-mail gaplog does not know', async () => {
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    const res = await signInWithIdp(page, 'stranger', { expect: 'refused' });
    await assertRefused(page, res, 403, /not (a )?(gaplog )?user|no (gaplog )?account|not (been )?added|does not know|unknown/i, context);
    const text = await page.locator('body').innerText();
    assert.ok(text.includes(ACCOUNTS.stranger.email), 'says which e-mail');
    // A verified person is told the admins' names, never their addresses.
    const admins = (await api(tokens.admin, '/users?limit=1000')).items.filter((u) => u.role === 'admin' && u.active);
    assert.ok(admins.some((u) => u.name && text.includes(u.name)), `names an admin: ${text}`);
    for (const a of admins) assert.ok(!text.includes(a.email), `no admin address on the page: ${a.email}`);
    const users = (await api(tokens.admin, '/users?limit=1000')).items;
    assert.equal(users.some((u) => u.email === ACCOUNTS.stranger.email), false, 'no account is created');
    await shot(page, 'signin-refused-unknown');
    await check();
    await context.close();
  });

  test('an e-mail the provider has not verified', async () => {
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    const res = await signInWithIdp(page, 'unverified', { expect: 'refused' });
    await assertRefused(page, res, 403, /verif/i, context);
    // Not vouched for: no names of the program's admins either.
    const text = await page.locator('body').innerText();
    for (const a of (await api(tokens.admin, '/users?limit=1000')).items.filter((u) => u.role === 'admin')) {
      assert.ok(!text.includes(a.email) && !(a.name && text.includes(a.name)), `nothing about ${a.email}`);
    }
    await check();
    await context.close();
  });

  test('a deactivated user', async () => {
    await api(tokens.admin, `/users/${encodeURIComponent(ACCOUNTS.liam.email)}/deactivate`, { method: 'POST', body: {} });
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    const res = await signInWithIdp(page, 'liam', { expect: 'refused' });
    await assertRefused(page, res, 403, /deactivated/i, context);
    await check();
    await context.close();
  });

  test('a callback URL loaded again (its state is used up)', async () => {
    const { page, context, check } = await openPage();
    const callbacks = recordCallbacks(page);
    await page.goto(`${base}/`);
    await signInWithIdp(page, 'maya');
    assert.equal(callbacks.length, 1);
    // The same browser, and a stranger's browser that got hold of the URL.
    const again = await page.goto(callbacks[0]);
    assert.ok([400, 403].includes(again.status()), `status ${again.status()}`);
    assert.match(await page.locator('body').innerText(), /again|expired|already|used|start/i);
    const other = await openPage();
    const replay = await other.page.goto(callbacks[0]);
    await assertRefused(other.page, replay, [400, 403], /again|expired|already|used|start/i, other.context);
    await other.check();
    await other.context.close();
    await check();
    await context.close();
  });

  test('a callback without a state, or with one gaplog never issued', async () => {
    const { page, context, check } = await openPage();
    let res = await page.goto(`${base}/auth/callback?code=abc`);
    await assertRefused(page, res, 400, /sign(ing)? in|again/i, context);
    res = await page.goto(`${base}/auth/callback?code=abc&state=${randomBytes(32).toString('base64url')}`);
    await assertRefused(page, res, 400, /sign(ing)? in|again/i, context);
    res = await page.goto(`${base}/auth/callback?state=x`);
    assert.equal(res.status(), 400);
    await check();
    await context.close();
  });

  // The callback carries the gaplog_signin cookie of the browser that started the sign-in; the
  // tests below hand the browser the cookie of a login carried through the provider by fetch.
  const adoptSignIn = (context, login) => context.addCookies([
    { name: 'gaplog_signin', value: login.browser, domain: new URL(base).hostname, path: '/auth/callback' }]);

  test('a callback URL opened in a browser that did not start the sign-in', async () => {
    const login = await callbackFromProvider('maya');
    assert.ok(login.browser, 'gaplog set the gaplog_signin cookie at /auth/login');
    const { page, context, check } = await openPage();
    const res = await page.goto(login.href);
    await assertRefused(page, res, 400, /another browser|again/i, context);
    await check();
    await context.close();
  });

  test('an authorization code used twice (the first login\'s code with the second login\'s state)', async () => {
    // Two logins, started at gaplog and carried through the provider outside the browser (page
    // routes do not see redirects), held back before their callbacks.
    const firstLogin = await callbackFromProvider('maya');
    const secondLogin = await callbackFromProvider('maya');
    const first = new URL(firstLogin.href);
    const second = new URL(secondLogin.href);
    assert.notEqual(first.searchParams.get('state'), second.searchParams.get('state'));
    const { page, context, check } = await openPage();

    // The first login completes in the browser: its code is now used.
    await adoptSignIn(context, firstLogin);
    await page.goto(first.href);
    await page.locator('#user-role').waitFor();
    assert.equal(await page.locator('#user-email').textContent(), EDITOR);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: `Sign in with ${IDP_NAME}` }).waitFor();

    // The same code again, with a state gaplog did issue and has not used: refused.
    const forged = new URL(second.href);
    forged.searchParams.set('code', first.searchParams.get('code'));
    await adoptSignIn(context, secondLogin);
    const res = await page.goto(forged.href);
    await assertRefused(page, res, 403, /not signed in|could not verify/i, context);
    await check();
    await context.close();
  });
});

describe('sessions end when gaplog says so, and writes need the CSRF token', () => {
  test('a user deactivated during a session is back at the sign-in page on the next action', async () => {
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    await signInWithIdp(page, 'ava');
    assert.equal(await page.locator('#user-email').textContent(), ACCOUNTS.ava.email);
    await api(tokens.admin, `/users/${encodeURIComponent(ACCOUNTS.ava.email)}/deactivate`, { method: 'POST', body: {} });
    await page.getByRole('link', { name: 'Findings', exact: true }).click();
    await page.getByRole('link', { name: `Sign in with ${IDP_NAME}` }).waitFor();
    assert.match(await page.locator('main').innerText(), /sign-in has ended/i);
    assert.equal(await page.evaluate(async () => (await fetch('/auth/session')).status), 401);
    await check();
    await context.close();
  });

  test('a write without the CSRF token, or from another origin, is refused (403)', async () => {
    const { page, context, check } = await openPage();
    const target = (await api(tokens.admin, '/findings?limit=1000')).items.find((f) => f.status === 'open');
    await page.goto(`${base}/`);
    await signInWithIdp(page, 'maya');
    const cookie = await sessionCookie(context);
    secrets.push(cookie.value);
    const path = `/api/v1/findings/${target.id}/comments`;
    const post = (headers) => page.evaluate(async ({ path, headers }) => {
      const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ text: 'csrf probe' }) });
      return res.status;
    }, { path, headers });
    const csrf = await page.evaluate(async () => (await (await fetch('/auth/session')).json()).csrf_token);
    assert.equal(await post({}), 403, 'no X-CSRF-Token');
    assert.equal(await post({ 'X-CSRF-Token': 'not-the-token' }), 403, 'a wrong X-CSRF-Token');
    assert.equal(await post({ 'X-CSRF-Token': csrf }), 201, 'the right one (the check is not a blanket refusal)');

    // Another site's page posting with the cookie (as a browser would send it): its Origin.
    const node = (origin, token = csrf) => fetch(`${base}${path}`, {
      method: 'POST',
      headers: { Cookie: `gaplog_session=${cookie.value}`, 'Content-Type': 'application/json', 'X-CSRF-Token': token, Origin: origin },
      body: JSON.stringify({ text: 'cross-origin probe' }),
    });
    assert.equal((await node('http://evil.example')).status, 403, 'a foreign Origin');
    assert.equal((await node(base)).status, 201, 'the same request from gaplog\'s own origin');
    const logout = await fetch(`${base}/auth/logout`, { method: 'POST', headers: { Cookie: `gaplog_session=${cookie.value}`, Origin: base } });
    assert.equal(logout.status, 403, 'sign-out needs the CSRF token too');
    const probes = (await api(tokens.admin, `/findings/${target.id}/history`)).events.filter((e) => e.type === 'comment_added' && /probe/.test(e.data.text));
    assert.deepEqual(probes.map((e) => e.data.text), ['csrf probe', 'cross-origin probe'], 'only the allowed writes were recorded');
    await check();
    await context.close();
  });
});

describe('your API tokens (everyone, for the command line)', () => {
  const dayFromToday = (days) => new Date(Date.now() + days * 86400e3).toISOString().slice(0, 10);
  const meWith = (token) => fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });

  test('an auditor issues a token (90 days by default), copies it, uses it, sees its last use, revokes it', async () => {
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    await page.locator('#token-sign-in summary').click();
    await page.getByLabel('API token').fill(tokens[AUDITOR]);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.locator('#user-role').waitFor();
    await settled(page);
    assert.equal(await page.locator('#user-role').textContent(), 'auditor');

    // From the header (name, e-mail and role are the link) to the page.
    await page.locator('#account-link').click();
    await settled(page);
    assert.equal(new URL(page.url()).pathname, '/account');
    assert.equal(await page.locator('h1').textContent(), 'Your account');
    assert.equal(await page.locator('#account-link').getAttribute('aria-current'), 'page');
    const explained = await page.locator('#tokens-explained').textContent();
    assert.match(explained, /command line/);
    assert.match(explained, /shown once/);
    assert.match(explained, /90 days/);
    assert.match(explained, /at most a year/);
    const before = (await api(tokens[AUDITOR], '/me/tokens')).items.map((t) => t.token_id);

    // The example command, copied, with the server's own address and a real command.
    const example = `gaplog --server ${base} --token YOUR_TOKEN readiness`;
    assert.equal(await page.locator('#cli-example').textContent(), example);
    await page.getByRole('button', { name: 'Copy the example command' }).click();
    await page.locator('.cli-example').getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), example);

    // Issue with the default expiry: today + 90 days, shown once with a warning.
    const expires = dayFromToday(90);
    await page.getByRole('button', { name: 'Issue a token' }).click();
    await page.locator('#new-token').waitFor();
    const token = await page.locator('#new-token').textContent();
    assert.match(token, /^gaplog_[0-9a-f]{64}$/);
    secrets.push(token);
    assert.equal(await page.locator('#new-token-expires').textContent(), expires);
    assert.match(await page.locator('#new-token-warning').textContent(), /will not be shown again/);
    const tokenId = /New token (\S+) for/.exec(await page.locator('#new-token-facts').textContent())[1];
    assert.ok(!before.includes(tokenId));
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.locator('#new-token-box').getByText('Copied.').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, token);
    const row = page.locator(`#tokens-table tr[data-token-id="${tokenId}"]`);
    await row.waitFor();
    assert.equal(await row.locator('td').nth(3).textContent(), expires);
    assert.equal(await row.locator('td').nth(4).textContent(), 'never');

    // The copied token works: Node's fetch, and the example command with the real CLI.
    const me = await meWith(copied);
    assert.equal(me.status, 200);
    assert.equal((await me.json()).email, AUDITOR);
    const out = execFileSync(binary, example.replace('YOUR_TOKEN', copied).split(' ').slice(1), { encoding: 'utf8' });
    assert.match(out, /CC6\.1/, 'the example command prints readiness');
    const listed = (await api(tokens[AUDITOR], '/me/tokens')).items;
    assert.equal(JSON.stringify(listed).includes(token), false, 'the list never holds the secret');
    assert.equal(listed.find((t) => t.token_id === tokenId).expires_on, expires);

    // Drawn again: the token is not shown, and its last use is.
    await page.reload();
    await settled(page);
    assert.equal(await page.locator('#new-token').count(), 0);
    assert.equal((await page.locator('body').innerText()).includes(token), false);
    await row.waitFor();
    assert.notEqual(await row.locator('td').nth(4).textContent(), 'never', 'last used after the use');
    assert.match(await row.locator('td').nth(4).textContent(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    await shot(page, 'account-tokens');

    // Revoke, confirmed in the page (Cancel first: nothing happens); then the token gets 401.
    await row.getByRole('button', { name: `Revoke token ${tokenId}` }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await meWith(token)).status, 200);
    await row.getByRole('button', { name: `Revoke token ${tokenId}` }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await page.locator('#tokens-status .message.success').waitFor();
    assert.equal(await row.count(), 0);
    assert.equal((await meWith(token)).status, 401);
    // The auditor's own sign-in token was not touched.
    assert.equal(await page.locator('#user-role').textContent(), 'auditor');
    assert.equal((await meWith(tokens[AUDITOR])).status, 200);
    await check();
    await context.close();
  });

  test('signed in with the provider, an editor picks the last day; the page is about now, not the past', async () => {
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    await signInWithIdp(page, 'maya');
    await page.goto(`${base}/account?as_of=${dayFromToday(-30)}`);
    await settled(page);
    assert.equal(await page.locator('#time-banner').count(), 0, 'no "as of" banner on a page about now');
    assert.equal(await page.getByLabel('Expires on (optional)').getAttribute('max'), dayFromToday(365));
    const expires = dayFromToday(200);
    await page.getByLabel('Expires on (optional)').fill(expires);
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/me/tokens'));
    await page.getByRole('button', { name: 'Issue a token' }).click();
    assert.ok((await sent).headers()['x-csrf-token'], 'written with the session\'s CSRF token');
    await page.locator('#new-token').waitFor();
    const token = await page.locator('#new-token').textContent();
    secrets.push(token);
    assert.equal(await page.locator('#new-token-expires').textContent(), expires);
    const me = await meWith(token);
    assert.equal((await me.json()).email, EDITOR);
    await check();
    await context.close();
  });
});

describe('the admins\' Users view', () => {
  test('add a user, change the role, issue a token (shown once, copied, it works), revoke it, deactivate', async () => {
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    await signInWithIdp(page, 'admin');
    assert.equal(await page.locator('#user-role').textContent(), 'admin');
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await settled(page);
    assert.equal(await page.locator('h1').textContent(), 'Users');
    const users = (await api(tokens.admin, '/users?limit=1000')).items;
    assert.equal(await page.locator('#users-table tbody tr').count(), users.length);
    const rowOf = (email) => page.locator('#users-table tbody tr').filter({ has: page.getByRole('link', { name: email, exact: true }) });
    assert.notEqual(await rowOf(ADMIN).locator('td').nth(4).textContent(), 'never', 'the admin has signed in');
    assert.equal(await rowOf(ACCOUNTS.liam.email).locator('td').nth(3).textContent(), 'deactivated');
    await shot(page, 'users');

    // Add a user (a name with HTML in it stays text).
    const email = 'new.person@acme.example';
    const name = 'New <b>Person</b>';
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Role').selectOption('contributor');
    await page.getByRole('button', { name: 'Add the user' }).click();
    await page.locator('main .message.success').filter({ hasText: `Added ${email}` }).waitFor();
    assert.equal(await rowOf(email).locator('td').nth(0).textContent(), name);
    assert.equal(await rowOf(email).locator('td').nth(2).textContent(), 'contributor');
    assert.equal(await rowOf(email).locator('td').nth(4).textContent(), 'never');
    assert.equal(await page.locator('main b').count(), 0);

    // The user's page: change the role.
    await rowOf(email).getByRole('link', { name: email }).click();
    await settled(page);
    assert.equal(await page.locator('h1').textContent(), name);
    await page.getByLabel('New role').selectOption('editor');
    await page.getByRole('button', { name: 'Change the role' }).click();
    await page.locator('main .message.success').filter({ hasText: 'is now editor' }).waitFor();
    assert.equal(await page.locator('#user-facts-role').textContent(), 'editor');
    assert.equal((await api(tokens.admin, `/users/${encodeURIComponent(email)}`)).role, 'editor');

    // Issue a token with an expiry: shown once, with a warning; Copy puts it on the clipboard.
    const expires = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
    await page.getByLabel('Expires on (optional)').fill(expires);
    await page.getByRole('button', { name: 'Issue a token' }).click();
    await page.locator('#new-token').waitFor();
    const token = await page.locator('#new-token').textContent();
    assert.match(token, /^gaplog_[0-9a-f]{64}$/);
    secrets.push(token);
    assert.match(await page.locator('#new-token-warning').textContent(), /will not be shown again/);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
    const me = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    assert.equal((await me.json()).email, email);
    const listed = (await api(tokens.admin, `/tokens?user=${encodeURIComponent(email)}`)).items;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].expires_on, expires);
    assert.equal(JSON.stringify(listed).includes(token), false, 'the list never holds the secret');
    const row = page.locator(`#tokens-table tr[data-token-id="${listed[0].token_id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(expires));
    await shot(page, 'user-token-issued');

    // Shown once: the page drawn again has no token.
    await page.reload();
    await settled(page);
    assert.equal(await page.locator('#new-token').count(), 0);
    assert.equal((await page.locator('body').innerText()).includes(token), false);

    // Revoke, after a confirmation in the page: the token gets 401.
    await row.getByRole('button', { name: `Revoke token ${listed[0].token_id}` }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await page.locator('#tokens-status .message.success').waitFor();
    assert.equal(await row.count(), 0);
    assert.equal((await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } })).status, 401);

    // Deactivate, after a confirmation (Cancel first: nothing happens).
    await page.getByRole('button', { name: 'Deactivate…' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api(tokens.admin, `/users/${encodeURIComponent(email)}`)).active, true);
    await page.getByRole('button', { name: 'Deactivate…' }).click();
    await page.getByRole('button', { name: 'Yes, deactivate' }).click();
    await page.locator('main .message.success').filter({ hasText: 'is deactivated' }).waitFor();
    assert.equal(await page.locator('#user-facts-active').textContent(), 'no: deactivated');
    assert.equal((await api(tokens.admin, `/users/${encodeURIComponent(email)}`)).active, false);

    // The user's events, newest first.
    const shown = (await page.locator('#user-events tbody tr td.event-type').allTextContents())
      .filter((t) => ['user deactivated', 'user role changed', 'user added'].includes(t));
    assert.deepEqual(shown, ['user deactivated', 'user role changed', 'user added']);
    await check();
    await context.close();
  });

  test('a user\'s page shows their sign-ins and sign-outs', async () => {
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    await signInWithIdp(page, 'admin');
    await page.goto(`${base}/users/${encodeURIComponent(EDITOR)}`);
    await settled(page);
    const types = await page.locator('#user-events tbody tr td.event-type').allTextContents();
    assert.ok(types.includes('user signed in') && types.includes('user signed out'), types.join(', '));
    assert.notEqual(await page.locator('#user-facts-last').textContent(), 'never');
    // The audit trail links a user's stream to this page, and filters by the new types.
    await page.goto(`${base}/audit?type=user_signed_in`);
    await settled(page);
    assert.ok(await page.locator('#events-table tbody tr').count() >= 1);
    await page.locator('#events-table').getByRole('link', { name: `user/${EDITOR}` }).first().click();
    await settled(page);
    assert.equal(new URL(page.url()).pathname, `/users/${encodeURIComponent(EDITOR)}`);
    await check();
    await context.close();
  });

  test('others get no Users entry, no user management, and the API refuses them', async () => {
    const { page, context, check } = await openPage();
    await page.goto(`${base}/`);
    await signInWithIdp(page, 'maya');
    assert.equal(await page.getByRole('link', { name: 'Users', exact: true }).count(), 0);
    await page.goto(`${base}/users`); // reading the list is open to everyone (SPEC §6)
    await settled(page);
    assert.equal(await page.locator('#add-user-form').count(), 0);
    await page.goto(`${base}/users/${encodeURIComponent(ADMIN)}`);
    await settled(page);
    assert.equal(await page.locator('#role-form, #deactivate-card, #issue-token-form').count(), 0);
    const csrf = await page.evaluate(async () => (await (await fetch('/auth/session')).json()).csrf_token);
    const status = await page.evaluate(async (csrf) => (await fetch('/api/v1/users', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ email: 'sneaky@acme.example', name: 'Sneaky', role: 'admin' }),
    })).status, csrf);
    assert.equal(status, 403);
    await check();
    await context.close();
  });

  test('no token, session cookie, code or client secret reaches the server log', () => {
    const log = server.log();
    assert.ok(log.includes('/auth/callback'), 'the access log was captured');
    for (const s of secrets) assert.ok(!log.includes(s), 'a secret leaked into the log');
    assert.doesNotMatch(log, /[?&]code=/, 'no authorization code in the log');
  });
});
