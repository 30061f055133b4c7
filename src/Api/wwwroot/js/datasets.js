// Datasets: drop photos or zips to make one (with upload progress and each rejected file's reason), and the list.
import { api, upload } from './api.js';
import { h, mount, field, formatBytes } from './dom.js';
import { t } from './i18n.js';
import { announce } from './app.js';

export async function datasetsView() {
  const list = h('div');
  const refresh = async () => mount(list, datasetTable(await api('/api/datasets'), refresh));
  await refresh();
  return {
    title: t('datasets.title'),
    element: h('section', {}, h('h1', {}, t('datasets.title')), uploadCard(refresh), h('h2', {}, t('datasets.yours')), list),
  };
}

function uploadCard(onUploaded) {
  const today = new Date().toISOString().slice(0, 10);
  const name = h('input', { type: 'text', value: t('datasets.defaultName', { date: today }), maxlength: 200, required: true });
  const files = h('input', { type: 'file', multiple: true, accept: 'image/png,image/jpeg,image/webp,.zip,application/zip' });
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': t('datasets.uploadProgress') });
  const result = h('div', { 'aria-live': 'polite' });

  const send = async fileList => {
    if (!fileList.length) return;
    const form = new FormData();
    form.append('name', name.value.trim() || t('datasets.defaultName', { date: today }));
    for (const file of fileList) form.append('files', file, file.name);
    progress.hidden = false;
    progress.value = 0;
    mount(result, h('p', {}, t('datasets.uploading', { count: fileList.length })));
    try {
      const created = await upload('/api/datasets', form, fraction => { progress.value = fraction; });
      progress.value = 1;
      mount(result, uploadResult(created));
      files.value = '';
      await onUploaded();
    } catch (error) {
      mount(result, h('p', { class: 'error', role: 'alert' }, error.message),
        rejectedList(error.problem?.rejected ?? []));
    } finally {
      progress.hidden = true;
    }
  };

  files.addEventListener('change', () => send([...files.files]));
  const dropZone = h('div', {
    class: 'drop-zone',
    ondragover: event => { event.preventDefault(); dropZone.classList.add('over'); },
    ondragleave: () => dropZone.classList.remove('over'),
    ondrop: event => { event.preventDefault(); dropZone.classList.remove('over'); send([...event.dataTransfer.files]); },
  },
  h('p', {}, t('datasets.drop')),
  field(t('datasets.addImages'), files, t('datasets.accepted')));

  return h('div', { class: 'card' }, h('h2', {}, t('datasets.new')), field(t('datasets.name'), name), dropZone, progress, result);
}

function uploadResult(created) {
  return h('div', {},
    h('p', { class: 'ok' }, t('datasets.created', { name: created.name, count: created.imageCount }), ' ',
      h('a', { href: `#/datasets/${created.id}` }, t('datasets.open'))),
    rejectedList(created.rejected ?? []),
    created.duplicates?.length ? h('p', {}, t('datasets.duplicates', { count: created.duplicates.length })) : null);
}

function rejectedList(rejected) {
  if (!rejected.length) return null;
  return h('div', { class: 'rejected' }, h('h3', {}, t('datasets.rejected', { count: rejected.length })),
    h('ul', {}, rejected.map(r => h('li', {}, h('strong', {}, r.fileName), ': ', r.reason))));
}

function datasetTable(datasets, refresh) {
  if (!datasets.length) return h('p', {}, t('datasets.none'));
  return h('table', {},
    h('thead', {}, h('tr', {}, ['datasets.name', 'datasets.images', 'datasets.size', 'datasets.createdAt', 'common.actions'].map(k => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, datasets.map(d => h('tr', {},
      h('td', {}, h('a', { href: `#/datasets/${d.id}` }, d.name)),
      h('td', {}, t('datasets.imageCount', { included: d.includedCount, count: d.imageCount })),
      h('td', {}, formatBytes(d.storageBytes)),
      h('td', {}, new Date(d.createdAt).toLocaleString()),
      h('td', {},
        h('a', { class: 'button', href: `#/train?dataset=${d.id}` }, t('datasets.train')), ' ',
        h('button', {
          type: 'button', class: 'danger', 'aria-label': t('datasets.deleteNamed', { name: d.name }),
          onclick: async () => {
            if (!confirm(t('datasets.confirmDelete', { name: d.name }))) return;
            try { await api(`/api/datasets/${d.id}`, { method: 'DELETE' }); await refresh(); } catch (error) { announce(error.message, 'error'); }
          },
        }, t('common.delete')))))));
}
