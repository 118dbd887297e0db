// The reports' charts as inline SVG drawn here (no chart library): horizontal bars, a group of one or more bars
// per row. Bar lengths and positions are percentages of the chart's width while text keeps its pixel size, so a
// chart stays readable from a phone to a wide screen. Every chart has a <title>/<desc>, a legend in HTML and a
// table of the same figures under it (report views build that table with `figures`).
import { h } from "./dom.js";
import { t } from "./i18n.js";

const NS = "http://www.w3.org/2000/svg";
const LABEL = 18;
const NOTE = 16;
const BAR = 16;
const BAR_GAP = 3;
const ROW_GAP = 12;
/** The longest bar, in % of the width: the rest holds the value written after it. */
const SPAN = 78;

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

let nextId = 0;

/**
 * id: the chart's element id; title/desc: its accessible name and description; series: [{ key, name }];
 * rows: [{ label, note?, kind?, values: [number|null per series], texts?: [string per series] }];
 * max: the value of a full bar (default: the largest value).
 */
export function barRows({ id, title, desc, series, rows, max }) {
  const top = Math.max(1, max ?? Math.max(0, ...rows.flatMap((r) => r.values.map((v) => v ?? 0))));
  const titleId = `chart-title-${++nextId}`;
  const descId = `chart-desc-${nextId}`;
  const parts = [svg("title", { id: titleId }, title), svg("desc", { id: descId }, desc || "")];
  let y = 0;
  for (const row of rows) {
    const group = svg("g", { class: "chart-row" + (row.kind ? " " + row.kind : ""), "data-row": row.label });
    y += LABEL - 4;
    group.append(svg("text", { x: 0, y, class: "row-label" }, row.label));
    if (row.note) {
      y += NOTE;
      group.append(svg("text", { x: 0, y: y - 2, class: "row-note" }, row.note));
    }
    y += 4;
    series.forEach((s, i) => {
      const value = row.values[i];
      const text = row.texts?.[i] ?? (value === null || value === undefined ? "—" : String(value));
      const pct = value ? Math.round(Math.max(0.4, (Math.min(value, top) / top) * SPAN) * 100) / 100 : 0;
      group.append(
        svg("rect", { x: 0, y, width: pct + "%", height: BAR, rx: 2, class: "bar bar-" + s.key,
          "data-series": s.key, "data-value": value ?? "" }, svg("title", {}, `${row.label} — ${s.name}: ${text}`)),
        svg("text", { x: pct + 1 + "%", y: y + BAR - 4, class: "bar-value" }, text));
      y += BAR + BAR_GAP;
    });
    y += ROW_GAP;
    parts.push(group);
  }
  const chart = svg("svg", { id, class: "report-chart", width: "100%", height: Math.max(y, 24), role: "img",
    "aria-labelledby": `${titleId} ${descId}` }, ...parts);
  const legend = series.length > 1
    ? h("ul", { class: "legend", "aria-hidden": "true" }, series.map((s) => h("li", {}, h("span", { class: "swatch bar-" + s.key }), s.name)))
    : null;
  return h("div", { class: "chart-box report-chart-box" }, legend, rows.length ? chart : h("p", { class: "muted" }, t("rep_none")));
}

/** The table under a chart: the same figures, a caption naming them. cells: strings or numbers per row. */
export function figures(id, caption, columns, rows) {
  // A wide table scrolls inside its box at narrow widths; the box takes the focus so a keyboard can scroll it.
  return h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": caption },
    h("table", { id, class: "report-table" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.length
        ? rows.map((cells) => h("tr", {}, cells.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c)))))
        : h("tr", {}, h("td", { colspan: columns.length, class: "empty" }, t("rep_none"))))));
}

/** Big figures beside a chart (forecast, open amount, duplicate pairs…). tiles: [[key, label, value]]. */
export function tiles(items) {
  return h("div", { class: "tiles" }, items.map(([key, label, value]) =>
    h("div", { class: "tile", "data-figure": key }, h("span", { class: "tile-value" }, value), h("span", { class: "tile-label" }, label))));
}

// Numbers in the console's language.
export const count = (n) => (n === null || n === undefined ? "—" : new Intl.NumberFormat(t.locale()).format(n));
export const money = (s) => (s === null || s === undefined ? "—"
  : new Intl.NumberFormat(t.locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number(s)));
export const percent = (x) => (x === null || x === undefined ? "—"
  : new Intl.NumberFormat(t.locale(), { style: "percent", maximumFractionDigits: 1 }).format(x));
export const decimal = (x) => (x === null || x === undefined ? "—"
  : new Intl.NumberFormat(t.locale(), { maximumFractionDigits: 2 }).format(x));

/** "2026-10-01" as "October 2026" (month) or "week of 12 Oct 2026"; the day is a UTC calendar day. */
export function periodName(start, period) {
  const d = new Date(start + "T00:00:00Z");
  if (Number.isNaN(d.getTime())) return String(start);
  if (period === "week") {
    return t("rep_week_of", { date: d.toLocaleDateString(t.locale(), { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }) });
  }
  return d.toLocaleDateString(t.locale(), { month: "long", year: "numeric", timeZone: "UTC" });
}

export function day(value) {
  if (!value) return "—";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleDateString(t.locale());
}
