// The Outlook side panel in real headless Chromium (Debian's /usr/bin/chromium) against the real server.
// Only Office.js is stood in for: a small script in place of the official one provides Office.onReady and the
// mailbox item of a chosen mail. Run by tests/api/addin.rs, which starts the server and seeds the data (FIXTURE).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.MAILROOM_URL;
const FIXTURE = JSON.parse(process.env.MAILROOM_FIXTURE || "{}");
const ARTIFACTS = process.env.MAILROOM_ARTIFACTS || "test-artifacts/addin";
const OFFICE_JS = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js";
assert.ok(BASE, "MAILROOM_URL is set by tests/api/addin.rs");
mkdirSync(ARTIFACTS, { recursive: true });

// The stand-in for Office.js: the item comes from window.__mail, set before the page loads.
const STAND_IN = `
  window.Office = {
    CoercionType: { Text: "text", Html: "html" },
    context: {
      displayLanguage: (window.__mail && window.__mail.lang) || "en-US",
      mailbox: { item: window.__mail && window.__mail.item },
    },
    onReady(callback) { setTimeout(() => callback({ host: "Outlook" }), 0); return Promise.resolve({ host: "Outlook" }); },
  };
  if (window.__mail && window.__mail.item) {
    const body = window.__mail.body || "";
    window.__mail.item.body = { getAsync(type, cb) { cb({ status: "succeeded", value: body }); } };
  }
  // A mail being written (compose mode): recipients, subject and body behind Office.js's asynchronous calls; what
  // the pane puts in the mail is kept in window.__composed for the test to read.
  if (window.__mail && window.__mail.compose) {
    const c = window.__mail.compose;
    // The item outlives a page (Outlook's event runtime sees the mail the pane wrote in): kept in localStorage.
    const state = window.__composed = JSON.parse(localStorage.getItem("__composed") || "null")
      || { subject: c.subject || "", html: "", type: null, props: {} };
    const persist = () => localStorage.setItem("__composed", JSON.stringify(state));
    const ok = (cb, value) => cb({ status: "succeeded", value });
    window.Office.context.mailbox.item = {
      to: { getAsync(cb) { ok(cb, c.to); } },
      cc: { getAsync(cb) { ok(cb, []); } },
      subject: { getAsync(cb) { ok(cb, state.subject); }, setAsync(v, cb) { state.subject = v; persist(); ok(cb); } },
      body: {
        setSelectedDataAsync(data, options, cb) { state.html += data; state.type = options.coercionType; persist(); ok(cb); },
        getAsync(type, cb) { ok(cb, state.html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim()); },
      },
      loadCustomPropertiesAsync(cb) {
        ok(cb, { get: (k) => state.props[k], set: (k, v) => { state.props[k] = v; }, saveAsync(done) { persist(); ok(done); } });
      },
    };
    // Event-based activation: the handlers the runtime's script associates, for the test to call as Outlook would.
    window.Office.actions = { associate(name, fn) { (window.__handlers = window.__handlers || {})[name] = fn; } };
    window.Office.context.mailbox.userProfile = { emailAddress: c.from, displayName: "Ольга Смирнова" };
  }
`;

let browser;
before(async () => {
  const home = mkdtempSync(join(tmpdir(), "mailroom-chromium-"));
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
    env: { ...process.env, XDG_CONFIG_HOME: join(home, "config"), XDG_CACHE_HOME: join(home, "cache") },
  });
});
after(async () => { await browser?.close(); });

/** Opens the pane for a mail; returns the page and what it did (dialogs, requests, console errors). */
async function openPane(mail) {
  const context = await browser.newContext();
  const seen = { dialogs: [], foreign: [], errors: [] };
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url === OFFICE_JS) return route.fulfill({ contentType: "application/javascript", body: STAND_IN });
    if (url.startsWith(BASE)) return route.continue();
    seen.foreign.push(url);
    return route.abort();
  });
  await context.addInitScript((m) => { window.__mail = m; }, mail);
  const page = await context.newPage();
  page.on("dialog", (d) => { seen.dialogs.push(d.message()); d.dismiss(); });
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  await page.goto(BASE + "/addin/taskpane.html");
  return { page, seen, context };
}

