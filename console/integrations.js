// Admin: integrations — API keys (created with a role and actions, the secret shown once, revoked) and webhook
// endpoints (created with events, the signing secret shown once, their delivery log, enabled again) and web forms
// (forms_admin.js).
import { get, post, del } from "./api.js";
import { h, clear, field, form, input, select, table, notice, dateTime } from "./dom.js";
import { t, word, addWords } from "./i18n.js";
import { formSection } from "./forms_admin.js";

const ROLES = ["admin", "sales", "marketing"];
const GROUPS = ["contacts", "companies", "leads", "deals", "activities", "messages", "reference", "campaigns", "reports"];
const EVENTS = ["lead.created", "lead.updated", "contact.created", "contact.updated", "contact.deleted",
  "deal.created", "deal.updated", "message.received", "campaign.finished"];

addWords({
  ru: {
    integrations: "Интеграции", api_keys: "API-ключи", key_add: "Новый ключ", key_prefix: "Начало ключа",
    key_actions: "Действия", key_last_used: "Последнее использование", key_expires: "Истекает (необязательно)",
    key_revoke: "Отозвать", key_revoked: "отозван", key_secret: "Ключ показан один раз — сохраните его сейчас: {secret}",
    webhooks: "Вебхуки", hook_add: "Новый адрес", hook_url: "URL", hook_events: "События", hook_enable: "Включить",
    hook_disabled: "отключён после ошибок", hook_secret: "Секрет подписи показан один раз — сохраните его сейчас: {secret}",
    hook_deliveries: "Доставки", delivery_status: "Состояние", delivery_attempts: "Попыток", delivery_code: "Ответ",
    delivery_error: "Ошибка",
    err: { api_key_scope: "Этому ключу не разрешено это действие.", webhook_url_forbidden: "Адрес во внутренней сети запрещён." },
  },
  en: {
    integrations: "Integrations", api_keys: "API keys", key_add: "New key", key_prefix: "Key starts with",
    key_actions: "Actions", key_last_used: "Last used", key_expires: "Expires (optional)",
    key_revoke: "Revoke", key_revoked: "revoked", key_secret: "The key is shown once — store it now: {secret}",
    webhooks: "Webhooks", hook_add: "New endpoint", hook_url: "URL", hook_events: "Events", hook_enable: "Enable",
    hook_disabled: "disabled after failures", hook_secret: "The signing secret is shown once — store it now: {secret}",
    hook_deliveries: "Deliveries", delivery_status: "Status", delivery_attempts: "Attempts", delivery_code: "Response",
    delivery_error: "Error",
    err: { api_key_scope: "This key is not granted that action.", webhook_url_forbidden: "Addresses on the internal network are refused." },
  },
});

/** Checkboxes named `name`, one per value; their checked values are read with `checked(formEl, name)`. */
function checkboxes(name, values) {
  return h("fieldset", { class: "checks" }, values.map((v) =>
    h("label", {}, h("input", { type: "checkbox", "data-group": name, value: v }), " ", v)));
}
const checked = (el, name) => [...el.querySelectorAll(`input[data-group="${name}"]:checked`)].map((c) => c.value);

export async function render(main, ctx) {
  const [keys, hooks] = await Promise.all([get("/admin/api-keys?limit=200"), get("/admin/webhooks")]);
  const status = h("p", { class: "status", role: "status", id: "integrations-status" });
  // Drawn again in place (not through the router), so that a secret shown once stays on screen.
  const shown = async (text) => {
    await render(main, ctx);
    const line = document.getElementById("integrations-status");
    line.textContent = text;
    line.classList.remove("bad");
  };
  const act = (fn) => async () => {
    try {
      await fn();
      ctx.navigate("/integrations");
    } catch (e) {
      notice(status, e);
    }
  };
  clear(main, h("h1", {}, t("integrations")), status, keySection(keys.items, act, shown),
    hookSection(hooks.items, act, shown, status), await formSection(act, status));
}

