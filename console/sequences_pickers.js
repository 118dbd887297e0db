// Pieces the sequence editor, a sequence's page and the mail merge page share: the mailbox to send from, the field
// picker for {{contact.name}}…, recipients (chosen contacts, a saved view or a segment), attachments, and the
// skipped list of an enrolment's answer. What the server does not offer yet is found out from its answers.
import { get, session, ApiError, query } from "./api.js";
import { h, clear, field, input, select } from "./dom.js";
import { t, word } from "./i18n.js";
import "./sequences_words.js";

/** The templates' fields (campaigns/render.rs FIELDS, but the unsubscribe link: these are personal letters). */
const FIELDS = ["contact.name", "contact.position", "contact.email", "contact.phone", "company.name", "company.domain",
  "owner.name", "owner.email", "owner.phone"];

/** The answer of a GET, or `fallback` when the caller's role may not read it (403) or the server lacks it (404). */
export async function optional(path, fallback) {
  try {
    return await get(path);
  } catch (error) {
    if (error && (error.status === 403 || error.status === 404)) return fallback;
    throw error;
  }
}

const itemsOf = (answer) => (Array.isArray(answer) ? answer : (answer && answer.items) || []);

/** Mailboxes by id → name: those the user may send from (`/me/mailboxes`), plus any a sequence already names
 *  (an admin's pick for someone else), by number. */
export async function mailboxNames(sequences = []) {
  const list = itemsOf(await optional("/me/mailboxes", []));
  const names = new Map(list.map((m) => [m.id, `${m.name} <${m.address}>`]));
  for (const s of sequences) if (!names.has(s.mailbox_id)) names.set(s.mailbox_id, t("seq_mailbox_n", { id: s.mailbox_id }));
  return names;
}

export const mailboxLabel = (names, id) => names.get(id) || t("seq_mailbox_n", { id });

/** A select of the known mailboxes with "another (number)" beside it; `read()` gives the chosen id or NaN. */
export function mailboxPicker(names, selected, id) {
  const options = [...names].map(([value, name]) => [value, name]);
  const other = input({ type: "number", min: 1, id: id + "-number", value: selected && !names.has(selected) ? selected : "" });
  const choice = select([...options, ["other", t("seq_mailbox_other")]],
    selected && names.has(selected) ? selected : options.length ? options[0][0] : "other", { id });
  const otherField = field("mailbox_number", t("seq_mailbox_number"), other);
  const sync = () => { otherField.hidden = choice.value !== "other"; };
  choice.addEventListener("change", sync);
  sync();
  return {
    el: h("div", {}, h("div", { class: "row" }, field("mailbox_id", t("seq_mailbox"), choice), otherField),
      h("p", { class: "hint" }, t("seq_mailbox_hint"))),
    read: () => Number(choice.value === "other" ? other.value : choice.value),
  };
}

/** The contact custom fields as `custom.<key>` (the templates take them too). */
export async function customFields() {
  const all = itemsOf(await optional("/custom-fields", []));
  return all.filter((f) => f.kind === "contact" || f.kind === "contacts").map((f) => ({ key: f.key, label: f.label || f.key }));
}

/** "Insert a field": puts `{{field}}` at the cursor of `target` (an input or textarea). */
export function fieldPicker(target, custom, id) {
  const choice = select([...FIELDS.map((f) => [f, f]), ...custom.map((f) => [`custom.${f.key}`, `custom.${f.key} (${f.label})`])],
    FIELDS[0], { id, "aria-label": t("seq_field") });
  const insert = () => {
    const text = `{{${choice.value}}}`;
    const at = target.selectionStart ?? target.value.length;
    const end = target.selectionEnd ?? at;
    target.value = target.value.slice(0, at) + text + target.value.slice(end);
    target.focus();
    target.setSelectionRange(at + text.length, at + text.length);
    target.dispatchEvent(new Event("input", { bubbles: true }));
  };
  return h("div", { class: "field-picker", role: "group", "aria-label": t("seq_field") },
    choice, h("button", { type: "button", class: "small", id: id + "-insert", onclick: insert }, t("seq_field_insert")));
}

/** A contact search with ticks: the ticked stay chosen across searches. */
function contactChooser(id) {
  const chosen = new Map();
  const search = input({ type: "search", id: id + "-q", placeholder: t("seq_find") });
  const results = h("ul", { class: "pick-list", id: id + "-results", "aria-label": t("seq_results") });
  const count = h("p", { class: "hint", id: id + "-count", role: "status" });
  const showCount = () => { count.textContent = t("seq_chosen", { n: chosen.size }); };
  let asked = 0;
  let timer = null;
  const find = async () => {
    const mine = ++asked;
    const page = await get(`/contacts${query({ q: search.value, limit: 20 })}`);
    if (mine !== asked) return;
    const people = [...chosen.values(), ...page.items.filter((c) => c.primary_email && !chosen.has(c.id))];
    clear(results, people.map((c) => {
      const box = h("input", { type: "checkbox", value: c.id, "data-contact": c.id, checked: chosen.has(c.id) });
      box.addEventListener("change", () => {
        if (box.checked) chosen.set(c.id, c);
        else chosen.delete(c.id);
        showCount();
      });
      return h("li", {}, h("label", { class: "check" }, box, " ", `${c.name} <${c.primary_email}>`));
    }));
  };
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(find, 250); });
  find();
  showCount();
  return {
    el: h("div", {}, field("contact_q", t("seq_find"), search), results, count),
    ids: () => [...chosen.keys()],
    names: () => new Map([...chosen].map(([key, c]) => [key, c.name])),
    reset: () => { chosen.clear(); showCount(); find(); },
  };
}

