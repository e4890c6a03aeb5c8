// Assessment (SPEC §13): the gap assessment behind the program, as of the day shown (GET
// /assessment): the documents reviewed (kind, owner, the latest review's outcome and date, the
// next review, flagged when due), the interviews held, the control tests, each with the findings
// it produced, and the in-scope criteria that nothing has touched yet ("not assessed"). Editors
// and admins record a document, a review of one and an interview here. Sorting is done in the
// page. A row's id is the document's, interview's or test's own (D-1, I-2, AC-01#test-2), so a
// finding's origin links to `/assessment#D-1`.
import { UserAction, get, getAll, request } from '../api.js';
import { clear, field, h, humanize, message, select } from '../dom.js';
import { checkGroup, values } from '../filters.js';
import { act, flashMessage } from '../forms.js';
import { DOCUMENT_KINDS, REVIEW_OUTCOMES, reviewOutcomePill, testResultPill, today } from '../format.js';
import { can } from '../roles.js';
import { sortableTable } from '../table.js';

const joinNodes = (nodes) => nodes.flatMap((n, i) => (i ? [', ', n] : [n]));
const num = (id) => Number(String(id).replace(/^\D+/, ''));

export async function assessmentView(ctx) {
  const mayRecord = !ctx.past && can.recordAssessment(ctx.me);
  const [assessment, catalog, users, findings] = await Promise.all([
    get('/assessment', ctx.time),
    get('/criteria'),
    getAll('/users'),
    getAll('/findings', ctx.time),
  ]);
  const names = new Map(users.map((u) => [u.email, u.name]));
  const titles = new Map(catalog.items.map((c) => [c.id, c.title]));
  const byId = new Map(findings.map((f) => [f.id, f]));
  const links = {
    criteria: (ids) => joinNodes(ids.map((c) => h('a', { href: ctx.link(`/criteria/${encodeURIComponent(c)}`), title: titles.get(c) ?? '' }, c))),
    findings: (ids) => (ids.length
      ? h('ul', { class: 'inline-list finding-links' }, ids.map((id) => h('li', { 'data-finding': id },
        h('a', { href: ctx.link(`/findings/${encodeURIComponent(id)}`), title: byId.get(id)?.title ?? '' }, id))))
      : h('span', { class: 'muted' }, 'none')),
    person: (email) => (email ? names.get(email) ?? email : '—'),
  };
  const { documents, interviews, tests } = assessment;
  const notAssessed = assessment.not_assessed;
  const dueReviews = documents.filter((d) => d.review_due).length;

  return h('div', { class: 'assessment' },
    h('h1', {}, 'Assessment'),
    flashMessage(),
    h('p', { class: 'subtitle' }, `As of ${assessment.as_of}: the documents reviewed, the interviews held and the control tests, `,
      'with the findings each produced.'),
    h('div', { class: 'cards' },
      card('assessed', 'Criteria assessed', `${assessment.assessed} of ${assessment.in_scope}`, 'in-scope criteria touched by a review, an interview or a test'),
      card('not-assessed-count', 'Not assessed', String(notAssessed.length), notAssessed.length ? 'in-scope criteria nothing has touched' : 'every in-scope criterion has been looked at'),
      card('document-count', 'Documents', String(documents.length), dueReviews ? `${dueReviews} due for review` : 'none due for review'),
      card('interview-count', 'Interviews', String(interviews.length), `${tests.length} control test${tests.length === 1 ? '' : 's'}`)),
    notAssessedSection(ctx, notAssessed, titles),
    documentsSection(documents, links),
    interviewsSection(interviews, links),
    testsSection(ctx, tests, links),
    // after what was found: most visits are to read it
    mayRecord ? forms(ctx, documents, users, catalog) : null);
}

function card(id, title, big, note) {
  return h('section', { class: 'card', 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, title),
    h('p', { class: 'big', id }, big),
    h('p', { class: 'hint' }, note));
}

function notAssessedSection(ctx, ids, titles) {
  return h('section', { class: 'card wide', id: 'not-assessed', 'aria-labelledby': 'not-assessed-title' },
    h('h2', { id: 'not-assessed-title' }, `Not assessed (${ids.length})`),
    ids.length
      ? [h('p', { class: 'hint' }, 'In-scope criteria that no document review, interview or control test has touched yet.'),
        h('ul', { class: 'criteria-list', id: 'not-assessed-list' }, ids.map((c) => h('li', { 'data-criterion': c },
          h('a', { href: ctx.link(`/criteria/${encodeURIComponent(c)}`) }, h('span', { class: 'crit-id' }, c), ` ${titles.get(c) ?? ''}`))))]
      : h('p', { id: 'not-assessed-list' }, 'None: every in-scope criterion has been looked at.'));
}

