// The studio's shell: language, sign-in, navigation and the hash router. Each view renders into <main>.
import { api, setCsrfToken } from './api.js';
import { h, mount, field } from './dom.js';
import { loadLanguage, preferredLanguage, t } from './i18n.js';
import { datasetsView } from './datasets.js';
import { datasetView } from './dataset.js';
import { trainView } from './train.js';
import { runsView, compareView } from './runs.js';
import { runView } from './run.js';
import { adminView } from './admin.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const notice = document.getElementById('notice');
export const session = { me: null };

/** A short message for everyone, read out by screen readers. */
export function announce(text, kind = 'info') {
  mount(notice, text ? h('p', { class: `notice-${kind}` }, text) : null);
  if (text) setTimeout(() => { if (notice.textContent === text) mount(notice); }, 8000);
}

let leaveView = null;
const routes = [
  [/^#\/datasets\/([0-9a-f-]{36})$/, id => datasetView(id)],
  [/^#\/datasets$/, () => datasetsView()],
  [/^#\/train(?:\?(.*))?$/, query => trainView(new URLSearchParams(query ?? ''))],
  [/^#\/runs\/([0-9a-f-]{36})$/, id => runView(id)],
  [/^#\/runs$/, () => runsView()],
  [/^#\/compare(?:\?(.*))?$/, query => compareView(new URLSearchParams(query ?? ''))],
  [/^#\/admin$/, () => adminView()],
];

async function render() {
  leaveView?.();
  leaveView = null;
  if (!session.me) return mount(main, signInView());
  const hash = location.hash || '#/datasets';
  const route = routes.find(([pattern]) => pattern.test(hash));
  if (!route) { location.hash = '#/datasets'; return; }
  renderNav(hash);
  const match = hash.match(route[0]);
  try {
    const view = await route[1](...match.slice(1));
    mount(main, view.element);
    leaveView = view.leave ?? null;
    document.title = `${view.title} – GanService Studio`;
  } catch (error) {
    mount(main, h('p', { class: 'error', role: 'alert' }, error.message));
  }
}

function renderNav(hash) {
  const links = [['#/datasets', 'nav.datasets'], ['#/train', 'nav.train'], ['#/runs', 'nav.runs']];
  if (session.me.isAdmin) links.push(['#/admin', 'nav.admin']);
  nav.hidden = false;
  mount(nav, links.map(([href, key]) =>
    h('a', { href, 'aria-current': hash.startsWith(href) ? 'page' : undefined }, t(key))));
  mount(document.getElementById('who'), session.me.name);
  document.getElementById('sign-out').hidden = false;
}

function signInView() {
  nav.hidden = true;
  document.getElementById('sign-out').hidden = true;
  mount(document.getElementById('who'));
  document.title = `${t('signIn.title')} – GanService Studio`;
  const key = h('input', { type: 'password', name: 'apiKey', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', {
    class: 'card sign-in',
    onsubmit: async event => {
      event.preventDefault();
      mount(error);
      try {
        const signedIn = await api('/api/session', { method: 'POST', json: { apiKey: key.value } });
        key.value = '';
        await startSession(signedIn.csrfToken);
        await render();
      } catch (problem) {
        mount(error, problem.status === 401 ? t('signIn.refused') : problem.message);
      }
    },
  },
  h('h1', {}, t('signIn.title')),
  h('p', {}, t('signIn.intro')),
  field(t('signIn.apiKey'), key, t('signIn.hint')),
  h('button', { type: 'submit', class: 'primary' }, t('signIn.button')),
  error);
  return form;
}

async function startSession(csrfToken) {
  setCsrfToken(csrfToken);
  session.me = await api('/api/me');
}

async function signOut() {
  try { await api('/api/session', { method: 'DELETE' }); } catch { /* signed out either way */ }
  // Forget everything: the token, the user, any view state; only the language choice stays.
  setCsrfToken(null);
  session.me = null;
  const languageChoice = localStorage.getItem('language');
  localStorage.clear();
  sessionStorage.clear();
  if (languageChoice) localStorage.setItem('language', languageChoice);
  history.replaceState(null, '', '/');
  location.reload();
}

async function start() {
  const picker = document.getElementById('language');
  const chosen = preferredLanguage();
  await loadLanguage(chosen);
  picker.value = chosen;
  picker.addEventListener('change', async () => {
    localStorage.setItem('language', picker.value);
    await loadLanguage(picker.value);
    await render();
  });
  document.getElementById('sign-out').addEventListener('click', signOut);
  try {
    const existing = await api('/api/session');
    if (existing) await startSession(existing.csrfToken);
  } catch {
    session.me = null;
  }
  window.addEventListener('hashchange', render);
  await render();
}

start();
