// The compose-mode pane (manifest: MessageComposeCommandSurface): while a mail is written, insert a CRM template
// rendered by the server for the recipient, a contact or a lead (their name, company, owner fields). The mail is
// logged to that record when it is sent, not here: the pane notes the record on the item (a custom property) and
// leaves its API token in the add-in's shared storage for launchevent.js (LaunchEvent OnMessageSend), so a mail that
// is written and then discarded is never logged. Everything received goes into the mail through Office.js
// (setSelectedDataAsync), never into this page as HTML.
(function () {
  "use strict";

  // Office.js callbacks as promises.
  function call(fn, ...args) {
    return new Promise((resolve, reject) => fn(...args, (result) => {
      if (result && result.status === "failed") reject(new Error((result.error && result.error.message) || "Office.js"));
      else resolve(result ? result.value : undefined);
    }));
  }

  async function recipients(item) {
    const seen = new Set();
    const list = [];
    for (const field of [item.to, item.cc]) {
      if (!field || !field.getAsync) continue;
      for (const r of (await call(field.getAsync.bind(field))) || []) {
        const key = (r.emailAddress || "").toLowerCase();
        if (!key || seen.has(key)) continue;
        seen.add(key);
        list.push({ email: r.emailAddress, name: r.displayName || "" });
      }
    }
    return list;
  }

  // This pane's own words (strings.js holds the shared ones).
  const WORDS = {
    en: { logOnSend: "This mail will be logged to {name}'s record when you send it." },
    ru: { logOnSend: "При отправке письмо сохранится в карточке: {name}." },
  };
  function word(key, name) {
    const lang = /^ru/i.test((Office.context && Office.context.displayLanguage) || "") ? "ru" : "en";
    return WORDS[lang][key].replace("{name}", name);
  }

  // What launchevent.js reads (the same names there): the session's token, and the item's custom property.
  const SEND_TOKEN = "mailroom.send_token";
  const RECORD = "mailroom_record";

  /** Notes on the item which record its mail goes to, and hands the session to the send event's runtime. */
  async function logOnSend(item, person) {
    const token = sessionStorage.getItem("mailroom.token");
    if (!token) return;
    // OfficeRuntime.storage is shared with the event runtime; localStorage (same origin) where it is absent.
    if (typeof OfficeRuntime !== "undefined" && OfficeRuntime.storage) await OfficeRuntime.storage.setItem(SEND_TOKEN, token);
    else localStorage.setItem(SEND_TOKEN, token);
    if (!item.loadCustomPropertiesAsync) return;
    const props = await call(item.loadCustomPropertiesAsync.bind(item));
    props.set(RECORD, JSON.stringify({ kind: person.kind, id: person.id }));
    await call(props.saveAsync.bind(props));
  }

  function section(card, pane) {
    const { el, t, api, act } = pane;
    const item = pane.item();
    const person = card.person;
    const select = el("select", { id: "compose-template" });
    const insert = el("button", { id: "insert-template", type: "button", onclick: () => act(async () => {
      const recipient = person.kind === "lead" ? { lead_id: person.id } : { contact_id: person.id };
      const letter = await api("POST", "/api/v1/addin/templates/" + select.value + "/render", recipient);
      await call(item.body.setSelectedDataAsync.bind(item.body), letter.html, { coercionType: Office.CoercionType.Html });
      const subject = await call(item.subject.getAsync.bind(item.subject));
      if (!subject) await call(item.subject.setAsync.bind(item.subject), letter.subject);
    }, t("inserted")) }, t("insert"));
    const box = el("section", { id: "compose" }, el("h3", {}, t("template")));
    box.append(el("label", { for: "compose-template" }, t("template")), select, insert);
    act(async () => {
      const list = await api("GET", "/api/v1/addin/templates");
      list.items.forEach((x) => select.append(el("option", { value: String(x.id) }, x.name)));
      insert.disabled = list.items.length === 0;
    });
    box.append(el("p", { class: "muted", id: "log-on-send" }, word("logOnSend", person.name || person.email)));
    act(() => logOnSend(item, person));
    return box;
  }

  window.MailroomCompose = { recipients, section };
})();