function reviewsCell(d, links) {
  const latest = d.latest_review;
  if (!latest) return h('span', { class: 'muted' }, 'not reviewed');
  return [reviewOutcomePill(latest.outcome, { class: 'latest-outcome' }), ' ', h('span', { class: 'nowrap' }, latest.reviewed_on),
    h('details', { class: 'reviews' },
      h('summary', {}, d.reviews.length === 1 ? 'The review' : `All ${d.reviews.length} reviews`),
      h('ol', {}, d.reviews.map((r) => h('li', {},
        reviewOutcomePill(r.outcome), ` ${r.reviewed_on}, by ${links.person(r.reviewed_by)}`,
        r.next_review_on ? `; next review ${r.next_review_on}` : '',
        r.notes ? h('p', { class: 'prewrap' }, r.notes) : null))))];
}

function documentsSection(documents, links) {
  return h('section', { class: 'card wide', id: 'documents', 'aria-labelledby': 'documents-title' },
    h('h2', { id: 'documents-title' }, `Documents (${documents.length})`),
    sortableTable({
      id: 'documents-table',
      className: 'stack-on-phone',
      columns: [
        { key: 'id', label: 'ID', className: 'nowrap', cell: (d) => h('span', { id: d.id, tabindex: '-1', class: 'row-anchor' }, d.id), sort: (d) => num(d.id) },
        {
          key: 'title',
          label: 'Title',
          className: 'title',
          cell: (d) => [h('span', { class: 'doc-title' }, d.title), d.document_version ? h('span', { class: 'muted' }, ` v${d.document_version}`) : null],
          sort: (d) => d.title.toLowerCase(),
        },
        { key: 'kind', label: 'Kind', className: 'labelled', cell: (d) => d.kind, sort: (d) => d.kind },
        { key: 'owner', label: 'Owner', className: 'labelled', cell: (d) => links.person(d.owner), sort: (d) => d.owner },
        { key: 'review', label: 'Latest review', className: 'labelled', cell: (d) => reviewsCell(d, links), sort: (d) => d.latest_review?.reviewed_on },
        {
          key: 'next',
          label: 'Next review',
          className: 'labelled nowrap',
          cell: (d) => [d.next_review_on ?? '—', d.review_due ? [' ', h('span', { class: 'pill review-due' }, 'review due')] : null],
          sort: (d) => d.next_review_on,
        },
        { key: 'criteria', label: 'Criteria', className: 'labelled', cell: (d) => links.criteria(d.criteria), sort: (d) => d.criteria[0] },
        { key: 'findings', label: 'Findings', className: 'labelled', cell: (d) => links.findings(d.findings), sort: (d) => d.findings.length },
      ],
      rows: documents,
      empty: 'No documents recorded yet.',
    }));
}

function interviewsSection(interviews, links) {
  return h('section', { class: 'card wide', id: 'interviews', 'aria-labelledby': 'interviews-title' },
    h('h2', { id: 'interviews-title' }, `Interviews (${interviews.length})`),
    sortableTable({
      id: 'interviews-table',
      className: 'stack-on-phone',
      columns: [
        { key: 'id', label: 'ID', className: 'nowrap', cell: (i) => h('span', { id: i.id, tabindex: '-1', class: 'row-anchor' }, i.id), sort: (i) => num(i.id) },
        {
          key: 'stakeholder',
          label: 'Stakeholder',
          className: 'title',
          cell: (i) => [h('span', { class: 'stakeholder' }, i.stakeholder), h('span', { class: 'muted' }, `, ${i.stakeholder_role}`),
            i.notes ? h('details', { class: 'reviews' }, h('summary', {}, 'Notes'), h('p', { class: 'prewrap' }, i.notes)) : null],
          sort: (i) => i.stakeholder.toLowerCase(),
        },
        { key: 'held', label: 'Held on', className: 'labelled nowrap', cell: (i) => i.held_on, sort: (i) => i.held_on },
        { key: 'interviewers', label: 'Interviewers', className: 'labelled', cell: (i) => i.interviewers.map(links.person).join(', '), sort: (i) => i.interviewers[0] },
        { key: 'criteria', label: 'Criteria', className: 'labelled', cell: (i) => links.criteria(i.criteria), sort: (i) => i.criteria[0] },
        { key: 'findings', label: 'Findings', className: 'labelled', cell: (i) => links.findings(i.findings), sort: (i) => i.findings.length },
      ],
      rows: interviews,
      empty: 'No interviews recorded yet.',
    }));
}

