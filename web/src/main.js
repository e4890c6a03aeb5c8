// The gaplog dashboard: the shell (sign-in, navigation, the as-of picker) and a small router.
// Views are functions (ctx) => Promise<Node>; they read the API of SPEC §6 and nothing else.
import { ApiError, clearToken, get, getToken, setToken } from './api.js';
import { append, clear, field, h, message } from './dom.js';
import { overviewView, criterionView } from './views/overview.js';
import { findingsView } from './views/findings.js';
import { findingView } from './views/finding.js';
import { ownersView } from './views/owners.js';
import { roadmapView } from './views/roadmap.js';
import { auditView } from './views/audit.js';

const routes = [
  [/^\/$/, overviewView, 'Overview'],
  [/^\/criteria\/([^/]+)$/, criterionView, 'Criterion'],
  [/^\/findings$/, findingsView, 'Findings'],
  [/^\/findings\/([^/]+)$/, findingView, 'Finding'],
  [/^\/owners$/, ownersView, 'Owners'],
  [/^\/roadmap$/, roadmapView, 'Roadmap'],
  [/^\/audit$/, auditView, 'Audit'],
];
const nav = [
  ['/', 'Overview'],
  ['/findings', 'Findings'],
  ['/owners', 'Owners'],
  ['/roadmap', 'Roadmap'],
  ['/audit', 'Audit'],
];
// Query parameters that stay with every link: the day every view shows.
const TIME_PARAMS = ['as_of', 'as_known_at'];

const app = document.getElementById('app');
let session = null; // {me, program}
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

export function navigate(url, { replace = false } = {}) {
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  render({ focus: true });
}

// Same-origin links are handled here (no page load): plain left clicks only.
document.addEventListener('click', (e) => {
  const a = e.target.closest?.('a[href]');
  if (!a || a.target || a.hasAttribute('download') || e.defaultPrevented) return;
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const u = new URL(a.href, window.location.href);
  if (u.origin !== window.location.origin || u.pathname.startsWith('/api/')) return;
  if (u.hash && u.pathname === window.location.pathname) return;
  e.preventDefault();
  navigate(u.pathname + u.search);
});
window.addEventListener('popstate', () => render({ focus: true }));
window.addEventListener('gaplog:unauthenticated', (e) => {
  if (!session) return;
  signOut(`Signed out: the server no longer accepts this token (${e.detail}). Sign in again.`);
});

function signOut(note) {
  clearToken();
  session = null;
  showSignIn(note ? message('info', note) : null);
}

function showSignIn(notice) {
  generation++;
  document.title = 'Sign in · gaplog';
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  });
  const status = h('div', { class: 'form-status' });
  const form = h(
    'form',
    { class: 'signin card', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', tabindex: '-1' }, 'Sign in to gaplog'),
    h('p', {}, 'Paste the API token you were given for gaplog. ',
      'If you do not have one, or yours has stopped working, ask your gaplog admin for a token.'),
    field('API token', input, 'It stays in this browser tab only and is forgotten when you close the tab or sign out.'),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    status,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    clear(status).append(message('info', 'Checking the token…'));
    setToken(token);
    try {
      await startSession();
      render({ focus: true });
    } catch (err) {
      clearToken();
      session = null;
      const text = err instanceof ApiError && err.status === 401
        ? `That token was not accepted: ${err.message}`
        : `Could not sign in: ${err instanceof ApiError ? err.describe() : err.message}`;
      clear(status).append(message('error', text));
      input.focus();
    }
  });
  clear(app).append(h('main', { id: 'main', class: 'signin-page' }, notice, form));
  input.focus();
}

async function startSession() {
  const [me, program] = await Promise.all([get('/me'), get('/program')]);
  session = { me, program };
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
      h('ul', {}, nav.map(([path, label]) =>
        h('li', {}, h('a', { href: link(path), 'aria-current': route && route.nav === path ? 'page' : null }, label))))),
    h('form', { class: 'time-travel', id: 'time-travel', 'aria-label': 'Time travel', onsubmit: (e) => { e.preventDefault(); apply(); } },
      field('As of', asOf),
      h('div', { class: 'field inline' }, knownOn, h('label', { for: 'known-on' }, 'As known at')),
      h('label', { for: 'as-known-at', class: 'visually-hidden' }, 'As known at (your local time)'),
      knownAt,
      tt.asOf || tt.knownAt ? todayButton : null),
    h('div', { class: 'user' },
      h('span', { id: 'user-email' }, me.email),
      h('span', { class: `role role-${me.role}`, id: 'user-role' }, me.role),
      h('button', { type: 'button', id: 'sign-out', onclick: () => signOut('Signed out.') }, 'Sign out')),
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
  for (const [re, view, title] of routes) {
    const m = re.exec(path);
    if (m) {
      const navPath = nav.map(([p]) => p).filter((p) => p === '/' ? path === '/' || path.startsWith('/criteria') : path.startsWith(p));
      return { view, title, params: m.slice(1).map(decodeURIComponent), nav: navPath[0] };
    }
  }
  return null;
}

async function render({ focus = false } = {}) {
  if (!session) return;
  const mine = ++generation;
  const route = matchRoute();
  const tt = timeTravel();
  const main = h('main', { id: 'main', tabindex: '-1' });
  const banner = tt.asOf || tt.knownAt
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
  if (focus && heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: false });
  }
}

async function boot() {
  if (!getToken()) {
    showSignIn();
    return;
  }
  try {
    await startSession();
  } catch (err) {
    clearToken();
    showSignIn(message('error', `Please sign in again: ${err instanceof ApiError ? err.describe() : err.message}`));
    return;
  }
  render();
}

boot();
