// The kb-service admin page. Plain JS, no build step, no third-party code.
// Every data call carries the admin key as a bearer header; the key lives in sessionStorage
// (this tab only) and never in a URL. All text from the service is inserted as text nodes.
// In open access (GET /capabilities says so) the page opens without a key and sends none.

// --- state and the key -------------------------------------------------------------------
const STORAGE_KEY = "kb-admin-key";
const SVG_NS = "http://www.w3.org/2000/svg";
const REFRESH_MS = 60000;
const $ = (id) => document.getElementById(id);

let adminKey = sessionStorage.getItem(STORAGE_KEY);
let timer = null;

class AuthError extends Error {}

// --- talking to the service ---------------------------------------------------------------
function errorMessage(body, response) {
  if (body && body.error && body.error.message) return body.error.message;
  return `${response.status} ${response.statusText}`.trim();
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {}, adminKey ? { Authorization: `Bearer ${adminKey}` } : {});
  const response = await fetch(path, Object.assign({}, options, {
    headers, credentials: "omit", cache: "no-store", redirect: "error",
  }));
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = null;
  }
  if (response.status === 401 || response.status === 403) throw new AuthError(errorMessage(body, response));
  if (!response.ok) throw new Error(errorMessage(body, response));
  return body;
}
