// The readiness timeline chart, drawn with uPlot (installed from npm, copied into the build).
import uPlot from './vendor/uPlot.esm.js';
import { h } from './dom.js';

const DAY = 86400;
const seconds = (date) => Date.parse(`${date}T00:00:00Z`) / 1000;

// A chart of readiness % and unresolved findings over the timeline's points, with dashed
// markers for `ready_since` and `projected_ready_on`. Returns the container; the chart sizes
// itself to it and follows its width.
export function timelineChart(timeline) {
  const points = timeline.points;
  const xs = points.map((p) => seconds(p.date));
  const percent = points.map((p) => p.percent);
  const unresolved = points.map((p) => p.unresolved.critical + p.unresolved.high + p.unresolved.medium + p.unresolved.low);
  const overdue = points.map((p) => p.overdue);
  const markers = [];
  if (timeline.ready_since) markers.push([seconds(timeline.ready_since), 'ready since', '#1b7f3b']);
  if (timeline.projected_ready_on) markers.push([seconds(timeline.projected_ready_on), 'projected ready', '#5a3fc0']);
  const xMin = xs.length ? xs[0] : 0;
  const xMax = Math.max(xs.length ? xs[xs.length - 1] : 0, ...markers.map(([x]) => x)) + DAY;

  const container = h('div', { class: 'chart', role: 'img', 'aria-label': describe(timeline) });
  const height = 260;
  const plot = new uPlot(
    {
      width: 800,
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: { x: { time: true, range: [xMin, xMax] }, pct: { range: [0, 100] }, n: { range: (u, min, max) => [0, Math.max(5, max)] } },
      series: [
        { value: (u, v) => (v == null ? '' : new Date(v * 1000).toISOString().slice(0, 10)) },
        { label: 'Ready %', scale: 'pct', stroke: '#1b7f3b', width: 2, fill: 'rgba(27,127,59,0.08)', value: (u, v) => (v == null ? '' : `${v.toFixed(1)}%`) },
        { label: 'Unresolved findings', scale: 'n', stroke: '#b3261e', width: 1.5 },
        { label: 'Overdue', scale: 'n', stroke: '#c77700', width: 1.5, dash: [4, 3] },
      ],
      axes: [
        {},
        { scale: 'pct', values: (u, vals) => vals.map((v) => `${v}%`) },
        { scale: 'n', side: 1, grid: { show: false } },
      ],
      hooks: {
        draw: [
          (u) => {
            const { ctx } = u;
            ctx.save();
            ctx.font = `${12 * devicePixelRatio}px sans-serif`;
            for (const [x, label, color] of markers) {
              const px = u.valToPos(x, 'x', true);
              ctx.strokeStyle = color;
              ctx.fillStyle = color;
              ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
              ctx.lineWidth = 1.5 * devicePixelRatio;
              ctx.beginPath();
              ctx.moveTo(px, u.bbox.top);
              ctx.lineTo(px, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.fillText(label, px + 4 * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio);
            }
            ctx.restore();
          },
        ],
      },
    },
    [xs, percent, unresolved, overdue],
    container,
  );
  const resize = new ResizeObserver(() => {
    const width = Math.max(280, Math.floor(container.clientWidth));
    if (Math.abs(width - plot.width) > 1) plot.setSize({ width, height });
  });
  resize.observe(container);
  return container;
}

function describe(t) {
  const last = t.points[t.points.length - 1];
  return `Readiness from ${t.from} to ${t.to}: ${last ? `${last.percent.toFixed(1)}% on ${last.date}` : 'no points'}.`;
}