/** Whom to enrol or write to: chosen contacts, a saved contact view, or a segment (for those who may read segments).
 *  `read()` gives the request's source: `{contact_ids}`, `{view_id}` or `{segment_id}`. */
export async function recipientsPicker(id) {
  const [views, segments] = await Promise.all([
    optional("/views?kind=contacts", { items: [] }), optional("/segments", null)]);
  const viewItems = itemsOf(views);
  const segmentItems = segments === null ? null : itemsOf(segments);
  const sources = [["contacts", t("seq_from_contacts")], ["view", t("seq_from_view")]];
  if (segmentItems) sources.push(["segment", t("seq_from_segment")]);
  const source = select(sources, "contacts", { id: id + "-source" });
  const contacts = contactChooser(id + "-contact");
  const view = select(viewItems.map((v) => [v.id, v.name]), "", { id: id + "-view" });
  const segment = select((segmentItems || []).map((s) => [s.id, s.name]), "", { id: id + "-segment" });
  const viewField = viewItems.length ? field("view_id", t("seq_from_view"), view) : h("p", { class: "muted" }, t("seq_no_views"));
  const segmentField = field("segment_id", t("seq_from_segment"), segment);
  const parts = { contacts: contacts.el, view: viewField, segment: segmentField };
  const sync = () => { for (const [key, el] of Object.entries(parts)) el.hidden = key !== source.value; };
  source.addEventListener("change", sync);
  sync();
  const read = () => {
    if (source.value === "view") {
      if (!view.value) throw new ApiError(422, { error: { code: "validation_failed", message: t("seq_no_views"), field: "view_id" } });
      return { view_id: Number(view.value) };
    }
    if (source.value === "segment") return { segment_id: Number(segment.value) };
    const ids = contacts.ids();
    if (!ids.length) throw new ApiError(422, { error: { code: "validation_failed", message: t("seq_choose_none"), field: "contact_q" } });
    return { contact_ids: ids };
  };
  return { el: h("div", { class: "recipients" }, field("source", t("seq_enrol_from"), source), contacts.el, viewField, segmentField),
    read, reset: contacts.reset, names: contacts.names, source: () => source.value };
}

/** An error of a request that named a view or segment while the server takes contact ids only. */
export function sourceUnsupported(error, body) {
  return Boolean(error && !body.contact_ids && error.status >= 400 && error.status < 500 && error.status !== 403 &&
    (error.field === "contact_ids" || error.code === "invalid_json" || error.code === "invalid_body"));
}

/** Uploads attachments once (POST /sequences/attachments) and keeps their ids; `initial` are a step's own. */
export function attachmentsPicker(initial, id) {
  const files = new Map((initial || []).map((a) => [a.id, a]));
  const list = h("ul", { class: "attachments", id: id + "-list" });
  const status = h("p", { class: "field-error", role: "alert", id: id + "-error" });
  const picker = h("input", { type: "file", id, multiple: true });
  const draw = () => clear(list, [...files.values()].map((a) => h("li", { "data-attachment": a.id },
    `${a.name} (${size(a.size)}) `,
    h("button", { type: "button", class: "small", "aria-label": t("seq_attach_remove", { name: a.name }),
      onclick: () => { files.delete(a.id); draw(); } }, "×"))));
  picker.addEventListener("change", async () => {
    status.textContent = "";
    for (const file of picker.files) {
      try {
        const saved = await upload(file);
        files.set(saved.id, saved);
        draw();
      } catch (error) {
        status.textContent = error && error.status === 404 ? t("seq_attach_missing") : String(error.message || error);
      }
    }
    picker.value = "";
  });
  draw();
  return {
    el: h("div", { class: "field" }, h("label", { for: id }, t("seq_attach")), picker, list, status),
    ids: () => [...files.keys()],
  };
}

const size = (bytes) => (bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round((bytes || 0) / 1024))} KB`);

/** Multipart `file` (api.js sends JSON only). */
async function upload(file) {
  const body = new FormData();
  body.append("file", file, file.name);
  const response = await fetch("/api/v1/sequences/attachments", {
    method: "POST", headers: { Accept: "application/json", Authorization: "Bearer " + session().token }, body,
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** The answer's `skipped`, each with its reason in words. */
export function skippedList(skipped, names = new Map()) {
  if (!skipped || !skipped.length) return null;
  return h("div", { class: "skipped", id: "skipped" }, h("p", {}, t("seq_skipped", { n: skipped.length })),
    h("ul", {}, skipped.map((s) => h("li", { "data-skipped": s.contact_id },
      `${names.get(s.contact_id) || t("seq_contact_n", { id: s.contact_id })}: ${word("sk_", s.reason)}`))));
}

/** The user's time zone: their digest's, else the browser's. */
export async function userZone() {
  const digest = await optional("/me/digest", {});
  return (digest && digest.time_zone) || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** A time in the given zone, in the console's language. */
export function inZone(value, zone) {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  try {
    return date.toLocaleString(t.locale(), { timeZone: zone, dateStyle: "medium", timeStyle: "short" });
  } catch {
    return date.toLocaleString(t.locale());
  }
}
