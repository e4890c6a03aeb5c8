// One finding: its facts, the actions this user may take (SPEC §3/§4), its evidence (upload by
// drag and drop or file picker, download), the reminders gaplog sent about it (SPEC §11) and its
// history (every event, back-filled ones marked).
import { UserAction, get, getAll, request } from '../api.js';
import { clear, field, h, humanize, message, select } from '../dom.js';
import { downloadButton, uploadForm } from '../files.js';
import { act, flashMessage } from '../forms.js';
import { RISK_LEVELS, bytes, findingStatus, riskBand, statusPill, timestamp, today } from '../format.js';
import { asOfEvents, historySection } from '../history.js';
import { kindLabel, recipientLabel } from '../notifications.js';
import { can, statusActions } from '../roles.js';
import { tableWrap } from '../table.js';

export async function findingView(ctx) {
  const id = ctx.params[0];
  const finding = await get(`/findings/${encodeURIComponent(id)}`, ctx.time);
  const [history, evidence, users, reminders, assessment] = await Promise.all([
    get(`/findings/${encodeURIComponent(id)}/history`),
    Promise.all(finding.evidence.map((e) => get(`/evidence/${encodeURIComponent(e)}`, ctx.time))),
    getAll('/users'),
    // the page still shows (and says why) when only the reminders cannot be read
    get('/notifications', { subject: id }).then((r) => r.notifications, (err) => err),
    // the origins an editor may pick (SPEC §13): the assessment's documents, interviews and tests
    !ctx.past && can.rateFinding(ctx.me) ? get('/assessment').catch(() => null) : Promise.resolve(null),
  ]);
  const evidenceEvents = await Promise.all(
    finding.evidence.map((e) => get('/events', { stream: `evidence/${e}`, limit: 1000 }).then((r) => r.events)),
  );
  const names = new Map(users.map((u) => [u.email, u.name]));

  return h('div', { class: 'finding' },
    h('p', {}, h('a', { href: ctx.link('/findings') }, '← Findings')),
    h('h1', {}, h('span', { class: 'finding-id' }, `${finding.id}: `), h('span', { class: 'finding-title', id: 'finding-title' }, finding.title)),
    flashMessage(),
    h('p', { class: 'pills' },
      h('span', { class: `pill sev-${finding.severity}` }, `${finding.severity} severity`),
      statusPill(finding, { id: 'finding-status' }),
      finding.overdue ? h('span', { class: 'pill overdue' }, 'overdue') : null),
    facts(ctx, finding, names),
    ctx.past ? message('info', 'You are looking at a past day: actions are hidden. Go back to today to act on this finding.') : actions(ctx, finding, users, assessment),
    evidenceSection(ctx, finding, evidence),
    remindersSection(ctx, reminders, names),
    historySection(asOfEvents(ctx, [...history.events, ...evidenceEvents.flat()]), names, { omit: ['finding_id'] }));
}

function facts(ctx, f, names) {
  const person = (email) => (email ? `${names.get(email) ?? email} (${email})` : 'unassigned');
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
  return h('section', { class: 'card wide', 'aria-labelledby': 'facts-title' },
    h('h2', { id: 'facts-title', class: 'visually-hidden' }, 'Details'),
    h('dl', { class: 'facts' },
      row('Owner', h('span', { id: 'finding-owner' }, person(f.owner))),
      row('Due date', h('span', { id: 'finding-due' }, f.due_date ?? 'none')),
      row('Criteria', f.criteria.map((c, i) => [i ? ', ' : '', h('a', { href: ctx.link(`/criteria/${encodeURIComponent(c)}`) }, c)])),
      row('Control', f.control ? h('a', { href: ctx.link(`/controls/${encodeURIComponent(f.control)}`) }, f.control) : 'none'),
      row('Source', humanize(f.source)),
      row('Origin', h('span', { id: 'finding-origin' }, f.origin
        ? h('a', { href: `${ctx.link('/assessment')}#${encodeURIComponent(f.origin)}` }, f.origin)
        : 'none')),
      row('Risk', h('span', { id: 'finding-risk' }, f.risk_score
        ? [h('span', { class: `risk risk-${riskBand(f.risk_score)}` }, String(f.risk_score)), ` (likelihood ${f.likelihood} × impact ${f.impact})`]
        : 'not rated')),
      row('Recorded on', f.recorded_on),
      riskAcceptance(f, row, person),
      row('Description', h('span', { class: 'prewrap' }, f.description || '—'))));
}

