// Sales: follow-up sequences (#/sequences). The list (mailbox, steps, enrolled / active / reply rate from each
// report), the editor (#/sequences/new, and Edit on a sequence's page), and a sequence's page: its report per step,
// the enrolments with their state, stop reason in words, next step due in the user's time zone and letters, and
// enrolling chosen contacts, a saved view or a segment.
import { get, post, del } from "./api.js";
import { h, clear, form, link, notice, table } from "./dom.js";
import { t, word } from "./i18n.js";
import * as editor from "./sequences_editor.js";
import { inZone, mailboxLabel, mailboxNames, recipientsPicker, skippedList, sourceUnsupported, userZone } from "./sequences_pickers.js";
import "./sequences_words.js";

const POLL_MS = 3000;
/** A table that scrolls sideways on a narrow screen, reachable by keyboard (a focusable, named region). */
const scroller = (label, el) => h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": label }, el);
const percent = (rate) => `${Math.round((rate || 0) * 1000) / 10}%`;

export async function render(main, ctx) {
  if (ctx.id === "new") return editor.render(main, ctx, null);
  if (ctx.id) return detail(main, ctx, Number(ctx.id));
  return drawList(main, "");
}

/** The list; `said` is what the last action reports (a deletion), kept over the redraw. */
async function drawList(main, said) {
  const list = await get("/sequences");
  const names = await mailboxNames(list.items);
  const reports = await Promise.all(list.items.map((s) => get(`/sequences/${s.id}/report`).catch(() => null)));
  const status = h("p", { class: "status", role: "status", id: "seq-list-status" }, said);
  const rows = list.items.map((s, i) => {
    const r = reports[i];
    return h("tr", { "data-sequence": s.id },
      h("td", {}, link(`#/sequences/${s.id}`, s.name), s.kind === "merge" ? h("span", { class: "tag" }, t("seq_kind_merge")) : null),
      h("td", {}, mailboxLabel(names, s.mailbox_id)), h("td", { class: "num" }, String(s.steps.length)),
      h("td", { class: "num", "data-stat": "enrolled" }, r ? String(r.enrolled) : "—"),
      h("td", { class: "num", "data-stat": "active" }, r ? String(r.active) : "—"),
      h("td", { class: "num", "data-stat": "replied" }, r ? `${r.replied} (${percent(r.reply_rate)})` : "—"),
      h("td", { class: "buttons" }, deleteButton(s, status, () => drawList(main, t("seq_deleted")))));
  });
  clear(main, h("h1", {}, t("sequences")), h("p", { class: "muted" }, t("seq_hint")),
    h("p", {}, link("#/sequences/new", t("seq_new"), { id: "sequence-new", class: "button-link" })), status,
    scroller(t("sequences"), table([t("seq_name"), t("seq_mailbox"), t("seq_steps"), t("seq_enrolled"), t("seq_active"),
      t("seq_replied"), t("actions")], rows, { id: "sequence-table" })));
}

/** "Delete" that asks first, in the page (a confirmation beside the button, not a browser dialog). */
function deleteButton(s, status, after) {
  const box = h("span", { class: "confirm" });
  const ask = () => clear(box, h("span", { role: "alert" }, t("seq_delete_confirm", { name: s.name }), " "),
    h("button", { type: "button", class: "small danger", "data-confirm-delete": s.id, onclick: async () => {
      try {
        await del(`/sequences/${s.id}`);
        status.textContent = t("seq_deleted");
        await after();
      } catch (error) {
        notice(status, error);
      }
    } }, t("delete")), " ",
    h("button", { type: "button", class: "small", onclick: () => clear(box, start()) }, t("cancel")));
  const start = () => h("button", { type: "button", class: "small danger", "data-delete": s.id, "aria-label": `${t("seq_delete")}: ${s.name}`,
    onclick: ask }, t("delete"));
  return clear(box, start());
}

async function detail(main, ctx, id) {
  const [s, zone] = await Promise.all([get(`/sequences/${id}`), userZone()]);
  const names = await mailboxNames([s]);
  const status = h("p", { class: "status", role: "status", id: "seq-status" });
  const reportBox = h("div", { id: "seq-report" });
  const enrolmentsBox = h("div", { id: "seq-enrolments" });
  const refresh = async () => {
    const [report, list] = await Promise.all([get(`/sequences/${id}/report`), get(`/sequences/${id}/enrolments`)]);
    drawReport(reportBox, report);
    drawEnrolments(enrolmentsBox, list.items, zone);
    return list.items;
  };
  const enrol = await enrolForm(id, refresh);
  clear(main, h("p", {}, link("#/sequences", t("back"))),
    h("h1", { id: "seq-title" }, s.name),
    h("p", { class: "muted" }, `${t("seq_mailbox")}: ${mailboxLabel(names, s.mailbox_id)} · ${t("seq_steps")}: ${s.steps.length}`),
    h("div", { class: "buttons" }, h("button", { type: "button", id: "seq-edit", onclick: () => editor.render(main, ctx, s) }, t("edit")),
      deleteButton(s, status, () => ctx.navigate("/sequences"))),
    status,
    h("section", { class: "card" }, h("h2", {}, t("seq_report")), reportBox),
    h("section", { class: "card" }, h("h2", {}, t("seq_enrol")), enrol),
    h("section", { class: "card" }, h("h2", {}, t("seq_enrolments")), enrolmentsBox));
  await refresh();
  // Letters go out in the background: the page follows them while it is open.
  while (reportBox.isConnected) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (!reportBox.isConnected) break;
    await refresh().catch(() => {});
  }
}

