// Reports (#/reports/<report>?from=&to=&pipeline_id=&team_id=&user_id=&period=): a tab per report the role may
// see, the filters kept in the address (a reload or a shared link shows the same report), the report drawn as a
// chart with its table, and CSV / .xlsx downloads of what is shown with the same filters.
import { get, session, ApiError } from "./api.js";
import { h, clear, field, input, select, notice, showError, clearErrors } from "./dom.js";
import { t, errorText } from "./i18n.js";
import * as views from "./reports_views.js";
import "./reports_words.js";

const DATES = ["from", "to"];
const OWNERS = ["team_id", "user_id"];

/** Per report: its API path, the filters it takes, who may open it and how it is drawn. */
const REPORTS = {
  funnel: { path: "funnel", filters: [...DATES, "pipeline_id", ...OWNERS], roles: ["admin", "sales"], draw: views.funnel },
  deals: { path: "deals", filters: [...DATES, "pipeline_id", ...OWNERS, "period"], roles: ["admin", "sales"], draw: views.deals },
  sources: { path: "lead-sources", filters: [...DATES, ...OWNERS], roles: ["admin", "sales"], draw: views.sources },
  managers: { path: "managers", filters: [...DATES, ...OWNERS], roles: ["admin", "sales"], draw: views.managers },
  campaigns: { path: "campaigns", filters: DATES, roles: ["admin", "marketing"], draw: views.campaigns },
  quality: { path: "data-quality", filters: OWNERS, roles: ["admin", "sales", "marketing"], draw: views.quality },
};

export const mayReport = (user, name) => REPORTS[name].roles.includes(user.role);
const allowed = (user) => Object.keys(REPORTS).filter((name) => mayReport(user, name));

/** The filters in the address: `#/reports/funnel?from=…`. */
function readFilters() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const out = {};
  for (const [k, v] of params) if (v) out[k] = v;
  return out;
}

