// Users (admins; SPEC §4 and §10): who can use gaplog, with which role, and when they last
// signed in; add a person. A user's page: change the role, deactivate, issue API tokens (shown
// once), list and revoke them, and the user's events (sign-ins and sign-outs among them).
// Destructive actions ask for confirmation in the page (a window.confirm dialog is blocked by
// the browser tests, and is easy to click through).
import { UserAction, get, getAll, request } from '../api.js';
import { clear, field, h, humanize, message, select } from '../dom.js';
import { timestamp } from '../format.js';
import { sortableTable } from '../table.js';

const ROLES = [
  ['admin', 'admin: everything, including users and tokens'],
  ['editor', 'editor: controls, findings, evidence'],
  ['contributor', 'contributor: works on what they own, comments'],
  ['auditor', 'auditor: reads everything, changes nothing'],
];

// A note to show once after the page is drawn again (e.g. "User added.").
let flash = null;
function takeFlash() {
  const f = flash;
  flash = null;
  return f ? message('success', f) : null;
}

const describe = (err) => (err.describe ? err.describe() : err.message);
const refused = (err) => (err.status === 0 ? `Not confirmed: ${describe(err)}` : `Refused: ${describe(err)}`);
const userPath = (email) => `/users/${encodeURIComponent(email)}`;
// GET /tokens answers every token at once (it takes no limit or after).
const tokensOf = async (email) => (await get('/tokens', { user: email })).items;

function lastSignIn(u) {
  if (u.last_signed_in_at === undefined) return '—';
  return u.last_signed_in_at ? timestamp(u.last_signed_in_at) : 'never';
}

// Runs `fn` with the form's controls disabled, showing progress and the server's refusal.
async function submitting(form, statusEl, doing, fn) {
  const controls = [...form.querySelectorAll('button, input, select, textarea')];
  controls.forEach((c) => { c.dataset.wasDisabled = c.disabled; c.disabled = true; });
  clear(statusEl).append(message('info', doing));
  try {
    await fn();
    return true;
  } catch (err) {
    clear(statusEl).append(message('error', refused(err)));
    return false;
  } finally {
    controls.forEach((c) => { c.disabled = c.dataset.wasDisabled === 'true'; });
  }
}

// A question and two buttons in place of `trigger`, until answered.
function confirmInPage(trigger, { question, yes, onYes }) {
  const box = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Please confirm' });
  const no = h('button', { type: 'button' }, 'Cancel');
  const ok = h('button', { type: 'button', class: 'danger' }, yes);
  no.addEventListener('click', () => {
    box.replaceWith(trigger);
    trigger.focus();
  });
  ok.addEventListener('click', () => onYes(box, ok, no));
  box.append(h('p', {}, question), h('div', { class: 'buttons' }, ok, no));
  trigger.replaceWith(box);
  ok.focus();
  return box;
}

export async function usersView(ctx) {
  const users = await getAll('/users');
  const rows = users.map((u) => ({ ...u, active: u.active !== false }));
  return h('div', {},
    h('h1', {}, 'Users'),
    h('p', { class: 'subtitle' }, 'Who can use gaplog and what each person may do. People sign in with their work account when it is set up, or with an API token you issue.'),
    takeFlash(),
    sortableTable({
      id: 'users-table',
      caption: `${rows.length} users`,
      sort: { key: 'email', dir: 1 },
      rows,
      columns: [
        { key: 'name', label: 'Name', cell: (u) => u.name || '—', sort: (u) => u.name },
        { key: 'email', label: 'E-mail', cell: (u) => h('a', { href: ctx.link(userPath(u.email)) }, u.email), sort: (u) => u.email.toLowerCase() },
        { key: 'role', label: 'Role', cell: (u) => u.role, sort: (u) => u.role },
        { key: 'active', label: 'Active', cell: (u) => (u.active ? 'yes' : h('span', { class: 'pill st-deactivated' }, 'deactivated')), sort: (u) => (u.active ? 0 : 1) },
        { key: 'last', label: 'Last sign-in', cell: lastSignIn, sort: (u) => u.last_signed_in_at ?? '' },
      ],
    }),
    ctx.me.role === 'admin' ? addUserForm(ctx) : h('p', { class: 'hint', id: 'admins-only' }, 'Only gaplog admins add people and change what they may do.'));
}

