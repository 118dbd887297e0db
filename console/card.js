// Sales: one record's card — its fields, the timeline (mail as its subject, in text), notes, tasks, and for a lead
// the conversion into a contact (and optionally a deal).
import { get, post, patch, query } from "./api.js";
import { h, clear, field, form, input, select, dateTime, link, notice } from "./dom.js";
import { t, word } from "./i18n.js";
import { people, ownerName } from "./people.js";
import { sharesSection } from "./shares.js";
import { banner as awaitingBanner } from "./awaiting.js";

const SINGULAR = { leads: "lead", contacts: "contact", companies: "company", deals: "deal" };

/** The fields each kind shows, as [label key, value]. */
function details(kind, r) {
  switch (kind) {
    case "leads":
      return [["status", word("st_", r.status)], ["email", r.email], ["phone", r.phone], ["company_name", r.company_name],
        ["domains", r.domain_hint], ["owner", r.owner_label], ["created", dateTime(r.created_at)]];
    case "contacts":
      return [["emails", r.emails.join(", ")], ["phones", r.phones.join(", ")], ["job", r.position], ["tags", r.tags.join(", ")],
        ["company", r.company_link || null], ["address", r.address], ["website", r.website], ["birthday", r.birthday],
        ["owner", r.owner_label], ["created", dateTime(r.created_at)]];
    case "companies":
      return [["domains", r.domains.join(", ")], ["tags", r.tags.join(", ")], ["industry", r.industry], ["size", r.size],
        ["address", r.address], ["website", r.website], ["owner", r.owner_label], ["created", dateTime(r.created_at)]];
    default:
      return [["amount", r.amount ? `${r.amount} ${r.currency}` : null], ["stage", r.stage_name], ["status", word("kind_", r.status)],
        ["probability", r.probability], ["contacts", r.contact_link || null], ["company", r.company_link || null],
        ["owner", r.owner_label]];
  }
}

const SIZES = ["", "1-10", "11-50", "51-250", "251-1000", "1000+"];
const split = (text) => (text ? text.split(",").map((x) => x.trim()).filter(Boolean) : []);
const orNull = (text) => (text === "" ? null : text);

/** The edit form's fields per kind: [name, label key, current value, control kind], and the PATCH body. */
function editable(kind, r, stages) {
  switch (kind) {
    case "leads":
      return {
        fields: [["name", "name", r.name], ["email", "email", r.email], ["phone", "phone", r.phone],
          ["company_name", "company_name", r.company_name],
          ["status", "status", r.status, ["new", "in_work", "lost"].map((v) => [v, word("st_", v)])],
          ["lost_reason", "lost_reason", r.lost_reason]],
        body: (v) => ({ name: v.name, email: orNull(v.email), phone: orNull(v.phone), company_name: orNull(v.company_name),
          ...(r.status === "converted" ? {} : { status: v.status }), lost_reason: orNull(v.lost_reason) }),
      };
    case "contacts":
      return {
        fields: [["name", "name", r.name], ["emails", "emails", r.emails.join(", ")], ["phones", "phones", r.phones.join(", ")],
          ["position", "job", r.position], ["tags", "tags", r.tags.join(", ")], ["address", "address", r.address],
          ["website", "website", r.website], ["birthday", "birthday", r.birthday, "date"]],
        body: (v) => ({ name: v.name, emails: split(v.emails), phones: split(v.phones), position: orNull(v.position), tags: split(v.tags),
          address: orNull(v.address), website: orNull(v.website), birthday: orNull(v.birthday) }),
      };
    case "companies":
      return {
        fields: [["name", "name", r.name], ["domains", "domains", r.domains.join(", ")], ["tags", "tags", r.tags.join(", ")],
          ["industry", "industry", r.industry], ["size", "size", r.size ?? "", SIZES.map((x) => [x, x || "—"])],
          ["address", "address", r.address], ["website", "website", r.website]],
        body: (v) => ({ name: v.name, domains: split(v.domains), tags: split(v.tags), industry: orNull(v.industry),
          size: orNull(v.size), address: orNull(v.address), website: orNull(v.website) }),
      };
    default:
      return {
        fields: [["title", "title", r.title], ["amount", "amount", r.amount], ["currency", "currency", r.currency],
          ["stage_id", "stage", r.stage_id, stages.map((st) => [st.id, `${st.name} (${st.probability}%)`])],
          ["lost_reason", "lost_reason", r.lost_reason]],
        body: (v) => ({ title: v.title, amount: orNull(v.amount), currency: v.currency, stage_id: Number(v.stage_id),
          lost_reason: orNull(v.lost_reason) }),
      };
  }
}

