// The kb-service landing page. Plain JS, no build step, no third-party code, no key: it reads
// GET /capabilities and GET /readyz; in open access also the document names (/v1/documents)
// and an example question (/v1/examples), which with keys configured stay behind a key.
// All text from the service is inserted as text nodes.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const FALLBACK_QUESTION = "How many days of annual leave do employees get?";
  const MAX_NAMES = 12;
  const CHECKS = { store: "store", embedder: "embedder", model_server: "model server (vLLM)" };

  async function get(path) {
    try {
      const response = await fetch(path, { credentials: "omit", cache: "no-store", redirect: "error" });
      let body = null;
      try {
        body = await response.json();
      } catch (_) {
        body = null;
      }
      return { status: response.status, body };
    } catch (_) {
      return { status: 0, body: null };
    }
  }

  const count = (n) => (typeof n === "number" ? n.toLocaleString() : "—");
  const shellQuote = (text) => `'${text.replace(/'/g, "'\\''")}'`;

  function curlLine(question, keyed) {
    const key = keyed ? ' -H "Authorization: Bearer $KB_KEY"' : "";
    const body = shellQuote(JSON.stringify({ question }));
    return `curl -s ${location.origin}/v1/ask${key} -H 'Content-Type: application/json' -d ${body}`;
  }

  function showAccess(caps) {
    if (!caps) {
      $("access").textContent = "The service could not be reached.";
      return;
    }
    $("access").textContent = caps.open_access
      ? "Open access: no key needed. For local use on this machine only."
      : "Keys are required: a reader key to ask, an admin key for the admin page (Authorization: Bearer <key>).";
    $("documents").textContent = count(caps.index.documents);
    $("pages").textContent = count(caps.index.pages);
    $("chunks").textContent = count(caps.index.chunks);
    $("version").textContent = `kb-service ${caps.version}`;
  }

  function showDocuments(documents) {
    const indexed = documents.filter((d) => d.status === "indexed");
    const items = indexed.slice(0, MAX_NAMES).map((d) => {
      const item = document.createElement("li");
      item.textContent = d.title && d.title !== d.source ? `${d.title} (${d.source})` : d.source;
      return item;
    });
    if (indexed.length > MAX_NAMES) {
      const more = document.createElement("li");
      more.textContent = `and ${indexed.length - MAX_NAMES} more (see the admin page)`;
      items.push(more);
    }
    $("document-list").replaceChildren(...items);
    $("document-list").hidden = !items.length;
  }

  function showHealth(ready) {
    const checks = (ready.body && ready.body.checks) || {};
    const items = Object.entries(CHECKS).map(([name, label]) => {
      const state = checks[name] || (ready.status ? "unknown" : "unreachable");
      const item = document.createElement("li");
      item.className = state === "ok" ? "ok" : "bad";
      item.textContent = `${label}: ${state === "ok" ? "ready" : state}`;
      return item;
    });
    $("health").replaceChildren(...items);
  }

  async function start() {
    const [caps, ready] = await Promise.all([get("capabilities"), get("readyz")]);
    const open = caps.status === 200 && caps.body.open_access;
    showAccess(caps.status === 200 ? caps.body : null);
    showHealth(ready);
    let question = FALLBACK_QUESTION;
    if (open) {
      const [documents, examples] = await Promise.all([get("v1/documents"), get("v1/examples?n=1")]);
      if (documents.status === 200) showDocuments(documents.body);
      if (examples.status === 200 && examples.body.questions.length) question = examples.body.questions[0].question;
    } else if (caps.status === 200) {
      $("names-note").hidden = false;
    }
    $("curl").textContent = curlLine(question, !open);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
