// Reminders (admins; SPEC §11, /reminders): how reminders go out (e-mail through an SMTP relay,
// webhooks) and whether they did. The channels, the webhooks (add one, its signing secret shown
// once; remove one after a confirmation in the page), the delivery log with its retries and
// failures, and a preview of what the rules select for a day (GET /notifications/due, a dry run
// that sends nothing). About now: the as-of date does not apply.
import { UserAction, get, getAll, request } from '../api.js';
import { clear, field, h, message, select } from '../dom.js';
import { confirmInPage, copyButton, describe, submitting } from '../forms.js';
import { timestamp, today } from '../format.js';
import { DELIVERY_STATES, KINDS, deliveryState, kindLabel, recipientLabel } from '../notifications.js';
import { sortableTable, tableWrap } from '../table.js';

const DELIVERY_LIMIT = 100;

export async function remindersView(ctx) {
  if (ctx.me.role !== 'admin') {
    return h('div', {},
      h('h1', {}, 'Reminders'),
      h('p', { id: 'admins-only' }, 'Only gaplog admins see how reminders are sent. ',
        'Which reminders you get is yours to choose on ', h('a', { href: ctx.link('/account') }, 'your account page'), '.'));
  }
  const state = DELIVERY_STATES.some(([s]) => s === ctx.query.get('state')) ? ctx.query.get('state') : '';
  const day = /^\d{4}-\d{2}-\d{2}$/.test(ctx.query.get('due') ?? '') ? ctx.query.get('due') : today();
  const [log, webhooks, due, users] = await Promise.all([
    get('/deliveries', { limit: DELIVERY_LIMIT, state }),
    get('/webhooks').then((r) => r.webhooks),
    // the page still shows (and says why) when only the preview cannot be made
    get('/notifications/due', { as_of: day }).catch((err) => err),
    getAll('/users').catch(() => []),
  ]);
  const names = new Map(users.map((u) => [u.email, u.name]));
  return h('div', {},
    h('h1', {}, 'Reminders'),
    h('p', { class: 'subtitle' }, 'gaplog chases the owners of findings so that you do not have to: by e-mail and through webhooks, ',
      'once a day, and at once when a finding is assigned. Each reminder delivered is recorded in the log for the auditors.'),
    channelsCard(log.channels),
    webhooksSection(webhooks),
    deliveriesSection(ctx, log.deliveries, state, names),
    dueSection(ctx, due, day, names));
}

function channelsCard(ch) {
  const row = (label, value, id) => [h('dt', {}, label), h('dd', { id }, value)];
  const off = !ch.email && !ch.webhooks;
  return h('section', { class: 'card wide', id: 'channels', 'aria-labelledby': 'channels-title' },
    h('h2', { id: 'channels-title' }, 'How reminders go out'),
    off
      ? h('p', { class: 'message warning', role: 'note', id: 'reminders-off' },
        h('strong', {}, 'Reminders are off: '),
        'start the server with --smtp-url and --mail-from to send e-mail (see docs/reminders.md), or add a webhook below.')
      : null,
    h('dl', { class: 'facts' },
      row('E-mail', ch.email ? ['on, from ', h('span', { class: 'mono' }, ch.from ?? '—')] : 'off (no mail server is configured)', 'channel-email'),
      row('Webhooks', ch.webhooks === 1 ? '1 webhook' : `${ch.webhooks} webhooks`, 'channel-webhooks'),
      row('Daily reminders', `at ${String(ch.reminder_hour).padStart(2, '0')}:00 UTC; “assigned” at once`, 'channel-hour')));
}

