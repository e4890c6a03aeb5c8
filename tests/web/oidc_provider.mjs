// A real OpenID Connect provider on loopback, for the sign-in browser tests only
// (tests/web/sign_in.test.mjs). It is the npm package oidc-provider (web/package.json's
// devDependencies) with:
//
// - one confidential client (client_secret_basic), its redirect URI, PKCE (S256) required;
// - ID tokens that carry the `email`, `email_verified` and `name` claims (gaplog reads them from
//   the ID token, not from userinfo), signed RS256 with a key made at start-up;
// - fixed accounts (ACCOUNTS below), each known by a short id;
// - TEST-ONLY interactions: instead of a password, the provider's login page asks for an account
//   id and signs that account in, consenting to `openid email profile` at once. Never use this
//   outside tests: anyone can be anyone.
//
// As a module: `const idp = await startProvider({ redirectUri, clientId, clientSecret })` →
// { issuer, close() }. By hand:
//   node tests/web/oidc_provider.mjs --redirect-uri http://127.0.0.1:8080/auth/callback \
//     [--port 9000] [--client-id gaplog] [--client-secret-file FILE]
// prints the issuer; the secret is read from FILE (or printed when made up).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The people the provider knows. `id` is what the test-only login page asks for.
export const ACCOUNTS = {
  maya: { email: 'maya.chen@acme.example', email_verified: true, name: 'Maya Chen' },
  admin: { email: 'admin@acme.example', email_verified: true, name: 'Avery Admin' },
  // gaplog knows this e-mail, but the provider has not verified it.
  unverified: { email: 'sofia.garcia@acme.example', email_verified: false, name: 'Sofia Garcia' },
  // not a gaplog user
  stranger: { email: 'pat.stranger@elsewhere.example', email_verified: true, name: 'Pat Stranger' },
  // gaplog users the tests deactivate: before signing in, and during a session
  liam: { email: 'liam.oconnor@acme.example', email_verified: true, name: "Liam O'Connor" },
  ava: { email: 'ava.novak@acme.example', email_verified: true, name: 'Ava Novak' },
  // signs in with the e-mail in another letter case (gaplog compares it case-insensitively)
  noah: { email: 'Noah.Kim@ACME.example', email_verified: true, name: 'Noah Kim' },
};

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

// Starts the provider on 127.0.0.1:`port` (0: a free one).
export async function startProvider({ port = 0, redirectUri, clientId = 'gaplog', clientSecret, accounts = ACCOUNTS, log = () => {} }) {
  const { default: Provider } = await import(
    pathToFileURL(createRequire(join(root, 'web', 'package.json')).resolve('oidc-provider')).href);
  const server = createServer();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'RS256' };

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    }],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: false, // the scopes' claims in the ID token too
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const a = accounts[id];
      if (!a) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...a }) };
    },
    renderError(ctx, out) {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `OpenID provider error: ${out.error}: ${out.error_description ?? ''}`;
    },
  });
  provider.on('server_error', (ctx, err) => log(`provider server_error: ${err.stack}`));
  provider.on('grant.error', (ctx, err) => log(`provider grant.error: ${err.message} ${err.error_description ?? ''}`));
  const handle = provider.callback();

  // The test-only login page: an account id, no password.
  async function interaction(req, res, uid, submit) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (!submit) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><h1>Test identity provider (for tests only)</h1>
<p>Signs in whichever account you name, without a password.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="account">Account id</label> <input id="account" name="account" autocomplete="off">
<button type="submit">Continue</button></form>
<p>Accounts: ${Object.keys(accounts).map(escapeHtml).join(', ')}</p></body></html>`);
      return;
    }
    const form = await readForm(req);
    const accountId = details.prompt.name === 'login' ? form.get('account') : details.session?.accountId;
    if (!accounts[accountId]) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`no such test account: ${accountId}`);
      return;
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope('openid email profile');
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  server.on('request', (req, res) => {
    const m = /^\/interaction\/([^/?]+)(\/login)?(?:\?|$)/.exec(req.url);
    if (!m) {
      handle(req, res);
      return;
    }
    const submit = Boolean(m[2]);
    if (submit !== (req.method === 'POST')) {
      res.writeHead(405).end();
      return;
    }
    interaction(req, res, m[1], submit).catch((err) => {
      log(`provider interaction: ${err.message}`);
      if (!res.headersSent) res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`interaction failed: ${err.message}`);
    });
  });

  return {
    issuer,
    provider,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const redirectUri = arg('--redirect-uri');
  if (!redirectUri) {
    console.error('usage: node tests/web/oidc_provider.mjs --redirect-uri URL [--port N] [--client-id ID] [--client-secret-file FILE]');
    process.exit(2);
  }
  const secretFile = arg('--client-secret-file');
  const clientSecret = secretFile ? readFileSync(secretFile, 'utf8').trim() : randomBytes(24).toString('hex');
  const idp = await startProvider({ port: Number(arg('--port', 0)), redirectUri, clientId: arg('--client-id', 'gaplog'), clientSecret, log: console.error });
  console.log(`issuer: ${idp.issuer}`);
  if (!secretFile) console.log(`client secret: ${clientSecret}`);
}
