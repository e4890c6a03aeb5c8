// Reminders (SPEC §11) as the dashboard words them: the kinds, who received one, the state of a
// delivery. The rules that select reminders are the server's alone (GET /notifications/due shows
// what they select); nothing here decides who gets what.
import { h, humanize } from './dom.js';

// [kind, label, what it is about], in the order of SPEC §11's table.
export const KINDS = [
  ['assigned', 'Assigned', 'a finding was assigned to its new owner'],
  ['due_soon', 'Due soon', '7 days and 1 day before a due date'],
  ['overdue', 'Overdue', 'the first day a finding is overdue, then weekly'],
  ['acceptance_expiring', 'Acceptance expiring', '30 and 7 days before a risk acceptance ends'],
  ['acceptance_expired', 'Acceptance expired', 'the first day a risk acceptance has ended'],
  ['evidence_expiring', 'Evidence expiring', '30 days before current evidence stops being valid'],
  ['weekly_digest', 'Weekly digest', 'Mondays: each person’s findings and the program’s week'],
];
const LABELS = new Map(KINDS.map(([k, label]) => [k, label]));

export const kindLabel = (kind) => LABELS.get(kind) ?? humanize(kind);

// The log's actor for what gaplog did by itself (a reminder sent), which is not a person.
export const SYSTEM_ACTOR = 'gaplog';
export const actorLabel = (actor, names) =>
  (actor === SYSTEM_ACTOR ? 'gaplog (the server)' : names?.get(actor) ?? actor);

// "webhook:wh_…" or an e-mail; `names` (e-mail → name) when known.
export function recipientLabel(recipient, names) {
  const m = /^webhook:(.+)$/.exec(recipient ?? '');
  if (m) return `Webhook ${m[1]}`;
  const name = names?.get(recipient);
  return name && name !== recipient ? `${name} (${recipient})` : recipient;
}

export const DELIVERY_STATES = [
  ['pending', 'pending (being retried)'],
  ['delivered', 'delivered'],
  ['failed', 'failed'],
];

// A delivery's state as a pill; a failure in the gap colours, with its words (not colour alone).
export function deliveryState(state) {
  return h('span', { class: `pill delivery-${state}` }, state);
}
