// The HTTP API of SPEC §6, and the session: the API token lives in sessionStorage (gone when
// the tab closes; no cookie, so no CSRF surface) and travels only in the Authorization header,
// never in a URL.
const TOKEN_KEY = 'gaplog.token';

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}
export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
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

function newKey() {
  return window.crypto?.randomUUID ? window.crypto.randomUUID() : undefined;
}

// fetch with the token. `body` is sent as JSON unless `raw` (a Blob/File, sent as is).
// Resolves to the parsed JSON (or the Response with `response: true`); rejects with ApiError.
export async function request(path, { method = 'GET', query, body, raw, headers = {}, response = false } = {}) {
  const h = { Authorization: `Bearer ${getToken() ?? ''}`, ...headers };
  let payload;
  if (raw !== undefined) {
    payload = raw;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  if (method !== 'GET' && !h['Idempotency-Key']) {
    const key = newKey();
    if (key) h['Idempotency-Key'] = key;
  }
  let res;
  try {
    res = await fetch(url(path, query), { method, headers: h, body: payload, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', `Could not reach the gaplog server (${e.message}). Is it running?`);
  }
  if (!res.ok) {
    let code = '';
    let msg = `${res.status} ${res.statusText}`;
    try {
      const err = (await res.json()).error;
      code = err.code;
      msg = err.message;
    } catch {
      // not the JSON error shape (a proxy, a missing endpoint): keep the status line
    }
    if (res.status === 401) window.dispatchEvent(new CustomEvent('gaplog:unauthenticated', { detail: msg }));
    throw new ApiError(res.status, code, msg);
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

// A download that needs the token: fetched with the header, handed to the browser as a blob
// URL, which is revoked once the click has started the download.
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
