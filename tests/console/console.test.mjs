// The web console in real headless Chromium (Debian's /usr/bin/chromium) against the real server and a real Dovecot.
// Run by tests/api/console.rs, which starts both and fills the mailbox (FIXTURE). The tests run in order: the admin's
// first run connects the mailbox whose hostile mail the salesperson opens afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AXE, BASE, FIXTURE, artifactsDir, newContext, pages, useChromium } from "./harness.mjs";

const ARTIFACTS = artifactsDir("test-artifacts/console");
useChromium(ARTIFACTS, 5);
const inaccessible = [];
const NEW_ADMIN_PASSWORD = "a-much-longer-admin-password";

/** A laptop-sized page in one language; records dialogs, page errors and every request to another host. */
async function open(locale) {
  const context = await newContext({ locale, viewport: { width: 1280, height: 800 } });
  const seen = { dialogs: [], foreign: [], errors: [] };
  await context.route("**/*", (route) => {
    const url = route.request().url();
    // Our own pages, and the Blob URLs an attachment download is saved from.
    if (url.startsWith(BASE) || url.startsWith("blob:" + BASE)) return route.continue();
    seen.foreign.push(url);
    return route.abort();
  });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  pages.push(page);
  page.on("dialog", (d) => { seen.dialogs.push(d.message()); d.dismiss(); });
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  return { context, page, seen };
}

/** A screenshot of the page as an artifact, and axe-core's serious or critical findings on it. */
async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, name + ".png"), fullPage: true });
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  const found = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] }))
    .violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`));
  for (const f of found) inaccessible.push(`${name}: ${f}`);
}

async function signIn(page, email, password) {
  await page.goto(BASE + "/");
  await page.waitForSelector("#signin-form");
  await page.fill("#login-email", email);
  await page.fill("#login-password", password);
  await page.click("#signin-form button[type=submit]");
}

/** Opens a page from the navigation and waits until it is drawn (its heading, then its list). */
async function go(page, name, heading) {
  await page.click(`#nav a[href="#/${name}"]`);
  await page.waitForFunction((h) => document.querySelector("main h1")?.textContent === h, heading);
  await page.waitForSelector("#results table");
}

/** The error shown beside a form field (the API's `field`). */
const fieldError = (page, form, name) => page.locator(`${form} [data-error-for="${name}"]`);

