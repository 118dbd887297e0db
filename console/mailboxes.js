// Admin: mailboxes. Add one with a provider preset, test the connection (the API's imap_* codes shown as words),
// see each one's state, last sync, counts and last error, sync now, edit who reads it, delete.
import { get, post, patch, del } from "./api.js";
import { h, clear, field, form, input, select, table, dateTime, notice } from "./dom.js";
import { t, word, errorText, addWords } from "./i18n.js";
import * as syncing from "./sync.js";

const PRESETS = {
  microsoft: { host: "outlook.office365.com", port: 993, security: "tls" },
  google: { host: "imap.gmail.com", port: 993, security: "tls" },
  yandex: { host: "imap.yandex.ru", port: 993, security: "tls" },
  mailru: { host: "imap.mail.ru", port: 993, security: "tls" },
  other: { host: "", port: 993, security: "tls" },
};

// The console's preset names and the API's OAuth2 provider presets (`GET /api/v1/oauth/providers`).
const OAUTH_PROVIDER = { microsoft: "microsoft365", google: "google", yandex: "yandex", mailru: "mailru", other: "other" };
// Where the provider sends the browser back after consent: MAILROOM_OAUTH_REDIRECT_URL = <server>/oauth/callback.
const OAUTH_RETURN = "mailroom.oauth_return";

addWords({
  ru: {
    mb_auth: "Вход", mb_auth_password: "Пароль", mb_auth_oauth2: "OAuth2 (вход через провайдера)",
    oauth_client_id: "Client ID приложения", oauth_client_secret: "Client secret", oauth_discovery: "Адрес OpenID discovery",
    oauth_connect: "Подключить через {provider}", oauth_reconnect: "Подключить заново",
    oauth_st_authorization_needed: "ждёт согласия администратора", oauth_st_authorized: "подключён",
    oauth_st_reauthorization_needed: "нужно подключить заново", oauth_connected: "Ящик подключён через OAuth2.",
    smtp_on: "Отправлять письма от имени ящика (SMTP)", smtp_host: "Сервер SMTP (пусто — по провайдеру)",
    smtp_port: "Порт SMTP", smtp_security: "Защита SMTP", smtp_auth: "Вход SMTP", smtp_auth_mailbox: "как у ящика",
    smtp_auth_password: "свой пароль", smtp_password: "Пароль SMTP",
    smtp_test: "Отправить пробное письмо", smtp_test_to: "Кому (пробное письмо)", smtp_testing: "Отправляем…",
    smtp_test_sent: "Письмо ушло от {from} на {to}. Ответ сервера: {reply}",
  },
  en: {
    mb_auth: "Sign-in", mb_auth_password: "Password", mb_auth_oauth2: "OAuth2 (the provider's sign-in)",
    oauth_client_id: "Application (client) ID", oauth_client_secret: "Client secret", oauth_discovery: "OpenID discovery URL",
    oauth_connect: "Connect with {provider}", oauth_reconnect: "Connect again",
    oauth_st_authorization_needed: "waiting for an admin's consent", oauth_st_authorized: "connected",
    oauth_st_reauthorization_needed: "needs to be connected again", oauth_connected: "The mailbox is connected over OAuth2.",
    smtp_on: "Send mail as this mailbox (SMTP)", smtp_host: "SMTP server (empty: the provider's)",
    smtp_port: "SMTP port", smtp_security: "SMTP security", smtp_auth: "SMTP sign-in", smtp_auth_mailbox: "the mailbox's",
    smtp_auth_password: "a password of its own", smtp_password: "SMTP password",
    smtp_test: "Send a test letter", smtp_test_to: "Test letter to", smtp_testing: "Sending…",
    smtp_test_sent: "Sent from {from} to {to}. The server said: {reply}",
  },
});

/** Called once at start: a return from the provider's consent page (`/oauth/callback?code=…&state=…`) is kept for
 *  the mailboxes page and the address becomes the console's again (the code must not stay in history). */
