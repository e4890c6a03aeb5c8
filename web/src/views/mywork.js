// My work (/my-work, SPEC §12): what is yours to do, as of the chosen day. The landing page of a
// contributor who owns something (main.js), and in everyone's navigation but auditors'.
// Composed from the public API only: GET /findings?owner=<me>, GET /controls?owner=<me> and
// GET /notifications?recipient=<me>.
// - your unresolved findings: overdue first, then due within 14 days, then in progress, then the
//   rest (not started, and those waiting for a reviewer to verify them), each with the status
//   changes the server allows you (to in progress, to remediated) as buttons;
// - your controls whose evidence is due: expiring within 30 days, lapsed or missing;
// - the reminders gaplog sent you.
import { UserAction, get, getAll, request } from '../api.js';
import { append, h, humanize, message } from '../dom.js';
import { act, describe, flashMessage } from '../forms.js';
import {
  addDays, cadenceLabel, compareIds, controlStatusPill, evidenceStatusPill, evidenceStatusRank, severityRank, statusPill,
  timestamp, today,
} from '../format.js';
import { kindLabel } from '../notifications.js';
import { can, statusActions } from '../roles.js';
import { sortableTable } from '../table.js';

const DUE_SOON_DAYS = 14; // SPEC §5.2
const REMINDERS_SHOWN = 20; // the latest (a finding's page lists all those about it)
// Evidence statuses that need the owner (the API's evidence_status of a control).
const EVIDENCE_DUE = ['missing', 'lapsed', 'expiring'];
// The status changes offered right here: the owner's own steps (SPEC §3). The rest (closing,
// sending back, reopening) stay on the finding's page.
const OWNER_STEPS = ['in_progress', 'remediated'];

// Whether `me` owns unresolved findings or controls now (for the landing page).
export async function ownsWork(me) {
  const [findings, controls] = await Promise.all([
    get('/findings', { owner: me.email, status: 'open,in_progress,remediated', limit: 1 }),
    get('/controls', { owner: me.email, limit: 1 }),
  ]);
  return findings.items.length > 0 || controls.items.length > 0;
}

export async function myWorkView(ctx) {
  if (!can.ownWork(ctx.me)) {
    return h('div', {},
      h('h1', {}, 'My work'),
      h('p', { id: 'nothing-to-own' }, 'Auditors own no findings or controls: everything is yours to read. Start from the ',
        h('a', { href: ctx.link('/') }, 'overview'), ' or the ', h('a', { href: ctx.link('/audit') }, 'audit trail'), '.'));
  }
  const email = ctx.me.email;
  const [findings, controls, reminders] = await Promise.all([
    getAll('/findings', { owner: email, status: 'open,in_progress,remediated,risk_accepted', ...ctx.time }),
    getAll('/controls', { owner: email, ...ctx.time }),
    // the page still shows (and says why) when only the reminders cannot be read
    get('/notifications', { recipient: email, limit: REMINDERS_SHOWN }).then((r) => r.notifications, (err) => err),
  ]);
  const day = ctx.asOf || today();
  const mine = findings.filter((f) => f.unresolved !== false);
  const groups = groupFindings(mine, day);
  // worst first, then in the API's order (natural order of the ids): the sort is stable
  const due = controls.filter((c) => EVIDENCE_DUE.includes(c.evidence_status))
    .sort((a, b) => evidenceStatusRank(a.evidence_status) - evidenceStatusRank(b.evidence_status));
  const fine = controls.filter((c) => !EVIDENCE_DUE.includes(c.evidence_status));

  return h('div', { class: 'my-work' },
    h('h1', {}, 'My work'),
    h('p', { class: 'subtitle', id: 'my-work-summary' },
      `As of ${day}: ${count(mine.length, 'unresolved finding')} and ${count(controls.length, 'control')} are yours`,
      groups.overdue.length ? `; ${groups.overdue.length} overdue` : '', '.'),
    flashMessage(),
    findingsSection(ctx, groups),
    controlsSection(ctx, due, fine),
    remindersSection(ctx, reminders));
}