// An expired acceptance is a gap again (SPEC §3): it says so, and never reads as approved.
function riskAcceptance(f, row, person) {
  const a = f.risk_acceptance;
  if (!a) return null;
  if (findingStatus(f).key === 'acceptance_expired') {
    return row('Risk acceptance', h('span', { id: 'risk-acceptance' },
      h('strong', {}, `Expired: it ran until ${a.expires_on}`), ` (granted by ${person(a.approved_by)}: ${a.justification}). `,
      'The finding counts as a gap again.'));
  }
  return row('Risk accepted', h('span', { id: 'risk-acceptance' }, `by ${person(a.approved_by)} until ${a.expires_on}: ${a.justification}`));
}

const ifMatch = (f) => ({ 'If-Match': `"${f.version}"` });

function actions(ctx, f, users, assessment) {
  const me = ctx.me;
  const path = `/findings/${encodeURIComponent(f.id)}`;
  const sections = [];

  const transitions = statusActions(f);
  if (transitions.length) {
    const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 10000 });
    const status = h('div', { class: 'form-status' });
    const action = new UserAction(); // one Idempotency-Key per submission, kept for its retries
    const form = h('form', { class: 'card action', id: 'status-form', 'aria-labelledby': 'status-title' },
      h('h3', { id: 'status-title' }, 'Change status'),
      field('Reason', reason, transitions.some((t) => t.reason) ? 'Required to reopen, revoke or send back.' : 'Optional.'),
      h('div', { class: 'buttons' }, transitions.map((t) => {
        const b = h('button', { type: 'button', class: t.to === 'closed' ? 'primary' : '', 'data-to': t.to }, t.label);
        b.addEventListener('click', (e) => {
          if (t.reason && !reason.value.trim()) {
            clear(status).append(message('error', `“${t.label}” needs a reason: write it in the Reason box.`));
            reason.focus();
            return;
          }
          act(ctx, form, status, 'Saving the status…', `Status changed to ${humanize(t.to)}.`, () =>
            request(`${path}/status`, { method: 'POST', action, body: { status: t.to, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) }, headers: ifMatch(f) }))(e);
        });
        return b;
      })),
      status);
    form.addEventListener('submit', (e) => e.preventDefault());
    sections.push(form);
  }

  if (can.riskAccept(me, f)) {
    const justification = h('textarea', { name: 'justification', rows: 2, required: true, maxlength: 10000 });
    const expires = h('input', { type: 'date', name: 'expires_on', required: true, min: today() });
    const status = h('div', { class: 'form-status' });
    const action = new UserAction();
    const form = h('form', { class: 'card action', id: 'risk-form', 'aria-labelledby': 'risk-title' },
      h('h3', { id: 'risk-title' }, 'Accept the risk'),
      field('Justification', justification), field('Expires on', expires, 'At most 365 days from today.'),
      h('button', { type: 'submit' }, 'Accept the risk'), status);
    form.addEventListener('submit', act(ctx, form, status, 'Recording the risk acceptance…', 'Risk accepted.', () =>
      request(`${path}/risk-acceptance`, { method: 'POST', action, body: { justification: justification.value, expires_on: expires.value }, headers: ifMatch(f) })));
    sections.push(form);
  }

  if (can.assign(me, f)) {
    const owner = select([['', 'Unassigned'], ...users.filter((u) => u.active && u.role !== 'auditor').map((u) => [u.email, `${u.name} (${u.email})`])], f.owner ?? '', { name: 'owner' });
    const status = h('div', { class: 'form-status' });
    const action = new UserAction();
    const form = h('form', { class: 'card action', id: 'assign-form', 'aria-labelledby': 'assign-title' },
      h('h3', { id: 'assign-title' }, 'Assign'), field('Owner', owner), h('button', { type: 'submit' }, 'Assign'), status);
    form.addEventListener('submit', act(ctx, form, status, 'Assigning…', 'Owner changed.', () =>
      request(`${path}/assign`, { method: 'POST', action, body: { owner: owner.value || null }, headers: ifMatch(f) })));
    sections.push(form);
  }

  if (can.setDueDate(me, f)) {
    const due = h('input', { type: 'date', name: 'due_date', value: f.due_date ?? '' });
    const reason = h('input', { type: 'text', name: 'reason', maxlength: 10000 });
    const status = h('div', { class: 'form-status' });
    const action = new UserAction();
    const form = h('form', { class: 'card action', id: 'due-form', 'aria-labelledby': 'due-title' },
      h('h3', { id: 'due-title' }, 'Due date'), field('Due date', due, 'Leave empty to clear it.'), field('Reason (optional)', reason),
      h('button', { type: 'submit' }, 'Set the due date'), status);
    form.addEventListener('submit', act(ctx, form, status, 'Saving the due date…', 'Due date saved.', () =>
      request(`${path}/due-date`, { method: 'POST', action, body: { due_date: due.value || null, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) }, headers: ifMatch(f) })));
    sections.push(form);
  }

  if (can.rateFinding(me)) sections.push(riskForm(ctx, f, path, assessment));

  if (can.comment(me)) {
    const text = h('textarea', { name: 'text', rows: 3, required: true, maxlength: 10000 });
    const status = h('div', { class: 'form-status' });
    const action = new UserAction();
    const form = h('form', { class: 'card action', id: 'comment-form', 'aria-labelledby': 'comment-title' },
      h('h3', { id: 'comment-title' }, 'Comment'), field('Your comment', text), h('button', { type: 'submit' }, 'Add the comment'), status);
    form.addEventListener('submit', act(ctx, form, status, 'Adding the comment…', 'Comment added.', () =>
      request(`${path}/comments`, { method: 'POST', action, body: { text: text.value } })));
    sections.push(form);
  }

  if (!sections.length) {
    return h('section', { class: 'card wide', id: 'no-actions' }, h('h2', {}, 'Actions'),
      h('p', {}, me.role === 'auditor' ? 'Auditors have read-only access.' : 'Nothing you can change on this finding (you do not own it).'));
  }
  return h('section', { class: 'actions', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, 'Actions'), h('div', { class: 'action-grid' }, sections));
}

