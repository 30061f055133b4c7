// All text of the studio comes from /i18n/<language>.json, so a third language is one more file.
export const languages = ['en', 'ja'];
let strings = {};
let fallback = {};
let current = 'en';

export const language = () => current;

export async function loadLanguage(name) {
  if (!languages.includes(name)) name = 'en';
  const load = async l => (await fetch(`/i18n/${l}.json`)).json();
  if (!Object.keys(fallback).length) fallback = await load('en');
  strings = name === 'en' ? fallback : await load(name);
  current = name;
  document.documentElement.lang = name;
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
}

/** The language asked for before (this browser), else the browser's own, else English. */
export function preferredLanguage() {
  const stored = localStorage.getItem('language');
  if (languages.includes(stored)) return stored;
  for (const wanted of navigator.languages ?? [navigator.language]) {
    const base = String(wanted).toLowerCase().split('-')[0];
    if (languages.includes(base)) return base;
  }
  return 'en';
}

/** Whether the current language has its own text for a key (not only the English fallback). */
export const has = key => key in strings;

/** t('run.eta', {time: '3:00'}): the string for a key, with {placeholders} filled in. */
export function t(key, values = {}) {
  const text = strings[key] ?? fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (values[name] ?? ''));
}
