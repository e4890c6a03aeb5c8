// Controls (SPEC §12): the list (owner, status, criteria, latest test, current evidence and its
// expiry; filters by owner, status and evidence status, which go to the API and into the URL)
// and a page per control: its facts, the actions this user may take, its evidence with each
// file's validity for this control, its tests, the findings against it and its history.
// Who may do what (SPEC §4, §12): editors and admins everything; the contributor who owns the
// control uploads, links and unlinks evidence; auditors read. Sorting is done in the page.
import { UserAction, get, getAll, request } from '../api.js';
import { append, field, h, humanize, message, select } from '../dom.js';
import { downloadButton, uploadForm } from '../files.js';
import { checkGroup, joined, listParam, values } from '../filters.js';
import { act, flashMessage } from '../forms.js';
import {
  CADENCES, CONTROL_STATUSES, EVIDENCE_STATUSES, TEST_KINDS, TEST_RESULTS, cadenceLabel, compareIds, controlStatusPill,
  controlStatusRank, evidenceStatusLabel, evidenceStatusPill, evidenceStatusRank, severityRank, statusPill, testResultPill,
  timestamp, today,
} from '../format.js';
import { asOfEvents, historySection } from '../history.js';
import { can } from '../roles.js';
import { sortableTable } from '../table.js';

const person = (names, email) => (email ? `${names.get(email) ?? email}` : 'no owner');
const controlLink = (ctx, id) => h('a', { href: ctx.link(`/controls/${encodeURIComponent(id)}`) }, id);
const criterionLinks = (ctx, criteria) => criteria.map((c, i) => [i ? ', ' : '',
  h('a', { href: ctx.link(`/criteria/${encodeURIComponent(c)}`) }, c)]);

export async function controlsView(ctx) {
  const ownerChosen = ctx.query.get('owner') ?? '';
  const statusChosen = listParam(ctx.query, 'status');
  const evidenceChosen = listParam(ctx.query, 'evidence_status');
  const [controls, users] = await Promise.all([
    getAll('/controls', {
      owner: ownerChosen, status: statusChosen.join(','), evidence_status: evidenceChosen.join(','), ...ctx.time,
    }),
    getAll('/users'),
  ]);
  const names = new Map(users.map((u) => [u.email, u.name]));

  const apply = (focusId) => ctx.navigate(ctx.link('/controls', {
    owner: owner.value, status: joined(status), evidence_status: joined(evidence),
  }), { focusId });
  const onChange = (box) => apply(box.id);
  const owner = select([['', 'Anyone'], ['none', 'No owner'],
    ...users.filter((u) => u.role !== 'auditor').map((u) => [u.email, `${u.name} (${u.email})`])], ownerChosen,
  { name: 'owner', id: 'filter-control-owner' });
  owner.addEventListener('change', () => apply(owner.id));
  const status = checkGroup({ legend: 'Status', name: 'status', options: CONTROL_STATUSES.map((s) => [s, humanize(s)]), selected: statusChosen, onChange });
  const evidence = checkGroup({
    legend: 'Evidence',
    name: 'evidence_status',
    options: EVIDENCE_STATUSES.map((s) => [s, evidenceStatusLabel[s]]),
    selected: evidenceChosen,
    onChange,
  });
  const active = Boolean(ownerChosen || statusChosen.length || evidenceChosen.length);
  const needing = controls.filter((c) => c.evidence_status === 'lapsed' || c.evidence_status === 'missing').length;

  return h('div', {},
    h('h1', {}, 'Controls'),
    h('p', { class: 'subtitle' }, 'What the company does to meet the criteria, who looks after each, how it was last tested, ',
      'and whether its evidence is current.'),
    h('form', { class: 'filters', 'aria-label': 'Filter controls', onsubmit: (e) => { e.preventDefault(); apply(); } },
      h('div', { class: 'filter-column' }, field('Owner', owner),
        active ? h('a', { href: ctx.link('/controls', { owner: null, status: null, evidence_status: null }), class: 'clear-filters' }, 'Clear filters') : null),
      status, evidence,
      h('p', { class: 'filter-shortcut' }, h('a', { href: ctx.link('/controls', { owner: null, status: null, evidence_status: 'lapsed,missing' }), id: 'lapsed-shortcut' },
        'Controls with lapsed or no evidence'))),
    h('p', { role: 'status', id: 'controls-count' }, `${controls.length} control${controls.length === 1 ? '' : 's'}`,
      active ? ' match the filters' : '', needing ? `; ${needing} with lapsed or no evidence` : ''),
    sortableTable({
      id: 'controls-table',
      className: 'stack-on-phone',
      columns: [
        { key: 'id', label: 'ID', className: 'nowrap', cell: (c) => controlLink(ctx, c.id), sort: (c) => c.id },
        { key: 'title', label: 'Title', className: 'title', cell: (c) => c.title, sort: (c) => c.title.toLowerCase() },
        { key: 'owner', label: 'Owner', className: 'labelled', cell: (c) => person(names, c.owner), sort: (c) => c.owner },
        {
          key: 'status',
          label: 'Status',
          className: 'labelled',
          cell: (c) => [controlStatusPill(c), notCounted(c) ? h('span', { class: 'pill test-failed' }, 'not counted: latest test failed') : null],
          sort: (c) => controlStatusRank(c.status),
        },
        { key: 'criteria', label: 'Criteria', className: 'labelled', cell: (c) => criterionLinks(ctx, c.criteria), sort: (c) => c.criteria[0] },
        { key: 'test', label: 'Latest test', className: 'labelled', cell: (c) => latestTest(c.latest_test), sort: (c) => c.latest_test?.tested_on },
        {
          key: 'evidence',
          label: 'Evidence',
          className: 'labelled',
          cell: (c) => [evidenceStatusPill(c.evidence_status),
            c.current_evidence?.length ? h('span', { class: 'muted' }, ` ${c.current_evidence.join(', ')}`) : null],
          sort: (c) => evidenceStatusRank(c.evidence_status),
        },
        { key: 'valid', label: 'Valid until', className: 'labelled nowrap', cell: (c) => validUntil(c), sort: (c) => c.evidence_valid_until },
      ],
      rows: controls, // the API's order: natural order of the ids
      empty: active ? 'No control matches the filters.' : 'No controls yet.',
    }));
}

