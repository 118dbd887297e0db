// The console's Sequences and Mail merge pages in real headless Chromium (Debian's /usr/bin/chromium) against the
// real server. Run by tests/api/console_sequences.rs: a salesperson (owner@, in Russian) whose personal mailbox on a
// private Dovecot sends through a real SMTP sink, two contacts of theirs, a draft sequence to delete, and their team
// lead (lead@, in English, on a phone's width). FIXTURE carries the ids.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AXE, BASE, FIXTURE, artifactsDir, newContext, pages, useChromium } from "./harness.mjs";

const ARTIFACTS = artifactsDir("test-artifacts/console-sequences");
useChromium(ARTIFACTS, 12);
const inaccessible = [];

/** A signed-in page in one language; records page errors and any request that leaves the server. */
async function signedIn(email, lang, viewport = { width: 1280, height: 800 }) {
  const context = await newContext({ locale: lang === "ru" ? "ru-RU" : "en-GB", viewport });
  const seen = { foreign: [], errors: [] };
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(BASE)) return route.continue();
    seen.foreign.push(url);
    return route.abort();
  });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  pages.push(page);
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  await page.goto(BASE + "/");
  await page.evaluate((l) => localStorage.setItem("mailroom.lang", l), lang);
  await page.reload();
  await page.waitForSelector("#signin-form");
  await page.fill("#login-email", email);
  await page.fill("#login-password", FIXTURE.password);
  await page.click("#signin-form button[type=submit]");
  await page.waitForSelector("#nav a");
  return { context, page, seen };
}