test("admin: first sign-in forces a new password, then connects a Dovecot mailbox and watches it sync", async () => {
  const { context, page, seen } = await open("en-US");
  await page.goto(BASE + "/");
  await page.waitForSelector("#signin-form");
  await shot(page, "01-sign-in");
  await page.fill("#login-email", FIXTURE.admin_email);
  await page.fill("#login-password", "wrong-password");
  await page.click("#signin-form button[type=submit]");
  await page.waitForSelector("#signin-form .form-error:not(:empty)");
  assert.match(await page.textContent("#signin-form .form-error"), /Wrong e-mail or password/);

  await page.fill("#login-password", FIXTURE.admin_password);
  await page.click("#signin-form button[type=submit]");
  await page.waitForSelector("#password-form");
  assert.equal(await page.locator("#nav a").count(), 0, "no way around the password change");
  await page.goto(BASE + "/#/users");
  await page.waitForSelector("#password-form");
  await page.fill("#pw-current", FIXTURE.admin_password);
  await page.fill("#pw-new", "short");
  await page.fill("#pw-repeat", "short");
  await page.click("#password-form button[type=submit]");
  await page.waitForSelector('#password-form [data-error-for="new_password"]:not(:empty)');
  await shot(page, "02-password-error-beside-field");
  await page.fill("#pw-new", NEW_ADMIN_PASSWORD);
  await page.fill("#pw-repeat", NEW_ADMIN_PASSWORD);
  await page.click("#password-form button[type=submit]");

  // Led to the first mailbox.
  await page.waitForSelector("#first-mailbox");
  await shot(page, "03-first-mailbox");
  const old = await fetch(BASE + "/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: FIXTURE.admin_email, password: FIXTURE.admin_password }) });
  assert.equal(old.status, 401, "the one-time password no longer works");

  await page.selectOption("#mb-provider", "google");
  assert.equal(await page.inputValue("#mb-host"), "imap.gmail.com");
  assert.equal(await page.inputValue("#mb-port"), "993");
  await page.selectOption("#mb-provider", "other");
  const fill = async (password) => {
    await page.fill("#mb-name", "Продажи");
    await page.fill("#mb-host", "127.0.0.1");
    await page.fill("#mb-port", String(FIXTURE.imap_port));
    await page.selectOption("#mb-security", "plain");
    await page.fill("#mb-username", FIXTURE.imap_user);
    await page.fill("#mb-password", password);
    await page.click("#mailbox-form button[type=submit]");
  };
  // A wrong password: the test answers imap_auth_failed, shown as words.
  await fill("not-the-password");
  await page.waitForSelector("#mailbox-status.bad");
  assert.match(await page.textContent("#mailbox-status"), /refused the user name or password/);
  await shot(page, "04-mailbox-auth-failed");
  await page.click("#mailbox-table tr[data-mailbox] button.danger");
  await page.waitForSelector("#first-mailbox");

  await fill(FIXTURE.imap_password);
  await page.waitForFunction(() => /connection works/.test(document.querySelector("#mailbox-status")?.textContent || ""));
  // Sync now runs in the background: a progress bar follows it until the counts arrive.
  const bar = page.waitForSelector("#mailbox-table tr[data-mailbox] .sync-progress progress", { state: "attached" });
  await page.click("#mailbox-table tr[data-mailbox] button.primary");
  await bar;
  await page.waitForFunction((n) => document.querySelector("#mailbox-table td.count")?.textContent === String(n), FIXTURE.message_count);
  assert.match(await page.textContent("#mailbox-status"), new RegExp(`Fetched ${FIXTURE.message_count} messages`));
  assert.notEqual(await page.textContent("#mailbox-table td.last-sync"), "never synced");
  assert.equal((await page.textContent("#mailbox-table td.last-error")).trim(), "—");
  await shot(page, "05-mailbox-synced");

  // Editing who reads it: the form comes prefilled from the API (shared mailboxes default to `full`).
  await page.click("#mailbox-table tr[data-mailbox] button.edit");
  await page.waitForSelector("#mailbox-edit-form");
  assert.equal(await page.inputValue("#mbe-visibility"), "full");
  assert.equal(await page.inputValue("#mbe-host"), "127.0.0.1");
  await page.check('#mailbox-edit-form input[name="member"]');
  await page.click("#mailbox-edit-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#mailbox-status")?.textContent === "Saved");
  await page.click("#mailbox-table tr[data-mailbox] button.edit");
  assert.equal(await page.isChecked('#mailbox-edit-form input[name="member"]'), true, "the member was saved");

  // Users: a salesperson for the next test.
  await page.click('#nav a[href="#/users"]');
  await page.waitForSelector("#user-form");
  await page.fill("#user-email", FIXTURE.sales_email);
  await page.fill("#user-name", "Ольга Смирнова");
  await page.selectOption("#user-role", "sales");
  await page.fill("#user-password", FIXTURE.sales_password);
  await page.click("#user-form button[type=submit]");
  await page.waitForSelector(`tr[data-user="${FIXTURE.sales_email}"]`);
  // The same e-mail again: the API's conflict is shown, not swallowed.
  await page.fill("#user-email", FIXTURE.sales_email);
  await page.fill("#user-name", "Дубль");
  await page.click("#user-form button[type=submit]");
  await page.waitForSelector("#user-form .form-error:not(:empty), #user-form .field-error:not(:empty)");
  await shot(page, "06-users");

  await page.click('#nav a[href="#/teams"]');
  await page.waitForSelector("main form");
  await page.fill('main form input[name="name"]', "Север");
  await page.locator('main section.card:last-of-type input[type=checkbox][name^="lead-"]').last().check();
  await page.click("main section.card:last-of-type button[type=submit]");
  await page.waitForSelector('section[data-team="Север"]');
  assert.match(await page.textContent('section[data-team="Север"]'), /Ольга Смирнова — lead/);
  await shot(page, "07-teams");

  await page.click('#nav a[href="#/reference"]');
  await page.waitForSelector('section[data-list="/lead-sources"] form');
  await page.fill('section[data-list="/lead-sources"] input[name="name"]', "Выставка");
  await page.click('section[data-list="/lead-sources"] button[type=submit]');
  await page.waitForFunction(() => /Выставка/.test(document.querySelector('section[data-list="/lead-sources"]')?.textContent || ""));
  await shot(page, "08-reference");

  // A custom field for contacts, which the salesperson then fills in on a card.
  await page.click('#nav a[href="#/fields"]');
  await page.waitForSelector("#field-form");
  await page.fill('#field-form input[name="key"]', "contract_no");
  await page.fill('#field-form input[name="label"]', "Номер договора");
  await page.click("#field-form button[type=submit]");
  await page.waitForSelector('section[data-kind="contact"] tr[data-key="contract_no"]');
  await shot(page, "08b-fields");

  await page.click('#nav a[href="#/settings"]');
  await page.waitForSelector('section[data-list="never-log"] form');
  await page.fill('section[data-list="never-log"] input[name="value"]', "ceo@client-corp.ru");
  await page.click('section[data-list="never-log"] button[type=submit]');
  await page.waitForFunction(() => /ceo@client-corp\.ru/.test(document.querySelector('section[data-list="never-log"] ul')?.textContent || ""));
  await page.fill('section[data-list="own-domains"] input[name="value"]', "not a domain");
  await page.click('section[data-list="own-domains"] button[type=submit]');
  await page.waitForSelector('section[data-list="own-domains"] [data-error-for="value"]:not(:empty)');
  await shot(page, "09-settings");

  // Integrations: a key's secret shown once and only its prefix listed, then revoked; a loopback webhook is refused
  // (this server allows no private targets), the refusal shown in the form.
  await page.click('#nav a[href="#/integrations"]');
  await page.waitForSelector("#key-form");
  await page.fill("#key-name", "Сайт");
  await page.check('#key-form input[value="leads:write"]');
  await page.click("#key-form button[type=submit]");
  await page.waitForFunction(() => /mrk_/.test(document.querySelector("#integrations-status")?.textContent || ""));
  const keySecret = (await page.textContent("#integrations-status")).match(/mrk_[A-Za-z0-9_-]+/)[0];
  const keyRow = page.locator("#key-table tr[data-key]");
  assert.equal(await keyRow.count(), 1);
  assert.match(await keyRow.textContent(), /leads:write/);
  assert.ok(!(await page.textContent("#key-table")).includes(keySecret.slice(12)), "the list shows the prefix only");
  await shot(page, "09a-integrations");
  await keyRow.locator("button").click();
  await page.waitForSelector("#key-table tr.inactive[data-key]");
  await page.fill("#hook-url", "http://127.0.0.1:9/hook");
  await page.check('#hook-form input[value="lead.created"]');
  await page.click("#hook-form button[type=submit]");
  await page.waitForSelector("#hook-form .form-error:not(:empty)");

  // An OAuth2 mailbox (the Microsoft 365 preset): no password asked, waiting for consent, with its connect button.
  await page.click('#nav a[href="#/mailboxes"]');
  await page.waitForSelector("#mailbox-form");
  await page.selectOption("#mb-provider", "microsoft");
  await page.selectOption("#mb-auth", "oauth2");
  assert.equal(await page.isVisible("#mb-password"), false, "no password for an OAuth2 mailbox");
  await page.fill("#mb-name", "Office 365");
  await page.fill("#mb-username", "sales@nordwind.ru");
  await page.fill("#mb-oauth-client", "11111111-2222-3333-4444-555555555555");
  // Sending as the mailbox, the server left empty: the provider's SMTP preset fills it.
  await page.check("#mb-smtp-on");
  await page.click("#mailbox-form button[type=submit]");
  const office = page.locator("#mailbox-table tr[data-mailbox]", { hasText: "Office 365" });
  await office.waitFor();
  assert.match(await office.textContent(), /OAuth2: waiting for an admin's consent/);
  assert.equal(await office.locator(".smtp").textContent(), "SMTP: smtp.office365.com:587 (starttls)");
  assert.match(await office.locator("button.primary").first().textContent(), /Connect with microsoft365/);
  await shot(page, "09c-oauth-mailbox");
  // Its saved SMTP tried from the edit form: no consent yet, so the server's refusal is shown beside the button.
  await office.locator("button.edit").click();
  await page.waitForSelector("#mbe-smtp-test");
  await page.fill("#mbe-smtp-test-to", "qa@nordwind.ru");
  await page.click("#mbe-smtp-test");
  await page.waitForFunction(() => {
    const r = document.querySelector("#mbe-smtp-test-result");
    return r && r.classList.contains("form-error") && r.textContent.length > 0;
  });
  const refusal = await page.textContent("#mbe-smtp-test-result");
  assert.ok(!/Sending/.test(refusal), refusal);
  assert.match(refusal, /oauth|OAuth|consent|authori/i, "the OAuth2 mailbox's missing consent, in words: " + refusal);
  assert.equal(await page.getAttribute("#mbe-smtp-test-result", "role"), "alert");
  await shot(page, "09d-smtp-test-refused");
  // The provider's return with a state this server never issued: refused in words, the code gone from the address.
  await page.goto(BASE + "/oauth/callback?code=forged&state=forged");
  await page.waitForFunction(() => /start again/.test(document.querySelector("#mailbox-status")?.textContent || ""));
  assert.equal(new URL(page.url()).pathname, "/");
  assert.ok(!page.url().includes("forged"), "the code is not kept in the address");

  // A small laptop: the admin's lead list with the owner filter, nothing wider than the screen.
  await page.setViewportSize({ width: 1024, height: 700 });
  await go(page, "leads", "Leads");
  assert.equal(await page.locator('#search-form select[name="owner_id"]').count(), 1, "admins filter by any owner");
  await page.selectOption('#search-form select[name="status"]', "new");
  await page.click("#search-form button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#record-table tr[data-id]").length === 2, null, { timeout: 5000 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 1024), "no horizontal scrolling at 1024 px");
  await shot(page, "09b-admin-leads-1024");

  assert.deepEqual(seen.errors, [], "no script errors");
  assert.deepEqual(seen.foreign, [], "no request leaves the server");
  await page.close();
  await context.close();
});