async function editForm(kind, record, custom, ctx) {
  const stages = kind === "deals" ? (await get(`/pipelines/${record.pipeline_id}`)).stages : [];
  const spec = editable(kind, record, stages);
  const controls = spec.fields.map(([name, label, value, options]) => field(name, t(label),
    Array.isArray(options) ? select(options, value) : input({ value: value ?? "", type: options === "date" ? "date" : "text" })));
  const customControls = custom.map((f) => field(f.key, f.label, customControl(f, (record.custom || {})[customKey(f)])));
  const el = form(h("div", { class: "row wrap" }, controls, customControls), t("save"), async (v) => {
    const body = spec.body(v);
    if (custom.length) body.custom = Object.fromEntries(custom.map((f) => [customKey(f), customValue(f, v[f.key])]));
    await patch(`/${kind}/${record.id}`, body);
    ctx.navigate(`/${kind}/${record.id}`);
  }, { id: "edit-form" });
  return h("details", { class: "edit" }, h("summary", {}, t("edit")), el);
}

const customKey = (f) => f.key.replace(/^custom\./, "");

/** A custom field's control in the edit form, by its type. */
function customControl(f, value) {
  if (f.type === "checkbox") return select([["", "—"], ["true", t("yes")], ["false", t("no")]], value === true ? "true" : value === false ? "false" : "");
  if (f.type === "single_choice") return select([["", "—"], ...f.options.map((o) => [o, o])], value ?? "");
  if (f.type === "multiple_choice") return input({ value: (value || []).join(", ") });
  if (f.type === "long_text") return h("textarea", { rows: 2 }, value ?? "");
  const type = { date: "date", number: "number", money: "number", url: "url", email: "email", phone: "tel" }[f.type] || "text";
  return input({ value: value ?? "", type, step: f.type === "money" ? "0.01" : f.type === "number" ? "any" : undefined });
}

/** The form's text for a custom field as the JSON value the API takes (empty clears it). */
function customValue(f, text) {
  if (text === undefined || text === "") return null;
  if (f.type === "checkbox") return text === "true";
  if (f.type === "multiple_choice") return split(text);
  if (f.type === "number" || f.type === "money") return Number(text);
  if (f.type === "user") return Number(text);
  return text;
}