/** Only the filters a report takes, in a stable order. */
function queryFor(name, filters, extra = {}) {
  const q = new URLSearchParams();
  for (const key of REPORTS[name].filters) if (filters[key]) q.set(key, filters[key]);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

const hashFor = (name, filters) => `#/reports/${name}${queryFor(name, { ...filters })}`.replace(/\?$/, "");

export async function render(main, ctx) {
  const names = allowed(ctx.user);
  const name = ctx.id;
  if (!names.length) return clear(main, h("p", { class: "form-error" }, t("forbidden_page")));
  if (!REPORTS[name] || !names.includes(name)) return ctx.navigate(hashFor(names[0], readFilters()).slice(1));
  const choices = await filterChoices(ctx.user, REPORTS[name]);
  const state = { name, filters: readFilters() };
  const tabs = h("nav", { class: "report-tabs", "aria-label": t("rep_tabs") });
  const result = h("div", { id: "report-result" });
  const status = h("p", { class: "status", role: "status", id: "report-download-status" });
  let shown = 0;
  let filters = null;
  const show = async () => {
    const mine = ++shown;
    drawTabs(tabs, names, state);
    clearErrors(filters);
    clear(result, h("p", { class: "muted" }, t("loading")));
    try {
      const data = await get(`/reports/${REPORTS[state.name].path}${queryFor(state.name, state.filters)}`);
      if (mine === shown) clear(result, REPORTS[state.name].draw(data));
    } catch (error) {
      if (error && error.status === 401) return;
      if (mine !== shown) return;
      // A report not on this server (yet) says so; a bad filter is also named beside its field.
      const words = error && error.status === 404 ? `${t("rep_missing")} (${error.message})` : errorText(error);
      clear(result, h("p", { class: "form-error report-error", role: "alert" }, t("rep_failed"), " ", words));
      if (error && error.field && filters.querySelector(`[data-error-for="${CSS.escape(error.field)}"]`)) showError(filters, error);
    }
  };
  // A changed filter is a new address (the back button returns to the last one) and a new answer; the form stays,
  // so the focus stays where the user was.
  const change = (filters) => {
    state.filters = filters;
    const hash = hashFor(state.name, filters);
    if (location.hash !== hash) history.pushState(null, "", hash);
    show();
  };
  filters = filtersForm(state, choices, change);
  clear(main, h("h1", {}, t("reports")), tabs, filters, downloads(state, status), status, result);
  await show();
}

function drawTabs(tabs, names, state) {
  clear(tabs, h("ul", {}, names.map((n) => h("li", {}, h("a", {
    href: hashFor(n, state.filters), id: "report-tab-" + n, "aria-current": n === state.name ? "page" : undefined,
  }, t("rep_" + n))))));
}

/** What the pickers offer: pipelines for the funnel and deals; for an admin every team and person; for a team lead
 *  the teams they lead and their members (GET /me/teams); for others only themselves (the API's figures are theirs
 *  anyway). */
async function filterChoices(user, report) {
  const wants = (key) => report.filters.includes(key);
  const quiet = (promise, fallback) => promise.catch((error) => (error && error.status === 401 ? Promise.reject(error) : fallback));
  const admin = user.role === "admin";
  const owners = wants("team_id") || wants("user_id");
  const [pipelines, teams, directory] = await Promise.all([
    wants("pipeline_id") ? quiet(get("/pipelines"), []) : [],
    !owners || user.role === "marketing" ? [] : quiet(get(admin ? "/teams" : "/me/teams"), []),
    owners && user.role !== "marketing" ? quiet(get("/users/directory"), { items: [] }) : { items: [] },
  ]);
  const led = admin ? teams : teams.filter((team) => team.members.some((m) => m.user_id === user.id && m.lead));
  const seen = new Set(led.flatMap((team) => team.members.map((m) => m.user_id)));
  const named = directory.items.filter((u) => admin || u.id === user.id || seen.has(u.id));
  const people = admin || led.length
    ? [["", t(admin ? "rep_everyone" : "rep_all_mine")], ...named.map((u) => [u.id, `${u.name} (${u.email})`])]
    : [["", t("rep_all_mine")], [user.id, user.name]];
  return {
    pipelines: pipelines.map((p) => [p.id, p.name]),
    teams: led.length ? [["", t("rep_all_teams")], ...led.map((team) => [team.id, team.name])] : null,
    people: user.role === "marketing" ? null : people,
  };
}

function filtersForm(state, choices, change) {
  const takes = (key) => REPORTS[state.name].filters.includes(key);
  const f = state.filters;
  const controls = {};
  const fields = [];
  const add = (key, label, control) => {
    controls[key] = control;
    fields.push(field(key, label, control));
  };
  if (takes("from")) {
    add("from", t("rep_from"), input({ type: "date", id: "report-from", value: f.from || "" }));
    add("to", t("rep_to"), input({ type: "date", id: "report-to", value: f.to || "" }));
  }
  if (takes("pipeline_id") && choices.pipelines.length) {
    // The funnel is of one pipeline (the first by default); deal dynamics count every pipeline unless one is picked.
    // The default stays out of the address (its value is ""), so a link means "the first pipeline" as the API does.
    const [first, ...rest] = choices.pipelines;
    const options = state.name === "funnel" ? [["", first[1]], ...rest] : [["", t("all")], ...choices.pipelines];
    add("pipeline_id", t("pipeline"), select(options, f.pipeline_id || options[0][0], { id: "report-pipeline" }));
  }
  if (takes("team_id") && choices.teams) add("team_id", t("rep_team"), select(choices.teams, f.team_id || "", { id: "report-team" }));
  if (takes("user_id") && choices.people) add("user_id", t("rep_user"), select(choices.people, f.user_id || "", { id: "report-user" }));
  if (takes("period")) {
    add("period", t("rep_period"), select([["month", t("rep_month")], ["week", t("rep_week")]], f.period || "month", { id: "report-period" }));
  }
  const read = () => {
    const out = { ...state.filters };
    for (const [key, control] of Object.entries(controls)) out[key] = control.value.trim();
    return out;
  };
  const el = h("form", { class: "filters report-filters", id: "report-filters", "aria-label": t("rep_filters"), novalidate: true },
    fields, takes("from") ? quickPeriods(controls, () => change(read())) : null);
  el.addEventListener("change", () => change(read()));
  el.addEventListener("submit", (event) => {
    event.preventDefault();
    change(read());
  });
  return el;
}

const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

/** [from, to] of a named period around today, in the user's calendar. */
export function quickRange(which, today = new Date()) {
  const y = today.getFullYear();
  const m = today.getMonth();
  const span = (first, months) => [iso(first), iso(new Date(first.getFullYear(), first.getMonth() + months, 0))];
  switch (which) {
    case "this_month": return span(new Date(y, m, 1), 1);
    case "last_month": return span(new Date(y, m - 1, 1), 1);
    case "this_quarter": return span(new Date(y, m - (m % 3), 1), 3);
    case "this_year": return span(new Date(y, 0, 1), 12);
    default: return ["", ""];
  }
}

function quickPeriods(controls, apply) {
  const button = (which) => h("button", { type: "button", class: "small", "data-quick": which, onclick: () => {
    [controls.from.value, controls.to.value] = quickRange(which);
    apply();
  } }, t("rep_" + which));
  return h("div", { class: "quick-periods", role: "group", "aria-label": t("rep_quick") },
    ["this_month", "last_month", "this_quarter", "this_year", "all_time"].map(button));
}

function downloads(state, status) {
  const button = (format, label) => h("button", { type: "button", id: "report-" + format, onclick: async () => {
    status.textContent = t("loading");
    status.classList.remove("bad");
    try {
      const name = await save(state, format);
      status.textContent = t("rep_saved", { name });
    } catch (error) {
      notice(status, error);
    }
  } }, label);
  return h("div", { class: "buttons report-downloads", role: "group", "aria-label": t("rep_download") },
    button("csv", t("rep_csv")), button("xlsx", t("rep_xlsx")));
}

/** Fetches the report as a file with the bearer token (and the console's language for its headers), then saves
 *  it from a Blob URL under a name that tells the report and its range. */
async function save(state, format) {
  const current = session();
  const path = `/api/v1/reports/${REPORTS[state.name].path}${queryFor(state.name, state.filters, { format })}`;
  const response = await fetch(path, { headers: {
    "Accept-Language": t.lang(), ...(current ? { Authorization: "Bearer " + current.token } : {}) } });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new ApiError(response.status, body);
  }
  const blob = await response.blob();
  const f = state.filters;
  const range = f.from || f.to ? `-${f.from || "start"}-${f.to || "today"}` : "";
  const name = `${REPORTS[state.name].path}${range}.${format}`;
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}
