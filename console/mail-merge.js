// Sales: personal mail merge (#/mail-merge): one letter to each chosen client from the salesperson's own mailbox,
// with attachments uploaded once. A preview for one recipient as the text is typed, then the send (POST
// /mail-merge) and its progress from the merge's report until every letter is sent or failed.
import { get, post } from "./api.js";
import { h, clear, field, form, input, link, select } from "./dom.js";
import { t, errorText } from "./i18n.js";
import { contactPicker } from "./templates.js";
import { attachmentsPicker, customFields, fieldPicker, mailboxNames, mailboxPicker, optional, recipientsPicker,
  skippedList } from "./sequences_pickers.js";
import "./sequences_words.js";

const POLL_MS = 1500;

export async function render(main) {
  const [sequences, custom] = await Promise.all([optional("/sequences", { items: [] }), customFields()]);
  const names = await mailboxNames(sequences.items);
  const mailbox = mailboxPicker(names, null, "mm-mailbox");
  const recipients = await recipientsPicker("mm");
  const name = input({ id: "mm-name" });
  const subject = input({ id: "mm-subject" });
  const body = h("textarea", { id: "mm-body", rows: 10, value: "{{contact.name}},\n\n" });
  const files = attachmentsPicker([], "mm-files");
  // A personal mail merge goes now unless the user keeps it to working hours (the server's default window).
  const when = select([["now", t("mm_when_now")], ["hours", t("mm_when_hours")]], "now", { id: "mm-when" });
  const outcome = h("div", { id: "mm-outcome", role: "status" });
  const previewBox = h("div", { id: "mm-preview", class: "preview" }, h("p", { class: "muted" }, t("mm_preview_pick")));
  const preview = previewer(previewBox, () => ({ subject: subject.value, body: body.value }));
  for (const el of [subject, body]) el.addEventListener("input", preview.soon);
  const send = form([
    mailbox.el,
    h("fieldset", {}, h("legend", {}, t("mm_recipients")), recipients.el),
    h("fieldset", {}, h("legend", {}, t("mm_letter")),
      field("name", t("mm_name"), name),
      field("subject", t("seq_subject"), subject), fieldPicker(subject, custom, "mm-subject-field"),
      field("body", t("seq_body"), body), fieldPicker(body, custom, "mm-body-field"),
      files.el),
    field("send_window", t("mm_when"), when),
  ], t("mm_send"), async () => {
    const request = { mailbox_id: mailbox.read(), subject: subject.value, body: body.value, ...recipients.read() };
    if (when.value === "now") request.send_window = { start: "00:00", end: "24:00", days: [1, 2, 3, 4, 5, 6, 7] };
    if (name.value.trim()) request.name = name.value.trim();
    const ids = files.ids();
    if (ids.length) request.attachment_ids = ids;
    clear(outcome);
    let answer;
    try {
      answer = await post("/mail-merge", request);
    } catch (error) {
      if (error && error.code === "route_not_found") throw Object.assign(new Error(t("mm_missing")), { code: "route_not_found_page" });
      throw error;
    }
    follow(outcome, answer, recipients.names());
  }, { id: "mail-merge-form" });
  clear(main, h("h1", {}, t("mail-merge")), h("p", { class: "muted" }, t("mm_hint")),
    h("div", { class: "columns" },
      h("section", { class: "card" }, send, outcome),
      h("section", { class: "card" }, h("h2", {}, t("mm_preview")), contactPicker("mm-preview-contact", preview.pick), previewBox)));
}

/** The preview for one contact: the server's (the templates' draft preview, where the role may use it), else the
 *  fields filled in here from the contact's record, said so beside it. */
function previewer(box, draft) {
  let contactId = null;
  let timer = null;
  let asked = 0;
  let server = true;
  const refresh = async () => {
    if (!contactId) return;
    const mine = ++asked;
    const { subject, body } = draft();
    let shown;
    try {
      if (server) {
        const p = await post("/templates/preview", { template: { name: "mail merge", subject, html: "", text: body }, contact_id: contactId });
        shown = { to: `${p.contact_name} <${p.address}>`, subject: p.subject, text: p.text, local: false };
      }
    } catch (error) {
      if (!error || error.status !== 403) {
        if (mine === asked) clear(box, h("p", { class: "form-error", role: "alert", id: "mm-preview-error" }, errorText(error)));
        return;
      }
      server = false;
    }
    if (!shown) shown = await localPreview(contactId, subject, body);
    if (mine !== asked) return;
    clear(box, h("p", {}, h("strong", {}, t("to") + ": "), shown.to),
      h("p", { id: "mm-preview-subject" }, h("strong", {}, t("seq_subject") + ": "), shown.subject),
      h("pre", { id: "mm-preview-text", class: "mail-text" }, shown.text),
      shown.local ? h("p", { class: "hint", id: "mm-preview-local" }, t("mm_preview_local")) : null);
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(() => refresh().catch(() => {}), 300); };
  const pick = (id) => { contactId = id; refresh().catch(() => {}); };
  return { soon, pick };
}

/** The fields of a contact as the templates name them, from the records the caller may read. */
async function localPreview(contactId, subject, body) {
  const contact = await get(`/contacts/${contactId}`);
  const [company, directory] = await Promise.all([
    contact.company_id ? get(`/companies/${contact.company_id}`).catch(() => null) : null,
    optional("/users/directory", { items: [] })]);
  const owner = (directory.items || []).find((u) => u.id === contact.owner_id);
  const values = {
    "contact.name": contact.name, "contact.position": contact.position, "contact.email": contact.primary_email,
    "contact.phone": (contact.phones || [])[0], "company.name": company && company.name,
    "company.domain": company && (company.domains || [])[0], "owner.name": owner && owner.name, "owner.email": owner && owner.email,
  };
  for (const [key, value] of Object.entries(contact.custom || {})) values[`custom.${key}`] = value;
  // `{{field}}` and `{{default field "fallback"}}`; a field the contact lacks stays as written, so it shows.
  const fill = (text) => text
    .replace(/\{\{\s*default\s+([\w.]+)\s+"([^"]*)"\s*\}\}/g, (_, key, fallback) => (values[key] ? String(values[key]) : fallback))
    .replace(/\{\{\s*([\w.]+)\s*\}\}/g, (all, key) => (values[key] ? String(values[key]) : all));
  return { to: `${contact.name} <${contact.primary_email || "—"}>`, subject: fill(subject), text: fill(body), local: true };
}

/** The answer (enrolled, skipped), then the merge's report every 1.5 s until every letter is sent or failed. */
async function follow(box, answer, names) {
  const total = Number(answer.enrolled) || 0;
  const bar = h("progress", { max: Math.max(1, total), value: 0, id: "mm-progress", "aria-label": t("mm_progress") });
  const line = h("p", { id: "mm-progress-line" }, t("mm_sending", { done: 0, total }));
  clear(box, h("p", { id: "mm-accepted" }, t("mm_accepted", { n: total })), skippedList(answer.skipped, names), bar, line,
    h("p", {}, link(`#/sequences/${answer.sequence_id}`, t("mm_open"), { id: "mm-report-link" })));
  while (box.isConnected) {
    const r = await get(`/sequences/${answer.sequence_id}/report`).catch(() => null);
    if (r) {
      const step = r.steps[0] || { sent: 0, failed: 0, uncertain: 0 };
      const failed = step.failed + step.uncertain;
      const done = step.sent + failed;
      bar.value = done;
      line.textContent = t("mm_sending", { done, total });
      if (done >= total || r.active === 0) {
        line.textContent = t("mm_done", { sent: step.sent, failed });
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
