// What the console's browser suites share: the server's address and fixture from the Rust test that runs each file
// (tests/api/console*.rs through tests/api/browser.rs), Debian's Chromium launched once per file, a picture of where
// a failed test stood, and axe-core's source (evaluated through the DevTools protocol, so the page's own scripts
// stay under the console's CSP).
import { before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const BASE = process.env.MAILROOM_URL;
export const FIXTURE = JSON.parse(process.env.MAILROOM_FIXTURE || "{}");
assert.ok(BASE, "MAILROOM_URL is set by the Rust test that runs this file");
export const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The pages a test opened, newest last: the one left open when a test fails is photographed. */
export const pages = [];
let browser;

/** The screenshots' folder: MAILROOM_ARTIFACTS (set per backend by the runner), else `fallback`; made if missing. */
export function artifactsDir(fallback) {
  const dir = process.env.MAILROOM_ARTIFACTS || fallback;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Launches Chromium before the file's tests and closes it after them; a failed test leaves
 *  `failed-at-<start of its name>.png` in `artifacts`. */
export function useChromium(artifacts, nameLength = 12) {
  before(async () => {
    const home = mkdtempSync(join(tmpdir(), "mailroom-chromium-"));
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
      env: { ...process.env, XDG_CONFIG_HOME: join(home, "config"), XDG_CACHE_HOME: join(home, "cache") },
    });
  });
  afterEach(async (t) => {
    const page = pages.pop();
    if (page && !page.isClosed()) {
      await page.screenshot({ path: join(artifacts, "failed-at-" + t.name.slice(0, nameLength) + ".png"), fullPage: true }).catch(() => {});
    }
  });
  after(async () => { await browser?.close(); });
}

/** A new browser context of the file's Chromium. */
export const newContext = (options) => browser.newContext(options);