function item({ from, to = [], cc = [], subject = "Тема", id = null }) {
  return { from, to, cc, subject, internetMessageId: id, dateTimeCreated: "2026-11-20T10:00:00Z" };
}

async function signIn(page) {
  await page.fill("#login-email", FIXTURE.email);
  await page.fill("#login-password", FIXTURE.password);
  await page.click("#signin-button");
}

async function api(path, options = {}) {
  const login = await fetch(BASE + "/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: FIXTURE.email, password: FIXTURE.password }) });
  const { token } = await login.json();
  const response = await fetch(BASE + path, { ...options, headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" } });
  return response.json();
}

test("a mail from a known contact shows company, deal and task", async () => {
  const { page, seen, context } = await openPane({ lang: "en-US", item: item({ from: { displayName: "Иван Петров", emailAddress: FIXTURE.contact_email } }) });
  await signIn(page);
  await page.waitForSelector("#person-name", { timeout: 10000 }).catch(async (e) => {
    throw new Error(e.message + " — status: " + (await page.textContent("#status")) + " — app: " + (await page.textContent("#app")));
  });
  assert.equal(await page.textContent("#person-name"), FIXTURE.contact_name);
  assert.match(await page.textContent("#company-name"), new RegExp(FIXTURE.company_name));
  assert.match(await page.textContent("#deals"), new RegExp(FIXTURE.deal_title));
  assert.match(await page.textContent("#tasks"), new RegExp(FIXTURE.task_title));
  assert.equal(await page.locator("#awaiting").count(), 0, "nothing of Иван's waits for a reply");
  // The reminder that fired before the pane opened: one unread notification, as the server counts it.
  assert.equal(await page.textContent("#unread"), "Notifications: 1 unread");
  assert.ok(await page.isVisible("#unread"));
  await page.screenshot({ path: join(ARTIFACTS, "known-contact.png"), fullPage: true });
  assert.deepEqual(seen.foreign, [], "the pane needs no other site");
  assert.deepEqual(seen.errors, []);
  await context.close();
});

test("a client's mail nobody answered in time shows under their name, in English and Russian", async () => {
  for (const [lang, words] of [["en-US", /^Awaiting our reply since .+, reply by .+ \(overdue\)$/], ["ru-RU", /^Ждёт нашего ответа с .+, ответить до .+ \(просрочено\)$/]]) {
    const mail = item({ from: { displayName: FIXTURE.waiting_name, emailAddress: FIXTURE.waiting_email } });
    const { page, seen, context } = await openPane({ lang, item: mail });
    await signIn(page);
    await page.waitForSelector("#awaiting", { timeout: 10000 });
    assert.equal(await page.textContent("#person-name"), FIXTURE.waiting_name);
    assert.match(await page.textContent("#awaiting"), words);
    assert.equal(await page.getAttribute("#awaiting", "class"), "overdue");
    assert.deepEqual(seen.errors, []);
    await context.close();
  }
});

test("the pane speaks Russian in a Russian Office and moves a deal's stage", async () => {
  const { page, context } = await openPane({ lang: "ru-RU", item: item({ from: { displayName: "Иван", emailAddress: FIXTURE.contact_email } }) });
  assert.equal(await page.textContent("#signin-button"), "Войти");
  await signIn(page);
  await page.waitForSelector("#deals select");
  await page.selectOption("#deals select", String(FIXTURE.next_stage_id));
  await page.click("#deals button");
  await page.waitForSelector("#status.ok");
  assert.equal(await page.textContent("#status"), "Сделка переведена.");
  const deal = await api("/api/v1/deals/" + FIXTURE.deal_id);
  assert.equal(deal.stage_id, FIXTURE.next_stage_id);
  await page.screenshot({ path: join(ARTIFACTS, "russian-stage-moved.png"), fullPage: true });
  await context.close();
});

test("an unknown sender is turned into a lead that the API then returns", async () => {
  const { page, context } = await openPane({ lang: "en-US", item: item({ from: { displayName: "Olga New", emailAddress: "olga.new@freshco.ru" } }) });
  await signIn(page);
  await page.waitForSelector("#unknown");
  assert.equal(await page.inputValue("#new-name"), "Olga New");
  assert.equal(await page.inputValue("#new-company"), "freshco.ru");
  await page.click("#create-lead");
  await page.waitForSelector("#person-name");
  assert.equal(await page.textContent("#person-name"), "Olga New");
  const leads = await api("/api/v1/leads?email=olga.new@freshco.ru");
  assert.equal(leads.items.length, 1);
  assert.equal(leads.items[0].name, "Olga New");
  await page.screenshot({ path: join(ARTIFACTS, "lead-created.png"), fullPage: true });
  await context.close();
});

test("a mail is logged and appears on the timeline, and a task is added", async () => {
  const mail = item({ from: { displayName: "Иван", emailAddress: FIXTURE.contact_email }, to: [{ displayName: "Sales", emailAddress: "sales@nordwind.ru" }],
    subject: "Счёт на оплату №42", id: "<outlook-42@client.example>" });
  const { page, context } = await openPane({ lang: "en-US", item: mail, body: "Добрый день! Прошу выставить счёт." });
  await signIn(page);
  await page.waitForSelector("#log-mail");
  await page.click("#log-mail");
  await page.waitForSelector("#logged");
  const timeline = await api(`/api/v1/contacts/${FIXTURE.contact_id}/timeline`);
  assert.ok(timeline.items.some((i) => i.kind === "email" && i.text === "Счёт на оплату №42"), JSON.stringify(timeline));
  await page.fill("#task-title", "Выставить счёт");
  await page.fill("#task-due", "2026-12-01");
  await page.click("#add-task");
  await page.waitForFunction(() => document.querySelector("#status").textContent === "Task added.");
  assert.match(await page.textContent("#tasks"), /Выставить счёт · 2026-12-01/);
  await page.fill("#note-text", "Звонил, ждёт счёт");
  await page.click("#add-note");
  await page.waitForFunction(() => document.querySelector("#history")?.textContent.includes("Звонил, ждёт счёт"));
  await page.screenshot({ path: join(ARTIFACTS, "mail-logged-task-added.png"), fullPage: true });
  await context.close();
});

test("at 360 px: history in words with subjects and direction, a task completed, a deal created", async () => {
  const mail = item({ from: { displayName: "Иван", emailAddress: FIXTURE.contact_email } });
  const { page, seen, context } = await openPane({ lang: "ru-RU", item: mail });
  await page.setViewportSize({ width: 360, height: 900 });
  await signIn(page);
  await page.waitForSelector("#history li.history-email");
  const mailLine = await page.textContent("#history li.history-email");
  assert.match(mailLine, /Письмо: ← входящее · Счёт на оплату №42/, "the mail logged earlier, as words");
  assert.match(await page.textContent("#history"), /Заметка: Звонил, ждёт счёт/);
  assert.doesNotMatch(await page.textContent("#history"), /\b(email|note|stage_change)\b/, "no raw codes");
  // Done: the task leaves the open tasks.
  const before = await page.locator("#tasks li.task").count();
  await page.check("#tasks li.task input[type=checkbox]");
  await page.waitForFunction(() => document.querySelector("#status").textContent === "Задача выполнена.");
  assert.equal(await page.locator("#tasks li.task").count(), before - 1);
  // A new deal for the contact.
  await page.click("#new-deal summary");
  await page.fill("#deal-title", "Сервисный договор");
  await page.fill("#deal-amount", "42000");
  await page.click("#create-deal");
  await page.waitForFunction(() => document.querySelector("#status").textContent === "Сделка создана.");
  assert.match(await page.textContent("#deals"), /Сервисный договор/);
  const deals = await api(`/api/v1/deals?q=${encodeURIComponent("Сервисный")}`);
  assert.equal(deals.items[0].contact_id, FIXTURE.contact_id);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), "nothing wider than the pane");
  await page.screenshot({ path: join(ARTIFACTS, "pane-360.png"), fullPage: true });
  await page.setViewportSize({ width: 450, height: 900 });
  await page.screenshot({ path: join(ARTIFACTS, "pane-450.png"), fullPage: true });
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.foreign, []);
  await context.close();
});

