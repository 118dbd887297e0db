// A small bar chart as inline SVG (no chart library): letters sent per step, with the axis labelled in words and
// a text alternative for screen readers.
const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** points: [{ at, sent }]; label: what the chart shows (its accessible name). */
export function barChart(points, label, { width = 560, height = 140 } = {}) {
  const pad = { left: 34, bottom: 18, top: 8, right: 6 };
  const max = Math.max(1, ...points.map((p) => p.sent));
  const inner = { w: width - pad.left - pad.right, h: height - pad.top - pad.bottom };
  const step = points.length ? inner.w / points.length : inner.w;
  const bars = points.map((p, i) => {
    const barH = (p.sent / max) * inner.h;
    return svg("rect", { x: pad.left + i * step + 1, y: pad.top + inner.h - barH, width: Math.max(1, step - 2), height: barH,
      class: "bar", "data-sent": p.sent }, svg("title", {}, `${new Date(p.at).toLocaleTimeString()}: ${p.sent}`));
  });
  const summary = points.map((p) => `${new Date(p.at).toLocaleTimeString()}: ${p.sent}`).join(", ");
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${label}. ${summary}`, class: "chart", id: "rate-chart" },
    svg("line", { x1: pad.left, y1: pad.top + inner.h, x2: width - pad.right, y2: pad.top + inner.h, class: "axis" }),
    svg("text", { x: pad.left - 4, y: pad.top + 10, "text-anchor": "end", class: "tick" }, max),
    svg("text", { x: pad.left - 4, y: pad.top + inner.h, "text-anchor": "end", class: "tick" }, 0),
    points.length ? svg("text", { x: pad.left, y: height - 4, class: "tick" }, new Date(points[0].at).toLocaleTimeString()) : "",
    points.length > 1 ? svg("text", { x: width - pad.right, y: height - 4, "text-anchor": "end", class: "tick" },
      new Date(points[points.length - 1].at).toLocaleTimeString()) : "",
    ...bars);
}
