// Marketing: templates. The list, and an editor whose preview is rendered by the server for a chosen contact (or,
// for those who may read leads, a lead) as the text is typed (POST /templates/preview, /templates/preview/lead,
// nothing saved), shown in a sandboxed frame; save and test send.
import { get, post, put, query } from "./api.js";
import { h, clear, field, form, input, select, table, link, notice, dateTime } from "./dom.js";
import { t, errorText } from "./i18n.js";
import "./marketing_words.js";

export async function render(main, ctx) {
  if (ctx.id) return editor(main, ctx);
  const list = await get("/templates");
  const rows = list.items.map((tpl) => h("tr", { "data-template": tpl.id },
    h("td", {}, link(`#/templates/${tpl.id}`, tpl.name)), h("td", {}, tpl.subject), h("td", {}, dateTime(tpl.updated_at))));
  clear(main, h("h1", {}, t("templates")),
    h("p", {}, link("#/templates/new", t("template_new"), { id: "template-new", class: "button-link" })),
    h("div", { id: "results" }, table([t("name"), t("subject"), t("updated")], rows, { id: "template-table" })));
}

/** The letter in a frame with an empty sandbox: no scripts, and (inheriting the console's CSP) nothing remote. */
export function letterFrame(html, id) {
  const frame = h("iframe", { sandbox: "", referrerpolicy: "no-referrer", title: t("preview_frame"), id, class: "letter" });
  frame.srcdoc = html;
  return frame;
}

/** A contact search that fills a select with contacts who have an e-mail address (leads with `kind: "lead"`). */
export function contactPicker(id, onPick, kind = "contact") {
  const lead = kind === "lead";
  const search = input({ type: "search", id: id + "-q", placeholder: t(lead ? "preview_pick_lead" : "preview_pick") });
  const choice = select([["", t("choose")]], "", { id });
  let timer = null;
  // Only the latest search fills the list: an earlier answer arriving late must not replace it.
  let asked = 0;
  const find = async () => {
    const mine = ++asked;
    const page = await get(`/${lead ? "leads" : "contacts"}${query({ q: search.value, limit: 20 })}`);
    if (mine !== asked) return;
    const address = (r) => (lead ? r.email : r.primary_email);
    const people = page.items.filter(address);
    clear(choice, h("option", { value: "" }, t("choose")),
      people.map((c) => h("option", { value: c.id }, `${c.name} <${address(c)}>`)));
    if (people.length && !choice.value) {
      choice.value = String(people[0].id);
      onPick(Number(choice.value));
    }
  };
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(find, 250); });
  choice.addEventListener("change", () => onPick(choice.value ? Number(choice.value) : null));
  find();
  return h("div", { class: "row" }, field("contact_q", t("search"), search),
    field(lead ? "lead_id" : "contact_id", t(lead ? "preview_for_lead" : "preview_for"), choice));
}

