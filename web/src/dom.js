// Building the DOM without HTML strings: every piece of text, whoever wrote it, becomes a text
// node, so a finding titled "<img src=x onerror=alert(1)>" shows those characters. There is no
// innerHTML anywhere in the UI, and no style attribute (the Content-Security-Policy forbids
// inline styles; sizes are set through the CSSOM, which it allows).

// h('a', {href: '/x', class: 'link', onclick: fn}, 'text', child, [more])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'style') {
      throw new Error('inline styles are not allowed (CSP); use a class');
    } else if (name === 'value' && 'value' in el) {
      el.value = value;
    } else if (name === 'checked' || name === 'selected') {
      el[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// A labelled form control: <div class="field"><label for=id>Label</label><control id=id></div>.
let nextId = 0;
export function field(label, control, hint) {
  const id = control.id || `f${++nextId}`;
  control.id = id;
  const hintEl = hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

export function select(options, value, attrs = {}) {
  return h(
    'select',
    attrs,
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
}

// A short message in a live region: role="alert" for errors, "status" for the rest.
export function message(kind, text) {
  return h('p', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function humanize(s) {
  return s == null ? '' : String(s).replaceAll('_', ' ');
}