async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, name + ".png"), fullPage: true });
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  const found = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] }))
    .violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`));
  for (const f of found) inaccessible.push(`${name}: ${f}`);
}

const text = (page, selector) => page.locator(selector).innerText().then((s) => s.replace(/[\s\u00a0\u202f]+/g, " ").trim());

/** The enrolments table as the user reads it: one array of cell texts per row. */
const enrolmentRows = (page) => page.evaluate(() => [...document.querySelectorAll("#enrolment-table tbody tr[data-enrolment]")]
  .map((tr) => [...tr.children].map((c) => c.textContent.replace(/[\s\u00a0\u202f]+/g, " ").trim())));

test("the salesperson builds a two-step sequence, enrols two contacts and sees step 1 sent (in Russian)", async () => {
  const { context, page, seen } = await signedIn(FIXTURE.owner_email, "ru");
  await page.click('#nav a[href="#/sequences"]');
  await page.waitForSelector(`#sequence-table tr[data-sequence="${FIXTURE.draft_id}"]`);
  assert.match(await text(page, "h1"), /Цепочки писем/);
  await page.click("#sequence-new");
  await page.waitForSelector("#sequence-form");
  // The salesperson's own mailbox is offered (`/me/mailboxes`: the mailboxes they may send from).
  assert.equal(await page.inputValue("#seq-mailbox"), String(FIXTURE.mailbox_id));
  await page.fill("#seq-name", "Предложение");
  await page.fill("#seq-step-0-subject", "Предложение для ");
  await page.click("#seq-step-0-subject-field-insert");
  await page.fill("#seq-step-0-body", "Добрый день, ");
  await page.selectOption("#seq-step-0-field", "contact.name");
  await page.click("#seq-step-0-field-insert");
  await page.type("#seq-step-0-body", "! Наше предложение.");
  assert.equal(await page.inputValue("#seq-step-0-body"), "Добрый день, {{contact.name}}! Наше предложение.");
  assert.equal(await page.isChecked("#seq-step-1-reply"), true, "a later step is a reply by default");
  assert.equal(await page.isDisabled("#seq-step-0-reply"), true, "the first step has nothing to reply to");
  await page.fill("#seq-step-1-delay", "3");
  await page.selectOption("#seq-step-1-delay-unit", "working_days");
  // Step 2 has no text yet: the server's refusal lands beside its field.
  await page.click("#sequence-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector('[data-error-for="steps[1].subject"]')?.textContent);
  assert.match(await text(page, '[data-error-for="steps[1].subject"]'), /Проверьте значение/);
  assert.equal(await page.locator("#seq-title").count(), 0, "nothing saved");
  await page.fill("#seq-step-1-body", "Напоминаю о предложении.");
  await page.fill("#seq-window-start", "00:00");
  await page.fill("#seq-window-end", "24:00");
  await page.check("#seq-day-6");
  await page.check("#seq-day-7");
  await page.selectOption("#seq-zone", "UTC");
  await shot(page, "sequence-editor");
  await page.click("#sequence-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#seq-title")?.textContent === "Предложение");
  assert.match(page.url(), /#\/sequences\/\d+$/);

  // Enrol both contacts from the search picker.
  await page.waitForSelector(`#enrol-contact-results [data-contact="${FIXTURE.petr_id}"]`);
  await page.check(`#enrol-contact-results [data-contact="${FIXTURE.irina_id}"]`);
  await page.check(`#enrol-contact-results [data-contact="${FIXTURE.petr_id}"]`);
  assert.match(await text(page, "#enrol-contact-count"), /Выбраны: 2/);
  await page.click("#enrol-form button[type=submit]");
  await page.waitForSelector("#enrolled-count");
  assert.equal(await text(page, "#enrolled-count"), "Включено: 2.");

  // The worker sends step 1 within seconds; the page follows it.
  await page.waitForFunction(() => document.querySelectorAll('#enrolment-table li[data-letter="1"][data-state="sent"]').length === 2,
    null, { timeout: 30000 });
  const rows = await enrolmentRows(page);
  assert.deepEqual(rows.map((r) => r[0]).sort(), ["irina@client-firm.ru", "petr@client-firm.ru"]);
  for (const r of rows) {
    assert.deepEqual(r.slice(1, 4), ["идёт", "—", "Шаг 2"], JSON.stringify(r));
    assert.notEqual(r[4], "—", "the next step's due time is shown");
    assert.match(r[5], /шаг 1: отправлено/);
    assert.match(r[5], /Предложение для (Ирина|Пётр)/);
  }
  assert.match(await text(page, "#enrolment-table thead"), /Когда \(UTC\)|Когда \(\w+\/\w+\)/);
  await page.waitForFunction(() => document.querySelector('#seq-report-table tr[data-report-step="1"] [data-stat="sent"]')?.textContent === "2");
  assert.match(await text(page, '#seq-report [data-stat="seq_enrolled"]'), /^2/);
  assert.equal(await text(page, '#seq-report-table tr[data-report-step="2"] [data-stat="sent"]'), "0");

  // Enrolling Ирина again: she is listed as skipped, with the reason in words.
  await page.check(`#enrol-contact-results [data-contact="${FIXTURE.irina_id}"]`);
  await page.click("#enrol-form button[type=submit]");
  await page.waitForSelector(`#skipped li[data-skipped="${FIXTURE.irina_id}"]`);
  assert.equal(await text(page, `#skipped li[data-skipped="${FIXTURE.irina_id}"]`), "Ирина: уже в цепочке");
  assert.equal(await text(page, "#enrolled-count"), "Включено: 0.");
  await shot(page, "sequence-page");

  // The list counts them from the report.
  await page.click('#nav a[href="#/sequences"]');
  const row = page.locator("#sequence-table tr", { hasText: "Предложение" });
  await row.waitFor();
  assert.equal(await row.locator('[data-stat="enrolled"]').innerText(), "2");
  assert.equal(await row.locator('[data-stat="replied"]').innerText(), "0 (0%)");
  await shot(page, "sequence-list");

  // Edit opens the editor with what was saved; saving it again keeps it.
  await row.locator("a").click();
  await page.click("#seq-edit");
  await page.waitForSelector("#sequence-form");
  assert.equal(await page.inputValue("#seq-name"), "Предложение");
  assert.equal(await page.inputValue("#seq-step-0-subject"), "Предложение для {{contact.name}}");
  assert.equal(await page.inputValue("#seq-step-1-delay"), "3");
  assert.equal(await page.inputValue("#seq-step-1-delay-unit"), "working_days");
  assert.equal(await page.isChecked("#seq-step-1-reply"), true);
  assert.equal(await page.inputValue("#seq-window-end"), "24:00");
  assert.equal(await page.isChecked("#seq-day-7"), true);
  assert.equal(await page.inputValue("#seq-zone"), "UTC");
  await page.fill("#seq-step-1-body", "Напоминаю о нашем предложении.");
  await page.click("#sequence-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#seq-status")?.textContent);
  assert.equal(await text(page, "#seq-status"), "Цепочка сохранена.");
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.foreign, []);
  await context.close();
});

