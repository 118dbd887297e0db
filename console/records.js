// Sales: the lists of leads, contacts, companies and deals, with search (`q`), filters, "mine / my team / all"
// (`scope`), sorting by several columns (`sort=name,-updated_at`, clicked on the headers), chosen columns, saved
// views, paging by cursor, a create form and an export menu (CSV, CSV windows-1251, Excel) of what the list shows.
import { get, post, query, download } from "./api.js";
import { h, clear, field, form, input, select, link, dateTime, notice } from "./dom.js";
import { t, word, errorText } from "./i18n.js";
import { people, ownerName } from "./people.js";
import { viewsBar } from "./views.js";

/** Per kind: list columns, filters and the create form's fields. */
const KINDS = {
  leads: {
    columns: ["name", "email", "company_name", "status", "owner", "updated"],
    sorts: { name: "name", email: "email", status: "status", updated: "updated_at" },
    cells: (r, ctx) => [r.name, r.email, r.company_name, word("st_", r.status), owner(r.owner_id, ctx), dateTime(r.updated_at)],
    filters: (ref) => [
      ["status", select([["", t("all")], ...["new", "in_work", "converted", "lost"].map((s) => [s, word("st_", s)])], "")],
      ["pool", select([["", t("all")], ["true", t("pool")]], "")],
      ["source_id", select([["", t("all")], ...ref.sources.map((x) => [x.id, x.name])], "")],
    ],
    create: () => [["name", t("name")], ["email", t("email")], ["company_name", t("company_name")], ["phone", t("phone")]],
    body: (v) => ({ name: v.name, email: v.email || null, company_name: v.company_name || null, phone: v.phone || null }),
  },
  contacts: {
    columns: ["name", "email", "job", "phones", "owner", "updated"],
    sorts: { name: "name", job: "position", updated: "updated_at" },
    cells: (r, ctx) => [r.name, r.primary_email, r.position, r.phones.join(", "), owner(r.owner_id, ctx), dateTime(r.updated_at)],
    filters: (ref) => [["tag", input()], ["type_id", select([["", t("all")], ...ref.types.map((x) => [x.id, x.name])], "")]],
    create: () => [["name", t("name")], ["emails", t("emails")], ["phones", t("phones")], ["position", t("job")]],
    body: (v) => ({ name: v.name, emails: split(v.emails), phones: split(v.phones), position: v.position || null }),
  },
  companies: {
    columns: ["name", "domains", "tags", "owner", "updated"],
    sorts: { name: "name", updated: "updated_at" },
    cells: (r, ctx) => [r.name, r.domains.join(", "), r.tags.join(", "), owner(r.owner_id, ctx), dateTime(r.updated_at)],
    filters: () => [["domain", input()], ["tag", input()]],
    create: () => [["name", t("name")], ["domains", t("domains")]],
    body: (v) => ({ name: v.name, domains: split(v.domains) }),
  },
  deals: {
    columns: ["title", "amount", "stage", "status", "owner", "updated"],
    sorts: { title: "title", amount: "amount", updated: "updated_at" },
    cells: (r, ctx) => [r.title, r.amount ? `${r.amount} ${r.currency}` : "—", r.stage_name, word("kind_", r.status), owner(r.owner_id, ctx), dateTime(r.updated_at)],
    filters: (ref) => [
      ["status", select([["", t("all")], ...["open", "won", "lost"].map((s) => [s, word("kind_", s)])], "")],
      ["stage_id", select([["", t("all")], ...ref.pipelines.flatMap((p) => p.stages.map((st) => [st.id, `${p.name}: ${st.name}`]))], "")],
    ],
    create: () => [["title", t("title")], ["amount", t("amount")]],
    body: (v) => ({ title: v.title, amount: v.amount || null, pipeline_id: Number(v.pipeline_id) }),
  },
};

const split = (text) => (text ? text.split(",").map((s) => s.trim()).filter(Boolean) : []);

// Owners by name from the users directory, which every role may read.
function owner(id, ctx) {
  return ownerName(id, ctx.user.id, ctx.people);
}

const FILTER_LABELS = { pool: "pool", domain: "domains", tag: "tags", status: "status", source_id: "source",
  type_id: "type", stage_id: "stage" };

