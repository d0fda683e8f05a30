// What the inbox and the operations page share in the browser: where the API is, with which
// token, how a GET of it fails, and how an element is built (content as text, never HTML).
import { settingsOf } from './model.js';

/** The page's settings: its URL's `token`, `api` and `ws`, else config.json beside the page. */
export const loadSettings = async () => {
  const config = await fetch('config.json')
    .then((response) => (response.ok ? response.json() : {}))
    .catch(() => ({}));
  return settingsOf(location.search, location.origin, config);
};

/** The API refused the token (401): every later call would be refused too. */
export class TokenRefused extends Error {}

/** The API answered an error other than 401; `status` says which, the message what it said. */
export class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * A GET of the API with the page's token: the answer's JSON, or TokenRefused, or ApiError
 * saying `<status>: <the API's message>`. A network failure rejects as fetch does (a TypeError).
 * @param {string | undefined} token @param {string} url
 */
export const getWithToken = async (token, url) => {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (response.status === 401) throw new TokenRefused('401');
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiError(response.status, `${response.status}: ${body.error ?? body.message ?? response.statusText}`);
  }
  return response.json();
};

/**
 * @param {string} tag @param {Record<string, string | undefined>} [props] `text` is set as textContent
 * @param {(Node | string)[]} [children]
 */
export const el = (tag, props = {}, children = []) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
};
