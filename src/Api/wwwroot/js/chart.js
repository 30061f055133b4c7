// A small SVG line chart: series drawn as they grow, no library.
import { t } from './i18n.js';

const NS = 'http://www.w3.org/2000/svg';
const svg = (tag, attributes = {}) => {
  const element = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
  return element;
};

/** series: [{name, points: [[x, y], ...], className}]; returns an <svg> with a title for screen readers. */
export function lineChart(title, series, { width = 560, height = 180, markX = null } = {}) {
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart', 'aria-label': title });
  const all = series.flatMap(s => s.points);
  if (!all.length) {
    const empty = svg('text', { x: 10, y: height / 2, class: 'chart-empty' });
    empty.textContent = t('chart.empty');
    chart.append(empty);
    return chart;
  }
  const pad = { left: 44, right: 8, top: 10, bottom: 20 };
  const xs = all.map(p => p[0]), ys = all.map(p => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) || 1];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const X = x => pad.left + (x - x0) / ((x1 - x0) || 1) * (width - pad.left - pad.right);
  const Y = y => height - pad.bottom - (y - y0) / (y1 - y0) * (height - pad.top - pad.bottom);
  chart.append(svg('line', { x1: pad.left, y1: Y(y0), x2: width - pad.right, y2: Y(y0), class: 'axis' }));
  for (const [value, anchor] of [[y0, 'end'], [y1, 'end']]) {
    const label = svg('text', { x: pad.left - 4, y: Y(value) + 4, 'text-anchor': anchor, class: 'tick' });
    label.textContent = Number(value.toPrecision(3)).toString();
    chart.append(label);
  }
  for (const [value, anchor] of x0 === x1 ? [[x0, 'start']] : [[x0, 'start'], [x1, 'end']]) {
    const label = svg('text', { x: X(value), y: height - 4, 'text-anchor': anchor, class: 'tick' });
    label.textContent = String(value);
    chart.append(label);
  }
  if (markX != null) chart.append(svg('line', { x1: X(markX), y1: pad.top, x2: X(markX), y2: height - pad.bottom, class: 'mark' }));
  series.forEach((s, index) => {
    if (!s.points.length) return;
    chart.append(svg('polyline', { points: s.points.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' '), class: `series series-${index}` }));
    const legend = svg('text', { x: pad.left + 8 + index * 110, y: pad.top + 10, class: `legend series-${index}` });
    legend.textContent = s.name;
    chart.append(legend);
  });
  return chart;
}