function keySection(items, act, shown) {
  const rows = items.map((k) => h("tr", { "data-key": k.prefix, class: k.revoked_at ? "inactive" : "" },
    h("td", {}, k.name), h("td", {}, h("code", {}, k.prefix + "…")), h("td", {}, word("role_", k.role)),
    h("td", {}, k.actions.join(", ")), h("td", {}, dateTime(k.last_used_at)),
    h("td", {}, k.revoked_at ? t("key_revoked") : dateTime(k.expires_at)),
    h("td", { class: "buttons" }, k.revoked_at ? null :
      h("button", { type: "button", onclick: act(() => del(`/admin/api-keys/${k.id}`)) }, t("key_revoke")))));
  const actions = GROUPS.flatMap((g) => [`${g}:read`, `${g}:write`]);
  const create = form([
    h("div", { class: "row" },
      field("name", t("name"), input({ id: "key-name" })),
      field("role", t("role"), select(ROLES.map((r) => [r, word("role_", r)]), "sales", { id: "key-role" })),
      field("expires_at", t("key_expires"), input({ type: "datetime-local", id: "key-expires" }))),
    h("div", { class: "field" }, h("span", {}, t("key_actions")), checkboxes("actions", actions)),
  ], t("create"), async (v, el) => {
    const body = { name: v.name, role: v.role, actions: checked(el, "actions") };
    if (v.expires_at) body.expires_at = new Date(v.expires_at).toISOString();
    const key = await post("/admin/api-keys", body);
    await shown(t("key_secret", { secret: key.secret }));
  }, { id: "key-form" });
  return h("section", { class: "card" }, h("h2", {}, t("api_keys")),
    table([t("name"), t("key_prefix"), t("role"), t("key_actions"), t("key_last_used"), t("key_expires"), t("actions")],
      rows, { id: "key-table" }),
    h("h3", {}, t("key_add")), create);
}

function hookSection(items, act, shown, status) {
  const log = h("div", { id: "hook-log" });
  const showLog = (hook) => async () => {
    try {
      const list = await get(`/admin/webhooks/${hook.id}/deliveries?limit=200`);
      const rows = list.items.map((d) => h("tr", {}, h("td", {}, d.event_type), h("td", {}, d.status),
        h("td", {}, String(d.attempts)), h("td", {}, d.response_code ?? "—"), h("td", {}, d.last_error ?? ""),
        h("td", {}, dateTime(d.delivered_at || d.next_attempt_at))));
      clear(log, h("h3", {}, `${t("hook_deliveries")}: ${hook.url}`),
        table([t("hook_events"), t("delivery_status"), t("delivery_attempts"), t("delivery_code"), t("delivery_error"), ""], rows));
    } catch (e) {
      notice(status, e);
    }
  };
  const rows = items.map((w) => h("tr", { "data-hook": w.url, class: w.enabled ? "" : "inactive" },
    h("td", {}, w.url), h("td", {}, w.events.join(", ")),
    h("td", {}, w.enabled ? t("yes") : `${t("hook_disabled")} (${dateTime(w.disabled_at)})`),
    h("td", { class: "buttons" },
      h("button", { type: "button", onclick: showLog(w) }, t("hook_deliveries")),
      w.enabled ? null : h("button", { type: "button", onclick: act(() => post(`/admin/webhooks/${w.id}/enable`)) }, t("hook_enable")),
      h("button", { type: "button", onclick: act(() => del(`/admin/webhooks/${w.id}`)) }, t("delete")))));
  const create = form([
    field("url", t("hook_url"), input({ type: "url", id: "hook-url" })),
    h("div", { class: "field" }, h("span", {}, t("hook_events")), checkboxes("events", EVENTS)),
  ], t("create"), async (v, el) => {
    const hook = await post("/admin/webhooks", { url: v.url, events: checked(el, "events") });
    await shown(t("hook_secret", { secret: hook.secret }));
  }, { id: "hook-form" });
  return h("section", { class: "card" }, h("h2", {}, t("webhooks")),
    table([t("hook_url"), t("hook_events"), t("active"), t("actions")], rows, { id: "hook-table" }),
    log, h("h3", {}, t("hook_add")), create);
}
