// Admin: own domains, free-mail additions and the never-log list; each a list of values with add and remove.
import { get, post, del } from "./api.js";
import { h, clear, field, form, input, notice } from "./dom.js";
import { t } from "./i18n.js";

const LISTS = [
  ["own-domains", "own_domains"],
  ["freemail-domains", "freemail"],
  ["never-log", "never_log"],
];

export async function render(main, ctx) {
  const sections = await Promise.all(LISTS.map(([path, label]) => valueList(path, t(label), ctx)));
  clear(main, h("h1", {}, t("settings")), sections);
}

async function valueList(path, label, ctx) {
  const values = await get(`/settings/${path}`);
  const status = h("p", { class: "status", role: "status" });
  const items = values.map((value) => h("li", {}, h("span", {}, value), " ",
    h("button", { type: "button", class: "small", "aria-label": `${t("delete")} ${value}`, onclick: async () => {
      try {
        await del(`/settings/${path}/${encodeURIComponent(value)}`);
        ctx.navigate("/settings");
      } catch (e) {
        notice(status, e);
      }
    } }, "×")));
  const add = form([field("value", t("value"), input())], t("add"), async (v) => {
    await post(`/settings/${path}`, { value: v.value });
    ctx.navigate("/settings");
  }, { class: "inline" });
  return h("section", { class: "card", "data-list": path }, h("h2", {}, label), status,
    h("ul", { class: "values" }, items.length ? items : h("li", { class: "muted" }, t("empty"))), add);
}
