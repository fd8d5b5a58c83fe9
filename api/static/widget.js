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
 * Answers come from POST /v1/chat/completions with stream: true. The service verifies an
 * answer whole before it streams it, so everything shown has been checked; the last event
 * carries the citations and the verdict (kb.grounded, kb.suppressed_reason).
 * Everything the service returns is inserted as text, never as HTML.
 */
(() => {
  "use strict";

  const script =
    document.currentScript ||
    Array.from(document.querySelectorAll("script[src]")).find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src));
  if (!script) return;

  const STRINGS = {
    en: {
      title: "Ask the knowledge base",
      open: "Open the knowledge base chat",
      close: "Close the chat",
      launcher: "Ask",
      intro: "Ask a question about the documents. Every answer is checked against them and shows its sources.",
      question: "Your question",
      placeholder: "Ask a question…",
      send: "Send",
      you: "You",
      bot: "Knowledge base",
      thinking: "Searching the documents and checking the answer…",
      verified: "Verified against the documents",
      confidence: (pct) => `confidence ${pct}%`,
      sources: "Sources",
      closest: "Closest passages",
      suppressed: "No verified answer",
      reasons: {
        no_relevant_passages: "No document in the knowledge base matches the question.",
        model_found_no_answer: "The documents found do not answer the question.",
        no_claims: "No answer came back that could be checked.",
        low_confidence: "The answer could not be verified against the documents, so it is not shown.",
        off_topic: "The answer found was not about the question, so it is not shown.",
      },
      otherReason: "The knowledge base does not support an answer.",
      trimmed: "Parts of the answer that the documents do not support were removed.",
      page: (n) => `p. ${n}`,
      sourceRef: (n) => `Source ${n}`,
      expand: "Show the passage",
      rate: "Rate this answer",
      helpful: "Helpful",
      notHelpful: "Not helpful",
      comment: "What was wrong? (optional)",
      sendFeedback: "Send feedback",
      thanks: "Thank you for your feedback.",
      feedbackFailed: "The feedback could not be sent.",
      keyLabel: "Reader key",
      keyHint: "Enter a reader key of the knowledge base. It stays in this page only.",
      start: "Start",
      errors: {
        401: "The widget's key was refused by the knowledge base.",
        403: "This key may not ask the knowledge base.",
        413: "The question is too long.",
        429: "The knowledge base is busy. Please ask again in a moment.",
        503: "The knowledge base is not available right now. Try again later.",
        network: "The knowledge base could not be reached.",
        other: "The question could not be answered.",
      },
    },
    zh: {
      title: "知识库问答",
      open: "打开知识库问答",
      close: "关闭问答",
      launcher: "提问",
      intro: "请提出与文档相关的问题。每个回答都会与文档逐句核对，并注明来源。",
      question: "您的问题",
      placeholder: "请输入问题…",
      send: "发送",
      you: "您",
      bot: "知识库",
      thinking: "正在检索文档并核对回答…",
      verified: "已与文档核对",
      confidence: (pct) => `置信度 ${pct}%`,
      sources: "来源",
      closest: "最相关的段落",
      suppressed: "没有经过核实的回答",
      reasons: {
        no_relevant_passages: "知识库中没有与该问题相关的文档。",
        model_found_no_answer: "检索到的文档没有回答该问题。",
        no_claims: "没有得到可以核对的回答。",
        low_confidence: "回答无法与文档核对一致，因此不予显示。",
        off_topic: "找到的回答与问题无关，因此不予显示。",
      },
      otherReason: "知识库中的内容不足以支持回答。",
      trimmed: "回答中没有文档依据的部分已被删除。",
      page: (n) => `第 ${n} 页`,
      sourceRef: (n) => `来源 ${n}`,
      expand: "展开段落",
      rate: "评价此回答",
      helpful: "有帮助",
      notHelpful: "没有帮助",
      comment: "哪里有问题？（可选）",
      sendFeedback: "提交反馈",
      thanks: "感谢您的反馈。",
      feedbackFailed: "反馈提交失败。",
      keyLabel: "读取密钥",
      keyHint: "请输入知识库的读取密钥。密钥只保存在本页面中。",
      start: "开始",
      errors: {
        401: "知识库拒绝了此组件的密钥。",
        403: "此密钥无权向知识库提问。",
        413: "问题太长。",
        429: "知识库正忙，请稍后再问。",
        503: "知识库暂时不可用，请稍后再试。",
        network: "无法连接知识库。",
        other: "无法回答该问题。",
      },
    },
  };

  const STYLE = `
:host { all: initial; }
.kb { --accent: var(--kb-accent, #2457c5); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; color: #1d2330; }
.kb *, .kb *::before, .kb *::after { box-sizing: border-box; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
button, textarea, input { font: inherit; color: inherit; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
svg { width: 18px; height: 18px; display: block; fill: none; stroke: currentColor; stroke-width: 1.8;
  stroke-linejoin: round; stroke-linecap: round; }
.launcher { position: fixed; bottom: 20px; z-index: 2147483000; display: flex; align-items: center; gap: 8px;
  border: 0; border-radius: 999px; padding: 12px 18px; background: var(--accent); color: #fff; cursor: pointer;
  box-shadow: 0 6px 20px rgba(0,0,0,.22); font-weight: 600; }
.launcher.right { right: 20px; } .launcher.left { left: 20px; }
.panel { display: flex; flex-direction: column; background: #fff; overflow: hidden; }
[hidden] { display: none !important; }
.floating { position: fixed; bottom: 84px; z-index: 2147483000; width: min(400px, calc(100vw - 24px));
  height: min(600px, calc(100vh - 108px)); border-radius: 14px; box-shadow: 0 12px 40px rgba(0,0,0,.25);
  border: 1px solid #d9deea; }
.floating.right { right: 12px; } .floating.left { left: 12px; }
.inline { width: 100%; height: 100%; min-height: 320px; border: 1px solid #d9deea; border-radius: 10px; }
.page { position: fixed; inset: 0; border: 0; border-radius: 0; }
header { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 12px 14px;
  background: var(--accent); color: #fff; }
h2 { margin: 0; font-size: 15px; font-weight: 650; }
.close { border: 0; background: transparent; color: #fff; font-size: 22px; line-height: 1; cursor: pointer;
  padding: 2px 8px; border-radius: 6px; }
.log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 12px; background: #f6f7fb; }
.intro { margin: 0; color: #555e70; }
.msg { max-width: 100%; border-radius: 12px; padding: 10px 12px; }
.user { align-self: flex-end; background: var(--accent); color: #fff; max-width: 85%; white-space: pre-wrap; }
.bot { align-self: stretch; background: #fff; border: 1px solid #e1e5ef; }
.answer { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.status { color: #555e70; font-style: italic; }
.badge { display: inline-block; margin-bottom: 6px; font-size: 12px; color: #17663a; background: #e3f5ea;
  border-radius: 6px; padding: 2px 8px; }
.notice { margin-bottom: 8px; border-left: 4px solid #b7791f; background: #fff7e6; padding: 8px 10px; border-radius: 6px; }
.notice strong { display: block; color: #7a4b00; }
.note { margin: 6px 0 0; font-size: 12px; color: #555e70; }
.error { color: #a11a1a; margin: 0; }
.ref { border: 0; background: none; padding: 0 1px; color: var(--accent); font-weight: 650; cursor: pointer; }
h3 { margin: 10px 0 6px; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #555e70; }
.cards { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.card { border: 1px solid #dde2ee; border-radius: 8px; background: #fbfcff; }
.card.flash { box-shadow: 0 0 0 3px var(--accent); }
.card-head { display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; width: 100%; text-align: left; border: 0;
  background: none; padding: 8px 10px; cursor: pointer; border-radius: 8px; }
.num { grid-row: span 2; align-self: start; min-width: 22px; height: 22px; border-radius: 50%; background: var(--accent);
  color: #fff; font-size: 12px; display: flex; align-items: center; justify-content: center; }
.doc { font-weight: 600; overflow-wrap: anywhere; }
.meta { font-size: 12px; color: #555e70; overflow-wrap: anywhere; }
.quote { margin: 0 10px 8px 40px; padding: 0; color: #333a48; font-size: 13px; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.card.open .quote { display: block; -webkit-line-clamp: unset; }
.feedback { display: flex; align-items: center; flex-wrap: wrap; gap: 6px; margin-top: 10px; }
.feedback > button { border: 1px solid #cfd5e3; background: #fff; border-radius: 8px; padding: 4px 9px; cursor: pointer; color: #555e70; }
.feedback > button[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
.feedback > button:disabled { cursor: default; opacity: .65; }
.feedback > button[aria-pressed="true"]:disabled { opacity: 1; }
.fb-status { font-size: 12px; color: #555e70; }
.comment { display: flex; flex-direction: column; gap: 6px; width: 100%; margin-top: 6px; }
.comment textarea { min-height: 56px; resize: vertical; border: 1px solid #cfd5e3; border-radius: 8px; padding: 6px 8px; }
.comment button, .keyform button, .ask button { border: 0; border-radius: 8px; padding: 8px 14px; background: var(--accent);
  color: #fff; cursor: pointer; font-weight: 600; align-self: flex-end; }
.ask { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e1e5ef; background: #fff; align-items: flex-end; }
.ask textarea { flex: 1; resize: none; min-height: 40px; max-height: 140px; border: 1px solid #cfd5e3; border-radius: 8px; padding: 9px 10px; }
.ask button[aria-disabled="true"] { opacity: .6; cursor: progress; }
.keyform { display: flex; flex-direction: column; gap: 8px; padding: 14px; border-top: 1px solid #e1e5ef; }
.keyform input { border: 1px solid #cfd5e3; border-radius: 8px; padding: 8px 10px; }
.keyform p { margin: 0; color: #555e70; font-size: 12px; }
@media (prefers-reduced-motion: no-preference) { .card { transition: box-shadow .2s; } }
`;

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
  const t = STRINGS[options.lang];
  options.title = fragment.get("title") || data.kbTitle || t.title;
  if (pageMode) {
    document.documentElement.lang = options.lang === "zh" ? "zh-CN" : "en";
    document.title = options.title;
  }

  // --- small DOM helpers -------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  let serial = 0;
  const uid = (prefix) => `kb-${prefix}-${++serial}`;

  // Icons as inline SVG: no image requests, no emoji font needed.
  const ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    thumb: "M3 10h3.5v10.5H3zM8.5 20.5h8.6a2 2 0 0 0 2-1.6l1.3-6.3a2 2 0 0 0-2-2.4h-4.6l.8-4a1.7 1.7 0 0 0-3.1-1.3L8.5 10.2z",
  };
  function icon(name, flip) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    if (flip) path.setAttribute("transform", "matrix(1 0 0 -1 0 24)"); // thumb down: mirrored vertically
    svg.append(path);
    return svg;
  }

  // --- talking to the service --------------------------------------------------------------
  function headers() {
    return { "Content-Type": "application/json", Authorization: `Bearer ${options.key}` };
  }

  async function errorMessage(response) {
    let detail = "";
    try {
      detail = (await response.json()).error.message || "";
    } catch (_) {
      /* not an error body of the service */
    }
    const known = t.errors[response.status];
    return known || (detail ? `${t.errors.other} (${detail})` : t.errors.other);
  }

  /** Server-sent events of a fetch response: yields the parsed JSON of each data event. */
  async function* events(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let lines = [];
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
      let end;
      while ((end = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, end).replace(/\r$/, "");
        buffer = buffer.slice(end + 1);
        if (line === "") {
          if (lines.length) {
            const payload = lines.join("\n");
            lines = [];
            if (payload === "[DONE]") return;
            yield JSON.parse(payload);
          }
        } else if (line.startsWith("data:")) {
          lines.push(line.slice(5).replace(/^ /, ""));
        }
      }
      if (done) {
        if (lines.length && lines.join("\n") !== "[DONE]") yield JSON.parse(lines.join("\n"));
        return;
      }
    }
  }

  /** The answer without the readable "Sources:" list the service appends for plain chat tools. */
  function answerText(content) {
    const cut = content.search(/\n\n(?:Sources|来源):/);
    return (cut >= 0 ? content.slice(0, cut) : content).trim();
  }

  // --- the widget ----------------------------------------------------------------------------
  function mount() {
    const host = el("div", { "data-kb-widget": "", "data-kb-lang": options.lang });
    const target = options.target ? document.querySelector(options.target) : null;
    (target || document.body).append(host);
    const root = host.attachShadow({ mode: "open" });
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE); // not an inline <style>: works under a strict style-src CSP
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(el("style", { text: STYLE }));
    }

    const floating = !pageMode && !target;
    const wrap = el("div", { class: "kb", lang: options.lang === "zh" ? "zh-CN" : "en" });
    if (options.accent) wrap.style.setProperty("--accent", options.accent);
    root.append(wrap);

    const panelId = uid("panel");
    const titleId = uid("title");
    const inputId = uid("q");
    const panelClass = `panel ${floating ? `floating ${options.side}` : pageMode ? "inline page" : "inline"}`;
    const panel = el("section", { class: panelClass, id: panelId, role: floating ? "dialog" : "region", "aria-labelledby": titleId });
    const launcher = floating
      ? el(
          "button",
          { class: `launcher ${options.side}`, type: "button", "aria-expanded": "false", "aria-controls": panelId, "aria-label": t.open },
          icon("chat"),
          el("span", { text: t.launcher }),
        )
      : null;
    const closeButton = floating ? el("button", { class: "close", type: "button", "aria-label": t.close, text: "×" }) : null;
    panel.append(el("header", {}, el("h2", { id: titleId, text: options.title }), closeButton));

    const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions text", "aria-labelledby": titleId });
    log.append(el("p", { class: "intro", text: t.intro }));
    panel.append(log);
    const follow = () => {
      log.scrollTop = log.scrollHeight; // scroll the conversation, never the embedding page
    };

    const input = el("textarea", { id: inputId, rows: 1, placeholder: t.placeholder, autocomplete: "off", maxlength: 2000 });
    const send = el("button", { type: "submit", text: t.send });
    const form = el("form", { class: "ask", novalidate: true }, el("label", { class: "sr", for: inputId, text: t.question }), input, send);
    panel.append(form);

    if (!options.key) {
      form.hidden = true;
      panel.append(keyForm(form, input));
    }
    if (launcher) wrap.append(launcher);
    wrap.append(panel);

    // --- opening and closing (floating mode) ---
    function setOpen(open) {
      if (!launcher) return;
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      if (open) focusFirst();
    }
    function focusFirst() {
      const field = form.hidden ? panel.querySelector(".keyform input") : input;
      if (field) field.focus();
    }
    if (launcher) {
      panel.hidden = !options.open;
      if (options.open) launcher.setAttribute("aria-expanded", "true");
      launcher.addEventListener("click", () => setOpen(panel.hidden));
      closeButton.addEventListener("click", () => {
        setOpen(false);
        launcher.focus();
      });
      panel.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          event.stopPropagation();
          setOpen(false);
          launcher.focus();
        }
      });
    } else if (pageMode) {
      focusFirst();
    }

    // --- asking ---
    let busy = false;
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const question = input.value.trim();
      if (!question || busy) return;
      input.value = "";
      input.focus();
      ask(question);
    });

    async function ask(question) {
      busy = true;
      send.setAttribute("aria-disabled", "true");
      log.append(el("div", { class: "msg user" }, el("span", { class: "sr", text: `${t.you}: ` }), question));
      const view = new AnswerView(question);
      log.append(view.node);
      follow();
      try {
        const response = await fetch(`${options.api}v1/chat/completions`, {
          method: "POST",
          headers: headers(),
          body: JSON.stringify({ model: options.model, stream: true, messages: [{ role: "user", content: question }] }),
        });
        if (!response.ok) {
          view.fail(await errorMessage(response));
          return;
        }
        let content = "";
        for await (const chunk of events(response)) {
          if (chunk.id) view.id = chunk.id;
          const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
          if (delta && delta.content) {
            content += delta.content;
            view.stream(answerText(content));
          }
          if (chunk.kb) view.finish(answerText(content), chunk.citations || [], chunk.kb);
        }
        if (!view.done) view.fail(t.errors.other);
      } catch (error) {
        view.fail(t.errors.network);
      } finally {
        busy = false;
        send.removeAttribute("aria-disabled");
        follow();
      }
    }

    // --- one answer: text, verdict, source cards, feedback ---
    class AnswerView {
      constructor(question) {
        this.question = question;
        this.id = null;
        this.done = false;
        this.node = el("article", { class: "msg bot", "aria-busy": "true", "aria-label": t.bot });
        this.status = el("p", { class: "status", role: "status", text: t.thinking });
        this.text = el("p", { class: "answer" });
        this.node.append(this.status, this.text);
      }

      stream(text) {
        this.text.textContent = text;
        follow();
      }

      fail(message) {
        this.done = true;
        this.status.remove();
        this.text.replaceWith(el("p", { class: "error", role: "alert", text: message }));
        this.node.setAttribute("aria-busy", "false");
      }

      finish(text, citations, kb) {
        this.done = true;
        this.status.remove();
        const prefix = `${this.node.id || uid("answer")}`;
        const cards = citations.map((citation, i) => this.card(citation, i + 1, prefix));
        if (kb.grounded) {
          const pct = Math.round((kb.confidence || 0) * 100);
          this.node.insertBefore(el("span", { class: "badge", text: `✓ ${t.verified} · ${t.confidence(pct)}` }), this.text);
          this.node.classList.add("grounded");
        } else {
          const reason = t.reasons[kb.suppressed_reason] || t.otherReason;
          const notice = el("div", { class: "notice", role: "note" }, el("strong", { text: t.suppressed }), el("span", { text: reason }));
          this.node.insertBefore(notice, this.text);
          this.node.classList.add("suppressed");
          this.node.dataset.reason = kb.suppressed_reason || "";
        }
        this.text.replaceChildren(...this.withReferences(text, cards));
        if (kb.trimmed) this.node.append(el("p", { class: "note", text: t.trimmed }));
        if (cards.length) {
          const headingId = uid("cards");
          this.node.append(
            el("h3", { id: headingId, text: kb.grounded ? t.sources : t.closest }),
            el("ol", { class: "cards", "aria-labelledby": headingId }, ...cards),
          );
        }
        if (this.id) this.node.append(this.feedback());
        this.node.setAttribute("aria-busy", "false");
      }

      card(citation, n, prefix) {
        const quoteId = `${prefix}-quote-${n}`;
        const meta = [citation.document, citation.section, citation.page ? t.page(citation.page) : null].filter(Boolean).join(" · ");
        const head = el(
          "button",
          { class: "card-head", type: "button", "aria-expanded": "false", "aria-controls": quoteId, title: t.expand },
          el("span", { class: "num", "aria-hidden": "true", text: String(n) }),
          el("span", { class: "doc" }, el("span", { class: "sr", text: `${t.sourceRef(n)}: ` }), citation.title || citation.document),
          el("span", { class: "meta", text: meta }),
        );
        const quote = el("blockquote", { class: "quote", id: quoteId, text: citation.quote || "" });
        const item = el("li", { class: "card", "data-document": citation.document }, head, quote);
        head.addEventListener("click", () => {
          const open = !item.classList.contains("open");
          item.classList.toggle("open", open);
          head.setAttribute("aria-expanded", String(open));
        });
        return item;
      }

      /** Answer text with each [n] as a button that opens source card n. */
      withReferences(text, cards) {
        const parts = [];
        let last = 0;
        for (const match of text.matchAll(/\[(\d+)\]/g)) {
          const card = cards[Number(match[1]) - 1];
          if (!card) continue;
          parts.push(text.slice(last, match.index));
          const ref = el("button", { class: "ref", type: "button", "aria-label": t.sourceRef(match[1]), text: match[0] });
          ref.addEventListener("click", () => {
            const head = card.querySelector(".card-head");
            if (!card.classList.contains("open")) head.click();
            card.classList.add("flash");
            setTimeout(() => card.classList.remove("flash"), 1200);
            head.focus();
          });
          parts.push(ref);
          last = match.index + match[0].length;
        }
        parts.push(text.slice(last));
        return parts;
      }

      feedback() {
        const status = el("span", { class: "fb-status", role: "status" });
        const up = el("button", { type: "button", "aria-pressed": "false", "aria-label": t.helpful, title: t.helpful, "data-rating": "up" }, icon("thumb"));
        const down = el("button", { type: "button", "aria-pressed": "false", "aria-label": t.notHelpful, title: t.notHelpful, "data-rating": "down" }, icon("thumb", true));
        const group = el("div", { class: "feedback", role: "group", "aria-label": t.rate }, up, down, status);
        const submit = async (rating, comment) => {
          up.disabled = down.disabled = true;
          (rating === "up" ? up : down).setAttribute("aria-pressed", "true");
          try {
            const response = await fetch(`${options.api}v1/feedback`, {
              method: "POST",
              headers: headers(),
              body: JSON.stringify({ answer_id: this.id, rating, question: this.question, comment: comment || null }),
            });
            if (!response.ok) throw new Error(String(response.status));
            status.textContent = t.thanks;
            group.dataset.sent = rating;
          } catch (_) {
            status.textContent = t.feedbackFailed;
            up.disabled = down.disabled = false;
            (rating === "up" ? up : down).setAttribute("aria-pressed", "false");
          }
        };
        up.addEventListener("click", () => submit("up"));
        down.addEventListener("click", () => {
          if (group.querySelector(".comment")) return;
          const fieldId = uid("comment");
          const field = el("textarea", { id: fieldId, maxlength: 2000 });
          const box = el("div", { class: "comment" }, el("label", { for: fieldId, text: t.comment }), field);
          const button = el("button", { type: "button", text: t.sendFeedback });
          button.addEventListener("click", () => {
            box.remove();
            submit("down", field.value.trim());
            down.focus();
          });
          box.append(button);
          group.append(box);
          field.focus();
        });
        return group;
      }
    }
  }

  /** Page mode without a key in the fragment: ask for one; it is kept in memory only. */
  function keyForm(askForm, askInput) {
    const fieldId = uid("key");
    const field = el("input", { id: fieldId, type: "password", autocomplete: "off", spellcheck: "false" });
    const form = el(
      "form",
      { class: "keyform" },
      el("label", { for: fieldId, text: t.keyLabel }),
      field,
      el("p", { text: t.keyHint }),
      el("button", { type: "submit", text: t.start }),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const key = field.value.trim();
      if (!key) return field.focus();
      options.key = key;
      form.remove();
      askForm.hidden = false;
      askInput.focus();
    });
    return form;
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