function drawReport(box, r) {
  const tile = (key, value) => h("div", { class: "tile", "data-stat": key }, h("span", { class: "tile-value" }, String(value)),
    h("span", { class: "tile-label" }, t(key)));
  // The per-step reply, bounce and unsubscribe counts come with a newer server: their columns show when it answers.
  const extra = ["replied", "bounced", "unsubscribed"].filter((k) => r.steps.some((step) => k in step));
  const rows = r.steps.map((step) => h("tr", { "data-report-step": step.step },
    h("th", { scope: "row" }, t("seq_step", { n: step.step })),
    h("td", { class: "num", "data-stat": "sent" }, String(step.sent)), h("td", { class: "num", "data-stat": "uncertain" }, String(step.uncertain)),
    h("td", { class: "num", "data-stat": "failed" }, String(step.failed)),
    extra.map((k) => h("td", { class: "num", "data-stat": k }, String(step[k])))));
  clear(box, h("div", { class: "tiles" }, tile("seq_enrolled", r.enrolled), tile("seq_active", r.active), tile("seq_finished", r.finished),
    tile("seq_replied", `${r.replied} (${percent(r.reply_rate)})`), tile("seq_bounced", r.bounced), tile("seq_unsubscribed", r.unsubscribed)),
  scroller(t("seq_report"), table([t("seq_step_col"), t("seq_sent"), t("seq_uncertain"), t("seq_failed"),
    ...extra.map((k) => t("seq_" + k))], rows, { id: "seq-report-table" })));
}

function drawEnrolments(box, items, zone) {
  const letters = (e) => (e.letters.length ? h("ul", { class: "letters" }, e.letters.map((l) => h("li", { "data-letter": l.step, "data-state": l.state },
    t("seq_letter", { step: l.step, state: word("ls_", l.state) }), l.sent_at ? ` · ${inZone(l.sent_at, zone)}` : "",
    l.subject ? ` · ${l.subject}` : "", l.filed_in_sent ? ` · ${t("seq_in_sent")}` : "", l.error ? ` · ${l.error}` : ""))) : "—");
  const heads = [t("seq_address"), t("seq_state"), t("seq_stop_reason"), t("seq_next"), t("seq_due", { zone }), t("seq_letters")];
  // Each cell carries its column's name: a phone shows a row as a stack of labelled lines (sequences.css).
  const cell = (i, attrs, ...content) => h("td", { ...attrs, "data-label": heads[i] }, ...content);
  const rows = items.map((e) => h("tr", { "data-enrolment": e.id, "data-state": e.state },
    cell(0, {}, e.address), cell(1, { class: "state" }, word("es_", e.state)),
    cell(2, { class: "stop-reason" }, e.stop_reason ? word("sr_", e.stop_reason) : "—"),
    cell(3, { class: "next" }, e.next_step ? t("seq_step", { n: e.next_step }) : "—"),
    cell(4, { class: "due" }, inZone(e.next_due_at, zone)), cell(5, {}, letters(e))));
  clear(box, scroller(t("seq_enrolments"), table(heads, rows, { id: "enrolment-table", class: "stacking" })));
}

async function enrolForm(id, refresh) {
  const picker = await recipientsPicker("enrol");
  const outcome = h("div", { id: "enrol-outcome", role: "status" });
  return h("div", {}, form([picker.el], t("seq_enrol"), async () => {
    const body = picker.read();
    clear(outcome);
    let answer;
    try {
      answer = await post(`/sequences/${id}/enrolments`, body);
    } catch (error) {
      if (sourceUnsupported(error, body)) throw Object.assign(new Error(t("seq_source_missing")), { field: "source" });
      throw error;
    }
    const names = picker.names();
    const enrolled = Array.isArray(answer.enrolled) ? answer.enrolled.length : Number(answer.enrolled) || 0;
    await refresh();
    clear(outcome, h("p", { id: "enrolled-count" }, t("seq_enrolled_n", { n: enrolled })), skippedList(answer.skipped, names));
    if (picker.source() === "contacts") picker.reset();
  }, { id: "enrol-form" }), outcome);
}

