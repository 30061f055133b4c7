// Start a run from a preset with a few plain choices: resolution, a time budget (turned into iterations from the
// measured speed) and "faster" or "better".
import { api } from './api.js';
import { h, mount, field, formatDuration } from './dom.js';
import { t } from './i18n.js';

// Seconds per iteration of the default recipe on a 2-core CPU (README, "Speed"), used until one of your own runs
// at that resolution has measured the machine you train on.
const measuredHere = { 16: 0.012, 32: 0.035, 64: 0.115, 128: 0.549, 256: 2.2 };
const fasterShare = 0.35; // half the widths: about a third of the work per iteration

export async function trainView(query) {
  const [datasets, runs] = await Promise.all([api('/api/datasets'), api('/api/runs')]);
  if (!datasets.length) return { title: t('train.title'), element: h('section', {}, h('h1', {}, t('train.title')), h('p', {}, t('train.noDatasets'), ' ', h('a', { href: '#/datasets' }, t('nav.datasets')))) };

  const dataset = h('select', { required: true }, datasets.map(d => h('option', { value: d.id, selected: d.id === query.get('dataset') }, `${d.name} (${d.includedCount})`)));
  const resolution = h('select', {}, [16, 32, 64, 128, 256].map(v => h('option', { value: v, selected: v === 64 }, `${v} × ${v}`)));
  const minutes = h('input', { type: 'number', min: 1, max: 10000, step: 1, value: 15, required: true });
  const faster = h('input', { type: 'radio', name: 'quality', value: 'faster' });
  const better = h('input', { type: 'radio', name: 'quality', value: 'better', checked: true });
  const iterations = h('input', { type: 'number', min: 1, max: 10000000, step: 1, placeholder: t('train.iterationsAuto') });
  const name = h('input', { type: 'text', maxlength: 200 });
  const plan = h('p', { class: 'plan', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });

  const estimate = () => {
    const size = Number(resolution.value);
    const own = runs.find(r => r.config?.resolution === size && r.imagesPerSecond > 0 && r.config?.batchSize);
    let seconds = own ? own.config.batchSize / own.imagesPerSecond : measuredHere[size];
    if (faster.checked && !own) seconds *= fasterShare;
    const count = iterations.value ? Number(iterations.value) : Math.max(100, Math.round(Number(minutes.value) * 60 / seconds));
    mount(plan, t(own ? 'train.planMeasured' : 'train.planEstimated', {
      iterations: count.toLocaleString(), seconds: seconds.toFixed(3), time: formatDuration(count * seconds),
    }));
    return count;
  };
  for (const control of [resolution, minutes, faster, better, iterations]) control.addEventListener('input', estimate);
  estimate();

  const form = h('form', {
    class: 'card',
    onsubmit: async event => {
      event.preventDefault();
      mount(error);
      const config = { resolution: Number(resolution.value), iterations: estimate(), minutes: Number(minutes.value) };
      if (faster.checked) Object.assign(config, { generatorChannels: 16, discriminatorChannels: 16 });
      try {
        const run = await api('/api/runs', { method: 'POST', json: { datasetId: dataset.value, name: name.value.trim() || undefined, preset: 'auto', config } });
        location.hash = `#/runs/${run.id}`;
      } catch (problem) { mount(error, problem.message); }
    },
  },
  field(t('train.dataset'), dataset),
  field(t('train.resolution'), resolution, t('train.resolutionHint')),
  field(t('train.minutes'), minutes, t('train.minutesHint')),
  h('fieldset', {}, h('legend', {}, t('train.tradeoff')),
    h('label', { class: 'check' }, better, ' ', t('train.better')),
    h('label', { class: 'check' }, faster, ' ', t('train.faster'))),
  h('details', {}, h('summary', {}, t('train.advanced')), field(t('train.iterations'), iterations), field(t('train.name'), name)),
  plan,
  h('button', { type: 'submit', class: 'primary' }, t('train.start')),
  error);

  return { title: t('train.title'), element: h('section', {}, h('h1', {}, t('train.title')), h('p', {}, t('train.intro')), form) };
}