// An implemented control whose latest test failed does not count (SPEC §12).
const notCounted = (c) => c.status === 'implemented' && c.counts_as_implemented === false;

function latestTest(t) {
  if (!t) return h('span', { class: 'muted' }, 'never tested');
  return [testResultPill(t.result), ` ${humanize(t.kind)}, ${t.tested_on}`];
}

function validUntil(c) {
  if (c.evidence_valid_until) return c.evidence_valid_until;
  return c.current_evidence?.length ? 'no end date' : '—';
}

// One control. Its history is its own stream's events and, for the evidence linked to it, each
// file's upload and its links and unlinks to this control, in log order.
export async function controlView(ctx) {
  const id = ctx.params[0];
  const path = `/controls/${encodeURIComponent(id)}`;
  const control = await get(path, ctx.time);
  const mayEdit = !ctx.past && can.editControl(ctx.me);
  const mayEvidence = !ctx.past && can.controlEvidence(ctx.me, control);
  const [tests, history, evidenceEvents, evidence, findings, users, library] = await Promise.all([
    get(`${path}/tests`, ctx.time).then((r) => r.items),
    get(`${path}/history`).then((r) => r.events),
    // what happened to its evidence here: each file's upload, and its links to this control
    Promise.all((control.evidence ?? []).map((e) => get('/events', { stream: `evidence/${e}`, limit: 1000 })
      .then((r) => r.events.filter((ev) => ev.type === 'evidence_uploaded' || ev.data?.control === id)))),
    Promise.all((control.evidence ?? []).map((e) => get(`/evidence/${encodeURIComponent(e)}`, ctx.time))),
    Promise.all((control.findings ?? []).map((f) => get(`/findings/${encodeURIComponent(f)}`, ctx.time))),
    getAll('/users'),
    // the evidence that could be linked here, for those who may link it
    mayEvidence ? getAll('/evidence') : Promise.resolve([]),
  ]);
  const names = new Map(users.map((u) => [u.email, u.name]));
  return h('div', { class: 'control' },
    h('p', {}, h('a', { href: ctx.link('/controls') }, '← Controls')),
    h('h1', {}, h('span', { class: 'control-id' }, `${control.id}: `), h('span', { id: 'control-title' }, control.title)),
    flashMessage(),
    h('p', { class: 'pills' },
      controlStatusPill(control, { id: 'control-status' }),
      evidenceStatusPill(control.evidence_status, { id: 'control-evidence-status' }),
      notCounted(control) ? h('span', { class: 'pill test-failed' }, 'not counted as implemented: its latest test failed') : null),
    facts(ctx, control, names),
    ctx.past ? message('info', 'You are looking at a past day: actions are hidden. Go back to today to act on this control.') : null,
    mayEdit ? editorActions(ctx, control, users, path) : null,
    !ctx.past && !mayEdit && !mayEvidence
      ? h('p', { id: 'no-actions', class: 'hint' }, ctx.me.role === 'auditor'
        ? 'Auditors have read-only access.'
        : 'Editors, admins and the control’s owner look after this control; you can read it.')
      : null,
    evidenceSection(ctx, control, evidence, library, mayEvidence),
    testsSection(tests, names),
    findingsSection(ctx, findings),
    historySection(asOfEvents(ctx, [...history, ...evidenceEvents.flat()]), names, { omit: ['control_id'] }));
}

