// The pane's single sign-on: Office's nested app authentication (NAA) through MSAL (msal-browser.min.js, vendored),
// with the add-in's app registration from GET /api/v1/addin/config. The access token it obtains is the pane's
// bearer token; the server checks it against the identity provider's keys. Loaded before taskpane.js.
(function () {
  "use strict";

  // Whether this Outlook offers nested app authentication at all (Office.js's requirement set, or its bridge).
  function available() {
    const requirements = window.Office && Office.context && Office.context.requirements;
    if (requirements && typeof requirements.isSetSupported === "function" && requirements.isSetSupported("NestedAppAuth", "1.1")) return true;
    return Boolean(window.nestedAppAuthBridge) || typeof window.__initializeNestedAppAuth === "function";
  }

  // The add-in's NAA settings, or null when the server has none (or cannot be asked).
  async function config() {
    try {
      const response = await fetch("/api/v1/addin/config", { headers: { Accept: "application/json" } });
      if (!response.ok) return null;
      const body = await response.json();
      return body && body.nested_app_auth ? body.nested_app_auth : null;
    } catch (error) {
      return null;
    }
  }

  function reason(error) {
    return (error && (error.errorMessage || error.message || error.errorCode)) || String(error);
  }

  // An access token for the add-in's API: silently from Office, else with Office's sign-in window.
  async function token(naa) {
    if (!available() || !window.msal) throw new Error("unavailable");
    const pca = await msal.createNestablePublicClientApplication({ auth: { clientId: naa.client_id, authority: naa.authority } });
    const request = { scopes: naa.scopes, authority: naa.authority };
    try {
      return (await pca.acquireTokenSilent(request)).accessToken;
    } catch (silent) {
      return (await pca.acquireTokenPopup(request)).accessToken;
    }
  }

  // Signs in: answers the token the server accepted, or throws an Error whose message the pane can show.
  async function signIn(naa) {
    let accessToken;
    try {
      accessToken = await token(naa);
    } catch (error) {
      const e = new Error(error && error.message === "unavailable" ? "unavailable" : reason(error));
      e.unavailable = error && error.message === "unavailable";
      throw e;
    }
    // The server decides: signature, issuer, audience, expiry, and a user with that address.
    const response = await fetch("/api/v1/me", { headers: { Accept: "application/json", Authorization: "Bearer " + accessToken } });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      throw new Error((body && body.error && body.error.message) || response.statusText);
    }
    return accessToken;
  }

  window.MailroomSso = { config, signIn };
})();
