// Orders and formats shared by the views.
import { h } from './dom.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low'];
export const STATUSES = ['open', 'in_progress', 'remediated', 'risk_accepted', 'closed'];
export const CRITERION_STATUSES = ['gap', 'no_control', 'no_evidence', 'ready', 'out_of_scope'];
export const CATEGORIES = ['security', 'availability', 'processing_integrity', 'confidentiality', 'privacy'];

export const severityRank = (s) => SEVERITIES.indexOf(s);
export const statusRank = (s) => STATUSES.indexOf(s);

// "F-10" after "F-2".
export function compareIds(a, b) {
  const na = Number(String(a).replace(/^\D+/, ''));
  const nb = Number(String(b).replace(/^\D+/, ''));
  return na - nb || String(a).localeCompare(String(b));
}

export function percent(p) {
  return `${Number(p).toFixed(1)}%`;
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// "2026-03-01T10:00:00Z" → "2026-03-01 10:00 UTC"
export function timestamp(t) {
  return t ? t.replace('T', ' ').replace(/(:\d\d)(\.\d+)?Z$/, '$1 UTC') : '';
}

export function today() {
  return new Date().toISOString().slice(0, 10);
}

// A finding's status as shown: a risk acceptance past its expiry (the API's
// `acceptance_expired`, SPEC §3) is a gap again and never shows as an approved acceptance.
export function findingStatus(f) {
  if (f.status === 'risk_accepted' && f.acceptance_expired === true) {
    return { key: 'acceptance_expired', label: 'acceptance expired' };
  }
  return { key: f.status, label: f.status.replaceAll('_', ' ') };
}

export function statusPill(f, attrs = {}) {
  const s = findingStatus(f);
  return h('span', { ...attrs, class: `pill st-${s.key}` }, s.label);
}
export const findingStatusRank = (f) => statusRank(findingStatus(f).key === 'acceptance_expired' ? 'open' : f.status);

export const criterionStatusLabel = {
  gap: 'gap (unresolved finding)',
  no_control: 'no implemented control',
  no_evidence: 'no current evidence',
  ready: 'ready',
  out_of_scope: 'out of scope',
};

// Controls and their evidence (SPEC §12).
export const CONTROL_STATUSES = ['not_implemented', 'partially_implemented', 'implemented'];
export const controlStatusRank = (s) => CONTROL_STATUSES.indexOf(s);
// The API's evidence_status of a control, worst first, with its words (never colour alone).
export const EVIDENCE_STATUSES = ['missing', 'lapsed', 'expiring', 'current'];
export const evidenceStatusLabel = {
  missing: 'no evidence',
  lapsed: 'evidence lapsed',
  expiring: 'evidence expiring within 30 days',
  current: 'evidence current',
};
export const evidenceStatusRank = (s) => EVIDENCE_STATUSES.indexOf(s);
export function evidenceStatusPill(status, attrs = {}) {
  return h('span', { ...attrs, class: `pill ev-${status}` }, evidenceStatusLabel[status] ?? humanizeWord(status));
}
export const CADENCES = [
  ['none', 'no cadence (evidence valid until its own date)'],
  ['monthly', 'monthly'],
  ['quarterly', 'quarterly'],
  ['semiannual', 'every six months'],
  ['annual', 'yearly'],
];
export const cadenceLabel = (c) => (CADENCES.find(([k]) => k === c)?.[1] ?? humanizeWord(c));
export const TEST_KINDS = [['design', 'design'], ['operating', 'operating effectiveness']];
export const TEST_RESULTS = [['pass', 'pass'], ['fail', 'fail'], ['exception', 'exception']];

export function controlStatusPill(c, attrs = {}) {
  return h('span', { ...attrs, class: `pill cs-${c.status}` }, humanizeWord(c.status));
}
export function testResultPill(result) {
  return h('span', { class: `pill tr-${result}` }, result);
}

// YYYY-MM-DD plus `days` (UTC calendar).
export function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const humanizeWord = (s) => (s == null ? '' : String(s).replaceAll('_', ' '));

// The assessment (SPEC §13): documents reviewed and the outcomes of their reviews.
export const DOCUMENT_KINDS = ['policy', 'procedure', 'plan', 'standard', 'record', 'other'];
export const REVIEW_OUTCOMES = [
  ['adequate', 'adequate'],
  ['outdated', 'outdated'],
  ['incomplete', 'incomplete'],
  ['not_approved', 'not approved'],
  ['missing', 'missing'],
];
export function reviewOutcomePill(outcome, attrs = {}) {
  return h('span', { ...attrs, class: `pill ro-${outcome}${attrs.class ? ` ${attrs.class}` : ''}` }, humanizeWord(outcome));
}

// A finding's risk (SPEC §13): likelihood × impact, 1–25, in four bands for the colours (the
// number is always written too).
export const RISK_LEVELS = [1, 2, 3, 4, 5];
export const riskBand = (score) => (score >= 15 ? 'critical' : score >= 10 ? 'high' : score >= 5 ? 'medium' : 'low');
export function riskCell(f) {
  if (!f.risk_score) return h('span', { class: 'muted', title: 'No likelihood and impact set' }, '—');
  return h('span', { class: `risk risk-${riskBand(f.risk_score)}`, title: `likelihood ${f.likelihood} × impact ${f.impact}` },
    String(f.risk_score), h('span', { class: 'risk-factors' }, ` (${f.likelihood}×${f.impact})`));
}
