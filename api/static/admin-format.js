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