export function takeOAuthReturn() {
  if (location.pathname !== "/oauth/callback") return;
  sessionStorage.setItem(OAUTH_RETURN, location.search);
  history.replaceState(null, "", "/#/mailboxes");
}

/** Hands a kept consent return to the API with this admin's token; what it says shows on the page. */
async function finishOAuth(status) {
  const search = sessionStorage.getItem(OAUTH_RETURN);
  if (!search) return;
  sessionStorage.removeItem(OAUTH_RETURN);
  const params = new URLSearchParams(search);
  try {
    if (params.get("error")) {
      throw Object.assign(new Error(params.get("error_description") || params.get("error")), { code: "oauth_consent_refused" });
    }
    await get("/oauth/callback?" + new URLSearchParams({ code: params.get("code") || "", state: params.get("state") || "" }));
    say(status, t("oauth_connected"));
  } catch (e) {
    say(status, "", e);
  }
}

// What the last action said, kept across the re-render that follows it.
let said = null;

function say(status, text, error = null) {
  said = { text, error };
  if (error) notice(status, error);
  else {
    status.textContent = text;
    status.classList.remove("bad");
  }
}

export async function render(main, ctx) {
  const [list, users] = await Promise.all([get("/mailboxes"), get("/users?limit=200")]);
  // Each mailbox's running or last sync, so that a sync under way (the server's initial one) shows its bar.
  await Promise.all(list.map(async (m) => { m.sync = await get(`/mailboxes/${m.id}/sync`); }));
  const status = h("p", { class: "status", role: "status", id: "mailbox-status" });
  if (sessionStorage.getItem(OAUTH_RETURN)) {
    await finishOAuth(status);
    return ctx.navigate("/mailboxes");
  }
  if (said) say(status, said.text, said.error);
  said = null;
  const editArea = h("div", { id: "mailbox-edit" });
  const edit = (m) => clear(editArea, h("section", { class: "card" }, h("h2", {}, `${t("edit")}: ${m.name}`),
    mailboxForm(users.items, m, async (body) => {
      await patch(`/mailboxes/${m.id}`, body);
      say(status, t("saved"));
      ctx.navigate("/mailboxes");
    })));
  const rows = list.map((m) => row(m, status, ctx, edit));
  const addForm = mailboxForm(users.items, null, async (body) => {
    const created = await post("/mailboxes", body);
    await runTest(created.id, status);
    ctx.navigate("/mailboxes");
  });
  clear(main,
    h("h1", {}, t("mailboxes")),
    list.length === 0 ? h("p", { class: "intro", id: "first-mailbox" }, t("first_mailbox")) : null,
    status,
    table([t("name"), t("host"), t("mb_state"), t("mb_last_sync"), t("mb_messages"), t("mb_last_error"), t("actions")], rows, { id: "mailbox-table" }),
    editArea,
    h("section", { class: "card" }, h("h2", {}, t("mb_add")), addForm),
  );
}