test("a lead converts to a contact from the pane, with a deal", async () => {
  const { page, context } = await openPane({ lang: "en-US", item: item({ from: { displayName: "Olga New", emailAddress: "olga.new@freshco.ru" } }) });
  await page.setViewportSize({ width: 320, height: 800 });
  await signIn(page);
  await page.waitForSelector("#convert-lead");
  assert.match(await page.textContent("#person-kind"), /^Lead \(new\)/);
  await page.check("#convert-deal");
  await page.click("#convert-lead");
  await page.waitForFunction(() => /^Contact/.test(document.querySelector("#person-kind")?.textContent || ""), null, { timeout: 10000 })
    .catch(async (e) => { throw new Error(e.message + " — status: " + (await page.textContent("#status")) + " — app: " + (await page.textContent("#app"))); });
  assert.equal(await page.locator("#convert-lead").count(), 0);
  assert.equal(await page.locator("#deals li.deal").count(), 1, "the deal opened with the conversion");
  const contacts = await api("/api/v1/contacts?email=olga.new@freshco.ru");
  assert.equal(contacts.items.length, 1);
  await page.screenshot({ path: join(ARTIFACTS, "lead-converted-320.png"), fullPage: true });
  await context.close();
});

test("compose: a CRM template rendered for the recipient goes into the mail, and the mail is logged to them when sent", async () => {
  const { page, seen, context } = await openPane({ lang: "ru-RU",
    compose: { to: [{ displayName: "Иван Петров", emailAddress: FIXTURE.contact_email }], from: FIXTURE.email, subject: "" } });
  await page.setViewportSize({ width: 360, height: 800 });
  await signIn(page);
  await page.waitForSelector("#compose-template option", { state: "attached" });
  assert.equal(await page.textContent("#person-name"), FIXTURE.contact_name);
  await page.selectOption("#compose-template", { label: FIXTURE.template_name });
  await page.click("#insert-template");
  await page.waitForFunction(() => document.querySelector("#status").textContent === "Шаблон вставлен.");
  const composed = await page.evaluate(() => window.__composed);
  assert.equal(composed.type, "html");
  assert.match(composed.html, new RegExp(`Здравствуйте, ${FIXTURE.contact_name}!`), "the recipient's name");
  assert.match(composed.html, /С уважением, Тестовый Пользователь/, "the owner's name");
  assert.equal(composed.subject, `Предложение для ${FIXTURE.company_name}`, "the subject, with their company");
  assert.equal(await page.locator("#app iframe, #app script, #app img").count(), 0, "nothing rendered into the pane itself");
  await page.screenshot({ path: join(ARTIFACTS, "compose-360.png"), fullPage: true });
  // Nothing is logged while the mail is written: the pane says where the mail goes when it is sent.
  assert.match(await page.textContent("#log-on-send"), new RegExp(`карточке: ${FIXTURE.contact_name}`));
  const subject = `Предложение для ${FIXTURE.company_name}`;
  const logged = async () => (await api(`/api/v1/contacts/${FIXTURE.contact_id}/timeline`)).items
    .filter((i) => i.kind === "email" && i.text === subject).length;
  assert.equal(await logged(), 0, "not logged before it is sent");
  // The send: Outlook's event runtime loads launchevent.html and calls the manifest's OnMessageSend handler.
  const runtime = await context.newPage();
  runtime.on("pageerror", (e) => seen.errors.push(String(e)));
  await runtime.goto(BASE + "/addin/launchevent.html");
  await runtime.waitForFunction(() => window.__handlers && window.__handlers.onMessageSendHandler);
  const send = () => runtime.evaluate(() => new Promise((resolve) => window.__handlers.onMessageSendHandler({ completed: resolve })));
  assert.deepEqual(await send(), { allowEvent: true }, "the send goes ahead");
  assert.equal(await logged(), 1, "logged to the contact as it was sent");
  // Signed out (no session left for the runtime): the mail still goes, and nothing is logged.
  await runtime.evaluate(() => localStorage.removeItem("mailroom.send_token"));
  assert.deepEqual(await send(), { allowEvent: true });
  assert.equal(await logged(), 1);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.foreign, []);
  await context.close();
});

