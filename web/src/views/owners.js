// Owners: each owner's open workload (SPEC §5.2) as a bar split by severity, in the API's
// order (overdue first).
import { get, getAll } from '../api.js';
import { h } from '../dom.js';
import { SEVERITIES } from '../format.js';
import { sortableTable } from '../table.js';

export async function ownersView(ctx) {
  const [workloads, users] = await Promise.all([get('/workloads', ctx.time), getAll('/users')]);
  const names = new Map(users.map((u) => [u.email, u.name]));
  const max = Math.max(1, ...workloads.owners.map((o) => o.total));
  const label = (o) => (o.owner ? `${names.get(o.owner) ?? o.owner}` : 'Unassigned');

  const bars = h('ol', { class: 'workload-bars', id: 'workload-bars' }, workloads.owners.map((o) => {
    const bar = h('div', { class: 'bar', role: 'img', 'aria-label': SEVERITIES.map((s) => `${o[s]} ${s}`).join(', ') },
      SEVERITIES.filter((s) => o[s] > 0).map((s) => {
        const seg = h('span', { class: `seg sev-${s}`, title: `${o[s]} ${s}` }, String(o[s]));
        // Widths go through the CSSOM (allowed by the CSP), never a style attribute.
        seg.style.width = `${(100 * o[s]) / max}%`;
        return seg;
      }));
    return h('li', { 'data-owner': o.owner ?? '' },
      h('div', { class: 'bar-label' },
        h('a', { href: ctx.link('/findings', { owner: o.owner ?? null }) }, label(o)),
        h('span', { class: 'muted' }, ` ${o.total} open`),
        o.overdue ? h('span', { class: 'pill overdue' }, `${o.overdue} overdue`) : null,
        o.due_soon ? h('span', { class: 'pill due-soon' }, `${o.due_soon} due within 14 days`) : null),
      bar);
  }));

  return h('div', {},
    h('h1', {}, 'Owners'),
    h('p', { class: 'subtitle' }, `Open, in progress and remediated findings per owner as of ${workloads.as_of}; overdue first.`),
    h('ul', { class: 'legend' }, SEVERITIES.map((s) => h('li', { class: `sev-${s}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), s))),
    workloads.owners.length ? bars : h('p', {}, 'Nobody has open findings.'),
    h('section', { class: 'card wide' },
      h('h2', {}, 'Workloads'),
      sortableTable({
        id: 'workloads-table',
        columns: [
          { key: 'owner', label: 'Owner', cell: (o) => (o.owner ? `${label(o)} (${o.owner})` : 'Unassigned'), sort: (o) => o.owner },
          ...SEVERITIES.map((s) => ({ key: s, label: s, cell: (o) => String(o[s]), sort: (o) => o[s], className: 'num' })),
          { key: 'total', label: 'Total', cell: (o) => String(o.total), sort: (o) => o.total, className: 'num' },
          { key: 'overdue', label: 'Overdue', cell: (o) => String(o.overdue), sort: (o) => o.overdue, className: 'num' },
          { key: 'due_soon', label: 'Due soon', cell: (o) => String(o.due_soon), sort: (o) => o.due_soon, className: 'num' },
          { key: 'oldest_days', label: 'Oldest (days)', cell: (o) => String(o.oldest_days), sort: (o) => o.oldest_days, className: 'num' },
        ],
        rows: workloads.owners,
      })));
}
