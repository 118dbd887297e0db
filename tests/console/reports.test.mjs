// The console's reports pages in real headless Chromium (Debian's /usr/bin/chromium) against the real server. Run by
// tests/api/console_reports.rs, which makes the deals and leads through the API (FIXTURE). The figures below are
// worked out by hand from that fixture (see tests/api/reports.rs and console_reports.rs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AXE, BASE, FIXTURE, artifactsDir, newContext, pages, useChromium } from "./harness.mjs";

const ARTIFACTS = artifactsDir("test-artifacts/console-reports");
useChromium(ARTIFACTS, 12);
const inaccessible = [];
const OCTOBER = "from=2026-10-01&to=2026-10-31";

/** A signed-in page in one language (the console's switch set to it); records page errors and foreign requests. */
async function signedIn(email, password, lang) {
  const context = await newContext({ locale: lang === "ru" ? "ru-RU" : "en-GB", viewport: { width: 1280, height: 800 } });
  const seen = { foreign: [], errors: [] };
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(BASE) || url.startsWith("blob:" + BASE)) return route.continue();
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
  await page.fill("#login-password", password);
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

/** Rows of a report's table as the user reads them (spaces of any kind made plain). */
const tableRows = (page, id) => page.evaluate((id) => [...document.querySelectorAll(`#${id} tbody tr`)]
  .map((tr) => [...tr.children].map((c) => c.textContent.replace(/[\s\u00a0\u202f]+/g, " ").trim())), id);

/** Waits until the table shows what `check` wants (a report redraws after each filter change). */
async function waitRows(page, id, check, what) {
  const until = Date.now() + 10000;
  let last = null;
  while (Date.now() < until) {
    last = await tableRows(page, id).catch(() => null);
    if (last && last.length && check(last)) return last;
    await page.waitForTimeout(100);
  }
  assert.fail(`${what}: the table ${id} shows ${JSON.stringify(last)}`);
}

const row = (rows, name) => rows.find((r) => r[0] === name);
const bars = (page, chart, series) => page.evaluate(([chart, series]) =>
  [...document.querySelectorAll(`#${chart} rect[data-series="${series}"]`)].map((r) => Number(r.dataset.value)), [chart, series]);
const hashQuery = (page) => page.evaluate(() => new URLSearchParams(location.hash.split("?")[1] || "").toString());