test("the team lead sees the salesperson's sequence and its enrolments on a phone's width (in English)", async () => {
  const { context, page, seen } = await signedIn(FIXTURE.lead_email, "en", { width: 390, height: 844 });
  await page.click('#nav a[href="#/sequences"]');
  const row = page.locator("#sequence-table tr", { hasText: "Предложение" });
  await row.waitFor();
  assert.equal(await row.locator('[data-stat="enrolled"]').innerText(), "2");
  await row.locator("a").click();
  await page.waitForSelector('#enrolment-table li[data-letter="1"][data-state="sent"]');
  const rows = await enrolmentRows(page);
  assert.equal(rows.length, 2);
  for (const r of rows) assert.deepEqual(r.slice(1, 4), ["active", "—", "Step 2"]);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page fits the phone's width (${overflow}px too wide)`);
  await shot(page, "sequence-page-phone");
  assert.deepEqual(seen.errors, []);
  await context.close();
});

test("the salesperson deletes the draft sequence after confirming it", async () => {
  const { context, page, seen } = await signedIn(FIXTURE.owner_email, "ru");
  await page.click('#nav a[href="#/sequences"]');
  const draft = `#sequence-table tr[data-sequence="${FIXTURE.draft_id}"]`;
  await page.click(`${draft} [data-delete]`);
  assert.match(await text(page, `${draft} .confirm`), /Удалить цепочку «Черновик» со всеми включёнными\?/);
  await page.click(`${draft} .confirm button:not([data-confirm-delete])`);
  assert.equal(await page.locator(`${draft} [data-delete]`).count(), 1, "cancel keeps it");
  await page.click(`${draft} [data-delete]`);
  await page.click(`${draft} [data-confirm-delete]`);
  await page.waitForSelector(draft, { state: "detached" });
  assert.equal(await text(page, "#seq-list-status"), "Цепочка удалена.");
  await page.reload();
  await page.waitForSelector("#sequence-table");
  assert.equal(await page.locator(draft).count(), 0, "gone after a reload too");
  assert.equal(await page.locator("#sequence-table tr", { hasText: "Предложение" }).count(), 1);
  assert.deepEqual(seen.errors, []);
  await context.close();
});

test("mail merge: previewed for one recipient as it is typed (record text kept as text), sent now with an attachment, progress to the end (in Russian)", async () => {
  const { context, page, seen } = await signedIn(FIXTURE.owner_email, "ru");
  await page.click('#nav a[href="#/mail-merge"]');
  await page.waitForSelector("#mail-merge-form");
  assert.equal(await page.inputValue("#mm-mailbox"), String(FIXTURE.mailbox_id));
  await page.fill("#mm-subject", "Счёт для {{contact.name}}");
  await page.fill("#mm-body", "Здравствуйте, <img src=x onerror=\"window.__pwned=1\">");
  await page.selectOption("#mm-body-field", "contact.email");
  await page.click("#mm-body-field-insert");
  await page.fill("#mm-preview-contact-q", "Пётр");
  await page.waitForFunction(() => document.querySelector("#mm-preview-subject")?.textContent.includes("Счёт для Пётр"));
  const letter = await page.locator("#mm-preview-text").textContent();
  assert.equal(letter, "Здравствуйте, <img src=x onerror=\"window.__pwned=1\">petr@client-firm.ru");
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "the text stayed text");
  await page.check(`#mm-contact-results [data-contact="${FIXTURE.irina_id}"]`);
  assert.match(await text(page, "#mm-contact-count"), /Выбраны: 1/);
  // One attachment uploaded once, then sent now: the progress follows the merge's report to the end.
  await page.setInputFiles("#mm-files", { name: "Счёт.txt", mimeType: "text/plain", buffer: Buffer.from("счёт № 7\n") });
  await page.waitForSelector("#mm-files-list li[data-attachment]");
  assert.match(await text(page, "#mm-files-list"), /Счёт\.txt/);
  assert.equal(await page.inputValue("#mm-when"), "now");
  await page.click('#mail-merge-form button[type="submit"]');
  await page.waitForSelector("#mm-accepted");
  assert.match(await text(page, "#mm-accepted"), /1/);
  await page.waitForFunction(() => /Готово: отправлено 1, ошибок 0/.test(document.querySelector("#mm-progress-line")?.textContent || ""),
    null, { timeout: 30000 });
  await shot(page, "mail-merge");
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.foreign, []);
  await context.close();
  assert.deepEqual(inaccessible, [], "no serious accessibility findings");
});
