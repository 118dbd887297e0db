// Sales: my open tasks — overdue, today, later, undated — each done with a tick or moved to another day.
import { get, patch, query } from "./api.js";
import { h, clear, dateTime, link, notice } from "./dom.js";
import { t } from "./i18n.js";

const PLURAL = { lead: "leads", contact: "contacts", company: "companies", deal: "deals" };

export async function render(main, ctx) {
  const page = await get(`/tasks${query({ assignee_id: ctx.user.id, done: false, limit: 200 })}`);
  const now = new Date();
  const endOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  const groups = { overdue: [], today: [], later: [], undated: [] };
  for (const task of page.items) {
    const due = task.due_at ? new Date(task.due_at) : null;
    const group = !due ? "undated" : due < now ? "overdue" : due < endOfToday ? "today" : "later";
    groups[group].push(task);
  }
  clear(main, h("h1", {}, t("my_tasks")),
    Object.entries(groups).map(([name, tasks]) => h("section", { class: "card", "data-group": name },
      h("h2", {}, `${t("tasks_" + name)} (${tasks.length})`),
      tasks.length ? h("ul", { class: "tasks" }, tasks.map((task) => row(task, ctx))) : h("p", { class: "muted" }, t("empty")))));
}

function row(task, ctx) {
  const status = h("span", { class: "status", "aria-live": "polite" });
  const box = h("input", { type: "checkbox", id: "my-task-" + task.id });
  box.addEventListener("change", async () => {
    try {
      await patch(`/tasks/${task.id}`, { done: box.checked });
      ctx.navigate("/tasks");
    } catch (e) {
      box.checked = !box.checked;
      notice(status, e);
    }
  });
  const day = h("input", { type: "date", "aria-label": `${t("reschedule")}: ${task.title}`,
    value: task.due_at ? localDate(new Date(task.due_at)) : undefined });
  day.addEventListener("change", async () => {
    try {
      // A day picked in the browser means the end of that working day where the user is.
      await patch(`/tasks/${task.id}`, { due_at: day.value ? new Date(`${day.value}T18:00:00`).toISOString() : null });
      ctx.navigate("/tasks");
    } catch (e) {
      notice(status, e);
    }
  });
  const record = task.record_kind && task.record_id
    ? link(`#/${PLURAL[task.record_kind]}/${task.record_id}`, `${t("item_" + task.record_kind)} #${task.record_id}`) : null;
  return h("li", { "data-task": task.id }, box, " ", h("label", { for: box.id }, task.title), " ",
    task.due_at ? h("span", { class: "muted" }, dateTime(task.due_at)) : null, " ", day, " ", record, " ", status);
}

function localDate(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