function row(m, status, ctx, edit) {
  const state = m.enabled ? t("mb_enabled") : t("mb_disabled");
  const error = m.last_error_code ? `${errorText({ code: m.last_error_code })} ${m.last_error || ""}` : (m.last_error || "");
  const test = h("button", { type: "button", onclick: () => runTest(m.id, status) }, t("mb_test"));
  // The bar under the row's state: shown while a sync runs (started here, or the server's own initial sync).
  const bar = h("div", { class: "sync-progress", role: "status", hidden: true });
  const ended = (progress) => {
    sync.disabled = false;
    if (!bar.isConnected) return;
    const { text, error } = syncing.outcome(progress);
    say(status, text, error && progress.state !== "done" ? error : null);
    ctx.navigate("/mailboxes");
  };
  const sync = h("button", { type: "button", class: "primary", onclick: async () => {
    sync.disabled = true;
    status.textContent = t("mb_syncing");
    try {
      await syncing.start(m.id, bar, ended);
    } catch (e) {
      sync.disabled = false;
      say(status, "", e);
    }
  } }, t("mb_sync"));
  if (m.sync && m.sync.state === "running") {
    sync.disabled = true;
    // After the page is drawn: following stops as soon as the bar is no longer on the page.
    setTimeout(() => syncing.follow(m.id, bar, ended), 0);
  }
  const remove = h("button", { type: "button", class: "danger", onclick: async () => {
    try {
      await del(`/mailboxes/${m.id}`);
      ctx.navigate("/mailboxes");
    } catch (e) {
      notice(status, e);
    }
  } }, t("delete"));
  const change = h("button", { type: "button", class: "edit", onclick: () => edit(m) }, t("edit"));
  // OAuth2: the consent state, and the way to (re)connect when the provider has no valid grant for us.
  const oauth = m.auth === "oauth2" && m.oauth ? m.oauth : null;
  const connect = oauth && oauth.grant === "authorization_code" ? h("button", { type: "button", class: oauth.state === "authorized" ? "" : "primary",
    onclick: async () => {
      try {
        const { authorization_url } = await post(`/mailboxes/${m.id}/oauth/start`);
        location.assign(authorization_url);
      } catch (e) {
        say(status, "", e);
      }
    } }, oauth.state === "authorized" ? t("oauth_reconnect") : t("oauth_connect", { provider: oauth.provider })) : null;
  const oauthState = oauth ? h("div", { class: oauth.state === "authorized" ? "muted" : "oauth-state bad" },
    "OAuth2: " + t("oauth_st_" + oauth.state), oauth.error ? ` — ${oauth.error}` : "") : null;
  return h("tr", { "data-mailbox": m.id },
    h("td", {}, m.name, h("div", { class: "muted" }, `${word("kind_", m.kind)} · ${m.username}`)),
    h("td", {}, `${m.host}:${m.port} (${m.security})`,
      m.smtp ? h("div", { class: "muted smtp" }, `SMTP: ${m.smtp.host}:${m.smtp.port} (${m.smtp.security})`) : null),
    h("td", {}, state, oauthState, bar),
    h("td", { class: "last-sync" }, m.last_sync_at ? dateTime(m.last_sync_at) : t("mb_never"),
      m.folder_states.map((f) => h("div", { class: "muted" }, `${f.name}: UID ${f.last_uid}`))),
    h("td", { class: "count" }, String(m.messages_synced)),
    h("td", { class: "last-error" }, error || "—"),
    h("td", { class: "buttons" }, connect, test, sync, change, remove));
}

async function runTest(id, status) {
  status.textContent = t("loading");
  try {
    const result = await post(`/mailboxes/${id}/test`);
    say(status, t("mb_ok", { folders: result.sync_folders.join(", ") }));
  } catch (e) {
    say(status, "", e);
  }
}

function smtpTest(m, prefix) {
  const to = input({ id: `${prefix}-smtp-test-to`, type: "text", inputmode: "email", autocomplete: "email" });
  const result = h("p", { class: "status", role: "status", "aria-live": "polite", id: `${prefix}-smtp-test-result` });
  const send = h("button", { type: "button", id: `${prefix}-smtp-test` }, t("smtp_test"));
  send.addEventListener("click", async () => {
    result.className = "status";
    result.textContent = t("smtp_testing");
    send.disabled = true;
    try {
      const sent = await post(`/mailboxes/${m.id}/smtp/test`, { to: to.value });
      result.textContent = t("smtp_test_sent", { from: sent.from, to: sent.to, reply: sent.reply });
    } catch (error) {
      result.className = "form-error";
      result.setAttribute("role", "alert");
      result.textContent = errorText(error);
    } finally {
      send.disabled = false;
    }
  });
  return h("div", { class: "smtp-test" }, field("smtp_test_to", t("smtp_test_to"), to), send, result);
}

/** The add or edit form: a preset fills server, port and security; kind, owner, members and visibility say who
 *  reads it. Editing sends the password only when a new one is typed (the API never returns it). */
