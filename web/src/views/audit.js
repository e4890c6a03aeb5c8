// Audit: the event log with paging and filters, the signed tree head, verify, and the exports
// for the CPA firm (SPEC §6/§7).
import { download, get, getAll } from '../api.js';
import { clear, field, h, humanize, message, select } from '../dom.js';
import { timestamp } from '../format.js';
import { SYSTEM_ACTOR, actorLabel } from '../notifications.js';
import { can } from '../roles.js';
import { tableWrap } from '../table.js';

const PAGE = 50;
const EVENT_TYPES = [
  'program_named', 'scope_set', 'user_added', 'user_role_changed', 'user_deactivated', 'user_signed_in',
  'user_signed_out', 'token_issued',
  'token_revoked', 'control_defined', 'control_updated', 'control_status_set', 'control_tested', 'finding_recorded',
  'finding_updated', 'finding_assigned', 'finding_due_date_set', 'finding_status_changed', 'risk_accepted',
  'comment_added', 'evidence_uploaded', 'evidence_linked', 'evidence_unlinked',
  'notification_sent', 'user_notifications_set', 'webhook_added', 'webhook_removed',
  'document_recorded', 'document_reviewed', 'interview_recorded', 'audit_target_set',
];

export async function auditView(ctx) {
  const q = ctx.query;
  const filters = { type: q.get('type') ?? '', actor: q.get('actor') ?? '', stream: q.get('stream') ?? '' };
  const after = Math.max(0, Number(q.get('after') ?? 0) || 0);
  const [head, page, users] = await Promise.all([
    get('/audit/tree-head'),
    get('/events', { after, limit: PAGE, ...filters }),
    getAll('/users'),
  ]);
  return h('div', {},
    h('h1', {}, 'Audit trail'),
    ctx.past ? message('info', 'The audit trail always shows the whole log; the as-of date applies to the audit bundle below.') : null,
    h('div', { class: 'audit-cards' }, treeHeadCard(ctx, head), exportsCard(ctx)),
    eventsSection(ctx, page, filters, after, users, head.tree_size));
}

function treeHeadCard(ctx, head) {
  const row = (label, value, id) => [h('dt', {}, label), h('dd', { class: 'mono', id }, String(value))];
  const card = h('section', { class: 'card', 'aria-labelledby': 'head-title' },
    h('h2', { id: 'head-title' }, 'Signed tree head'),
    h('dl', { class: 'facts' },
      row('Tree size', head.tree_size, 'tree-size'),
      row('Root hash', head.root_hash, 'root-hash'),
      row('Signed at', timestamp(head.timestamp)),
      row('Signature (Ed25519)', head.signature),
      // Pre-formatted: a PEM needs its line breaks to load (openssl pkey -pubin) once copied.
      h('dt', {}, 'Public key'), h('dd', {}, h('pre', { class: 'pem', id: 'public-key' }, head.public_key))));
  if (can.verifyLog(ctx.me)) {
    const result = h('div', { id: 'verify-result' });
    const button = h('button', { type: 'button', id: 'verify', class: 'primary' }, 'Verify the log');
    button.addEventListener('click', async () => {
      button.disabled = true;
      clear(result).append(message('info', 'Recomputing every leaf and the root…'));
      try {
        const v = await get('/audit/verify');
        clear(result).append(v.ok
          ? message('success', `Verified: all ${v.tree_size} events match the root ${v.root_hash}.`)
          : message('error', `Verification FAILED at seq ${v.first_bad_seq}: ${v.problem ?? 'a stored event was changed'}.`));
      } catch (err) {
        clear(result).append(message('error', `Could not verify: ${err.describe ? err.describe() : err.message}`));
      }
      button.disabled = false;
    });
    card.append(button, result);
  }
  return card;
}

function exportsCard(ctx) {
  const status = h('div', { id: 'export-status' });
  const button = (id, label, path, name, query) => {
    const b = h('button', { type: 'button', id }, label);
    b.addEventListener('click', async () => {
      b.disabled = true;
      clear(status).append(message('info', `Preparing ${name}…`));
      try {
        const got = await download(path, name, query);
        clear(status).append(message('success', `Downloaded ${got.name} (${got.size} bytes).`));
      } catch (err) {
        clear(status).append(message('error', `${label} failed: ${err.describe ? err.describe() : err.message}`));
      }
      b.disabled = false;
    });
    return b;
  };
  const day = ctx.asOf || new Date().toISOString().slice(0, 10);
  return h('section', { class: 'card', 'aria-labelledby': 'exports-title' },
    h('h2', { id: 'exports-title' }, 'Exports'),
    h('div', { class: 'buttons vertical' },
      can.auditBundle(ctx.me)
        ? button('download-bundle', 'Download the audit bundle', '/export/audit-bundle', `gaplog-audit-bundle-${day}.tar`, { as_of: ctx.asOf || undefined })
        : null,
      button('download-poam', 'Download the POA&M (OSCAL JSON)', '/export/poam', `gaplog-poam-${day}.json`, ctx.time),
      button('download-report-audit', 'Download the management report (HTML)', '/export/report', `gaplog-report-${day}.html`, { as_of: ctx.asOf || undefined })),
    can.auditBundle(ctx.me) ? h('p', { class: 'hint' }, `The bundle holds the events, the signed tree head, the evidence and the readiness as of ${day}.`) : null,
    status);
}

