// Sales: the lists of leads, contacts, companies and deals, with search (`q`), filters, paging and a create form.
import { get, post, query } from "./api.js";
import { h, clear, field, form, input, select, table, link } from "./dom.js";
import { t, word } from "./i18n.js";

/** Per kind: list columns, filters and the create form's fields. */
const KINDS = {
  leads: {
    columns: ["name", "email", "company_name", "status", "owner"],
    cells: (r, ctx) => [r.name, r.email, r.company_name, word("st_", r.status), owner(r.owner_id, ctx)],
    filters: (ref) => [
      ["status", select([["", t("all")], ...["new", "in_work", "converted", "lost"].map((s) => [s, word("st_", s)])], "")],
      ["pool", select([["", t("all")], ["true", t("pool")]], "")],
      ["source_id", select([["", t("all")], ...ref.sources.map((x) => [x.id, x.name])], "")],
    ],
    create: () => [["name", t("name")], ["email", t("email")], ["company_name", t("company_name")], ["phone", t("phone")]],
    body: (v) => ({ name: v.name, email: v.email || null, company_name: v.company_name || null, phone: v.phone || null }),
  },
  contacts: {
    columns: ["name", "email", "job", "phones", "owner"],
    cells: (r, ctx) => [r.name, r.primary_email, r.position, r.phones.join(", "), owner(r.owner_id, ctx)],
    filters: (ref) => [["tag", input()], ["type_id", select([["", t("all")], ...ref.types.map((x) => [x.id, x.name])], "")]],
    create: () => [["name", t("name")], ["emails", t("emails")], ["phones", t("phones")], ["position", t("job")]],
    body: (v) => ({ name: v.name, emails: split(v.emails), phones: split(v.phones), position: v.position || null }),
  },
  companies: {
    columns: ["name", "domains", "tags", "owner"],
    cells: (r, ctx) => [r.name, r.domains.join(", "), r.tags.join(", "), owner(r.owner_id, ctx)],
    filters: () => [["domain", input()], ["tag", input()]],
    create: () => [["name", t("name")], ["domains", t("domains")]],
    body: (v) => ({ name: v.name, domains: split(v.domains) }),
  },
  deals: {
    columns: ["title", "amount", "stage", "status", "owner"],
    cells: (r, ctx) => [r.title, r.amount ? `${r.amount} ${r.currency}` : "—", r.stage_name, word("kind_", r.status), owner(r.owner_id, ctx)],
    filters: (ref) => [
      ["status", select([["", t("all")], ...["open", "won", "lost"].map((s) => [s, word("kind_", s)])], "")],
      ["stage_id", select([["", t("all")], ...ref.pipelines.flatMap((p) => p.stages.map((st) => [st.id, `${p.name}: ${st.name}`]))], "")],
    ],
    create: () => [["title", t("title")], ["amount", t("amount")]],
    body: (v) => ({ title: v.title, amount: v.amount || null, pipeline_id: Number(v.pipeline_id) }),
  },
};

const split = (text) => (text ? text.split(",").map((s) => s.trim()).filter(Boolean) : []);

// Salespeople may not list users, so only "me" is a name here; other owners show by number.
function owner(id, ctx) {
  if (id === null || id === undefined) return t("pool");
  return id === ctx.user.id ? t("mine") : "#" + id;
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
  const results = h("div", { id: "results" });
  const ref = await referenceData(ctx);
  const filters = spec.filters(ref);
  const mine = h("input", { type: "checkbox", name: "mine", id: "filter-mine" });
  // Admins pick any owner; others have "mine" (they may not list users).
  const ownerFilter = ref.users.length
    ? field("owner_id", t("owner"), select([["", t("all")], ...ref.users.map((u) => [u.id, u.name])], ""))
    : h("label", { class: "check" }, mine, " ", t("mine"));
  const search = form([
    field("q", t("search"), input({ type: "search", id: "search-q" })),
    filters.map(([name, control]) => field(name, t(FILTER_LABELS[name]), control)),
    ownerFilter,
  ], t("search"), async (v) => {
    const params = { q: v.q };
    for (const [name] of filters) params[name] = v[name];
    if (v.mine) params.owner_id = ctx.user.id;
    if (v.owner_id) params.owner_id = v.owner_id;
    await load(results, ctx, spec, params);
  }, { class: "filters", role: "search", id: "search-form" });
  const createSection = await createForm(ctx, spec, ref);
  clear(main, h("h1", {}, t(ctx.kind)), search, results, createSection);
  await load(results, ctx, spec, {});
}

async function load(results, ctx, spec, params, after = null, rows = []) {
  const page = await get(`/${ctx.kind}${query({ ...params, after, limit: 50 })}`);
  const more = page.items.map((r) => h("tr", { "data-id": r.id },
    spec.cells(r, ctx).map((value, i) => h("td", {}, i === 0 ? link(`#/${ctx.kind}/${r.id}`, value || "—") : (value ?? "—")))));
  const all = rows.concat(more);
  const next = page.next_after
    ? h("button", { type: "button", onclick: () => load(results, ctx, spec, params, page.next_after, all) }, t("more"))
    : null;
  clear(results, table(spec.columns.map((c) => t(c)), all, { id: "record-table" }), next);
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
