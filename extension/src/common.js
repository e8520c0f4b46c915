// What the popup and the options page share: the browser's API, the words of the page,
// the saved address and token, and calls to the Chorus API.
//
// No words live here: every one comes from _locales/<language>/messages.json.

// Firefox names its promise-based API `browser`; Chromium's `chrome` returns promises too.
export const ext = globalThis.browser ?? globalThis.chrome;

export function message(name, substitutions) {
  return ext.i18n.getMessage(name, substitutions) || name;
}

// Fills every element that names its words: data-i18n (text), data-i18n-<attribute>.
export function translatePage(root = document) {
  document.documentElement.lang = ext.i18n.getUILanguage();
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = message(element.dataset.i18n);
  }
  for (const attribute of ["placeholder", "title", "aria-label"]) {
    const key = "i18n" + attribute.replace(/(^|-)([a-z])/g, (_, __, letter) => letter.toUpperCase());
    for (const element of root.querySelectorAll(`[data-i18n-${attribute}]`)) {
      element.setAttribute(attribute, message(element.dataset[key]));
    }
  }
}

// Loopback addresses may be http:// (a developer's own Chorus); everything else is https://.
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost"]);

// The Chorus address as an origin ("https://chorus.example.com"), or null when the address
// is not one the extension talks to.
export function chorusOrigin(address) {
  let url;
  try {
    url = new URL(address.trim());
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  if (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))) {
    return url.origin;
  }
  return null;
}

// The host permission to ask for: the origin's scheme and host, any port (Firefox's match
// patterns cannot name a port).
export function originPattern(origin) {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}/*`;
}

export async function loadSettings() {
  const { address = "", token = "" } = await ext.storage.local.get(["address", "token"]);
  return { address, token };
}

export async function saveSettings(settings) {
  await ext.storage.local.set({ address: settings.address, token: settings.token });
}

export async function forgetSettings() {
  await ext.storage.local.remove(["address", "token"]);
}

export class ApiError extends Error {
  constructor(status, text, data = null) {
    super(text);
    this.status = status;
    this.data = data;
  }
}

// What the API said, in words: its "detail" is a sentence, or for malformed input a list
// of problems each with its own "msg".
function detailText(data) {
  const detail = data && data.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((problem) => problem && problem.msg).filter(Boolean).join(" ");
  }
  return "";
}

// Calls the Chorus API with the member's token. Resolves with the answer's JSON for a 2xx;
// rejects with an ApiError whose message says what went wrong, in words.
export async function callApi(settings, method, path, body) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${settings.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`${settings.address}/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // The token is the only credential: no cookies, no referrer, no redirects that
      // could carry it elsewhere.
      credentials: "omit",
      referrerPolicy: "no-referrer",
      redirect: "error",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, message("errorUnreachable", [settings.address]));
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return data;
  if (response.status === 401) {
    throw new ApiError(401, message("errorTokenRefused"), data);
  }
  const detail = detailText(data);
  if (response.status >= 500 || !detail) {
    throw new ApiError(response.status, message("errorServer", [String(response.status)]), data);
  }
  throw new ApiError(response.status, detail, data);
}

// Shows `text` in a status element; `kind` is "info", "success" or "error".
export function say(element, text, kind = "info") {
  element.textContent = text;
  element.dataset.kind = kind;
  element.hidden = !text;
}