function testsSection(ctx, tests, links) {
  return h('section', { class: 'card wide', id: 'tests', 'aria-labelledby': 'tests-title' },
    h('h2', { id: 'tests-title' }, `Control tests (${tests.length})`),
    h('p', { class: 'hint' }, 'Recorded on each control’s page; a test is named by its control and its place in that control’s tests.'),
    sortableTable({
      id: 'tests-table',
      className: 'stack-on-phone',
      columns: [
        { key: 'ref', label: 'Test', className: 'nowrap', cell: (t) => h('span', { id: t.ref, tabindex: '-1', class: 'row-anchor' }, t.ref), sort: (t) => t.ref },
        {
          key: 'control',
          label: 'Control',
          className: 'title',
          cell: (t) => [h('a', { href: ctx.link(`/controls/${encodeURIComponent(t.control)}`) }, t.control), t.control_title ? ` ${t.control_title}` : ''],
          sort: (t) => t.control,
        },
        { key: 'kind', label: 'Kind', className: 'labelled', cell: (t) => humanize(t.kind), sort: (t) => t.kind },
        { key: 'result', label: 'Result', className: 'labelled', cell: (t) => testResultPill(t.result), sort: (t) => t.result },
        { key: 'date', label: 'Tested on', className: 'labelled nowrap', cell: (t) => t.tested_on, sort: (t) => t.tested_on },
        { key: 'findings', label: 'Findings', className: 'labelled', cell: (t) => links.findings(t.findings ?? []), sort: (t) => (t.findings ?? []).length },
      ],
      rows: tests,
      empty: 'No control has been tested yet.',
    }));
}

