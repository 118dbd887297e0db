// One message as the caller may read it. Text is shown as text. HTML is shown only inside an iframe with an empty
// `sandbox` (no scripts, forms, popups or navigation of the console, an opaque origin) whose srcdoc document
// inherits the console's CSP (nothing remote loads) and carries its own stricter one as well.
import { get } from "./api.js";
import { h, clear, dateTime } from "./dom.js";
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
    body, html);
}

function htmlView(source) {
  const place = h("div", { class: "mail-html" });
  const show = h("button", { type: "button", id: "show-html", onclick: () => {
    const frame = h("iframe", { sandbox: "", referrerpolicy: "no-referrer", title: t("mail"), id: "mail-frame", loading: "lazy" });
    // srcdoc, not innerHTML: the mail is parsed in the sandboxed frame's own document, never in the console's.
    frame.srcdoc = FRAME_POLICY + source;
    clear(place, h("p", { class: "hint" }, t("html_note")), frame);
  } }, t("show_html"));
  place.append(show);
  return place;
}
