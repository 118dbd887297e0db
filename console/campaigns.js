// Marketing: campaigns. A wizard (template, segment with its reach, relay, From, limits) makes a draft; its page
// starts, pauses, resumes and cancels it and follows it live: counts, a progress bar, letters sent over time as a
// chart, and the recipients by state.
import { get, post, query } from "./api.js";
import { h, clear, field, form, input, select, table, link, notice, dateTime } from "./dom.js";
import { t, word } from "./i18n.js";
import { barChart } from "./chart.js";
import "./marketing_words.js";

const POLL_MS = 1000;

export async function render(main, ctx) {
  if (ctx.id) return detail(main, ctx, Number(ctx.id));
  const [list, templates, segments, relays] = await Promise.all([
    get("/campaigns?limit=100"), get("/templates"), get("/segments"), get("/relays"),
  ]);
  const rows = list.items.map((c) => h("tr", { "data-campaign": c.id },
    h("td", {}, link(`#/campaigns/${c.id}`, c.name)), h("td", { class: "campaign-status" }, word("c_", c.status)),
    h("td", {}, `${c.stats.sent} / ${c.stats.total}`), h("td", {}, dateTime(c.created_at))));
  clear(main, h("h1", {}, t("campaigns")),
    h("div", { id: "results" }, table([t("name"), t("campaign_status"), t("sent"), t("created")], rows, { id: "campaign-table" })),
    h("section", { class: "card" }, h("h2", {}, t("campaign_new")), wizard(templates.items, segments.items, relays.items, ctx)));
}

function wizard(templates, segments, relays, ctx) {
  const reach = h("p", { class: "hint", id: "wizard-reach", role: "status" });
  const segment = select([["", t("choose")], ...segments.map((s) => [s.id, s.name])], "", { id: "wz-segment", required: true });
  const marketing = h("input", { type: "checkbox", id: "wz-marketing", checked: true });
  const showReach = async () => {
    if (!segment.value) return (reach.textContent = "");
    const c = await get(`/segments/${segment.value}/count`);
    reach.textContent = t("seg_count", { contacts: c.contacts, addresses: c.addresses, marketing: c.marketing_deliverable, deliverable: c.deliverable });
  };
  segment.addEventListener("change", showReach);
  const number = (id) => input({ id, type: "number", min: 1 });
  return form([
    field("name", t("campaign_name"), input({ id: "wz-name", required: true })),
    h("fieldset", {}, h("legend", {}, t("wizard_template")),
      field("template_id", t("templates"), select([["", t("choose")], ...templates.map((x) => [x.id, x.name])], "", { id: "wz-template" }))),
    h("fieldset", {}, h("legend", {}, t("wizard_segment")), field("segment_id", t("segments"), segment), reach),
    h("fieldset", {}, h("legend", {}, t("wizard_send")),
      h("div", { class: "row" },
        field("relay", t("relay"), select(relays.map((r) => [r.name, r.name]), "default", { id: "wz-relay" })),
        field("from_address", t("from_address"), input({ id: "wz-from", placeholder: "Nordwind <news@nordwind.ru>" }))),
      h("div", { class: "row" },
        field("per_second", t("per_second"), number("wz-per-second")),
        field("per_hour", t("per_hour"), number("wz-per-hour")),
        field("concurrency", t("concurrency"), number("wz-concurrency"))),
      h("label", { class: "check" }, marketing, " ", t("marketing_kind"))),
  ], t("create"), async (v) => {
    const body = { name: v.name, template_id: Number(v.template_id) || 0, segment_id: Number(v.segment_id) || 0,
      marketing: marketing.checked, relay: v.relay };
    if (v.from_address) body.from_address = v.from_address;
    for (const key of ["per_second", "per_hour", "concurrency"]) if (v[key]) body[key] = Number(v[key]);
    const created = await post("/campaigns", body);
    ctx.navigate(`/campaigns/${created.id}`);
  }, { id: "campaign-form" });
}

const ACTIONS = { draft: ["start", "cancel"], sending: ["pause", "cancel"], paused: ["resume", "cancel"], cancelled: [], done: [] };

