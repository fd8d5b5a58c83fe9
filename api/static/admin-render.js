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
