// A mailbox's sync as the admin watches it: "sync now" starts it in the background and a progress bar follows
// GET /mailboxes/{id}/sync (folder, messages and bytes done of those known so far) until it is done or failed.
import { get, post } from "./api.js";
import { h, clear } from "./dom.js";
import { t, errorText } from "./i18n.js";

const POLL_MS = 400;

function megabytes(bytes) {
  return (bytes / 1048576).toFixed(1);
}

/** Draws the progress into `slot`: a <progress> with words beside it. */
function draw(slot, p) {
  const max = Math.max(p.messages_total, 1);
  const bar = h("progress", { max, value: p.messages_done, "aria-label": t("mb_progress_label") });
  const words = t("mb_progress", {
    folder: p.folder || "…", done: p.messages_done, total: p.messages_total,
    mb_done: megabytes(p.bytes_done), mb_total: megabytes(p.bytes_total),
  });
  clear(slot, bar, h("span", { class: "progress-words" }, words));
  slot.hidden = false;
}

/** Follows a running sync until it ends; `ended(progress)` gets the final state. Stops when the slot leaves the
 *  page (another page was opened). */
export async function follow(id, slot, ended) {
  for (;;) {
    if (!slot.isConnected) return;
    let progress;
    try {
      progress = await get(`/mailboxes/${id}/sync`);
    } catch (error) {
      return ended({ state: "failed", error });
    }
    if (progress.state !== "running") return ended(progress);
    draw(slot, progress);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Starts a background sync and follows it. */
export async function start(id, slot, ended) {
  const progress = await post(`/mailboxes/${id}/sync/start`);
  draw(slot, progress);
  return follow(id, slot, ended);
}

/** What a finished sync says in the page's status line. */
export function outcome(progress) {
  if (progress.state === "done" && progress.report) {
    return { text: t("mb_synced", { fetched: progress.report.fetched, new: progress.report.new_messages }) };
  }
  const error = progress.error || {};
  return { error: error instanceof Error ? error : { code: error.code, message: error.message }, text: errorText(error) };
}
