// Findings: a search box, filters and a sortable table; for editors and admins, bulk assign, due
// date and status on the findings they tick (SPEC §12). The search and the filters go to the API
// (GET /findings?q=&status=a,b&severity=&owner=&criterion=&overdue=) and live in the URL, so a
// filtered list can be bookmarked and the overview can link to one. Sorting is done here, in
// the page, over the findings the API returned (all of them, page by page). The heat map's
// links (SPEC §13) add filters the API does not have, applied here to what it returned:
// `likelihood` and `impact` (a cell), `unrated` (no rating) and `unresolved`. The CSV and
// Excel downloads (GET /export/findings.csv|.xlsx) take the API's filters of the list.
import { UserAction, download, get, getAll, request } from '../api.js';
import { append, clear, field, h, humanize, message, select } from '../dom.js';
import { checkGroup, joined, listParam } from '../filters.js';
import { act, describe, flashMessage } from '../forms.js';
import { SEVERITIES, STATUSES, compareIds, findingStatusRank, riskCell, severityRank, statusPill, today } from '../format.js';
import { can } from '../roles.js';
import { sortableTable } from '../table.js';

const PARAMS = ['q', 'status', 'severity', 'owner', 'criterion', 'overdue'];
// Filters of the heat map's links, applied in the page (the API has no such parameter).
const RISK_PARAMS = ['likelihood', 'impact', 'unrated', 'unresolved'];
// The statuses a bulk status change may ask for: risk acceptance has its own command (SPEC §3).
const BULK_STATUSES = ['in_progress', 'remediated', 'closed', 'open'];

export async function findingsView(ctx) {
  const q = (ctx.query.get('q') ?? '').trim();
  const chosen = {
    status: listParam(ctx.query, 'status'),
    severity: listParam(ctx.query, 'severity'),
    owner: listParam(ctx.query, 'owner'),
  };
  const criterionId = ctx.query.get('criterion') ?? '';
  const overdueOnly = ctx.query.get('overdue') === 'true';
  // The API's filters; the downloads take the same, except `overdue` (SPEC §13's export has none).
  const apiFilters = {
    q,
    status: chosen.status.join(','),
    severity: chosen.severity.join(','),
    owner: chosen.owner.join(','),
    criterion: criterionId,
  };
  const risk = riskFilter(ctx.query);
  const [listed, users, catalog] = await Promise.all([
    getAll('/findings', { ...apiFilters, overdue: overdueOnly ? 'true' : undefined, ...ctx.time }),
    getAll('/users'),
    get('/criteria'),
  ]);
  const findings = risk ? listed.filter(risk.keep) : listed;

  // Every change draws the list again; the focus goes back to the control that changed.
  const apply = (focusId) => ctx.navigate(ctx.link('/findings', {
    q: search.value.trim(),
    status: joined(status),
    severity: joined(severity),
    owner: joined(owner),
    criterion: criterion.value,
    overdue: overdue.checked ? 'true' : null,
  }), { focusId });
  const onChange = (box) => apply(box.id);

  const search = h('input', { type: 'search', id: 'finding-search', name: 'q', value: q, autocomplete: 'off' });
  const status = checkGroup({ legend: 'Status', name: 'status', options: STATUSES.map((s) => [s, humanize(s)]), selected: chosen.status, onChange });
  const severity = checkGroup({ legend: 'Severity', name: 'severity', options: SEVERITIES.map((s) => [s, s]), selected: chosen.severity, onChange });
  // Auditors own nothing (SPEC §4): only the users who can own findings are offered.
  const owners = users.filter((u) => u.role !== 'auditor');
  const owner = checkGroup({
    legend: 'Owner',
    name: 'owner',
    className: 'scroll',
    options: [['none', 'Unassigned'], ...owners.map((u) => [u.email, `${u.name} (${u.email})`])],
    selected: chosen.owner,
    onChange,
  });
  const criterion = select([['', 'Any criterion'], ...catalog.items.map((c) => [c.id, `${c.id} ${c.title}`])], criterionId,
    { name: 'criterion', id: 'filter-criterion' });
  criterion.addEventListener('change', () => apply(criterion.id));
  const overdue = h('input', { type: 'checkbox', name: 'overdue', id: 'filter-overdue', checked: overdueOnly });
  overdue.addEventListener('change', () => apply(overdue.id));
  const active = [...PARAMS, ...RISK_PARAMS].some((k) => ctx.query.get(k));

  const bulk = !ctx.past && can.bulkFindings(ctx.me) ? bulkActions(ctx, findings, users) : null;
  return h('div', {},
    h('h1', {}, 'Findings'),
    flashMessage(),
    h('form', { class: 'search', role: 'search', 'aria-label': 'Search findings', onsubmit: (e) => { e.preventDefault(); apply(search.id); } },
      field('Search', search, 'Words of the id, title, description or recommendation, in any letter case.'),
      h('button', { type: 'submit' }, 'Search')),
    h('form', { class: 'filters', 'aria-label': 'Filter findings', onsubmit: (e) => { e.preventDefault(); apply(); } },
      status, severity, owner,
      h('div', { class: 'filter-column' },
        field('Criterion', criterion),
        h('div', { class: 'field inline' }, overdue, h('label', { for: 'filter-overdue' }, 'Overdue only')),
        active ? h('a', { href: ctx.link('/findings', Object.fromEntries([...PARAMS, ...RISK_PARAMS].map((k) => [k, null]))), class: 'clear-filters' }, 'Clear the search and filters') : null)),
    risk ? h('p', { class: 'message info risk-filter', id: 'risk-filter' }, risk.words, ' ',
      h('a', { href: ctx.link('/findings', { ...Object.fromEntries(PARAMS.map((k) => [k, ctx.query.get(k)])), ...Object.fromEntries(RISK_PARAMS.map((k) => [k, null])) }) },
        'Show them all')) : null,
    h('p', { role: 'status', id: 'findings-count' },
      `${findings.length} finding${findings.length === 1 ? '' : 's'}`,
      active ? ` match${findings.length === 1 ? 'es' : ''} the ${q ? 'search and filters' : 'filters'}` : ''),
    downloads(ctx, apiFilters, overdueOnly || Boolean(risk)),
    bulk?.section,
    findingsTable(ctx, findings, 'findings-table', bulk?.selection));
}

