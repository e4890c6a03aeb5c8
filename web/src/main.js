// The gaplog dashboard: the shell (sign-in, navigation, the as-of picker) and a small router.
// Views are functions (ctx) => Promise<Node>; they read the API of SPEC §6 and nothing else.
import {
  ApiError, clearSession, clearToken, currentSession, get, getToken, oidcConfig, setToken, signOutSession, useSession,
} from './api.js';
import { append, clear, field, h, message } from './dom.js';
import { overviewView, criterionView } from './views/overview.js';
import { findingsView } from './views/findings.js';
import { findingView } from './views/finding.js';
import { ownersView } from './views/owners.js';
import { roadmapView } from './views/roadmap.js';
import { auditView } from './views/audit.js';
import { usersView, userView } from './views/users.js';
import { accountView } from './views/account.js';
import { remindersView } from './views/reminders.js';
import { myWorkView, ownsWork } from './views/mywork.js';
import { controlsView, controlView } from './views/controls.js';
import { evidenceView } from './views/evidence.js';
import { assessmentView } from './views/assessment.js';
import { apiReferenceView } from './views/api_reference.js';
import { can } from './roles.js';

const routes = [
  [/^\/$/, overviewView, 'Overview'],
  [/^\/criteria\/([^/]+)$/, criterionView, 'Criterion'],
  [/^\/findings$/, findingsView, 'Findings'],
  [/^\/findings\/([^/]+)$/, findingView, 'Finding'],
  [/^\/my-work$/, myWorkView, 'My work'],
  [/^\/controls$/, controlsView, 'Controls'],
  [/^\/controls\/([^/]+)$/, controlView, 'Control'],
  [/^\/evidence$/, evidenceView, 'Evidence'],
  [/^\/assessment$/, assessmentView, 'Assessment'],
  [/^\/owners$/, ownersView, 'Owners'],
  [/^\/roadmap$/, roadmapView, 'Roadmap'],
  [/^\/audit$/, auditView, 'Audit'],
  [/^\/users$/, usersView, 'Users'],
  [/^\/users\/([^/]+)$/, userView, 'User'],
  // the channels, webhooks and delivery log are about now
  [/^\/reminders$/, remindersView, 'Reminders', { now: true }],
  // everyone's own reminder settings and API tokens, reached from the header's name and e-mail;
  // not in the past
  [/^\/account$/, accountView, 'Your account', { now: true }],
  // the OpenAPI document rendered (SPEC §15), reached from Your account; about the API as it is
  [/^\/api-reference$/, apiReferenceView, 'API reference', { now: true }],
];
// [path, label, who sees the entry (all when absent)]
const adminsOnly = (me) => me.role === 'admin';
const nav = [
  ['/', 'Overview'],
  ['/findings', 'Findings'],
  ['/my-work', 'My work', can.ownWork], // everyone who can own work: not auditors
  ['/controls', 'Controls'],
  ['/evidence', 'Evidence'],
  ['/assessment', 'Assessment'],
  ['/owners', 'Owners'],
  ['/roadmap', 'Roadmap'],
  ['/audit', 'Audit'],
  ['/users', 'Users', adminsOnly],
  ['/reminders', 'Reminders', adminsOnly],
];
// Query parameters that stay with every link: the day every view shows.
const TIME_PARAMS = ['as_of', 'as_known_at'];

const app = document.getElementById('app');
let session = null; // {me, program, name, auth: 'session' | 'token'}
let generation = 0; // the latest render; older ones that finish late are dropped

function timeTravel() {
  const q = new URLSearchParams(window.location.search);
  return { asOf: q.get('as_of') || '', knownAt: q.get('as_known_at') || '' };
}

