// Admins: users, quotas and keys (create, issue another, revoke).
import { api } from './api.js';
import { h, mount, field, formatBytes } from './dom.js';
import { t } from './i18n.js';
import { announce } from './app.js';

export async function adminView() {
  const list = h('div');
  const secret = h('div', { 'aria-live': 'polite' });
  const showKey = (name, key) => mount(secret, h('div', { class: 'card key' },
    h('p', {}, t('admin.keyOnce', { name })), h('code', { class: 'secret' }, key)));
  const refresh = async () => {
    const users = await api('/api/users');
    mount(list, h('table', {},
      h('thead', {}, h('tr', {}, ['admin.name', 'admin.role', 'admin.maxRuns', 'admin.quota', 'admin.keys', 'common.actions'].map(k => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, users.map(user => h('tr', {},
        h('td', {}, user.name), h('td', {}, user.isAdmin ? t('admin.admin') : t('admin.user')),
        h('td', {}, user.maxConcurrentRuns), h('td', {}, user.storageQuotaBytes >= 2 ** 60 ? t('admin.unlimited') : formatBytes(user.storageQuotaBytes)), h('td', {}, user.activeKeys),
        h('td', {},
          h('button', { type: 'button', 'aria-label': t('admin.newKeyFor', { name: user.name }), onclick: async () => {
            try { const created = await api(`/api/users/${user.id}/keys`, { method: 'POST' }); showKey(user.name, created.apiKey); await refresh(); } catch (e) { announce(e.message, 'error'); }
          } }, t('admin.newKey')), ' ',
          h('button', { type: 'button', class: 'danger', 'aria-label': t('admin.revokeFor', { name: user.name }), onclick: async () => {
            if (!confirm(t('admin.confirmRevoke', { name: user.name }))) return;
            try { await api(`/api/users/${user.id}`, { method: 'DELETE' }); await refresh(); } catch (e) { announce(e.message, 'error'); }
          } }, t('admin.revoke'))))))));
  };
  await refresh();

  const name = h('input', { type: 'text', required: true, maxlength: 200 });
  const maxRuns = h('input', { type: 'number', min: 0, max: 64, value: 1 });
  const quota = h('input', { type: 'number', min: 1, value: 1024 });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card', onsubmit: async event => {
    event.preventDefault();
    mount(error);
    try {
      const created = await api('/api/users', { method: 'POST', json: { name: name.value.trim(), maxConcurrentRuns: Number(maxRuns.value), storageQuotaMb: Number(quota.value) } });
      showKey(created.name, created.apiKey);
      name.value = '';
      await refresh();
    } catch (problem) { mount(error, problem.message); }
  } },
  h('h2', {}, t('admin.newUser')), field(t('admin.name'), name), field(t('admin.maxRuns'), maxRuns), field(t('admin.quotaMb'), quota),
  h('button', { type: 'submit', class: 'primary' }, t('admin.create')), error);

  return { title: t('admin.title'), element: h('section', {}, h('h1', {}, t('admin.title')), secret, form, h('h2', {}, t('admin.users')), list,
    h('p', {}, h('a', { href: '/hangfire' }, t('admin.queue')))) };
}
