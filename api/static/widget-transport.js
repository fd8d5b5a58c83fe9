// --- talking to the service --------------------------------------------------------------
function headers() {
  // No key: the service is in open access (see capabilities()), or it answers 401.
  const json = { "Content-Type": "application/json" };
  return options.key ? Object.assign(json, { Authorization: `Bearer ${options.key}` }) : json;
}

/** How the service is accessed, from GET /capabilities (no key): null when it cannot be read. */
async function capabilities() {
  try {
    const response = await fetch(`${options.api}capabilities`, { credentials: "omit" });
    return response.ok ? await response.json() : null;
  } catch (_) {
    return null;
  }
}

/** Example questions from the documents' section titles (reader): {status, questions}. */
async function exampleQuestions(key = options.key) {
  try {
    const response = await fetch(`${options.api}v1/examples?n=3&lang=${options.lang}`, {
      headers: key ? { Authorization: `Bearer ${key}` } : {},
      credentials: "omit",
    });
    const body = response.ok ? await response.json() : null;
    return { status: response.status, questions: body ? body.questions.map((q) => q.question) : [] };
  } catch (_) {
    return { status: 0, questions: [] };
  }
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
