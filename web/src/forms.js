// What the forms that change accounts share (the Users view, your API tokens): progress and the
// server's refusal in the form, and confirmation in the page. Destructive actions ask in the
// page, never with window.confirm (the browser tests treat a dialog as a failure, and people
// click through it).
import { clear, h, message } from './dom.js';

export const describe = (err) => (err.describe ? err.describe() : err.message);
export const refused = (err) => (err.status === 0 ? `Not confirmed: ${describe(err)}` : `Refused: ${describe(err)}`);

// Runs `fn` with the form's controls disabled, showing progress and the server's refusal.
export async function submitting(form, statusEl, doing, fn) {
  const controls = [...form.querySelectorAll('button, input, select, textarea')];
  controls.forEach((c) => { c.dataset.wasDisabled = c.disabled; c.disabled = true; });
  clear(statusEl).append(message('info', doing));
  try {
    await fn();
    return true;
  } catch (err) {
    clear(statusEl).append(message('error', refused(err)));
    return false;
  } finally {
    controls.forEach((c) => { c.disabled = c.dataset.wasDisabled === 'true'; });
  }
}

// A question and two buttons in place of `trigger`, until answered.
export function confirmInPage(trigger, { question, yes, onYes }) {
  const box = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Please confirm' });
  const no = h('button', { type: 'button' }, 'Cancel');
  const ok = h('button', { type: 'button', class: 'danger' }, yes);
  no.addEventListener('click', () => {
    box.replaceWith(trigger);
    trigger.focus();
  });
  ok.addEventListener('click', () => onYes(box, ok, no));
  box.append(h('p', {}, question), h('div', { class: 'buttons' }, ok, no));
  trigger.replaceWith(box);
  ok.focus();
  return box;
}

// A Copy button for `text()`, with its status next to it. Where the clipboard is refused (plain
// http off localhost), `valueEl`'s text is selected for Ctrl+C instead.
export function copyButton(text, valueEl, { id, label = 'Copy', ariaLabel } = {}) {
  const status = h('span', { class: 'copy-status', role: 'status' });
  const button = h('button', { type: 'button', id, 'aria-label': ariaLabel }, label);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text());
      status.textContent = 'Copied.';
    } catch {
      const range = document.createRange();
      range.selectNodeContents(valueEl);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      status.textContent = 'Copying was not allowed here: the text is selected, press Ctrl+C (⌘C on a Mac).';
    }
  });
  return [button, ' ', status];
}

// A message to show once, on the page drawn again after a successful action.
let flashText = null;

// The message left by the last action, once (null when there is none). Focused by the shell
// after drawing, so a keyboard user lands on what happened.
export function flashMessage() {
  const text = flashText;
  flashText = null;
  if (!text) return null;
  const el = message('success', text);
  el.id = 'flash';
  el.tabIndex = -1;
  return el;
}

// A form's submit handler: disables the form (or the controls listed in `form`, an array), says
// what is happening, shows the server's
// refusal in `statusEl`, and on success draws the view again with `done` (a string, or a
// function of fn's result) shown once. `onRefused(err)` may add to the refusal (a bulk
// command's reasons per finding).
export function act(ctx, form, statusEl, doing, done, fn, { onRefused } = {}) {
  return async (e) => {
    e?.preventDefault?.();
    const controls = Array.isArray(form) ? form : [...form.querySelectorAll('button, input, select, textarea')];
    controls.forEach((c) => { c.dataset.wasDisabled = c.disabled; c.disabled = true; });
    clear(statusEl).append(message('info', doing));
    try {
      const result = await fn();
      flashText = typeof done === 'function' ? done(result) : done;
      await ctx.refresh();
    } catch (err) {
      clear(statusEl).append(message('error', refused(err)));
      onRefused?.(err, statusEl);
      controls.forEach((c) => { c.disabled = c.dataset.wasDisabled === 'true'; });
    }
  };
}
