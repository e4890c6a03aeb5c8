// Overview: overall and per-category readiness (SPEC §5.1), the criteria coloured by status,
// the readiness timeline (§5.3) with its projected ready date and `ready_since`, the audit date
// with what stands in its way and the risk heat map (§13), and the management report.
import { UserAction, download, get, getAll, request } from '../api.js';
import { clear, field, h, humanize, message } from '../dom.js';
import { timelineChart } from '../chart.js';
import { act, describe, flashMessage } from '../forms.js';
import { heatMap } from '../heatmap.js';
import {
  CATEGORIES, CRITERION_STATUSES, compareIds, controlStatusPill, criterionStatusLabel, evidenceStatusPill, evidenceStatusRank, findingStatusRank,
  percent, severityRank, statusPill,
} from '../format.js';
import { sortableTable } from '../table.js';
import { can } from '../roles.js';

export async function overviewView(ctx) {
  const [readiness, catalog, timeline, heat] = await Promise.all([
    get('/readiness', ctx.time),
    get('/criteria'),
    get('/timeline', { to: ctx.asOf || undefined, as_known_at: ctx.knownAt || undefined }).catch((err) => ({ error: err })),
    get('/heatmap', ctx.time).catch((err) => ({ error: err })),
  ]);
  const titles = new Map(catalog.items.map((c) => [c.id, c.title]));
  return h('div', { class: 'overview' },
    h('h1', {}, 'Readiness'),
    flashMessage(),
    h('p', { class: 'subtitle' }, `As of ${readiness.as_of}`,
      readiness.as_known_at ? `, as known at ${readiness.as_known_at}` : '',
      ' · ', eventCount(ctx, readiness)),
    reportButton(ctx, readiness.as_of),
    h('div', { class: 'cards' },
      h('section', { class: 'card overall', 'aria-labelledby': 'overall-title' },
        h('h2', { id: 'overall-title' }, 'Overall'),
        h('p', { class: 'big', id: 'overall-percent' }, percent(readiness.overall.percent)),
        h('p', { id: 'overall-count' }, `${readiness.overall.ready} of ${readiness.overall.in_scope} in-scope criteria ready`),
        h('progress', { max: readiness.overall.in_scope || 1, value: readiness.overall.ready, 'aria-labelledby': 'overall-title' })),
      CATEGORIES.filter((c) => readiness.categories[c]).map((c) => {
        const r = readiness.categories[c];
        return h('section', { class: 'card category', 'data-category': c, 'aria-labelledby': `cat-${c}` },
          h('h2', { id: `cat-${c}` }, humanize(c)),
          h('p', { class: 'big cat-percent' }, percent(r.percent)),
          h('p', { class: 'cat-count' }, `${r.ready} of ${r.in_scope} ready`),
          h('progress', { max: r.in_scope || 1, value: r.ready, 'aria-labelledby': `cat-${c}` }));
      })),
    timelineSection(ctx, timeline),
    h('div', { class: 'two-cards' }, auditSection(ctx, timeline, titles), riskSection(ctx, heat)),
    criteriaSection(ctx, readiness, titles));
}

// The management report (SPEC §13): one self-contained HTML file as of the day shown, fetched
// with the page's credentials and handed to the browser (api.js download).
function reportButton(ctx, asOf) {
  const status = h('span', { id: 'report-status', role: 'status' });
  const button = h('button', { type: 'button', id: 'download-report' }, 'Management report');
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = `Preparing the report as of ${asOf}…`;
    try {
      const got = await download('/export/report', `gaplog-report-${asOf}.html`, { as_of: asOf });
      status.textContent = `Downloaded ${got.name}.`;
    } catch (err) {
      status.textContent = `The report failed: ${describe(err)}`;
    }
    button.disabled = false;
  });
  return h('p', { class: 'toolbar' }, button, ' ',
    h('span', { class: 'hint inline-hint' }, 'One HTML file to share or print: readiness, timeline, audit date, risks and roadmap. '),
    status);
}

const findingLinks = (ctx, ids) => ids.map((id) => h('li', { 'data-id': id }, h('a', { href: ctx.link(`/findings/${encodeURIComponent(id)}`) }, id)));

