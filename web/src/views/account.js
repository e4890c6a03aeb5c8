// Your API tokens (SPEC §10, /account): every signed-in person, auditors included, issues,
// lists and revokes their own tokens for the gaplog command line and scripts
// (POST/GET /api/v1/me/tokens, DELETE /api/v1/tokens/{id}). Personal tokens last 90 days unless
// another last day is chosen, at most a year ahead (the server decides; the date field's bounds
// only help the picker). The box itself is the one admins use on a user's page (tokens.js).
import { get, request } from '../api.js';
import { h } from '../dom.js';
import { copyButton } from '../forms.js';
import { tokenBox } from '../tokens.js';

const DAY_MS = 86400e3;
// YYYY-MM-DD `days` from today (UTC, the server's calendar).
const dayFromToday = (days) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

const myTokens = async () => (await get('/me/tokens')).items;

export async function accountView(ctx) {
  const tokens = await myTokens();
  const { email, role } = ctx.me;
  const origin = window.location.origin;
  const example = `gaplog --server ${origin} --token YOUR_TOKEN readiness`;
  const exampleEl = h('code', { id: 'cli-example', class: 'token-value' }, example);
  return h('div', {},
    h('h1', { id: 'account-title' }, 'Your API tokens'),
    h('p', { class: 'subtitle', id: 'account-who' }, `Signed in as ${email} (${role}).`),
    h('section', { class: 'card wide', 'aria-labelledby': 'cli-title' },
      h('h2', { id: 'cli-title' }, 'What a token is for'),
      h('p', { id: 'tokens-explained' },
        'An API token lets the gaplog command line, or a script of yours, act as you, with your role, ',
        'without a browser. It is shown once, when you issue it: copy it then, and keep it as you would a password. ',
        'It lasts 90 days unless you pick another last day (at most a year ahead). ',
        'Revoke it here as soon as you no longer need it, or if someone else may have seen it.'),
      h('p', {}, 'For example, to see readiness from a terminal:'),
      h('p', { class: 'cli-example' }, exampleEl, ' ',
        copyButton(() => example, exampleEl, { id: 'copy-example', ariaLabel: 'Copy the example command' })),
      h('p', { class: 'hint' }, 'Replace YOUR_TOKEN with your token. To keep it out of your shell history, set ',
        h('code', {}, 'GAPLOG_SERVER'), ' and ', h('code', {}, 'GAPLOG_TOKEN'), ' in your environment instead of the options.')),
    tokenBox({
      title: 'Your tokens',
      list: myTokens,
      initial: tokens,
      issue: (body, action) => request('/me/tokens', { method: 'POST', action, body }),
      expiry: {
        hint: 'Leave empty for 90 days from today; at most a year ahead.',
        min: dayFromToday(0),
        max: dayFromToday(365),
      },
      handOver: 'It is yours alone: do not share it, and do not send it by e-mail or chat.',
    }));
}
