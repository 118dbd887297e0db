// Sign-in and the forced change of a password someone else chose: the API's `must_change_password` (the first
// admin's start-up password, an admin's reset) sends the user here before anything else.
import { get, post, signIn, saveSession } from "./api.js";
import { h, clear, field, form, input } from "./dom.js";
import { t, errorText } from "./i18n.js";

export async function renderSignIn(main, ctx) {
  const email = input({ type: "email", autocomplete: "username", required: true, id: "login-email" });
  const password = input({ type: "password", autocomplete: "current-password", required: true, id: "login-password" });
  const el = form(
    [field("email", t("email"), email), field("password", t("password"), password)],
    t("signin_button"),
    async (v) => {
      const user = await signIn(v.email, v.password);
      if (user.must_change_password) return ctx.navigate("/password");
      ctx.home();
    },
    { id: "signin-form", class: "narrow" },
  );
  const why = ctx.expired ? h("p", { class: "form-error", role: "alert", id: "signin-why" }, errorText(ctx.expired)) : null;
  const providers = h("div", { class: "actions", id: "signin-providers" });
  clear(main, h("section", { class: "card narrow" }, h("h1", {}, t("signin")), why, el, providers));
  email.focus();
  // The company's identity providers, each a plain link: the server runs the whole exchange and comes back to
  // #/signed-in. A failure to list them leaves the password form alone.
  try {
    const buttons = await get("/auth/oidc/providers");
    for (const p of buttons) {
      providers.append(h("a", { class: "button-link", href: `/api/v1/auth/oidc/${p.id}/start`, "data-provider": String(p.id) },
        t("signin_with", { name: p.name })));
    }
  } catch {
    /* the password form still works */
  }
}

/** Where an identity provider's sign-in lands: the session token (or the error) in the fragment's query. */
export async function renderSignedIn(main, ctx) {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const token = params.get("token");
  if (!token) {
    const error = { code: params.get("error") || "oidc_sign_in_refused", message: params.get("message") || "" };
    clear(main, h("section", { class: "card narrow" }, h("h1", {}, t("signin")),
      h("p", { class: "form-error", role: "alert", id: "signin-why" }, errorText(error) || error.message),
      h("p", {}, h("a", { href: "#/login" }, t("signin_again")))));
    return;
  }
  // The token out of the address bar and history before anything else.
  history.replaceState(null, "", location.pathname + "#/signed-in");
  saveSession({ token, user: null });
  const user = await get("/me");
  saveSession({ token, user });
  if (user.must_change_password) return ctx.navigate("/password");
  ctx.home();
}

export function renderPasswordChange(main, ctx) {
  const current = input({ type: "password", autocomplete: "current-password", id: "pw-current" });
  const next = input({ type: "password", autocomplete: "new-password", id: "pw-new", minlength: 8 });
  const again = input({ type: "password", autocomplete: "new-password", id: "pw-repeat" });
  const el = form(
    [
      field("current_password", t("current_password"), current),
      field("new_password", t("new_password"), next),
      field("repeat", t("repeat_password"), again),
    ],
    t("pw_change"),
    async (v) => {
      if (v.new_password !== v.repeat) {
        throw Object.assign(new Error(t("pw_mismatch")), { field: "repeat", code: "pw_mismatch" });
      }
      const user = ctx.user;
      try {
        await post("/me/password", { current_password: v.current_password, new_password: v.new_password });
      } catch (error) {
        // The API names a too-short new password `password`; it belongs beside the new-password field.
        if (error.field === "password") error.field = "new_password";
        throw error;
      }
      // A password change ends every session of the user, this one included: sign in again with the new one.
      const fresh = await signIn(user.email, v.new_password);
      // An admin with no mailbox yet is on a fresh installation: led on to connect the first one.
      if (fresh.role === "admin" && (await get("/mailboxes")).length === 0) return ctx.navigate("/mailboxes");
      ctx.home();
    },
    { id: "password-form" },
  );
  clear(main, h("section", { class: "card narrow" }, h("h1", {}, t("pw_title")), h("p", {}, t("pw_intro")), el));
  current.focus();
}
