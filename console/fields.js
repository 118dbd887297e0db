// Admin: custom fields per record kind (key, label, type, required, order, choices) and the company types list.
// Wiring (app.js, not this file): import * as fields from "./fields.js"; add "fields" to ADMIN_PAGES and
// `fields: fields.render` to the pages; its labels are below, so i18n.js needs nothing.
import { get, post, patch, del } from "./api.js";
import { h, clear, field, form, input, select, table, notice } from "./dom.js";
import { t } from "./i18n.js";

const KINDS = ["contact", "company", "lead", "deal"];
const TYPES = ["text", "long_text", "number", "money", "date", "checkbox", "single_choice", "multiple_choice",
  "url", "email", "phone", "user"];

const WORDS = {
  ru: {
    title: "Поля записей", company_types: "Типы компаний", kind: "Запись", key: "Ключ", label: "Название",
    type: "Тип", required: "Обязательное", options: "Варианты (через запятую)", position: "Порядок", add: "Добавить",
    actions: "Действия", delete: "Удалить", none: "Полей пока нет.", name: "Название",
    contact: "Контакты", company: "Компании", lead: "Лиды", deal: "Сделки",
    text: "Текст", long_text: "Длинный текст", number: "Число", money: "Деньги", date: "Дата", checkbox: "Флажок",
    single_choice: "Один из списка", multiple_choice: "Несколько из списка", url: "Ссылка", email: "E-mail",
    phone: "Телефон", user: "Пользователь",
  },
  en: {
    title: "Record fields", company_types: "Company types", kind: "Record", key: "Key", label: "Label",
    type: "Type", required: "Required", options: "Choices (comma-separated)", position: "Order", add: "Add",
    actions: "Actions", delete: "Delete", none: "No fields yet.", name: "Name",
    contact: "Contacts", company: "Companies", lead: "Leads", deal: "Deals",
    text: "Text", long_text: "Long text", number: "Number", money: "Money", date: "Date", checkbox: "Checkbox",
    single_choice: "One of a list", multiple_choice: "Several of a list", url: "Link", email: "E-mail",
    phone: "Phone", user: "User",
  },
};
const w = (key) => (WORDS[t.lang()] || WORDS.en)[key] ?? key;

export async function render(main, ctx) {
  const [all, companyTypes] = await Promise.all([get("/custom-fields"), get("/company-types")]);
  const status = h("p", { class: "status", role: "status", id: "fields-status" });
  const act = (fn) => async () => {
    try {
      await fn();
      ctx.navigate("/fields");
    } catch (e) {
      notice(status, e);
    }
  };
  const sections = KINDS.map((kind) => kindSection(kind, all.filter((f) => f.kind === kind), act));
  const options = input({ placeholder: "gold, silver" });
  const create = form([h("div", { class: "row" },
    field("kind", w("kind"), select(KINDS.map((k) => [k, w(k)]), "contact")),
    field("key", w("key"), input({ placeholder: "contract_no", pattern: "[a-z][a-z0-9_]*" })),
    field("label", w("label"), input()),
    field("type", w("type"), select(TYPES.map((ty) => [ty, w(ty)]), "text")),
    field("required", w("required"), input({ type: "checkbox" }))),
  field("options", w("options"), options)], w("add"), async (v) => {
    const choices = v.options ? v.options.split(",").map((o) => o.trim()).filter(Boolean) : [];
    await post("/custom-fields", { kind: v.kind, key: v.key, label: v.label, type: v.type, required: v.required, options: choices });
    ctx.navigate("/fields");
  });
  clear(main, h("h1", {}, w("title")), status, sections, h("section", { class: "card" }, create),
    typeList(companyTypes, act, ctx));
}

function kindSection(kind, fields, act) {
  if (!fields.length) return h("section", { class: "card", "data-kind": kind }, h("h2", {}, w(kind)), h("p", {}, w("none")));
  const rows = fields.map((f) => {
    const required = input({ type: "checkbox", checked: f.required ? true : undefined, "aria-label": `${w("required")}: ${f.label}` });
    required.addEventListener("change", act(() => patch(`/custom-fields/${f.id}`, { required: required.checked })));
    const position = input({ type: "number", value: String(f.position), "aria-label": `${w("position")}: ${f.label}` });
    position.addEventListener("change", act(() => patch(`/custom-fields/${f.id}`, { position: Number(position.value) })));
    return h("tr", { "data-key": f.key }, h("td", {}, h("code", {}, f.key)), h("td", {}, f.label), h("td", {}, w(f.type)),
      h("td", {}, required), h("td", {}, position), h("td", {}, f.options.join(", ")),
      h("td", {}, h("button", { type: "button", class: "small", onclick: act(() => del(`/custom-fields/${f.id}`)) }, w("delete"))));
  });
  return h("section", { class: "card", "data-kind": kind }, h("h2", {}, w(kind)),
    table([w("key"), w("label"), w("type"), w("required"), w("position"), w("options"), w("actions")], rows));
}

function typeList(entries, act, ctx) {
  const items = entries.map((e) => h("li", {}, e.name, " ",
    h("button", { type: "button", class: "small", "aria-label": `${w("delete")} ${e.name}`, onclick: act(() => del(`/company-types/${e.id}`)) }, "×")));
  const add = form([field("name", w("name"), input())], w("add"), async (v) => {
    await post("/company-types", { name: v.name });
    ctx.navigate("/fields");
  });
  return h("section", { class: "card", "data-list": "/company-types" }, h("h2", {}, w("company_types")), h("ul", { class: "values" }, items), add);
}
