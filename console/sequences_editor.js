// A sequence's editor: name and mailbox, the steps (a template or own subject and body with a field picker, the
// delay in calendar or working days, "send as a reply", attachments), the sending window, limits and stop options.
// Settings this server does not answer back yet are named after saving, so nobody believes in a limit not applied.
import { post, put } from "./api.js";
import { h, clear, field, form, input, select, link } from "./dom.js";
import { t } from "./i18n.js";
import { attachmentsPicker, customFields, fieldPicker, mailboxNames, mailboxPicker, optional } from "./sequences_pickers.js";
import "./sequences_words.js";

const DEFAULT_WINDOW = { start: "09:00", end: "18:00", days: [1, 2, 3, 4, 5], holidays: [] };
const blankStep = (first) => ({ subject: "", body: first ? "{{contact.name}},\n\n" : "", delay: { days: first ? 0 : 3 }, as_reply: !first });

/** IANA zones the browser knows, the user's own first. */
function zones() {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set(["UTC", own, "Europe/Moscow", ...all].filter(Boolean))];
}

export async function render(main, ctx, existing) {
  const [sequences, templates, custom] = await Promise.all([
    optional("/sequences", { items: [] }), optional("/addin/templates", { items: [] }), customFields()]);
  const names = await mailboxNames(sequences.items);
  const s = existing || { name: "", mailbox_id: null, steps: [blankStep(true), blankStep(false)], window: DEFAULT_WINDOW,
    time_zone: null, stop_on_company_reply: false };
  const status = h("p", { class: "status", role: "status", id: "seq-status" });
  const name = input({ id: "seq-name", value: s.name, required: true });
  const mailbox = mailboxPicker(names, s.mailbox_id, "seq-mailbox");
  const steps = stepsEditor(s.steps, templates.items, custom);
  const settings = settingsEditor(s, custom);
  const edit = form([
    field("name", t("seq_name"), name), mailbox.el,
    h("h2", {}, t("seq_steps")), steps.el,
    settings.el,
  ], t("save"), async () => {
    const body = { name: name.value, mailbox_id: mailbox.read(), steps: steps.read(), ...settings.read() };
    const saved = existing ? await put(`/sequences/${existing.id}`, body) : await post("/sequences", body);
    const ignored = notApplied(body, saved);
    status.textContent = ignored.length ? `${t("seq_saved")} ${t("seq_ignored", { what: ignored.join(", ") })}` : t("seq_saved");
    if (!existing) ctx.navigate(`/sequences/${saved.id}`);
  }, { id: "sequence-form" });
  clear(main, h("h1", {}, existing ? `${t("seq_edit")}: ${existing.name}` : t("seq_new")),
    h("p", {}, link(existing ? `#/sequences/${existing.id}` : "#/sequences", t("back"))), status,
    h("section", { class: "card" }, edit));
}

/** What the body asked for that the saved answer does not carry (an older server ignores unknown settings). */
function notApplied(body, saved) {
  const out = [];
  const words = { limit_per_hour: "seq_limit_hour", limit_per_day: "seq_limit_day", wait_for_return: "seq_wait_return",
    recipient_time_zone_field: "seq_zone_field" };
  for (const [key, label] of Object.entries(words)) {
    if (body[key] !== undefined && body[key] !== null && body[key] !== false && !(key in saved)) out.push(t(label));
  }
  const attached = body.steps.some((step) => step.attachment_ids && step.attachment_ids.length);
  if (attached && !(saved.steps || []).some((step) => "attachments" in step)) out.push(t("seq_attachments"));
  return out;
}

/** The steps, redrawn whole on add, remove and move so their names (`steps[i].subject`) match the API's errors. */
function stepsEditor(initial, templates, custom) {
  const box = h("div", { id: "seq-steps" });
  let editors = [];
  const draw = (list) => {
    editors = list.map((step, i) => stepEditor(step, i, list.length, templates, custom, {
      remove: () => draw(readAll().filter((_, j) => j !== i)),
      move: (by) => {
        const all = readAll(true);
        const [moved] = all.splice(i, 1);
        all.splice(i + by, 0, moved);
        draw(all);
      },
    }));
    clear(box, editors.map((e) => e.el),
      h("button", { type: "button", id: "seq-step-add", onclick: () => draw([...readAll(true), blankStep(false)]) }, t("seq_step_add")));
  };
  // `keep` also keeps a step's attachments' names, for redrawing.
  const readAll = (keep = true) => editors.map((e) => e.read(keep));
  draw(initial.length ? initial : [blankStep(true)]);
  return { el: box, read: () => editors.map((e) => e.read(false)) };
}