test("sales: a contact card with a hostile HTML mail shows it inert, and a lead converts", async () => {
  const { context, page, seen } = await open("ru-RU");
  await signIn(page, FIXTURE.sales_email, FIXTURE.sales_password);
  await page.waitForSelector("#search-form");
  assert.equal(await page.locator('#nav a[href="#/mailboxes"]').count(), 0, "no admin pages for sales");
  assert.match(await page.textContent("h1"), /Контакты/);
  await shot(page, "10-sales-contacts");

  // The sync made a lead of the hostile mail's sender (the open pool); converting it makes the contact, mail included.
  await go(page, "leads", "Лиды");
  await page.waitForSelector("#search-form");
  await page.fill("#search-q", "hostile");
  await page.click("#search-form button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#record-table tr[data-id]").length === 1);
  await shot(page, "11-leads-search");
  await page.click("#record-table tr[data-id] a");
  await page.waitForSelector("#timeline li.email");
  assert.equal(await page.textContent("#timeline li.email .subject"), FIXTURE.hostile_subject, "the subject, as text");
  await shot(page, "12-lead-card");
  await page.click("#take-lead");
  await page.waitForFunction(() => /Мои/.test(document.querySelector("dl.fields")?.textContent || ""));
  await page.check("#convert-deal");
  await page.click("#convert-form button[type=submit]");
  await page.waitForFunction(() => location.hash.startsWith("#/contacts/"));
  await page.waitForSelector("#timeline li.email");
  assert.equal(await page.textContent("#timeline li.email .subject"), FIXTURE.hostile_subject, "the mail moved along");
  await page.fill("#note-body", "<img src=x onerror=alert('note')> позвонить");
  await page.click("#note-form button[type=submit]");
  await page.waitForSelector("#timeline li.note");
  assert.match(await page.textContent("#timeline li.note"), /<img src=x/);
  await page.fill("#task-title", "Выставить счёт");
  await page.fill("#task-due", "2026-12-20");
  await page.click("#task-form button[type=submit]");
  await page.waitForSelector("#tasks li[data-task]");
  await page.check("#tasks li[data-task] input[type=checkbox]");
  await page.waitForTimeout(300);
  // The admin's custom field is on the card, and what the salesperson types there is saved and shown.
  await page.click("details.edit summary");
  await page.fill('#edit-form [name="custom.contract_no"]', "Д-2026/17");
  await page.click("#edit-form button[type=submit]");
  await page.waitForFunction(() => /Д-2026\/17/.test(document.querySelector("dl.fields")?.textContent || ""));
  assert.match(await page.textContent("dl.fields"), /Номер договора/);
  await shot(page, "13-contact-card");

  // My tasks: an overdue one, moved to a later day, then done.
  await page.fill("#task-title", "Перезвонить");
  await page.fill("#task-due", "2020-01-15");
  await page.click("#task-form button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#tasks li[data-task]").length === 2);
  await page.click('#nav a[href="#/tasks"]');
  await page.waitForSelector('section[data-group="overdue"] li[data-task]');
  assert.match(await page.textContent('section[data-group="overdue"]'), /Перезвонить/);
  await shot(page, "13b-my-tasks");
  await page.fill('section[data-group="overdue"] input[type=date]', "2099-03-01");
  await page.waitForSelector('section[data-group="later"] li[data-task]');
  await page.check('section[data-group="later"] li[data-task] input[type=checkbox]');
  await page.waitForFunction(() => document.querySelectorAll("li[data-task]").length === 0);
  await page.goBack();
  await page.waitForSelector("#edit-form", { state: "attached" });

  // Editing the card: a bad address is refused beside its field; a good edit shows at once.
  await page.click("details.edit summary");
  await page.fill('#edit-form input[name="emails"]', "not-an-address");
  await page.fill('#edit-form input[name="position"]', "Директор");
  await page.click("#edit-form button[type=submit]");
  await page.waitForSelector('#edit-form [data-error-for="emails"]:not(:empty)');
  await page.fill('#edit-form input[name="emails"]', FIXTURE.hostile_sender);
  await page.click("#edit-form button[type=submit]");
  await page.waitForFunction(() => /Директор/.test(document.querySelector("dl.fields")?.textContent || ""));
  await page.click("#audit-section summary");
  await page.waitForFunction(() => /position: — → Директор/.test(document.querySelector("#audit")?.textContent || ""));

  await page.click("#timeline li.email .subject");
  await page.waitForSelector("#mail-text");
  assert.equal(await page.textContent("#mail-subject"), FIXTURE.hostile_subject);
  assert.match(await page.textContent("#mail-text"), /plain part/);
  await page.click("#show-html");
  const frameEl = await page.waitForSelector("#mail-frame");
  const frame = await frameEl.contentFrame();
  await frame.waitForSelector("#hostile-marker");
  await page.waitForTimeout(1500);
  const inFrame = await frame.evaluate(() => ({ pwned: window.__pwned, marker: document.body.dataset.pwned || null,
    images: document.images.length }));
  assert.equal(inFrame.images >= 2, true, "the mail really rendered in the frame");
  assert.equal(inFrame.pwned, undefined, "no script ran in the frame");
  assert.equal(inFrame.marker, null, "no event handler ran in the frame");
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "nothing reached the console");
  assert.equal(page.url().startsWith(BASE), true);
  assert.equal(frame.url(), "about:srcdoc", "the frame was not navigated away (meta refresh)");
  await frame.click("#js-link").catch(() => {});
  await page.waitForTimeout(300);
  assert.deepEqual(seen.dialogs, [], "no dialog opened");
  assert.deepEqual(seen.foreign, [], "nothing was requested from another host");
  assert.equal(await frameEl.getAttribute("sandbox"), "", "a sandbox without allow-scripts");
  await shot(page, "14-hostile-mail");
  // Scrolled to first, as a reader would: playwright's own scroll-and-click right after the frame loaded was lost.
  await page.locator("button.attachment").scrollIntoViewIfNeeded();
  const [saved] = await Promise.all([page.waitForEvent("download"), page.click("button.attachment")]);
  assert.equal(saved.suggestedFilename(), "offer.txt");
  assert.match(readFileSync(await saved.path(), "utf8"), /Price list: 42/, "the attachment, saved as a file");

  // A new lead from the form; a duplicate e-mail is refused with the API's words beside the form.
  await go(page, "leads", "Лиды");
  await page.waitForSelector("#create-form");
  await page.fill('#create-form input[name="name"]', "Пётр Новиков");
  await page.fill('#create-form input[name="email"]', "petr@new-client.ru");
  await page.fill('#create-form input[name="company_name"]', "ООО «Новый клиент»");
  await page.click("#create-form button[type=submit]");
  await page.waitForSelector("#convert-form");
  await page.click("#convert-form button[type=submit]");
  await page.waitForFunction(() => location.hash.startsWith("#/contacts/"));
  await page.waitForFunction(() => document.querySelector("#record-title")?.textContent === "Пётр Новиков");
  await go(page, "deals", "Сделки");
  await page.waitForSelector("#record-table tr[data-id]");
  await page.fill("#search-q", "hostile");
  await page.click("#search-form button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#record-table tr[data-id]").length === 1);
  await shot(page, "15-deals");

  // The deal board: the converted lead's deal is dragged to the next stage, and the totals follow.
  await page.click('#nav a[href="#/board"]');
  await page.waitForSelector(".board li[data-deal]");
  const firstStage = await page.getAttribute(".stage-column:nth-child(1)", "data-stage");
  const secondStage = await page.getAttribute(".stage-column:nth-child(2)", "data-stage");
  const deal = await page.getAttribute(`.stage-column[data-stage="${firstStage}"] li[data-deal]`, "data-deal");
  await page.dragAndDrop(`li[data-deal="${deal}"]`, `.stage-column[data-stage="${secondStage}"]`);
  await page.waitForSelector(`.stage-column[data-stage="${secondStage}"] li[data-deal="${deal}"]`);
  assert.match(await page.textContent(`.stage-column[data-stage="${secondStage}"] .stage-total`), /^1 ·/);
  await shot(page, "15b-deal-board");

  // Duplicates: a company named like an existing one is refused, then created anyway, listed, and merged.
  await go(page, "companies", "Компании");
  await page.fill('#create-form input[name="name"]', "Новый клиент");
  await page.click("#create-form button[type=submit]");
  await page.waitForSelector("#create-form .form-error:not(:empty)");
  await page.check("#allow-duplicate");
  await page.click("#create-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#record-title")?.textContent === "Новый клиент");
  await page.click('#nav a[href="#/duplicates"]');
  await page.waitForSelector("#duplicates-table tr[data-pair]");
  await shot(page, "15c-duplicates");
  const pair = page.locator("#duplicates-table tr[data-pair]").first();
  const kept = await pair.locator("td:nth-child(2)").textContent();
  await pair.locator("button.keep-a").click();
  await page.waitForFunction((name) => document.querySelector("#record-title")?.textContent === name, kept);
  await go(page, "companies", "Компании");
  assert.equal(await page.locator("#record-table tr[data-id]").count(), 2, "three companies less the merged one");
  await go(page, "companies", "Компании");
  await page.waitForSelector("#record-table tr[data-id]");
  assert.match(await page.textContent("#record-table"), /Новый клиент/);
  await go(page, "contacts", "Контакты");
  await page.waitForSelector("#record-table tr[data-id]");
  await shot(page, "17-contacts");
  await shot(page, "16-companies");

  // Sorting by clicking headers (several columns), "mine / my team / all", chosen columns, a saved view: the list
  // asks the API with exactly the parameters of the list endpoints (`sort=name,-updated_at`, `scope=mine`).
  const asked = [];
  page.on("request", (r) => { if (r.url().includes("/api/v1/contacts?")) asked.push(new URL(r.url()).searchParams); });
  const lastAsk = () => asked[asked.length - 1];
  await page.click('#record-table th[data-sort="name"] button');
  await page.waitForFunction(() => document.querySelector('#record-table th[data-sort="name"]')?.getAttribute("aria-sort") === "ascending");
  assert.equal(lastAsk().get("sort"), "name");
  await page.click('#record-table th[data-sort="name"] button');
  await page.waitForFunction(() => document.querySelector('#record-table th[data-sort="name"]')?.getAttribute("aria-sort") === "descending");
  assert.equal(lastAsk().get("sort"), "-name");
  await page.click('#record-table th[data-sort="updated_at"] button');
  await page.waitForFunction(() => document.querySelector('#record-table th[data-sort="updated_at"]')?.getAttribute("aria-sort") === "ascending");
  assert.equal(lastAsk().get("sort"), "updated_at,-name", "the clicked column leads, the earlier one breaks ties");
  await page.selectOption("#filter-scope", "mine");
  await page.click("#search-form button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#record-table tbody tr").length > 0);
  assert.equal(lastAsk().get("scope"), "mine");
  await page.click("details.columns-picker summary");
  await page.uncheck('#column-picker input[value="phones"]');
  await page.waitForFunction(() => document.querySelectorAll("#record-table th").length === 5);
  await page.fill("#view-name", "Мои свежие");
  await page.click("#view-form button[type=submit]");
  await page.waitForFunction(() => /Мои свежие/.test(document.querySelector("#view-status")?.textContent || ""));
  await shot(page, "17b-contacts-sorted-view");
  // Elsewhere and back: the view, stored on the server, brings filters, sort and columns back.
  await go(page, "companies", "Компании");
  await go(page, "contacts", "Контакты");
  assert.equal(await page.locator("#record-table th").count(), 6, "a fresh list shows every column");
  await page.selectOption("#view-select", { label: "Мои свежие" });
  await page.waitForFunction(() => document.querySelectorAll("#record-table th").length === 5);
  assert.equal(lastAsk().get("sort"), "updated_at,-name");
  assert.equal(lastAsk().get("scope"), "mine");
  assert.equal(await page.inputValue("#filter-scope"), "mine");

  // Shares on the card: a colleague picked by name from the users directory.
  await page.click("#record-table tbody tr a");
  await page.waitForSelector("#share-form");
  await page.selectOption("#share-user", { label: `Administrator <${FIXTURE.admin_email}>` });
  await page.click("#share-form button[type=submit]");
  await page.waitForFunction(() => /Administrator/.test(document.querySelector("#shares")?.textContent || ""));
  await shot(page, "17c-contact-shares");
  await page.click("#shares li[data-user] button");
  await page.waitForFunction(() => !document.querySelector("#shares li[data-user]"));
  await go(page, "contacts", "Контакты");

  // The language switch.
  await page.selectOption("#lang", "en");
  await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Contacts");

  // A session the server no longer accepts leads back to sign-in, saying why.
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem("mailroom.session"));
    sessionStorage.setItem("mailroom.session", JSON.stringify({ ...s, token: "not-a-token" }));
  });
  await page.click(`#nav a[href="#/companies"]`);
  await page.waitForSelector("#signin-why");
  assert.match(await page.textContent("#signin-why"), /sign in again/);

  assert.deepEqual(seen.dialogs, []);
  assert.deepEqual(seen.errors, [], "no script errors");
  assert.deepEqual(seen.foreign, []);
  await page.close();
  await context.close();
});