function facts(ctx, c, names) {
  const row = (label, value, id) => [h('dt', {}, label), h('dd', { id }, value)];
  return h('section', { class: 'card wide', 'aria-labelledby': 'control-facts-title' },
    h('h2', { id: 'control-facts-title', class: 'visually-hidden' }, 'Details'),
    h('dl', { class: 'facts' },
      row('Owner', c.owner ? `${person(names, c.owner)} (${c.owner})` : 'no owner', 'control-owner'),
      row('Evidence', `${cadenceLabel(c.evidence_every)}`, 'control-cadence'),
      row('Current evidence', c.current_evidence?.length
        ? [c.current_evidence.join(', '), c.evidence_valid_until ? `, valid until ${c.evidence_valid_until}` : ', with no end date']
        : 'none', 'control-current-evidence'),
      row('Latest test', latestTest(c.latest_test), 'control-latest-test'),
      row('Criteria', criterionLinks(ctx, c.criteria)),
      row('Description', h('span', { class: 'prewrap' }, c.description || '—'))));
}

// Status, owner and cadence, and a test: editors and admins.
function editorActions(ctx, c, users, path) {
  const ifMatch = { 'If-Match': `"${c.version}"` };
  const forms = [];

  {
    const statusSelect = select(CONTROL_STATUSES.map((s) => [s, humanize(s)]), c.status, { name: 'status', id: 'control-status-select' });
    const reason = h('input', { type: 'text', name: 'reason', maxlength: 10000 });
    const status = h('div', { class: 'form-status' });
    const action = new UserAction();
    const form = h('form', { class: 'card action', id: 'control-status-form', 'aria-labelledby': 'control-status-title' },
      h('h3', { id: 'control-status-title' }, 'Implementation status'),
      field('Status', statusSelect), field('Reason (optional)', reason),
      h('button', { type: 'submit' }, 'Set the status'), status);
    form.addEventListener('submit', act(ctx, form, status, 'Saving the status…', () => `Status set to ${humanize(statusSelect.value)}.`, () =>
      request(`${path}/status`, { method: 'POST', action, headers: ifMatch,
        body: { status: statusSelect.value, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) } })));
    forms.push(form);
  }

  {
    // Owners: active users who can own work (SPEC §12).
    const owner = select([['', 'No owner'], ...users.filter((u) => u.active && u.role !== 'auditor').map((u) => [u.email, `${u.name} (${u.email})`])],
      c.owner ?? '', { name: 'owner', id: 'control-owner-select' });
    const cadence = select(CADENCES, c.evidence_every ?? 'none', { name: 'evidence_every', id: 'control-cadence-select' });
    const status = h('div', { class: 'form-status' });
    const action = new UserAction();
    const form = h('form', { class: 'card action', id: 'control-owner-form', 'aria-labelledby': 'control-owner-title' },
      h('h3', { id: 'control-owner-title' }, 'Owner and evidence cadence'),
      field('Owner', owner),
      field('New evidence', cadence, 'Evidence uploaded without a “valid until” date is valid for one period from the day it was collected.'),
      h('button', { type: 'submit' }, 'Save owner and cadence'), status);
    form.addEventListener('submit', act(ctx, form, status, 'Saving…', 'Owner and cadence saved.', () =>
      request(path, { method: 'PATCH', action, headers: ifMatch, body: { owner: owner.value || null, evidence_every: cadence.value } })));
    forms.push(form);
  }

  {
    const kind = select(TEST_KINDS, 'operating', { name: 'kind', id: 'test-kind' });
    const testedOn = h('input', { type: 'date', name: 'tested_on', id: 'test-date', value: today(), max: today(), required: true });
    const result = select(TEST_RESULTS, 'pass', { name: 'result', id: 'test-result' });
    const notes = h('textarea', { name: 'notes', id: 'test-notes', rows: 2, maxlength: 10000 });
    const evidence = c.evidence.length
      ? checkGroup({ legend: 'Evidence of the test (optional)', name: 'test-evidence', options: c.evidence.map((e) => [e, e]), selected: [] })
      : h('p', { class: 'hint' }, 'Link evidence to this control to attach it to a test.');
    const status = h('div', { class: 'form-status' });
    const action = new UserAction();
    const form = h('form', { class: 'card action', id: 'control-test-form', 'aria-labelledby': 'control-test-title' },
      h('h3', { id: 'control-test-title' }, 'Record a test'),
      field('Kind', kind), field('Tested on', testedOn), field('Result', result, 'A failed test stops an implemented control from counting.'),
      field('Notes', notes), evidence,
      h('button', { type: 'submit' }, 'Record the test'), status);
    form.addEventListener('submit', act(ctx, form, status, 'Recording the test…', () => `Test recorded: ${result.value}.`, () =>
      request(`${path}/tests`, { method: 'POST', action, body: {
        kind: kind.value, tested_on: testedOn.value, result: result.value,
        ...(notes.value.trim() ? { notes: notes.value.trim() } : {}),
        ...(evidence.tagName === 'FIELDSET' && values(evidence).length ? { evidence: values(evidence) } : {}),
      } })));
    forms.push(form);
  }

  return h('section', { class: 'actions', 'aria-labelledby': 'control-actions-title' },
    h('h2', { id: 'control-actions-title' }, 'Actions'),
    h('div', { class: 'action-grid' }, forms));
}

