// The API token box (SPEC §10), shared by an admin's page for a user (web/src/views/users.js)
// and everyone's own page (web/src/views/account.js): issue a token with an optional last day,
// show it this once with a Copy button (the server keeps only its hash), list the tokens that
// are not revoked (never the secret) and revoke one after a confirmation in the page.
import { UserAction, request } from './api.js';
import { clear, field, h, message } from './dom.js';
import { confirmInPage, copyButton, describe, submitting } from './forms.js';
import { timestamp } from './format.js';
import { tableWrap } from './table.js';

// {
//   list: async () => tokens            GET …/tokens' items
//   initial: tokens | Error | undefined  already read (an Error: say why the list is missing)
//   issue: async (body, action) => {token_id, token, email, expires_on}
//   canIssue: boolean                    false: the list only (e.g. a deactivated user)
//   expiry: {hint, min, max}             the date field's hint and bounds (YYYY-MM-DD)
//   title, intro: the section's heading and its first paragraph (text or nodes)
//   handOver: what to do with a new token (the line after "Copy it now…")
// }
export function tokenBox({ list, initial, issue, canIssue = true, expiry = {}, title = 'API tokens', intro, handOver }) {
  const listEl = h('div', { id: 'tokens-list' });
  const listStatus = h('div', { class: 'form-status', id: 'tokens-status' });
  const draw = (items) => {
    clear(listEl).append(items.length
      ? tableWrap(h('table', { id: 'tokens-table' },
        h('thead', {}, h('tr', {}, ['Token', 'Issued', 'Issued by', 'Expires', 'Last used', ''].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, items.map((t) => tokenRow(t)))))
      : h('p', { id: 'no-tokens' }, 'No API tokens.'));
  };
  const reload = async () => {
    try {
      draw(await list());
    } catch (err) {
      clear(listStatus).append(message('error', `Could not list the tokens: ${describe(err)}`));
    }
  };
  const tokenRow = (t) => {
    const revoke = h('button', { type: 'button', class: 'revoke', 'aria-label': `Revoke token ${t.token_id}` }, 'Revoke…');
    revoke.addEventListener('click', () => confirmInPage(revoke, {
      question: `Revoke ${t.token_id}? Whatever uses it stops working at once.`,
      yes: 'Yes, revoke',
      onYes: async (box, ok, no) => {
        ok.disabled = true;
        no.disabled = true;
        try {
          await request(`/tokens/${encodeURIComponent(t.token_id)}`, { method: 'DELETE' });
          clear(listStatus);
          await reload(); // (which says so in listStatus when the list cannot be read)
          listStatus.prepend(message('success', `Revoked ${t.token_id}.`));
        } catch (err) {
          clear(listStatus).append(message('error', `Refused: ${describe(err)}`));
          ok.disabled = false;
          no.disabled = false;
        }
      },
    }));
    return h('tr', { 'data-token-id': t.token_id },
      h('td', { class: 'mono' }, t.token_id),
      h('td', {}, timestamp(t.issued_at)),
      h('td', {}, t.issued_by ?? '—'),
      h('td', {}, t.expires_on ? [t.expires_on, t.expired ? [' ', h('span', { class: 'pill st-expired' }, 'expired')] : null] : 'never'),
      h('td', {}, t.last_used_at ? timestamp(t.last_used_at) : 'never'),
      h('td', {}, revoke));
  };
  if (initial instanceof Error) listStatus.append(message('error', `Could not list the tokens: ${describe(initial)}`));
  else if (initial) draw(initial);
  else reload();
  return h('section', { class: 'card wide', id: 'tokens', 'aria-labelledby': 'tokens-title' },
    h('h2', { id: 'tokens-title' }, title),
    intro,
    canIssue ? issueForm({ issue, expiry, handOver, reload }) : null,
    listStatus,
    listEl);
}

function issueForm({ issue, expiry, handOver, reload }) {
  const expires = h('input', { type: 'date', name: 'expires_on', min: expiry.min, max: expiry.max });
  const status = h('div', { class: 'form-status' });
  const shown = h('div', { id: 'new-token-box' });
  const action = new UserAction();
  const form = h('form', { id: 'issue-token-form', 'aria-label': 'Issue an API token' },
    h('div', { class: 'filters' },
      field('Expires on (optional)', expires, expiry.hint ?? 'Leave empty for a token that does not expire.'),
      h('button', { type: 'submit' }, 'Issue a token')),
    status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(shown);
    const body = expires.value ? { expires_on: expires.value } : {};
    let issued = null;
    const ok = await submitting(form, status, 'Issuing a token…', async () => {
      issued = await issue(body, action);
    });
    if (!ok) return;
    clear(status);
    shown.append(newTokenBox(issued, handOver));
    reload();
  });
  return h('div', {}, form, shown);
}

// The token, this once: the server keeps only its hash.
function newTokenBox(issued, handOver) {
  const value = h('code', { id: 'new-token', class: 'token-value' }, issued.token);
  return h('div', { class: 'message success new-token', role: 'status' },
    h('p', { id: 'new-token-facts' }, `New token ${issued.token_id} for ${issued.email}`,
      issued.expires_on ? [', valid until ', h('span', { id: 'new-token-expires' }, issued.expires_on)] : ', with no expiry', ':'),
    h('p', {}, value, ' ', copyButton(() => issued.token, value, { id: 'copy-token' })),
    h('p', { class: 'warning', id: 'new-token-warning' }, h('strong', {}, 'Copy it now: it will not be shown again. '),
      handOver ?? ''));
}
