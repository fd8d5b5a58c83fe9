/*
 * kb-service chat widget. Embed it with one tag:
 *
 *   <script src="https://kb.example/widget.js" data-kb-key="READER_KEY" defer></script>
 *
 * Options (data- attributes of that tag):
 *   data-kb-key     a reader key (never an admin key: anyone who can see the page can read it)
 *   data-kb-api     base URL of the service; default: the folder this script was loaded from
 *   data-kb-title   heading of the chat panel
 *   data-kb-lang    en | zh; default: the browser's language
 *   data-kb-model   model to ask (default "kb": the knowledge base with its default adapter)
 *   data-kb-target  CSS selector of an element to render into, instead of a floating button
 *   data-kb-open    "true": start with the panel open
 *   data-kb-position left | right (floating button; default right)
 *   data-kb-accent  accent colour, any CSS colour
 *
 * GET /widget serves a page that runs this script full-size, for an <iframe>; it reads
 * key, lang and title from the URL fragment (#key=...&lang=zh), which never reaches a
 * server or its logs, and removes it from the address bar at once.
 *
 * Answers come from POST /v1/chat/completions with stream: true. The service sends each
 * sentence once it has passed verification, so everything shown has been checked; the last event
 * carries the citations and the verdict (kb.grounded, kb.suppressed_reason).
 * Everything the service returns is inserted as text, never as HTML.
 */

// --- the tag that loaded this script, and its options ------------------------------------
const script =
  document.currentScript ||
  Array.from(document.querySelectorAll("script[src]")).find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src));
if (!script) return;

const data = script.dataset;
const pageMode = data.kbMode === "page";
const fragment = new URLSearchParams(pageMode ? location.hash.replace(/^#/, "") : "");
if (pageMode && location.hash) {
  // The fragment held the key: take it out of the address bar and the history entry.
  history.replaceState(null, "", location.pathname + location.search);
}

function pickLang(value) {
  const lang = (value || navigator.language || "en").toLowerCase();
  return lang.startsWith("zh") ? "zh" : "en";
}

function baseUrl(value) {
  const url = new URL(value || ".", script.src);
  return url.href.endsWith("/") ? url.href : url.href + "/";
}

const options = {
  api: baseUrl(data.kbApi),
  key: fragment.get("key") || data.kbKey || "",
  lang: pickLang(fragment.get("lang") || data.kbLang),
  model: fragment.get("model") || data.kbModel || "kb",
  target: data.kbTarget || null,
  open: pageMode || data.kbOpen === "true",
  side: data.kbPosition === "left" ? "left" : "right",
  accent: data.kbAccent || null,
};
