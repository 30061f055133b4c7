// Generate from any kept checkpoint: by seed, count and truncation, as a grid or a zip; an interpolation between two
// seeds as it plays; and the exported generator.
import { api, apiBlob, upload } from './api.js';
import { h, mount, field } from './dom.js';
import { t } from './i18n.js';

export async function generatePanel(run) {
  const checkpoints = await api(`/api/runs/${run.id}/checkpoints`);
  if (!checkpoints.length) return h('section', { class: 'card' }, h('h2', {}, t('generate.title')), h('p', {}, t('generate.noCheckpoint')));

  const iteration = h('select', {},
    run.best ? h('option', { value: 'best' }, t('generate.best', { iteration: run.best.iteration })) : null,
    h('option', { value: 'latest' }, t('generate.latest')),
    checkpoints.slice().reverse().map(c => h('option', { value: c.iteration }, t('run.iterationN', { iteration: c.iteration }))));
  const seed = h('input', { type: 'number', min: 0, step: 1, value: 1 });
  // A conditional run: its classes by the names given to the drawings (the trainer records them in the config).
  const classNames = run.config.conditional ? (run.config.classNames ?? []) : [];
  const label = classNames.length ? h('select', {}, h('option', { value: '' }, t('generate.anyClass')), classNames.map(n => h('option', { value: n }, n))) : null;
  const spread = h('input', { type: 'range', min: 0.05, max: 1.5, step: 0.05, value: 0.35 });
  const count = h('input', { type: 'number', min: 1, max: 256, step: 1, value: 16 });
  const truncation = h('input', { type: 'range', min: 0.1, max: 1, step: 0.05, value: 1 });
  const truncationValue = h('output', {}, '1.00');
  truncation.addEventListener('input', () => { truncationValue.value = Number(truncation.value).toFixed(2); });
  const result = h('div', { class: 'generated', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });
  const selector = () => (/^\d+$/.test(iteration.value) ? Number(iteration.value) : iteration.value);
  const request = (format, extra = {}) => ({
    count: Number(count.value), seed: Number(seed.value), iteration: selector(), truncation: Number(truncation.value), format,
    label: label?.value || undefined, ...extra });

  const shown = [];
  const show = (blob, alt) => {
    const url = URL.createObjectURL(blob);
    shown.push(url);
    while (shown.length > 8) URL.revokeObjectURL(shown.shift());
    mount(result, h('img', { src: url, alt }), h('a', { class: 'button', href: url, download: alt.replace(/[^\w.-]+/g, '_') + (blob.type === 'image/gif' ? '.gif' : '.png') }, t('generate.download')));
  };
  const busy = async (button, work) => {
    mount(error);
    button.disabled = true;
    try { await work(); } catch (problem) { mount(error, problem.message); } finally { button.disabled = false; }
  };

  const generate = h('button', { type: 'button', class: 'primary', onclick: () => busy(generate, async () => {
    const { blob, headers } = await apiBlob(`/api/runs/${run.id}/generate`, { method: 'POST', json: request('grid') });
    show(blob, t('generate.alt', { seed: seed.value, iteration: headers.get('X-Checkpoint-Iteration') ?? iteration.value }));
  }) }, t('generate.button'));
  const moreLikeThis = h('button', { type: 'button', onclick: () => busy(moreLikeThis, async () => {
    const { blob } = await apiBlob(`/api/runs/${run.id}/generate`, { method: 'POST', json: request('grid', { aroundSeed: Number(seed.value), seed: Date.now() % 100000, spread: Number(spread.value) }) });
    show(blob, t('generate.moreAlt', { seed: seed.value }));
  }) }, t('generate.moreLikeThis'));
  const zip = h('button', { type: 'button', onclick: () => busy(zip, async () => {
    const { blob } = await apiBlob(`/api/runs/${run.id}/generate`, { method: 'POST', json: request('zip') });
    const link = h('a', { href: URL.createObjectURL(blob), download: `run-${run.id}-seed-${seed.value}.zip` });
    document.body.append(link); link.click(); link.remove();
  }) }, t('generate.zip'));

  const seedTo = h('input', { type: 'number', min: 0, step: 1, value: 2 });
  const steps = h('input', { type: 'number', min: 2, max: 120, step: 1, value: 24 });
  const interpolate = h('button', { type: 'button', onclick: () => busy(interpolate, async () => {
    const { blob } = await apiBlob(`/api/runs/${run.id}/interpolate`, { method: 'POST', json: {
      seedFrom: Number(seed.value), seedTo: Number(seedTo.value), steps: Number(steps.value), iteration: selector(), truncation: Number(truncation.value),
      label: label?.value || undefined } });
    show(blob, t('generate.interpolationAlt', { from: seed.value, to: seedTo.value }));
  }) }, t('generate.interpolate'));

  return h('section', { class: 'card generate' },
    h('h2', {}, t('generate.title')),
    h('div', { class: 'controls' },
      field(t('generate.checkpoint'), iteration), field(t('generate.seed'), seed), field(t('generate.count'), count),
      label ? field(t('generate.class'), label) : null,
      h('div', { class: 'field' }, h('label', { for: truncation.id || (truncation.id = 'truncation') }, t('generate.truncation')), truncation, truncationValue)),
    h('div', { class: 'actions' }, generate, zip, field(t('generate.spread'), spread), moreLikeThis,
      h('a', { class: 'button', href: `/api/runs/${run.id}/export?iteration=${run.best ? 'best' : 'latest'}`, download: '' }, t('generate.export'))),
    h('h3', {}, t('generate.interpolation')),
    h('div', { class: 'controls' }, field(t('generate.seedTo'), seedTo), field(t('generate.steps'), steps), interpolate),
    error, result,
    ownDrawings(run, selector, label, show, busy));
}

