// What the signed-in user may do (SPEC §3 and §4), to decide which actions to show. The server
// stays the authority: it refuses anything else, and the UI shows its message when it does.

const isEditor = (me) => me.role === 'editor' || me.role === 'admin';
const owns = (me, f) => f.owner !== null && f.owner === me.email;

// The status changes this user may make on finding `f`: [{to, label, reason}] where `reason`
// says a reason is required.
export function statusActions(me, f) {
  if (me.role === 'auditor') return [];
  const work = isEditor(me) || owns(me, f);
  const actions = [];
  const add = (to, label, reason = false) => actions.push({ to, label, reason });
  switch (f.status) {
    case 'open':
      if (work) add('in_progress', 'Start work (in progress)'), add('remediated', 'Mark remediated');
      break;
    case 'in_progress':
      if (work) add('remediated', 'Mark remediated'), add('open', 'Back to open');
      break;
    case 'remediated':
      // Segregation of duties: the owner never verifies its own fix.
      if (isEditor(me) && !owns(me, f)) add('closed', 'Close as verified');
      if (isEditor(me)) add('in_progress', 'Verification failed (back to in progress)', true);
      break;
    case 'closed':
      if (isEditor(me)) add('open', 'Reopen', true);
      break;
    case 'risk_accepted':
      if (me.role === 'admin') add('open', 'Revoke the risk acceptance', true);
      break;
    default:
      break;
  }
  return actions;
}

export const can = {
  riskAccept: (me, f) => me.role === 'admin' && !owns(me, f) && (f.status === 'open' || f.status === 'in_progress'),
  // A closed finding is done: its owner, due date and evidence stay as they were verified
  // (reopen it to change them).
  assign: (me, f) => isEditor(me) && f.status !== 'closed',
  setDueDate: (me, f) => isEditor(me) && f.status !== 'closed',
  comment: (me) => me.role !== 'auditor',
  uploadEvidence: (me, f) => f.status !== 'closed' && (isEditor(me) || (me.role === 'contributor' && owns(me, f))),
  verifyLog: (me) => me.role === 'admin' || me.role === 'auditor',
  auditBundle: (me) => me.role === 'admin' || me.role === 'auditor',
  poam: () => true,
};
