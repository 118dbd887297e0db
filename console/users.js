// Admin: users — create, change role, deactivate or activate, reset the password (a new one-time password shown
// once to the admin, who hands it over).
import { get, post, patch } from "./api.js";
import { h, clear, field, form, input, select, table, notice } from "./dom.js";
import { t, word } from "./i18n.js";

const ROLES = ["admin", "sales", "marketing"];

function newPassword() {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(14));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}

export async function render(main, ctx) {
  const [list, teams] = await Promise.all([get("/users?limit=200"), get("/teams")]);
  const teamsOf = (id) => teams.flatMap((team) => team.members.filter((m) => m.user_id === id)
    .map((m) => (m.lead ? `${team.name} (${t("team_lead")})` : team.name))).join(", ");
  const status = h("p", { class: "status", role: "status", id: "user-status" });
  const act = (fn) => async () => {
    try {
      await fn();
      ctx.navigate("/users");
    } catch (e) {
      notice(status, e);
    }
  };
  const rows = list.items.map((u) => {
    const role = select(ROLES.map((r) => [r, word("role_", r)]), u.role, { "aria-label": `${t("role")}: ${u.email}` });
    role.addEventListener("change", act(() => patch(`/users/${u.id}`, { role: role.value })));
    const toggle = h("button", { type: "button", onclick: act(() => patch(`/users/${u.id}`, { active: !u.active })) },
      u.active ? t("deactivate") : t("activate"));
    const reset = h("button", { type: "button", onclick: async () => {
      const password = newPassword();
      try {
        await patch(`/users/${u.id}`, { password });
        status.textContent = t("reset_done", { email: u.email, password });
        status.classList.remove("bad");
      } catch (e) {
        notice(status, e);
      }
    } }, t("reset_password"));
    return h("tr", { "data-user": u.email, class: u.active ? "" : "inactive" },
      h("td", {}, u.name), h("td", {}, u.email), h("td", {}, u.id === ctx.user.id ? word("role_", u.role) : role),
      h("td", {}, teamsOf(u.id) || "—"),
      h("td", {}, u.active ? t("yes") : t("inactive")),
      h("td", { class: "buttons" }, u.id === ctx.user.id ? null : [toggle, reset]));
  });
  const create = form([
    h("div", { class: "row" },
      field("email", t("email"), input({ type: "email", id: "user-email" })),
      field("name", t("name"), input({ id: "user-name" }))),
    h("div", { class: "row" },
      field("role", t("role"), select(ROLES.map((r) => [r, word("role_", r)]), "sales", { id: "user-role" })),
      field("password", t("password"), input({ type: "text", id: "user-password", value: newPassword(), autocomplete: "off" }))),
  ], t("create"), async (v) => {
    await post("/users", v);
    ctx.navigate("/users");
  }, { id: "user-form" });
  clear(main, h("h1", {}, t("users")), status,
    table([t("name"), t("email"), t("role"), t("teams"), t("active"), t("actions")], rows, { id: "user-table" }),
    h("section", { class: "card" }, h("h2", {}, t("user_add")), create));
}
