// --- the widget: the panel, opening and closing, asking ---------------------------------------
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
  const access = el("p", { class: "access", hidden: true, text: t.openAccess });
  const examples = el("div", { class: "examples", role: "group", "aria-label": t.examplesLabel, hidden: true });
  log.append(el("p", { class: "intro", text: t.intro }), access, examples);
  panel.append(log);
  const follow = () => {
    log.scrollTop = log.scrollHeight; // scroll the conversation, never the embedding page
  };

  const input = el("textarea", { id: inputId, rows: 1, placeholder: t.placeholder, autocomplete: "off", maxlength: 2000 });
  const send = el("button", { type: "submit", text: t.send });
  const form = el("form", { class: "ask", novalidate: true }, el("label", { class: "sr", for: inputId, text: t.question }), input, send);
  panel.append(form);

  if (launcher) wrap.append(launcher);
  wrap.append(panel);

  // --- access: a key given, open access, or a key prompt ---
  /** Up to three example questions as buttons: one click asks. */
  function showExamples(questions) {
    if (!questions.length || !examples.hidden) return;
    const buttons = questions.map((question) =>
      el("button", { class: "example", type: "button", onclick: () => pick(question) }, question),
    );
    examples.append(el("p", { text: t.examples }), ...buttons);
    examples.hidden = false;
  }
  function pick(question) {
    if (busy) return;
    input.value = question;
    form.requestSubmit();
  }
  if (options.key) {
    exampleQuestions().then((found) => showExamples(found.questions));
  } else {
    form.hidden = true; // until the service says whether it needs a key
    capabilities().then((caps) => {
      if (caps && caps.open_access) {
        access.hidden = false;
        form.hidden = false;
        exampleQuestions().then((found) => showExamples(found.questions));
      } else {
        panel.append(keyForm(form, input, showExamples));
      }
      // The page's own focus is never taken: only the iframe page's, or the widget's own.
      if (pageMode || (!panel.hidden && root.activeElement)) focusFirst();
    });
  }

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
  const MAX_TURNS = 12; // earlier turns sent with a question, so a follow-up can be understood
  const history = [];
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

  function remember(question, answer) {
    history.push({ role: "user", content: question }, { role: "assistant", content: answer });
    history.splice(0, Math.max(0, history.length - MAX_TURNS));
  }

  async function ask(question) {
    busy = true;
    send.setAttribute("aria-disabled", "true");
    log.append(el("div", { class: "msg user" }, el("span", { class: "sr", text: `${t.you}: ` }), question));
    const view = new AnswerView(question, follow);
    log.append(view.node);
    follow();
    try {
      const response = await fetch(`${options.api}v1/chat/completions`, {
        method: "POST",
        headers: headers(),
        body: JSON.stringify({ model: options.model, stream: true, messages: [...history, { role: "user", content: question }] }),
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
      else remember(question, answerText(content));
    } catch (error) {
      view.fail(t.errors.network);
    } finally {
      busy = false;
      send.removeAttribute("aria-disabled");
      follow();
    }
  }

}

if (document.body) mount();
else document.addEventListener("DOMContentLoaded", mount, { once: true });