test("an expired session goes back to sign-in with a clear message, and a server error is shown", async () => {
  const { page, context } = await openPane({ lang: "en-US", item: item({ from: { displayName: "X", emailAddress: FIXTURE.contact_email } }) });
  await page.evaluate(() => sessionStorage.setItem("mailroom.token", "expired.or.forged"));
  await page.reload();
  await page.waitForSelector("#signin");
  assert.equal(await page.textContent("#status"), "Your session has expired. Please sign in again.");
  await page.fill("#login-email", FIXTURE.email);
  await page.fill("#login-password", "wrong password");
  await page.click("#signin-button");
  await page.waitForFunction(() => document.querySelector("#status").textContent === "wrong e-mail or password");
  assert.equal(await page.getAttribute("#status", "class"), "error");
  await context.close();
});

test("a password an admin set is changed in the pane, which then signs in again and shows the card", async () => {
  const { page, seen, context } = await openPane({ lang: "en-US", item: item({ from: { displayName: "Иван Петров", emailAddress: FIXTURE.contact_email } }) });
  await page.fill("#login-email", FIXTURE.reset_email);
  await page.fill("#login-password", FIXTURE.reset_password);
  await page.click("#signin-button");
  await page.waitForSelector("#password-change");
  assert.equal(await page.textContent("#status"), "Set a new password before you go on.");
  assert.ok(await page.isHidden("#unread"), "no count before the password is changed");
  // Two different new passwords: said, nothing sent.
  await page.fill("#pw-current", FIXTURE.reset_password);
  await page.fill("#pw-new", "pavel-own-password-1");
  await page.fill("#pw-repeat", "pavel-own-password-2");
  await page.click("#pw-submit");
  await page.waitForFunction(() => document.querySelector("#status").textContent === "The new passwords differ.");
  // A wrong current password: the server's refusal, in the status line, the form still there.
  await page.fill("#pw-current", "not-the-password");
  await page.fill("#pw-repeat", "pavel-own-password-1");
  await page.click("#pw-submit");
  await page.waitForFunction(() => document.querySelector("#status").textContent === "The current password is wrong.");
  assert.equal(await page.getAttribute("#status", "class"), "error");
  assert.ok(await page.isVisible("#password-change"));
  await page.screenshot({ path: join(ARTIFACTS, "password-change.png"), fullPage: true });
  await page.fill("#pw-current", FIXTURE.reset_password);
  await page.click("#pw-submit");
  // The card (Pavel may not see Olga's contact: then the unknown-sender card), the form gone.
  await page.waitForSelector("#person, #unknown", { timeout: 10000 });
  assert.equal(await page.textContent("#status"), "Password changed.");
  assert.equal(await page.locator("#password-change").count(), 0);
  assert.equal(await page.textContent("#unread"), "Notifications: 0 unread");
  // The new password is the one that works now, the admin's no longer.
  const login = (password) => fetch(BASE + "/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: FIXTURE.reset_email, password }) }).then((r) => r.status);
  assert.equal(await login("pavel-own-password-1"), 200);
  assert.equal(await login(FIXTURE.reset_password), 401);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.dialogs, []);
  await context.close();
});

