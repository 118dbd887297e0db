// The pane's password change, for a user the server answers `password_change_required` (the start-up password or
// one an admin set): the current password, the new one twice. The change ends every session of the user, so the
// pane signs in again with the new password (the e-mail from GET /me, which stays open) and goes on to the card.
(function () {
  const $ = (id) => document.getElementById(id);

  /** `pane`: taskpane.js's api, act, el, t, status, refresh and Expired; `keep(token)` stores the new session. */
  function show(pane, keep) {
    const { el, t } = pane;
    $("signout").hidden = false;
    pane.status(t("mustChange"), "error");
    const field = (id, label, autocomplete) => [el("label", { for: id }, label),
      el("input", { id, type: "password", autocomplete, required: true })];
    const form = el("form", { id: "password-change" },
      el("h2", {}, t("changePassword")),
      ...field("pw-current", t("currentPassword"), "current-password"),
      ...field("pw-new", t("newPassword"), "new-password"),
      ...field("pw-repeat", t("repeatPassword"), "new-password"),
      el("button", { type: "submit", id: "pw-submit" }, t("changePassword")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const [current, next, again] = ["pw-current", "pw-new", "pw-repeat"].map((id) => $(id).value);
      if (next !== again) return pane.status(t("passwordsDiffer"), "error");
      pane.act(async () => {
        const me = await pane.api("GET", "/api/v1/me");
        try {
          await pane.api("POST", "/api/v1/me/password", { current_password: current, new_password: next });
        } catch (error) {
          if (error instanceof pane.Expired) throw error;
          // The API says `current_password: is wrong`: in the pane's words; others (a new one too short) as said.
          throw error.field === "current_password" ? new Error(t("currentWrong")) : error;
        }
        const answer = await pane.api("POST", "/api/v1/auth/login", { email: me.email, password: next });
        keep(answer.token);
        pane.status(t("passwordChanged"), "ok");
        await pane.refresh();
      });
    });
    $("app").replaceChildren(form);
  }

  window.MailroomPassword = { show };
})();
