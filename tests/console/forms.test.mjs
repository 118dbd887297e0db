// Web forms in real headless Chromium against the real server (run by tests/api/console_forms.rs): the admin makes a
// form on the Integrations page, takes its snippet, a visitor's page with the snippet submits it as a plain HTML
// post, and the admin sees the lead in the leads list and the submission in the form's log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { BASE, FIXTURE, artifactsDir, newContext, pages, useChromium } from "./harness.mjs";

const ARTIFACTS = artifactsDir("test-artifacts/console-forms");
useChromium(ARTIFACTS, 12);

test("a form made in the console, pasted into a page and submitted, gives a lead with its consent", async () => {
  const context = await newContext({ locale: "ru-RU", viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  pages.push(page);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(BASE + "/");
  await page.evaluate(() => localStorage.setItem("mailroom.lang", "ru"));
  await page.reload();
  await page.waitForSelector("#signin-form");
  await page.fill("#login-email", FIXTURE.admin_email);
  await page.fill("#login-password", FIXTURE.admin_password);
  await page.click("#signin-form button[type=submit]");
  await page.waitForSelector("#nav a");

  await page.click('#nav a[href="#/integrations"]');
  await page.waitForSelector("#form-form");
  await page.fill("#form-name", "Заявка <с сайта>");
  await page.fill("#form-consent", "Согласен на обработку персональных данных <ООО «Нордвинд»>");
  await page.click("#form-form button[type=submit]");
  const row = page.locator('#form-table tr[data-form="Заявка <с сайта>"]');
  await row.waitFor();
  assert.match(await row.textContent(), /\/f\//);
  await row.locator("button", { hasText: "Код для сайта" }).click();
  await page.waitForSelector("#form-snippet");
  const snippet = await page.inputValue("#form-snippet");
  assert.match(snippet, /Согласен на обработку персональных данных &lt;ООО «Нордвинд»&gt;/);
  await page.screenshot({ path: join(ARTIFACTS, "01-snippet.png"), fullPage: true });

  // The company's page: the snippet pasted as it is, posted by a visitor.
  const site = await context.newPage();
  pages.push(site);
  await site.setContent(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Нордвинд</title></head>
    <body><h1>Оставьте заявку</h1>${snippet}</body></html>`);
  await site.fill('input[name="name"]', "Пётр <Тестов>");
  await site.fill('input[name="email"]', "petr@zavod-test.ru");
  await site.fill('textarea[name="message"]', "Перезвоните, пожалуйста");
  await site.check('input[name="consent"]');
  await Promise.all([site.waitForNavigation(), site.click('button[type="submit"]')]);
  assert.match(await site.textContent("h1"), /Спасибо/);
  await site.close();

  // The admin sees the lead, its name as text, and the submission in the log.
  await page.click('#nav a[href="#/leads"]');
  await page.waitForFunction(() => (document.querySelector("#main")?.textContent || "").includes("Пётр <Тестов>"));
  await page.click('#nav a[href="#/integrations"]');
  await page.waitForSelector("#form-table");
  await page.locator('#form-table tr[data-form="Заявка <с сайта>"] button', { hasText: "Заявки" }).click();
  await page.waitForSelector("#form-log");
  assert.match(await page.textContent("#form-log"), /создан лид/);
  assert.match(await page.textContent("#form-counts"), /Создано: 1/);
  await page.screenshot({ path: join(ARTIFACTS, "02-log.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
