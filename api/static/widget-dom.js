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
