// The pane's single sign-on in real headless Chromium with the vendored MSAL: Office.js is stood in for, and so is
// Office's nested app authentication bridge, speaking MSAL's bridge protocol (window.nestedAppAuthBridge:
// postMessage of a JSON NestedAppAuthRequest — GetInitContext, GetToken, GetTokenPopup — answered through the
// "message" listener with a NestedAppAuthResponse of the same requestId). The bridge hands over the access token that
// tests/api/addin_naa.rs signed with the key its identity provider publishes; the server validates it for real.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.MAILROOM_URL;
const FIXTURE = JSON.parse(process.env.MAILROOM_FIXTURE || "{}");
const ARTIFACTS = process.env.MAILROOM_ARTIFACTS || "test-artifacts/addin-naa";
const OFFICE_JS = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js";
assert.ok(BASE, "MAILROOM_URL is set by tests/api/addin_naa.rs");
mkdirSync(ARTIFACTS, { recursive: true });

// Office.js with the NestedAppAuth requirement set and its bridge; what MSAL asked is kept in window.__bridge.
const STAND_IN = `
  (function () {
    const setup = window.__naa;
    const listeners = [];
    const seen = window.__bridge = [];
    window.nestedAppAuthBridge = {
      addEventListener(name, callback) { if (name === "message") listeners.push(callback); },
      removeEventListener(name, callback) { const i = listeners.indexOf(callback); if (i >= 0) listeners.splice(i, 1); },
      postMessage(text) {
        const request = JSON.parse(text);
        seen.push(request);
        const answer = (body) => setTimeout(() => {
          const response = JSON.stringify({ messageType: "NestedAppAuthResponse", requestId: request.requestId, ...body });
          listeners.forEach((callback) => callback(response));
        }, 0);
        if (request.messageType !== "NestedAppAuthRequest") return;
        if (request.method === "GetInitContext") {
          return answer({ success: true, initContext: { sdkName: "office-stand-in", sdkVersion: "1.0.0",
            capabilities: { queryAccount: false } } });
        }
        if (request.method === "GetToken" || request.method === "GetTokenPopup") {
          return answer({ success: true,
            token: { access_token: setup.accessToken, expires_in: 3600, id_token: setup.idToken, properties: null,
              scope: request.tokenParams.scope },
            account: { homeAccountId: "0a1b2c3d-olga." + setup.tenant, environment: "login.microsoftonline.com",
              tenantId: setup.tenant, username: setup.email, localAccountId: "0a1b2c3d-olga", name: "Ольга Смирнова" } });
        }
        answer({ success: false, error: { status: "PERSISTENT_ERROR", code: "unsupported", description: request.method } });
      },
    };
    window.Office = {
      CoercionType: { Text: "text", Html: "html" },
      context: {
        displayLanguage: "en-US",
        requirements: { isSetSupported: (name) => name === "NestedAppAuth" },
        mailbox: { item: setup.item },
      },
      onReady(callback) { setTimeout(() => callback({ host: "Outlook" }), 0); return Promise.resolve({ host: "Outlook" }); },
    };
    setup.item.body = { getAsync(type, cb) { cb({ status: "succeeded", value: "" }); } };
  })();
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

/** Opens the pane on a mail from the contact, with the bridge handing out `accessToken`. */
async function openPane(accessToken) {
  const context = await browser.newContext();
  const seen = { foreign: [], errors: [], typed: [] };
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url === OFFICE_JS) return route.fulfill({ contentType: "application/javascript", body: STAND_IN });
    if (url.startsWith(BASE)) return route.continue();
    seen.foreign.push(url);
    return route.abort();
  });
  const item = { from: { displayName: "Иван Петров", emailAddress: FIXTURE.contact_email }, to: [], cc: [],
    subject: "Поставка", internetMessageId: null, dateTimeCreated: "2026-11-20T10:00:00Z" };
  await context.addInitScript((naa) => { window.__naa = naa; }, { accessToken, idToken: FIXTURE.id_token,
    tenant: FIXTURE.tenant, email: FIXTURE.email, item });
  const page = await context.newPage();
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  page.on("request", (r) => { if (r.url().endsWith("/api/v1/auth/login")) seen.typed.push(r.url()); });
  await page.goto(BASE + "/addin/taskpane.html");
  return { page, seen, context };
}

test("the pane signs itself in through Office and shows the open mail's contact, no password typed", async () => {
  const { page, seen, context } = await openPane(FIXTURE.access_token);
  await page.waitForSelector("#person-name", { timeout: 15000 }).catch(async (e) => {
    throw new Error(e.message + " — status: " + (await page.textContent("#status")) + " — app: " + (await page.textContent("#app")));
  });
  assert.equal(await page.textContent("#person-name"), FIXTURE.contact_name);
  assert.equal(await page.locator("#login-password").count(), 0, "no password form");
  assert.deepEqual(seen.typed, [], "no password sign-in");
  const bridge = await page.evaluate(() => window.__bridge);
  assert.deepEqual(bridge.map((r) => r.method).slice(0, 2), ["GetInitContext", "GetToken"]);
  const asked = bridge[1].tokenParams;
  assert.equal(asked.clientId, FIXTURE.client_id);
  assert.equal(asked.authority, FIXTURE.authority);
  assert.ok(asked.scope.split(" ").includes(FIXTURE.scope), asked.scope);
  // The pane's later calls carry Office's token.
  const me = await page.evaluate(async () => {
    const r = await fetch("/api/v1/me", { headers: { Authorization: "Bearer " + sessionStorage.getItem("mailroom.token") } });
    return r.json();
  });
  assert.equal(me.email, FIXTURE.email);
  await page.screenshot({ path: join(ARTIFACTS, "signed-in-by-office.png"), fullPage: true });
  assert.deepEqual(seen.foreign, [], "no other site: MSAL is served by the server, and NAA goes through Office");
  assert.deepEqual(seen.errors, []);
  await context.close();
});

test("a token for another application shows why and offers the password sign-in, which then works", async () => {
  const { page, seen, context } = await openPane(FIXTURE.wrong_audience_token);
  await page.waitForSelector("#login-password", { timeout: 15000 });
  const message = await page.textContent("#status");
  assert.match(message, /Signing in with your Microsoft 365 account did not work/);
  assert.match(message, /another application/);
  assert.match(message, /password/);
  assert.equal(await page.getAttribute("#status", "class"), "error");
  assert.equal(await page.textContent("#sso-button"), "Sign in with Microsoft 365");
  await page.screenshot({ path: join(ARTIFACTS, "wrong-audience.png"), fullPage: true });
  await page.fill("#login-email", FIXTURE.email);
  await page.fill("#login-password", FIXTURE.password);
  await page.click("#signin-button");
  await page.waitForSelector("#person-name", { timeout: 10000 });
  assert.equal(await page.textContent("#person-name"), FIXTURE.contact_name);
  assert.deepEqual(seen.foreign, []);
  assert.deepEqual(seen.errors, []);
  await context.close();
});
