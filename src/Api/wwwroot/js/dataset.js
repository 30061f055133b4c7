// One dataset: each image beside its cleaned version, the clean-up options as live controls, tags, labels,
// exclusion with one click, and a bulk selection.
import { api } from './api.js';
import { h, mount, field, debounce } from './dom.js';
import { t } from './i18n.js';
import { announce } from './app.js';

const defaults = { resolution: 64, flatten: true, autoLevels: true, denoise: 1, autoCrop: true, fit: 'pad', invert: false };

export async function datasetView(id) {
  const [dataset, images] = await Promise.all([api(`/api/datasets/${id}`), api(`/api/datasets/${id}/images`)]);
  const options = { ...defaults };
  const selected = new Set();
  const grid = h('ul', { class: 'image-grid' });
  const count = h('p', { 'aria-live': 'polite' });

  const query = () => new URLSearchParams(Object.entries(options).map(([k, v]) => [k, String(v)])).toString();
  const cleanedUrl = image => `/api/datasets/${id}/images/${image.id}/prepared?${query()}`;
  const showCount = () => mount(count, t('dataset.counts', {
    count: images.length, excluded: images.filter(i => i.excluded).length, selected: selected.size,
  }));

  const patch = async (image, change) => {
    try {
      Object.assign(image, await api(`/api/datasets/${id}/images/${image.id}`, { method: 'PATCH', json: change }));
    } catch (error) { announce(error.message, 'error'); }
  };

  const card = image => {
    const cleaned = h('img', { src: cleanedUrl(image), alt: t('dataset.cleanedAlt', { name: image.fileName }), loading: 'lazy', width: 128, height: 128, class: 'cleaned' });
    const exclude = h('button', {
      type: 'button', 'aria-pressed': String(image.excluded),
      onclick: async () => {
        await patch(image, { excluded: !image.excluded });
        exclude.setAttribute('aria-pressed', String(image.excluded));
        exclude.textContent = image.excluded ? t('dataset.include') : t('dataset.exclude');
        item.classList.toggle('excluded', image.excluded);
        showCount();
      },
    }, image.excluded ? t('dataset.include') : t('dataset.exclude'));
    const select = h('input', {
      type: 'checkbox', 'aria-label': t('dataset.select', { name: image.fileName }),
      onchange: () => { select.checked ? selected.add(image) : selected.delete(image); showCount(); },
    });
    const tags = h('input', {
      type: 'text', value: image.tags.join(', '),
      onchange: () => patch(image, { tags: tags.value.split(',').map(s => s.trim()).filter(Boolean) }),
    });
    const label = h('input', { type: 'text', value: image.label ?? '', onchange: () => patch(image, { label: label.value.trim() }) });
    const item = h('li', { class: `image-card${image.excluded ? ' excluded' : ''}` },
      h('div', { class: 'pair' },
        h('figure', {}, h('img', { src: `/api/datasets/${id}/images/${image.id}`, alt: t('dataset.originalAlt', { name: image.fileName }), loading: 'lazy', width: 128, height: 128 }),
          h('figcaption', {}, t('dataset.original'))),
        h('figure', {}, cleaned, h('figcaption', {}, t('dataset.cleaned')))),
      h('div', { class: 'row' }, select, h('span', { class: 'file-name', title: image.fileName }, image.fileName)),
      h('p', { class: 'meta' }, `${image.width}×${image.height}`, image.takenAt ? ` · ${new Date(image.takenAt).toLocaleDateString()}` : ''),
      field(t('dataset.tags'), tags), field(t('dataset.label'), label), exclude);
    item.cleaned = cleaned;
    item.image = image;
    return item;
  };

  mount(grid, images.map(card));
  showCount();
  const refreshCleaned = debounce(() => { for (const item of grid.children) item.cleaned.src = cleanedUrl(item.image); }, 250);

  const bulk = async change => {
    if (!selected.size) return announce(t('dataset.selectFirst'));
    for (const image of selected) await patch(image, typeof change === 'function' ? change(image) : change);
    mount(grid, images.map(card));
    selected.clear();
    showCount();
  };
  const bulkTag = h('input', { type: 'text' });

  return {
    title: dataset.name,
    element: h('section', {},
      h('h1', {}, dataset.name),
      count,
      h('p', {}, h('a', { class: 'button primary', href: `#/train?dataset=${id}` }, t('datasets.train'))),
      h('details', { class: 'card', open: true }, h('summary', {}, t('dataset.cleanup')), cleanupControls(options, refreshCleaned)),
      h('div', { class: 'card bulk', role: 'group', 'aria-label': t('dataset.bulk') },
        h('button', { type: 'button', onclick: () => { for (const item of grid.children) { item.querySelector('input[type=checkbox]').checked = true; selected.add(item.image); } showCount(); } }, t('dataset.selectAll')),
        h('button', { type: 'button', onclick: () => bulk({ excluded: true }) }, t('dataset.excludeSelected')),
        h('button', { type: 'button', onclick: () => bulk({ excluded: false }) }, t('dataset.includeSelected')),
        field(t('dataset.tagToAdd'), bulkTag),
        h('button', { type: 'button', onclick: () => bulkTag.value.trim() && bulk(image => ({ tags: [...new Set([...image.tags, bulkTag.value.trim()])] })) }, t('dataset.tagSelected'))),
      grid),
  };
}

function cleanupControls(options, changed) {
  const checkbox = (name, key) => {
    const input = h('input', { type: 'checkbox', checked: options[name], onchange: () => { options[name] = input.checked; changed(); } });
    return h('label', { class: 'check' }, input, ' ', t(key));
  };
  const denoise = h('input', { type: 'range', min: 0, max: 3, step: 1, value: options.denoise, oninput: () => { options.denoise = Number(denoise.value); changed(); } });
  const fit = h('select', { onchange: () => { options.fit = fit.value; changed(); } },
    ['pad', 'crop', 'stretch'].map(v => h('option', { value: v, selected: v === options.fit }, t(`dataset.fit.${v}`))));
  const resolution = h('select', { onchange: () => { options.resolution = Number(resolution.value); changed(); } },
    [32, 64, 128, 256].map(v => h('option', { value: v, selected: v === options.resolution }, `${v} × ${v}`)));
  return h('div', { class: 'controls' },
    checkbox('flatten', 'dataset.flatten'), checkbox('autoLevels', 'dataset.autoLevels'), checkbox('autoCrop', 'dataset.autoCrop'),
    checkbox('invert', 'dataset.invert'), field(t('dataset.denoise'), denoise), field(t('dataset.fit'), fit),
    field(t('dataset.previewResolution'), resolution));
}
