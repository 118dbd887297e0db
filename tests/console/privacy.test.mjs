// The Personal data page in real headless Chromium against the real server (run by tests/api/console_privacy.rs):
// the admin sets retention and finds it after a reload, runs a pass, exports a person (the download is a zip with
// person.json), is stopped by the API's error without a reason and by a wrong confirmation, erases them and sees
// the report and the request in the list; a salesperson has no such page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AXE, BASE, FIXTURE, artifactsDir, newContext, pages, useChromium } from "./harness.mjs";

const ARTIFACTS = artifactsDir("test-artifacts/console-privacy");
useChromium(ARTIFACTS, 12);

/** Serious or critical axe-core findings on the page, after a screenshot of it. */
async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, name + ".png"), fullPage: true });
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  return page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] }))
    .violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id));
}

async function signIn(context, email, password) {
  const page = await context.newPage();
  pages.push(page);
  await page.goto(BASE + "/");
  await page.evaluate(() => localStorage.setItem("mailroom.lang", "ru"));
  await page.reload();
  await page.waitForSelector("#signin-form");
  await page.fill("#login-email", email);
  await page.fill("#login-password", password);
  await page.click("#signin-form button[type=submit]");
  await page.waitForSelector("#nav a");
  return page;
}

test("an admin sets retention, exports a person and erases them with a reason", async () => {
  const context = await newContext({ locale: "ru-RU", viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  context.setDefaultTimeout(10000);
  const page = await signIn(context, FIXTURE.admin_email, FIXTURE.admin_password);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.click('#nav a[href="#/privacy"]');
  await page.waitForSelector("#retention-form");

  // Retention: saved, and the same after a reload.
  const mailField = `#retention-mail-${FIXTURE.mailbox_id}`;
  assert.match(await page.textContent("#retention-mailboxes"), /Продажи <общий>/);
  await page.fill("#retention-leads", "18");
  await page.fill(mailField, "24");
  await page.click("#retention-form button[type=submit]");
  await page.waitForFunction(() => /сохранены/.test(document.querySelector("#retention-status")?.textContent || ""));
  await page.reload();
  await page.waitForSelector("#retention-form");
  assert.equal(await page.inputValue("#retention-leads"), "18");
  assert.equal(await page.inputValue(mailField), "24");
  // Out of range: the API's words beside the form.
  await page.fill("#retention-leads", "5000");
  await page.click("#retention-form button[type=submit]");
  await page.waitForFunction(() => /1200|1–1200|1 to 1200/.test(document.querySelector("#retention-form")?.textContent || ""));
  await page.fill("#retention-leads", "18");
  await page.click("#retention-run");
  await page.waitForFunction(() => /Проверка выполнена: ничего не удалено/.test(document.querySelector("#retention-status")?.textContent || ""));
  assert.match(await page.textContent("#retention-last"), /Последняя проверка/);
  assert.match(await page.textContent("#retention-next"), /Следующая плановая проверка/);

  // Export: a download that is a zip holding person.json.
  await page.fill("#privacy-emails", FIXTURE.email);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#privacy-export")]);
  assert.match(download.suggestedFilename(), /\.zip$/);
  const bytes = readFileSync(await download.path());
  assert.equal(bytes.subarray(0, 2).toString("latin1"), "PK");
  assert.ok(bytes.includes(Buffer.from("person.json")), "the zip names person.json");
  await page.waitForSelector("#privacy-download");
  assert.equal(Number(await page.getAttribute("#privacy-download", "data-size")), bytes.length);
  await page.waitForFunction(() => /выгрузка/.test(document.querySelector("#privacy-requests")?.textContent || ""));

  // Erase: no reason → the API's validation error beside the reason; a wrong confirmation → stopped here.
  assert.match(await page.textContent("#privacy-erase"), new RegExp(`введите «${FIXTURE.email.replace(/\./g, "\\.")}»`));
  await page.fill("#privacy-confirm", FIXTURE.email);
  await page.click("#privacy-erase button[type=submit]");
  await page.waitForFunction(() => (document.querySelector('#privacy-erase [data-error-for="reason"]')?.textContent || "").length > 0);
  await page.fill("#privacy-reason", FIXTURE.reason);
  await page.fill("#privacy-confirm", "someone@else.ru");
  await page.click("#privacy-erase button[type=submit]");
  await page.waitForFunction(() => /не то/.test(document.querySelector('#privacy-erase [data-error-for="confirm"]')?.textContent || ""));
  assert.equal(await page.$("#erase-report"), null);
  await page.fill("#privacy-confirm", FIXTURE.email);
  await page.click("#privacy-erase button[type=submit]");
  await page.waitForSelector("#erase-report");
  assert.match(await page.textContent('#erase-report tr[data-count="contacts_deleted"]'), /Контактов удалено\s*1/);
  await page.waitForFunction(() => /удаление/.test(document.querySelector("#privacy-requests")?.textContent || ""));
  const list = await page.textContent("#privacy-requests");
  assert.ok(list.includes(FIXTURE.reason), list);
  assert.ok(!list.includes(FIXTURE.email), "the person is not in the list");
  assert.match(await page.textContent('#privacy-requests tr[data-request]:last-child'), /выгрузка.*Контактов найдено: 1/s);
  assert.deepEqual(await shot(page, "01-erased"), [], "no serious accessibility findings");

  // A second erasure finds nothing more to delete and names the earlier requests.
  const first = await page.textContent("#erase-report h2");
  await page.fill("#privacy-reason", FIXTURE.reason);
  await page.fill("#privacy-confirm", FIXTURE.email);
  await page.click("#privacy-erase button[type=submit]");
  await page.waitForFunction((was) => document.querySelector("#erase-report h2")?.textContent !== was, first);
  assert.match(await page.textContent("#erase-earlier"), /#\d+, #\d+/);
  assert.match(await page.textContent('#erase-report tr[data-count="contacts_deleted"]'), /Контактов удалено\s*0/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a salesperson has no personal data page", async () => {
  const context = await newContext({ locale: "ru-RU", viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10000);
  const page = await signIn(context, FIXTURE.sales_email, FIXTURE.sales_password);
  assert.equal(await page.$('#nav a[href="#/privacy"]'), null);
  await page.goto(BASE + "/#/privacy");
  await page.waitForFunction(() => /только для администраторов/.test(document.querySelector("#main")?.textContent || ""));
  assert.equal(await page.$("#privacy-export"), null);
  await context.close();
});
