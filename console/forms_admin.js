// Admin: web forms on the Integrations page — create a form (fields, consent text, who gets the leads), see its
// snippet to paste into the site and its submission log, disable or delete it. Visitors' text is only ever set
// as text nodes (dom.js), never parsed as HTML.
import { get, post, patch, del } from "./api.js";
import { h, clear, field, form, input, select, table, notice, dateTime } from "./dom.js";
import { t, addWords } from "./i18n.js";

const FIELDS = ["name", "email", "phone", "company", "message"];

addWords({
  ru: {
    web_forms: "Веб-формы", form_add: "Новая форма", form_url: "Адрес формы", form_consent: "Текст согласия",
    form_version: "Версия согласия", form_fields: "Поля", form_required: "Обязательные", form_assign: "Кому заявки",
    form_pool: "Общий пул", form_owner: "Одному сотруднику", form_rr: "По очереди в команде",
    form_user: "Сотрудник", form_team: "Команда", form_redirect: "Страница «Спасибо» (необязательно)",
    form_origins: "Разрешённые сайты (через запятую, необязательно)", form_snippet: "Код для сайта",
    form_log: "Заявки", form_disable: "Отключить", form_enable: "Включить", form_outcome: "Итог",
    form_record: "Запись", form_addr: "Адрес клиента", form_page: "Страница", form_detail: "Подробности",
    form_counts: "Создано: {created}, дубликатов: {duplicate}, ботов: {honeypot}, отклонено: {rejected}",
    outcome_created: "создан лид", outcome_duplicate: "дубликат", outcome_honeypot: "бот (ловушка)",
    outcome_rejected: "отклонена",
    field_name: "Имя", field_email: "E-mail", field_phone: "Телефон", field_company: "Компания", field_message: "Сообщение",
    err: { form_origin_forbidden: "Этот сайт не разрешён для формы.", rate_limited: "Слишком много заявок с этого адреса." },
  },
  en: {
    web_forms: "Web forms", form_add: "New form", form_url: "Form URL", form_consent: "Consent text",
    form_version: "Consent version", form_fields: "Fields", form_required: "Required", form_assign: "Leads go to",
    form_pool: "The open pool", form_owner: "One user", form_rr: "A team, in turn",
    form_user: "User", form_team: "Team", form_redirect: "Thank-you page (optional)",
    form_origins: "Allowed sites (comma-separated, optional)", form_snippet: "Code for the site",
    form_log: "Submissions", form_disable: "Disable", form_enable: "Enable", form_outcome: "Outcome",
    form_record: "Record", form_addr: "Client address", form_page: "Page", form_detail: "Detail",
    form_counts: "Created: {created}, duplicates: {duplicate}, bots: {honeypot}, rejected: {rejected}",
    outcome_created: "lead created", outcome_duplicate: "duplicate", outcome_honeypot: "bot (honeypot)",
    outcome_rejected: "rejected",
    field_name: "Name", field_email: "E-mail", field_phone: "Phone", field_company: "Company", field_message: "Message",
    err: { form_origin_forbidden: "This site is not allowed for the form.", rate_limited: "Too many submissions from this address." },
  },
});

function checks(group, values, label, on) {
  return h("fieldset", { class: "checks", id: `form-${group}` }, h("legend", {}, label), values.map((v) =>
    h("label", {}, h("input", { type: "checkbox", "data-group": group, value: v, checked: on.includes(v) }), " ",
      t(`field_${v}`))));
}
const checked = (el, group) => [...el.querySelectorAll(`input[data-group="${group}"]:checked`)].map((c) => c.value);

