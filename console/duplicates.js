// Sales: likely duplicates among the caller's records (same e-mail, phone, domain or name), each pair merged in
// either direction: the kept record gets every note, task, deal and mail link of the other.
import { get, post } from "./api.js";
import { h, clear, link, notice, table } from "./dom.js";
import { t, word } from "./i18n.js";

const PLURAL = { lead: "leads", contact: "contacts", company: "companies", deal: "deals" };

export async function render(main, ctx) {
  const pairs = await get("/duplicates?limit=100");
  const status = h("p", { class: "status", role: "status", id: "duplicates-status" });
  const merge = (kind, keep, away) => async () => {
    try {
      await post(`/${PLURAL[kind]}/${keep.id}/merge`, { other_id: away.id });
      ctx.navigate(`/${PLURAL[kind]}/${keep.id}`);
    } catch (e) {
      notice(status, e);
    }
  };
  const open = (kind, r) => link(`#/${PLURAL[kind]}/${r.id}`, r.name);
  const rows = pairs.map((p) => h("tr", { "data-pair": `${p.kind}-${p.a.id}-${p.b.id}` },
    h("td", {}, t("item_" + p.kind)), h("td", {}, open(p.kind, p.a)), h("td", {}, open(p.kind, p.b)),
    h("td", {}, `${word("reason_", p.reason)}: ${p.value}`),
    h("td", { class: "buttons" },
      h("button", { type: "button", class: "keep-a", onclick: merge(p.kind, p.a, p.b) }, t("keep", { name: p.a.name })),
      h("button", { type: "button", class: "keep-b", onclick: merge(p.kind, p.b, p.a) }, t("keep", { name: p.b.name })))));
  clear(main, h("h1", {}, t("duplicates")), h("p", { class: "hint" }, t("duplicates_hint")), status,
    table([t("type"), "A", "B", t("reason"), t("actions")], rows, { id: "duplicates-table" }));
}
