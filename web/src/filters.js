// Filters with several values (SPEC §12: status=open,in_progress): a group of checkboxes under
// a legend, which a keyboard and a screen reader handle as well as a mouse (a <select multiple>
// needs Ctrl+click). The values go to the API and into the URL comma-separated.
import { h } from './dom.js';

// The values of a comma-separated URL parameter.
export const listParam = (query, name) => (query.get(name) ?? '').split(',').filter(Boolean);

// <fieldset class="check-group"><legend>…</legend> one checkbox per [value, label] </fieldset>;
// `onChange(checkbox)` after each change. `values(fieldset)` reads the checked values.
export function checkGroup({ legend, name, options, selected, onChange, className = '' }) {
  const chosen = new Set(selected);
  return h('fieldset', { class: `check-group ${className}`.trim(), 'data-filter': name },
    h('legend', {}, legend),
    options.map(([value, label], i) => {
      const id = `filter-${name}-${i}`;
      const box = h('input', { type: 'checkbox', id, name, value, checked: chosen.has(value) });
      if (onChange) box.addEventListener('change', () => onChange(box));
      return h('div', { class: 'field inline' }, box, h('label', { for: id }, label));
    }));
}

export const values = (fieldset) => [...fieldset.querySelectorAll('input[type="checkbox"]:checked')].map((b) => b.value);
export const joined = (fieldset) => values(fieldset).join(',') || null;