async function detail(main, ctx, id) {
  const status = h("p", { class: "status", role: "status", id: "campaign-status-line" });
  const head = h("div", { id: "campaign-head" });
  const stats = h("div", { id: "campaign-stats" });
  const chart = h("div", { id: "campaign-chart", class: "chart-box" });
  const recipientsArea = h("div", { id: "campaign-recipients" });
  const stateFilter = select([["", t("r_all")], ...["pending", "claimed", "sent", "failed", "unknown", "skipped"].map((s) => [s, t("r_" + s)])], "",
    { id: "recipient-state", "aria-label": t("state") });
  stateFilter.addEventListener("change", () => recipients(recipientsArea, id, stateFilter.value));
  clear(main, h("p", {}, link("#/campaigns", t("back"))), head, status, stats, chart,
    h("section", { class: "card" }, h("h2", {}, t("recipients")), stateFilter, recipientsArea));
  // The campaign as last read: a button's action and the poll below both redraw from it.
  let c = null;
  const draw = async () => {
    c = await get(`/campaigns/${id}`);
    drawHead(head, c, status, draw);
    drawStats(stats, c.stats);
    await drawChart(chart, id);
    await recipients(recipientsArea, id, stateFilter.value);
  };
  await draw();
  // Followed live while it sends; stops when another page is opened.
  while (head.isConnected) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (!head.isConnected) break;
    if (c.status === "sending" || c.status === "paused") await draw();
  }
}

function drawHead(head, c, status, redraw) {
  const buttons = ACTIONS[c.status].map((action) => h("button", {
    type: "button", id: "campaign-" + action, class: action === "cancel" ? "danger" : "primary",
    onclick: async () => {
      try {
        await post(`/campaigns/${c.id}/${action}`);
        notice(status, null);
        await redraw();
      } catch (e) {
        notice(status, e);
      }
    } }, t(action)));
  clear(head, h("h1", {}, c.name),
    h("p", {}, t("campaign_status"), ": ", h("strong", { id: "campaign-state", "data-status": c.status }, word("c_", c.status)),
      ` · ${t("relay")}: ${c.relay} · ${t("from_address")}: ${c.from_address}`),
    h("div", { class: "buttons" }, buttons));
}

function drawStats(box, s) {
  const done = s.sent + s.failed + s.skipped + s.unknown;
  const tile = (key, value) => h("div", { class: "tile", "data-stat": key }, h("span", { class: "tile-value" }, String(value)), h("span", { class: "tile-label" }, t(key)));
  clear(box,
    h("progress", { max: Math.max(1, s.total), value: done, "aria-label": t("progress_word"), id: "campaign-progress" }),
    h("div", { class: "tiles" }, tile("total", s.total), tile("pending", s.pending + s.in_flight), tile("sent", s.sent),
      tile("failed", s.failed), tile("bounced", s.bounced), tile("unsubscribed", s.unsubscribed),
      tile("rate", s.rate_per_second.toFixed(1))));
}

async function drawChart(box, id) {
  let series = await get(`/campaigns/${id}/rate`);
  // A short run fits in one minute: seconds show its shape.
  if (series.points.length < 3) series = await get(`/campaigns/${id}/rate?step=1`);
  clear(box, h("h2", {}, t("rate_chart")), series.points.length ? barChart(series.points, t("rate_chart")) : h("p", { class: "muted" }, t("empty")));
}

async function recipients(area, id, state) {
  // The poll's redraw and a filter change may ask at once: only the latest ask draws, so an older answer (all
  // letters) never lands over a newer one (the failed ones).
  const asked = (area.asked = (area.asked || 0) + 1);
  const page = await get(`/campaigns/${id}/recipients${query({ state, limit: 100 })}`);
  if (asked !== area.asked) return;
  const rows = page.items.map((r) => h("tr", { "data-recipient": r.id, "data-state": r.state },
    h("td", {}, r.address), h("td", {}, t("r_" + r.state)), h("td", {}, String(r.attempts)),
    h("td", {}, r.error || "—"), h("td", {}, dateTime(r.sent_at))));
  clear(area, table([t("address"), t("state"), t("attempts"), t("error"), t("date")], rows, { id: "recipient-table" }));
}