test("the user switches to another participant and turns them into a contact", async () => {
  const mail = item({ from: { displayName: "Иван", emailAddress: FIXTURE.contact_email },
    cc: [{ displayName: "Пётр Сидоров", emailAddress: "petr@client-corp.ru" }] });
  const { page, context } = await openPane({ lang: "en-US", item: mail });
  await signIn(page);
  await page.waitForSelector("#person-name");
  await page.selectOption("#participant", "1");
  await page.waitForSelector("#unknown");
  assert.equal(await page.inputValue("#new-name"), "Пётр Сидоров");
  assert.equal(await page.inputValue("#new-company"), FIXTURE.company_name, "the domain's company is suggested");
  await page.click("#create-contact");
  await page.waitForSelector("#person-name");
  assert.equal(await page.textContent("#person-name"), "Пётр Сидоров");
  assert.match(await page.textContent("#company-name"), new RegExp(FIXTURE.company_name));
  const contacts = await api("/api/v1/contacts?email=petr@client-corp.ru");
  assert.equal(contacts.items[0].company_id, FIXTURE.company_id);
  await page.screenshot({ path: join(ARTIFACTS, "other-participant-contact.png"), fullPage: true });
  await context.close();
});

test("hostile names and subjects execute nothing", async () => {
  const hostile = '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2;alert(2)</script>';
  const mail = item({ from: { displayName: hostile, emailAddress: "attacker@evil.example" }, subject: hostile, id: "<evil-1@evil.example>" });
  const { page, seen, context } = await openPane({ lang: "en-US", item: mail, body: hostile });
  await signIn(page);
  await page.waitForSelector("#unknown");
  await page.click("#create-lead");
  await page.waitForSelector("#person-name");
  assert.equal(await page.textContent("#person-name"), hostile, "shown as text");
  await page.click("#log-mail");
  await page.waitForSelector("#logged");
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(seen.dialogs, []);
  assert.equal(await page.locator("#app img, #app script, #app iframe").count(), 0, "no injected element");
  assert.ok(seen.foreign.every((u) => !u.includes("/x")), "no request for the injected image: " + seen.foreign);
  assert.deepEqual(seen.foreign, []);
  await page.screenshot({ path: join(ARTIFACTS, "hostile-input.png"), fullPage: true });
  await context.close();
});