// The evidence linked to the control, with its validity here; upload, link and unlink for those
// who may.
function evidenceSection(ctx, c, evidence, library, mayEvidence) {
  const section = h('section', { class: 'card wide', id: 'control-evidence', 'aria-labelledby': 'control-evidence-title' },
    h('h2', { id: 'control-evidence-title' }, 'Evidence'));
  const status = h('div', { class: 'form-status', id: 'control-evidence-status-msg' });
  const current = new Set(c.current_evidence ?? []);
  section.append(sortableTable({
    id: 'control-evidence-table',
    className: 'stack-on-phone',
    columns: [
      { key: 'id', label: 'ID', className: 'nowrap', cell: (e) => e.id, sort: (e) => Number(e.id.slice(2)) },
      { key: 'file', label: 'File', className: 'title', cell: (e) => [h('span', { class: 'evidence-name' }, e.filename), ' ', downloadButton(e, status, { label: 'Download' })], sort: (e) => e.filename },
      { key: 'collected', label: 'Collected on', className: 'labelled', cell: (e) => e.collected_on ?? '—', sort: (e) => e.collected_on },
      { key: 'valid', label: 'Valid until', className: 'labelled', cell: (e) => validityHere(c, e), sort: (e) => validityEntry(c, e)?.valid_until ?? e.expires_on },
      { key: 'current', label: 'Current', className: 'labelled', cell: (e) => (current.has(e.id) ? h('span', { class: 'pill ev-current' }, 'current') : h('span', { class: 'pill ev-lapsed' }, 'not current')), sort: (e) => (current.has(e.id) ? 0 : 1) },
      { key: 'uploaded', label: 'Uploaded', className: 'labelled', cell: (e) => `${e.uploaded_by}, ${timestamp(e.uploaded_at)}`, sort: (e) => e.uploaded_at },
      ...(mayEvidence ? [{ key: 'unlink', label: 'Unlink', header: h('span', { class: 'visually-hidden' }, 'Unlink'), cell: (e) => unlinkButton(ctx, c, e, status) }] : []),
    ],
    rows: evidence,
    empty: 'No evidence is linked to this control.',
  }), status);
  if (mayEvidence) {
    append(section, [uploadForm(ctx, {
      title: `Upload evidence for ${c.id}`,
      prefix: 'control',
      target: () => ({ control: c.id }),
      validHint: c.evidence_every && c.evidence_every !== 'none'
        ? `Leave empty: it is valid for one period (${cadenceLabel(c.evidence_every)}) from the day it was collected.`
        : 'Leave empty if it does not expire.',
      done: (file) => `Uploaded ${file.name} for ${c.id}.`,
    }), linkForm(ctx, c, library)]);
  }
  return section;
}

const validityEntry = (c, e) => (e.validity ?? []).find((v) => v.control === c.id);

