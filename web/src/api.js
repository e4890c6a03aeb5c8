// The HTTP API of SPEC §6, and how the dashboard is signed in (SPEC §10). Two ways:
// - a session: the person signed in with the company's identity provider; the server holds the
//   session behind an HttpOnly cookie the page never sees. Every write carries the session's CSRF
//   token (X-CSRF-Token), kept in this module's memory only (a reload asks /auth/session again).
// - an API token (scripts, admins, a server without OIDC): kept in sessionStorage (gone when the
//   tab closes) and sent only in the Authorization header, never in a URL.
// Nothing secret is written to storage in session mode.
const TOKEN_KEY = 'gaplog.token';

let mode = null; // 'session' | 'token' | null
let csrfToken = null; // session mode only

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  mode = 'token';
  csrfToken = null;
}
export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  if (mode === 'token') mode = null;
}
export function useSession(csrf) {
  sessionStorage.removeItem(TOKEN_KEY);
  mode = 'session';
  csrfToken = csrf;
}
export function clearSession() {
  if (mode === 'session') mode = null;
  csrfToken = null;
}
export const authMode = () => mode;

// GET /auth/… answering JSON, or null: another status, not JSON (a server without sign-in
// answers those paths with the page), or no answer at all.
async function authJson(path) {
  try {
    const res = await fetch(path, { cache: 'no-store', credentials: 'same-origin' });
    if (!res.ok || !/^application\/json\b/.test(res.headers.get('Content-Type') ?? '')) return null;
    return await res.json();
  } catch {
    return null;
  }
}

// {name, login_url} when people can sign in with an identity provider, else null.
export async function oidcConfig() {
  const config = await authJson('/auth/config');
  const oidc = config?.oidc;
  return oidc && typeof oidc.name === 'string' && typeof oidc.login_url === 'string' ? oidc : null;
}

// The session behind the cookie ({email, name, role, csrf_token, expires_at}), or null.
export async function currentSession() {
  const s = await authJson('/auth/session');
  return s && typeof s.email === 'string' && typeof s.csrf_token === 'string' ? s : null;
}

// Ends the session on the server (the cookie is cleared by its answer). Rejects with ApiError.
export async function signOutSession() {
  let res;
  try {
    res = await fetch('/auth/logout', {
      method: 'POST',
      headers: { 'X-CSRF-Token': csrfToken ?? '' },
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, 'network', `Could not reach the gaplog server (${e.message}).`);
  } finally {
    clearSession();
  }
  // 401: the session had already ended, which is what was asked.
  if (!res.ok && res.status !== 401) throw await errorOf(res);
}

async function errorOf(res) {
  let code = '';
  let msg = `${res.status} ${res.statusText}`;
  let findings = [];
  try {
    const err = (await res.json()).error;
    code = err.code;
    msg = err.message;
    if (Array.isArray(err.findings)) findings = err.findings;
  } catch {
    // not the JSON error shape (a proxy, a missing endpoint): keep the status line
  }
  return new ApiError(res.status, code, msg, findings);
}

export class ApiError extends Error {
  // `findings`: a refused bulk command's reasons, one per finding: [{id, code, message}].
  constructor(status, code, message, findings = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.findings = findings;
  }
  // What to show: the server's own message, which says what went wrong and how to fix it.
  describe() {
    if (this.status === 0) return this.message;
    return `${this.message} (HTTP ${this.status}${this.code ? `, ${this.code}` : ''})`;
  }
}

function url(path, query) {
  const u = new URL(`/api/v1${path}`, window.location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '' && v !== false) u.searchParams.set(k, String(v));
  }
  return u;
}

