// Admin: the Personal data page (152-FZ, GDPR) — name a person by e-mails and/or contact ids, export all held about
// them as a zip, or erase them (a reason and the typed e-mail as confirmation), the erasure's report, the list of
// past requests (never the person: the server keeps only a salted hash), and the retention policies (retention.js).
import { session, get, post, ApiError } from "./api.js";
import { h, clear, field, form, input, table, notice, dateTime } from "./dom.js";
import { t, word, addWords } from "./i18n.js";
import { retentionSection } from "./retention.js";

// The erasure report's counts, in the order shown; an export's (what it found) come after them in past requests.
const COUNTS = ["contacts_deleted", "leads_deleted", "notes_deleted", "consent_events_deleted", "messages_deleted",
  "messages_pseudonymized", "audit_entries_redacted", "other_rows"];

addWords({
  ru: {
    privacy: "Персональные данные", privacy_intro: "Запросы субъектов персональных данных (152-ФЗ, GDPR): выгрузка всего, что о человеке хранится, и удаление.",
    privacy_person: "Человек", privacy_emails: "E-mail (через запятую)", privacy_contact_ids: "Номера контактов (через запятую)",
    privacy_export: "Выгрузить (zip)", privacy_exported: "Выгружено: {name}, {size} байт.", privacy_download: "Скачать ещё раз: {name}",
    privacy_erase: "Удалить данные", privacy_reason: "Основание (обязательно)", privacy_confirm: "Для подтверждения введите «{word}»",
    privacy_confirm_first: "Сначала укажите человека.", privacy_confirm_wrong: "Введено не то, что нужно для подтверждения.",
    privacy_erase_button: "Удалить безвозвратно", privacy_report: "Что сделано (запрос №{id})",
    privacy_earlier: "Более ранние запросы об этом человеке: {ids}", privacy_requests: "Прошлые запросы",
    privacy_by: "Кто", privacy_action: "Действие", privacy_counts: "Итог", privacy_kind_export: "выгрузка",
    privacy_kind_erase: "удаление", privacy_bad_id: "Номер контакта — целое число: {value}",
    count_contacts_deleted: "Контактов удалено", count_leads_deleted: "Лидов удалено", count_notes_deleted: "Заметок удалено",
    count_consent_events_deleted: "Записей о согласии удалено", count_messages_deleted: "Писем удалено",
    count_messages_pseudonymized: "Писем обезличено", count_audit_entries_redacted: "Записей журнала скрыто",
    count_other_rows: "Прочих строк удалено", count_contacts: "Контактов найдено", count_leads: "Лидов найдено",
    count_messages: "Писем найдено", privacy_reason_col: "Основание",
    err: { privacy_subject_missing: "Укажите хотя бы один e-mail или номер контакта." },
  },
  en: {
    privacy: "Personal data", privacy_intro: "Data subject requests (152-FZ, GDPR): export everything held about a person, or erase it.",
    privacy_person: "The person", privacy_emails: "E-mails (comma-separated)", privacy_contact_ids: "Contact ids (comma-separated)",
    privacy_export: "Export (zip)", privacy_exported: "Exported: {name}, {size} bytes.", privacy_download: "Download again: {name}",
    privacy_erase: "Erase", privacy_reason: "Reason (required)", privacy_confirm: "To confirm, type “{word}”",
    privacy_confirm_first: "Name the person first.", privacy_confirm_wrong: "That is not what confirms the erasure.",
    privacy_erase_button: "Erase for good", privacy_report: "What was done (request #{id})",
    privacy_earlier: "Earlier requests about this person: {ids}", privacy_requests: "Past requests",
    privacy_by: "By", privacy_action: "Action", privacy_counts: "Outcome", privacy_kind_export: "export",
    privacy_kind_erase: "erasure", privacy_bad_id: "A contact id is a whole number: {value}",
    count_contacts_deleted: "Contacts deleted", count_leads_deleted: "Leads deleted", count_notes_deleted: "Notes deleted",
    count_consent_events_deleted: "Consent entries deleted", count_messages_deleted: "Mails deleted",
    count_messages_pseudonymized: "Mails pseudonymized", count_audit_entries_redacted: "Audit entries redacted",
    count_other_rows: "Other rows removed", count_contacts: "Contacts found", count_leads: "Leads found",
    count_messages: "Mails found", privacy_reason_col: "Reason",
    err: { privacy_subject_missing: "Give at least one e-mail or contact id." },
  },
});

const list = (text) => String(text || "").split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);

/** The person as the API takes them; a contact id that is not a number is refused here, beside its field. */
function subjectOf(emailsEl, idsEl) {
  const ids = list(idsEl.value).map((v) => {
    if (!/^\d+$/.test(v)) throw Object.assign(new Error(t("privacy_bad_id", { value: v })), { field: "contact_ids" });
    return Number(v);
  });
  return { emails: list(emailsEl.value), contact_ids: ids };
}

/** What the admin types to confirm an erasure: the first e-mail, else the contact ids as given. */
const confirmWord = (s) => s.emails[0] || s.contact_ids.join(", ");

