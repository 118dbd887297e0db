// Sales: client mail awaiting our reply — the page (mine / my team / all, overdue first to hand) and the card's
// banner ("Awaiting reply since … — due …"), both from GET /api/v1/awaiting-reply.
import { get, query } from "./api.js";
import { h, clear, dateTime, link, select, table, field } from "./dom.js";
import { t, addWords } from "./i18n.js";

addWords({
  ru: {
    awaiting: "Ждут ответа", awaiting_since: "Ждёт ответа с {since} — срок {due}", awaiting_overdue: "просрочено",
    awaiting_in_time: "в срок", awaiting_hint: "Письма клиентов (контактов и лидов), на которые никто из наших ящиков ещё не ответил в переписке.",
    awaiting_record: "Запись", awaiting_subject: "Тема", awaiting_received: "Получено", awaiting_due: "Ответить до",
    awaiting_state: "Состояние", awaiting_overdue_count: "Просрочено: {n}",
  },
  en: {
    awaiting: "Awaiting reply", awaiting_since: "Awaiting reply since {since} — due {due}", awaiting_overdue: "overdue",
    awaiting_in_time: "in time", awaiting_hint: "Clients' mail (contacts and leads) that none of our mailboxes has answered in its thread yet.",
    awaiting_record: "Record", awaiting_subject: "Subject", awaiting_received: "Received", awaiting_due: "Reply by",
    awaiting_state: "State", awaiting_overdue_count: "Overdue: {n}",
  },
});

const PLURAL = { lead: "leads", contact: "contacts" };

export async function render(main, ctx) {
  const scope = select(["mine", "team", "all"].map((s) => [s, t("scope_" + s)]), "mine", { id: "awaiting-scope" });
  const list = h("div", { id: "awaiting-list" });
  const load = async () => {
    const answer = await get(`/awaiting-reply${query({ scope: scope.value })}`);
    clear(list, h("p", { id: "awaiting-count" }, t("awaiting_overdue_count", { n: answer.overdue })),
      table([t("awaiting_record"), t("awaiting_subject"), t("from"), t("awaiting_received"), t("awaiting_due"), t("awaiting_state")],
        answer.items.map(row), { id: "awaiting-table" }));
  };
  scope.addEventListener("change", () => load().catch((e) => clear(list, h("p", { class: "form-error", role: "alert" }, String(e.message || e)))));
  clear(main, h("h1", {}, t("awaiting")), h("p", { class: "muted" }, t("awaiting_hint")),
    ctx.user.role === "admin" || ctx.user.role === "sales" ? field("scope", t("scope"), scope) : null, list);
  await load();
}

function row(item) {
  const record = link(`#/${PLURAL[item.record.kind]}/${item.record.id}`, item.record.name);
  const state = item.overdue ? h("strong", { class: "form-error" }, t("awaiting_overdue")) : h("span", { class: "muted" }, t("awaiting_in_time"));
  return h("tr", { "data-awaiting": item.id, "data-overdue": String(item.overdue) },
    h("td", {}, record), h("td", {}, item.subject ?? t("subject_hidden")), h("td", {}, item.from_name || item.from || "—"),
    h("td", {}, dateTime(item.received_at)), h("td", {}, dateTime(item.due_at)), h("td", {}, state));
}

/** The card's banner for a contact or lead that waits for our reply; null when nothing waits (or for other kinds). */
export async function banner(kind, id, user) {
  const singular = { contacts: "contact", leads: "lead" }[kind];
  if (!singular || user.role === "marketing") return null;
  const answer = await get(`/awaiting-reply${query({ record: `${singular}:${id}` })}`).catch(() => null);
  const first = answer && answer.items[0];
  if (!first) return null;
  const text = t("awaiting_since", { since: dateTime(first.received_at), due: dateTime(first.due_at) });
  return h("p", { id: "awaiting-banner", role: "status", class: first.overdue ? "form-error" : "muted" },
    text, first.overdue ? ` (${t("awaiting_overdue")})` : "", first.subject ? ` · ${first.subject}` : "");
}
