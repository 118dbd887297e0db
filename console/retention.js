// Admin: retention policies on the Personal data page — per mailbox "delete mail older than N months", "delete
// leads never converted after N months" (empty keeps for ever), saved with PUT, a pass run now, the last pass.
import { get, put, post } from "./api.js";
import { h, clear, field, form, input, table, notice, dateTime } from "./dom.js";
import { t, addWords } from "./i18n.js";

const COUNTS = ["locations_removed", "messages_deleted", "leads_deleted", "audit_entries_redacted"];

addWords({
  ru: {
    retention: "Сроки хранения", retention_hint: "Пустое поле — хранить всегда. Проверка идёт раз в час; её можно запустить сейчас.",
    retention_leads: "Удалять лиды, так и не конвертированные, через (месяцев)",
    retention_mail: "Удалять письма старше (месяцев)", retention_mailbox: "Почтовый ящик",
    retention_saved: "Сроки хранения сохранены.", retention_run: "Запустить сейчас",
    retention_last: "Последняя проверка: {at}", retention_never: "Проверка ещё не запускалась.", retention_next: "Следующая плановая проверка: {at}",
    retention_result: "Проверка выполнена: {counts}", retention_nothing: "ничего не удалено",
    retention_bad: "Число месяцев — целое от 1 до 1200 или пусто.",
    rc_locations_removed: "мест в папках освобождено", rc_messages_deleted: "писем удалено",
    rc_leads_deleted: "лидов удалено", rc_audit_entries_redacted: "записей журнала скрыто",
  },
  en: {
    retention: "Retention", retention_hint: "An empty field keeps for ever. A pass runs hourly; run one now if you like.",
    retention_leads: "Delete leads never converted after (months)",
    retention_mail: "Delete mail older than (months)", retention_mailbox: "Mailbox",
    retention_saved: "Retention saved.", retention_run: "Run now",
    retention_last: "Last pass: {at}", retention_never: "No pass has run yet.", retention_next: "Next scheduled pass: {at}",
    retention_result: "Pass done: {counts}", retention_nothing: "nothing deleted",
    retention_bad: "Months are a whole number from 1 to 1200, or empty.",
    rc_locations_removed: "folder places removed", rc_messages_deleted: "mails deleted",
    rc_leads_deleted: "leads deleted", rc_audit_entries_redacted: "audit entries redacted",
  },
});

/** What a pass did, in words ("nothing deleted" when nothing). */
function countsText(c) {
  const parts = COUNTS.filter((k) => c && c[k] > 0).map((k) => `${t("rc_" + k)}: ${c[k]}`);
  return parts.length ? parts.join("; ") : t("retention_nothing");
}

/** Empty → null (for ever); else a whole number of months (the server checks the range and says so). */
function months(value, name) {
  if (value === "") return null;
  if (!/^\d+$/.test(value)) throw Object.assign(new Error(t("retention_bad")), { field: name });
  return Number(value);
}

function lastPass(policy) {
  if (!policy.last_run_at) return t("retention_never");
  const at = t("retention_last", { at: dateTime(policy.last_run_at) });
  return policy.last_counts ? `${at} — ${countsText(policy.last_counts)}` : at;
}

function nextPass(policy) {
  return policy.next_run_at ? t("retention_next", { at: dateTime(policy.next_run_at) }) : "";
}

/** The Retention card; it redraws itself in place after a save or a pass. */
export async function retentionSection() {
  const card = h("section", { class: "card", id: "retention" });
  await draw(card);
  return card;
}

async function draw(card, message = "") {
  const policy = await get("/admin/retention");
  const status = h("p", { class: "status", role: "status", id: "retention-status" }, message);
  const last = h("p", { class: "muted", id: "retention-last" }, lastPass(policy));
  const next = h("p", { class: "muted", id: "retention-next" }, nextPass(policy));
  const rows = policy.mailboxes.map((m) => h("tr", { "data-mailbox": m.id }, h("td", {}, m.name),
    h("td", {}, field(`mail_${m.id}`, t("retention_mail"),
      input({ type: "number", min: 1, max: 1200, id: `retention-mail-${m.id}`, value: m.mail_months ?? "" })))));
  const edit = form([
    field("leads_months", t("retention_leads"),
      input({ type: "number", min: 1, max: 1200, id: "retention-leads", value: policy.leads_months ?? "" })),
    table([t("retention_mailbox"), t("retention_mail")], rows, { id: "retention-mailboxes" }),
  ], t("save"), async (v) => {
    const body = {
      leads_months: months(v.leads_months, "leads_months"),
      mailboxes: policy.mailboxes.map((m) => ({ id: m.id, mail_months: months(v[`mail_${m.id}`], `mail_${m.id}`) })),
    };
    await put("/admin/retention", body);
    await draw(card, t("retention_saved"));
  }, { id: "retention-form" });
  const run = h("button", { type: "button", id: "retention-run", onclick: async () => {
    run.disabled = true;
    try {
      const counts = await post("/admin/retention/run");
      await draw(card, t("retention_result", { counts: countsText(counts) }));
    } catch (e) {
      notice(status, e);
      run.disabled = false;
    }
  } }, t("retention_run"));
  clear(card, h("h2", {}, t("retention")), h("p", { class: "muted" }, t("retention_hint")), edit,
    h("div", { class: "actions" }, run), last, next, status);
}