// The audit date (SPEC §13), from the timeline as of the day shown: days left, whether the
// projection meets it, and what stands in the way, each named and linked.
function auditSection(ctx, timeline, titles) {
  const section = h('section', { class: 'card', id: 'audit-date', 'aria-labelledby': 'audit-date-title' },
    h('h2', { id: 'audit-date-title' }, 'Audit date'));
  if (timeline.error) {
    section.append(message('error', `The audit date could not be loaded: ${describe(timeline.error)}`));
    return section;
  }
  const target = timeline.audit_target ?? null;
  if (target) {
    const what = target.type === 'type2'
      ? `Type II: observation window ${target.window_start} to ${target.window_end}`
      : `Type I: on ${target.date}`;
    const days = timeline.days_left;
    const left = days === null || days === undefined ? '—'
      : days > 0 ? `${days} day${days === 1 ? '' : 's'} left (as of ${timeline.to})`
        : days === 0 ? `the audit ${target.type === 'type2' ? 'window starts' : 'is'} on ${timeline.to}`
          : `${-days} day${days === -1 ? '' : 's'} past the target date`;
    const onTrack = timeline.on_track === true
      ? [h('span', { class: 'pill on-track' }, 'on track'), ` projected ready on ${timeline.projected_ready_on}, by ${target.target}`]
      : [h('span', { class: 'pill off-track' }, 'not on track'), timeline.projected_ready_on
        ? ` projected ready on ${timeline.projected_ready_on}, after ${target.target}`
        : ' no projected ready date: see what stands in the way below'];
    section.append(h('dl', { class: 'facts' },
      h('dt', {}, 'Audit'), h('dd', { id: 'audit-target', 'data-target': target.target }, what),
      h('dt', {}, 'Time left'), h('dd', { id: 'audit-days-left', 'data-days': days ?? '' }, left),
      h('dt', {}, 'On track'), h('dd', { id: 'audit-on-track', 'data-on-track': String(timeline.on_track) }, onTrack)));
  } else {
    section.append(h('p', { id: 'audit-target' }, `No audit date set${ctx.past ? ` as of ${timeline.to}` : ''}.`,
      can.setAuditDate(ctx.me) && !ctx.past ? ' Set it below.' : ' An admin sets it.'));
  }
  const blockers = blockersList(ctx, timeline, titles);
  if (blockers) section.append(blockers);
  if (!ctx.past && can.setAuditDate(ctx.me)) section.append(auditForm(ctx, target));
  return section;
}

function blockersList(ctx, timeline, titles) {
  const b = timeline.blockers;
  if (!b) return null;
  const group = (id, title, items) => (items.length
    ? h('div', { class: 'blockers-group' }, h('h4', { id: `${id}-title` }, `${title} (${items.length})`),
      h('ul', { class: 'inline-list', id, 'aria-labelledby': `${id}-title` }, items))
    : null);
  const none = !b.criteria.length && !b.no_due_date.length && !b.due_after_target.length;
  return h('div', { class: 'blockers', id: 'audit-blockers' },
    h('h3', {}, 'What stands in the way'),
    none ? h('p', { id: 'no-blockers' }, 'Nothing: every in-scope criterion has an implemented control with current evidence, and every unresolved finding is due in time.') : null,
    group('blockers-criteria', 'Criteria without an implemented control with current evidence',
      b.criteria.map((c) => h('li', { 'data-id': c }, h('a', { href: ctx.link(`/criteria/${encodeURIComponent(c)}`), title: titles.get(c) ?? '' }, c)))),
    group('blockers-no-due-date', 'Unresolved findings without a due date', findingLinks(ctx, b.no_due_date)),
    group('blockers-due-after', 'Unresolved findings due after the audit date', findingLinks(ctx, b.due_after_target)));
}

// Admins set the audit date: a Type I date or a Type II window (PUT /program/audit).
function auditForm(ctx, target) {
  const type2 = target?.type === 'type2';
  const radio = (value, label, checked) => h('div', { class: 'field inline' },
    h('input', { type: 'radio', name: 'audit-type', id: `audit-${value}`, value, checked }),
    h('label', { for: `audit-${value}` }, label));
  const date = h('input', { type: 'date', name: 'date', id: 'audit-date-input', value: target?.date ?? '' });
  const start = h('input', { type: 'date', name: 'window_start', id: 'audit-window-start', value: target?.window_start ?? '' });
  const end = h('input', { type: 'date', name: 'window_end', id: 'audit-window-end', value: target?.window_end ?? '' });
  const types = h('fieldset', { class: 'checks' }, h('legend', {}, 'Kind of audit'),
    radio('type1', 'Type I (one date)', !type2), radio('type2', 'Type II (an observation window)', type2));
  const sync = () => {
    const two = types.querySelector('#audit-type2').checked;
    date.disabled = two;
    start.disabled = !two;
    end.disabled = !two;
  };
  types.addEventListener('change', sync);
  sync();
  const status = h('div', { class: 'form-status' });
  const action = new UserAction();
  const form = h('form', { class: 'audit-form', id: 'audit-form', 'aria-labelledby': 'audit-form-title' },
    h('h3', { id: 'audit-form-title' }, target ? 'Change the audit date' : 'Set the audit date'),
    types,
    field('Type I date', date),
    h('div', { class: 'row' }, field('Window starts', start), field('Window ends', end)),
    h('button', { type: 'submit' }, 'Save the audit date'), status);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const two = types.querySelector('#audit-type2').checked;
    const body = two ? { type: 'type2', window_start: start.value, window_end: end.value } : { type: 'type1', date: date.value };
    if (two ? !start.value || !end.value : !date.value) {
      clear(status).append(message('error', two ? 'Give the first and the last day of the window.' : 'Give the date of the audit.'));
      return;
    }
    act(ctx, form, status, 'Saving the audit date…',
      () => (two ? `Audit date set: Type II, ${start.value} to ${end.value}.` : `Audit date set: Type I on ${date.value}.`),
      () => request('/program/audit', { method: 'PUT', action, body }))(e);
  });
  return form;
}

