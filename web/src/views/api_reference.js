// The API reference (/api-reference, SPEC §15): the OpenAPI document the server serves at
// /api/v1/openapi.json, rendered by Swagger UI (swagger-ui-dist from npm, copied into the
// hashed assets by build.mjs and loaded only when this page is opened: it is 1.8 MB).
//
// Under the dashboard's Content-Security-Policy as it is (script-src 'self'; style-src 'self'):
// - the bundle is a file of ours, loaded with a <script src>; its initialisation is this module,
//   never an inline script;
// - Swagger UI sets its few element styles through React, which writes them with the CSSOM
//   (allowed), and its icons are SVG elements, not inline <style>;
// - no validator badge (validatorUrl: null): it would fetch from validator.swagger.io, which
//   connect-src 'self' refuses anyway;
// - deepLinking is off: the dashboard owns the URL, and Swagger UI's #/tag/operation anchors
//   would fight its router.
//
// "Try it out" works, as the signed-in person: each request it sends to this server gets the
// credentials this tab already uses (api.js credentialHeaders: the bearer token, or in a session
// the CSRF token on writes, the cookie going along by itself), unless the person entered other
// credentials with Swagger UI's Authorize button. The server decides what the role may do.
import { credentialHeaders } from '../api.js';
import { h } from '../dom.js';

const asset = (name) => new URL(`../vendor/${name}`, import.meta.url).href;

let loading = null;  // Swagger UI's script and stylesheets, loaded once per page load

function load(tag, attrs) {
  return new Promise((resolve, reject) => {
    const el = h(tag, attrs);
    el.addEventListener('load', resolve);
    el.addEventListener('error', () => reject(new Error(`could not load ${attrs.src ?? attrs.href}`)));
    document.head.append(el);
  });
}

function loadSwaggerUi() {
  loading ??= Promise.all([
    load('script', { src: asset('swagger-ui-bundle.js') }),
    load('link', { rel: 'stylesheet', href: asset('swagger-ui.css') }),
    load('link', { rel: 'stylesheet', href: new URL('../api_reference.css', import.meta.url).href }),
  ]).catch((err) => {
    loading = null;  // a later visit tries again
    throw err;
  });
  return loading;
}

// Adds this tab's credentials to a request "Try it out" sends to this server.
function withCredentials(req) {
  const u = new URL(req.url, window.location.href);
  if (u.origin !== window.location.origin) return req;
  const present = new Set(Object.keys(req.headers ?? {}).map((k) => k.toLowerCase()));
  for (const [k, v] of Object.entries(credentialHeaders(String(req.method ?? 'GET').toUpperCase()))) {
    if (!present.has(k.toLowerCase())) req.headers[k] = v;
  }
  return req;
}

export async function apiReferenceView() {
  await loadSwaggerUi();
  const container = h('div', { id: 'swagger-ui', class: 'api-reference' });
  window.SwaggerUIBundle({
    domNode: container,
    url: '/api/v1/openapi.json',
    deepLinking: false,
    validatorUrl: null,
    queryConfigEnabled: false,
    requestInterceptor: withCredentials,
    // Swagger UI's server picker has a visible title but no label tied to it.
    onComplete: () => container.querySelector('select#servers')?.setAttribute('aria-label', 'Server'),
  });
  return h('div', {},
    h('h1', { id: 'api-reference-title' }, 'API reference'),
    h('p', { class: 'subtitle' },
      'Every endpoint of the gaplog API, from the OpenAPI 3.1 document the server serves at ',
      h('a', { href: '/api/v1/openapi.json', id: 'openapi-json-link' }, '/api/v1/openapi.json'),
      ' (generate a client from it). "Try it out" sends real requests as you, with your role.'),
    container);
}