const ORIGIN_KINDS = { document_review: 'document review', interview: 'interview', control_evaluation: 'control test' };

// Likelihood, impact (both or neither) and origin (SPEC §13): PATCH /findings/{id}.
function riskForm(ctx, f, path, assessment) {
  const levels = [['', 'none'], ...RISK_LEVELS.map((n) => [String(n), String(n)])];
  const likelihood = select(levels, f.likelihood ? String(f.likelihood) : '', { name: 'likelihood', id: 'finding-likelihood' });
  const impact = select(levels, f.impact ? String(f.impact) : '', { name: 'impact', id: 'finding-impact' });
  // A finding's source never changes, so its origin is of the same kind (docs/assessment.md):
  // a document for a document review, an interview, a control test; none for `other`.
  const origins = [['', 'none']];
  if (assessment && f.source === 'document_review') {
    for (const d of assessment.documents) origins.push([d.id, `${d.id} · ${d.title}`]);
  } else if (assessment && f.source === 'interview') {
    for (const i of assessment.interviews) origins.push([i.id, `${i.id} · ${i.stakeholder}, ${i.held_on}`]);
  } else if (assessment && f.source === 'control_evaluation') {
    for (const t of assessment.tests) origins.push([t.ref, `${t.ref} · ${t.kind} test, ${t.tested_on}: ${t.result}`]);
  }
  if (f.origin && !origins.some(([v]) => v === f.origin)) origins.push([f.origin, f.origin]);
  const origin = select(origins, f.origin ?? '', { name: 'origin', id: 'finding-origin-select', disabled: origins.length === 1 });
  const originHint = origins.length > 1
    ? `The ${ORIGIN_KINDS[f.source]} that found it.`
    : f.source === 'other' ? 'A finding from another source has no origin.' : `No ${ORIGIN_KINDS[f.source] ?? 'origin'} recorded yet.`;
  const status = h('div', { class: 'form-status' });
  const action = new UserAction();
  const form = h('form', { class: 'card action', id: 'risk-rating-form', 'aria-labelledby': 'risk-rating-title' },
    h('h3', { id: 'risk-rating-title' }, 'Risk and origin'),
    h('div', { class: 'row' }, field('Likelihood', likelihood), field('Impact', impact)),
    h('small', { class: 'hint' }, '1 (rare, minor) to 5 (almost certain, severe); both or neither.'),
    field('Origin', origin, originHint),
    h('button', { type: 'submit' }, 'Save risk and origin'), status);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (Boolean(likelihood.value) !== Boolean(impact.value)) {
      clear(status).append(message('error', 'Give both a likelihood and an impact, or neither.'));
      (likelihood.value ? impact : likelihood).focus();
      return;
    }
    const body = {
      likelihood: likelihood.value ? Number(likelihood.value) : null,
      impact: impact.value ? Number(impact.value) : null,
      ...(origin.disabled ? {} : { origin: origin.value || null }),
    };
    act(ctx, form, status, 'Saving the risk and origin…',
      () => (body.likelihood ? `Risk set to ${body.likelihood * body.impact} (likelihood ${body.likelihood} × impact ${body.impact}).` : 'Risk and origin saved.'),
      () => request(path, { method: 'PATCH', action, body, headers: ifMatch(f) }))(e);
  });
  return form;
}