function eventsSection(ctx, page, filters, after, users, treeSize) {
  const type = select([['', 'Any type'], ...EVENT_TYPES.map((t) => [t, humanize(t)])], filters.type, { name: 'type' });
  // gaplog itself is the actor of the reminders it sent (SPEC §11).
  const actor = select([['', 'Anyone'], [SYSTEM_ACTOR, actorLabel(SYSTEM_ACTOR)], ...users.map((u) => [u.email, u.email])],
    filters.actor, { name: 'actor' });
  const stream = h('input', { type: 'text', name: 'stream', value: filters.stream, placeholder: 'e.g. finding/F-3' });
  const apply = () => ctx.navigate(ctx.link('/audit', { type: type.value, actor: actor.value, stream: stream.value.trim(), after: null }));
  type.addEventListener('change', apply);
  actor.addEventListener('change', apply);
  const filtered = Boolean(filters.type || filters.actor || filters.stream);
  const go = (a) => ctx.link('/audit', { ...filters, after: a ? String(a) : null });
  const first = page.events[0]?.seq;
  const last = page.events[page.events.length - 1]?.seq;

  return h('section', { class: 'card wide', 'aria-labelledby': 'events-title' },
    h('h2', { id: 'events-title' }, 'Event log'),
    h('form', { class: 'filters', 'aria-label': 'Filter events', onsubmit: (e) => { e.preventDefault(); apply(); } },
      field('Type', type), field('Actor', actor), field('Stream', stream), h('button', { type: 'submit' }, 'Filter')),
    h('p', { role: 'status', id: 'events-range' }, page.events.length
      ? `Events ${first}–${last}${filtered ? ' matching the filters' : ''} of ${treeSize}`
      : `No events${filtered ? ' match the filters' : ''} after seq ${after}.`),
    tableWrap(h('table', { id: 'events-table' },
      h('thead', {}, h('tr', {}, ['Seq', 'Occurred', 'Recorded', 'Type', 'Stream', 'Actor', 'Details', 'Leaf hash'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, page.events.map((e) => h('tr', { class: e.backfilled ? 'backfilled' : '' },
        h('td', { class: 'num' }, String(e.seq)),
        h('td', {}, when(e.occurred_at), e.backfilled ? [' ', h('span', { class: 'pill backfilled-flag' }, 'back-filled')] : null),
        h('td', {}, when(e.recorded_at)),
        h('td', {}, humanize(e.type)),
        h('td', {}, streamLink(ctx, e.stream)),
        h('td', { class: e.actor === SYSTEM_ACTOR ? 'system-actor' : null }, actorLabel(e.actor)),
        h('td', { class: 'details' }, details(e.data)),
        h('td', { class: 'mono', title: e.leaf_hash }, `${e.leaf_hash.slice(0, 12)}…`)))))),
    h('nav', { class: 'pager', 'aria-label': 'Event pages' },
      after > 0 ? h('a', { href: go(0) }, '« First') : null,
      after > 0 && !filtered ? h('a', { href: go(Math.max(0, after - PAGE)) }, '‹ Previous') : null,
      page.next_after !== null && page.next_after !== undefined ? h('a', { href: go(page.next_after), id: 'next-page' }, 'Next ›') : null,
      !filtered && treeSize > PAGE ? h('a', { href: go(Math.max(0, treeSize - PAGE)) }, 'Latest »') : null));
}

// The date and the time each kept whole, so a moment takes two short lines at most.
function when(t) {
  const [date, time] = timestamp(t).split(/ (.*)/);
  return [h('span', { class: 'nowrap' }, date), ' ', h('span', { class: 'nowrap' }, time ?? '')];
}

function streamLink(ctx, stream) {
  const m = /^finding\/(.+)$/.exec(stream);
  if (m) return h('a', { href: ctx.link(`/findings/${encodeURIComponent(m[1])}`) }, stream);
  const c = /^control\/(.+)$/.exec(stream);
  if (c) return h('a', { href: ctx.link(`/controls/${encodeURIComponent(c[1])}`) }, stream);
  const u = /^user\/(.+)$/.exec(stream);
  if (u && ctx.me.role === 'admin') return h('a', { href: ctx.link(`/users/${encodeURIComponent(u[1])}`) }, stream);
  // the webhooks and the reminders delivered are on the admins' Reminders page
  if ((stream === 'notifications' || stream.startsWith('webhook/')) && ctx.me.role === 'admin') {
    return h('a', { href: ctx.link('/reminders') }, stream);
  }
  return stream;
}

// An event's data in one line (cut to the cell's width), every field in full on demand: shown
// whole, 50 rows of hashes and JSON made the page 9,000 px tall.
function details(data) {
  const entries = Object.entries(data ?? {})
    .filter(([, v]) => v !== null && v !== '' && !(Array.isArray(v) && !v.length));
  if (!entries.length) return null;
  const text = (v) => (typeof v === 'object' ? JSON.stringify(v) : String(v));
  return h('details', { class: 'event-details' },
    h('summary', {}, h('span', { class: 'one-line' }, entries.map(([k, v]) => `${k}: ${text(v)}`).join('; '))),
    h('dl', { class: 'event-data' }, entries.map(([k, v]) => [h('dt', {}, humanize(k)), h('dd', { class: 'prewrap' }, text(v))])));
}
