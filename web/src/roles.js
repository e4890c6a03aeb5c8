// What the signed-in user may do (SPEC §3 and §4), to decide which actions to show. The server
// stays the authority: it refuses anything else, and the UI shows its message when it does.

const isEditor = (me) => me.role === 'editor' || me.role === 'admin';
// `thing`: a finding or a control (SPEC §12: controls have owners too).
const owns = (me, thing) => thing.owner !== null && thing.owner !== undefined && thing.owner === me.email;

// What each status change is called on its button. Which changes the user may make, and which
// need a reason, come from the server with the finding (allowed_transitions, SPEC §3), so the
// rules are kept in one place.
const LABELS = {
  'open>in_progress': 'Start work (in progress)',
  'open>remediated': 'Mark remediated',
  'in_progress>remediated': 'Mark remediated',
  'in_progress>open': 'Back to open',
  'remediated>closed': 'Close as verified',
  'remediated>in_progress': 'Verification failed (back to in progress)',
  'closed>open': 'Reopen',
  'risk_accepted>open': 'Revoke the risk acceptance',
};

// The status changes this user may make on finding `f`: [{to, label, reason}] where `reason`
// says a reason is required.
export function statusActions(f) {
  return (f.allowed_transitions || []).map((t) => ({
    to: t.to,
    label: LABELS[`${f.status}>${t.to}`] || `Move to ${t.to.replace('_', ' ')}`,
    reason: t.reason_required,
  }));
}

export const can = {
  riskAccept: (me, f) => me.role === 'admin' && !owns(me, f) && (f.status === 'open' || f.status === 'in_progress'),
  // A closed finding is done: its owner, due date and evidence stay as they were verified
  // (reopen it to change them).
  assign: (me, f) => isEditor(me) && f.status !== 'closed',
  setDueDate: (me, f) => isEditor(me) && f.status !== 'closed',
  comment: (me) => me.role !== 'auditor',
  uploadEvidence: (me, f) => f.status !== 'closed' && (isEditor(me) || (me.role === 'contributor' && owns(me, f))),
  // Link or unlink evidence to a finding: as upload (SPEC §6), and not on a closed finding.
  linkFindingEvidence: (me, f) => f.status !== 'closed' && (isEditor(me) || (me.role === 'contributor' && owns(me, f))),
  // Bulk assign, due date and status on the findings list (SPEC §12: editors and admins).
  bulkFindings: (me) => isEditor(me),
  // A finding's likelihood, impact and origin (SPEC §13: editors and admins, by PATCH).
  rateFinding: (me) => isEditor(me),
  // Record documents, their reviews and interviews (SPEC §13).
  recordAssessment: (me) => isEditor(me),
  // The audit date (SPEC §13).
  setAuditDate: (me) => me.role === 'admin',
  // A control's status, owner, cadence and tests (SPEC §4: editors and admins).
  editControl: (me) => isEditor(me),
  // Upload evidence for a control, and link or unlink evidence to it: editors, admins and the
  // contributor who owns the control (SPEC §4, §12).
  controlEvidence: (me, c) => isEditor(me) || (me.role === 'contributor' && owns(me, c)),
  // Everyone but auditors can own work (SPEC §4), so everyone but them has a My work page.
  ownWork: (me) => me.role !== 'auditor',
  // Upload evidence not linked to anything (from the library): editors and admins; a contributor's
  // upload names a finding or control of theirs.
  uploadUnlinked: (me) => isEditor(me),
  verifyLog: (me) => me.role === 'admin' || me.role === 'auditor',
  auditBundle: (me) => me.role === 'admin' || me.role === 'auditor',
  poam: () => true,
};