// The heat map's filters (likelihood=&impact=, unrated=true, unresolved=true), or null.
function riskFilter(query) {
  const level = (k) => {
    const n = Number(query.get(k));
    return Number.isInteger(n) && n >= 1 && n <= 5 ? n : null;
  };
  const likelihood = level('likelihood');
  const impact = level('impact');
  const unrated = query.get('unrated') === 'true';
  const unresolved = query.get('unresolved') === 'true';
  if (!likelihood && !impact && !unrated && !unresolved) return null;
  const parts = [];
  if (likelihood) parts.push(`likelihood ${likelihood}`);
  if (impact) parts.push(`impact ${impact}`);
  const which = `${unresolved ? 'unresolved ' : ''}findings`;
  const words = unrated
    ? `Showing the ${which} without a likelihood and impact.`
    : parts.length
      ? `Showing the ${which} with ${parts.join(' and ')}${likelihood && impact ? ` (risk ${likelihood * impact})` : ''}, from the heat map.`
      : `Showing the ${which}.`;
  return {
    words,
    keep: (f) => (!unresolved || f.unresolved)
      && (!unrated || !f.risk_score)
      && (!likelihood || f.likelihood === likelihood)
      && (!impact || f.impact === impact),
  };
}

// Download CSV / Download Excel: the findings as of the day shown, with the API's filters of the
// list (search, status, severity, owner, criterion). `narrower`: the list shown is narrowed
// further in the page (overdue, the heat map's), which the files do not apply: said next to them.
function downloads(ctx, filters, narrower) {
  const day = ctx.asOf || today();
  const status = h('span', { id: 'findings-download-status', role: 'status' });
  const button = (id, label, ext) => {
    const b = h('button', { type: 'button', id }, label);
    b.addEventListener('click', async () => {
      b.disabled = true;
      status.textContent = `Preparing gaplog-findings-${day}.${ext}…`;
      try {
        const got = await download(`/export/findings.${ext}`, `gaplog-findings-${day}.${ext}`, { ...filters, as_of: ctx.asOf || undefined });
        status.textContent = `Downloaded ${got.name}.`;
      } catch (err) {
        status.textContent = `${label} failed: ${describe(err)}`;
      }
      b.disabled = false;
    });
    return b;
  };
  return h('div', { class: 'toolbar', id: 'findings-downloads' },
    button('download-csv', 'Download CSV', 'csv'), ' ', button('download-xlsx', 'Download Excel', 'xlsx'), ' ',
    narrower ? h('span', { class: 'hint inline-hint' }, 'The files apply the search, status, severity, owner and criterion, not the overdue or risk filters. ') : null,
    status);
}

