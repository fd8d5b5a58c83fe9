// --- the chart: suppression rate (left axis) and latency (right axis), inline SVG ----------
function niceMax(value) {
  if (!(value > 0)) return 1000;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function timeLabel(ms, spanMs) {
  const date = new Date(ms);
  const hm = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return spanMs > 36 * 3600 * 1000 ? `${date.toLocaleDateString([], { month: "short", day: "numeric" })} ${hm}` : hm;
}

function renderChart(series) {
  const box = $("chart");
  const W = 900, H = 260, L = 52, R = 64, T = 14, B = 30;
  const x0 = Date.parse(series.since), x1 = Date.parse(series.until);
  const step = series.resolution_minutes * 60000;
  const points = series.points;
  const latencyTop = niceMax(Math.max(0, ...points.map((p) => Math.max(p.latency_ms_p95 || 0, p.latency_ms_avg || 0))));
  const x = (ms) => L + ((ms + step / 2 - x0) / (x1 - x0)) * (W - L - R);
  const yRate = (r) => T + (1 - r) * (H - T - B);
  const yMs = (ms) => T + (1 - ms / latencyTop) * (H - T - B);

  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "xMidYMid meet" });
  for (let i = 0; i <= 4; i += 1) {
    const y = T + (i / 4) * (H - T - B);
    root.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: y, y2: y }));
    root.append(svg("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, `${100 - i * 25} %`));
    root.append(svg("text", { x: W - R + 6, y: y + 4 }, fmtMs(latencyTop * (1 - i / 4))));
  }
  root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
  for (let i = 0; i <= 5; i += 1) {
    const ms = x0 + (i / 5) * (x1 - x0);
    const px = L + (i / 5) * (W - L - R);
    root.append(svg("line", { class: "axis", x1: px, x2: px, y1: H - B, y2: H - B + 4 }));
    root.append(svg("text", { x: px, y: H - 10, "text-anchor": "middle" }, timeLabel(ms, x1 - x0)));
  }

  const line = (cls, value, scale) => {
    let d = "", previous = null;
    for (const p of points) {
      const v = value(p);
      if (v === null || v === undefined) { previous = null; continue; }
      const at = p.minute * 1000;
      const joined = previous !== null && at - previous <= step;  // a step without answers breaks the line
      d += `${joined ? "L" : "M"}${x(at).toFixed(1)},${scale(v).toFixed(1)}`;
      previous = at;
    }
    if (d) root.append(svg("path", { class: `${cls} line`, d }));
    for (const p of points) {
      const v = value(p);
      if (v === null || v === undefined) continue;
      root.append(svg("circle", { class: cls, cx: x(p.minute * 1000).toFixed(1), cy: scale(v).toFixed(1), r: 2.5 },
        svg("title", {}, `${fmtTime(p.start)}: ${p.answers} answers, ${p.suppressed} suppressed (${fmtPct(p.suppression_rate)}), ` +
          `latency avg ${fmtMs(p.latency_ms_avg)}, p95 ${fmtMs(p.latency_ms_p95)}`)));
    }
  };
  line("avg", (p) => p.latency_ms_avg, yMs);
  line("p95", (p) => p.latency_ms_p95, yMs);
  line("rate", (p) => p.suppression_rate, yRate);
  if (!points.length) {
    root.append(svg("text", { x: (L + W - R) / 2, y: H / 2, "text-anchor": "middle" }, "No answers in this range yet."));
  }
  box.replaceChildren(root);
  const t = series.totals;
  $("chart-note").textContent = `${t.answers} answers, ${t.suppressed} suppressed (${fmtPct(t.suppression_rate)}); ` +
    `latency average ${fmtMs(t.latency_ms_avg)}, p95 ≈ ${fmtMs(t.latency_ms_p95)}. ` +
    `One point per ${series.resolution_minutes} min with answers.`;
}
