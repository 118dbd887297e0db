// The console's shell: header, navigation by role, and a hash router (#/contacts, #/contacts/12…) that hands the
// main area to one page module at a time.
import { session, saveSession, whenSignedOut, get } from "./api.js";
import { h, clear } from "./dom.js";
import { t, setLang } from "./i18n.js";
import "./marketing_words.js";
import * as login from "./login.js";
import * as mailboxes from "./mailboxes.js";
import * as users from "./users.js";
import * as teams from "./teams.js";
import * as reference from "./reference.js";
import * as settings from "./settings.js";
import * as integrations from "./integrations.js";
import * as privacy from "./privacy.js";
import * as records from "./records.js";
import * as card from "./card.js";
import * as mail from "./mail.js";
import * as tasks from "./tasks.js";
import * as board from "./board.js";
import * as duplicates from "./duplicates.js";
import * as templates from "./templates.js";
import * as segments from "./segments.js";
import * as campaigns from "./campaigns.js";
import * as suppressions from "./suppressions.js";
import * as fields from "./fields.js";
import * as importer from "./import.js";
import * as bell from "./bell.js";
import * as me from "./me.js";
import * as reports from "./reports.js";
import * as awaiting from "./awaiting.js";
import * as sequences from "./sequences.js";
import * as mailMerge from "./mail-merge.js";
import * as search from "./search.js";

// Pages whose nav word differs from their id ("fields" is also the card's heading).
const NAV_WORDS = { fields: "record_fields" };
const ADMIN_PAGES = ["mailboxes", "users", "teams", "reference", "fields", "settings", "integrations", "privacy"];
const SALES_PAGES = ["leads", "contacts", "companies", "deals"];
// Pages of their own beside the record lists.
const SALES_EXTRA = ["board", "tasks", "awaiting", "sequences", "mail-merge", "duplicates", "import"];
// Marketing reads contacts and companies (and their mail timelines) but no leads, deals or tasks (README, Who sees what).
const MARKETING_PAGES = ["contacts", "companies"];

// Campaign pages: marketing and admins (the API's MARKETING routes).
const CAMPAIGN_PAGES = ["campaigns", "templates", "segments", "suppressions"];
const mayRunCampaigns = (user) => user.role === "admin" || user.role === "marketing";

function salesPages(user) {
  // Reports decide per report who sees it (reports.js): marketing's link opens its two (campaigns, data quality).
  return user.role === "marketing" ? [...MARKETING_PAGES, "reports"] : [...SALES_PAGES, ...SALES_EXTRA, "reports"];
}

// Why the user was sent back to sign in (an expired or ended session), shown once on the sign-in page.
let expired = null;

const routes = {
  login: login.renderSignIn,
  "signed-in": login.renderSignedIn,
  password: login.renderPasswordChange,
  mailboxes: mailboxes.render,
  users: users.render,
  teams: teams.render,
  reference: reference.render,
  fields: fields.render,
  settings: settings.render,
  integrations: integrations.render,
  privacy: privacy.render,
  messages: mail.render,
  tasks: tasks.render,
  board: board.render,
  duplicates: duplicates.render,
  templates: templates.render,
  segments: segments.render,
  campaigns: campaigns.render,
  suppressions: suppressions.render,
  import: importer.render,
  notifications: bell.render,
  me: me.render,
  reports: reports.render,
  awaiting: awaiting.render,
  sequences: sequences.render,
  "mail-merge": mailMerge.render,
  search: search.render,
};