/** A custom value as text on the card. */
function showCustom(f, value) {
  if (value === null || value === undefined) return null;
  if (f.type === "checkbox") return value ? t("yes") : t("no");
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

/** A linked record's name, for a card's references (a number when the caller may not see it). */
async function nameOf(kind, id) {
  try {
    const r = await get(`/${kind}/${id}`);
    return link(`#/${kind}/${id}`, r.name || r.title);
  } catch {
    return "#" + id;
  }
}

export async function render(main, ctx) {
  const kind = ctx.kind;
  const record = await get(`/${kind}/${ctx.id}`);
  // The owner as "mine", the open pool, or the colleague's name from the users directory.
  record.owner_label = ownerName(record.owner_id, ctx.user.id, await people().catch(() => null));
  if (record.company_id && kind !== "leads") record.company_link = await nameOf("companies", record.company_id);
  if (record.contact_id && kind === "deals") record.contact_link = await nameOf("contacts", record.contact_id);
  const title = record.name || record.title;
  // Custom fields in the admin's order, after the standard ones.
  const custom = (await get(`/record-fields?kind=${SINGULAR[kind]}`).catch(() => [])).filter((f) => f.custom);
  const rows = details(kind, record).map(([key, value]) => [t(key), value])
    .concat(custom.map((f) => [f.label, showCustom(f, (record.custom || {})[customKey(f)])]));
  const fields = h("dl", { class: "fields" }, rows.map(([label, value]) =>
    [h("dt", {}, label), h("dd", {}, value === null || value === undefined || value === "" ? "—" : value)]));
  const timeline = h("ol", { class: "timeline", id: "timeline" });
  const tasks = h("ul", { class: "tasks", id: "tasks" });
  const refresh = async () => {
    await Promise.all([loadTimeline(timeline, kind, ctx.id), loadTasks(tasks, kind, ctx.id)]);
  };
  clear(main,
    h("p", {}, link(`#/${kind}`, "← " + t(kind))),
    h("h1", { id: "record-title" }, title),
    await awaitingBanner(kind, ctx.id, ctx.user),
    h("div", { class: "card-grid" },
      h("section", { class: "card" }, h("h2", {}, t("fields")), fields,
        ctx.user.role === "marketing" ? null : await editForm(kind, record, custom, ctx),
        kind === "leads" && record.owner_id === null && ctx.user.role === "sales" ? takeButton(record, ctx) : null,
        kind === "leads" ? await convertForm(record, ctx) : null),
      h("section", { class: "card" }, h("h2", {}, t("tasks")), tasks, taskForm(kind, ctx.id, refresh)),
      ctx.user.role === "marketing" ? null : await sharesSection(kind, record, ctx),
      h("section", { class: "card wide" }, h("h2", {}, t("timeline")), noteForm(kind, ctx.id, refresh), timeline),
      auditSection(kind, ctx.id)));
  await refresh();
}

async function loadTimeline(list, kind, id) {
  const page = await get(`/${kind}/${id}/timeline`);
  clear(list, page.items.length ? page.items.map(item) : h("li", { class: "muted" }, t("empty")));
  let before = page.next_before;
  const older = h("button", { type: "button", id: "timeline-older", onclick: async () => {
    const next = await get(`/${kind}/${id}/timeline${query({ before })}`);
    older.parentElement.before(...next.items.map(item));
    before = next.next_before;
    if (!before) older.parentElement.remove();
  } }, t("more"));
  if (before) list.append(h("li", { class: "older" }, older));
}

function item(entry) {
  const when = h("time", { datetime: entry.at }, dateTime(entry.at));
  const label = h("span", { class: "kind" }, t("item_" + entry.kind));
  if (entry.kind === "email") {
    const subject = entry.mail_access === "metadata" ? t("subject_hidden") : (entry.text || t("no_subject"));
    return h("li", { class: "email", "data-message": entry.id }, when, label,
      link(`#/messages/${entry.id}`, subject, { class: "subject" }), entry.previous ? h("span", { class: "muted" }, entry.previous) : null);
  }
  if (entry.kind === "stage_change") {
    return h("li", { class: "stage" }, when, label, h("span", {}, `${entry.previous || "—"} → ${entry.text || "—"}`));
  }
  return h("li", { class: entry.kind }, when, label, h("span", { class: "text" }, entry.text || ""),
    entry.kind === "task" && entry.done ? h("span", { class: "muted" }, " ✓ " + t("task_done")) : null);
}

/** Who changed what: the record's audit log, loaded when opened. Values are shown as text (JSON for objects). */
function auditSection(kind, id) {
  const list = h("ol", { class: "audit", id: "audit" });
  const details = h("details", { class: "card wide", id: "audit-section" }, h("summary", {}, t("audit")), list);
  details.addEventListener("toggle", async () => {
    if (!details.open) return;
    try {
      const page = await get(`/${kind}/${id}/audit${query({ limit: 100 })}`);
      clear(list, page.items.map((entry) => h("li", {},
        h("time", { datetime: entry.at }, dateTime(entry.at)), " ", h("strong", {}, entry.action), " ",
        h("span", { class: "muted" }, entry.actor_email || "—"),
        h("ul", {}, entry.changes.map((c) => h("li", {}, `${c.field}: ${show(c.from)} → ${show(c.to)}`))))));
    } catch (e) {
      clear(list, h("li", { class: "form-error" }, e.message));
    }
  });
  return details;
}

const show = (value) => (value === null || value === undefined ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value));

