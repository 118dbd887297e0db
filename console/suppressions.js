// Marketing: the suppression list (unsubscribed, bounced, added by hand), and adding an address to it.
import { get, post } from "./api.js";
import { h, clear, field, form, input, table, dateTime, link } from "./dom.js";
import { t } from "./i18n.js";
import "./marketing_words.js";

export async function render(main, ctx) {
  const list = await get("/suppressions");
  const rows = list.items.map((s) => h("tr", { "data-address": s.address },
    h("td", {}, s.address), h("td", {}, t("sup_" + s.reason)),
    h("td", {}, s.campaign_id ? link(`#/campaigns/${s.campaign_id}`, "#" + s.campaign_id) : "—"),
    h("td", {}, s.detail || "—"), h("td", {}, dateTime(s.at))));
  const add = form([h("div", { class: "row" }, field("address", t("address"), input({ id: "sup-address", type: "email" })),
    field("detail", t("detail"), input({ id: "sup-detail" })))], t("sup_add"), async (v) => {
    await post("/suppressions", { address: v.address, detail: v.detail });
    ctx.navigate("/suppressions");
  }, { id: "suppression-form" });
  clear(main, h("h1", {}, t("suppressions")),
    h("div", { id: "results" }, table([t("address"), t("reason_word"), t("campaigns"), t("detail"), t("date")], rows, { id: "suppression-table" })),
    h("section", { class: "card" }, h("h2", {}, t("sup_add")), add));
}
