// Users (admins; SPEC §4 and §10): who can use gaplog, with which role, and when they last
// signed in; add a person. A user's page: change the role, deactivate, issue API tokens (shown
// once), list and revoke them, and the user's events (sign-ins and sign-outs among them).
// Destructive actions ask for confirmation in the page (web/src/forms.js); the token box is
// web/src/tokens.js, shared with everyone's own page (web/src/views/account.js).
import { UserAction, get, getAll, request } from '../api.js';
import { clear, field, h, humanize, message, select } from '../dom.js';
import { timestamp } from '../format.js';
import { confirmInPage, refused, submitting } from '../forms.js';
import { sortableTable, tableWrap } from '../table.js';
import { tokenBox } from '../tokens.js';

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

const userPath = (email) => `/users/${encodeURIComponent(email)}`;
// GET /tokens answers every token at once (it takes no limit or after).
const tokensOf = async (email) => (await get('/tokens', { user: email })).items;

function lastSignIn(u) {
  if (u.last_signed_in_at === undefined) return '—';
  return u.last_signed_in_at ? timestamp(u.last_signed_in_at) : 'never';
}

// Whether the user gets reminders by e-mail (SPEC §11: their own choice; a deactivated user
// gets nothing). "—" when the server does not say.
function remindersWord(u) {
  const n = u.notifications;
  if (!n) return '—';
  if (!u.active || !n.email) return 'off';
  return n.digest ? 'on' : 'on, no digest';
}
const remindersCell = (u) => {
  const word = remindersWord(u);
  return word === 'off' ? h('span', { class: 'pill st-expired' }, 'off') : word;
};

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
        { key: 'reminders', label: 'E-mail reminders', cell: remindersCell, sort: (u) => remindersWord(u) },
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
        h('dt', {}, 'Last sign-in'), h('dd', { id: 'user-facts-last' }, lastSignIn(user)),
        h('dt', {}, 'E-mail reminders'), h('dd', { id: 'user-facts-reminders' }, remindersWord({ ...user, active })))),
    admin && active ? h('div', { class: 'actions' }, h('div', { class: 'action-grid' }, roleForm(ctx, user), deactivateCard(ctx, user))) : null,
    admin ? tokensSection(user, tokens, active) : null,
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

function tokensSection(user, tokens, active) {
  return tokenBox({
    list: () => tokensOf(user.email),
    initial: tokens,
    issue: (body, action) => request(`${userPath(user.email)}/tokens`, { method: 'POST', action, body }),
    canIssue: active,
    intro: h('p', { class: 'hint' }, 'For scripts and the command line. A token acts as this person, with their role.'),
    handOver: 'Give it to its owner privately (not by e-mail or chat in the clear).',
  });
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
      ? tableWrap(h('table', { id: 'user-events' },
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