async function loadTasks(list, kind, id) {
  const page = await get(`/tasks${query({ record_kind: SINGULAR[kind], record_id: id, limit: 100 })}`);
  clear(list, page.items.map((task) => {
    const status = h("span", { class: "status", "aria-live": "polite" });
    const box = h("input", { type: "checkbox", checked: task.done, id: "task-" + task.id });
    box.addEventListener("change", async () => {
      try {
        await patch(`/tasks/${task.id}`, { done: box.checked });
      } catch (e) {
        box.checked = !box.checked;
        notice(status, e);
      }
    });
    return h("li", { "data-task": task.id }, box, " ", h("label", { for: box.id }, task.title),
      task.due_at ? h("span", { class: "muted" }, ` — ${t("due")}: ${dateTime(task.due_at)}`) : null, " ", status);
  }));
}

function noteForm(kind, id, refresh) {
  return form([field("body", t("note_add"), h("textarea", { rows: 2, id: "note-body" }))], t("add"), async (v, el) => {
    await post("/notes", { record_kind: SINGULAR[kind], record_id: Number(id), body: v.body });
    el.reset();
    await refresh();
  }, { id: "note-form" });
}

function taskForm(kind, id, refresh) {
  return form([h("div", { class: "row" },
    field("title", t("task_add"), input({ id: "task-title" })),
    field("due_at", t("due"), input({ type: "date", id: "task-due" })))], t("add"), async (v, el) => {
    const body = { title: v.title, record_kind: SINGULAR[kind], record_id: Number(id) };
    // A date picked in the browser means the end of that working day where the user is.
    if (v.due_at) body.due_at = new Date(`${v.due_at}T18:00:00`).toISOString();
    await post("/tasks", body);
    el.reset();
    await refresh();
  }, { id: "task-form" });
}

/** A lead of the open pool: any salesperson may take it. */
function takeButton(lead, ctx) {
  const status = h("span", { class: "status", "aria-live": "polite" });
  return h("p", {}, h("button", { type: "button", id: "take-lead", onclick: async () => {
    try {
      await patch(`/leads/${lead.id}`, { owner_id: ctx.user.id });
      ctx.navigate(`/leads/${lead.id}`);
    } catch (e) {
      notice(status, e);
    }
  } }, t("take")), " ", status);
}

async function convertForm(lead, ctx) {
  if (lead.status === "converted") {
    return lead.contact_id ? h("p", {}, link(`#/contacts/${lead.contact_id}`, t("converted", { contact: "#" + lead.contact_id }))) : null;
  }
  const pipelines = await get("/pipelines");
  const withDeal = h("input", { type: "checkbox", name: "with_deal", id: "convert-deal" });
  return form([
    h("h3", {}, t("convert")),
    h("label", { class: "check" }, withDeal, " ", t("convert_deal")),
    field("pipeline_id", t("pipeline"), select(pipelines.map((p) => [p.id, p.name]), pipelines[0] && pipelines[0].id)),
  ], t("convert"), async (v) => {
    const body = v.with_deal ? { deal: { pipeline_id: Number(v.pipeline_id) } } : {};
    const result = await post(`/leads/${lead.id}/convert`, body);
    ctx.navigate(`/contacts/${result.contact_id}`);
  }, { id: "convert-form" });
}