// A random UUID (v4). crypto.randomUUID exists only in secure contexts (https, localhost);
// getRandomValues everywhere, so a dashboard served over plain http on a LAN still gets keys.
function newKey() {
  if (window.crypto.randomUUID) return window.crypto.randomUUID();
  const b = window.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// One thing the user asked for (a form's submission), and its Idempotency-Key: every attempt
// at the same request (the automatic retries after a network failure, and the user submitting
// the same form again after one) sends the same key, so the server records it at most once.
// Once the server has answered, the next request is a new action with a new key; so is a
// request that differs (another button, an edited field).
export class UserAction {
  #key = null;
  #request = null;

  keyFor(request) {
    if (this.#key === null || this.#request !== request) {
      this.#key = newKey();
      this.#request = request;
    }
    return this.#key;
  }

  answered() {
    this.#key = null;
    this.#request = null;
  }
}

// After a network failure (no answer: the request may or may not have been recorded), a write
// is sent again with the same Idempotency-Key after these pauses (ms).
const WRITE_RETRY_PAUSES = [300, 1000];

function describeRequest(method, u, payload) {
  const body = payload instanceof Blob
    ? `${payload.size}:${payload.type}:${payload.name ?? ''}:${payload.lastModified ?? ''}`
    : payload ?? '';
  return `${method} ${u.pathname}${u.search}\n${body}`;
}

// The headers that carry this tab's credentials on an API request: the bearer token, or in a
// session (whose cookie the browser sends itself) the CSRF token on a write. The API reference
// page's "Try it out" uses them too.
export function credentialHeaders(method) {
  if (mode === 'session') {
    return method !== 'GET' && method !== 'HEAD' ? { 'X-CSRF-Token': csrfToken ?? '' } : {};
  }
  return { Authorization: `Bearer ${getToken() ?? ''}` };
}

// fetch with the token or the session's cookie. `body` is sent as JSON unless `raw` (a Blob/File, sent as is). A write
// carries the Idempotency-Key of `action` (a UserAction; a new one by default).
// Resolves to the parsed JSON (or the Response with `response: true`); rejects with ApiError.
export async function request(path, { method = 'GET', query, body, raw, headers = {}, response = false, action } = {}) {
  const write = method !== 'GET' && method !== 'HEAD';
  const h = { ...headers, ...credentialHeaders(method) };
  let payload;
  if (raw !== undefined) {
    payload = raw;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  const u = url(path, query);
  const act = action ?? new UserAction();
  if (write && !h['Idempotency-Key']) h['Idempotency-Key'] = act.keyFor(describeRequest(method, u, payload));
  let res;
  for (let attempt = 0; ; attempt++) {
    try {
      res = await fetch(u, { method, headers: h, body: payload, cache: 'no-store', credentials: 'same-origin' });
      break;
    } catch (e) {
      if (!write || attempt >= WRITE_RETRY_PAUSES.length) {
        const retry = write ? ' Trying again is safe: it is recorded at most once.' : '';
        throw new ApiError(0, 'network', `Could not reach the gaplog server (${e.message}). Is it running?${retry}`);
      }
      await new Promise((r) => setTimeout(r, WRITE_RETRY_PAUSES[attempt]));
    }
  }
  act.answered();
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401) window.dispatchEvent(new CustomEvent('gaplog:unauthenticated', { detail: err.message }));
    throw err;
  }
  return response ? res : res.json();
}

export const get = (path, query) => request(path, { query });

// Every item of a list endpoint ({items, next_after}), page by page.
export async function getAll(path, query = {}) {
  const items = [];
  let after;
  for (;;) {
    const page = await get(path, { ...query, limit: 1000, after });
    items.push(...page.items);
    if (page.next_after === null || page.next_after === undefined) return items;
    after = page.next_after;
  }
}

// A download that needs the token or the session: fetched by the page, handed to the browser
// as a blob URL, which is revoked once the click has started the download.
export async function download(path, fallbackName, query) {
  const res = await request(path, { query, response: true });
  const blob = await res.blob();
  const name = filenameOf(res.headers.get('Content-Disposition')) ?? fallbackName;
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return { name, size: blob.size };
}

function filenameOf(disposition) {
  if (!disposition) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename="([^"]*)"/i.exec(disposition);
  return plain ? plain[1] : null;
}