function stepEditor(step, i, count, templates, custom, actions) {
  const key = (f) => `steps[${i}].${f}`;
  const id = (f) => `seq-step-${i}-${f}`;
  const own = !step.template_id;
  const source = select([["own", t("seq_source_own")], ...(templates.length ? [["template", t("seq_source_template")]] : [])],
    own ? "own" : "template", { id: id("source") });
  const template = select(templates.map((x) => [x.id, x.name]), step.template_id || "", { id: id("template") });
  const subject = input({ id: id("subject"), value: step.subject || "" });
  const body = h("textarea", { id: id("body"), rows: 6, value: step.body || "" });
  const delayKind = "working_days" in (step.delay || {}) ? "working_days" : "days";
  const delayN = input({ type: "number", min: 0, max: 365, id: id("delay"), value: String(step.delay ? step.delay[delayKind] : 0) });
  const delayUnit = select([["days", t("seq_delay_days")], ["working_days", t("seq_delay_working")]], delayKind,
    { id: id("delay-unit"), "aria-label": t("seq_delay") });
  const asReply = h("input", { type: "checkbox", id: id("reply"), checked: i > 0 && step.as_reply, disabled: i === 0 });
  const files = attachmentsPicker(step.attachments, id("files"));
  const subjectField = field(key("subject"), t(i > 0 ? "seq_reply_subject" : "seq_subject"), subject);
  const ownPart = h("div", {}, subjectField, fieldPicker(subject, custom, id("subject-field")),
    field(key("body"), t("seq_body"), body), fieldPicker(body, custom, id("field")));
  const templatePart = field(key("template_id"), t("seq_template"), template);
  const sync = () => {
    ownPart.hidden = source.value !== "own";
    templatePart.hidden = source.value === "own";
  };
  source.addEventListener("change", sync);
  sync();
  const tools = h("div", { class: "buttons step-tools" },
    i > 0 ? h("button", { type: "button", class: "small", onclick: () => actions.move(-1) }, t("seq_step_up")) : null,
    i < count - 1 ? h("button", { type: "button", class: "small", onclick: () => actions.move(1) }, t("seq_step_down")) : null,
    count > 1 ? h("button", { type: "button", class: "small danger", id: id("remove"), onclick: actions.remove }, t("seq_step_remove")) : null);
  const el = h("fieldset", { class: "step", "data-step": i + 1 }, h("legend", {}, t("seq_step", { n: i + 1 })),
    field(key("source"), t("seq_source"), source), ownPart, templatePart,
    h("div", { class: "row delay" }, field(key("delay"), t("seq_delay"), delayN), delayUnit,
      h("span", { class: "hint" }, t(i === 0 ? "seq_delay_hint_first" : "seq_delay_hint"))),
    h("label", { class: "check" }, asReply, " ", t("seq_as_reply")),
    h("div", { "data-error-for": key("as_reply"), class: "field-error", role: "alert" }),
    files.el, tools);
  const read = (keep) => {
    const out = { delay: { [delayUnit.value]: Math.max(0, Number(delayN.value) || 0) }, as_reply: i > 0 && asReply.checked };
    if (source.value === "template") out.template_id = Number(template.value);
    else {
      if (subject.value.trim()) out.subject = subject.value;
      out.body = body.value;
    }
    const ids = files.ids();
    // A step that had attachments sends its list even when emptied, so removing the last one is saved.
    if (ids.length || step.attachments) out.attachment_ids = ids;
    if (keep) {
      out.subject = out.subject ?? subject.value;
      out.body = out.body ?? body.value;
      out.attachments = ids.map((a) => (step.attachments || []).find((x) => x.id === a) || { id: a, name: String(a), size: 0 });
    }
    return out;
  };
  return { el, read };
}