// `selection`: for bulk actions, the ticked ids (a Set) and what to do when it changes; each id
// cell then holds a checkbox.
export function findingsTable(ctx, findings, id = 'findings-table', selection = null) {
  // For bulk actions, a checkbox in each finding's id cell (the columns stay where they were).
  const selectBox = (f) => {
    const box = h('input', { type: 'checkbox', class: 'row-select', value: f.id, 'aria-label': `Select ${f.id}`, checked: selection.ids.has(f.id) });
    box.addEventListener('change', () => {
      if (box.checked) selection.ids.add(f.id);
      else selection.ids.delete(f.id);
      selection.changed();
    });
    return [box, ' '];
  };
  return sortableTable({
    id,
    // On a phone each finding is a block, so its owner and due date stay in view (a table of
    // seven columns scrolled them off to the right).
    className: 'stack-on-phone',
    columns: [
      {
        key: 'id',
        label: 'ID',
        className: 'nowrap',
        cell: (f) => [selection ? selectBox(f) : null, h('a', { href: ctx.link(`/findings/${encodeURIComponent(f.id)}`) }, f.id)],
        sort: (f) => Number(f.id.replace(/^\D+/, '')),
      },
      { key: 'title', label: 'Title', className: 'title', cell: (f) => h('span', { class: 'finding-title' }, f.title), sort: (f) => f.title.toLowerCase() },
      { key: 'severity', label: 'Severity', cell: (f) => h('span', { class: `pill sev-${f.severity}` }, f.severity), sort: (f) => severityRank(f.severity) },
      { key: 'status', label: 'Status', cell: (f) => statusPill(f), sort: findingStatusRank },
      { key: 'owner', label: 'Owner', className: 'owner labelled', cell: (f) => f.owner ?? 'unassigned', sort: (f) => f.owner },
      { key: 'due', label: 'Due', className: 'due labelled', cell: (f) => [h('span', { class: 'due-date' }, f.due_date ?? '—'), f.overdue ? [' ', h('span', { class: 'pill overdue' }, 'overdue')] : null], sort: (f) => f.due_date },
      { key: 'risk', label: 'Risk', className: 'risk-col labelled nowrap', cell: riskCell, sort: (f) => f.risk_score },
      { key: 'criteria', label: 'Criteria', className: 'criteria labelled', cell: (f) => f.criteria.join(', '), sort: (f) => f.criteria[0] },
    ],
    rows: [...findings].sort((a, b) => compareIds(a.id, b.id)),
    empty: 'No findings.',
  });
}

