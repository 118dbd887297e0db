// The console's "Awaiting reply" page and the card's banner in real headless Chromium, against the real server
// (run by tests/api/console_awaiting.rs, which synced a contact's unanswered mail from a real Dovecot and moved the
// server's clock past its due time: FIXTURE).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AXE, BASE, FIXTURE, artifactsDir, newContext, useChromium } from "./harness.mjs";

const ARTIFACTS = artifactsDir("test-artifacts/console-awaiting");
useChromium(ARTIFACTS, 12);

/** Serious or critical axe-core findings on the page, after a screenshot of it. */
async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, name + ".png"), fullPage: true });
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  return page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] }))
    .violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id));
}

test("the owner finds the overdue mail under Awaiting reply and on the contact's card", async () => {
  const context = await newContext({ locale: "en-GB", viewport: { width: 1280, height: 800 } });
  await context.route("**/*", (route) => (route.request().url().startsWith(BASE) ? route.continue() : route.abort()));
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(BASE + "/");
  await page.waitForSelector("#signin-form");
  await page.fill("#login-email", FIXTURE.owner_email);
  await page.fill("#login-password", FIXTURE.owner_password);
  await page.click("#signin-form button[type=submit]");
  await page.click('#nav a[href="#/awaiting"]');
  await page.waitForSelector("#awaiting-table tr[data-overdue]");
  const row = page.locator('#awaiting-table tr[data-overdue="true"]');
  assert.equal(await row.count(), 1, "one overdue thread");
  assert.match(await row.textContent(), new RegExp(FIXTURE.subject));
  assert.match(await row.textContent(), /overdue/);
  assert.match(await page.textContent("#awaiting-count"), /Overdue: 1/);
  const found = await shot(page, "awaiting-page");

  await row.locator("a").click();
  await page.waitForSelector("#awaiting-banner");
  assert.match(await page.textContent("#awaiting-banner"), /Awaiting reply since .+ — due .+ \(overdue\)/);
  assert.match(await page.textContent("#record-title"), new RegExp(FIXTURE.contact_name));
  found.push(...await shot(page, "awaiting-card"));

  // A contact with nothing waiting has no banner.
  await page.goto(`${BASE}/#/contacts/${FIXTURE.quiet_contact_id}`);
  await page.waitForFunction(() => document.querySelector("#record-title")?.textContent === "Тихий Клиент");
  assert.equal(await page.locator("#awaiting-banner").count(), 0);
  assert.deepEqual(found, [], "no serious accessibility findings");
  assert.deepEqual(errors, []);
  await context.close();
});