// Editors and admins: record a document, review one, record an interview.
function forms(ctx, documents, users, catalog) {
  const criteriaOptions = catalog.items.map((c) => [c.id, `${c.id} ${c.title}`]);
  const people = users.filter((u) => u.active);
  const optional = (k, v) => (v.trim() ? { [k]: v.trim() } : {});

  const documentForm = (() => {
    const title = h('input', { type: 'text', name: 'title', id: 'document-title', required: true, maxlength: 200 });
    const kind = select(DOCUMENT_KINDS.map((k) => [k, k]), 'policy', { name: 'kind', id: 'document-kind' });
    const owner = select([['', 'No owner'], ...people.filter((u) => u.role !== 'auditor').map((u) => [u.email, `${u.name} (${u.email})`])], '',
      { name: 'owner', id: 'document-owner' });
    const version = h('input', { type: 'text', name: 'version', id: 'document-version', maxlength: 64 });
    const approved = h('input', { type: 'date', name: 'approved_on', id: 'document-approved' });
    const next = h('input', { type: 'date', name: 'next_review_on', id: 'document-next-review' });
    const criteria = checkGroup({ legend: 'Criteria it covers', name: 'document-criteria', className: 'scroll', options: criteriaOptions, selected: [] });
    const status = h('div', { class: 'form-status' });
    const action = new UserAction();
    const form = h('form', { class: 'card action', id: 'document-form', 'aria-labelledby': 'document-form-title' },
      h('h3', { id: 'document-form-title' }, 'Record a document'),
      field('Title', title), field('Kind', kind), field('Owner', owner), field('Version (optional)', version),
      h('div', { class: 'row' }, field('Approved on (optional)', approved), field('Next review (optional)', next)),
      criteria,
      h('button', { type: 'submit' }, 'Record the document'), status);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const chosen = values(criteria);
      if (!chosen.length) {
        clear(status).append(message('error', 'Tick at least one criterion the document covers.'));
        return;
      }
      act(ctx, form, status, 'Recording the document…', (d) => `${d.id} recorded: ${d.title}.`, () =>
        request('/documents', { method: 'POST', action, body: {
          title: title.value.trim(), kind: kind.value, criteria: chosen,
          ...(owner.value ? { owner: owner.value } : {}), ...optional('version', version.value),
          ...(approved.value ? { approved_on: approved.value } : {}), ...(next.value ? { next_review_on: next.value } : {}),
        } }))(e);
    });
    return form;
  })();

  const reviewForm = (() => {
    if (!documents.length) return null;
    const doc = select(documents.map((d) => [d.id, `${d.id} · ${d.title}`]), documents[0].id, { name: 'document', id: 'review-document' });
    const outcome = select(REVIEW_OUTCOMES, 'adequate', { name: 'outcome', id: 'review-outcome' });
    const reviewed = h('input', { type: 'date', name: 'reviewed_on', id: 'review-date', value: today(), max: today() });
    const next = h('input', { type: 'date', name: 'next_review_on', id: 'review-next' });
    const notes = h('textarea', { name: 'notes', id: 'review-notes', rows: 2, maxlength: 10000 });
    const status = h('div', { class: 'form-status' });
    const action = new UserAction();
    const form = h('form', { class: 'card action', id: 'review-form', 'aria-labelledby': 'review-form-title' },
      h('h3', { id: 'review-form-title' }, 'Review a document'),
      field('Document', doc), field('Outcome', outcome),
      h('div', { class: 'row' }, field('Reviewed on', reviewed), field('Next review (optional)', next)),
      field('Notes (optional)', notes),
      h('button', { type: 'submit' }, 'Record the review'), status);
    form.addEventListener('submit', act(ctx, form, status, 'Recording the review…',
      () => `Review of ${doc.value} recorded: ${humanize(outcome.value)}.`, () =>
        request(`/documents/${encodeURIComponent(doc.value)}/reviews`, { method: 'POST', action, body: {
          outcome: outcome.value, ...optional('notes', notes.value),
          ...(reviewed.value ? { reviewed_on: reviewed.value } : {}), ...(next.value ? { next_review_on: next.value } : {}),
        } })));
    return form;
  })();

  const interviewForm = (() => {
    const stakeholder = h('input', { type: 'text', name: 'stakeholder', id: 'interview-stakeholder', required: true, maxlength: 200 });
    const role = h('input', { type: 'text', name: 'stakeholder_role', id: 'interview-role', required: true, maxlength: 200 });
    const held = h('input', { type: 'date', name: 'held_on', id: 'interview-date', value: today(), max: today(), required: true });
    const interviewers = checkGroup({
      legend: 'Interviewers',
      name: 'interviewers',
      className: 'scroll',
      options: people.map((u) => [u.email, `${u.name} (${u.email})`]),
      selected: [ctx.me.email],
    });
    const criteria = checkGroup({ legend: 'Criteria discussed', name: 'interview-criteria', className: 'scroll', options: criteriaOptions, selected: [] });
    const notes = h('textarea', { name: 'notes', id: 'interview-notes', rows: 2, maxlength: 10000 });
    const status = h('div', { class: 'form-status' });
    const action = new UserAction();
    const form = h('form', { class: 'card action', id: 'interview-form', 'aria-labelledby': 'interview-form-title' },
      h('h3', { id: 'interview-form-title' }, 'Record an interview'),
      field('Stakeholder', stakeholder), field('Their role', role), field('Held on', held),
      interviewers, criteria, field('Notes (optional)', notes),
      h('button', { type: 'submit' }, 'Record the interview'), status);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const who = values(interviewers);
      const chosen = values(criteria);
      if (!who.length || !chosen.length) {
        clear(status).append(message('error', !who.length ? 'Tick at least one interviewer.' : 'Tick at least one criterion discussed.'));
        return;
      }
      act(ctx, form, status, 'Recording the interview…', (i) => `${i.id} recorded: ${i.stakeholder}, ${i.held_on}.`, () =>
        request('/interviews', { method: 'POST', action, body: {
          stakeholder: stakeholder.value.trim(), stakeholder_role: role.value.trim(), held_on: held.value,
          interviewers: who, criteria: chosen, ...optional('notes', notes.value),
        } }))(e);
    });
    return form;
  })();

  return h('section', { class: 'actions', 'aria-labelledby': 'assessment-actions-title' },
    h('h2', { id: 'assessment-actions-title' }, 'Record the assessment'),
    h('div', { class: 'action-grid' }, documentForm, reviewForm, interviewForm));
}