function addUserForm(ctx) {
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off', spellcheck: 'false' });
  const name = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off' });
  const role = select(ROLES, 'contributor', { name: 'role' });
  const status = h('div', { class: 'form-status' });
  const action = new UserAction();
  const form = h('form', { class: 'card wide', id: 'add-user-form', 'aria-labelledby': 'add-user-title' },
    h('h2', { id: 'add-user-title' }, 'Add a user'),
    h('div', { class: 'filters' }, field('E-mail', email), field('Name', name), field('Role', role)),
    h('p', { class: 'hint' }, 'The e-mail must be the one of their work account: that is how gaplog recognises them when they sign in.'),
    h('button', { type: 'submit', class: 'primary' }, 'Add the user'),
    status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { email: email.value.trim(), name: name.value.trim(), role: role.value };
    const ok = await submitting(form, status, 'Adding the user…', () => request('/users', { method: 'POST', action, body }));
    if (ok) {
      flash = `Added ${body.email} (${body.role}).`;
      ctx.refresh();
    }
  });
  return form;
}

export async function userView(ctx) {
  const email = ctx.params[0];
  const admin = ctx.me.role === 'admin';
  const [user, tokens, events] = await Promise.all([
    get(userPath(email)),
    // the page still shows (and says why) when only the tokens cannot be read
    admin ? tokensOf(email).catch((err) => err) : null,
    userEvents(email),
  ]);
  const active = user.active !== false;
  return h('div', {},
    h('p', {}, h('a', { href: ctx.link('/users') }, '← All users')),
    h('h1', { id: 'user-title' }, user.name || user.email),
    takeFlash(),
    h('section', { class: 'card wide', 'aria-labelledby': 'facts-title' },
      h('h2', { id: 'facts-title' }, 'Account'),
      h('dl', { class: 'facts', id: 'user-facts' },
        h('dt', {}, 'E-mail'), h('dd', { id: 'user-facts-email' }, user.email),
        h('dt', {}, 'Name'), h('dd', {}, user.name || '—'),
        h('dt', {}, 'Role'), h('dd', { id: 'user-facts-role' }, user.role),
        h('dt', {}, 'Active'), h('dd', { id: 'user-facts-active' }, active ? 'yes' : 'no: deactivated'),
        h('dt', {}, 'Last sign-in'), h('dd', { id: 'user-facts-last' }, lastSignIn(user)))),
    admin && active ? h('div', { class: 'actions' }, h('div', { class: 'action-grid' }, roleForm(ctx, user), deactivateCard(ctx, user))) : null,
    admin ? tokensSection(ctx, user, tokens, active) : null,
    eventsSection(events));
}

function roleForm(ctx, user) {
  const role = select(ROLES, user.role, { name: 'role' });
  const status = h('div', { class: 'form-status' });
  const action = new UserAction();
  const form = h('form', { class: 'card action', id: 'role-form', 'aria-labelledby': 'role-title' },
    h('h2', { id: 'role-title' }, 'Role'),
    field('New role', role, 'It applies from their next request; they stay signed in.'),
    h('button', { type: 'submit' }, 'Change the role'),
    status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (role.value === user.role) {
      clear(status).append(message('info', `${user.email} is already ${user.role}.`));
      return;
    }
    const ok = await submitting(form, status, 'Changing the role…', () =>
      request(`${userPath(user.email)}/role`, { method: 'POST', action, body: { role: role.value } }));
    if (ok) {
      flash = `${user.email} is now ${role.value}.`;
      ctx.refresh();
    }
  });
  return form;
}

function deactivateCard(ctx, user) {
  const status = h('div', { class: 'form-status' });
  const action = new UserAction();
  const trigger = h('button', { type: 'button', id: 'deactivate', class: 'danger' }, 'Deactivate…');
  trigger.addEventListener('click', () => confirmInPage(trigger, {
    question: `Deactivate ${user.email}? They are signed out at once, their API tokens stop working, and they cannot sign in again. Their history stays in the log.`,
    yes: 'Yes, deactivate',
    onYes: async (box, ok, no) => {
      ok.disabled = true;
      no.disabled = true;
      clear(status).append(message('info', 'Deactivating…'));
      try {
        await request(`${userPath(user.email)}/deactivate`, { method: 'POST', action, body: {} });
        flash = `${user.email} is deactivated.`;
        ctx.refresh();
      } catch (err) {
        clear(status).append(message('error', refused(err)));
        ok.disabled = false;
        no.disabled = false;
      }
    },
  }));
  return h('section', { class: 'card action', id: 'deactivate-card', 'aria-labelledby': 'deactivate-title' },
    h('h2', { id: 'deactivate-title' }, 'Deactivate'),
    h('p', {}, 'When someone leaves or no longer needs gaplog.'),
    trigger, status);
}