function parse() {
  const parts = location.hash.replace(/^#\/?/, "").split("?")[0].split("/").filter(Boolean);
  return { page: parts[0] || "", id: parts[1] || null };
}

export function navigate(path) {
  if (location.hash === "#" + path) route();
  else location.hash = path;
}

function home(user) {
  return user.role === "admin" ? "/mailboxes" : "/contacts";
}

function renderNav(user, page) {
  const nav = document.getElementById("nav");
  const who = document.getElementById("who");
  const out = document.getElementById("signout");
  out.textContent = t("signout");
  if (!user || page === "password" || page === "login") {
    clear(nav);
    who.textContent = "";
    // An empty link has no name (axe's link-name): hidden until someone is signed in.
    who.hidden = true;
    out.hidden = true;
    bell.showBell(false);
    search.showBox(false);
    return;
  }
  const item = (name) => h("li", {}, h("a", { href: "#/" + name, "aria-current": name === page ? "page" : undefined }, t(NAV_WORDS[name] || name)));
  const groups = [];
  if (user.role === "admin") groups.push(h("div", { class: "group" }, h("span", { class: "group-title" }, t("nav_admin")), h("ul", {}, ADMIN_PAGES.map(item))));
  groups.push(h("div", { class: "group" }, h("span", { class: "group-title" }, t("nav_sales")), h("ul", {}, salesPages(user).map(item))));
  if (mayRunCampaigns(user)) groups.push(h("div", { class: "group" }, h("span", { class: "group-title" }, t("nav_marketing")), h("ul", {}, CAMPAIGN_PAGES.map(item))));
  clear(nav, groups);
  who.textContent = `${user.name} (${t("role_" + user.role)})`;
  who.hidden = false;
  who.setAttribute("aria-current", page === "me" ? "page" : "false");
  document.getElementById("bell").setAttribute("aria-current", page === "notifications" ? "page" : "false");
  out.hidden = false;
  // Every page change asks for the count anew (and restarts the 30 s poll).
  bell.showBell(true);
  search.showBox(true);
}

async function route() {
  // Each navigation draws into a fresh element that replaces the last one: a page still loading from an earlier
  // navigation then finishes into a detached element instead of drawing over the page the user went to.
  const main = h("div", { class: "page" });
  document.getElementById("main").replaceChildren(main);
  const { page, id } = parse();
  const current = session();
  if (!current && page !== "login" && page !== "signed-in") return navigate("/login");
  if (current && current.user.must_change_password && page !== "password") return navigate("/password");
  if (current && !page) return navigate(home(current.user));
  const user = current && current.user;
  renderNav(user, page);
  // `home` reads the session anew: on the sign-in page there was no user yet when the page was drawn.
  if (user && [...SALES_PAGES, ...SALES_EXTRA].includes(page) && !salesPages(user).includes(page)) return navigate(home(user));
  const ctx = { user, id, navigate, home: () => navigate(home(session().user)) };
  clear(main, h("p", { class: "muted" }, t("loading")));
  try {
    if ((ADMIN_PAGES.includes(page) && user.role !== "admin") || (CAMPAIGN_PAGES.includes(page) && !mayRunCampaigns(user))) {
      clear(main, h("p", { class: "form-error" }, t("forbidden_page")));
    } else if (SALES_PAGES.includes(page)) {
      await (id ? card.render(main, { ...ctx, kind: page }) : records.render(main, { ...ctx, kind: page }));
    } else if (routes[page]) {
      await routes[page](main, { ...ctx, expired });
      expired = null;
    } else {
      clear(main, h("p", {}, t("not_found")));
    }
  } catch (error) {
    if (error && error.status === 401) return;
    clear(main, h("p", { class: "form-error", role: "alert" }, String(error && error.message ? error.message : error)));
  }
  document.title = `${t(page || "app")} · Mailroom`;
}

function start() {
  mailboxes.takeOAuthReturn();
  const lang = document.getElementById("lang");
  setLang(t.lang());
  lang.value = t.lang();
  document.getElementById("lang-label").textContent = t("language");
  lang.addEventListener("change", () => {
    setLang(lang.value);
    document.getElementById("lang-label").textContent = t("language");
    route();
  });
  document.getElementById("signout").addEventListener("click", () => {
    saveSession(null);
    navigate("/login");
  });
  whenSignedOut((error) => {
    expired = error;
    navigate("/login");
  });
  window.addEventListener("hashchange", route);
  route();
}

// Refresh the signed-in user once per load, so a role changed by an admin shows at once.
if (session()) {
  get("/me").then((user) => saveSession({ ...session(), user })).catch(() => {}).finally(start);
} else {
  start();
}
