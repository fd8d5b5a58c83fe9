// The kb-service admin page. Plain JS, no build step, no third-party code.
// Every data call carries the admin key as a bearer header; the key lives in sessionStorage
// (this tab only) and never in a URL. All text from the service is inserted as text nodes.
"use strict";

(() => {
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
    const headers = Object.assign({}, options.headers || {}, { Authorization: `Bearer ${adminKey}` });
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

  // --- small helpers ------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    for (const child of children) node.append(child instanceof Node ? child : String(child));
    return node;
  }

  const dash = "—";
  const fmtPct = (r) => (r === null || r === undefined ? dash : `${(r * 100).toFixed(1)} %`);
  const fmtMs = (ms) => {
    if (ms === null || ms === undefined) return dash;
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  };
  const fmtNum = (v) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : (v ?? dash));
  const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : dash);
  const fmtBytes = (n) => {
    if (n === null || n === undefined) return dash;
    if (n < 1024) return `${n} B`;
    if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / 1048576).toFixed(1)} MiB`;
  };
  const sum = (values) => values.reduce((a, b) => a + b, 0);

  function fillTable(table, rows, columns, emptyText) {
    const body = table.tBodies[0];
    body.replaceChildren();
    if (!rows.length) {
      body.append(el("tr", {}, el("td", { class: "empty", colspan: columns }, emptyText)));
      return;
    }
    for (const row of rows) body.append(row);
  }

  // --- rendering ----------------------------------------------------------------------------
  function stat(label, value, title, kind) {
    const shown = el("div", { class: kind ? `value ${kind}` : "value" }, value);
    return el("div", { class: "stat", title }, shown, el("div", { class: "label" }, label));
  }

  function renderSummary(overview) {
    const counts = overview.counts;
    const answers = overview.answers_last_day;
    const adapters = overview.adapters;
    $("summary").replaceChildren(
      stat("documents indexed", counts.by_status.indexed || 0),
      stat("chunks in the store", counts.chunks_in_store ?? dash),
      stat("personal data redacted", sum(Object.values(counts.redactions)), redactionText(counts.redactions)),
      stat("failed files", overview.failed_files),
      stat("answers, last 24 h", answers.answers),
      stat("suppressed, last 24 h", fmtPct(answers.suppression_rate)),
      stat("latency p95, last 24 h", fmtMs(answers.latency_ms_p95)),
      stat("answering model", adapters.default_model, adapters.active ? "adapter" : "base model", "name"),
    );
    $("generated").textContent = `as of ${fmtTime(overview.generated_at)}`;
  }

  function redactionText(redactions) {
    const parts = Object.entries(redactions || {}).sort((a, b) => b[1] - a[1]);
    return parts.length ? parts.map(([type, n]) => `${type} ${n}`).join(", ") : "none";
  }

  function renderDocuments(documents) {
    const rows = documents.map((doc) => {
      const total = sum(Object.values(doc.redactions || {}));
      const remove = el("button", { type: "button", class: "danger", title: `Delete ${doc.source}` }, "Delete");
      remove.addEventListener("click", () => deleteDocument(doc, remove));
      const status = el("td", {}, el("span", { class: `badge ${doc.status}` }, doc.status));
      if (doc.error) status.append(el("div", { class: "muted" }, doc.error));
      return el("tr", {},
        el("td", {}, el("strong", {}, doc.source), doc.title ? el("div", { class: "muted" }, doc.title) : null),
        status,
        el("td", { class: "mono", title: doc.version }, doc.version ? doc.version.slice(0, 12) : dash),
        el("td", { class: "num" }, doc.pages),
        el("td", { class: "num", title: `${doc.duplicate_chunks} duplicate chunks skipped` }, doc.chunks),
        el("td", {}, el("strong", {}, total), " ", el("span", { class: "muted" }, total ? redactionText(doc.redactions) : "")),
        el("td", {}, fmtTime(doc.updated_at)),
        el("td", {}, remove),
      );
    });
    fillTable($("documents"), rows, 8, "No documents yet: upload one above or drop files into the inbox.");
  }

  function renderFailed(failed) {
    const rows = failed.files.map((file) => el("tr", {},
      el("td", {}, el("strong", {}, file.name)),
      el("td", { class: "reason" }, file.reason ?? "(no reason file)"),
      el("td", {}, fmtTime(file.failed_at)),
      el("td", { class: "num" }, fmtBytes(file.size_bytes)),
    ));
    const note = failed.total > failed.files.length ? ` (newest ${failed.files.length} of ${failed.total})` : "";
    fillTable($("failed"), rows, 4, "No failed files.");
    $("failed").caption?.remove();
    if (note) $("failed").prepend(el("caption", { class: "muted" }, note));
  }

  function scoresText(promotion) {
    if (!promotion) return dash;
    if (promotion.forced || !promotion.scores) return `forced, ${fmtTime(promotion.at)}`;
    const s = promotion.scores;
    return `loss ${fmtNum(s.candidate_loss)} vs ${s.baseline} ${fmtNum(s.baseline_loss)} (${s.split} split), ${fmtTime(promotion.at)}`;
  }

  function kv(pairs) {
    const list = el("dl", { class: "kv" });
    for (const [key, value] of pairs) list.append(el("dt", {}, key), el("dd", {}, value));
    return list;
  }

  function renderAdapters(info) {
    const box = $("active-adapter");
    box.replaceChildren();
    if (info.error) box.append(el("p", { class: "error" }, info.error));
    const active = info.adapters.find((a) => a.name === info.active);
    const left = kv([
      ["answers by default", info.default_model],
      ["adapter", info.active ?? "none (the base model answers)"],
      ["base model", info.base_model],
      ["set by", info.override ? `KB_LLM_ADAPTER (registry: ${info.promoted ?? "base model"})` : "the registry"],
    ]);
    const blocks = [el("div", {}, el("h3", {}, "Active"), left)];
    if (active) {
      const metrics = Object.entries(active.metrics || {}).map(([k, v]) => [k, fmtNum(v)]);
      blocks.push(el("div", {}, el("h3", {}, "Card metrics"), metrics.length ? kv(metrics) : el("p", { class: "muted" }, "none recorded")));
      const p = active.promotion;
      const rows = p && p.scores ? [
        ["candidate loss", fmtNum(p.scores.candidate_loss)],
        [`baseline (${p.scores.baseline}) loss`, fmtNum(p.scores.baseline_loss)],
        ["split", p.scores.split],
        ["tolerance", fmtPct(p.scores.tolerance)],
        ["accepted", p.scores.accepted ? "yes" : "no"],
        ["promoted", fmtTime(p.at)],
      ] : [["promoted", p ? `${fmtTime(p.at)}${p.forced ? " (forced, not compared)" : ""}` : dash]];
      blocks.push(el("div", {}, el("h3", {}, "Promotion scores"), kv(rows)));
      if (active.stale) blocks.push(el("div", {}, el("h3", {}, "Stale"), el("p", { class: "error" }, active.stale_reasons.join("; "))));
    }
    box.append(el("div", { class: "active-adapter" }, ...blocks));

    const rows = info.adapters.map((a) => {
      const state = el("td", {});
      if (a.active) state.append(el("span", { class: "badge active" }, "active"), " ");
      if (a.stale) state.append(el("span", { class: "badge stale", title: a.stale_reasons.join("; ") }, "stale"));
      return el("tr", {},
        el("td", {}, el("strong", {}, a.name), a.parent ? el("div", { class: "muted" }, `from ${a.parent}`) : null),
        el("td", {}, fmtTime(a.created_at)),
        el("td", { class: "num" }, fmtNum(a.metrics.val_loss)),
        el("td", { class: "num" }, fmtNum(a.metrics.test_loss)),
        el("td", { class: "num" }, fmtNum(a.metrics.test_perplexity)),
        el("td", {}, scoresText(a.promotion)),
        state,
      );
    });
    fillTable($("adapters"), rows, 7, "No adapters trained yet (kb train).");

    const events = info.history.map((e) => el("li", {},
      `${fmtTime(e.at)}: ${e.event} ${e.name ?? "base model"}`,
      e.previous !== undefined ? ` (before: ${e.previous ?? "base model"})` : "",
      e.forced ? ", forced" : ""));
    $("registry-history").replaceChildren(...(events.length ? events : [el("li", {}, "no promotions yet")]));
  }

  // --- the chart: suppression rate (left axis) and latency (right axis), inline SVG ----------
  function niceMax(value) {
    if (!(value > 0)) return 1000;
    const magnitude = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
    return 10 * magnitude;
  }

  function timeLabel(ms, spanMs) {
    const date = new Date(ms);
    const hm = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return spanMs > 36 * 3600 * 1000 ? `${date.toLocaleDateString([], { month: "short", day: "numeric" })} ${hm}` : hm;
  }

  function renderChart(series) {
    const box = $("chart");
    const W = 900, H = 260, L = 52, R = 64, T = 14, B = 30;
    const x0 = Date.parse(series.since), x1 = Date.parse(series.until);
    const step = series.resolution_minutes * 60000;
    const points = series.points;
    const latencyTop = niceMax(Math.max(0, ...points.map((p) => Math.max(p.latency_ms_p95 || 0, p.latency_ms_avg || 0))));
    const x = (ms) => L + ((ms + step / 2 - x0) / (x1 - x0)) * (W - L - R);
    const yRate = (r) => T + (1 - r) * (H - T - B);
    const yMs = (ms) => T + (1 - ms / latencyTop) * (H - T - B);

    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "xMidYMid meet" });
    for (let i = 0; i <= 4; i += 1) {
      const y = T + (i / 4) * (H - T - B);
      root.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: y, y2: y }));
      root.append(svg("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, `${100 - i * 25} %`));
      root.append(svg("text", { x: W - R + 6, y: y + 4 }, fmtMs(latencyTop * (1 - i / 4))));
    }
    root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
    for (let i = 0; i <= 5; i += 1) {
      const ms = x0 + (i / 5) * (x1 - x0);
      const px = L + (i / 5) * (W - L - R);
      root.append(svg("line", { class: "axis", x1: px, x2: px, y1: H - B, y2: H - B + 4 }));
      root.append(svg("text", { x: px, y: H - 10, "text-anchor": "middle" }, timeLabel(ms, x1 - x0)));
    }

    const line = (cls, value, scale) => {
      let d = "", previous = null;
      for (const p of points) {
        const v = value(p);
        if (v === null || v === undefined) { previous = null; continue; }
        const at = p.minute * 1000;
        const joined = previous !== null && at - previous <= step;  // a step without answers breaks the line
        d += `${joined ? "L" : "M"}${x(at).toFixed(1)},${scale(v).toFixed(1)}`;
        previous = at;
      }
      if (d) root.append(svg("path", { class: `${cls} line`, d }));
      for (const p of points) {
        const v = value(p);
        if (v === null || v === undefined) continue;
        root.append(svg("circle", { class: cls, cx: x(p.minute * 1000).toFixed(1), cy: scale(v).toFixed(1), r: 2.5 },
          svg("title", {}, `${fmtTime(p.start)}: ${p.answers} answers, ${p.suppressed} suppressed (${fmtPct(p.suppression_rate)}), ` +
            `latency avg ${fmtMs(p.latency_ms_avg)}, p95 ${fmtMs(p.latency_ms_p95)}`)));
      }
    };
    line("avg", (p) => p.latency_ms_avg, yMs);
    line("p95", (p) => p.latency_ms_p95, yMs);
    line("rate", (p) => p.suppression_rate, yRate);
    if (!points.length) {
      root.append(svg("text", { x: (L + W - R) / 2, y: H / 2, "text-anchor": "middle" }, "No answers in this range yet."));
    }
    box.replaceChildren(root);
    const t = series.totals;
    $("chart-note").textContent = `${t.answers} answers, ${t.suppressed} suppressed (${fmtPct(t.suppression_rate)}); ` +
      `latency average ${fmtMs(t.latency_ms_avg)}, p95 ≈ ${fmtMs(t.latency_ms_p95)}. ` +
      `One point per ${series.resolution_minutes} min with answers.`;
  }

  // --- loading and actions ------------------------------------------------------------------
  function historyPath() {
    const [minutes, resolution] = $("range").value.split(":");
    return `v1/admin/metrics/history?minutes=${encodeURIComponent(minutes)}&resolution=${encodeURIComponent(resolution)}`;
  }

  async function load() {
    const [overview, failed, history] = await Promise.all([
      api("v1/admin/overview"), api("v1/admin/failed"), api(historyPath()),
    ]);
    renderSummary(overview);
    renderDocuments(overview.documents);
    renderFailed(failed);
    renderAdapters(overview.adapters);
    renderChart(history);
    $("error").textContent = "";
  }

  function showSignIn(message) {
    if (timer) clearInterval(timer);
    timer = null;
    $("dashboard").hidden = true;
    $("session").hidden = true;
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = message || "";
    $("key").value = "";
    $("key").focus();
  }

  function showDashboard() {
    $("sign-in").hidden = true;
    $("dashboard").hidden = false;
    $("session").hidden = false;
    if (!timer) timer = setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  }

  async function refresh() {
    try {
      await load();
    } catch (error) {
      handle(error);
    }
  }

  function handle(error) {
    if (error instanceof AuthError) {
      sessionStorage.removeItem(STORAGE_KEY);
      adminKey = null;
      showSignIn(error.message);
    } else {
      $("error").textContent = error.message || String(error);
    }
  }

  async function signIn(event) {
    event.preventDefault();
    adminKey = $("key").value.trim();
    if (!adminKey) return;
    try {
      await load();
    } catch (error) {
      adminKey = null;
      $("sign-in-error").textContent = error.message || String(error);
      return;
    }
    sessionStorage.setItem(STORAGE_KEY, adminKey);
    $("key").value = "";
    showDashboard();
  }

  async function deleteDocument(doc, button) {
    if (!window.confirm(`Delete ${doc.source} and all its chunks from the knowledge base?`)) return;
    button.disabled = true;
    try {
      await api(`v1/documents/${encodeURIComponent(doc.document_id)}`, { method: "DELETE" });
      await load();
    } catch (error) {
      button.disabled = false;
      handle(error);
    }
  }

  async function upload(event) {
    event.preventDefault();
    const input = $("files");
    const files = Array.from(input.files || []);
    if (!files.length) return;
    const status = $("upload-status");
    const results = [];
    for (const [i, file] of files.entries()) {
      status.textContent = `uploading ${file.name} (${i + 1} of ${files.length})…`;
      const form = new FormData();
      form.append("file", file, file.name);
      try {
        const result = await api("v1/documents", { method: "POST", body: form });
        // 202: still being ingested after the server's wait; the document list shows it once done.
        results.push(result.chunks === undefined
          ? `${file.name}: ${result.status}, still being ingested (refresh to see it)`
          : `${file.name}: ${result.status}, ${result.chunks} chunks`);
      } catch (error) {
        if (error instanceof AuthError) return handle(error);
        results.push(`${file.name}: failed: ${error.message}`);
      }
    }
    status.textContent = results.join(" · ");
    input.value = "";
    await refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("key-form").addEventListener("submit", signIn);
    $("upload-form").addEventListener("submit", upload);
    $("refresh").addEventListener("click", refresh);
    $("range").addEventListener("change", async () => {
      try {
        renderChart(await api(historyPath()));
      } catch (error) {
        handle(error);
      }
    });
    $("sign-out").addEventListener("click", () => {
      sessionStorage.removeItem(STORAGE_KEY);
      adminKey = null;
      showSignIn("");
    });
    if (adminKey) {
      showDashboard();
      refresh();
    } else {
      showSignIn("");
    }
  });
})();
