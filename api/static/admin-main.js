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
    openWithoutKey();
  }
});

/** No key in this tab: open at once when the service is in open access, else ask for one. */
async function openWithoutKey() {
  let caps = null;
  try {
    const response = await fetch("capabilities", { credentials: "omit", cache: "no-store", redirect: "error" });
    caps = response.ok ? await response.json() : null;
  } catch (_) {
    caps = null;
  }
  if (!(caps && caps.open_access)) return showSignIn("");
  adminKey = "";
  $("access-note").hidden = false;
  $("sign-out").hidden = true;
  showDashboard();
  refresh();
}
