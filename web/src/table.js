// A table whose column headers sort it (click or Enter/Space on the header button; aria-sort
// tells assistive technology the order).
import { clear, h } from './dom.js';

// columns: [{key, label, cell(row) → Node|string, sort?(row) → comparable, className?, header?}]
// `header`: a Node shown in the column's header instead of `label` (which still names the
// column's cells on a phone).
// `captionClass`: e.g. 'visually-hidden' for a caption that only names the table to screen readers.
// `className` goes on the <table> (e.g. 'stack-on-phone': one block per row on narrow screens).
export function sortableTable({ columns, rows, caption, captionClass, sort = null, id, className, empty = 'Nothing to show.' }) {
  let state = sort ?? { key: null, dir: 1 };
  const tbody = h('tbody');
  const headCells = columns.map((c) => {
    if (!c.sort) return h('th', { scope: 'col', class: c.className }, c.header ?? c.label);
    const button = h('button', { type: 'button', class: 'sort' }, c.label);
    const th = h('th', { scope: 'col', class: c.className }, button);
    button.addEventListener('click', () => {
      state = { key: c.key, dir: state.key === c.key ? -state.dir : 1 };
      draw();
    });
    return th;
  });
  const table = h('table', { id, class: className },
    caption ? h('caption', { class: captionClass }, caption) : null,
    h('thead', {}, h('tr', {}, headCells)),
    tbody);

  function draw() {
    columns.forEach((c, i) => {
      if (!c.sort) return;
      headCells[i].setAttribute('aria-sort', state.key === c.key ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
    });
    const col = columns.find((c) => c.key === state.key);
    const sorted = col ? [...rows].sort((a, b) => ordered(col.sort(a), col.sort(b), state.dir)) : rows;
    clear(tbody);
    if (sorted.length === 0) {
      tbody.append(h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty)));
    }
    for (const row of sorted) {
      tbody.append(h('tr', {}, columns.map((c) => h('td', { class: c.className, 'data-label': c.label }, c.cell(row)))));
    }
  }
  draw();
  return tableWrap(table, caption ?? id);
}

// A table in a box that scrolls sideways when the table is wider than the screen (phones).
// While it does, the box takes the focus and is a named region, so the keyboard can scroll it
// too (axe: scrollable-region-focusable); otherwise it is no tab stop.
export function tableWrap(table, label) {
  const wrap = h('div', { class: 'table-wrap' }, table);
  const update = () => {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.tabIndex = 0;
      wrap.setAttribute('role', 'region');
      wrap.setAttribute('aria-label', `${label || table.caption?.textContent || 'Table'} (scrolls sideways)`);
    } else {
      wrap.removeAttribute('tabindex');
      wrap.removeAttribute('role');
      wrap.removeAttribute('aria-label');
    }
  };
  const watch = new ResizeObserver(update);
  watch.observe(wrap);
  watch.observe(table);
  return wrap;
}

const blank = (v) => v === null || v === undefined || v === '';

// Blanks (no due date, no rating, …) stay last whichever way the column is sorted.
function ordered(a, b, dir) {
  if (blank(a) || blank(b)) return blank(a) - blank(b);
  return compare(a, b) * dir;
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined || a === '') return 1; // blanks last
  if (b === null || b === undefined || b === '') return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}
