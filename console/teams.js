// Admin: teams with their members and leads (GET/POST/PUT/DELETE /api/v1/teams).
import { get, post, put, del } from "./api.js";
import { h, clear, field, form, input, notice } from "./dom.js";
import { t } from "./i18n.js";

export async function render(main, ctx) {
  const [teams, users] = await Promise.all([get("/teams"), get("/users?limit=200")]);
  const byId = new Map(users.items.map((u) => [u.id, u]));
  const status = h("p", { class: "status", role: "status" });
  const cards = teams.map((team) => {
    const members = team.members.map((m) => {
      const u = byId.get(m.user_id);
      return h("li", {}, u ? u.name : "#" + m.user_id, " — ", m.lead ? t("team_lead") : t("team_member"));
    });
    const remove = h("button", { type: "button", class: "danger", onclick: async () => {
      try {
        await del(`/teams/${team.id}`);
        ctx.navigate("/teams");
      } catch (e) {
        notice(status, e);
      }
    } }, t("delete"));
    const edit = teamForm(users.items, team, async (body) => {
      await put(`/teams/${team.id}`, body);
      ctx.navigate("/teams");
    });
    return h("section", { class: "card", "data-team": team.name }, h("h2", {}, team.name), h("ul", {}, members),
      h("details", {}, h("summary", {}, t("edit")), edit), remove);
  });
  const create = teamForm(users.items, null, async (body) => {
    await post("/teams", body);
    ctx.navigate("/teams");
  });
  clear(main, h("h1", {}, t("teams")), status, cards.length ? cards : h("p", { class: "muted" }, t("empty")),
    h("section", { class: "card" }, h("h2", {}, t("team_add")), create));
}

/** Name, and for each active user: member or not, lead or not. */
function teamForm(users, team, save) {
  const current = new Map((team ? team.members : []).map((m) => [m.user_id, m]));
  const rows = users.filter((u) => u.active).map((u) => {
    const m = current.get(u.id);
    return h("tr", {},
      h("td", {}, u.name),
      h("td", {}, h("input", { type: "checkbox", name: "member-" + u.id, checked: Boolean(m), "aria-label": `${t("team_member")}: ${u.name}` })),
      h("td", {}, h("input", { type: "checkbox", name: "lead-" + u.id, checked: Boolean(m && m.lead), "aria-label": `${t("team_lead")}: ${u.name}` })));
  });
  return form([
    field("name", t("name"), input({ value: team ? team.name : "" })),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, t("name")), h("th", {}, t("team_member")), h("th", {}, t("team_lead")))), h("tbody", {}, rows)),
    h("p", { class: "field-error", "data-error-for": "members" }),
  ], team ? t("save") : t("create"), async (v) => {
    const members = users
      .filter((u) => v["member-" + u.id] || v["lead-" + u.id])
      .map((u) => ({ user_id: u.id, lead: Boolean(v["lead-" + u.id]) }));
    await save({ name: v.name, members });
  });
}
