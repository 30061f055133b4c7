// The public REST API, as the studio uses it: the session cookie authenticates, writes carry the CSRF token.
import { t } from './i18n.js';

let csrfToken = null;

export function setCsrfToken(token) { csrfToken = token; }

export class ApiError extends Error {
  constructor(status, problem) {
    const errors = problem?.errors ? Object.entries(problem.errors).map(([k, v]) => `${k}: ${[].concat(v).join(' ')}`) : [];
    super([problem?.detail || problem?.title || t('error.status', { status }), ...errors].join(' '));
    this.status = status;
    this.problem = problem;
  }
}

function headersFor(method, extra = {}) {
  const headers = { ...extra };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  return headers;
}

async function problemOf(response) {
  try { return await response.json(); } catch { return null; }
}

/** JSON in, JSON out (null for an empty body). */
export async function api(path, { method = 'GET', json } = {}) {
  const headers = headersFor(method, json === undefined ? {} : { 'Content-Type': 'application/json' });
  const response = await fetch(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json), credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** A binary answer (PNG, GIF, zip) with its headers. */
export async function apiBlob(path, { method = 'GET', json } = {}) {
  const headers = headersFor(method, json === undefined ? {} : { 'Content-Type': 'application/json' });
  const response = await fetch(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json), credentials: 'same-origin' });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return { blob: await response.blob(), headers: response.headers };
}

/** A multipart upload with progress (fetch reports none): onProgress(fraction). */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', path);
    for (const [name, value] of Object.entries(headersFor('POST'))) request.setRequestHeader(name, value);
    request.upload.onprogress = event => { if (event.lengthComputable) onProgress(event.loaded / event.total); };
    request.onload = () => {
      let body = null;
      try { body = JSON.parse(request.responseText); } catch { /* not JSON */ }
      if (request.status >= 200 && request.status < 300) resolve(body);
      else reject(new ApiError(request.status, body));
    };
    request.onerror = () => reject(new ApiError(0, { detail: t('error.network') }));
    request.send(form);
  });
}