/** What the filters offer: lead sources, contact types, pipelines, and for an admin the users. */
async function referenceData(ctx) {
  const [sources, types, pipelines, users] = await Promise.all([
    ctx.kind === "leads" ? get("/lead-sources") : [],
    ctx.kind === "contacts" ? get("/contact-types") : [],
    get("/pipelines"),
    ctx.user.role === "admin" ? get("/users?limit=200").then((u) => u.items) : [],
  ]);
  return { sources, types, pipelines, users };
}

export async function render(main, ctx) {
  const spec = KINDS[ctx.kind];
  ctx = { ...ctx, people: await people().catch(() => new Map()) };
  const results = h("div", { id: "results" });
  const ref = await referenceData(ctx);
  const filters = spec.filters(ref);
  // What the list shows now: the search form's values, the sort keys (first is primary) and the columns.
  const state = { params: {}, sort: [], columns: [...spec.columns] };
  const reload = () => load(results, ctx, spec, state);
  const scope = select(["all", "mine", "team"].map((s) => [s === "all" ? "" : s, t("scope_" + s)]), "", { id: "filter-scope" });
  // Admins also pick any one owner.
  const ownerFilter = ref.users.length
    ? field("owner_id", t("owner"), select([["", t("all")], ...ref.users.map((u) => [u.id, u.name])], ""))
    : null;
  const search = form([
    field("q", t("search"), input({ type: "search", id: "search-q" })),
    filters.map(([name, control]) => field(name, t(FILTER_LABELS[name]), control)),
    field("scope", t("scope"), scope),
    ownerFilter,
  ], t("search"), async (v) => {
    const params = { q: v.q, scope: v.scope };
    for (const [name] of filters) params[name] = v[name];
    if (v.owner_id) params.owner_id = v.owner_id;
    state.params = params;
    await reload();
  }, { class: "filters", role: "search", id: "search-form" });
  const columnPicker = h("details", { class: "columns-picker" }, h("summary", {}, t("columns")),
    h("fieldset", { class: "checks", id: "column-picker" }, h("legend", { class: "visually-hidden" }, t("columns")),
      spec.columns.map((c) => h("label", {}, h("input", { type: "checkbox", name: "column", value: c, checked: true, onchange: (e) => {
        const chosen = [...e.target.closest("fieldset").querySelectorAll("input:checked")].map((x) => x.value);
        state.columns = spec.columns.filter((x) => chosen.includes(x));
        reload();
      } }), " ", t(c)))));
  const applyView = (view) => {
    for (const el of search.elements) if (el.name) el.value = view.filters[el.name] ?? "";
    state.params = { ...view.filters };
    state.sort = [...view.sort];
    state.columns = view.columns.length ? spec.columns.filter((c) => view.columns.includes(c)) : [...spec.columns];
    for (const box of columnPicker.querySelectorAll("input")) box.checked = state.columns.includes(box.value);
    reload();
  };
  const views = await viewsBar(ctx.kind, () => ({ filters: clean(state.params), sort: state.sort, columns: state.columns }), applyView);
  const createSection = await createForm(ctx, spec, ref);
  ctx.resort = (key) => {
    const at = state.sort.findIndex((k) => k.replace(/^-/, "") === key);
    if (at === 0) state.sort[0] = state.sort[0].startsWith("-") ? key : "-" + key;
    else {
      if (at > 0) state.sort.splice(at, 1);
      // The clicked column leads; the earlier ones break its ties.
      state.sort = [key, ...state.sort].slice(0, 3);
    }
    reload();
  };
  clear(main, h("h1", {}, t(ctx.kind)), views, search, h("div", { class: "row wrap" }, columnPicker, exportMenu(ctx, state)), results, createSection);
  await reload();
}

const EXPORTS = [["csv", { format: "csv" }, "csv"], ["csv_1251", { format: "csv", encoding: "windows-1251" }, "csv"],
  ["xlsx", { format: "xlsx" }, "xlsx"]];

/** The whole list as a file, with the filters, search, scope, sort and columns (in their order) it shows now. The
 *  API decides who may export (admins, and roles an admin allowed): the menu is offered to all, and a refusal is
 *  said in words. The list's column names are ones `columns=` takes (`job`, `owner`, `updated` …). */