// An internal URL keeping the time-travel parameters, plus `query` (null values removed).
export function link(path, query = {}) {
  const current = new URLSearchParams(window.location.search);
  const q = new URLSearchParams();
  for (const k of TIME_PARAMS) if (current.get(k)) q.set(k, current.get(k));
  for (const [k, v] of Object.entries(query)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

// `focusId`: the control to give the focus back to once the view is drawn again (a filter
// changed with the keyboard stays where it was); otherwise the new page's heading gets it.
export function navigate(url, { replace = false, focusId = null } = {}) {
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  render({ focus: !focusId, focusId });
}

// Same-origin links are handled here (no page load): plain left clicks only.
document.addEventListener('click', (e) => {
  const a = e.target.closest?.('a[href]');
  if (!a || a.target || a.hasAttribute('download') || e.defaultPrevented) return;
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const u = new URL(a.href, window.location.href);
  // /auth/… (sign-in with the identity provider) is the server's, not a view.
  if (u.origin !== window.location.origin || u.pathname.startsWith('/api/') || u.pathname.startsWith('/auth/')) return;
  if (u.hash && u.pathname === window.location.pathname && u.search === window.location.search) return;
  e.preventDefault();
  // The hash names a row to show (a finding's origin: /assessment#D-1), focused once drawn.
  navigate(u.pathname + u.search + u.hash);
});
window.addEventListener('popstate', () => render({ focus: true }));
window.addEventListener('gaplog:unauthenticated', (e) => {
  if (!session) return;
  const note = session.auth === 'session'
    ? `Your sign-in has ended (${e.detail}). Sign in again to carry on.`
    : `Signed out: the server no longer accepts this token (${e.detail}). Sign in again.`;
  forget();
  showSignIn(message('info', note));
});

// Drops what this tab knows about the user (the session's CSRF token, or the API token).
function forget() {
  clearToken();
  clearSession();
  session = null;
}

// The Sign out button: a session ends on the server too (its cookie is cleared there).
async function signOut() {
  if (session?.auth !== 'session') {
    forget();
    showSignIn(message('info', 'Signed out.'));
    return;
  }
  session = null; // a 401 meanwhile must not show a second sign-in page
  let note = message('info', 'Signed out.');
  try {
    await signOutSession(); // with the CSRF token, which it then forgets
  } catch (err) {
    note = message('error', `gaplog could not confirm the sign-out (${err.describe()}). Close this browser window to be sure.`);
  }
  forget();
  showSignIn(note);
}

// Where to come back to after signing in with the identity provider: this page.
function hereForReturn() {
  const { pathname, search, hash } = window.location;
  return `${pathname}${search}${hash}`;
}

async function showSignIn(notice) {
  const mine = ++generation;
  document.title = 'Sign in · gaplog';
  const oidc = await oidcConfig();
  if (mine !== generation) return;
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  });
  const status = h('div', { class: 'form-status' });
  const tokenForm = h(
    'form',
    // Labelled by the page's title, or (with a provider) by its fold's summary around it.
    { class: 'signin', id: 'token-form', 'aria-labelledby': oidc ? null : 'signin-title' },
    oidc
      ? h('p', {}, 'For scripts and admins: paste an API token your gaplog admin gave you.')
      : h('p', {}, 'Paste the API token you were given for gaplog. ',
        'If you do not have one, or yours has stopped working, ask your gaplog admin for a token.'),
    field('API token', input, 'It stays in this browser tab only and is forgotten when you close the tab or sign out.'),
    h('button', { type: 'submit', class: oidc ? null : 'primary' }, oidc ? 'Sign in with the token' : 'Sign in'),
    status,
  );
  tokenForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    clear(status).append(message('info', 'Checking the token…'));
    setToken(token);
    try {
      await startSession('token');
      await land();
      render({ focus: true });
    } catch (err) {
      forget();
      const text = err instanceof ApiError && err.status === 401
        ? `That token was not accepted: ${err.message}`
        : `Could not sign in: ${err instanceof ApiError ? err.describe() : err.message}`;
      clear(status).append(message('error', text));
      input.focus();
    }
  });

  let card;
  if (oidc) {
    const login = `${oidc.login_url}?${new URLSearchParams({ return_to: hereForReturn() })}`;
    card = h('section', { class: 'signin card', 'aria-labelledby': 'signin-title' },
      h('h1', { id: 'signin-title', tabindex: '-1' }, 'Sign in to gaplog'),
      h('p', {}, `Use your ${oidc.name} account, the one you use for work.`),
      h('p', {}, h('a', { href: login, class: 'button primary', id: 'sign-in-oidc' }, `Sign in with ${oidc.name}`)),
      h('p', { class: 'hint' }, `If ${oidc.name} lets you in but gaplog does not, ask your gaplog admin to add you; `,
        'they decide who can use gaplog and what each person may do.'),
      h('details', { class: 'token-sign-in', id: 'token-sign-in' },
        h('summary', {}, 'Sign in with an API token'),
        tokenForm));
  } else {
    card = h('section', { class: 'signin card', 'aria-labelledby': 'signin-title' },
      h('h1', { id: 'signin-title', tabindex: '-1' }, 'Sign in to gaplog'),
      tokenForm);
  }
  clear(app).append(h('main', { id: 'main', class: 'signin-page' }, notice, card));
  if (oidc) card.querySelector('#sign-in-oidc').focus();
  else input.focus();
}

