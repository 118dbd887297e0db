// Marketing: segments. A builder whose count follows every change (POST /segments/count on the unsaved filter),
// and the saved segments with their reach now.
import { get, post, put, del } from "./api.js";
import { h, clear, field, form, input, select, table, notice } from "./dom.js";
import { t, errorText } from "./i18n.js";
import "./marketing_words.js";

const split = (text) => (text ? text.split(",").map((s) => s.trim()).filter(Boolean) : []);

function countText(c) {
  return t("seg_count", { contacts: c.contacts, addresses: c.addresses, marketing: c.marketing_deliverable, deliverable: c.deliverable });
}

export async function render(main, ctx) {
  const [segments, companies, types] = await Promise.all([
    get("/segments"), get("/companies?limit=200"), get("/contact-types"),
  ]);
  const status = h("p", { class: "status", role: "status", id: "segment-status" });
  const builderArea = h("div", { id: "segment-builder" });
  const open = (seg) => clear(builderArea, builder(seg, { companies: companies.items, types }, status, ctx));
  const rows = await Promise.all(segments.items.map(async (seg) => {
    const count = await get(`/segments/${seg.id}/count`).catch((e) => ({ error: e }));
    return h("tr", { "data-segment": seg.id },
      h("td", {}, seg.name),
      h("td", { class: "count" }, count.error ? errorText(count.error) : countText(count)),
      h("td", { class: "buttons" },
        h("button", { type: "button", class: "edit", onclick: () => open(seg) }, t("edit")),
        h("button", { type: "button", class: "danger", onclick: async () => {
          try {
            await del(`/segments/${seg.id}`);
            ctx.navigate("/segments");
          } catch (e) {
            notice(status, e);
          }
        } }, t("delete"))));
  }));
  clear(main, h("h1", {}, t("segments")), status,
    h("div", { id: "results" }, table([t("name"), t("total"), t("actions")], rows, { id: "segment-table" })),
    builderArea);
  open(null);
}

function builder(seg, ref, status, ctx) {
  const f = (seg && seg.filter) || {};
  const live = h("p", { class: "live-count", role: "status", "aria-live": "polite", id: "segment-count" });
  const controls = {
    tags: input({ id: "seg-tags", value: (f.tags || []).join(", ") }),
    company_id: select([["", t("all")], ...ref.companies.map((c) => [c.id, c.name])], f.company_id ?? "", { id: "seg-company" }),
    type_id: select([["", t("all")], ...ref.types.map((x) => [x.id, x.name])], f.type_id ?? "", { id: "seg-type" }),
    consent: select([["", t("all")], ["granted", t("consent_granted")], ["not_granted", t("consent_not_granted")]], f.consent ?? "", { id: "seg-consent" }),
    created_after: input({ id: "seg-created-after", type: "date", value: f.created_after ? f.created_after.slice(0, 10) : "" }),
  };
  const filter = () => {
    const out = {};
    const tags = split(controls.tags.value);
    if (tags.length) out.tags = tags;
    for (const key of ["company_id", "type_id"]) if (controls[key].value) out[key] = Number(controls[key].value);
    if (controls.consent.value) out.consent = controls.consent.value;
    if (controls.created_after.value) out.created_after = controls.created_after.value + "T00:00:00Z";
    return out;
  };
  let timer = null;
  let asked = 0;
  const recount = async () => {
    const mine = ++asked;
    try {
      const c = await post("/segments/count", { filter: filter() });
      if (mine === asked) live.textContent = countText(c);
      live.classList.remove("bad");
    } catch (error) {
      if (mine === asked) notice(live, error);
    }
  };
  for (const el of Object.values(controls)) {
    el.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(recount, 250); });
    el.addEventListener("change", recount);
  }
  recount();
  const name = input({ id: "seg-name", value: seg ? seg.name : "", required: true });
  const el = form([
    field("name", t("name"), name),
    h("div", { class: "row" }, field("filter.tags", t("seg_tags"), controls.tags), field("filter.company_id", t("seg_company"), controls.company_id)),
    h("div", { class: "row" }, field("filter.type_id", t("seg_type"), controls.type_id), field("filter.consent", t("seg_consent"), controls.consent),
      field("filter.created_after", t("seg_created_after"), controls.created_after)),
    live,
  ], t("save"), async (v) => {
    const body = { name: v.name, filter: filter() };
    if (seg) await put(`/segments/${seg.id}`, body);
    else await post("/segments", body);
    status.textContent = t("saved");
    ctx.navigate("/segments");
  }, { id: "segment-form" });
  return h("section", { class: "card" }, h("h2", {}, seg ? `${t("edit")}: ${seg.name}` : t("segment_new")), el);
}
