// Your account (/account): every signed-in person, auditors included.
// - Reminders (SPEC §11): whether gaplog e-mails you, and whether you get the Monday digest
//   (GET/PUT /api/v1/me/notifications).
// - API tokens (SPEC §10): issue, list and revoke your own tokens for the gaplog command line and
//   scripts (POST/GET /api/v1/me/tokens, DELETE /api/v1/tokens/{id}). Personal tokens last 90
//   days unless another last day is chosen, at most a year ahead (the server decides; the date
//   field's bounds only help the picker). The box itself is the one admins use on a user's page
//   (tokens.js). A link leads to the API reference (/api-reference), for those who write scripts.
import { UserAction, get, request } from '../api.js';
import { clear, h, message } from '../dom.js';
import { copyButton, describe, submitting } from '../forms.js';
import { tokenBox } from '../tokens.js';

const DAY_MS = 86400e3;
// YYYY-MM-DD `days` from today (UTC, the server's calendar).
const dayFromToday = (days) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

const myTokens = async () => (await get('/me/tokens')).items;

export async function accountView(ctx) {
  const [tokens, notifications] = await Promise.all([
    myTokens(),
    // the page still shows (and says why) when only the reminder settings cannot be read
    get('/me/notifications').catch((err) => err),
  ]);
  const { email, role } = ctx.me;
  const origin = window.location.origin;
  const example = `gaplog --server ${origin} --token YOUR_TOKEN readiness`;
  const exampleEl = h('code', { id: 'cli-example', class: 'token-value' }, example);
  return h('div', {},
    h('h1', { id: 'account-title' }, 'Your account'),
    h('p', { class: 'subtitle', id: 'account-who' }, `Signed in as ${email} (${role}).`),
    remindersSection(notifications),
    h('section', { class: 'card wide', 'aria-labelledby': 'cli-title' },
      h('h2', { id: 'cli-title' }, 'What a token is for'),
      h('p', { id: 'tokens-explained' },
        'An API token lets the gaplog command line, or a script of yours, act as you, with your role, ',
        'without a browser. It is shown once, when you issue it: copy it then, and keep it as you would a password. ',
        'It lasts 90 days unless you pick another last day (at most a year ahead). ',
        'Revoke it here as soon as you no longer need it, or if someone else may have seen it.'),
      h('p', {}, 'For example, to see readiness from a terminal:'),
      h('p', { class: 'cli-example' }, exampleEl, ' ',
        copyButton(() => example, exampleEl, { id: 'copy-example', ariaLabel: 'Copy the example command' })),
      h('p', { class: 'hint' }, 'Replace YOUR_TOKEN with your token. To keep it out of your shell history, set ',
        h('code', {}, 'GAPLOG_SERVER'), ' and ', h('code', {}, 'GAPLOG_TOKEN'), ' in your environment instead of the options.'),
      h('p', { id: 'api-reference-hint' }, 'Writing a script? The ',
        h('a', { href: ctx.link('/api-reference'), id: 'api-reference-link' }, 'API reference'),
        ' lists every endpoint, what it takes and what it answers.')),
    tokenBox({
      title: 'Your API tokens',
      list: myTokens,
      initial: tokens,
      issue: (body, action) => request('/me/tokens', { method: 'POST', action, body }),
      expiry: {
        hint: 'Leave empty for 90 days from today; at most a year ahead.',
        min: dayFromToday(0),
        max: dayFromToday(365),
      },
      handOver: 'It is yours alone: do not share it, and do not send it by e-mail or chat.',
    }));
}

// Two choices, sent together: e-mail reminders at all, and the Monday digest (an e-mail too, so
// its box is disabled, keeping its value, while e-mail is off).
function remindersSection(settings) {
  const section = h('section', { class: 'card wide', id: 'reminder-settings', 'aria-labelledby': 'reminder-settings-title' },
    h('h2', { id: 'reminder-settings-title' }, 'Reminders'),
    h('p', {}, 'gaplog e-mails you about the findings you own: when one is assigned to you, a week and a day before ',
      'it is due, and when it is overdue. Admins also hear about risk acceptances that are ending, and whoever ',
      'looks after a control about its evidence expiring. On Mondays the digest lists what is yours and how the program did that week.'));
  if (settings instanceof Error) {
    section.append(message('error', `Could not read your reminder settings: ${describe(settings)}`));
    return section;
  }
  const email = h('input', { type: 'checkbox', id: 'notify-email', name: 'email', checked: settings.email });
  const digest = h('input', { type: 'checkbox', id: 'notify-digest', name: 'digest', checked: settings.digest, disabled: !settings.email,
    'aria-describedby': 'notify-digest-hint' });
  const digestHint = h('small', { id: 'notify-digest-hint', class: 'hint' }, 'The digest is an e-mail: it needs e-mail reminders on.');
  email.addEventListener('change', () => { digest.disabled = !email.checked; });
  const status = h('div', { class: 'form-status', id: 'reminder-settings-status' });
  const action = new UserAction();
  const form = h('form', { id: 'reminder-settings-form', 'aria-labelledby': 'reminder-settings-title' },
    h('fieldset', { class: 'checks' },
      h('legend', { class: 'visually-hidden' }, 'Which reminders you get'),
      h('div', { class: 'field inline' }, email, h('label', { for: 'notify-email' }, 'E-mail reminders')),
      h('div', { class: 'field inline' }, digest, h('label', { for: 'notify-digest' }, 'Monday digest')),
      digestHint),
    h('button', { type: 'submit' }, 'Save the reminder settings'),
    status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { email: email.checked, digest: digest.checked };
    let saved = null;
    const ok = await submitting(form, status, 'Saving…', async () => {
      saved = await request('/me/notifications', { method: 'PUT', action, body });
    });
    if (!ok) return;
    email.checked = saved.email;
    digest.checked = saved.digest;
    digest.disabled = !saved.email;
    clear(status).append(message('success', saved.email
      ? `Saved: gaplog e-mails you reminders, ${saved.digest ? 'and the Monday digest' : 'but not the Monday digest'}.`
      : 'Saved: gaplog sends you no e-mail reminders and no digest.'));
  });
  section.append(form);
  return section;
}