// The editors' bulk actions (POST /findings/bulk, SPEC §12): all or nothing; a refusal names
// each finding that cannot take the change, with the server's reason, and changes nothing.
function bulkActions(ctx, findings, users) {
  const ids = new Set();
  const countEl = h('p', { id: 'selection-count', role: 'status' });
  const changed = () => {
    countEl.textContent = ids.size
      ? `${ids.size} finding${ids.size === 1 ? '' : 's'} selected: ${[...ids].sort(compareIds).join(', ')}`
      : 'No finding selected: tick the findings in the table, or select all those shown.';
  };
  changed();
  const syncBoxes = () => {
    for (const box of document.querySelectorAll('#findings-table .row-select')) box.checked = ids.has(box.value);
    changed();
  };
  const selectAll = h('button', { type: 'button', id: 'select-all' }, `Select all ${findings.length} shown`);
  selectAll.addEventListener('click', () => { findings.forEach((f) => ids.add(f.id)); syncBoxes(); });
  const clearAll = h('button', { type: 'button', id: 'select-none' }, 'Clear the selection');
  clearAll.addEventListener('click', () => { ids.clear(); syncBoxes(); });

  const names = new Map(users.map((u) => [u.email, u.name]));
  const status = h('div', { class: 'form-status', id: 'bulk-status' });
  const selectedIds = () => {
    if (!ids.size) throw new Error('Select findings first: tick each one in the table.');
    return [...ids].sort(compareIds);
  };
  // One form per action, each with its own button and its own Idempotency-Key.
  const bulkForm = (formId, title, fields, label, doing, done, actionOf) => {
    const userAction = new UserAction();
    const form = h('form', { class: 'card action', id: formId, 'aria-labelledby': `${formId}-title` },
      h('h3', { id: `${formId}-title` }, title), fields, h('button', { type: 'submit' }, label));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      let chosen;
      try {
        chosen = selectedIds();
      } catch (err) {
        clear(status).append(message('error', err.message));
        return;
      }
      const n = chosen.length;
      act(ctx, form, status, doing(n), () => done(n), () =>
        request('/findings/bulk', { method: 'POST', action: userAction, body: { ids: chosen, action: actionOf() } }),
      { onRefused: (err, el) => append(el, [refusals(ctx, err)]) })(e);
    });
    return form;
  };
  const plural = (n) => `${n} finding${n === 1 ? '' : 's'}`;
  const owner = select([['', 'Nobody (unassign)'], ...users.filter((u) => u.active && u.role !== 'auditor').map((u) => [u.email, `${u.name} (${u.email})`])],
    '', { name: 'owner', id: 'bulk-owner' });
  const due = h('input', { type: 'date', name: 'due_date', id: 'bulk-due' });
  const dueReason = h('input', { type: 'text', name: 'reason', id: 'bulk-due-reason', maxlength: 10000 });
  const to = select(BULK_STATUSES.map((s) => [s, humanize(s)]), 'in_progress', { name: 'status', id: 'bulk-to' });
  const statusReason = h('input', { type: 'text', name: 'reason', id: 'bulk-status-reason', maxlength: 10000 });
  const section = h('section', { class: 'card wide bulk', id: 'bulk', 'aria-labelledby': 'bulk-title' },
    h('h2', { id: 'bulk-title' }, 'Change several findings at once'),
    h('p', { class: 'hint' }, 'All or nothing: when one selected finding cannot take the change, nothing is changed and the reason is given for each such finding.'),
    countEl,
    h('div', { class: 'buttons' }, selectAll, clearAll),
    h('div', { class: 'action-grid' },
      bulkForm('bulk-assign', 'Assign', field('New owner', owner), 'Assign the selected findings',
        (n) => `Assigning ${plural(n)}…`,
        (n) => (owner.value ? `Assigned ${plural(n)} to ${names.get(owner.value) ?? owner.value}.` : `Unassigned ${plural(n)}.`),
        () => ({ assign: { owner: owner.value || null } })),
      bulkForm('bulk-due-date', 'Due date', [field('Due date', due, 'Leave empty to clear it.'), field('Reason (optional)', dueReason)],
        'Set their due date',
        (n) => `Setting the due date of ${plural(n)}…`,
        (n) => (due.value ? `Due date of ${plural(n)} set to ${due.value}.` : `Due date of ${plural(n)} cleared.`),
        () => ({ due_date: { due_date: due.value || null, ...(dueReason.value.trim() ? { reason: dueReason.value.trim() } : {}) } })),
      bulkForm('bulk-status-form', 'Status', [field('New status', to), field('Reason (required to reopen or send back)', statusReason)],
        'Change their status',
        (n) => `Changing the status of ${plural(n)}…`,
        (n) => `${plural(n)} moved to ${humanize(to.value)}.`,
        () => ({ status: { status: to.value, ...(statusReason.value.trim() ? { reason: statusReason.value.trim() } : {}) } }))),
    status);
  return { section, selection: { ids, changed } };
}

// A refused bulk command's reasons, one per finding (the error's `findings`).
function refusals(ctx, err) {
  if (!err.findings?.length) return null;
  return h('ul', { class: 'refusals', id: 'bulk-refusals' }, err.findings.map((r) =>
    h('li', { 'data-finding': r.id },
      h('a', { href: ctx.link(`/findings/${encodeURIComponent(r.id)}`) }, r.id), `: ${r.message}`,
      r.code ? h('span', { class: 'muted' }, ` (${r.code})`) : null)));
}