function evidenceSection(ctx, f, evidence) {
  const section = h('section', { class: 'card wide', 'aria-labelledby': 'evidence-title' },
    h('h2', { id: 'evidence-title' }, 'Evidence'));
  const status = h('div', { class: 'form-status', id: 'download-status' });
  if (!evidence.length) section.append(h('p', { id: 'no-evidence' }, 'No evidence is linked to this finding.'));
  else {
    section.append(h('ul', { class: 'evidence-list', id: 'evidence-list' }, evidence.map((e) => {
      const button = downloadButton(e, status);
      return h('li', { 'data-evidence': e.id },
        h('span', { class: 'evidence-name' }, `${e.id} · ${e.filename}`),
        h('span', { class: 'muted' }, ` ${bytes(e.size)} · ${e.media_type} · uploaded by ${e.uploaded_by} on ${timestamp(e.uploaded_at)}`,
          e.collected_on ? ` · collected ${e.collected_on}` : '', (e.expires_on ?? e.valid_until) ? ` · valid until ${e.expires_on ?? e.valid_until}` : '',
          e.current ? '' : ' · not current'),
        ' ', button);
    })));
  }
  section.append(status);
  if (!ctx.past && can.uploadEvidence(ctx.me, f)) {
    section.append(uploadForm(ctx, { title: 'Upload evidence for this finding', target: () => ({ finding: f.id }) }));
  }
  return section;
}

// The reminders gaplog delivered about this finding (notification_sent events, newest first).
// Looking at a past day, only those for days up to it, and sent by the as-known-at moment.
function remindersSection(ctx, reminders, names) {
  const section = h('section', { class: 'card wide', id: 'reminders', 'aria-labelledby': 'reminders-title' },
    h('h2', { id: 'reminders-title' }, 'Reminders'));
  if (reminders instanceof Error) {
    section.append(message('error', `Could not list the reminders: ${reminders.describe ? reminders.describe() : reminders.message}`));
    return section;
  }
  const known = ctx.knownAt ? Date.parse(ctx.knownAt) : Infinity;
  const shown = reminders.filter((n) => (!ctx.asOf || n.day <= ctx.asOf) && Date.parse(n.sent_at) <= known);
  if (!shown.length) {
    section.append(h('p', { id: 'no-reminders' }, ctx.past ? 'No reminders sent by that day.' : 'No reminders sent yet.'));
    return section;
  }
  section.append(tableWrap(h('table', { id: 'reminders-table' },
    h('caption', { class: 'visually-hidden' }, 'Reminders sent about this finding, newest first'),
    h('thead', {}, h('tr', {}, ['Reminder', 'To', 'For the day', 'Sent'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, shown.map((n) => h('tr', { 'data-seq': n.seq },
      h('td', { class: 'reminder-kind' }, kindLabel(n.kind)),
      h('td', {}, recipientLabel(n.recipient, names)),
      h('td', { class: 'nowrap' }, n.day),
      h('td', {}, h('time', { datetime: n.sent_at }, timestamp(n.sent_at)))))))));
  return section;
}
