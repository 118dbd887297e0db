// The console's global search in real headless Chromium against the real server (run by tests/api/console_search.rs,
// which synced Ivan's and Olga's mailboxes from a real Dovecot: FIXTURE). Another inflection finds the mail, a
// <script> in a body shows as text, a click opens the mail, and Olga does not find Ivan's mail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AXE, BASE, FIXTURE, artifactsDir, newContext, useChromium } from "./harness.mjs";

const ARTIFACTS = artifactsDir("test-artifacts/console-search");
useChromium(ARTIFACTS, 12);

async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, name + ".png"), fullPage: true });
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  return page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] }))
    .violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id));
}

async function signedIn(email, locale) {
  const context = await newContext({ locale, viewport: { width: 1280, height: 800 } });
  await context.route("**/*", (route) => (route.request().url().startsWith(BASE) ? route.continue() : route.abort()));
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("dialog", (d) => { errors.push("dialog: " + d.message()); d.dismiss(); });
  await page.goto(BASE + "/");
  await page.waitForSelector("#signin-form");
  await page.fill("#login-email", email);
  await page.fill("#login-password", FIXTURE.password);
  await page.click("#signin-form button[type=submit]");
  await page.waitForSelector("#search-box");
  return { context, page, errors };
}

async function searchFor(page, q) {
  await page.fill("#search-box", q);
  await page.press("#search-box", "Enter");
  // The page for this query, drawn: its groups, or its "nothing found".
  await page.waitForFunction((q) => document.querySelector("#main h1")?.textContent.includes(q)
    && (document.querySelector("#search-results section") || /Ничего|Nothing/.test(document.querySelector("#main .status")?.textContent || "")), q);
}

test("Ivan finds his contract by another inflection, sees the markup as text and opens the mail", async () => {
  const { context, page, errors } = await signedIn(FIXTURE.ivan_email, "ru-RU");
  await searchFor(page, "договоры");
  const hits = page.locator("#search-mail li.search-hit");
  assert.equal(await hits.count(), 2);
  assert.equal(await page.textContent("#search-mail h2"), "Почта");
  const first = hits.first();
  assert.equal(await first.locator(".search-hit-title").textContent(), "Договор поставки");
  assert.equal(await first.locator(".search-hit-title mark").textContent(), "Договор");
  assert.deepEqual(await first.locator(".search-snippet mark").allTextContents(), ["договор"]);
  // The mail's <script> is text of the snippet: no element, no dialog.
  assert.match(await first.locator(".search-snippet").textContent(), /<script>alert\('x'\)<\/script>/);
  assert.equal(await page.locator("#search-results script").count(), 0);
  const found = await shot(page, "search-ru");
  await first.locator(".search-hit-title").click();
  await page.waitForSelector("#mail-subject");
  assert.equal(await page.textContent("#mail-subject"), "Договор поставки");

  // Too short a query says so in words.
  await page.fill("#search-box", "д");
  await page.press("#search-box", "Enter");
  await page.waitForSelector("#main .form-error");
  assert.match(await page.textContent("#main .form-error"), /две буквы/);
  assert.deepEqual(found, [], "no serious accessibility findings");
  assert.deepEqual(errors, []);
  await context.close();
});

test("Olga, in English, finds her own contract and not Ivan's", async () => {
  const { context, page, errors } = await signedIn(FIXTURE.olga_email, "en-GB");
  await searchFor(page, "contracts договор");
  assert.equal(await page.textContent("#main .status"), "Nothing found.", "every term must match");
  await searchFor(page, "договору");
  const titles = await page.locator("#search-mail .search-hit-title").allTextContents();
  assert.deepEqual(titles, ["Договор аренды склада"]);
  assert.equal(await page.textContent("#search-mail h2"), "Mail");
  assert.deepEqual(await shot(page, "search-en"), []);
  assert.deepEqual(errors, []);
  await context.close();
});