function mailboxForm(users, existing, save) {
  const m = existing || {};
  const prefix = existing ? "mbe" : "mb";
  const provider = select(Object.keys(PRESETS).map((k) => [k, t("preset_" + k)]), "other", { id: `${prefix}-provider` });
  const hint = h("p", { class: "hint", id: `${prefix}-hint` });
  const host = input({ id: `${prefix}-host`, required: true, value: m.host });
  const port = input({ id: `${prefix}-port`, type: "number", value: String(m.port || 993), min: 1, max: 65535 });
  const security = select([["tls", "TLS"], ["starttls", "STARTTLS"], ["plain", "plain"]], m.security || "tls", { id: `${prefix}-security` });
  const apply = () => {
    const p = PRESETS[provider.value];
    host.value = p.host;
    port.value = String(p.port);
    security.value = p.security;
    hint.textContent = t("preset_hint_" + provider.value);
  };
  provider.addEventListener("change", apply);
  const auth = select([["password", t("mb_auth_password")], ["oauth2", t("mb_auth_oauth2")]], m.auth || "password", { id: `${prefix}-auth` });
  const passwordField = field("password", t("password"), input({ id: `${prefix}-password`, type: "password", autocomplete: "new-password" }));
  const discovery = field("oauth_discovery_url", t("oauth_discovery"), input({ id: `${prefix}-oauth-discovery`, type: "url" }));
  const oauthFields = h("div", { class: "row", id: `${prefix}-oauth` },
    field("oauth_client_id", t("oauth_client_id"), input({ id: `${prefix}-oauth-client`, autocomplete: "off", value: m.oauth ? m.oauth.client_id : "" })),
    field("oauth_client_secret", t("oauth_client_secret"), input({ id: `${prefix}-oauth-secret`, type: "password", autocomplete: "new-password" })),
    discovery);
  const showAuth = () => {
    const oauth = auth.value === "oauth2";
    passwordField.hidden = oauth;
    oauthFields.hidden = !oauth;
    discovery.hidden = provider.value !== "other";
  };
  auth.addEventListener("change", showAuth);
  provider.addEventListener("change", showAuth);
  showAuth();
  const smtp = m.smtp || null;
  const smtpOn = h("input", { type: "checkbox", id: `${prefix}-smtp-on`, checked: smtp ? true : undefined });
  const smtpFields = h("div", { class: "row", id: `${prefix}-smtp` },
    field("smtp_host", t("smtp_host"), input({ id: `${prefix}-smtp-host`, value: smtp ? smtp.host : "" })),
    field("smtp_port", t("smtp_port"), input({ id: `${prefix}-smtp-port`, type: "number", min: 1, max: 65535, value: smtp ? String(smtp.port) : "" })),
    field("smtp_security", t("smtp_security"), select([["", "—"], ["tls", "TLS"], ["starttls", "STARTTLS"], ["none", "plain"]], smtp ? smtp.security : "", { id: `${prefix}-smtp-security` })),
    field("smtp_auth", t("smtp_auth"), select([["mailbox", t("smtp_auth_mailbox")], ["password", t("smtp_auth_password")]], smtp ? smtp.auth : "mailbox", { id: `${prefix}-smtp-auth` })),
    field("smtp_password", t("smtp_password"), input({ id: `${prefix}-smtp-password`, type: "password", autocomplete: "new-password" })));
  // A mailbox's saved SMTP settings can be tried: a test letter through them (POST …/smtp/test), the outcome
  // (the server's reply, or its error in words) beside the button.
  if (existing && smtp) smtpFields.append(smtpTest(m, prefix));
  const showSmtp = () => { smtpFields.hidden = !smtpOn.checked; };
  smtpOn.addEventListener("change", showSmtp);
  showSmtp();
  const kind = select([["shared", t("kind_shared")], ["personal", t("kind_personal")]], m.kind || "shared", { id: `${prefix}-kind` });
  const people = users.filter((u) => u.active).map((u) => [u.id, `${u.name} <${u.email}>`]);
  const owner = select([["", "—"], ...people], m.owner_id ?? "", { id: `${prefix}-owner` });
  const members = h("fieldset", { class: "checks", id: `${prefix}-members` }, h("legend", {}, t("mb_members")),
    people.map(([id, label]) => h("label", {}, h("input", { type: "checkbox", name: "member", value: id, checked: (m.member_ids || []).includes(id) }), " ", label)));
  const visibility = select(["", "private", "metadata", "subject", "full"].map((v) => [v, v ? word("vis_", v) : "—"]), m.visibility || "", { id: `${prefix}-visibility` });
  const el = form([
    field("provider", t("provider"), provider), hint,
    field("name", t("name"), input({ id: `${prefix}-name`, required: true, value: m.name })),
    h("div", { class: "row" }, field("host", t("host"), host), field("port", t("port"), port), field("security", t("security"), security)),
    h("div", { class: "row" }, field("username", t("username"), input({ id: `${prefix}-username`, autocomplete: "off", value: m.username })),
      field("auth", t("mb_auth"), auth),
      passwordField),
    oauthFields,
    h("label", { class: "check" }, smtpOn, " ", t("smtp_on")),
    smtpFields,
    h("div", { class: "row" }, field("kind", t("mb_kind"), kind), field("owner_id", t("mb_owner"), owner),
      field("visibility", t("visibility"), visibility)),
    members,
    h("p", { class: "field-error", "data-error-for": "member_ids" }),
    field("folders", t("folders"), input({ id: `${prefix}-folders`, value: (m.folders || []).join(", ") })),
  ], existing ? t("save") : t("mb_add"), async (v, formEl) => {
    const body = {
      name: v.name, host: v.host, port: Number(v.port), security: v.security, username: v.username,
      kind: v.kind,
      folders: v.folders ? v.folders.split(",").map((f) => f.trim()).filter(Boolean) : [],
      member_ids: [...formEl.querySelectorAll('input[name="member"]:checked')].map((c) => Number(c.value)),
    };
    if (v.auth === "oauth2") {
      // No password: the mailbox signs in with the tokens the admin's consent (or an earlier one) grants.
      if (!existing || v.oauth_client_id !== (m.oauth && m.oauth.client_id) || v.oauth_client_secret || v.host !== m.host) {
        body.auth = "oauth2";
        body.oauth = { provider: (m.oauth && m.oauth.provider) || OAUTH_PROVIDER[provider.value], client_id: v.oauth_client_id };
        if (v.oauth_client_secret) body.oauth.client_secret = v.oauth_client_secret;
        if (v.oauth_discovery_url) body.oauth.discovery_url = v.oauth_discovery_url;
      }
    } else if (v.password || !existing) body.password = v.password;
    // Sending as the mailbox: sent only when switched on or off or changed (a changed server needs the password).
    const wanted = smtpOn.checked ? { auth: v.smtp_auth } : null;
    if (wanted) {
      if (v.smtp_host) wanted.host = v.smtp_host;
      if (v.smtp_port) wanted.port = Number(v.smtp_port);
      if (v.smtp_security) wanted.security = v.smtp_security;
      if (v.smtp_password) wanted.password = v.smtp_password;
    }
    const changed = !smtp || !wanted || wanted.password || wanted.host !== smtp.host || wanted.port !== smtp.port
      || wanted.security !== smtp.security || wanted.auth !== smtp.auth;
    if (wanted ? changed : smtp) body.smtp = wanted;
    if (v.owner_id) body.owner_id = Number(v.owner_id);
    if (v.visibility) body.visibility = v.visibility;
    await save(body);
  }, { id: existing ? "mailbox-edit-form" : "mailbox-form" });
  if (existing) {
    provider.closest(".field").remove();
    hint.remove();
  } else {
    apply();
  }
  return el;
}
