// --- the key prompt --------------------------------------------------------------------------
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
