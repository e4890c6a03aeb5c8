// Evidence files (SPEC §6, §12): the upload form (drop a file on it, or pick one with the file
// input, which is the keyboard's way and a screen reader's) and the download button (fetched
// with the page's credentials and handed over as a blob: URL, api.js). Used by a finding's page,
// a control's page and the evidence library.
import { UserAction, download, request } from './api.js';
import { clear, field, h, message } from './dom.js';
import { act, describe } from './forms.js';
import { bytes } from './format.js';

// A button that downloads evidence `e`, reporting in `statusEl`.
export function downloadButton(e, statusEl, { label = `Download ${e.filename}` } = {}) {
  const button = h('button', { type: 'button', class: 'download', 'data-evidence': e.id }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    clear(statusEl).append(message('info', `Downloading ${e.filename}…`));
    try {
      const got = await download(`/evidence/${encodeURIComponent(e.id)}/content`, e.filename);
      clear(statusEl).append(message('success', `Downloaded ${got.name} (${bytes(got.size)}).`));
    } catch (err) {
      clear(statusEl).append(message('error', `Download failed: ${describe(err)}`));
    }
    button.disabled = false;
  });
  return button;
}

// The upload form. `target()` gives what the evidence is linked to ({finding} or {control}, or
// {} for none) or throws an Error whose message is shown; `fields` are more form fields placed
// after the drop zone (e.g. what to link it to); `validHint` says what an empty "Valid until"
// means there. Ids default to the finding page's (the browser tests use them); `prefix` makes
// them unique elsewhere. On success the view is drawn again with "Uploaded <name>…".
export function uploadForm(ctx, {
  title, target, fields = [], validHint, prefix = '', done = (file) => `Uploaded ${file.name}.`,
}) {
  const id = (name) => (prefix ? `${prefix}-${name}` : name);
  let chosen = null;
  const input = h('input', { type: 'file', id: id('evidence-file'), name: 'file' });
  const chosenEl = h('p', { class: 'chosen', id: id('evidence-chosen'), 'aria-live': 'polite' }, 'No file chosen.');
  const collected = h('input', { type: 'date', name: 'collected_on' });
  const valid = h('input', { type: 'date', name: 'valid_until' });
  const submit = h('button', { type: 'submit', class: 'primary', disabled: true }, 'Upload the evidence');
  const status = h('div', { class: 'form-status' });
  const action = new UserAction();
  const choose = (file) => {
    chosen = file ?? null;
    chosenEl.textContent = chosen ? `Chosen: ${chosen.name} (${bytes(chosen.size)})` : 'No file chosen.';
    submit.disabled = !chosen;
  };
  input.addEventListener('change', () => choose(input.files[0]));
  const zone = h('div', { class: 'dropzone', id: id('dropzone') },
    h('label', { for: input.id }, 'Drop a file here, or choose one'), input, chosenEl);
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    if (e.dataTransfer?.files?.length) choose(e.dataTransfer.files[0]);
  });
  const form = h('form', { class: 'upload', id: id('upload-form'), 'aria-labelledby': id('upload-title') },
    h('h3', { id: id('upload-title') }, title),
    zone,
    fields,
    h('div', { class: 'row' }, field('Collected on (optional)', collected), field('Valid until (optional)', valid, validHint)),
    submit, status);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!chosen) return;
    let link;
    try {
      link = target();
    } catch (err) {
      clear(status).append(message('error', err.message));
      return;
    }
    const file = chosen;
    act(ctx, form, status, `Uploading ${file.name}…`, (stored) => done(file, stored), () =>
      request('/evidence', {
        method: 'POST',
        action,
        query: { filename: file.name, ...link, collected_on: collected.value, valid_until: valid.value },
        raw: file,
        headers: { 'Content-Type': file.type || 'application/octet-stream' },
      }))(e);
  });
  return form;
}
