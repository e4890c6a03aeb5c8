// Findings: a filterable, sortable table. Filters go to the API (SPEC §6 GET /findings) and
// live in the URL, so a filtered list can be bookmarked and the overview can link to one.
import { get, getAll } from '../api.js';
import { field, h, humanize, select } from '../dom.js';
import { SEVERITIES, STATUSES, compareIds, severityRank, statusRank } from '../format.js';
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
  const owner = select([['', 'Anyone'], ...users.map((u) => [u.email, `${u.name} (${u.email})`])], filters.owner, { name: 'owner' });
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
    columns: [
      { key: 'id', label: 'ID', cell: (f) => h('a', { href: ctx.link(`/findings/${encodeURIComponent(f.id)}`) }, f.id), sort: (f) => Number(f.id.replace(/^\D+/, '')) },
      { key: 'title', label: 'Title', cell: (f) => h('span', { class: 'finding-title' }, f.title), sort: (f) => f.title.toLowerCase() },
      { key: 'severity', label: 'Severity', cell: (f) => h('span', { class: `pill sev-${f.severity}` }, f.severity), sort: (f) => severityRank(f.severity) },
      { key: 'status', label: 'Status', cell: (f) => h('span', { class: `pill st-${f.status}` }, humanize(f.status)), sort: (f) => statusRank(f.status) },
      { key: 'owner', label: 'Owner', cell: (f) => f.owner ?? 'unassigned', sort: (f) => f.owner },
      { key: 'due', label: 'Due', cell: (f) => [f.due_date ?? '—', f.overdue ? h('span', { class: 'pill overdue' }, 'overdue') : null], sort: (f) => f.due_date },
      { key: 'criteria', label: 'Criteria', cell: (f) => f.criteria.join(', ') },
    ],
    rows: [...findings].sort((a, b) => compareIds(a.id, b.id)),
    empty: 'No findings.',
  });
}