/** From your own drawing: the latent closest to each of two drawings, their variations, and a walk between them. */
function ownDrawings(run, selector, label, show, busy) {
  const latents = [null, null];
  const pickers = [0, 1].map(i => {
    const input = h('input', { type: 'file', accept: 'image/png,image/jpeg,image/webp' });
    const found = h('div', { class: 'projection', 'aria-live': 'polite' });
    input.addEventListener('change', () => busy(input, async () => {
      if (!input.files.length) return;
      const form = new FormData();
      form.append('file', input.files[0], input.files[0].name);
      const iteration = selector();
      form.append('iteration', String(iteration));
      if (label?.value) form.append('label', label.value);
      mount(found, t('generate.projecting'));
      const projected = await upload(`/api/runs/${run.id}/project`, form, () => {});
      latents[i] = projected.latent;
      mount(found,
        h('img', { src: projected.target, alt: t('generate.yourDrawingAlt', { n: i + 1 }), width: 96, height: 96 }),
        h('img', { src: projected.image, alt: t('generate.closestAlt', { n: i + 1 }), width: 96, height: 96 }),
        h('p', {}, t('generate.closeness', { ssim: projected.ssim.toFixed(2) })),
        h('button', { type: 'button', onclick: async event => busy(event.target, async () => {
          const { blob } = await apiBlob(`/api/runs/${run.id}/generate`, { method: 'POST', json: { count: 16, seed: Date.now() % 100000, around: latents[i], iteration: selector(), label: label?.value || undefined } });
          show(blob, t('generate.moreAlt', { seed: t('generate.yourDrawing', { n: i + 1 }) }));
        }) }, t('generate.moreLikeThis')));
    }));
    return h('div', {}, field(t('generate.yourDrawing', { n: i + 1 }), input), found);
  });
  const walk = h('button', { type: 'button', onclick: () => busy(walk, async () => {
    if (!latents[0] || !latents[1]) throw new Error(t('generate.twoDrawingsFirst'));
    const { blob } = await apiBlob(`/api/runs/${run.id}/interpolate`, { method: 'POST', json: {
      seedFrom: 0, seedTo: 0, latentFrom: latents[0], latentTo: latents[1], steps: 24, iteration: selector(), label: label?.value || undefined } });
    show(blob, t('generate.walkAlt'));
  }) }, t('generate.walk'));
  return h('div', {}, h('h3', {}, t('generate.ownTitle')), h('p', {}, t('generate.ownIntro')), h('div', { class: 'controls' }, pickers), walk);
}