async function editor(main, ctx) {
  const existing = ctx.id === "new" ? null : await get(`/templates/${ctx.id}`);
  const tpl = existing || { name: "", subject: "", html: "<p>{{contact.name}},</p>\n<p></p>\n<p><a href=\"{{unsubscribe_url}}\">unsubscribe</a></p>", text: "" };
  const status = h("p", { class: "status", role: "status", id: "template-status" });
  const previewArea = h("div", { id: "preview", class: "preview" }, h("p", { class: "muted" }, t("preview_none")));
  let contactId = null;
  // Whom the preview is for: a contact, or a lead (only for a role that reads leads: not marketing).
  let kind = "contact";
  let timer = null;
  const fields = {
    name: input({ id: "tpl-name", value: tpl.name, required: true }),
    subject: input({ id: "tpl-subject", value: tpl.subject }),
    html: h("textarea", { id: "tpl-html", rows: 14, value: tpl.html }),
    text: h("textarea", { id: "tpl-text", rows: 5, value: tpl.text || "" }),
  };
  const draft = () => ({ name: fields.name.value || "draft", subject: fields.subject.value, html: fields.html.value,
    text: fields.text.value || null });
  // Only the latest preview is shown: an earlier answer (another recipient, older text) arriving late is dropped.
  let asked = 0;
  const refresh = async () => {
    if (!contactId) return;
    const mine = ++asked;
    try {
      const p = kind === "lead"
        ? await post("/templates/preview/lead", { template: draft(), lead_id: contactId })
        : await post("/templates/preview", { template: draft(), contact_id: contactId });
      if (mine !== asked) return;
      clear(previewArea,
        h("p", {}, h("strong", {}, t("to") + ": "), `${p.contact_name} <${p.address}>`),
        h("p", { id: "preview-subject" }, h("strong", {}, t("subject") + ": "), p.subject),
        letterFrame(p.html, "preview-frame"),
        h("details", {}, h("summary", {}, t("text_part")), h("pre", { id: "preview-text" }, p.text)));
    } catch (error) {
      if (mine !== asked) return;
      clear(previewArea, h("p", { class: "form-error", role: "alert", id: "preview-error" }, errorText(error)));
    }
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 300); };
  for (const el of Object.values(fields)) el.addEventListener("input", soon);
  const pick = (id) => { contactId = id; refresh(); };
  const pickerArea = h("div", {}, contactPicker("preview-contact", pick));
  const kinds = select([["contact", t("preview_kind_contact")], ["lead", t("preview_kind_lead")]], "contact", { id: "preview-kind" });
  kinds.addEventListener("change", () => {
    kind = kinds.value;
    contactId = null;
    asked++;
    clear(previewArea, h("p", { class: "muted" }, t("preview_none")));
    clear(pickerArea, contactPicker(kind === "lead" ? "preview-lead" : "preview-contact", pick, kind));
  });
  const picker = ctx.user.role === "admin" ? h("div", {}, field("preview_kind", t("preview_kind"), kinds), pickerArea) : pickerArea;

  const save = async () => {
    const body = { name: fields.name.value, subject: fields.subject.value, html: fields.html.value, text: fields.text.value || null };
    const saved = existing ? await put(`/templates/${existing.id}`, body) : await post("/templates", body);
    return saved;
  };
  const edit = form([
    field("name", t("name"), fields.name), field("subject", t("subject"), fields.subject),
    field("html", t("html"), fields.html), field("text", t("text_part"), fields.text),
  ], t("save"), async () => {
    const saved = await save();
    notice(status, null);
    status.textContent = t("saved_template");
    if (!existing) ctx.navigate(`/templates/${saved.id}`);
  }, { id: "template-form" });

  const relays = await get("/relays");
  const testForm = form([
    h("div", { class: "row" },
      field("to", t("test_to"), input({ id: "test-to", type: "email" })),
      field("relay", t("relay"), select(relays.items.map((r) => [r.name, r.name]), "default", { id: "test-relay" }))),
  ], t("test_send"), async (v) => {
    if (!contactId) throw Object.assign(new Error(t("preview_none")), { field: "to" });
    if (kind === "lead") throw Object.assign(new Error(t("test_send_contact_only")), { field: "to" });
    const saved = await save();
    const sent = await post(`/templates/${saved.id}/test-send`, { contact_id: contactId, to: v.to, relay: v.relay });
    status.textContent = t("test_sent", { to: sent.to });
    if (!existing) ctx.navigate(`/templates/${saved.id}`);
  }, { id: "test-form" });

  clear(main, h("h1", {}, existing ? existing.name : t("template_new")), h("p", {}, link("#/templates", t("back"))), status,
    h("div", { class: "columns" },
      h("section", { class: "card" }, h("h2", {}, t("edit")), edit),
      h("section", { class: "card" }, h("h2", {}, t("preview")), picker, previewArea,
        h("h2", {}, t("test_send")), testForm)));
}