// The webhooks and the form to add one. Drawn again on its own after a change, so a new secret
// stays on screen.
function webhooksSection(initial) {
  const listEl = h('div', { id: 'webhooks-list' });
  const listStatus = h('div', { class: 'form-status', id: 'webhooks-status' });
  const draw = (items) => {
    clear(listEl).append(items.length
      ? tableWrap(h('table', { id: 'webhooks-table' },
        h('caption', { class: 'visually-hidden' }, 'Webhooks'),
        h('thead', {}, h('tr', {}, ['Webhook', 'Receives', 'Added', 'Last delivery', ''].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, items.map((w) => webhookRow(w)))))
      : h('p', { id: 'no-webhooks' }, 'No webhooks.'));
  };
  const reload = async () => {
    try {
      draw((await get('/webhooks')).webhooks);
    } catch (err) {
      clear(listStatus).append(message('error', `Could not list the webhooks: ${describe(err)}`));
    }
  };
  const webhookRow = (w) => {
    const remove = h('button', { type: 'button', class: 'remove-webhook', 'aria-label': `Remove webhook ${w.id}` }, 'Remove…');
    remove.addEventListener('click', () => confirmInPage(remove, {
      question: `Remove ${w.id} (${w.url})? It receives nothing more; what it was sent stays in the log.`,
      yes: 'Yes, remove',
      onYes: async (box, ok, no) => {
        ok.disabled = true;
        no.disabled = true;
        try {
          await request(`/webhooks/${encodeURIComponent(w.id)}`, { method: 'DELETE', response: true });
          clear(listStatus);
          await reload(); // (which says so in listStatus when the list cannot be read)
          listStatus.prepend(message('success', `Removed ${w.id}.`));
        } catch (err) {
          clear(listStatus).append(message('error', `Refused: ${describe(err)}`));
          ok.disabled = false;
          no.disabled = false;
        }
      },
    }));
    return h('tr', { 'data-webhook-id': w.id },
      h('td', {}, h('div', { class: 'mono' }, w.url), h('small', { class: 'muted mono' }, w.id)),
      h('td', {}, w.kinds.map(kindLabel).join(', ')),
      h('td', {}, timestamp(w.added_at), h('br'), h('small', { class: 'muted' }, `by ${w.added_by}`)),
      h('td', { class: 'last-delivery' }, lastDelivery(w.last_delivery)),
      h('td', {}, remove));
  };
  draw(initial);
  return h('section', { class: 'card wide', id: 'webhooks', 'aria-labelledby': 'webhooks-title' },
    h('h2', { id: 'webhooks-title' }, 'Webhooks'),
    h('p', { class: 'hint' }, 'gaplog POSTs each reminder as JSON to these addresses, signed as the Standard Webhooks ',
      'specification says; an answer other than 2xx is retried for 24 hours.'),
    listStatus,
    listEl,
    addWebhookForm(reload));
}

function lastDelivery(d) {
  if (!d) return 'none yet';
  return h('div', { class: d.state === 'failed' ? 'delivery-failed' : null },
    deliveryState(d.state), ' ', kindLabel(d.kind), d.subject ? ` · ${d.subject}` : '', ` · ${d.day}`,
    h('br'),
    h('small', { class: 'muted' }, `${timestamp(d.at)} · ${d.attempts === 1 ? '1 attempt' : `${d.attempts} attempts`}`),
    d.error ? h('p', { class: 'message warning delivery-error' }, `Error: ${d.error}`) : null);
}

function addWebhookForm(reload) {
  const url = h('input', { type: 'url', name: 'url', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'https://…' });
  const boxes = KINDS.map(([kind, label, about]) => {
    const box = h('input', { type: 'checkbox', name: 'kinds', value: kind, id: `webhook-kind-${kind}`, checked: kind !== 'weekly_digest' });
    return [box, h('div', { class: 'field inline' }, box,
      h('label', { for: box.id }, label, ' ', h('small', { class: 'hint inline-hint' }, `(${about})`)))];
  });
  const status = h('div', { class: 'form-status' });
  const shown = h('div', { id: 'new-webhook-box' });
  const action = new UserAction();
  const form = h('form', { id: 'add-webhook-form', 'aria-labelledby': 'add-webhook-title' },
    h('h3', { id: 'add-webhook-title' }, 'Add a webhook'),
    field('URL of the receiver', url, 'https://, or http:// to this machine only.'),
    h('fieldset', { class: 'checks' }, h('legend', {}, 'Reminders it receives'), boxes.map(([, el]) => el)),
    h('button', { type: 'submit', class: 'primary' }, 'Add the webhook'),
    status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(shown);
    const kinds = boxes.filter(([box]) => box.checked).map(([box]) => box.value);
    if (!kinds.length) {
      clear(status).append(message('error', 'Choose at least one kind of reminder for it to receive.'));
      boxes[0][0].focus();
      return;
    }
    let added = null;
    const ok = await submitting(form, status, 'Adding the webhook…', async () => {
      added = await request('/webhooks', { method: 'POST', action, body: { url: url.value.trim(), kinds } });
    });
    if (!ok) return;
    clear(status);
    url.value = '';
    shown.append(newSecretBox(added));
    reload();
  });
  return h('div', { class: 'add-webhook' }, form, shown);
}

// The signing secret, this once: gaplog will not show it again.
function newSecretBox(added) {
  const value = h('code', { id: 'new-webhook-secret', class: 'token-value' }, added.secret);
  return h('div', { class: 'message success new-token', role: 'status' },
    h('p', { id: 'new-webhook-facts' }, `Added ${added.id}: ${added.url}. Its signing secret:`),
    h('p', {}, value, ' ', copyButton(() => added.secret, value, { id: 'copy-webhook-secret', ariaLabel: 'Copy the signing secret' })),
    h('p', { class: 'warning', id: 'new-webhook-warning' }, h('strong', {}, 'Copy it now: it will not be shown again. '),
      'The receiver needs it to check that each request comes from gaplog (the webhook-signature header; see docs/reminders.md). ',
      'Keep it as you would a password.'));
}

