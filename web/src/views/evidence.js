// The evidence library (/evidence, SPEC §12): every file with what it is linked to, when it was
// collected and until when it is valid (the API's expires_on: its own date, or the end of the
// cadence period of a control it supports); filters (expiring within 30 days, not linked to
// anything, by control, by finding) that go to the API and into the URL; download; upload (drop
// a file, or pick one: the keyboard's way); link and unlink, for those who may (SPEC §4, §12:
// editors and admins; a contributor on the findings and controls they own).
import { UserAction, getAll, request } from '../api.js';
import { field, h, select } from '../dom.js';
import { downloadButton, uploadForm } from '../files.js';
import { act, flashMessage } from '../forms.js';
import { addDays, bytes, compareIds, timestamp, today } from '../format.js';
import { can } from '../roles.js';
import { sortableTable } from '../table.js';

const EXPIRING_DAYS = 30;

export async function evidenceView(ctx) {
  const q = ctx.query;
  const chosen = {
    expiring: q.get('expiring_within') === String(EXPIRING_DAYS),
    unlinked: q.get('unlinked') === 'true',
    control: q.get('control') ?? '',
    finding: q.get('finding') ?? '',
  };
  const [evidence, controls, findings] = await Promise.all([
    getAll('/evidence', {
      expiring_within: chosen.expiring ? EXPIRING_DAYS : undefined,
      unlinked: chosen.unlinked ? 'true' : undefined,
      control: chosen.control,
      finding: chosen.finding,
      ...ctx.time,
    }),
    getAll('/controls', ctx.time),
    getAll('/findings', ctx.time),
  ]);
  const writable = !ctx.past && ctx.me.role !== 'auditor';
  // What this user may link evidence to, and unlink it from.
  const targets = {
    controls: writable ? controls.filter((c) => can.controlEvidence(ctx.me, c)) : [],
    findings: writable ? findings.filter((f) => can.linkFindingEvidence(ctx.me, f)) : [],
  };
  const mayControl = new Set(targets.controls.map((c) => c.id));
  const mayFinding = new Set(targets.findings.map((f) => f.id));

  const apply = (focusId) => ctx.navigate(ctx.link('/evidence', {
    expiring_within: expiring.checked ? String(EXPIRING_DAYS) : null,
    unlinked: unlinked.checked ? 'true' : null,
    control: control.value,
    finding: finding.value,
  }), { focusId });
  const expiring = h('input', { type: 'checkbox', id: 'filter-expiring', name: 'expiring_within', checked: chosen.expiring });
  const unlinked = h('input', { type: 'checkbox', id: 'filter-unlinked', name: 'unlinked', checked: chosen.unlinked });
  const control = select([['', 'Any control'], ...controls.map((c) => [c.id, `${c.id} ${c.title}`])], chosen.control,
    { name: 'control', id: 'filter-evidence-control' });
  const finding = select([['', 'Any finding'], ...[...findings].sort((a, b) => compareIds(a.id, b.id)).map((f) => [f.id, `${f.id} ${f.title}`])],
    chosen.finding, { name: 'finding', id: 'filter-evidence-finding' });
  for (const c of [expiring, unlinked, control, finding]) c.addEventListener('change', () => apply(c.id));
  const active = chosen.expiring || chosen.unlinked || chosen.control || chosen.finding;
  const day = ctx.asOf || today();

  const status = h('div', { class: 'form-status', id: 'evidence-status' });
  return h('div', {},
    h('h1', {}, 'Evidence'),
    h('p', { class: 'subtitle' }, 'Every file uploaded as evidence, what it supports, and until when it is valid.'),
    flashMessage(),
    writable && (targets.controls.length || targets.findings.length || can.uploadUnlinked(ctx.me))
      ? h('section', { class: 'card wide', 'aria-labelledby': 'library-upload-title' },
        h('h2', { id: 'library-upload-title' }, 'Upload evidence'),
        libraryUpload(ctx, targets))
      : null,
    h('form', { class: 'filters', 'aria-label': 'Filter evidence', onsubmit: (e) => { e.preventDefault(); apply(); } },
      h('div', { class: 'field inline' }, expiring,
        h('label', { for: expiring.id }, `Expiring within ${EXPIRING_DAYS} days`, h('span', { class: 'muted' }, ` (by ${addDays(day, EXPIRING_DAYS)})`))),
      h('div', { class: 'field inline' }, unlinked, h('label', { for: unlinked.id }, 'Not linked to anything')),
      field('Control', control),
      field('Finding', finding),
      active ? h('a', { href: ctx.link('/evidence', { expiring_within: null, unlinked: null, control: null, finding: null }), class: 'clear-filters' }, 'Clear filters') : null),
    h('p', { role: 'status', id: 'evidence-count' }, `${evidence.length} file${evidence.length === 1 ? '' : 's'}${active ? ' match the filters' : ''}`),
    status,
    sortableTable({
      id: 'evidence-table',
      className: 'stack-on-phone',
      columns: [
        { key: 'id', label: 'ID', className: 'nowrap', cell: (e) => e.id, sort: (e) => Number(e.id.slice(2)) },
        {
          key: 'file',
          label: 'File',
          className: 'title',
          cell: (e) => [h('span', { class: 'evidence-name' }, e.filename), h('span', { class: 'muted' }, ` ${bytes(e.size)}`), ' ',
            downloadButton(e, status, { label: 'Download' })],
          sort: (e) => e.filename.toLowerCase(),
        },
        { key: 'links', label: 'Linked to', className: 'labelled', cell: (e) => linksCell(ctx, e, mayControl, mayFinding, status), sort: (e) => [...e.controls, ...e.findings][0] },
        { key: 'collected', label: 'Collected on', className: 'labelled nowrap', cell: (e) => e.collected_on ?? '—', sort: (e) => e.collected_on },
        { key: 'expires', label: 'Valid until', className: 'labelled nowrap', cell: (e) => expiry(e, day), sort: (e) => e.expires_on },
        { key: 'uploaded', label: 'Uploaded', className: 'labelled', cell: (e) => `${e.uploaded_by}, ${timestamp(e.uploaded_at)}`, sort: (e) => e.uploaded_at },
        ...(targets.controls.length || targets.findings.length
          ? [{ key: 'link', label: 'Link', header: h('span', { class: 'visually-hidden' }, 'Link'), cell: (e) => linkOpener(ctx, e, targets, status) }]
          : []),
      ],
      rows: [...evidence].sort((a, b) => compareIds(a.id, b.id)),
      empty: active ? 'No evidence matches the filters.' : 'No evidence uploaded yet.',
    }));
}