// The risk heat map as of the day shown (SPEC §13).
function riskSection(ctx, heat) {
  const section = h('section', { class: 'card', id: 'risk', 'aria-labelledby': 'risk-title' },
    h('h2', { id: 'risk-title' }, 'Risk'),
    h('p', { class: 'hint' }, 'Unresolved findings by likelihood and impact; each number opens those findings.'));
  if (heat.error) section.append(message('error', `The heat map could not be loaded: ${describe(heat.error)}`));
  else section.append(heatMap(ctx, heat));
  return section;
}

// The number of events behind the numbers shown. Today that is the whole log (readiness's
// `tree_size`); in the past it is the events selected as SPEC §5 selects them (occurred by the
// end of the as-of day, recorded by the as-known-at moment), which the API does not count: they
// are counted here from the event list, after the page is shown, up to MAX_COUNTED events.
const MAX_COUNTED = 20_000;

function eventCount(ctx, readiness) {
  const total = readiness.tree_size;
  if (!ctx.past) return h('span', { id: 'event-count' }, `${total} events in the log`);
  const el = h('span', { id: 'event-count', 'aria-live': 'polite' }, `counting the events as of ${readiness.as_of}…`);
  const until = Date.parse(`${readiness.as_of}T23:59:59.999Z`);
  const known = ctx.knownAt ? Date.parse(ctx.knownAt) : Infinity;
  (async () => {
    if (total > MAX_COUNTED) {
      el.textContent = `${total} events in the whole log today (too many to count as of ${readiness.as_of} here)`;
      return;
    }
    let n = 0;
    let after = 0;
    for (;;) {
      const page = await get('/events', { after, limit: 1000 });
      for (const e of page.events) {
        if (e.seq > total) break;
        if (Date.parse(e.occurred_at) <= until && Date.parse(e.recorded_at) <= known) n++;
      }
      if (page.next_after === null || page.next_after === undefined || page.next_after >= total) break;
      after = page.next_after;
    }
    el.textContent = `${n} events as of ${readiness.as_of}${ctx.knownAt ? ' as then known' : ''} (${total} in the log today)`;
    el.dataset.count = String(n);
  })().catch((err) => {
    el.textContent = `${total} events in the whole log today (the count as of ${readiness.as_of} failed: ${err.describe?.() ?? err.message})`;
  });
  return el;
}

function timelineSection(ctx, timeline) {
  const section = h('section', { class: 'card wide', 'aria-labelledby': 'timeline-title' },
    h('h2', { id: 'timeline-title' }, 'Readiness over time'));
  if (timeline.error) {
    section.append(message('error', `The timeline could not be loaded: ${timeline.error.describe?.() ?? timeline.error.message}`));
    return section;
  }
  section.append(
    h('dl', { class: 'facts' },
      h('dt', {}, 'Projected ready on'),
      h('dd', { id: 'projected-ready' }, timeline.projected_ready_on ?? notProjected(timeline)),
      h('dt', {}, 'Ready since'),
      h('dd', { id: 'ready-since' }, timeline.ready_since ?? `not ready on ${timeline.to}`)),
    timeline.points.length ? timelineChart(timeline) : message('info', 'No timeline points yet.'),
    h('details', {},
      h('summary', {}, 'The timeline as a table'),
      sortableTable({
        id: 'timeline-table',
        columns: [
          { key: 'date', label: 'Date', cell: (p) => p.date },
          { key: 'percent', label: 'Ready', cell: (p) => `${percent(p.percent)} (${p.ready}/${p.in_scope})` },
          ...['critical', 'high', 'medium', 'low'].map((s) => ({ key: s, label: `Unresolved ${s}`, cell: (p) => String(p.unresolved[s]) })),
          { key: 'overdue', label: 'Overdue', cell: (p) => String(p.overdue) },
        ],
        rows: timeline.points,
      })));
  return section;
}

