// An entity's history (a finding's, a control's): its events in log order, back-filled ones
// marked with the time they were recorded, each event's data written out.
import { h, humanize } from './dom.js';
import { timestamp } from './format.js';
import { actorLabel } from './notifications.js';

// Looking at a past day, a history stops where the projections do (SPEC §5): events that
// occurred by the end of that day and, with "as known at", were recorded by that moment.
export function asOfEvents(ctx, events) {
  const end = ctx.asOf ? Date.parse(`${ctx.asOf}T23:59:59.999Z`) : Infinity;
  const known = ctx.knownAt ? Date.parse(ctx.knownAt) : Infinity;
  return events.filter((e) => Date.parse(e.occurred_at) <= end && Date.parse(e.recorded_at) <= known);
}

// `omit`: data fields that only repeat whose history this is (finding_id on a finding's page).
export function historySection(events, names, { omit = [] } = {}) {
  const seen = new Set();
  const all = events.filter((e) => !seen.has(e.seq) && seen.add(e.seq)).sort((a, b) => a.seq - b.seq);
  return h('section', { class: 'card wide', 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'History'),
    all.length ? null : h('p', { id: 'no-history' }, 'Nothing recorded by that day.'),
    h('ol', { class: 'history', id: 'history' }, all.map((e) =>
      h('li', { class: e.backfilled ? 'backfilled' : '', 'data-seq': e.seq },
        h('div', { class: 'event-head' },
          h('span', { class: 'event-type' }, humanize(e.type)),
          ' · ', h('time', { datetime: e.occurred_at }, timestamp(e.occurred_at)),
          ' · ', actorLabel(e.actor, names),
          e.backfilled ? [' ', h('span', { class: 'pill backfilled-flag', title: `recorded ${e.recorded_at}` }, `back-filled (recorded ${timestamp(e.recorded_at)})`)] : null,
          h('span', { class: 'muted' }, ` · seq ${e.seq}`)),
        eventDetails(e, omit)))));
}

function eventDetails(e, omit) {
  const entries = Object.entries(e.data ?? {})
    .filter(([k, v]) => !omit.includes(k) && v !== null && v !== '' && !(Array.isArray(v) && !v.length));
  if (!entries.length) return null;
  return h('dl', { class: 'event-data' }, entries.map(([k, v]) => [
    h('dt', {}, humanize(k)),
    h('dd', { class: 'prewrap' }, typeof v === 'object' ? (Array.isArray(v) ? v.join(', ') : JSON.stringify(v)) : String(v)),
  ]));
}