// Reads who is signed in; `auth` says how (the API module already sends the right credentials).
async function startSession(auth, name = null) {
  const [me, program] = await Promise.all([get('/me'), get('/program')]);
  session = { me, program, auth, name: name ?? me.name ?? null };
}

function header(route) {
  const { me, program } = session;
  const tt = timeTravel();
  const asOf = h('input', { type: 'date', id: 'as-of', value: tt.asOf });
  const knownOn = h('input', { type: 'checkbox', id: 'known-on', checked: Boolean(tt.knownAt) });
  const knownAt = h('input', {
    type: 'datetime-local',
    id: 'as-known-at',
    value: tt.knownAt ? toLocalInput(tt.knownAt) : '',
    disabled: !tt.knownAt,
  });
  const apply = () => {
    const q = new URLSearchParams(window.location.search);
    if (asOf.value) q.set('as_of', asOf.value);
    else q.delete('as_of');
    if (knownOn.checked && knownAt.value) q.set('as_known_at', toUtc(knownAt.value));
    else q.delete('as_known_at');
    const s = q.toString();
    navigate(window.location.pathname + (s ? `?${s}` : ''));
  };
  asOf.addEventListener('change', apply);
  knownAt.addEventListener('change', apply);
  knownOn.addEventListener('change', () => {
    knownAt.disabled = !knownOn.checked;
    if (knownOn.checked && !knownAt.value) knownAt.value = toLocalInput(new Date().toISOString());
    if (knownOn.checked) knownAt.focus();
    apply();
  });
  const todayButton = h('button', { type: 'button', class: 'link-button', onclick: () => {
    asOf.value = '';
    knownOn.checked = false;
    knownAt.value = '';
    apply();
  } }, 'Back to today');

  // On a narrow screen the time-travel form is folded behind this button (CSS shows it there
  // only): open, the pickers took a third of a phone's screen.
  const top = h('header', { class: 'top' });
  const toggle = h('button', {
    type: 'button',
    class: 'tt-toggle',
    id: 'time-travel-toggle',
    'aria-expanded': 'false',
    'aria-controls': 'time-travel',
  }, tt.asOf ? `As of ${tt.asOf}` : tt.knownAt ? 'As known at…' : 'As of today');
  toggle.addEventListener('click', () => {
    const open = top.classList.toggle('tt-open');
    toggle.setAttribute('aria-expanded', String(open));
    if (open) asOf.focus();
  });

  return append(top, [
    h('div', { class: 'brand' },
      h('a', { href: link('/'), class: 'logo' }, 'gaplog'),
      h('span', { class: 'program', id: 'program-name' }, program.name || 'SOC 2 program')),
    toggle,
    h('nav', { 'aria-label': 'Main' },
      h('ul', {}, nav.filter(([, , who]) => !who || who(me)).map(([path, label]) =>
        h('li', {}, h('a', { href: link(path), 'aria-current': route && route.nav === path ? 'page' : null }, label))))),
    h('form', { class: 'time-travel', id: 'time-travel', 'aria-label': 'Time travel', onsubmit: (e) => { e.preventDefault(); apply(); } },
      field('As of', asOf),
      h('div', { class: 'field inline' }, knownOn, h('label', { for: 'known-on' }, 'As known at')),
      h('label', { for: 'as-known-at', class: 'visually-hidden' }, 'As known at (your local time)'),
      knownAt,
      tt.asOf || tt.knownAt ? todayButton : null),
    h('div', { class: 'user', 'aria-label': 'Signed in' },
      // Who you are, and the way to your own reminder settings and API tokens.
      h('a', {
        href: link('/account'),
        id: 'account-link',
        class: 'account-link',
        title: 'Your account: reminders and API tokens',
        'aria-current': route?.path === '/account' ? 'page' : null,
      },
      session.name && session.name !== me.email ? h('span', { id: 'user-name' }, session.name) : null,
      h('span', { id: 'user-email' }, me.email),
      h('span', { class: `role role-${me.role}`, id: 'user-role' }, me.role),
      h('span', { class: 'visually-hidden' }, ': your account')),
      h('button', { type: 'button', id: 'sign-out', onclick: () => signOut() }, 'Sign out')),
  ]);
}