function exportMenu(ctx, state) {
  const status = h("p", { class: "status", role: "status", id: "export-status" });
  const run = (format, ext) => async () => {
    status.textContent = t("loading");
    status.classList.remove("bad");
    try {
      const blob = await download(`/exports/${ctx.kind}${query({ ...clean(state.params), sort: state.sort.join(","), columns: state.columns.join(","), ...format })}`);
      const name = `${ctx.kind}-${new Date().toISOString().slice(0, 10)}.${ext}`;
      const url = URL.createObjectURL(blob);
      const a = h("a", { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      status.textContent = t("export_done", { name });
    } catch (error) {
      if (error.status === 403) {
        status.textContent = t("export_forbidden");
        status.classList.add("bad");
      } else notice(status, error);
    }
  };
  return h("details", { class: "export-menu", id: "export-menu" }, h("summary", {}, t("export")),
    h("p", { class: "muted" }, t("export_hint")),
    h("div", { class: "actions" }, EXPORTS.map(([key, format, ext]) =>
      h("button", { type: "button", "data-export": key, onclick: run(format, ext) }, t("export_" + key)))),
    status);
}

const clean = (params) => Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""));

/** A header: sortable ones are buttons that say their order and direction (aria-sort on the primary one). */
function header(column, spec, state, ctx) {
  const key = spec.sorts[column];
  if (!key) return h("th", { scope: "col" }, t(column));
  const at = state.sort.findIndex((k) => k.replace(/^-/, "") === key);
  const down = at >= 0 && state.sort[at].startsWith("-");
  const mark = at < 0 ? "" : `${down ? " ▼" : " ▲"}${state.sort.length > 1 ? at + 1 : ""}`;
  return h("th", { scope: "col", "aria-sort": at === 0 ? (down ? "descending" : "ascending") : undefined, "data-sort": key },
    h("button", { type: "button", class: "sort", title: t("sort_by", { name: t(column) }), onclick: () => ctx.resort(key) }, t(column), mark));
}

async function load(results, ctx, spec, state, after = null, rows = []) {
  let page;
  try {
    page = await get(`/${ctx.kind}${query({ ...state.params, sort: state.sort.join(","), after, limit: 50 })}`);
  } catch (error) {
    clear(results, h("p", { class: "form-error", role: "alert", id: "list-error" }, errorText(error)));
    return;
  }
  const shown = spec.columns.map((c, i) => [c, i]).filter(([c]) => state.columns.includes(c));
  const more = page.items.map((r) => {
    const cells = spec.cells(r, ctx);
    return h("tr", { "data-id": r.id }, shown.map(([, i]) => h("td", {}, i === 0 ? link(`#/${ctx.kind}/${r.id}`, cells[i] || "—") : (cells[i] ?? "—"))));
  });
  const all = rows.concat(more);
  // Under a sort the API pages by an opaque cursor; by id it also answers the last id.
  const next = page.next_cursor ?? page.next_after;
  const nextButton = next
    ? h("button", { type: "button", onclick: () => load(results, ctx, spec, state, next, all) }, t("more"))
    : null;
  const body = all.length ? all : h("tr", {}, h("td", { colspan: shown.length, class: "empty" }, t("empty")));
  clear(results, h("table", { id: "record-table" },
    h("thead", {}, h("tr", {}, shown.map(([c]) => header(c, spec, state, ctx)))), h("tbody", {}, body)), nextButton);
}

async function createForm(ctx, spec, ref) {
  if (ctx.user.role === "marketing") return null;
  const fields = spec.create().map(([name, label]) => field(name, label, input()));
  if (ctx.kind === "deals") {
    const pipelines = ref.pipelines;
    fields.push(field("pipeline_id", t("pipeline"), select(pipelines.map((p) => [p.id, p.name]), pipelines[0] && pipelines[0].id)));
  }
  const addKey = { leads: "lead_add", contacts: "contact_add", companies: "company_add", deals: "deal_add" }[ctx.kind];
  // Offered only after the API answered `duplicate` and named the existing record the caller may see.
  const anyway = h("label", { class: "check", hidden: true }, h("input", { type: "checkbox", name: "allow_duplicate", id: "allow-duplicate" }),
    " ", t("create_anyway"));
  const el = form([h("div", { class: "row wrap" }, fields), anyway], t("create"), async (v) => {
    const body = spec.body(v);
    if (v.allow_duplicate && ctx.kind !== "deals") body.allow_duplicate = true;
    try {
      const created = await post(`/${ctx.kind}`, body);
      ctx.navigate(`/${ctx.kind}/${created.id}`);
    } catch (error) {
      if (error.code === "duplicate") anyway.hidden = false;
      throw error;
    }
  }, { id: "create-form" });
  return h("section", { class: "card" }, h("h2", {}, t(addKey)), el);
}
