// Findings: a filterable, sortable table. Filters go to the API (SPEC §6 GET /findings) and
// live in the URL, so a filtered list can be bookmarked and the overview can link to one.
import { get, getAll } from '../api.js';
import { field, h, humanize, select } from '../dom.js';
import { SEVERITIES, STATUSES, compareIds, findingStatusRank, severityRank, statusPill } from '../format.js';
import { sortableTable } from '../table.js';

const FILTERS = ['status', 'severity', 'owner', 'criterion', 'overdue'];

export async function findingsView(ctx) {
  const filters = Object.fromEntries(FILTERS.map((k) => [k, ctx.query.get(k) ?? '']));
  const apiFilters = { ...filters, overdue: filters.overdue === 'true' ? 'true' : undefined };
  const [findings, users, catalog] = await Promise.all([
    getAll('/findings', { ...apiFilters, ...ctx.time }),
    getAll('/users'),
    get('/criteria'),
  ]);

  const status = select([['', 'Any status'], ...STATUSES.map((s) => [s, humanize(s)])], filters.status, { name: 'status' });
  const severity = select([['', 'Any severity'], ...SEVERITIES.map((s) => [s, s])], filters.severity, { name: 'severity' });
  // Auditors own nothing (SPEC §4): only the users who can own findings are offered.
  const owners = users.filter((u) => u.role !== 'auditor');
  const owner = select([['', 'Anyone'], ...owners.map((u) => [u.email, `${u.name} (${u.email})`])], filters.owner, { name: 'owner' });
  const criterion = select([['', 'Any criterion'], ...catalog.items.map((c) => [c.id, `${c.id} ${c.title}`])], filters.criterion, { name: 'criterion' });
  const overdue = h('input', { type: 'checkbox', name: 'overdue', id: 'filter-overdue', checked: filters.overdue === 'true' });
  const apply = () => ctx.navigate(ctx.link('/findings', {
    status: status.value, severity: severity.value, owner: owner.value, criterion: criterion.value,
    overdue: overdue.checked ? 'true' : null,
  }));
  for (const control of [status, severity, owner, criterion, overdue]) control.addEventListener('change', apply);
  const active = FILTERS.some((k) => filters[k]);

  return h('div', {},
    h('h1', {}, 'Findings'),
    h('form', { class: 'filters', 'aria-label': 'Filter findings', onsubmit: (e) => { e.preventDefault(); apply(); } },
      field('Status', status), field('Severity', severity), field('Owner', owner), field('Criterion', criterion),
      h('div', { class: 'field inline' }, overdue, h('label', { for: 'filter-overdue' }, 'Overdue only')),
      active ? h('a', { href: ctx.link('/findings', Object.fromEntries(FILTERS.map((k) => [k, null]))), class: 'clear-filters' }, 'Clear filters') : null),
    h('p', { role: 'status', id: 'findings-count' }, `${findings.length} finding${findings.length === 1 ? '' : 's'}${active ? ' match the filters' : ''}`),
    findingsTable(ctx, findings));
}

export function findingsTable(ctx, findings, id = 'findings-table') {
  return sortableTable({
    id,
    // On a phone each finding is a block, so its owner and due date stay in view (a table of
    // seven columns scrolled them off to the right).
    className: 'stack-on-phone',
    columns: [
      { key: 'id', label: 'ID', className: 'nowrap', cell: (f) => h('a', { href: ctx.link(`/findings/${encodeURIComponent(f.id)}`) }, f.id), sort: (f) => Number(f.id.replace(/^\D+/, '')) },
      { key: 'title', label: 'Title', className: 'title', cell: (f) => h('span', { class: 'finding-title' }, f.title), sort: (f) => f.title.toLowerCase() },
      { key: 'severity', label: 'Severity', cell: (f) => h('span', { class: `pill sev-${f.severity}` }, f.severity), sort: (f) => severityRank(f.severity) },
      { key: 'status', label: 'Status', cell: (f) => statusPill(f), sort: findingStatusRank },
      { key: 'owner', label: 'Owner', className: 'owner labelled', cell: (f) => f.owner ?? 'unassigned', sort: (f) => f.owner },
      { key: 'due', label: 'Due', className: 'due labelled', cell: (f) => [h('span', { class: 'due-date' }, f.due_date ?? '—'), f.overdue ? [' ', h('span', { class: 'pill overdue' }, 'overdue')] : null], sort: (f) => f.due_date },
      { key: 'criteria', label: 'Criteria', className: 'criteria labelled', cell: (f) => f.criteria.join(', ') },
    ],
    rows: [...findings].sort((a, b) => compareIds(a.id, b.id)),
    empty: 'No findings.',
  });
}