test("the manifest is a mail add-in with a task pane on the server's URL", async () => {
  const page = await browser.newPage();
  await page.goto(BASE + "/addin/taskpane.html");
  const info = await page.evaluate(async (base) => {
    const text = await (await fetch("/addin/manifest.xml")).text();
    const xml = new DOMParser().parseFromString(text, "application/xml");
    const xsi = "http://www.w3.org/2001/XMLSchema-instance";
    const root = xml.documentElement;
    return {
      error: xml.getElementsByTagName("parsererror").length,
      type: root.getAttributeNS(xsi, "type"),
      permissions: xml.getElementsByTagName("Permissions")[0].textContent,
      source: xml.getElementsByTagName("SourceLocation")[0].getAttribute("DefaultValue"),
      unfilled: text.includes("{{BASE_URL}}"),
      forms: [...xml.getElementsByTagName("Form")].map((f) => f.getAttributeNS(xsi, "type")),
      surfaces: [...xml.getElementsByTagName("ExtensionPoint")].map((f) => f.getAttributeNS(xsi, "type")),
      launch: [...xml.getElementsByTagName("LaunchEvent")].map((e) => ({ type: e.getAttribute("Type"), fn: e.getAttribute("FunctionName") })),
      base,
    };
  }, BASE);
  assert.equal(info.error, 0);
  assert.equal(info.type, "MailApp");
  assert.equal(info.permissions, "ReadWriteItem", "compose mode writes the template into the mail");
  assert.deepEqual(info.forms, ["ItemRead", "ItemEdit"]);
  // VersionOverrides 1.0, then 1.1 (inside it) with the same surfaces and the send event.
  assert.deepEqual(info.surfaces, ["MessageReadCommandSurface", "MessageComposeCommandSurface",
    "MessageReadCommandSurface", "MessageComposeCommandSurface", "LaunchEvent"]);
  assert.deepEqual(info.launch, [{ type: "OnMessageSend", fn: "onMessageSendHandler" }]);
  assert.equal(info.source, BASE + "/addin/taskpane.html");
  assert.equal(info.unfilled, false);
  await page.close();
});
