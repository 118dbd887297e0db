// Saved views of a record list (GET/POST/PUT/DELETE /views): pick one to apply its filters, sort and columns; save
// the list as it stands under a name; delete one. Stored per user on the server.
import { get, post, put, del } from "./api.js";
import { h, clear, field, form, input, select, notice } from "./dom.js";
import { t, addWords } from "./i18n.js";

addWords({
  ru: { views: "Сохранённые виды", view_pick: "Вид", view_none: "— без вида —", view_save: "Сохранить вид",
    view_name: "Название вида", view_saved: "Вид «{name}» сохранён", view_delete: "Удалить вид", columns: "Столбцы",
    scope: "Чьи", scope_all: "все", scope_mine: "мои", scope_team: "моей команды", sort_by: "Сортировать по: {name}",
    invalid_sort: "Этот столбец нельзя сортировать" },
  en: { views: "Saved views", view_pick: "View", view_none: "— no view —", view_save: "Save view",
    view_name: "View name", view_saved: "View “{name}” saved", view_delete: "Delete view", columns: "Columns",
    scope: "Whose", scope_all: "all", scope_mine: "mine", scope_team: "my team's", sort_by: "Sort by {name}",
    invalid_sort: "This column cannot be sorted" },
});

/** The views bar. `current()` gives { filters, sort, columns } of the list now; `apply(view)` sets them. */
export async function viewsBar(kind, current, apply) {
  const status = h("p", { class: "status", role: "status", id: "view-status" });
  const picker = select([["", t("view_none")]], "", { id: "view-select" });
  let views = [];
  const refill = async (selected = "") => {
    views = (await get(`/views?kind=${kind}`)).items;
    clear(picker, h("option", { value: "" }, t("view_none")), views.map((v) => h("option", { value: v.id }, v.name)));
    picker.value = String(selected);
    remove.hidden = !picker.value;
  };
  picker.addEventListener("change", () => {
    const view = views.find((v) => String(v.id) === picker.value);
    remove.hidden = !view;
    if (view) apply(view);
  });
  const remove = h("button", { type: "button", class: "danger small", id: "view-delete", hidden: true, onclick: async () => {
    try {
      await del(`/views/${picker.value}`);
      await refill();
    } catch (e) {
      notice(status, e);
    }
  } }, t("view_delete"));
  const name = input({ id: "view-name" });
  const save = form([field("name", t("view_name"), name)], t("view_save"), async (v) => {
    const body = { kind, name: v.name, ...current() };
    const same = views.find((x) => x.name === v.name.trim());
    const saved = same ? await put(`/views/${same.id}`, body) : await post("/views", body);
    await refill(saved.id);
    status.textContent = t("view_saved", { name: saved.name });
    name.value = "";
  }, { class: "inline", id: "view-form" });
  await refill();
  return h("section", { class: "views-bar", "aria-label": t("views") },
    h("div", { class: "field" }, h("label", { for: "view-select" }, t("view_pick")), picker), remove, save, status);
}