async function apiToken(email, password) {
  const r = await fetch(BASE + "/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }) });
  assert.equal(r.status, 200);
  return (await r.json()).token;
}

test("admin: the funnel's bars and table show the hand-computed figures; filters change them and the address", async () => {
  const { context, page, seen } = await signedIn(FIXTURE.admin_email, FIXTURE.admin_password, "en");
  await page.click('#nav a[href="#/reports"]');
  await page.waitForSelector("#funnel-table");
  assert.match(page.url(), /#\/reports\/funnel$/);
  assert.equal(await page.textContent("main h1"), "Reports");

  // October 2026: the five deals of reports.rs, nothing of the leads converted today.
  await page.fill("#report-from", "2026-10-01");
  await page.fill("#report-to", "2026-10-31");
  const october = [
    ["Qualification", "open", "1", "50,000.00", "5", "80%", "3.75"],
    ["Proposal", "open", "1", "30,000.00", "4", "50%", "3"],
    ["Negotiation", "open", "0", "0.00", "2", "100%", "1"],
    ["Won", "won", "2", "180,000.00", "2", "—", "—"],
    ["Lost", "lost", "1", "20,000.00", "1", "—", "—"],
  ];
  await waitRows(page, "funnel-table", (r) => r[0][4] === "5", "October's funnel");
  assert.deepEqual(await tableRows(page, "funnel-table"), october);
  assert.deepEqual(await bars(page, "funnel-chart", "reached"), [5, 4, 2, 2, 1], "a bar per stage, as long as those that reached it");
  assert.match(await page.textContent('#funnel-chart [data-row="Qualification"] .row-note'), /now: 1 · 50,000\.00 · → 80%/);
  assert.equal(await hashQuery(page), OCTOBER);
  await shot(page, "01-admin-funnel-october");

  // A reload (or the link shared) shows the same report with the same filters.
  await page.reload();
  await waitRows(page, "funnel-table", (r) => r[0][4] === "5", "after a reload");
  assert.deepEqual(await tableRows(page, "funnel-table"), october);
  assert.equal(await page.inputValue("#report-from"), "2026-10-01");

  // One salesperson: boris's won deal only.
  await page.selectOption("#report-user", String(FIXTURE.boris_id));
  let rows = await waitRows(page, "funnel-table", (r) => r[0][4] === "1", "boris's funnel");
  assert.deepEqual(row(rows, "Won").slice(2, 5), ["1", "80,000.00", "1"]);
  assert.equal(await hashQuery(page), `${OCTOBER}&user_id=${FIXTURE.boris_id}`);
  // One team (the lead and anna): D1–D4.
  await page.selectOption("#report-user", "");
  await page.selectOption("#report-team", String(FIXTURE.team_id));
  rows = await waitRows(page, "funnel-table", (r) => r[0][4] === "4", "the team's funnel");
  assert.deepEqual(rows[0], ["Qualification", "open", "1", "50,000.00", "4", "75%", "1.67"]);
  assert.deepEqual(rows[1].slice(4, 6), ["3", "33.3%"]);
  await page.goBack();
  await waitRows(page, "funnel-table", (r) => r[0][4] === "5", "back to everyone");
  await page.selectOption("#report-team", "");

  // All time: also today's two converted deals (one won, one open in Qualification).
  await page.click('button[data-quick="all_time"]');
  rows = await waitRows(page, "funnel-table", (r) => r[0][4] === "7", "the funnel of all time");
  assert.deepEqual(rows[0].slice(2, 6), ["2", "60,000.00", "7", "71.4%"]);
  assert.deepEqual(row(rows, "Won").slice(2, 5), ["3", "220,000.00", "3"]);
  assert.equal(await hashQuery(page), "");
  // This month: only those two.
  await page.click('button[data-quick="this_month"]');
  rows = await waitRows(page, "funnel-table", (r) => r[0][4] === "2", "this month's funnel");
  assert.deepEqual(row(rows, "Won").slice(2, 5), ["1", "40,000.00", "1"]);
  const now = new Date();
  const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  const first = iso(new Date(now.getFullYear(), now.getMonth(), 1));
  const last = iso(new Date(now.getFullYear(), now.getMonth() + 1, 0));
  assert.equal(await hashQuery(page), `from=${first}&to=${last}`);

  // Downloads of what is shown: October's funnel as CSV (with the BOM) and as .xlsx.
  await page.fill("#report-from", "2026-10-01");
  await page.fill("#report-to", "2026-10-31");
  await waitRows(page, "funnel-table", (r) => r[0][4] === "5", "October again");
  const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#report-csv")]);
  assert.equal(csv.suggestedFilename(), "funnel-2026-10-01-2026-10-31.csv");
  const bytes = readFileSync(await csv.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 with BOM");
  const lines = bytes.subarray(3).toString("utf8").split(/\r?\n/);
  assert.equal(lines[1], "Qualification;open;1;50000.00;5;0.8;3.75");
  assert.match(lines[0], /^Stage;/, "English headers, the console's language");
  const [xlsx] = await Promise.all([page.waitForEvent("download"), page.click("#report-xlsx")]);
  assert.equal(xlsx.suggestedFilename(), "funnel-2026-10-01-2026-10-31.xlsx");
  assert.equal(readFileSync(await xlsx.path()).subarray(0, 2).toString(), "PK", "an .xlsx (a zip)");
  assert.match(await page.textContent("#report-download-status"), /Saved funnel-2026-10-01-2026-10-31\.xlsx/);

  // A range that ends before it starts: the API's refusal beside the field it names, and no stale chart.
  await page.fill("#report-from", "2026-11-01");
  await page.waitForSelector('#report-filters [data-error-for="to"]:not(:empty)');
  assert.match(await page.textContent('[data-error-for="to"]'), /before 'from'/);
  assert.equal(await page.getAttribute("#report-to", "aria-invalid"), "true");
  assert.equal(await page.locator("#funnel-chart").count(), 0);
  await page.fill("#report-from", "2026-10-01");
  await waitRows(page, "funnel-table", (r) => r[0][4] === "5", "October once more");
  assert.equal(await page.textContent('[data-error-for="to"]'), "", "the error goes with the fix");

  // Narrow: the chart fits a phone's width and keeps its words.
  await page.setViewportSize({ width: 360, height: 800 });
  const fit = await page.evaluate(() => ({ chart: document.querySelector("#funnel-chart").getBoundingClientRect().right,
    page: document.documentElement.clientWidth, content: document.documentElement.scrollWidth }));
  assert.ok(fit.chart <= fit.page, `the chart fits (${fit.chart} ≤ ${fit.page})`);
  assert.ok(fit.content <= fit.page, `nothing sticks out sideways (${fit.content} ≤ ${fit.page})`);
  assert.deepEqual(await bars(page, "funnel-chart", "reached"), [5, 4, 2, 2, 1]);
  await shot(page, "02-admin-funnel-narrow");
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.foreign, []);
  await context.close();
});

test("admin: deal dynamics per month and week with the forecast, and lead sources", async () => {
  const { context, page, seen } = await signedIn(FIXTURE.admin_email, FIXTURE.admin_password, "en");
  await page.goto(BASE + "/#/reports/funnel?from=2026-10-01&to=2026-11-30");
  await page.waitForSelector("#funnel-table");
  await page.click("#report-tab-deals");
  await waitRows(page, "deals-table", (r) => r.length === 2, "two months");
  assert.match(page.url(), /#\/reports\/deals\?from=2026-10-01&to=2026-11-30$/, "the tab keeps the period");
  assert.deepEqual(await tableRows(page, "deals-table"), [
    ["October 2026", "1", "100,000.00", "0", "0.00"],
    ["November 2026", "1", "80,000.00", "1", "20,000.00"],
  ]);
  assert.deepEqual(await bars(page, "deals-chart", "won"), [1, 1]);
  assert.deepEqual(await bars(page, "deals-chart", "lost"), [0, 1]);
  // Open now: D2 50 000 × 10 %, D4 30 000 × 40 %, Charlie's 10 000 × 10 %.
  assert.equal(await page.textContent('[data-figure="forecast"] .tile-value'), "18,000.00");
  assert.equal(await page.textContent('[data-figure="open_amount"] .tile-value'), "90,000.00");
  await shot(page, "03-admin-deals");
  await page.selectOption("#report-period", "week");
  const weeks = await waitRows(page, "deals-table", (r) => r.length === 10, "ten weeks, 28 Sep to 30 Nov");
  assert.deepEqual(row(weeks, "week of 12 Oct 2026"), ["week of 12 Oct 2026", "1", "100,000.00", "0", "0.00"]);
  assert.deepEqual(row(weeks, "week of 2 Nov 2026").slice(3), ["1", "20,000.00"]);
  assert.match(page.url(), /period=week/);

  await page.click("#report-tab-sources");
  await page.click('button[data-quick="all_time"]');
  await waitRows(page, "sources-table", (r) => r.length === 3, "three sources");
  assert.deepEqual(await tableRows(page, "sources-table"), [
    ["website", "2", "1", "40,000.00"], ["phone", "1", "1", "0.00"], ["(no source)", "1", "0", "0.00"],
  ]);
  assert.deepEqual(await bars(page, "sources-chart", "leads"), [2, 1, 1]);
  assert.deepEqual(await bars(page, "sources-chart", "converted"), [1, 1, 0]);
  await shot(page, "04-admin-sources");
  assert.deepEqual(seen.errors, []);
  await context.close();
});

test("admin: the manager, campaign and data-quality pages show the API's answer, or its error in words", async () => {
  const { context, page, seen } = await signedIn(FIXTURE.admin_email, FIXTURE.admin_password, "en");
  const token = await apiToken(FIXTURE.admin_email, FIXTURE.admin_password);
  for (const [tab, path, table] of [["managers", "managers", "managers-table"], ["campaigns", "campaigns", "campaigns-table"],
    ["quality", "data-quality", "quality-table"]]) {
    await page.goto(`${BASE}/#/reports/${tab}`);
    const answer = await fetch(`${BASE}/api/v1/reports/${path}`, { headers: { Authorization: "Bearer " + token } });
    const body = await answer.json().catch(() => null);
    if (answer.ok) {
      await page.waitForSelector("#" + table);
      const rows = await tableRows(page, table);
      if (body.rows) assert.equal(rows.length, Math.max(1, body.rows.length), `${tab}: a row per answer row`);
      else assert.deepEqual(rows[0].slice(0, 2), ["Contacts", new Intl.NumberFormat("en-GB").format(body.contacts)]);
    } else {
      await page.waitForSelector("#report-result .report-error");
      const text = await page.textContent("#report-result .report-error");
      assert.match(text, /^The report could not be loaded: /, tab);
      assert.ok(text.includes(body.error.message), `${tab}: the API's words (${body.error.message}) in ${text}`);
      if (answer.status === 404) assert.match(text, /This report is not on this server yet/);
    }
    await shot(page, "05-admin-" + tab);
  }
  assert.deepEqual(seen.errors, []);
  await context.close();
});

test("a salesperson (in Russian) sees only their own figures; marketing only its reports", async () => {
  const { context, page, seen } = await signedIn(FIXTURE.anna_email, FIXTURE.password, "ru");
  await page.click('#nav a[href="#/reports"]');
  await page.waitForSelector("#funnel-table");
  assert.equal(await page.textContent("main h1"), "Отчёты");
  assert.equal(await page.locator("#report-team").count(), 0, "no team picker");
  const people = await page.evaluate(() => [...document.querySelectorAll("#report-user option")].map((o) => o.textContent));
  assert.deepEqual(people, ["Все мои показатели", "Тестовый Пользователь"], "only herself");
  await page.fill("#report-from", "2026-10-01");
  await page.fill("#report-to", "2026-10-31");
  // Anna's D1, D2, D3.
  const rows = await waitRows(page, "funnel-table", (r) => r[0][4] === "3", "anna's funnel");
  assert.deepEqual(rows[0], ["Qualification", "в работе", "1", "50 000,00", "3", "66,7 %", "1,5"]);
  assert.deepEqual(rows[1].slice(2, 6), ["0", "0,00", "2", "50 %"]);
  assert.deepEqual(row(rows, "Won").slice(1, 5), ["выиграна", "1", "100 000,00", "1"]);
  // Asking for someone else's figures through the address answers zeros, never theirs.
  await page.goto(`${BASE}/#/reports/funnel?${OCTOBER}&user_id=${FIXTURE.boris_id}`);
  await waitRows(page, "funnel-table", (r) => r.every((c) => c[4] === "0"), "none of boris's deals");
  await page.click("#report-tab-sources");
  await page.click('button[data-quick="all_time"]');
  await waitRows(page, "sources-table", (r) => r.length === 2 && r[0][1] === "2", "anna's sources");
  assert.deepEqual(await tableRows(page, "sources-table"), [["website", "2", "1", "40 000,00"], ["(без источника)", "1", "0", "0,00"]]);
  await shot(page, "06-sales-sources-ru");
  assert.deepEqual(seen.errors, []);
  await context.close();

  // Her team lead picks the team they lead and its members (GET /me/teams), and a member's figures are hers.
  const lead = await signedIn(FIXTURE.lead_email, FIXTURE.password, "en");
  await lead.page.goto(`${BASE}/#/reports/funnel?${OCTOBER}`);
  await lead.page.waitForSelector("#funnel-table");
  const teams = await lead.page.evaluate(() => [...document.querySelectorAll("#report-team option")].map((o) => o.textContent));
  assert.deepEqual(teams, ["All teams", "Север"], "the team they lead");
  const members = await lead.page.evaluate(() => [...document.querySelectorAll("#report-user option")].map((o) => o.textContent));
  assert.ok(members.some((m) => m.includes(FIXTURE.anna_email)), members.join(" | "));
  assert.ok(!members.some((m) => /boris@/.test(m)), "nobody outside the team: " + members.join(" | "));
  const anna = await lead.page.evaluate((email) => [...document.querySelectorAll("#report-user option")].find((o) => o.textContent.includes(email)).value, FIXTURE.anna_email);
  await lead.page.selectOption("#report-user", anna);
  await waitRows(lead.page, "funnel-table", (r) => r[0][4] === "3", "anna's funnel through her lead");
  await lead.page.waitForFunction((id) => location.hash.includes(`user_id=${id}`), anna);
  assert.deepEqual(lead.seen.errors, []);
  await lead.context.close();

  // Marketing's navigation links to its two reports.
  const mkt = await signedIn(FIXTURE.marketing_email, FIXTURE.password, "en");
  await mkt.page.click('#nav a[href="#/reports"]');
  await mkt.page.waitForSelector("#report-tab-campaigns");
  await mkt.page.waitForFunction(() => location.hash.startsWith("#/reports/campaigns"));
  const tabs = await mkt.page.evaluate(() => [...document.querySelectorAll(".report-tabs a")].map((a) => a.id));
  assert.deepEqual(tabs, ["report-tab-campaigns", "report-tab-quality"], "no sales report for marketing");
  await mkt.page.waitForSelector("#campaigns-table, #report-result .report-error");
  await shot(mkt.page, "07-marketing-reports");
  assert.deepEqual(mkt.seen.errors, []);
  await mkt.context.close();
});

// Last: it reads what the flows above found.
test("axe-core finds no serious or critical accessibility violation on any reports page", () => {
  assert.deepEqual(inaccessible, []);
});