export async function render(main) {
  const status = h("p", { class: "status", role: "status", id: "privacy-status" });
  const report = h("div", { id: "erase-report-place" });
  const requests = h("section", { class: "card", id: "privacy-requests-card" });
  const emails = input({ id: "privacy-emails", autocomplete: "off" });
  const ids = input({ id: "privacy-contact-ids", inputmode: "numeric", autocomplete: "off" });
  const person = h("form", { id: "privacy-subject", novalidate: true, onsubmit: (e) => e.preventDefault() },
    h("div", { class: "row" }, field("emails", t("privacy_emails"), emails), field("contact_ids", t("privacy_contact_ids"), ids)));
  const saved = h("p", { id: "privacy-download-place" });
  const exportButton = h("button", { type: "button", id: "privacy-export", onclick: async () => {
    notice(status, null);
    exportButton.disabled = true;
    try {
      const file = await exportZip(subjectOf(emails, ids));
      clear(saved, h("a", { href: file.url, download: file.name, id: "privacy-download", "data-size": file.size },
        t("privacy_download", { name: file.name })));
      status.textContent = t("privacy_exported", { name: file.name, size: file.size });
      await drawRequests(requests, status);
    } catch (e) {
      notice(status, e);
    } finally {
      exportButton.disabled = false;
    }
  } }, t("privacy_export"));
  const confirmLabel = h("span", {}, t("privacy_confirm", { word: "…" }));
  const refreshWord = () => {
    let word = "";
    try {
      word = confirmWord(subjectOf(emails, ids));
    } catch {
      word = "";
    }
    confirmLabel.textContent = t("privacy_confirm", { word: word || "…" });
  };
  emails.addEventListener("input", refreshWord);
  ids.addEventListener("input", refreshWord);
  const erase = form([
    field("reason", t("privacy_reason"), h("textarea", { id: "privacy-reason", rows: 2 })),
    field("confirm", confirmLabel, input({ id: "privacy-confirm", autocomplete: "off" })),
  ], t("privacy_erase_button"), async (v) => {
    const subject = subjectOf(emails, ids);
    const expected = confirmWord(subject);
    if (!expected) throw Object.assign(new Error(t("privacy_confirm_first")), { field: "confirm" });
    if (v.confirm !== expected) throw Object.assign(new Error(t("privacy_confirm_wrong")), { field: "confirm" });
    const answer = await post("/admin/privacy/erase", { ...subject, reason: v.reason });
    clear(report, reportCard(answer));
    erase.reset();
    refreshWord();
    await drawRequests(requests, status);
  }, { id: "privacy-erase" });
  clear(main, h("h1", {}, t("privacy")), h("p", { class: "muted" }, t("privacy_intro")), status,
    h("section", { class: "card" }, h("h2", {}, t("privacy_person")), person,
      h("div", { class: "actions" }, exportButton), saved,
      h("h3", {}, t("privacy_erase")), erase),
    report, requests, await retentionSection());
  await drawRequests(requests, status);
}

/** The erasure's answer as a table of counts (ids are #numbers; the person is not in it). */
function reportCard(r) {
  const rows = COUNTS.map((key) => h("tr", { "data-count": key }, h("td", {}, t("count_" + key)), h("td", {}, String(r[key] ?? 0))));
  return h("section", { class: "card", id: "erase-report" }, h("h2", {}, t("privacy_report", { id: r.request_id })),
    table([t("privacy_action"), t("privacy_counts")], rows),
    r.earlier_requests && r.earlier_requests.length
      ? h("p", { id: "erase-earlier" }, t("privacy_earlier", { ids: r.earlier_requests.map((i) => "#" + i).join(", ") })) : null);
}

/** The non-zero counts of a past request, in words. */
function countsText(counts) {
  if (!counts || typeof counts !== "object") return "";
  return [...COUNTS, "contacts", "leads", "messages"].filter((k) => typeof counts[k] === "number" && counts[k] > 0)
    .map((k) => `${t("count_" + k)}: ${counts[k]}`).join("; ");
}

async function drawRequests(place, status, before = null, rows = []) {
  try {
    const page = await get(`/admin/privacy/requests?limit=50${before ? "&before=" + before : ""}`);
    rows.push(...page.items.map((r) => h("tr", { "data-request": r.id },
      h("td", {}, "#" + r.id), h("td", {}, dateTime(r.at)), h("td", {}, r.requested_by_email ?? "—"),
      h("td", {}, word("privacy_kind_", r.kind)), h("td", {}, r.reason ?? ""), h("td", {}, countsText(r.counts)))));
    const more = page.next_before
      ? h("button", { type: "button", id: "privacy-more", onclick: () => drawRequests(place, status, page.next_before, rows) }, t("more"))
      : null;
    clear(place, h("h2", {}, t("privacy_requests")),
      table(["#", t("date"), t("privacy_by"), t("privacy_action"), t("privacy_reason_col"), t("privacy_counts")], rows,
        { id: "privacy-requests" }), more);
  } catch (e) {
    notice(status, e);
  }
}

/** The export needs the response's headers and bytes, which `api` does not hand back: the same token, the same errors. */
function authHeaders() {
  const current = session();
  return { "Content-Type": "application/json", "Accept-Language": t.lang(),
    ...(current ? { Authorization: "Bearer " + current.token } : {}) };
}

async function failed(response) {
  const body = await response.json().catch(() => null);
  return new ApiError(response.status, body);
}

/** The export as a Blob saved under the server's file name (Content-Disposition), else `person-export.zip`. */
async function exportZip(subject) {
  const response = await fetch("/api/v1/admin/privacy/export", { method: "POST", headers: authHeaders(), body: JSON.stringify(subject) });
  if (!response.ok) throw await failed(response);
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/.exec(disposition);
  const name = match ? match[1] : "person-export.zip";
  const blob = await response.blob();
  const url = URL.createObjectURL(new Blob([blob], { type: "application/zip" }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  return { url, name, size: blob.size };
}