test("an identity provider's sign-in lands on #/signed-in: its error is shown, its token signs in and leaves the address bar", async () => {
  const { context, page, seen } = await open("en-US");
  await page.goto(BASE + "/#/signed-in?error=oidc_user_unknown&message=" + encodeURIComponent("no user has the e-mail nobody@example.org"));
  await page.waitForSelector("#signin-why");
  assert.match(await page.textContent("#signin-why"), /nobody@example\.org/);
  assert.equal(await page.locator("#nav a").count(), 0, "not signed in");

  // The callback's token is the one the password sign-in answers; the console keeps it and reads /me.
  const login = await fetch(BASE + "/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: FIXTURE.sales_email, password: FIXTURE.sales_password }) });
  const { token } = await login.json();
  await page.goto(BASE + "/#/signed-in?token=" + encodeURIComponent(token) + "&expires_at=2099-01-01T00:00:00Z");
  await page.waitForSelector("#search-form");
  assert.match(await page.textContent("#who"), /Ольга Смирнова/, "signed in as the salesperson");
  assert.ok(!page.url().includes(token), "the token is gone from the address bar");
  assert.deepEqual(seen.errors, [], "no script errors");
  await page.close();
  await context.close();
});

/** Calls the API as the admin (set-up the marketer may not do: contacts and their consent). */
async function adminApi(method, path, body) {
  const login = await fetch(BASE + "/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: FIXTURE.admin_email, password: NEW_ADMIN_PASSWORD }) });
  const { token } = await login.json();
  const answer = await fetch(BASE + "/api/v1" + path, { method, headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
    body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: answer.status, body: await answer.json().catch(() => null) };
}

test("marketing: a template previewed for a contact, a segment with a live count, a campaign sent to smtp-sink and followed to done", async () => {
  const created = await adminApi("POST", "/users", { email: "mark@nordwind.ru", name: "Марк", role: "marketing", password: "marketing-password-1" });
  assert.equal(created.status, 201);
  const firm = await adminApi("POST", "/companies", { name: "ООО «Подписчики»" });
  assert.equal(firm.status, 201, JSON.stringify(firm.body));
  for (const [i, name] of ["Анна Рассылкина", "Борис Читатель", "Вера Новостная"].entries()) {
    const c = await adminApi("POST", "/contacts", { name, emails: [`reader${i}@subscribers.ru`], company_id: firm.body.id, tags: ["newsletter"], allow_duplicate: true });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    // The third gave no consent: a marketing campaign leaves them out.
    if (i < 2) assert.equal((await adminApi("POST", `/contacts/${c.body.id}/consent`, { granted: true, legal_basis: "152-FZ art. 9", source: "web form" })).status < 300, true);
  }

  const { context, page, seen } = await open("en-US");
  await signIn(page, "mark@nordwind.ru", "marketing-password-1");
  await page.waitForSelector("#record-table");
  const links = await page.$$eval("#nav a", (as) => as.map((a) => a.getAttribute("href")));
  assert.deepEqual(links, ["#/contacts", "#/companies", "#/reports", "#/campaigns", "#/templates", "#/segments", "#/suppressions"]);
  assert.equal(await page.locator("#create-form").count(), 0, "marketing creates no records");
  await page.goto(BASE + "/#/deals");
  await page.waitForFunction(() => location.hash === "#/contacts");
  await shot(page, "18-marketing-contacts");

  // A template: the preview follows the typing, rendered for the chosen contact, in a sandboxed frame.
  await page.click('#nav a[href="#/templates"]');
  await page.waitForSelector("#template-table");
  await shot(page, "19-templates");
  await page.click("#template-new");
  await page.waitForSelector("#template-form");
  assert.equal(await page.locator("#preview-kind").count(), 0, "marketing reads no leads: no lead preview");
  await page.fill("#tpl-name", "Новости декабря");
  await page.fill("#tpl-subject", "{{contact.name}}, новости для {{company.name}}");
  await page.fill("#preview-contact-q", "Анна");
  await page.waitForFunction(() => /Анна Рассылкина/.test(document.querySelector("#preview-subject")?.textContent || ""));
  assert.match(await page.textContent("#preview-subject"), /Анна Рассылкина, новости для ООО «Подписчики»/);
  await page.fill("#tpl-html", "<p id=\"hello\">Здравствуйте, {{contact.name}}!</p><script>window.top.__pwned = 1</script><p><a href=\"{{unsubscribe_url}}\">Отписаться</a></p>");
  // The frame is drawn anew with every preview: found by its element each time.
  await page.frameLocator("#preview-frame").locator("#hello", { hasText: "Здравствуйте, Анна Рассылкина!" }).waitFor();
  await page.waitForTimeout(500);
  assert.equal(await page.getAttribute("#preview-frame", "sandbox"), "");
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "the letter's script did not run");
  // A field the contact lacks is said in words, beside the preview.
  await page.fill("#tpl-subject", "{{contact.nickname}}");
  await page.waitForSelector("#preview-error");
  await page.fill("#tpl-subject", "{{contact.name}}, новости для {{company.name}}");
  await page.waitForFunction(() => /новости для/.test(document.querySelector("#preview-subject")?.textContent || ""));
  await page.click("#template-form button[type=submit]");
  await page.waitForFunction(() => /^#\/templates\/\d+$/.test(location.hash));
  await page.waitForSelector("#template-form");
  await page.fill("#preview-contact-q", "Анна");
  await page.waitForFunction(() => /Анна Рассылкина/.test(document.querySelector("#preview-subject")?.textContent || ""));
  await page.fill("#test-to", "qa@nordwind.ru");
  await page.click("#test-form button[type=submit]");
  await page.waitForFunction(() => /qa@nordwind\.ru/.test(document.querySelector("#template-status")?.textContent || ""));
  await shot(page, "20-template-editor");

  // A segment: the count follows the filter before it is saved.
  await page.click('#nav a[href="#/segments"]');
  await page.waitForSelector("#segment-form");
  await page.fill("#seg-name", "Подписчики");
  await page.fill("#seg-tags", "newsletter");
  await page.waitForFunction(() => /Contacts: 3,/.test(document.querySelector("#segment-count")?.textContent || ""));
  assert.match(await page.textContent("#segment-count"), /a marketing campaign reaches 2/);
  await page.selectOption("#seg-consent", "granted");
  await page.waitForFunction(() => /Contacts: 2,/.test(document.querySelector("#segment-count")?.textContent || ""));
  await page.selectOption("#seg-consent", "");
  await page.waitForFunction(() => /Contacts: 3,/.test(document.querySelector("#segment-count")?.textContent || ""));
  await page.click("#segment-form button[type=submit]");
  await page.waitForSelector("#segment-table tr[data-segment]");
  await shot(page, "21-segments");

  // The campaign wizard, then start and follow it to done.
  await page.click('#nav a[href="#/campaigns"]');
  await page.waitForSelector("#campaign-form");
  await page.fill("#wz-name", "Декабрь");
  await page.selectOption("#wz-template", { label: "Новости декабря" });
  await page.selectOption("#wz-segment", { label: "Подписчики" });
  await page.waitForFunction(() => /reaches 2/.test(document.querySelector("#wizard-reach")?.textContent || ""));
  await page.fill("#wz-from", "Nordwind <news@nordwind.ru>");
  await page.fill("#wz-per-second", "5");
  await shot(page, "22-campaign-wizard");
  await page.click("#campaign-form button[type=submit]");
  await page.waitForSelector("#campaign-start");
  assert.equal(await page.getAttribute("#campaign-state", "data-status"), "draft");
  await page.click("#campaign-start");
  await page.waitForFunction(() => ["done", "sending"].includes(document.querySelector("#campaign-state")?.dataset.status));
  await page.waitForFunction(() => document.querySelector("#campaign-state")?.dataset.status === "done", null, { timeout: 20000 });
  await page.waitForFunction(() => document.querySelector('[data-stat="sent"] .tile-value')?.textContent === "2");
  // The chart follows the sending (it may first be drawn with one letter on a loaded machine): both, in time.
  await page.waitForFunction(() => [...document.querySelectorAll("#rate-chart rect.bar")]
    .reduce((n, b) => n + Number(b.dataset.sent), 0) === 2).catch(() => {});
  const charted = await page.$$eval("#rate-chart rect.bar", (bars) => bars.reduce((n, b) => n + Number(b.dataset.sent), 0));
  assert.equal(charted, 2, "the chart shows the two letters");
  await page.waitForFunction(() => document.querySelectorAll('#recipient-table tr[data-state="sent"]').length === 2);
  await page.selectOption("#recipient-state", "failed");
  await page.waitForFunction(() => document.querySelectorAll("#recipient-table tr[data-recipient]").length === 0);
  await shot(page, "23-campaign-done");

  await page.click('#nav a[href="#/suppressions"]');
  await page.waitForSelector("#suppression-form");
  await page.fill("#sup-address", "reader2@subscribers.ru");
  await page.click("#suppression-form button[type=submit]");
  await page.waitForSelector('#suppression-table tr[data-address="reader2@subscribers.ru"]');
  await shot(page, "24-suppressions");

  // Sales has no campaign pages.
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.foreign, []);
  assert.deepEqual(seen.dialogs, []);
  await page.close();
  await context.close();
});

test("sales: a CSV with Russian headers through the four-step import wizard, its rejects, and an export of the list", async () => {
  const { context, page, seen } = await open("ru-RU");
  await signIn(page, FIXTURE.sales_email, FIXTURE.sales_password);
  await page.waitForSelector("#search-form");
  // Exports are the admin's until an admin allows the role: the refusal is said in words.
  await page.click("#export-menu summary");
  await page.click('#export-menu button[data-export="csv"]');
  await page.waitForFunction(() => document.querySelector("#export-status")?.classList.contains("bad"));
  assert.match(await page.textContent("#export-status"), /Экспорт разрешён администраторам/);

  await page.click('#nav a[href="#/import"]');
  await page.waitForSelector("#upload-form");
  // A file the API does not take: its error in words, beside the form.
  await page.setInputFiles("#imp-file", { name: "notes.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n") });
  await page.click("#upload-form button[type=submit]");
  await page.waitForSelector("#upload-form .form-error:not(:empty), #upload-form .field-error:not(:empty)");
  assert.match(await page.textContent("#upload-form"), /нужен \.xlsx, \.xls, \.ods, \.csv или \.tsv/);
  await shot(page, "25-import-upload-error");

  const csv = "ФИО;E-mail;Телефон;Компания\n" +
    "Иван Петров;ivan.petrov@stroymash.ru;+7 495 123-45-67;ООО «Строймаш»\n" +
    "Мария Кузнецова;maria.kuznetsova@stroymash.ru;+7 (916) 555-12-34;ООО «Строймаш»\n" +
    "Сергей Волков;volkov-at-vector;+7 903 111-22-33;АО «Вектор»\n";
  await page.setInputFiles("#imp-file", { name: "клиенты.csv", mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") });
  await page.click("#upload-form button[type=submit]");
  await page.waitForSelector("#mapping-table");
  const mapped = await page.$$eval("#mapping-table select", (all) => Object.fromEntries(all.map((s) => [s.dataset.header, s.value])));
  assert.deepEqual(mapped, { "ФИО": "name", "E-mail": "email", "Телефон": "phone", "Компания": "company" }, "the suggested mapping is pre-set");
  await shot(page, "26-import-mapping");
  await page.fill("#imp-save-preset", "Клиенты из Excel");

  await page.click("#mapping-form button[type=submit]");
  await page.waitForSelector("#check-counts");
  const count = (key) => page.textContent(`#check-counts [data-count="${key}"] .tile-value`);
  assert.equal(await count("imp_total"), "3");
  assert.equal(await count("imp_would_create"), "2");
  assert.equal(await count("imp_would_fail"), "1");
  const failing = page.locator('#check-rows tr[data-action="fail"]');
  assert.equal(await failing.count(), 1, "one failing row");
  assert.equal(await failing.getAttribute("data-row"), "4", "the file's fourth line");
  assert.match(await failing.locator("td.reason").textContent(), /mail/i, "its reason names the e-mail");
  await shot(page, "27-import-check");

  await page.click("#imp-run");
  await page.waitForFunction(() => document.querySelector("#imp-state")?.dataset.status === "done", null, { timeout: 20000 });
  assert.equal(await page.getAttribute("#imp-progress", "value"), "3", "the bar reached the end");
  assert.equal(await page.textContent('#imp-counts [data-count="imp_created"] .tile-value'), "2");
  assert.equal(await page.textContent('#imp-counts [data-count="imp_failed"] .tile-value'), "1");
  await shot(page, "28-import-done");

  const [rejects] = await Promise.all([page.waitForEvent("download"), page.click("#imp-rejects")]);
  assert.equal(rejects.suggestedFilename(), "клиенты-rejects.csv");
  const rejected = readFileSync(await rejects.path(), "utf8");
  assert.ok(rejected.startsWith("\uFEFF"), "the reject file opens in Excel (BOM)");
  const rejectLines = rejected.slice(1).trim().split(/\r?\n/);
  assert.equal(rejectLines.length, 2, "header and the one failed row");
  assert.match(rejectLines[0], /^ФИО;E-mail;Телефон;Компания;/);
  assert.match(rejectLines[1], /^Сергей Волков;volkov-at-vector;/);

  await page.click("#imp-open-list");
  await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Контакты");
  await page.waitForSelector("#record-table");
  const names = await page.$$eval("#record-table tbody tr td:first-child", (tds) => tds.map((td) => td.textContent));
  assert.ok(names.includes("Иван Петров") && names.includes("Мария Кузнецова"), "the imported contacts are in the list");
  assert.ok(!names.includes("Сергей Волков"), "the failed row made nothing");

  // The admin allows sales to export; the export follows the list's search.
  const allowed = await adminApi("PUT", "/settings/export-roles", { roles: ["sales"] });
  assert.equal(allowed.status, 200);
  await page.fill("#search-q", "Петров");
  await page.click("#search-form button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#record-table tbody tr[data-id]").length === 1);
  await page.click("#export-menu summary");
  const [exported] = await Promise.all([page.waitForEvent("download"), page.click('#export-menu button[data-export="csv"]')]);
  assert.match(exported.suggestedFilename(), /^contacts-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = readFileSync(await exported.path(), "utf8");
  assert.ok(text.startsWith("\uFEFF"), "UTF-8 with BOM");
  const lines = text.slice(1).trim().split(/\r?\n/);
  // The list's columns, in the list's order: the export holds what the page shows.
  assert.equal(lines[0], "ФИО;E-mail;Должность;Телефон;Ответственный;Изменён");
  assert.equal(lines.length, 2, "the header and the one contact the search shows");
  assert.match(lines[1], /^Иван Петров;ivan\.petrov@stroymash\.ru;;\+7/);
  await page.waitForFunction(() => /contacts-/.test(document.querySelector("#export-status")?.textContent || ""));
  await shot(page, "29-export");
  // The same list in windows-1251 (no BOM, Cyrillic in one byte each) and as an .xlsx workbook (a zip).
  const [legacy] = await Promise.all([page.waitForEvent("download"), page.click('#export-menu button[data-export="csv_1251"]')]);
  const legacyBytes = readFileSync(await legacy.path());
  assert.notEqual(legacyBytes[0], 0xef, "no UTF-8 BOM");
  const legacyText = new TextDecoder("windows-1251").decode(legacyBytes);
  // A column hidden in the picker is left out of the file too.
  await page.click(".columns-picker summary");
  await page.uncheck('#column-picker input[value="phones"]');
  const [legacy2] = await Promise.all([page.waitForEvent("download"), page.click('#export-menu button[data-export="csv_1251"]')]);
  const legacyText2 = new TextDecoder("windows-1251").decode(readFileSync(await legacy2.path()));
  assert.match(legacyText, /^ФИО;E-mail;Должность;Телефон;/);
  assert.match(legacyText2, /^ФИО;E-mail;Должность;Ответственный;Изменён\r?\nИван Петров;ivan\.petrov@stroymash\.ru;/);
  const [workbook] = await Promise.all([page.waitForEvent("download"), page.click('#export-menu button[data-export="xlsx"]')]);
  assert.match(workbook.suggestedFilename(), /^contacts-\d{4}-\d{2}-\d{2}\.xlsx$/);
  assert.equal(readFileSync(await workbook.path()).subarray(0, 2).toString("latin1"), "PK", "an .xlsx is a zip");

  // Back on the import page, the import is listed and undone: its contacts are gone from the list.
  await page.click('#nav a[href="#/import"]');
  await page.waitForSelector('#history-table tr[data-status="done"] button[data-undo]');
  assert.match(await page.textContent("#history-table tr[data-status=done]"), /клиенты\.csv/);
  await page.click("#history-table button[data-undo]");
  await page.waitForFunction(() => /Импорт отменён: удалено \d+/.test(document.querySelector("#history-status")?.textContent || ""));
  assert.equal(await page.locator('#history-table tr[data-status="undone"]').count(), 1);
  await shot(page, "30-import-undone");

  // The same file again: the saved preset is offered and applies; the undone rows would be created again.
  await page.setInputFiles("#imp-file", { name: "клиенты.csv", mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") });
  await page.click("#upload-form button[type=submit]");
  await page.waitForSelector("#mapping-table");
  await page.selectOption("#map-0", "");
  await page.selectOption("#imp-preset", "Клиенты из Excel");
  await page.click("#imp-preset-apply");
  assert.equal(await page.inputValue("#map-0"), "name", "the preset set the column back");
  await page.click("#mapping-form button[type=submit]");
  await page.waitForSelector("#check-counts");
  assert.equal(await page.textContent('#check-counts [data-count="imp_would_create"] .tile-value'), "2", "an undone import no longer counts as imported");
  await page.click('#nav a[href="#/contacts"]');
  await page.waitForSelector("#record-table");
  const after = await page.$$eval("#record-table tbody tr td:first-child", (tds) => tds.map((td) => td.textContent));
  assert.ok(!after.includes("Иван Петров") && !after.includes("Мария Кузнецова"), "the undone import's contacts are gone");

  assert.deepEqual(seen.errors, [], "no script errors");
  assert.deepEqual(seen.foreign, []);
  assert.deepEqual(seen.dialogs, []);
  await page.close();
  await context.close();
});

test("admin: a template's live preview for a lead, with the lead's name, company and owner", async () => {
  const lead = await adminApi("POST", "/leads", { name: "Лев Предпросмотров", email: "lev@preview-lead.ru", company_name: "ООО «Лидогенерация»", allow_duplicate: true });
  assert.equal(lead.status, 201, JSON.stringify(lead.body));
  const { context, page, seen } = await open("en-US");
  await signIn(page, FIXTURE.admin_email, NEW_ADMIN_PASSWORD);
  await page.waitForSelector("#nav a");
  await page.click('#nav a[href="#/templates"]');
  await page.waitForSelector("#template-new");
  await page.click("#template-new");
  await page.waitForSelector("#template-form");
  await page.fill("#tpl-subject", "{{contact.name}} из {{company.name}}");
  await page.selectOption("#preview-kind", "lead");
  await page.fill("#preview-lead-q", "Лев");
  await page.waitForFunction(() => /Лев Предпросмотров из ООО «Лидогенерация»/.test(document.querySelector("#preview-subject")?.textContent || ""));
  assert.match(await page.textContent("#preview"), /lev@preview-lead\.ru/);
  await page.fill("#tpl-html", "<p id=\"owner\">{{owner.name}}</p>");
  await page.frameLocator("#preview-frame").locator("#owner", { hasText: "Administrator" }).waitFor();
  await shot(page, "31-template-lead-preview");
  // A test letter goes to a contact only: said beside the field, nothing sent.
  await page.fill("#test-to", "qa@nordwind.ru");
  await page.click("#test-form button[type=submit]");
  await page.waitForSelector('#test-form [data-error-for="to"]:not(:empty)');
  assert.deepEqual(seen.errors, [], "no script errors");
  assert.deepEqual(seen.foreign, []);
  await page.close();
  await context.close();
});

test("sales: a task's reminder rings the bell, reading it clears the count; the digest is set in my settings", async () => {
  const users = await adminApi("GET", "/users");
  const sales = (users.body.items || users.body).find((u) => u.email === FIXTURE.sales_email);
  assert.ok(sales, JSON.stringify(users.body));
  const contact = await adminApi("POST", "/contacts", { name: "Нина Напоминаева", emails: ["nina@bell.ru"], owner_id: sales.id });
  assert.equal(contact.status, 201, JSON.stringify(contact.body));
  const { context, page, seen } = await open("ru-RU");
  await signIn(page, FIXTURE.sales_email, FIXTURE.sales_password);
  await page.waitForSelector("#bell[data-unread]:not([hidden])");
  assert.equal(await page.getAttribute("#bell", "data-unread"), "0", "nothing unread yet");
  // Due a second ago: the server's reminder worker (it looks every 5 s) fires it on its next pass.
  const task = await adminApi("POST", "/tasks", { title: "Перезвонить Нине", assignee_id: sales.id, record_kind: "contact",
    record_id: contact.body.id, remind_at: new Date(Date.now() - 1000).toISOString() });
  assert.equal(task.status, 201, JSON.stringify(task.body));
  // The bell asks on every page change (and every 30 s): moving between pages shows the count within seconds.
  const deadline = Date.now() + 20000;
  for (let i = 0; (await page.getAttribute("#bell", "data-unread")) !== "1"; i++) {
    assert.ok(Date.now() < deadline, "the bell did not show the reminder within 20 s");
    await page.click(`#nav a[href="#/${i % 2 ? "tasks" : "contacts"}"]`);
    await page.waitForTimeout(1000);
  }
  assert.equal(await page.textContent("#bell-count"), "1");
  assert.equal((await page.textContent("#bell")).replace(/\s+/g, " ").trim(), "Уведомления 1 непрочитанных", "what a screen reader says");
  await page.click("#bell");
  await page.waitForSelector("#notifications li[data-notification]");
  const item = page.locator("#notifications li.unread");
  assert.equal(await item.count(), 1);
  assert.match(await item.textContent(), /Перезвонить Нине/);
  assert.equal(await item.locator(`a[href="#/contacts/${contact.body.id}"]`).count(), 1, "a link to the task's record");
  await shot(page, "32-notifications");
  await item.locator("button[data-read]").click();
  await page.waitForSelector("#notifications li.read");
  await page.waitForFunction(() => document.querySelector("#bell")?.dataset.unread === "0");
  assert.ok(await page.locator("#bell-count").isHidden(), "no count once read");
  assert.ok(await page.locator("#read-all").isDisabled());

  // A second reminder, then "mark all read" clears it too.
  const second = await adminApi("POST", "/tasks", { title: "Отправить КП Нине", assignee_id: sales.id,
    remind_at: new Date(Date.now() - 1000).toISOString() });
  assert.equal(second.status, 201, JSON.stringify(second.body));
  const until = Date.now() + 20000;
  for (let i = 0; (await page.getAttribute("#bell", "data-unread")) !== "1"; i++) {
    assert.ok(Date.now() < until, "the second reminder did not show within 20 s");
    await page.click(`#nav a[href="#/${i % 2 ? "contacts" : "tasks"}"]`);
    await page.waitForTimeout(1000);
  }
  await page.click("#bell");
  await page.waitForSelector("#read-all:not([disabled])");
  await page.click("#read-all");
  await page.waitForFunction(() => document.querySelector("#bell")?.dataset.unread === "0" && document.querySelectorAll("#notifications li.unread").length === 0);

  // My settings: the daily digest in Moscow time at 8.
  await page.click("#who");
  await page.waitForSelector("#digest-form");
  assert.equal(await page.inputValue("#digest-zone"), "", "no digest at first");
  await page.selectOption("#digest-zone", "Europe/Moscow");
  await page.selectOption("#digest-hour", "8");
  await page.click("#digest-form button[type=submit]");
  await page.waitForFunction(() => /8:00 \(Europe\/Moscow\)/.test(document.querySelector("#digest-status")?.textContent || ""));
  await shot(page, "33-my-settings");
  await page.reload();
  await page.waitForSelector("#digest-form");
  assert.equal(await page.inputValue("#digest-zone"), "Europe/Moscow", "the setting is the server's");
  assert.equal(await page.inputValue("#digest-hour"), "8");

  assert.deepEqual(seen.errors, [], "no script errors");
  assert.deepEqual(seen.foreign, []);
  assert.deepEqual(seen.dialogs, []);
  await page.close();
  await context.close();
});

// Last: it reads what the flows above found.
test("axe-core finds no serious or critical accessibility violation on any page shot", () => {
  assert.deepEqual(inaccessible, []);
});
