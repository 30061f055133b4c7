// One run, live: progress with ETA, the loss and metric charts as they grow, diagnoses in plain words, a timeline of
// sample grids with the best iteration marked, cancel and fork, and generation from any kept checkpoint.
import { api } from './api.js';
import { h, mount, field, formatDuration } from './dom.js';
import { has, t } from './i18n.js';
import { announce } from './app.js';
import { lineChart } from './chart.js';
import { generatePanel } from './generate.js';

const terminal = ['completed', 'failed', 'cancelled'];

/** A diagnosis in the studio's language: its own words from the language file when it has them, else the service's. */
function said(diagnosis, part) {
  const key = `diagnosis.${diagnosis.code}.${part}`;
  return has(key) ? t(key, { iteration: diagnosis.iteration, ...(diagnosis.values ?? {}) }) : diagnosis[part];
}

/** "2nd in line, about 14 minutes" for a queued run; where it stands otherwise. */
function queueText(run) {
  if (run.status !== 'queued' || !run.queue) return t(`run.where.${run.status}`);
  const place = t('run.queuePlace', { position: run.queue.position, ordinal: ordinal(run.queue.position) });
  return run.queue.waitSeconds == null ? `${place}.` : `${place}, ${t('run.queueWait', { time: formatDuration(run.queue.waitSeconds) })}.`;
}

