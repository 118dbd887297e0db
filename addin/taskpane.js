// Mailroom side panel for Outlook. Everything from a mail or a record is shown with textContent / text nodes:
// nothing received is ever parsed as HTML or executed.
(function () {
  "use strict";

  const STRINGS = window.MAILROOM_STRINGS;

  let lang = "en";
  let item = null;
  let participants = [];
  let current = null;
  let composing = false;
  // The add-in's single sign-on settings (GET /api/v1/addin/config), null when there are none.
  let sso = null;
  let ssoAt = 0;
  const TOKEN = "mailroom.token";

  const t = (key) => STRINGS[lang][key] || STRINGS.en[key] || key;
  const $ = (id) => document.getElementById(id);

  // Builds an element; children that are strings become text nodes, never markup.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "onclick" || key === "onchange") node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function status(message, kind) {
    const box = $("status");
    box.textContent = message || "";
    box.className = kind || "";
  }

  class Expired extends Error {}
  // The server wants a new password first (the start-up or an admin-set one): it answers 403 to all but /me.
  class MustChangePassword extends Error {}

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN);
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (response.status === 401 && path !== "/api/v1/auth/login") {
      sessionStorage.removeItem(TOKEN);
      throw new Expired(t("expired"));
    }
    const code = data && data.error && data.error.code;
    if (response.status === 403 && code === "password_change_required") throw new MustChangePassword(data.error.message);
    if (!response.ok) {
      throw Object.assign(new Error((data && data.error && data.error.message) || response.statusText), { code, field: data && data.error && data.error.field });
    }
    return data;
  }

  // Runs an action and shows its outcome; an expired session goes back to sign-in.
  async function act(work, done) {
    try {
      await work();
      if (done) status(done, "ok");
    } catch (error) {
      // Office's token expired (an hour): ask Office for a fresh one rather than for a password.
      // Never twice in a minute, so a token the server keeps refusing cannot loop.
      if (error instanceof Expired) return sso && Date.now() - ssoAt > 60000 ? trySso() : showSignIn(error.message);
      if (error instanceof MustChangePassword) return showPasswordChange();
      status(error.message, "error");
    }
  }

  function showSignIn(message) {
    $("signout").hidden = true;
    $("unread").hidden = true;
    status(message || "", message ? "error" : "");
    const email = el("input", { id: "login-email", type: "email", autocomplete: "username" });
    const password = el("input", { id: "login-password", type: "password", autocomplete: "current-password" });
    const form = el("form", { id: "signin" },
      el("label", { for: "login-email" }, t("email")), email,
      el("label", { for: "login-password" }, t("password")), password,
      el("button", { type: "submit", id: "signin-button" }, t("signIn")));
    if (sso) {
      form.prepend(el("button", { type: "button", id: "sso-button", onclick: () => trySso() }, t("ssoButton")),
        el("p", { class: "muted" }, t("or")));
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(async () => {
        const answer = await api("POST", "/api/v1/auth/login", { email: email.value, password: password.value });
        sessionStorage.setItem(TOKEN, answer.token);
        status("");
        await showCard();
      });
    });
    $("app").replaceChildren(form);
  }

  // The password change the server asks for: taskpane.password.js draws the form and signs in again after it.
  function showPasswordChange() {
    $("unread").hidden = true;
    window.MailroomPassword.show(pane, (token) => sessionStorage.setItem(TOKEN, token));
  }

  // The count of unread notifications (task reminders) beside the header; a failed ask leaves it hidden. False when
  // the password form is shown instead.
  async function showUnread() {
    const badge = $("unread");
    try {
      const { unread } = await api("GET", "/api/v1/notifications/unread");
      badge.textContent = t("unread").replace("{n}", unread);
      badge.dataset.unread = String(unread);
      badge.hidden = false;
    } catch (error) {
      badge.hidden = true;
      if (error instanceof MustChangePassword) {
        await showPasswordChange();
        return false;
      }
      if (error instanceof Expired) throw error;
    }
    return true;
  }

  // Nested app authentication: the token Office gives becomes the session; on failure the password form, with why.
  async function trySso() {
    ssoAt = Date.now();
    status(t("ssoSigningIn"));
    $("app").replaceChildren();
    try {
      sessionStorage.setItem(TOKEN, await window.MailroomSso.signIn(sso));
      status("");
      await showCard();
    } catch (error) {
      sessionStorage.removeItem(TOKEN);
      showSignIn(error.unavailable ? t("ssoUnavailable") : t("ssoFailed") + " " + error.message.replace(/[.!]?$/, ".") + " " + t("ssoPassword"));
    }
  }

  function collectParticipants() {
    const seen = new Set();
    const list = [];
    const add = (p) => {
      if (!p || !p.emailAddress) return;
      const key = p.emailAddress.toLowerCase();
      if (seen.has(key)) return;
      seen.add(key);
      list.push({ email: p.emailAddress, name: p.displayName || "" });
    };
    add(item.from);
    (item.to || []).forEach(add);
    (item.cc || []).forEach(add);
    return list;
  }

  async function showCard() {
    $("signout").hidden = false;
    // The count first: it also finds out whether the server wants a new password (or a new sign-in) first.
    let go = false;
    await act(async () => { go = await showUnread(); });
    if (!go) return;
    if (!item || !current) {
      $("app").replaceChildren(window.MailroomSearch.section(pane), el("p", { class: "muted" }, t(composing ? "noRecipient" : "noItem")));
      return;
    }
    if (!current) current = participants[0];
    $("app").replaceChildren(el("p", { class: "muted" }, t("loading")));
    await act(async () => {
      const query = new URLSearchParams({ email: current.email, name: current.name });
      if (item.internetMessageId) query.set("message_id", item.internetMessageId);
      const card = await api("GET", "/api/v1/lookup?" + query.toString());
      render(card);
      if (card.person) await awaitingLine(card.person);
    });
  }

  // Client mail from this person that nobody answered yet (GET /awaiting-reply?record=…), as a line under their name.
  // A refused ask (marketing may not read the list) or an error shows nothing: the card is complete without it.
  async function awaitingLine(person) {
    let answer = null;
    try {
      answer = await api("GET", "/api/v1/awaiting-reply?record=" + encodeURIComponent(person.kind + ":" + person.id));
    } catch (error) {
      if (error instanceof Expired) throw error;
      return;
    }
    const first = answer && answer.items && answer.items[0];
    const kind = $("person-kind");
    if (!first || !kind) return;
    const when = (at) => new Date(at).toLocaleString(lang === "ru" ? "ru-RU" : "en-GB", { dateStyle: "short", timeStyle: "short" });
    const text = t("awaitingSince").replace("{since}", when(first.received_at)).replace("{due}", when(first.due_at));
    kind.after(el("div", { id: "awaiting", role: "status", class: first.overdue ? "overdue" : "muted" },
      text + (first.overdue ? " (" + t("awaitingOverdue") + ")" : "")));
  }

  function switcher() {
    const select = el("select", { id: "participant", onchange: (e) => { current = participants[Number(e.target.value)]; showCard(); } });
    participants.forEach((p, i) => {
      const option = el("option", { value: String(i) }, p.name ? p.name + " <" + p.email + ">" : p.email);
      if (p === current) option.selected = true;
      select.append(option);
    });
    return el("section", {}, el("label", { for: "participant" }, t("participant")), select);
  }

  function personSection(card) {
    const p = card.person;
    if (!p) return unknownSection(card);
    const owner = p.owner_name || (p.owner_id ? "#" + p.owner_id : t("pool"));
    return el("section", { id: "person" },
      el("h2", { id: "person-name" }, p.name),
      el("div", { class: "muted", id: "person-kind" }, (p.kind === "lead" ? t("lead") + (p.status ? " (" + t("status_" + p.status) + ")" : "") : t("contact")) + " · " + p.email),
      p.position ? el("div", {}, t("position") + ": " + p.position) : null,
      p.phones && p.phones.length ? el("div", {}, t("phones") + ": " + p.phones.join(", ")) : null,
      el("div", {}, t("owner") + ": " + owner),
      card.company ? el("div", { id: "company-name" }, t("company") + ": " + card.company.name) : null);
  }

  function unknownSection(card) {
    const s = card.suggestion;
    const name = el("input", { id: "new-name", value: s.name });
    const company = el("input", { id: "new-company", value: s.company_name || s.domain || "" });
    const createLead = el("button", { id: "create-lead", type: "button", onclick: () => act(async () => {
      await api("POST", "/api/v1/leads", { name: name.value, email: card.email, company_name: company.value || null });
      await showCard();
    }, t("leadCreated")) }, t("createLead"));
    const createContact = el("button", { id: "create-contact", type: "button", onclick: () => act(async () => {
      await api("POST", "/api/v1/contacts", { name: name.value, emails: [card.email], company_id: s.company_id });
      await showCard();
    }, t("contactCreated")) }, t("createContact"));
    return el("section", { id: "unknown" },
      el("h2", {}, t("unknown")), el("div", { class: "muted" }, card.email),
      el("label", { for: "new-name" }, t("name")), name,
      el("label", { for: "new-company" }, t("company")), company,
      card.can_write ? el("div", { class: "row" }, createLead, createContact) : null);
  }

  function tasksSection(card) {
    const items = card.open_tasks.map((task) => {
      const box = el("input", { type: "checkbox", id: "task-done-" + task.id, "data-task": String(task.id), onchange: () => act(async () => {
        await api("PATCH", "/api/v1/tasks/" + task.id, { done: true });
        await showCard();
      }, t("taskDone")) });
      return el("li", { class: "task" }, el("label", { for: "task-done-" + task.id, class: "check" }, box, " ",
        task.title + (task.due_at ? " · " + task.due_at.slice(0, 10) : "")));
    });
    return el("section", { id: "tasks" }, el("h3", {}, t("tasks")), items.length ? el("ul", {}, items) : el("div", { class: "muted" }, t("none")));
  }

  // A timeline item in words: its kind, and for mail the subject and whether it came from the person or went to them.
  function historyText(entry, card) {
    if (entry.kind === "email") {
      const incoming = (entry.previous || "").toLowerCase() === (card.email || "").toLowerCase();
      const subject = entry.text || (entry.mail_access === "metadata" ? t("subjectHidden") : t("noSubject"));
      return [el("span", { class: "direction " + (incoming ? "in" : "out") }, (incoming ? "← " : "→ ") + t(incoming ? "mail_in" : "mail_out")), " · ",
        el("span", { class: "subject" }, subject)];
    }
    if (entry.kind === "stage_change") return (entry.text || "") + (entry.previous ? " (" + t("was") + ": " + entry.previous + ")" : "");
    return entry.text || "";
  }

  function historySection(card) {
    const items = card.timeline.map((entry) => el("li", { class: "history-" + entry.kind },
      el("span", { class: "when" }, (entry.at || "").slice(0, 10)), " · ", el("strong", { class: "kind" }, t("kind_" + entry.kind)), ": ",
      historyText(entry, card)));
    return el("section", { id: "history" }, el("h3", {}, t("history")), items.length ? el("ul", {}, items) : el("div", { class: "muted" }, t("none")));
  }

  function actionsSection(card) {
    const p = card.person;
    const note = el("textarea", { id: "note-text", rows: "2" });
    const addNote = el("button", { id: "add-note", type: "button", onclick: () => act(async () => {
      await api("POST", "/api/v1/notes", { record_kind: p.kind, record_id: p.id, body: note.value });
      await showCard();
    }, t("noteAdded")) }, t("addNote"));
    const title = el("input", { id: "task-title" });
    const due = el("input", { id: "task-due", type: "date" });
    const addTask = el("button", { id: "add-task", type: "button", onclick: () => act(async () => {
      const body = { title: title.value, record_kind: p.kind, record_id: p.id };
      if (due.value) body.due_at = due.value + "T09:00:00Z";
      await api("POST", "/api/v1/tasks", body);
      await showCard();
    }, t("taskAdded")) }, t("addTask"));
    const log = card.mail.linked
      ? el("div", { id: "logged", class: "muted" }, t("logged"))
      : el("button", { id: "log-mail", type: "button", onclick: () => act(() => logMail(card), t("mailLogged")) }, t("logMail"));
    return el("section", { id: "actions" }, log,
      el("label", { for: "note-text" }, t("note")), note, addNote,
      el("label", { for: "task-title" }, t("task")), title,
      el("label", { for: "task-due" }, t("due")), due, addTask);
  }

  function bodyText() {
    return new Promise((resolve) => {
      if (!item.body || !item.body.getAsync) return resolve("");
      item.body.getAsync(Office.CoercionType.Text, (result) => resolve(result && result.status !== "failed" ? result.value : ""));
    });
  }

  async function logMail(card) {
    const p = card.person;
    const address = (x) => ({ name: x.displayName || null, address: x.emailAddress });
    const body = { record_kind: p.kind, record_id: p.id, internet_message_id: item.internetMessageId || null };
    if (!card.mail.id) {
      body.subject = item.subject || "";
      body.from = item.from ? address(item.from) : null;
      body.to = (item.to || []).map(address);
      body.cc = (item.cc || []).map(address);
      body.date = item.dateTimeCreated ? new Date(item.dateTimeCreated).toISOString() : null;
      body.body_text = await bodyText();
    }
    await api("POST", "/api/v1/messages/log", body);
    await showCard();
  }

  function render(card) {
    const parts = [window.MailroomSearch.section(pane), switcher(), personSection(card)];
    if (composing && card.person) parts.push(window.MailroomCompose.section(card, pane));
    if (card.person && card.person.kind === "lead" && card.person.status !== "converted" && card.can_write) parts.push(window.MailroomDeals.convert(card, pane));
    if (card.person) parts.push(window.MailroomDeals.section(card, pane), tasksSection(card), historySection(card), composing ? null : actionsSection(card));
    $("app").replaceChildren(...parts);
  }

  function start() {
    const display = (Office.context && Office.context.displayLanguage) || navigator.language || "en";
    lang = display.toLowerCase().startsWith("ru") ? "ru" : "en";
    document.documentElement.lang = lang;
    $("signout").textContent = t("signOut");
    $("signout").addEventListener("click", () => { sessionStorage.removeItem(TOKEN); showSignIn(); status(t("signedOut"), "ok"); });
    item = Office.context && Office.context.mailbox ? Office.context.mailbox.item : null;
    // A mail being written: its recipients are read asynchronously (Office.js compose API).
    composing = Boolean(item && item.to && typeof item.to.getAsync === "function");
    const go = async () => {
      current = participants[0] || null;
      if (sessionStorage.getItem(TOKEN)) return showCard();
      sso = await window.MailroomSso.config();
      if (sso) trySso();
      else showSignIn();
    };
    if (composing) {
      window.MailroomCompose.recipients(item).then((list) => { participants = list; go(); });
    } else {
      participants = item ? collectParticipants() : [];
      go();
    }
  }

  // What compose.js and taskpane.deals.js need from here.
  const pane = { api: (...a) => api(...a), act: (...a) => act(...a), el: (...a) => el(...a), t: (k) => t(k), item: () => item, refresh: () => showCard(),
    status: (...a) => status(...a), Expired };

  Office.onReady(start);
})();