function tokensSection(ctx, user, tokens, active) {
  const list = h('div', { id: 'tokens-list' });
  const listStatus = h('div', { class: 'form-status', id: 'tokens-status' });
  const draw = (items) => {
    clear(list).append(items.length
      ? h('div', { class: 'table-wrap' }, h('table', { id: 'tokens-table' },
        h('thead', {}, h('tr', {}, ['Token', 'Issued', 'Issued by', 'Expires', 'Last used', ''].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, items.map((t) => tokenRow(t)))))
      : h('p', { id: 'no-tokens' }, 'No API tokens.'));
  };
  const reload = async () => {
    try {
      draw(await tokensOf(user.email));
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
          clear(listStatus).append(message('success', `Revoked ${t.token_id}.`));
          await reload();
        } catch (err) {
          clear(listStatus).append(message('error', refused(err)));
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
  if (tokens instanceof Error) listStatus.append(message('error', `Could not list the tokens: ${describe(tokens)}`));
  else draw(tokens);
  return h('section', { class: 'card wide', 'aria-labelledby': 'tokens-title' },
    h('h2', { id: 'tokens-title' }, 'API tokens'),
    h('p', { class: 'hint' }, 'For scripts and the command line. A token acts as this person, with their role.'),
    active ? issueForm(user, reload) : null,
    listStatus,
    list);
}

function issueForm(user, reload) {
  const expires = h('input', { type: 'date', name: 'expires_on' });
  const status = h('div', { class: 'form-status' });
  const shown = h('div', { id: 'new-token-box' });
  const action = new UserAction();
  const form = h('form', { id: 'issue-token-form', 'aria-label': 'Issue an API token' },
    h('div', { class: 'filters' },
      field('Expires on (optional)', expires, 'Leave empty for a token that does not expire.'),
      h('button', { type: 'submit' }, 'Issue a token')),
    status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(shown);
    const body = expires.value ? { expires_on: expires.value } : {};
    let issued = null;
    const ok = await submitting(form, status, 'Issuing a token…', async () => {
      issued = await request(`${userPath(user.email)}/tokens`, { method: 'POST', action, body });
    });
    if (!ok) return;
    clear(status);
    shown.append(newTokenBox(issued));
    reload();
  });
  return h('div', {}, form, shown);
}

// The token, this once: the server keeps only its hash.
function newTokenBox(issued) {
  const value = h('code', { id: 'new-token', class: 'token-value' }, issued.token);
  const copyStatus = h('span', { class: 'copy-status', role: 'status' });
  const copy = h('button', { type: 'button', id: 'copy-token' }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(issued.token);
      copyStatus.textContent = 'Copied.';
    } catch {
      // no clipboard (plain http off localhost, or refused): select it for a manual copy
      const range = document.createRange();
      range.selectNodeContents(value);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      copyStatus.textContent = 'Copying was not allowed here: the token is selected, press Ctrl+C (⌘C on a Mac).';
    }
  });
  return h('div', { class: 'message success new-token', role: 'status' },
    h('p', {}, `New token ${issued.token_id} for ${issued.email}`, issued.expires_on ? `, valid until ${issued.expires_on}` : ', with no expiry', ':'),
    h('p', {}, value, ' ', copy, ' ', copyStatus),
    h('p', { class: 'warning', id: 'new-token-warning' }, h('strong', {}, 'Copy it now: it will not be shown again. '),
      'Give it to its owner privately (not by e-mail or chat in the clear).'));
}

// Every event of the user's stream (added, role changes, tokens, sign-ins and sign-outs),
// newest first.
async function userEvents(email) {
  const events = [];
  let after = 0;
  for (let page = 0; page < 20; page++) {
    const got = await get('/events', { stream: `user/${email}`, after, limit: 1000 });
    events.push(...got.events);
    if (got.next_after === null || got.next_after === undefined) break;
    after = got.next_after;
  }
  return events.reverse();
}

function eventsSection(events) {
  const text = (v) => (typeof v === 'object' ? JSON.stringify(v) : String(v));
  return h('section', { class: 'card wide', 'aria-labelledby': 'user-events-title' },
    h('h2', { id: 'user-events-title' }, 'Sign-ins and other events'),
    events.length
      ? h('div', { class: 'table-wrap' }, h('table', { id: 'user-events' },
        h('thead', {}, h('tr', {}, ['Seq', 'When', 'What', 'By', 'Details'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, events.map((e) => h('tr', {},
          h('td', { class: 'num' }, String(e.seq)),
          h('td', {}, timestamp(e.occurred_at)),
          h('td', { class: 'event-type' }, humanize(e.type)),
          h('td', {}, e.actor),
          h('td', { class: 'details' }, Object.entries(e.data ?? {})
            .filter(([, v]) => v !== null && v !== '')
            .map(([k, v]) => `${humanize(k)}: ${text(v)}`).join('; ')))))))
      : h('p', {}, 'No events yet.'));
}