function ordinal(n) {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' })[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

export async function runView(id) {
  let run = await api(`/api/runs/${id}`);
  let samples = await api(`/api/runs/${id}/samples`);
  let metrics = [];
  let shown = samples.length ? samples.length - 1 : -1;

  const status = h('p', { class: 'status' });
  const progress = h('progress', { 'aria-label': t('run.progress'), max: 1, value: 0 });
  const progressText = h('p', { class: 'progress-text' });
  const banner = h('div', { class: 'diagnoses' });
  const charts = h('div', { class: 'charts' });
  const slider = h('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, 'aria-label': t('run.timeline') });
  const grid = h('img', { class: 'sample-grid', alt: '', width: 512, height: 512 });
  const gridCaption = h('p', { class: 'grid-caption', 'aria-live': 'polite' });
  const best = h('p', { class: 'best' });
  const actions = h('div', { class: 'actions' });
  const generate = h('div');

  const showSample = () => {
    slider.max = Math.max(0, samples.length - 1);
    slider.disabled = samples.length < 2;
    if (shown < 0 || !samples.length) { grid.hidden = true; mount(gridCaption, t('run.noSamples')); return; }
    const sample = samples[shown];
    slider.value = shown;
    grid.hidden = false;
    grid.src = sample.url;
    grid.alt = t('run.sampleAlt', { iteration: sample.iteration });
    const isBest = run.best?.iteration === sample.iteration;
    slider.setAttribute('aria-valuetext', t('run.iterationN', { iteration: sample.iteration }));
    mount(gridCaption, t('run.iterationN', { iteration: sample.iteration.toLocaleString() }), isBest ? h('strong', { class: 'best-mark' }, ` ★ ${t('run.bestMark')}`) : null);
  };
  slider.addEventListener('input', () => { shown = Number(slider.value); showSample(); });

  const drawCharts = () => {
    const losses = metrics.filter(m => m.lossD != null);
    const evaluations = metrics.filter(m => m.swd != null);
    mount(charts,
      lineChart(t('run.lossChart'), [
        { name: 'D', points: losses.map(m => [m.iteration, m.lossD]) },
        { name: 'G', points: losses.map(m => [m.iteration, m.lossG]) }]),
      lineChart(t('run.swdChart'), [{ name: 'SWD', points: evaluations.map(m => [m.iteration, m.swd]) }], { markX: run.best?.iteration ?? null }));
  };

  const drawRun = () => {
    const total = Math.max(1, run.totalIterations);
    progress.max = total;
    progress.value = Math.min(run.iteration, total);
    progress.setAttribute('aria-valuetext', t('run.progressValue', { iteration: run.iteration.toLocaleString(), total: total.toLocaleString() }));
    mount(status, h('span', { class: `badge status-${run.status}` }, t(`status.${run.status}`)), ' ', queueText(run), run.error ? h('span', { class: 'error' }, ` ${run.error}`) : null);
    mount(progressText, t('run.progressValue', { iteration: run.iteration.toLocaleString(), total: total.toLocaleString() }),
      run.status === 'running' && run.etaSeconds != null ? ` · ${t('run.eta', { time: formatDuration(run.etaSeconds) })}` : '',
      run.imagesPerSecond ? ` · ${t('run.speed', { speed: run.imagesPerSecond.toFixed(1) })}` : '');
    mount(banner, run.diagnostics.length ? h('div', { class: 'banner', role: 'alert' }, h('h2', {}, t('run.diagnoses')),
      h('ul', {}, run.diagnostics.map(d => h('li', {}, h('strong', {}, t('run.atIteration', { iteration: d.iteration }), ' '), said(d, 'message'), h('br'), h('em', {}, said(d, 'suggestion')))))) : null);
    mount(best, run.best ? [t('run.best', { iteration: run.best.iteration.toLocaleString(), swd: run.best.swd?.toFixed(1) ?? '–' }), ' ',
      h('button', { type: 'button', onclick: () => { const index = samples.findIndex(s => s.iteration === run.best.iteration); if (index >= 0) { shown = index; showSample(); } } }, t('run.showBest'))] : null);
    drawActions();
  };

  const forkIterations = h('input', { type: 'number', min: 1, step: 1 });
  const drawActions = () => {
    const running = !terminal.includes(run.status);
    forkIterations.value ||= String(run.totalIterations);
    mount(actions,
      running ? h('button', { type: 'button', class: 'danger', onclick: cancel }, t('run.cancel')) : null,
      h('div', { class: 'fork' }, field(t('run.forkIterations'), forkIterations), h('button', { type: 'button', onclick: fork }, t('run.fork'))),
      h('a', { class: 'button', href: `#/compare?ids=${id}` }, t('run.compare')),
      h('button', { type: 'button', class: 'danger', onclick: remove }, t('run.delete')));
  };

  const cancel = async () => {
    try { await api(`/api/runs/${id}/cancel`, { method: 'POST' }); announce(t('run.cancelling')); } catch (error) { announce(error.message, 'error'); }
  };
  const fork = async () => {
    // From the kept checkpoint at or before the grid under the cursor.
    const at = shown >= 0 ? samples[shown].iteration : run.iteration;
    const checkpoints = await api(`/api/runs/${id}/checkpoints`);
    const from = checkpoints.filter(c => c.iteration <= at).at(-1) ?? checkpoints[0];
    if (!from) return announce(t('run.noCheckpoint'), 'error');
    try {
      const forked = await api(`/api/runs/${id}/fork`, { method: 'POST', json: { fromIteration: from.iteration, config: { iterations: Number(forkIterations.value) } } });
      announce(t('run.forked', { iteration: from.iteration }));
      location.hash = `#/runs/${forked.id}`;
    } catch (error) { announce(error.message, 'error'); }
  };
  const remove = async () => {
    if (!confirm(t('run.confirmDelete'))) return;
    try { await api(`/api/runs/${id}`, { method: 'DELETE' }); location.hash = '#/runs'; } catch (error) { announce(error.message, 'error'); }
  };

  let lastMetrics = 0;
  const refreshMetrics = async (force = false) => {
    if (!force && Date.now() - lastMetrics < 4000) return;
    lastMetrics = Date.now();
    metrics = await api(`/api/runs/${id}/metrics`);
    drawCharts();
  };
  const refreshGenerate = async () => mount(generate, await generatePanel(run));

  drawRun();
  showSample();
  await refreshMetrics(true);
  await refreshGenerate();

  // The queue's place is not in the event stream (it changes with other people's runs): asked for while queued.
  const placeTimer = setInterval(async () => {
    if (run.status !== 'queued' && run.status !== 'pending') return;
    try { run = await api(`/api/runs/${id}`); drawRun(); } catch { /* the next tick tries again */ }
  }, 5000);

  // Live: the run's own event stream (the session cookie authenticates it, so no key is in its URL).
  let events = null;
  if (!terminal.includes(run.status)) {
    events = new EventSource(`/api/runs/${id}/events`);
    events.addEventListener('progress', event => { run = JSON.parse(event.data); drawRun(); refreshMetrics(); });
    events.addEventListener('sample', event => {
      const sample = JSON.parse(event.data);
      if (samples.some(s => s.iteration === sample.iteration)) return;
      const following = shown === samples.length - 1;
      samples = [...samples, sample];
      if (following) shown = samples.length - 1;
      showSample();
    });
    events.addEventListener('end', async () => {
      events.close();
      run = await api(`/api/runs/${id}`);
      samples = await api(`/api/runs/${id}/samples`);
      shown = samples.length - 1;
      drawRun(); showSample(); await refreshMetrics(true); await refreshGenerate();
      announce(t(`run.ended.${run.status}`));
    });
  }

  return {
    title: run.name,
    leave: () => { events?.close(); clearInterval(placeTimer); },
    element: h('section', { class: 'run' },
      h('h1', {}, run.name),
      status, progress, progressText, banner,
      h('div', { class: 'columns' },
        h('div', {}, h('h2', {}, t('run.samples')), grid, gridCaption, slider, best),
        h('div', {}, h('h2', {}, t('run.charts')), charts)),
      actions,
      h('h2', {}, t('run.settings')),
      h('pre', { class: 'config', tabindex: 0, 'aria-label': t('run.settings') }, JSON.stringify(run.config, null, 2)),
      generate),
  };
}