// Valid until, and whether it still is on the day shown.
function expiry(e, day) {
  const until = e.expires_on;
  if (!until) return [h('span', {}, 'no end date'), e.current === false ? [' ', h('span', { class: 'pill ev-lapsed' }, 'not yet collected')] : null];
  const pill = until < day
    ? h('span', { class: 'pill ev-lapsed' }, 'expired')
    : until <= addDays(day, EXPIRING_DAYS) ? h('span', { class: 'pill ev-expiring' }, 'expiring soon') : null;
  return [h('span', { class: 'expires-on' }, until), pill ? [' ', pill] : null];
}

// The controls and findings `e` is linked to, each a link, with Unlink for those who may.
function linksCell(ctx, e, mayControl, mayFinding, status) {
  const items = [
    ...e.controls.map((id) => ({ kind: 'control', id, href: ctx.link(`/controls/${encodeURIComponent(id)}`), may: mayControl.has(id) })),
    ...e.findings.map((id) => ({ kind: 'finding', id, href: ctx.link(`/findings/${encodeURIComponent(id)}`), may: mayFinding.has(id) })),
  ];
  if (!items.length) return h('span', { class: 'muted' }, 'nothing');
  return h('ul', { class: 'links-list' }, items.map((l) => {
    const li = h('li', {}, h('a', { href: l.href }, l.id));
    if (l.may) {
      const action = new UserAction();
      const button = h('button', { type: 'button', class: 'unlink small', 'aria-label': `Unlink ${e.id} from ${l.id}` }, 'Unlink');
      button.addEventListener('click', act(ctx, [button], status, `Unlinking ${e.id} from ${l.id}…`, `${e.id} unlinked from ${l.id}.`, () =>
        request(`/evidence/${encodeURIComponent(e.id)}/unlinks`, { method: 'POST', action, body: { [l.kind]: l.id } })));
      li.append(' ', button);
    }
    return li;
  }));
}

// A "Link…" button that opens, in place, a choice of what to link `e` to.
function linkOpener(ctx, e, targets, status) {
  const controls = targets.controls.filter((c) => !e.controls.includes(c.id));
  const findings = targets.findings.filter((f) => !e.findings.includes(f.id));
  if (!controls.length && !findings.length) return null;
  const opener = h('button', { type: 'button', class: 'link-open', 'aria-label': `Link ${e.id}…` }, 'Link…');
  opener.addEventListener('click', () => {
    const choice = h('select', { name: 'target', id: `link-target-${e.id}` },
      controls.length ? h('optgroup', { label: 'Controls' }, controls.map((c) => h('option', { value: `control:${c.id}` }, `${c.id} ${c.title}`))) : null,
      findings.length ? h('optgroup', { label: 'Findings' }, findings.map((f) => h('option', { value: `finding:${f.id}` }, `${f.id} ${f.title}`))) : null);
    const action = new UserAction();
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const form = h('form', { class: 'link-form', 'aria-label': `Link ${e.id}` },
      h('label', { for: choice.id }, `Link ${e.id} to`), choice,
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Link'), cancel));
    cancel.addEventListener('click', () => {
      form.replaceWith(opener);
      opener.focus();
    });
    form.addEventListener('submit', (ev) => {
      const [kind, id] = choice.value.split(/:(.*)/);
      act(ctx, form, status, `Linking ${e.id} to ${id}…`, `${e.id} linked to ${id}.`, () =>
        request(`/evidence/${encodeURIComponent(e.id)}/links`, { method: 'POST', action, body: { [kind]: id } }))(ev);
    });
    opener.replaceWith(form);
    choice.focus();
  });
  return opener;
}

// Upload from the library: linked at once to a control or finding of the user's (a contributor
// must name one), or to nothing (editors and admins).
function libraryUpload(ctx, targets) {
  const options = [
    ...(can.uploadUnlinked(ctx.me) ? [h('option', { value: '' }, 'Nothing for now')] : []),
    targets.controls.length ? h('optgroup', { label: 'Controls' }, targets.controls.map((c) => h('option', { value: `control:${c.id}` }, `${c.id} ${c.title}`))) : null,
    targets.findings.length ? h('optgroup', { label: 'Findings' }, targets.findings.map((f) => h('option', { value: `finding:${f.id}` }, `${f.id} ${f.title}`))) : null,
  ];
  const linkTo = h('select', { name: 'link_to', id: 'library-link-to' }, options);
  return uploadForm(ctx, {
    title: 'A new file',
    prefix: 'library',
    fields: field('Link it to', linkTo, 'You can link it to more later.'),
    validHint: 'Leave empty for no end date, or the evidence period of the control it is linked to.',
    target: () => {
      if (!linkTo.value) return {};
      const [kind, id] = linkTo.value.split(/:(.*)/);
      return { [kind]: id };
    },
  });
}