/** The Web forms card: `act` runs an action and redraws the page, `status` shows what failed. */
export async function formSection(act, status) {
  const [forms, users, teams] = await Promise.all([get("/admin/forms?limit=200"), get("/users?limit=200"), get("/teams")]);
  const detail = h("div", { id: "form-detail" });
  const showSnippet = (f) => async () => {
    try {
      const s = await get(`/admin/forms/${f.id}/snippet`);
      clear(detail, h("h3", {}, `${t("form_snippet")}: ${f.name}`),
        h("textarea", { id: "form-snippet", readonly: true, rows: 14, cols: 100, "aria-label": t("form_snippet"), value: s.html }));
    } catch (e) {
      notice(status, e);
    }
  };
  const showLog = (f) => async () => {
    try {
      const log = await get(`/admin/forms/${f.id}/submissions?limit=200`);
      const rows = log.items.map((s) => h("tr", {}, h("td", {}, dateTime(s.at)), h("td", {}, t(`outcome_${s.outcome}`)),
        h("td", {}, s.record_kind ? `${s.record_kind} ${s.record_id}` : "—"), h("td", {}, s.client_addr),
        h("td", {}, s.page ?? ""), h("td", {}, s.detail ?? "")));
      clear(detail, h("h3", {}, `${t("form_log")}: ${f.name}`), h("p", { id: "form-counts" }, t("form_counts", log.counts)),
        table([t("date"), t("form_outcome"), t("form_record"), t("form_addr"), t("form_page"), t("form_detail")], rows,
          { id: "form-log" }));
    } catch (e) {
      notice(status, e);
    }
  };
  const rows = forms.items.map((f) => h("tr", { "data-form": f.name, class: f.enabled ? "" : "inactive" },
    h("td", {}, f.name), h("td", {}, h("code", {}, f.action_url)), h("td", {}, String(f.consent_version)),
    h("td", {}, f.enabled ? t("yes") : t("no")),
    h("td", { class: "buttons" },
      h("button", { type: "button", onclick: showSnippet(f) }, t("form_snippet")),
      h("button", { type: "button", onclick: showLog(f) }, t("form_log")),
      h("button", { type: "button", onclick: act(() => patch(`/admin/forms/${f.id}`, { enabled: !f.enabled })) },
        f.enabled ? t("form_disable") : t("form_enable")),
      h("button", { type: "button", onclick: act(() => del(`/admin/forms/${f.id}`)) }, t("delete")))));
  const people = users.items ?? users;
  const create = form([
    field("name", t("title"), input({ id: "form-name" })),
    h("div", { class: "row" }, checks("carried", FIELDS, t("form_fields"), ["name", "email", "phone", "message"]),
      checks("required", FIELDS, t("form_required"), ["name", "email"])),
    field("consent_text", t("form_consent"), h("textarea", { id: "form-consent", rows: 3 })),
    h("div", { class: "row" },
      field("rule", t("form_assign"), select([["pool", t("form_pool")], ["owner", t("form_owner")], ["round_robin", t("form_rr")]],
        "pool", { id: "form-rule" })),
      field("user_id", t("form_user"), select(people.filter((u) => u.active !== false && !String(u.email).endsWith(".invalid")).map((u) => [u.id, u.name]), "",
        { id: "form-user" })),
      field("team_id", t("form_team"), select(teams.map((tm) => [tm.id, tm.name]), "", { id: "form-team" }))),
    field("redirect_url", t("form_redirect"), input({ type: "url", id: "form-redirect" })),
    field("allowed_origins", t("form_origins"), input({ id: "form-origins" })),
  ], t("create"), async (v, el) => {
    const required = checked(el, "required");
    const fields = checked(el, "carried").map((key) => ({ key, required: required.includes(key) }));
    const assignment = v.rule === "owner" ? { rule: "owner", user_id: Number(v.user_id) }
      : v.rule === "round_robin" ? { rule: "round_robin", team_id: Number(v.team_id) } : { rule: "pool" };
    const body = { name: v.name, fields, consent_text: v.consent_text, assignment,
      allowed_origins: v.allowed_origins ? v.allowed_origins.split(",").map((o) => o.trim()).filter(Boolean) : [] };
    if (v.redirect_url) body.redirect_url = v.redirect_url;
    await post("/admin/forms", body);
    await act(async () => {})();
  }, { id: "form-form" });
  return h("section", { class: "card", id: "web-forms" }, h("h2", {}, t("web_forms")),
    table([t("title"), t("form_url"), t("form_version"), t("active"), t("actions")], rows, { id: "form-table" }),
    detail, h("h3", {}, t("form_add")), create);
}