const count = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// Each unresolved finding in the first group it belongs to.
function groupFindings(findings, day) {
  const soon = addDays(day, DUE_SOON_DAYS);
  const byDue = (a, b) => (a.due_date ?? '9999').localeCompare(b.due_date ?? '9999')
    || severityRank(a.severity) - severityRank(b.severity) || compareIds(a.id, b.id);
  const groups = { overdue: [], dueSoon: [], inProgress: [], notStarted: [], waiting: [] };
  for (const f of [...findings].sort(byDue)) {
    if (f.overdue) groups.overdue.push(f);
    else if (f.status === 'remediated') groups.waiting.push(f);
    else if (f.due_date && f.due_date >= day && f.due_date <= soon) groups.dueSoon.push(f);
    else if (f.status === 'in_progress') groups.inProgress.push(f);
    else groups.notStarted.push(f);
  }
  return groups;
}

function findingsSection(ctx, groups) {
  const section = h('section', { class: 'card wide', id: 'my-findings', 'aria-labelledby': 'my-findings-title' },
    h('h2', { id: 'my-findings-title' }, 'Your findings'));
  const parts = [
    ['overdue', 'Overdue', groups.overdue],
    ['due-soon', `Due within ${DUE_SOON_DAYS} days`, groups.dueSoon],
    ['in-progress', 'In progress', groups.inProgress],
    ['not-started', 'Not started', groups.notStarted],
    ['waiting', 'Waiting for verification', groups.waiting],
  ].filter(([, , items]) => items.length);
  if (!parts.length) {
    section.append(h('p', { id: 'no-findings' }, 'No unresolved finding is yours. ',
      h('a', { href: ctx.link('/findings') }, 'See all findings'), '.'));
    return section;
  }
  const status = h('div', { class: 'form-status', id: 'my-findings-status' });
  section.append(status);
  for (const [key, label, items] of parts) {
    section.append(h('div', { class: 'work-group', id: `group-${key}`, 'data-group': key },
      h('h3', { id: `group-${key}-title` }, label, h('span', { class: 'muted' }, ` · ${items.length}`)),
      h('ul', { class: 'work-list', 'aria-labelledby': `group-${key}-title` }, items.map((f) => findingItem(ctx, f, status)))));
  }
  if (groups.waiting.length) {
    section.append(h('p', { class: 'hint' }, 'Findings waiting for verification are with the reviewers: an editor or admin other than you closes them.'));
  }
  return section;
}

function findingItem(ctx, f, status) {
  const steps = ctx.past ? [] : statusActions(f).filter((t) => OWNER_STEPS.includes(t.to) && !t.reason);
  const li = h('li', { 'data-finding': f.id },
    h('div', { class: 'work-head' },
      h('a', { href: ctx.link(`/findings/${encodeURIComponent(f.id)}`), class: 'nowrap' }, f.id), ' ',
      h('span', { class: 'finding-title' }, f.title)),
    h('div', { class: 'meta' },
      h('span', { class: `pill sev-${f.severity}` }, f.severity),
      statusPill(f),
      f.overdue ? h('span', { class: 'pill overdue' }, 'overdue') : null,
      h('span', { class: 'muted' }, f.due_date ? `due ${f.due_date}` : 'no due date')));
  if (steps.length) {
    const action = new UserAction();
    const form = h('form', { class: 'buttons work-actions', 'aria-label': `Status of ${f.id}` }, steps.map((t) =>
      h('button', {
        type: 'button',
        'data-to': t.to,
        // the button's words, and for a screen reader which finding it acts on
        'aria-label': `${t.label}: ${f.id}`,
        onclick: (e) => act(ctx, form, status, `Saving ${f.id}…`, `${f.id} is now ${humanize(t.to)}.`, () =>
          request(`/findings/${encodeURIComponent(f.id)}/status`, {
            method: 'POST', action, body: { status: t.to }, headers: { 'If-Match': `"${f.version}"` },
          }))(e),
      }, t.label)));
    form.addEventListener('submit', (e) => e.preventDefault());
    li.append(form);
  }
  return li;
}

