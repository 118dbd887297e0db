// Sales: the deal board of one pipeline — a column per stage with its deals and totals; a deal moves to another
// stage by drag and drop, or with its stage menu (the same PATCH, and usable from the keyboard).
import { get, patch, query } from "./api.js";
import { h, clear, select, link, notice } from "./dom.js";
import { t } from "./i18n.js";

let chosen = null;

async function allDeals(pipelineId) {
  const deals = [];
  let after = null;
  // The board shows every open deal of the pipeline: page through the list (200 a page).
  for (;;) {
    const page = await get(`/deals${query({ pipeline_id: pipelineId, after, limit: 200 })}`);
    deals.push(...page.items);
    if (!page.next_after) return deals;
    after = page.next_after;
  }
}

/** Sums per currency, as text: amounts are decimal strings with two fraction digits. */
function totals(deals) {
  const sums = new Map();
  for (const d of deals) {
    if (!d.amount) continue;
    const [whole, cents = "0"] = d.amount.split(".");
    const value = BigInt(whole) * 100n + (whole.startsWith("-") ? -1n : 1n) * BigInt(cents.padEnd(2, "0").slice(0, 2));
    sums.set(d.currency, (sums.get(d.currency) || 0n) + value);
  }
  if (!sums.size) return "0";
  const fmt = (v) => `${v / 100n}.${String(v % 100n).padStart(2, "0")}`;
  return [...sums].map(([cur, v]) => `${fmt(v)} ${cur}`).join(" + ");
}

export async function render(main, ctx) {
  const pipelines = await get("/pipelines");
  if (!pipelines.length) return clear(main, h("h1", {}, t("board")), h("p", {}, t("empty")));
  const pipeline = pipelines.find((p) => p.id === chosen) || pipelines[0];
  const deals = await allDeals(pipeline.id);
  const status = h("p", { class: "status", role: "status", id: "board-status" });
  const move = async (dealId, stageId) => {
    try {
      await patch(`/deals/${dealId}`, { stage_id: stageId });
      ctx.navigate("/board");
    } catch (e) {
      notice(status, e);
    }
  };
  const picker = select(pipelines.map((p) => [p.id, p.name]), pipeline.id, { id: "board-pipeline", "aria-label": t("pipeline") });
  picker.addEventListener("change", () => {
    chosen = Number(picker.value);
    ctx.navigate("/board");
  });
  const columns = pipeline.stages.map((stage) => {
    const here = deals.filter((d) => d.stage_id === stage.id);
    const column = h("section", { class: "stage-column", "data-stage": stage.id, "aria-label": stage.name },
      h("h2", {}, stage.name, " ", h("span", { class: "muted" }, `${stage.probability}%`)),
      h("p", { class: "stage-total" }, `${here.length} · ${totals(here)}`),
      h("ul", {}, here.map((d) => dealCard(d, pipeline.stages, move))));
    column.addEventListener("dragover", (event) => {
      event.preventDefault();
      column.classList.add("over");
    });
    column.addEventListener("dragleave", () => column.classList.remove("over"));
    column.addEventListener("drop", (event) => {
      event.preventDefault();
      column.classList.remove("over");
      const id = Number(event.dataTransfer.getData("text/plain"));
      if (id && !here.some((d) => d.id === id)) move(id, stage.id);
    });
    return column;
  });
  clear(main, h("h1", {}, t("board")), h("div", { class: "board-tools" }, picker), status,
    h("div", { class: "board" }, columns));
}

function dealCard(deal, stages, move) {
  const menu = select(stages.map((s) => [s.id, s.name]), deal.stage_id, { "aria-label": `${t("stage")}: ${deal.title}` });
  menu.addEventListener("change", () => move(deal.id, Number(menu.value)));
  const card = h("li", { class: "deal-card", draggable: "true", "data-deal": deal.id },
    link(`#/deals/${deal.id}`, deal.title), h("div", { class: "muted" }, deal.amount ? `${deal.amount} ${deal.currency}` : "—"), menu);
  card.addEventListener("dragstart", (event) => {
    event.dataTransfer.setData("text/plain", String(deal.id));
    event.dataTransfer.effectAllowed = "move";
  });
  return card;
}