// Why there is no projected ready date, with the numbers the timeline's blockers give (named
// and linked under Audit date).
function notProjected(timeline) {
  const b = timeline.blockers;
  if (!b) return 'not projected (a criterion lacks an implemented control with current evidence, or an open finding has no due date)';
  const reasons = [];
  if (b.criteria.length) reasons.push(`${b.criteria.length} in-scope criteri${b.criteria.length === 1 ? 'on lacks' : 'a lack'} an implemented control with current evidence`);
  if (b.no_due_date.length) reasons.push(`${b.no_due_date.length} unresolved finding${b.no_due_date.length === 1 ? ' has' : 's have'} no due date`);
  return reasons.length ? `not projected: ${reasons.join(', and ')} (listed under Audit date)` : 'not projected';
}

function criteriaSection(ctx, readiness, titles) {
  const counts = Object.fromEntries(CRITERION_STATUSES.map((s) => [s, 0]));
  for (const c of readiness.criteria) counts[c.status]++;
  return h('section', { class: 'card wide', 'aria-labelledby': 'criteria-title' },
    h('h2', { id: 'criteria-title' }, 'Criteria'),
    h('ul', { class: 'legend', 'aria-label': 'Criteria by status' },
      CRITERION_STATUSES.map((s) => h('li', { class: `status-${s}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), `${criterionStatusLabel[s]}: ${counts[s]}`))),
    criteriaGroups(ctx, readiness.criteria.filter((c) => c.status !== 'out_of_scope'), titles),
    outOfScope(ctx, readiness.criteria.filter((c) => c.status === 'out_of_scope'), titles));
}

// The criteria outside the program's scope are folded away (a count, opened on demand): they
// need no work, and shown in full they took half the page.
function outOfScope(ctx, criteria, titles) {
  if (!criteria.length) return null;
  const categories = CATEGORIES.filter((cat) => criteria.some((c) => c.category === cat)).map(humanize);
  return h('details', { class: 'out-of-scope', id: 'out-of-scope' },
    h('summary', {}, `${criteria.length} criteria out of scope`, h('span', { class: 'muted' }, ` (${categories.join(', ')})`)),
    criteriaGroups(ctx, criteria, titles));
}

function criteriaGroups(ctx, criteria, titles) {
  return CATEGORIES.map((cat) => {
    const items = criteria.filter((c) => c.category === cat);
    if (!items.length) return null;
    return h('div', { class: 'criteria-group' },
      h('h3', {}, humanize(cat)),
      h('ul', { class: 'criteria' }, items.map((c) =>
        h('li', {},
          h('a', {
            href: ctx.link(`/criteria/${encodeURIComponent(c.id)}`),
            class: `criterion status-${c.status}`,
            'data-status': c.status,
            title: titles.get(c.id) ?? '',
          },
          h('span', { class: 'crit-id' }, c.id),
          h('span', { class: 'crit-status' }, humanize(c.status)),
          c.findings.length ? h('span', { class: 'crit-findings' }, `${c.findings.length} unresolved`) : null)))));
  });
}

// One criterion: its status, the findings that reference it, the controls mapped to it and the
// evidence behind them (linked to those controls or findings).
export async function criterionView(ctx) {
  const id = ctx.params[0];
  const [readiness, catalog, findings, controls, evidence, users] = await Promise.all([
    get('/readiness', ctx.time),
    get('/criteria'),
    getAll('/findings', { criterion: id, ...ctx.time }),
    getAll('/controls', ctx.time),
    getAll('/evidence', ctx.time),
    getAll('/users'),
  ]);
  const entry = readiness.criteria.find((c) => c.id === id);
  const info = catalog.items.find((c) => c.id === id);
  if (!entry || !info) return h('div', {}, h('h1', {}, `Criterion ${id}`), message('error', `There is no criterion ${id} in the catalog.`));
  const names = new Map(users.map((u) => [u.email, u.name]));
  const mapped = controls.filter((c) => c.criteria.includes(id));
  const controlIds = new Set(mapped.map((c) => c.id));
  const findingIds = new Set(findings.map((f) => f.id));
  const behind = evidence.filter((e) => e.controls.some((c) => controlIds.has(c)) || e.findings.some((f) => findingIds.has(f)));
  const controlLink = (c) => h('a', { href: ctx.link(`/controls/${encodeURIComponent(c)}`) }, c);
  return h('div', {},
    h('p', {}, h('a', { href: ctx.link('/') }, '← Overview')),
    h('h1', {}, `${id}: ${info.title}`),
    h('p', {}, 'Category: ', humanize(info.category), ' · Status: ',
      h('span', { class: `pill status-${entry.status}`, id: 'criterion-status' }, criterionStatusLabel[entry.status])),
    h('section', { class: 'card wide', 'aria-labelledby': 'criterion-findings-title' },
      h('h2', { id: 'criterion-findings-title' }, `Findings referencing ${id}`),
      sortableTable({
        id: 'criterion-findings',
        columns: [
          { key: 'id', label: 'Finding', className: 'nowrap', cell: (f) => h('a', { href: ctx.link(`/findings/${f.id}`) }, f.id), sort: (f) => Number(f.id.slice(2)) },
          { key: 'title', label: 'Title', cell: (f) => f.title, sort: (f) => f.title },
          { key: 'severity', label: 'Severity', cell: (f) => h('span', { class: `pill sev-${f.severity}` }, f.severity), sort: (f) => severityRank(f.severity) },
          { key: 'status', label: 'Status', cell: (f) => statusPill(f), sort: findingStatusRank },
          { key: 'owner', label: 'Owner', cell: (f) => f.owner ?? 'unassigned', sort: (f) => f.owner },
        ],
        rows: findings.sort((a, b) => compareIds(a.id, b.id)),
        empty: 'No finding references this criterion.',
      })),
    h('section', { class: 'card wide', 'aria-labelledby': 'criterion-controls-title' },
      h('h2', { id: 'criterion-controls-title' }, `Controls mapped to ${id}`),
      sortableTable({
        id: 'criterion-controls',
        columns: [
          { key: 'id', label: 'Control', className: 'nowrap', cell: (c) => controlLink(c.id), sort: (c) => c.id },
          { key: 'title', label: 'Title', cell: (c) => c.title, sort: (c) => c.title },
          { key: 'owner', label: 'Owner', cell: (c) => (c.owner ? names.get(c.owner) ?? c.owner : 'no owner'), sort: (c) => c.owner },
          {
            key: 'status',
            label: 'Implementation',
            cell: (c) => [controlStatusPill(c), c.status === 'implemented' && c.counts_as_implemented === false
              ? h('span', { class: 'pill test-failed' }, 'not counted: latest test failed') : null],
            sort: (c) => c.status,
          },
          { key: 'evidence', label: 'Evidence', cell: (c) => [evidenceStatusPill(c.evidence_status), c.evidence_valid_until ? ` until ${c.evidence_valid_until}` : ''], sort: (c) => evidenceStatusRank(c.evidence_status) },
        ],
        rows: mapped,
        empty: 'No control is mapped to this criterion.',
      })),
    h('section', { class: 'card wide', 'aria-labelledby': 'criterion-evidence-title' },
      h('h2', { id: 'criterion-evidence-title' }, `Evidence for ${id}`),
      sortableTable({
        id: 'criterion-evidence',
        columns: [
          { key: 'id', label: 'Evidence', className: 'nowrap', cell: (e) => e.id, sort: (e) => Number(e.id.slice(2)) },
          { key: 'file', label: 'File', cell: (e) => h('span', { class: 'evidence-name' }, e.filename), sort: (e) => e.filename },
          {
            key: 'links',
            label: 'Supports',
            cell: (e) => [...e.controls.filter((c) => controlIds.has(c)).map(controlLink),
              ...e.findings.filter((f) => findingIds.has(f)).map((f) => h('a', { href: ctx.link(`/findings/${encodeURIComponent(f)}`) }, f))]
              .flatMap((a, i) => (i ? [', ', a] : [a])),
          },
          { key: 'expires', label: 'Valid until', className: 'nowrap', cell: (e) => e.expires_on ?? 'no end date', sort: (e) => e.expires_on },
          { key: 'current', label: 'Current', cell: (e) => (e.current ? 'yes' : 'no'), sort: (e) => (e.current ? 0 : 1) },
        ],
        rows: behind.sort((a, b) => compareIds(a.id, b.id)),
        empty: 'No evidence is linked to these controls or findings.',
      }),
      h('p', {}, h('a', { href: ctx.link('/evidence') }, 'The evidence library'))));
}