function controlsSection(ctx, due, fine) {
  const section = h('section', { class: 'card wide', id: 'my-controls', 'aria-labelledby': 'my-controls-title' },
    h('h2', { id: 'my-controls-title' }, 'Your controls whose evidence is due'));
  if (!due.length) {
    section.append(h('p', { id: 'no-controls-due' }, fine.length
      ? 'Every control of yours has current evidence.'
      : 'No control is yours.'));
  } else {
    section.append(h('ul', { class: 'work-list', id: 'controls-due' }, due.map((c) =>
      h('li', { 'data-control': c.id },
        h('div', { class: 'work-head' },
          h('a', { href: ctx.link(`/controls/${encodeURIComponent(c.id)}`), class: 'nowrap' }, c.id), ' ', c.title),
        h('div', { class: 'meta' },
          evidenceStatusPill(c.evidence_status),
          controlStatusPill(c),
          h('span', { class: 'muted' },
            c.evidence_valid_until ? `current evidence valid until ${c.evidence_valid_until}` : '',
            c.evidence_valid_until ? ' · ' : '',
            `new evidence ${cadenceLabel(c.evidence_every)}`)),
        ctx.past ? null : h('p', { class: 'work-actions' },
          h('a', { href: ctx.link(`/controls/${encodeURIComponent(c.id)}`) }, `Upload evidence for ${c.id}`))))));
  }
  if (fine.length) {
    section.append(h('p', { id: 'controls-fine' }, `Current: `, fine.map((c, i) => [i ? ', ' : '',
      h('a', { href: ctx.link(`/controls/${encodeURIComponent(c.id)}`) }, c.id)])));
  }
  return section;
}

// What gaplog sent you (SPEC §11), newest first; looking at a past day, those for days up to it
// and, with "as known at", sent by that moment.
function remindersSection(ctx, reminders) {
  const section = h('section', { class: 'card wide', id: 'my-reminders', 'aria-labelledby': 'my-reminders-title' },
    h('h2', { id: 'my-reminders-title' }, 'Reminders sent to you'));
  if (reminders instanceof Error) {
    section.append(message('error', `Could not list your reminders: ${describe(reminders)}`));
    return section;
  }
  const known = ctx.knownAt ? Date.parse(ctx.knownAt) : Infinity;
  const shown = reminders.filter((n) => (!ctx.asOf || n.day <= ctx.asOf) && Date.parse(n.sent_at) <= known);
  if (!shown.length) {
    section.append(h('p', { id: 'no-my-reminders' }, ctx.past ? 'None sent by that day.' : 'None yet.'));
    return section;
  }
  append(section, [sortableTable({
    id: 'my-reminders-table',
    caption: 'Reminders sent to you, newest first',
    captionClass: 'visually-hidden',
    className: 'stack-on-phone',
    columns: [
      { key: 'kind', label: 'Reminder', className: 'reminder-kind', cell: (n) => kindLabel(n.kind), sort: (n) => n.kind },
      { key: 'subject', label: 'About', className: 'labelled', cell: (n) => subjectLink(ctx, n.subject), sort: (n) => n.subject },
      { key: 'day', label: 'For the day', className: 'labelled nowrap', cell: (n) => n.day, sort: (n) => n.day },
      { key: 'sent', label: 'Sent', className: 'labelled', cell: (n) => h('time', { datetime: n.sent_at }, timestamp(n.sent_at)), sort: (n) => n.sent_at },
    ],
    rows: shown,
  }),
  reminders.length >= REMINDERS_SHOWN ? h('p', { class: 'hint' }, `The latest ${REMINDERS_SHOWN}.`) : null]);
  return section;
}

// A reminder's subject: a finding, a piece of evidence or a control; none for a digest.
function subjectLink(ctx, subject) {
  if (!subject) return '—';
  if (/^F-\d+$/.test(subject)) return h('a', { href: ctx.link(`/findings/${encodeURIComponent(subject)}`) }, subject);
  // the library lists every piece of evidence (it has no page of its own)
  if (/^E-\d+$/.test(subject)) return [subject, ' (', h('a', { href: ctx.link('/evidence') }, 'evidence library'), ')'];
  return h('a', { href: ctx.link(`/controls/${encodeURIComponent(subject)}`) }, subject);
}