/** The sending window, its time zone (or a record field's), limits and stop options. */
function settingsEditor(s, custom) {
  const w = s.window || DEFAULT_WINDOW;
  const start = input({ id: "seq-window-start", value: w.start, pattern: "\\d{1,2}:\\d{2}", placeholder: "09:00" });
  const end = input({ id: "seq-window-end", value: w.end, pattern: "\\d{1,2}:\\d{2}", placeholder: "18:00" });
  const days = [1, 2, 3, 4, 5, 6, 7].map((d) => h("input", { type: "checkbox", value: d, id: `seq-day-${d}`, checked: w.days.includes(d) }));
  const holidays = input({ id: "seq-holidays", value: (w.holidays || []).join(", "), placeholder: "2027-01-01, 2027-01-07" });
  const zone = select([["", t("seq_zone_default")], ...zones().map((z) => [z, z])], s.time_zone || "", { id: "seq-zone" });
  const zoneField = select([["", t("seq_zone_field_none")], ...custom.map((f) => [f.key, `${f.label} (custom.${f.key})`])],
    s.recipient_time_zone_field || "", { id: "seq-zone-field" });
  const perHour = input({ type: "number", min: 1, id: "seq-limit-hour", value: s.limit_per_hour ?? "" });
  const perDay = input({ type: "number", min: 1, id: "seq-limit-day", value: s.limit_per_day ?? "" });
  const company = h("input", { type: "checkbox", id: "seq-stop-company", checked: s.stop_on_company_reply });
  const waitReturn = h("input", { type: "checkbox", id: "seq-wait-return", checked: Boolean(s.wait_for_return) });
  const el = h("div", {},
    h("fieldset", { id: "seq-window" }, h("legend", {}, t("seq_window")),
      h("div", { class: "row" }, field("window.start", t("seq_window_start"), start), field("window.end", t("seq_window_end"), end)),
      h("fieldset", { class: "checks" }, h("legend", {}, t("seq_window_days")),
        days.map((box, i) => h("label", { class: "check" }, box, " ", t("wd_" + (i + 1))))),
      h("div", { "data-error-for": "window.days", class: "field-error", role: "alert" }),
      field("window.holidays", t("seq_holidays"), holidays),
      h("div", { class: "row" }, field("time_zone", t("seq_time_zone"), zone), field("recipient_time_zone_field", t("seq_zone_field"), zoneField))),
    h("fieldset", { id: "seq-limits" }, h("legend", {}, t("seq_limits")),
      h("div", { class: "row" }, field("limit_per_hour", t("seq_limit_hour"), perHour), field("limit_per_day", t("seq_limit_day"), perDay))),
    h("fieldset", { id: "seq-stops" }, h("legend", {}, t("seq_stops")), h("p", { class: "hint" }, t("seq_stop_always")),
      h("label", { class: "check" }, company, " ", t("seq_stop_company")),
      h("label", { class: "check" }, waitReturn, " ", t("seq_wait_return"))));
  // A setting goes in the body when set, or when the sequence already carries it (so it can be cleared).
  const has = (key) => key in s;
  const read = () => {
    const out = {
      window: { start: start.value.trim(), end: end.value.trim(), days: days.filter((b) => b.checked).map((b) => Number(b.value)),
        holidays: holidays.value.split(",").map((x) => x.trim()).filter(Boolean) },
      time_zone: zone.value || null, stop_on_company_reply: company.checked,
    };
    const number = (el) => (el.value ? Number(el.value) : null);
    if (perHour.value || has("limit_per_hour")) out.limit_per_hour = number(perHour);
    if (perDay.value || has("limit_per_day")) out.limit_per_day = number(perDay);
    if (waitReturn.checked || has("wait_for_return")) out.wait_for_return = waitReturn.checked;
    if (zoneField.value || has("recipient_time_zone_field")) out.recipient_time_zone_field = zoneField.value || null;
    return out;
  };
  return { el, read };
}

