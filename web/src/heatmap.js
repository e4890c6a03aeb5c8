// The risk heat map (SPEC §13): the unresolved findings with a likelihood and an impact, as of a
// day, in a 5 × 5 table (likelihood 5 at the top, impact 1 on the left), from GET /heatmap. Each
// count links to the Findings view showing those findings: the view filters them in the page
// (likelihood, impact, unresolved), which is how the API puts them in the cell. The unrated
// count links to the unresolved findings without a rating. Colours follow the cell's score
// (likelihood × impact), and the numbers are always written.
import { h } from './dom.js';
import { RISK_LEVELS, riskBand } from './format.js';

const plural = (n) => `${n} finding${n === 1 ? '' : 's'}`;

export function heatMap(ctx, map, { id = 'heatmap' } = {}) {
  const cells = new Map(map.cells.map((c) => [`${c.likelihood}:${c.impact}`, c]));
  const rated = map.cells.reduce((n, c) => n + c.findings.length, 0);
  const cell = (likelihood, impact) => {
    const c = cells.get(`${likelihood}:${impact}`) ?? { findings: [], risk_score: likelihood * impact };
    const n = c.findings.length;
    const words = `${plural(n)} with likelihood ${likelihood} and impact ${impact} (risk ${c.risk_score})`;
    return h('td', {
      class: `heat-cell risk-${riskBand(c.risk_score)}${n ? '' : ' empty-cell'}`,
      'data-likelihood': likelihood,
      'data-impact': impact,
      'data-count': n,
    }, n
      ? h('a', {
        href: ctx.link('/findings', { likelihood: String(likelihood), impact: String(impact), unresolved: 'true' }),
        'aria-label': words,
        title: `${c.findings.join(', ')}`,
      }, String(n))
      : h('span', { title: words }, h('span', { 'aria-hidden': 'true' }, '·'), h('span', { class: 'visually-hidden' }, words)));
  };
  const table = h('table', { class: 'heatmap', id },
    h('caption', { class: 'visually-hidden' }, `Unresolved findings by likelihood (rows, 5 at the top) and impact (columns) as of ${map.as_of}`),
    h('thead', {}, h('tr', {},
      h('td', { class: 'corner' }, h('span', { class: 'muted' }, 'Likelihood ↓ / Impact →')),
      RISK_LEVELS.map((i) => h('th', { scope: 'col' }, `Impact ${i}`)))),
    h('tbody', {}, [...RISK_LEVELS].reverse().map((l) => h('tr', {},
      h('th', { scope: 'row' }, `Likelihood ${l}`),
      RISK_LEVELS.map((i) => cell(l, i))))));
  const unrated = map.unrated.length;
  return h('div', { class: 'heatmap-box' },
    table,
    h('p', { id: `${id}-summary` },
      `${plural(rated)} rated`, ' · ',
      unrated
        ? h('a', { href: ctx.link('/findings', { unrated: 'true', unresolved: 'true' }), id: `${id}-unrated` },
          `${plural(unrated)} without a rating`)
        : h('span', { id: `${id}-unrated` }, 'every unresolved finding is rated')),
    h('ul', { class: 'legend', 'aria-label': 'Risk bands' },
      [['low', '1–4'], ['medium', '5–9'], ['high', '10–14'], ['critical', '15–25']].map(([band, range]) =>
        h('li', { class: `risk-${band}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), `${band} risk: ${range}`))));
}
