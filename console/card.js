// Sales: one record's card — its fields, the timeline (mail as its subject, in text), notes, tasks, and for a lead
// the conversion into a contact (and optionally a deal).
import { get, post, patch, query } from "./api.js";
import { h, clear, field, form, input, select, dateTime, link, notice } from "./dom.js";
import { t, word } from "./i18n.js";

const SINGULAR = { leads: "lead", contacts: "contact", companies: "company", deals: "deal" };

/** The fields each kind shows, as [label key, value]. */
function details(kind, r) {
  switch (kind) {
    case "leads":
      return [["status", word("st_", r.status)], ["email", r.email], ["phone", r.phone], ["company_name", r.company_name],
        ["domains", r.domain_hint], ["owner", r.owner_id === null ? t("pool") : "#" + r.owner_id], ["created", dateTime(r.created_at)]];
    case "contacts":
      return [["emails", r.emails.join(", ")], ["phones", r.phones.join(", ")], ["job", r.position], ["tags", r.tags.join(", ")],
        ["company", r.company_id ? link(`#/companies/${r.company_id}`, "#" + r.company_id) : null], ["created", dateTime(r.created_at)]];
    case "companies":
      return [["domains", r.domains.join(", ")], ["tags", r.tags.join(", ")], ["created", dateTime(r.created_at)]];
    default:
      return [["amount", r.amount ? `${r.amount} ${r.currency}` : null], ["stage", r.stage_name], ["status", word("kind_", r.status)],
        ["probability", r.probability], ["contacts", r.contact_id ? link(`#/contacts/${r.contact_id}`, "#" + r.contact_id) : null],
        ["company", r.company_id ? link(`#/companies/${r.company_id}`, "#" + r.company_id) : null]];
  }
}

export async function render(main, ctx) {
  const kind = ctx.kind;
  const record = await get(`/${kind}/${ctx.id}`);
  const title = record.name || record.title;
  const fields = h("dl", { class: "fields" }, details(kind, record).map(([key, value]) =>
    [h("dt", {}, t(key)), h("dd", {}, value === null || value === undefined || value === "" ? "—" : value)]));
  const timeline = h("ol", { class: "timeline", id: "timeline" });
  const tasks = h("ul", { class: "tasks", id: "tasks" });
  const refresh = async () => {
    await Promise.all([loadTimeline(timeline, kind, ctx.id), loadTasks(tasks, kind, ctx.id)]);
  };
  clear(main,
    h("p", {}, link(`#/${kind}`, "← " + t(kind))),
    h("h1", { id: "record-title" }, title),
    h("div", { class: "card-grid" },
      h("section", { class: "card" }, h("h2", {}, t("fields")), fields, kind === "leads" ? await convertForm(record, ctx) : null),
      h("section", { class: "card" }, h("h2", {}, t("tasks")), tasks, taskForm(kind, ctx.id, refresh)),
      h("section", { class: "card wide" }, h("h2", {}, t("timeline")), noteForm(kind, ctx.id, refresh), timeline)));
  await refresh();
}

async function loadTimeline(list, kind, id) {
  const page = await get(`/${kind}/${id}/timeline`);
  clear(list, page.items.length ? page.items.map(item) : h("li", { class: "muted" }, t("empty")));
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

async function convertForm(lead, ctx) {
  if (lead.status === "converted") {
    return lead.contact_id ? h("p", {}, link(`#/contacts/${lead.contact_id}`, t("converted", { contact: "#" + lead.contact_id }))) : null;
  }
  const pipelines = await get("/pipelines");
  const withDeal = h("input", { type: "checkbox", name: "with_deal", id: "convert-deal" });
  return form([
    h("label", { class: "check" }, withDeal, " ", t("convert_deal")),
    field("pipeline_id", t("pipeline"), select(pipelines.map((p) => [p.id, p.name]), pipelines[0] && pipelines[0].id)),
  ], t("convert"), async (v) => {
    const body = v.with_deal ? { deal: { pipeline_id: Number(v.pipeline_id) } } : {};
    const result = await post(`/leads/${lead.id}/convert`, body);
    ctx.navigate(`/contacts/${result.contact_id}`);
  }, { id: "convert-form" });
}
