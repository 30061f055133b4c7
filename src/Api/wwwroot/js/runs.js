// Your runs, and two to four of them side by side at the same iteration with their settings' differences.
import { api } from './api.js';
import { h, mount } from './dom.js';
import { t } from './i18n.js';
import { announce } from './app.js';

export async function runsView() {
  const runs = await api('/api/runs');
  const chosen = new Set();
  const compare = h('button', { type: 'button', class: 'primary', onclick: () => {
    if (chosen.size < 2 || chosen.size > 4) return announce(t('runs.chooseTwoToFour'), 'error');
    location.hash = `#/compare?ids=${[...chosen].join(',')}`;
  } }, t('runs.compareSelected'));
  const table = runs.length ? h('table', {},
    h('thead', {}, h('tr', {}, ['runs.compare', 'runs.name', 'runs.status', 'runs.progress', 'runs.best', 'runs.createdAt'].map(k => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, runs.map(run => {
      const box = h('input', { type: 'checkbox', 'aria-label': t('runs.compareNamed', { name: run.name }), onchange: () => (box.checked ? chosen.add(run.id) : chosen.delete(run.id)) });
      return h('tr', {},
        h('td', {}, box),
        h('td', {}, h('a', { href: `#/runs/${run.id}` }, run.name)),
        h('td', {}, h('span', { class: `badge status-${run.status}` }, t(`status.${run.status}`))),
        h('td', {}, `${run.iteration.toLocaleString()} / ${run.totalIterations.toLocaleString()}`),
        h('td', {}, run.best ? t('runs.bestValue', { iteration: run.best.iteration, swd: run.best.swd?.toFixed(1) ?? '–' }) : '–'),
        h('td', {}, new Date(run.createdAt).toLocaleString()));
    }))) : h('p', {}, t('runs.none'), ' ', h('a', { href: '#/train' }, t('nav.train')));
  const sweeps = await api('/api/sweeps');
  const sweepList = sweeps.length ? h('section', {}, h('h2', {}, t('runs.sweeps')),
    h('ul', {}, sweeps.map(sweep => h('li', {},
      h('strong', {}, sweep.name), ' ', t('runs.sweepProgress', { finished: sweep.finished, runs: sweep.runs, grid: Object.keys(sweep.grid).join(', ') }), ' ',
      h('button', { type: 'button', 'aria-label': t('runs.compareSweep', { name: sweep.name }), onclick: async () => {
        const detail = await api(`/api/sweeps/${sweep.id}`);
        location.hash = `#/compare?ids=${detail.runs.map(r => r.id).join(',')}`;
      } }, t('runs.compareTheseRuns')))))) : null;
  return { title: t('runs.title'), element: h('section', {}, h('h1', {}, t('runs.title')), runs.length > 1 ? compare : null, table, sweepList) };
}

export async function compareView(query) {
  // Two to four runs chosen by hand, or a sweep's runs (up to 16).
  const ids = (query.get('ids') ?? '').split(',').filter(Boolean).slice(0, 16);
  const runs = await Promise.all(ids.map(id => api(`/api/runs/${id}`)));
  const samples = await Promise.all(ids.map(id => api(`/api/runs/${id}/samples`)));
  // The iterations every run has a grid for; the slider moves them together.
  const common = samples.map(s => s.map(x => x.iteration)).reduce((a, b) => a.filter(i => b.includes(i)), samples[0]?.map(x => x.iteration) ?? []);
  const slider = h('input', { type: 'range', min: 0, max: Math.max(0, common.length - 1), value: Math.max(0, common.length - 1), 'aria-label': t('compare.iteration') });
  const caption = h('p', { 'aria-live': 'polite' });
  const grids = runs.map(run => h('img', { class: 'sample-grid', alt: '', width: 256, height: 256 }));
  slider.hidden = common.length < 2;
  const show = () => {
    const iteration = common[Number(slider.value)];
    mount(caption, iteration == null ? t('compare.noCommon') : t('run.iterationN', { iteration: iteration.toLocaleString() }));
    grids.forEach((img, i) => {
      // No iteration in common (a fork, say): each run's latest grid.
      const shown = iteration ?? samples[i].at(-1)?.iteration;
      img.hidden = shown == null;
      if (shown == null) return;
      img.src = `/api/runs/${runs[i].id}/samples/${shown}`;
      img.alt = t('compare.gridAlt', { name: runs[i].name, iteration: shown });
    });
  };
  slider.addEventListener('input', show);
  show();

  const keys = [...new Set(runs.flatMap(r => Object.keys(r.config)))].sort();
  const differing = keys.filter(k => new Set(runs.map(r => JSON.stringify(r.config[k]))).size > 1);
  const cell = value => (value === undefined ? '–' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  const row = (label, values) => h('tr', {}, h('th', { scope: 'row' }, label), values.map(v => h('td', {}, v)));
  const table = h('table', {},
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('compare.setting')), runs.map(r => h('th', { scope: 'col' }, h('a', { href: `#/runs/${r.id}` }, r.name))))),
    h('tbody', {},
      row(t('runs.status'), runs.map(r => t(`status.${r.status}`))),
      row(t('compare.iterations'), runs.map(r => `${r.iteration} / ${r.totalIterations}`)),
      row(t('compare.bestSwd'), runs.map(r => (r.best ? `${r.best.swd?.toFixed(1)} @ ${r.best.iteration}` : '–'))),
      row(t('compare.latestSwd'), runs.map(r => r.metrics?.swd?.toFixed(1) ?? '–')),
      row(t('compare.diversity'), runs.map(r => r.metrics?.diversity?.toFixed(3) ?? '–')),
      differing.map(k => row(k, runs.map(r => cell(r.config[k]))))));

  return {
    title: t('compare.title'),
    element: h('section', {}, h('h1', {}, t('compare.title')), slider, caption,
      h('div', { class: 'compare-grid' }, runs.map((run, i) => h('figure', {}, grids[i], h('figcaption', {}, run.name)))),
      h('h2', {}, t('compare.differences')), differing.length ? null : h('p', {}, t('compare.same')), table),
  };
}
