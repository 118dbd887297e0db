// Logs a mail to the recipient's CRM record as it is sent: the manifest's event-based activation (LaunchEvent
// OnMessageSend) runs `onMessageSendHandler` in Outlook's event runtime. The record is the one the compose pane
// showed (kept on the item as a custom property), else the first recipient the CRM knows; the API token is the one
// the compose pane left in the add-in's shared storage. A send is never held back: whatever happens, the mail goes.
(function () {
  "use strict";

  const TOKEN = "mailroom.send_token";
  const RECORD = "mailroom_record";
  // The event runtime of Outlook on the web loads launchevent.html from the server, so paths are the server's; the
  // JavaScript-only runtime of classic Outlook on Windows has no page origin (a known limit: it logs nothing there).
  const BASE = typeof location !== "undefined" && /^https?:/.test(location.protocol) ? location.origin : "";

  // OfficeRuntime.storage is shared by the add-in's task pane and event runtimes; localStorage where it is absent.
  function storage() {
    if (typeof OfficeRuntime !== "undefined" && OfficeRuntime.storage) return OfficeRuntime.storage;
    return {
      getItem: async (k) => localStorage.getItem(k),
      setItem: async (k, v) => localStorage.setItem(k, v),
      removeItem: async (k) => localStorage.removeItem(k),
    };
  }

  function call(fn, ...args) {
    return new Promise((resolve, reject) => fn(...args, (result) => {
      if (result && result.status === "failed") reject(new Error((result.error && result.error.message) || "Office.js"));
      else resolve(result ? result.value : undefined);
    }));
  }

  async function api(token, method, path, body) {
    const headers = { Accept: "application/json", Authorization: "Bearer " + token };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(path + ": " + response.status + " " + text);
    return text ? JSON.parse(text) : null;
  }

  async function addresses(field) {
    if (!field || !field.getAsync) return [];
    const list = (await call(field.getAsync.bind(field))) || [];
    return list.filter((r) => r && r.emailAddress).map((r) => ({ name: r.displayName || null, address: r.emailAddress }));
  }

  /** The record the compose pane chose for this mail, if it did. */
  async function chosenRecord(item) {
    if (!item.loadCustomPropertiesAsync) return null;
    const props = await call(item.loadCustomPropertiesAsync.bind(item));
    const raw = props && props.get(RECORD);
    try {
      const record = raw ? JSON.parse(raw) : null;
      return record && record.kind && Number.isInteger(record.id) ? record : null;
    } catch {
      return null;
    }
  }

  /** Logs the item being sent; answers what it did ("logged", "signed-out", "unknown"), for the test and the log. */
  async function logSent(item) {
    const token = await storage().getItem(TOKEN);
    if (!token) return "signed-out";
    const to = await addresses(item.to);
    const cc = await addresses(item.cc);
    let record = await chosenRecord(item);
    for (const r of record ? [] : [...to, ...cc]) {
      const card = await api(token, "GET", "/api/v1/lookup?" + new URLSearchParams({ email: r.address }).toString());
      if (card.person) {
        record = { kind: card.person.kind, id: card.person.id };
        break;
      }
    }
    if (!record) return "unknown";
    const profile = Office.context.mailbox.userProfile || {};
    await api(token, "POST", "/api/v1/messages/log", {
      record_kind: record.kind, record_id: record.id, internet_message_id: null,
      subject: (await call(item.subject.getAsync.bind(item.subject))) || "",
      from: profile.emailAddress ? { name: profile.displayName || null, address: profile.emailAddress } : null,
      to, cc, date: new Date().toISOString(),
      body_text: await call(item.body.getAsync.bind(item.body), Office.CoercionType.Text),
    });
    return "logged";
  }

  async function onMessageSendHandler(event) {
    let outcome;
    try {
      outcome = await logSent(Office.context.mailbox.item);
    } catch (error) {
      outcome = "failed: " + (error && error.message);
    }
    if (typeof console !== "undefined") console.info("mailroom: on send,", outcome);
    event.completed({ allowEvent: true });
  }

  if (typeof Office !== "undefined" && Office.actions) Office.actions.associate("onMessageSendHandler", onMessageSendHandler);
  if (typeof window !== "undefined") window.MailroomSend = { TOKEN, RECORD, storage, logSent, onMessageSendHandler };
})();
