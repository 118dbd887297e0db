// The notification bell in the header (the unread count, asked for every 30 s and on every page change) and the
// notifications page: each reminder with its task and record, marked read one by one or all at once.
import { get, post } from "./api.js";
import { h, clear, dateTime, link, notice } from "./dom.js";
import { t } from "./i18n.js";

const POLL_MS = 30000;
const PLURAL = { lead: "leads", contact: "contacts", company: "companies", deal: "deals" };
let timer = null;

/** Shows the bell (signed in) or hides it (signed out, or on the password page), and asks for the count now. */
export function showBell(signedIn) {
  const bell = document.getElementById("bell");
  bell.hidden = !signedIn;
  clearInterval(timer);
  timer = null;
  if (!signedIn) return;
  timer = setInterval(refreshBell, POLL_MS);
  refreshBell();
}

/** Asks the server for the unread count; a failed poll leaves the last count (the next one tries again). */
export async function refreshBell() {
  try {
    const { unread } = await get("/notifications/unread");
    drawCount(unread);
  } catch {
    // Signed out meanwhile (the API sends the user to sign in) or the server is away: nothing to draw.
  }
}

function drawCount(unread) {
  const bell = document.getElementById("bell");
  const count = document.getElementById("bell-count");
  count.textContent = String(unread);
  count.hidden = unread === 0;
  bell.dataset.unread = String(unread);
  // The name a screen reader hears is the visible text plus a hidden word ("Notifications 1 unread"), so it
  // starts with what is shown (axe's label-content-name-mismatch).
  const word = document.getElementById("bell-unread");
  word.textContent = unread ? " " + t("bell_unread") : "";
  document.getElementById("bell-word").textContent = t("notifications");
}

export async function render(main, ctx) {
  const feed = await get("/notifications?limit=50");
  drawCount(feed.unread);
  const status = h("p", { class: "status", role: "status", id: "notifications-status" });
  const act = (action) => async () => {
    try {
      const answer = await action();
      drawCount(answer.unread);
      ctx.navigate("/notifications");
    } catch (e) {
      notice(status, e);
    }
  };
  const records = await Promise.all(feed.items.map((n) => recordOf(n.task_id)));
  const rows = feed.items.map((n, i) => h("li", { "data-notification": n.id, class: n.read_at ? "read" : "unread" },
    h("span", { class: "note-title" }, n.read_at ? n.title : h("strong", {}, n.title)), " ",
    h("span", { class: "muted" }, t("reminder_at"), " ", h("time", { datetime: n.created_at }, dateTime(n.created_at))), " ",
    link("#/tasks", t("my_tasks")), " ",
    // The e-mail copy is worth a word only when it did not surely go out.
    n.mail === "failed" || n.mail === "uncertain"
      ? h("span", { class: "mail-warn", "data-mail": n.mail, title: n.mail_error || "" }, t("mail_" + n.mail)) : null, " ",
    records[i] ? link(`#/${PLURAL[records[i].kind]}/${records[i].id}`, `${t("item_" + records[i].kind)} #${records[i].id}`) : null, " ",
    n.read_at ? h("span", { class: "muted" }, t("read_done"))
      : h("button", { type: "button", class: "small", "data-read": n.id, "aria-label": `${t("mark_read")}: ${n.title}`,
        onclick: act(() => post(`/notifications/${n.id}/read`)) }, t("mark_read"))));
  clear(main, h("h1", {}, t("notifications")),
    h("div", { class: "actions" }, h("button", { type: "button", id: "read-all", disabled: feed.unread === 0,
      onclick: act(() => post("/notifications/read-all")) }, t("mark_all_read"))),
    status,
    rows.length ? h("ul", { class: "notifications", id: "notifications" }, rows) : h("p", { class: "muted", id: "notifications" }, t("no_notifications")));
}

/** The record a task belongs to, when the caller may still read the task. */
async function recordOf(taskId) {
  if (!taskId) return null;
  try {
    const task = await get(`/tasks/${taskId}`);
    return task.record_kind && task.record_id ? { kind: task.record_kind, id: task.record_id } : null;
  } catch {
    return null;
  }
}
