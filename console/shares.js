// A record's shares on its card: the colleagues it is shared with (names from the users directory), sharing with
// one more, and taking a share back. Who may do so is the API's answer (crm::access), shown in words.
import { get, post, del } from "./api.js";
import { h, clear, field, form, select, notice } from "./dom.js";
import { t, addWords } from "./i18n.js";
import { people } from "./people.js";

addWords({
  ru: { shares: "Доступ коллегам", share_with: "Открыть доступ", share_button: "Поделиться", unshare: "Закрыть доступ",
    shared_none: "Запись ни с кем не разделена." },
  en: { shares: "Shared with", share_with: "Share with", share_button: "Share", unshare: "Stop sharing",
    shared_none: "Not shared with anyone." },
});

export async function sharesSection(kind, record, ctx) {
  const list = h("ul", { class: "values", id: "shares" });
  const status = h("p", { class: "status", role: "status" });
  const directory = await people();
  const choice = select([], "", { id: "share-user" });
  const draw = async () => {
    const shared = (await get(`/${kind}/${record.id}/shares`)).user_ids;
    clear(list, shared.length ? shared.map((id) => {
      const person = directory.get(id);
      const name = person ? person.name : "#" + id;
      return h("li", { "data-user": id }, h("span", {}, name), " ",
        h("button", { type: "button", class: "small", "aria-label": `${t("unshare")}: ${name}`, onclick: async () => {
          try {
            await del(`/${kind}/${record.id}/shares/${id}`);
            await draw();
          } catch (e) {
            notice(status, e);
          }
        } }, "×"));
    }) : h("li", { class: "muted" }, t("shared_none")));
    const candidates = [...directory.values()].filter((u) => u.active && u.id !== record.owner_id && !shared.includes(u.id));
    clear(choice, candidates.map((u) => h("option", { value: u.id }, `${u.name} <${u.email}>`)));
  };
  const add = form([field("user_id", t("share_with"), choice)], t("share_button"), async (v) => {
    await post(`/${kind}/${record.id}/shares`, { user_id: Number(v.user_id) });
    await draw();
  }, { class: "inline", id: "share-form" });
  await draw();
  return h("section", { class: "card", id: "shares-section" }, h("h2", {}, t("shares")), status, list, add);
}