function validityHere(c, e) {
  const v = validityEntry(c, e);
  const until = v ? v.valid_until : e.expires_on ?? e.valid_until;
  return until ?? 'no end date';
}

function unlinkButton(ctx, c, e, status) {
  const action = new UserAction();
  const button = h('button', { type: 'button', class: 'unlink', 'aria-label': `Unlink ${e.id} from ${c.id}` }, 'Unlink');
  button.addEventListener('click', act(ctx, [button], status, `Unlinking ${e.id}…`, `${e.id} unlinked from ${c.id}.`, () =>
    request(`/evidence/${encodeURIComponent(e.id)}/unlinks`, { method: 'POST', action, body: { control: c.id } })));
  return button;
}

// Link evidence already in the library (keyboard and screen reader friendly: a select).
function linkForm(ctx, c, library) {
  const linkable = library.filter((e) => !(e.controls ?? []).includes(c.id)).sort((a, b) => compareIds(b.id, a.id));
  if (!linkable.length) return null;
  const choice = select(linkable.map((e) => [e.id, `${e.id} · ${e.filename}${e.expires_on ? ` (until ${e.expires_on})` : ''}`]), linkable[0].id,
    { name: 'evidence', id: 'control-link-select' });
  const status = h('div', { class: 'form-status' });
  const action = new UserAction();
  const form = h('form', { class: 'upload', id: 'control-link-form', 'aria-labelledby': 'control-link-title' },
    h('h3', { id: 'control-link-title' }, 'Link evidence already uploaded'),
    field('Evidence', choice), h('button', { type: 'submit' }, `Link it to ${c.id}`), status);
  form.addEventListener('submit', act(ctx, form, status, 'Linking…', () => `${choice.value} linked to ${c.id}.`, () =>
    request(`/evidence/${encodeURIComponent(choice.value)}/links`, { method: 'POST', action, body: { control: c.id } })));
  return form;
}

function testsSection(tests, names) {
  return h('section', { class: 'card wide', id: 'control-tests', 'aria-labelledby': 'control-tests-title' },
    h('h2', { id: 'control-tests-title' }, 'Tests'),
    sortableTable({
      id: 'control-tests-table',
      className: 'stack-on-phone',
      columns: [
        { key: 'date', label: 'Tested on', className: 'nowrap', cell: (t) => t.tested_on, sort: (t) => t.tested_on },
        { key: 'kind', label: 'Kind', className: 'labelled', cell: (t) => humanize(t.kind), sort: (t) => t.kind },
        { key: 'result', label: 'Result', className: 'labelled', cell: (t) => testResultPill(t.result), sort: (t) => t.result },
        { key: 'by', label: 'Tested by', className: 'labelled', cell: (t) => person(names, t.tested_by), sort: (t) => t.tested_by },
        { key: 'notes', label: 'Notes', className: 'labelled', cell: (t) => h('span', { class: 'prewrap' }, t.notes || '—') },
        { key: 'evidence', label: 'Evidence', className: 'labelled', cell: (t) => (t.evidence?.length ? t.evidence.join(', ') : '—') },
      ],
      rows: tests,
      empty: 'Not tested yet.',
    }));
}

function findingsSection(ctx, findings) {
  return h('section', { class: 'card wide', id: 'control-findings', 'aria-labelledby': 'control-findings-title' },
    h('h2', { id: 'control-findings-title' }, 'Findings against this control'),
    sortableTable({
      id: 'control-findings-table',
      className: 'stack-on-phone',
      columns: [
        { key: 'id', label: 'Finding', className: 'nowrap', cell: (f) => h('a', { href: ctx.link(`/findings/${encodeURIComponent(f.id)}`) }, f.id), sort: (f) => Number(f.id.slice(2)) },
        { key: 'title', label: 'Title', className: 'title', cell: (f) => h('span', { class: 'finding-title' }, f.title), sort: (f) => f.title.toLowerCase() },
        { key: 'severity', label: 'Severity', cell: (f) => h('span', { class: `pill sev-${f.severity}` }, f.severity), sort: (f) => severityRank(f.severity) },
        { key: 'status', label: 'Status', cell: (f) => statusPill(f), sort: (f) => f.status },
        { key: 'owner', label: 'Owner', className: 'labelled', cell: (f) => f.owner ?? 'unassigned', sort: (f) => f.owner },
      ],
      rows: [...findings].sort((a, b) => compareIds(a.id, b.id)),
      empty: 'No finding names this control.',
    }));
}