function deliveriesSection(ctx, deliveries, state, names) {
  const filter = select([['', 'Any state'], ...DELIVERY_STATES], state, { name: 'state' });
  filter.addEventListener('change', () => ctx.navigate(ctx.link('/reminders', { state: filter.value, due: ctx.query.get('due') })));
  return h('section', { class: 'card wide', id: 'deliveries', 'aria-labelledby': 'deliveries-title' },
    h('h2', { id: 'deliveries-title' }, 'Delivery log'),
    h('form', { class: 'filters', 'aria-label': 'Filter deliveries', onsubmit: (e) => e.preventDefault() },
      field('State', filter)),
    sortableTable({
      id: 'deliveries-table',
      caption: `${deliveries.length === DELIVERY_LIMIT ? `The latest ${DELIVERY_LIMIT}` : deliveries.length} deliveries${state ? ` (${state})` : ''}, newest first`,
      rows: deliveries,
      empty: state ? `No ${state} deliveries.` : 'Nothing has been sent yet.',
      columns: [
        { key: 'kind', label: 'Reminder', cell: (d) => kindLabel(d.kind), sort: (d) => kindLabel(d.kind) },
        { key: 'recipient', label: 'To', cell: (d) => recipientLabel(d.recipient, names), sort: (d) => d.recipient },
        { key: 'subject', label: 'About', cell: (d) => subjectLink(ctx, d.subject), sort: (d) => d.subject ?? '' },
        { key: 'day', label: 'Day', cell: (d) => d.day, sort: (d) => d.day, className: 'nowrap' },
        { key: 'state', label: 'State', cell: (d) => deliveryState(d.state), sort: (d) => d.state },
        { key: 'attempts', label: 'Attempts', cell: (d) => String(d.attempts), sort: (d) => d.attempts, className: 'num' },
        { key: 'enqueued', label: 'Queued', cell: (d) => timestamp(d.enqueued_at), sort: (d) => d.enqueued_at },
        {
          key: 'next',
          label: 'Next try or done',
          cell: (d) => (d.finished_at ? `done ${timestamp(d.finished_at)}` : d.next_attempt_at ? timestamp(d.next_attempt_at) : '—'),
          sort: (d) => d.finished_at ?? d.next_attempt_at ?? '',
        },
        {
          key: 'error',
          label: 'Last error',
          cell: (d) => (d.last_error ? h('span', { class: d.state === 'failed' ? 'error-text' : 'muted' }, d.last_error) : '—'),
        },
      ],
    }));
}

function subjectLink(ctx, subject) {
  if (!subject) return 'the program';
  if (/^F-\d+$/.test(subject)) return h('a', { href: ctx.link(`/findings/${encodeURIComponent(subject)}`) }, subject);
  return subject;
}

// What the rules select for a day (today unless another is chosen): nothing is sent from here.
function dueSection(ctx, due, day, names) {
  const date = h('input', { type: 'date', name: 'due', value: day });
  const show = (e) => {
    e?.preventDefault();
    if (date.value) ctx.navigate(ctx.link('/reminders', { due: date.value === today() ? null : date.value, state: ctx.query.get('state') }));
  };
  const section = h('section', { class: 'card wide', id: 'due', 'aria-labelledby': 'due-title' },
    h('h2', { id: 'due-title' }, day === today() ? 'Due today' : `Due on ${day}`),
    h('p', { class: 'hint' }, 'What the rules select for the day, whether or not a channel is set up; this sends nothing. ',
      '“Assigned” reminders go out at once and are not part of a day’s pass.'),
    h('form', { class: 'filters', 'aria-label': 'Preview another day', onsubmit: show },
      field('Day', date), h('button', { type: 'submit' }, 'Preview')));
  if (due instanceof Error) {
    section.append(message('error', `Could not preview the reminders: ${describe(due)}`));
    return section;
  }
  section.append(sortableTable({
    id: 'due-table',
    caption: `${due.notifications.length} reminders for ${due.as_of}`,
    rows: due.notifications,
    empty: 'No reminders for that day.',
    columns: [
      { key: 'kind', label: 'Reminder', cell: (n) => kindLabel(n.kind), sort: (n) => kindLabel(n.kind) },
      { key: 'recipient', label: 'To', cell: (n) => recipientLabel(n.recipient, names), sort: (n) => n.recipient },
      { key: 'subject', label: 'About', cell: (n) => subjectLink(ctx, n.subject), sort: (n) => n.subject ?? '' },
    ],
  }));
  return section;
}