// datetime-local works in local time without seconds; the API takes RFC 3339 UTC.
function toUtc(local) {
  return new Date(local).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
function toLocalInput(utc) {
  const d = new Date(utc);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function matchRoute() {
  const path = window.location.pathname;
  for (const [re, view, title, options = {}] of routes) {
    const m = re.exec(path);
    if (m) {
      const navPath = nav.map(([p]) => p).filter((p) => p === '/' ? path === '/' || path.startsWith('/criteria') : path.startsWith(p));
      return { view, title, params: m.slice(1).map(decodeURIComponent), nav: navPath[0], now: Boolean(options.now), path };
    }
  }
  return null;
}

async function render({ focus = false, focusId = null } = {}) {
  if (!session) return;
  const mine = ++generation;
  const route = matchRoute();
  const tt = timeTravel();
  const main = h('main', { id: 'main', tabindex: '-1' });
  // A page about now (your tokens) keeps the chosen date for the other links but shows no banner.
  const banner = (tt.asOf || tt.knownAt) && !route?.now
    ? h('p', { class: 'banner', role: 'note', id: 'time-banner' },
      `Showing the program as of ${tt.asOf || 'today'}${tt.knownAt ? `, as gaplog knew it at ${tt.knownAt}` : ''}. `,
      'Actions are hidden while you look at the past.')
    : null;
  append(clear(app), [header(route), banner, main]);
  if (!route) {
    document.title = 'Not found · gaplog';
    main.append(h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, 'There is no such page. ', h('a', { href: link('/') }, 'Go to the overview.')));
    return;
  }
  main.setAttribute('aria-busy', 'true');
  main.append(message('info', `Loading ${route.title.toLowerCase()}…`));
  const ctx = {
    me: session.me,
    program: session.program,
    params: route.params,
    query: new URLSearchParams(window.location.search),
    asOf: tt.asOf,
    knownAt: tt.knownAt,
    past: Boolean(tt.asOf || tt.knownAt),
    // ?as_of=&as_known_at= for the API, when set
    time: { as_of: tt.asOf || undefined, as_known_at: tt.knownAt || undefined },
    link,
    navigate,
    refresh: () => render(),
  };
  try {
    const node = await route.view(ctx);
    if (mine !== generation) return;
    clear(main).append(node);
  } catch (err) {
    if (mine !== generation) return;
    const text = err instanceof ApiError ? err.describe() : `The page failed: ${err.message}`;
    clear(main).append(
      h('h1', { tabindex: '-1' }, route.title),
      message('error', `Could not load this page: ${text}`),
      h('button', { type: 'button', onclick: () => render() }, 'Try again'),
    );
    console.error(err);
  }
  main.removeAttribute('aria-busy');
  const heading = main.querySelector('h1');
  document.title = `${heading ? heading.textContent : route.title} · gaplog`;
  const back = focusId ? document.getElementById(focusId) : null;
  // After an action, what happened (forms.js flashMessage) gets the focus: the form is gone.
  const flash = main.querySelector('#flash');
  const anchor = window.location.hash && !flash ? anchorOf(main) : null;
  if (back) {
    back.focus();
  } else if (anchor) {
    anchor.focus();
    anchor.scrollIntoView({ block: 'center' });
  } else if (focus && heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: false });
  } else if (flash) {
    flash.focus();
  }
}

// The element the URL's hash names inside `main` (ids such as D-1 or AC-01#test-2), or null.
function anchorOf(main) {
  let id;
  try {
    id = decodeURIComponent(window.location.hash.slice(1));
  } catch {
    return null;
  }
  const el = id ? document.getElementById(id) : null;
  return el && main.contains(el) ? el : null;
}

// Where a person lands after signing in, when the URL names no page (`/`): a contributor who
// owns something starts on My work (SPEC §12); everyone else, editors and admins included, on
// the overview, which has My work in its navigation. Any other URL is left as it is.
async function land() {
  if (window.location.pathname !== '/' || session.me.role !== 'contributor') return;
  if (await ownsWork(session.me).catch(() => false)) window.history.replaceState(null, '', link('/my-work'));
}

// A session (the cookie, after signing in with the identity provider) first; else the API
// token this tab was given; else the sign-in page.
async function boot() {
  const current = await currentSession();
  if (current) {
    useSession(current.csrf_token);
    try {
      await startSession('session', current.name);
      await land();
      render();
      return;
    } catch (err) {
      forget();
      showSignIn(message('error', `Please sign in again: ${err instanceof ApiError ? err.describe() : err.message}`));
      return;
    }
  }
  if (!getToken()) {
    showSignIn();
    return;
  }
  setToken(getToken());
  try {
    await startSession('token');
  } catch (err) {
    forget();
    showSignIn(message('error', `Please sign in again: ${err instanceof ApiError ? err.describe() : err.message}`));
    return;
  }
  await land();
  render();
}

boot();
