// Roadmap: unresolved findings by the month they are due (SPEC §5.4), undated last.
import { get } from '../api.js';
import { h } from '../dom.js';
import { statusPill } from '../format.js';

const monthName = (m) => (m ? new Date(`${m}-01T00:00:00Z`).toLocaleDateString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' }) : 'No due date');

export async function roadmapView(ctx) {
  const roadmap = await get('/roadmap', ctx.time);
  const total = roadmap.months.reduce((n, m) => n + m.findings.length, 0);
  return h('div', {},
    h('h1', {}, 'Roadmap'),
    h('p', { class: 'subtitle' }, `${total} unresolved findings as of ${roadmap.as_of}, by the month they are due.`),
    roadmap.months.length ? null : h('p', {}, 'Nothing left to remediate.'),
    h('div', { class: 'roadmap', id: 'roadmap' }, roadmap.months.map((m) =>
      h('section', { class: 'card month', 'aria-labelledby': `m-${m.month ?? 'none'}`, 'data-month': m.month ?? '' },
        h('h2', { id: `m-${m.month ?? 'none'}` }, monthName(m.month), h('span', { class: 'muted' }, ` · ${m.findings.length}`)),
        h('ul', { class: 'roadmap-items' }, m.findings.map((f) =>
          h('li', { class: f.overdue ? 'overdue' : '' },
            h('a', { href: ctx.link(`/findings/${encodeURIComponent(f.id)}`) }, f.id), ' ',
            h('span', { class: 'finding-title' }, f.title),
            h('div', { class: 'meta' },
              h('span', { class: `pill sev-${f.severity}` }, f.severity),
              statusPill(f),
              f.overdue ? h('span', { class: 'pill overdue' }, 'overdue') : null,
              h('span', { class: 'muted' }, ` ${f.due_date ?? 'no due date'} · ${f.owner ?? 'unassigned'}`)))))))));
}
