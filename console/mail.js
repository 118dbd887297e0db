// One message as the caller may read it. Text is shown as text. HTML is shown only inside an iframe with an empty
// `sandbox` (no scripts, forms, popups or navigation of the console, an opaque origin) whose srcdoc document
// inherits the console's CSP (nothing remote loads) and carries its own stricter one as well.
import { get, download } from "./api.js";
import { h, clear, dateTime, notice } from "./dom.js";
import { t } from "./i18n.js";

const FRAME_POLICY = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">";

export async function render(main, ctx) {
  const m = await get(`/messages/${ctx.id}`);
  const people = (role) => m.participants.filter((p) => p.role === role).map((p) => (p.name ? `${p.name} <${p.address}>` : p.address)).join(", ");
  const body = m.text_body
    ? h("pre", { class: "mail-text", id: "mail-text" }, m.text_body)
    : h("p", { class: "muted" }, m.access === "full" ? t("empty") : t("no_body"));
  const html = m.html_body ? htmlView(m.html_body) : null;
  clear(main,
    h("p", {}, h("button", { type: "button", onclick: () => history.back() }, "← " + t("back"))),
    h("h1", { id: "mail-subject" }, m.subject || (m.access === "metadata" ? t("subject_hidden") : t("no_subject"))),
    h("dl", { class: "fields" },
      h("dt", {}, t("from")), h("dd", {}, people("from") || m.from_address || "—"),
      h("dt", {}, t("to")), h("dd", {}, people("to") || "—"),
      h("dt", {}, t("date")), h("dd", {}, dateTime(m.sent_at || m.received_at))),
    body, html, attachments(m));
}

/** Attachments download through the API (the token is a header, so no plain link can do it): fetched as a Blob and
 *  saved under its name, never opened in the console. */
function attachments(m) {
  if (!m.attachments.length) return null;
  const status = h("p", { class: "status", role: "status" });
  const items = m.attachments.map((a) => h("li", {}, h("button", { type: "button", class: "attachment", onclick: async () => {
    try {
      const blob = await download(`/messages/${m.id}/attachments/${a.index}`);
      const url = URL.createObjectURL(new Blob([blob], { type: "application/octet-stream" }));
      const save = h("a", { href: url, download: a.filename || `attachment-${a.index}` });
      document.body.append(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      notice(status, e);
    }
  } }, a.filename || `#${a.index}`), h("span", { class: "muted" }, ` ${a.content_type}, ${Math.ceil(a.size / 1024)} KB`)));
  return h("section", { class: "card" }, h("h2", {}, t("attachments")), h("ul", { class: "attachments" }, items), status);
}

function htmlView(source) {
  const place = h("div", { class: "mail-html" });
  const show = h("button", { type: "button", id: "show-html", onclick: () => {
    const frame = h("iframe", { sandbox: "", referrerpolicy: "no-referrer", title: t("mail"), id: "mail-frame" });
    // srcdoc, not innerHTML: the mail is parsed in the sandboxed frame's own document, never in the console's.
    frame.srcdoc = FRAME_POLICY + source;
    clear(place, h("p", { class: "hint" }, t("html_note")), frame);
  } }, t("show_html"));
  place.append(show);
  return place;
}
