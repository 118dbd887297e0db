// Admin: reference lists — pipelines with their stages (probability, kind, order), lead sources, contact types.
import { get, post, patch, del } from "./api.js";
import { h, clear, field, form, input, select, table, notice } from "./dom.js";
import { t, word } from "./i18n.js";

const KINDS = ["open", "won", "lost"];

export async function render(main, ctx) {
  const [pipelines, sources, types] = await Promise.all([get("/pipelines"), get("/lead-sources"), get("/contact-types")]);
  const status = h("p", { class: "status", role: "status", id: "reference-status" });
  const act = (fn) => async () => {
    try {
      await fn();
      ctx.navigate("/reference");
    } catch (e) {
      notice(status, e);
    }
  };
  const pipelineCards = pipelines.map((p) => {
    const rows = p.stages.map((s) => {
      const probability = input({ type: "number", min: 0, max: 100, value: String(s.probability), "aria-label": `${t("probability")}: ${s.name}` });
      probability.addEventListener("change", act(() => patch(`/stages/${s.id}`, { probability: Number(probability.value) })));
      return h("tr", {}, h("td", {}, String(s.position + 1)), h("td", {}, s.name), h("td", {}, probability),
        h("td", {}, word("kind_", s.kind)),
        h("td", {}, h("button", { type: "button", class: "small", onclick: act(() => del(`/stages/${s.id}`)) }, t("delete"))));
    });
    const addStage = form([h("div", { class: "row" },
      field("name", t("stage"), input()),
      field("probability", t("probability"), input({ type: "number", min: 0, max: 100, value: "50" })),
      field("kind", t("stage_kind"), select(KINDS.map((k) => [k, word("kind_", k)]), "open")))],
    t("stage_add"), async (v) => {
      await post(`/pipelines/${p.id}/stages`, { name: v.name, probability: Number(v.probability), kind: v.kind });
      ctx.navigate("/reference");
    });
    return h("section", { class: "card", "data-pipeline": p.name }, h("h3", {}, p.name),
      table([t("position"), t("stage"), t("probability"), t("stage_kind"), t("actions")], rows), addStage);
  });
  const newPipeline = form([field("name", t("pipeline"), input())], t("create"), async (v) => {
    // A pipeline needs an open, a won and a lost stage; the admin renames and adds stages afterwards.
    const stages = ru() ? [["Новая", 10, "open"], ["Выиграна", 100, "won"], ["Проиграна", 0, "lost"]]
      : [["New", 10, "open"], ["Won", 100, "won"], ["Lost", 0, "lost"]];
    await post("/pipelines", { name: v.name, stages: stages.map(([name, probability, kind]) => ({ name, probability, kind })) });
    ctx.navigate("/reference");
  });
  clear(main, h("h1", {}, t("reference")), status,
    h("h2", {}, t("pipelines")), pipelineCards, h("section", { class: "card" }, newPipeline),
    h("div", { class: "columns" },
      entryList("/lead-sources", t("lead_sources"), sources, act, ctx),
      entryList("/contact-types", t("contact_types"), types, act, ctx)));
}

const ru = () => t.lang() === "ru";

function entryList(path, label, entries, act, ctx) {
  const items = entries.map((e) => h("li", {}, e.name, " ",
    h("button", { type: "button", class: "small", "aria-label": `${t("delete")} ${e.name}`, onclick: act(() => del(`${path}/${e.id}`)) }, "×")));
  const add = form([field("name", t("name"), input())], t("add"), async (v) => {
    await post(path, { name: v.name });
    ctx.navigate("/reference");
  });
  return h("section", { class: "card", "data-list": path }, h("h2", {}, label), h("ul", { class: "values" }, items), add);
}
