// --- one answer: text, verdict, source cards, feedback ----------------------------------------
/** One answer in the conversation; `follow` scrolls the conversation as text arrives. */
class AnswerView {
  constructor(question, follow) {
    this.question = question;
    this.follow = follow;
    this.id = null;
    this.done = false;
    this.node = el("article", { class: "msg bot", "aria-busy": "true", "aria-label": t.bot });
    this.status = el("p", { class: "status", role: "status", text: t.thinking });
    this.text = el("p", { class: "answer" });
    this.node.append(this.status, this.text);
  }

  stream(text) {
    this.text.textContent = text;
    this.follow();
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
    this.answeredAs(kb);
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

  /** A follow-up ("And in London?") is answered as a standalone question: say which. */
  answeredAs(kb) {
    const asked = kb.standalone_question;
    if (!asked || kb.rewritten_by === "none" || asked.trim() === this.question.trim()) return;
    this.node.insertBefore(el("p", { class: "note answered-as", text: t.answeredAs(asked) }), this.text);
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
