// The compose-mode pane (manifest: MessageComposeCommandSurface): while a mail is written, insert a CRM template
// rendered by the server for the recipient (their name, company, owner fields) and log the mail to their record.
// Everything received is put in the mail through Office.js (setSelectedDataAsync), never into this page as HTML.
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

  function section(card, pane) {
    const { el, t, api, act } = pane;
    const item = pane.item();
    const person = card.person;
    const select = el("select", { id: "compose-template" });
    const insert = el("button", { id: "insert-template", type: "button", onclick: () => act(async () => {
      const letter = await api("POST", "/api/v1/addin/templates/" + select.value + "/render", { contact_id: person.id });
      await call(item.body.setSelectedDataAsync.bind(item.body), letter.html, { coercionType: Office.CoercionType.Html });
      const subject = await call(item.subject.getAsync.bind(item.subject));
      if (!subject) await call(item.subject.setAsync.bind(item.subject), letter.subject);
    }, t("inserted")) }, t("insert"));
    const log = el("button", { id: "log-composed", type: "button", onclick: () => act(async () => {
      const address = (r) => ({ name: r.name || null, address: r.email });
      const to = await recipients(item);
      const profile = Office.context.mailbox.userProfile || {};
      await api("POST", "/api/v1/messages/log", {
        record_kind: person.kind, record_id: person.id, internet_message_id: null,
        subject: (await call(item.subject.getAsync.bind(item.subject))) || "",
        from: profile.emailAddress ? { name: profile.displayName || null, address: profile.emailAddress } : null,
        to: to.map(address), cc: [], date: new Date().toISOString(),
        body_text: await call(item.body.getAsync.bind(item.body), Office.CoercionType.Text),
      });
      await pane.refresh();
    }, t("mailLogged")) }, t("logSent"));
    const box = el("section", { id: "compose" }, el("h3", {}, t("template")));
    if (person.kind !== "contact") {
      box.append(el("p", { class: "muted", id: "compose-not-contact" }, t("notContact")));
    } else {
      box.append(el("label", { for: "compose-template" }, t("template")), select, insert);
      act(async () => {
        const list = await api("GET", "/api/v1/addin/templates");
        list.items.forEach((x) => select.append(el("option", { value: String(x.id) }, x.name)));
        insert.disabled = list.items.length === 0;
      });
    }
    box.append(log);
    return box;
  }

  window.MailroomCompose = { recipients, section };
})();
