// --- the key prompt --------------------------------------------------------------------------
/**
 * No key given and the service wants one: ask for it; it is kept in memory only. The key is
 * tried (on the example questions) before the prompt closes, so a wrong key is said at once.
 * `accepted(questions)` runs once a key is taken.
 */
function keyForm(askForm, askInput, accepted) {
  const fieldId = uid("key");
  const errorId = uid("key-error");
  const field = el("input", { id: fieldId, type: "password", autocomplete: "off", spellcheck: "false", "aria-describedby": errorId });
  const error = el("p", { class: "error", id: errorId, role: "alert" });
  const start = el("button", { type: "submit", text: t.start });
  const form = el(
    "form",
    { class: "keyform" },
    el("label", { for: fieldId, text: t.keyLabel }),
    field,
    el("p", { text: t.keyHint }),
    error,
    start,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = field.value.trim();
    if (!key) return field.focus();
    start.disabled = true;
    const tried = await exampleQuestions(key);
    start.disabled = false;
    if (tried.status === 401 || tried.status === 403) {
      error.textContent = t.keyRefused;
      field.select();
      return;
    }
    // Anything else (even an unreachable service) takes the key: asking explains what fails.
    options.key = key;
    form.remove();
    askForm.hidden = false;
    askInput.focus();
    accepted(tried.questions);
  });
  return form;
}
