//! glewlwyd as the company's identity provider: a second OIDC plugin instance (`idp`) signing ID and access
//! tokens RS256 with the test key (`tests/fixtures/oauth`), its public key in `/api/idp/jwks`, e-mail and name
//! claims; a console client; users with e-mail addresses; and the user's side of a sign-in, scripted.

use reqwest::Method;
use serde_json::json;

use crate::glewlwyd::{Glewlwyd, USER_PASSWORD};

pub const CONSOLE_CLIENT: &str = "mailroom-console";
pub const CONSOLE_SECRET: &str = "console-client-secret-1";
pub const KEY: &str = include_str!("../fixtures/oauth/test-rsa.key.pem");
pub const PUBLIC_KEY: &str = include_str!("../fixtures/oauth/test-rsa.pub.pem");

impl Glewlwyd {
    pub fn idp_issuer(&self) -> String {
        format!("http://127.0.0.1:{}/idp", self.port)
    }

    pub fn idp_discovery_url(&self) -> String {
        self.url("/idp/.well-known/openid-configuration")
    }

    pub async fn add_idp(&self) {
        self.admin(Method::POST, "/mod/plugin/", json!({ "module": "oidc", "name": "idp",
            "display_name": "Company IdP", "enabled": true, "parameters": {
                "iss": self.idp_issuer(), "jwt-type": "rsa", "jwt-key-size": "256",
                "key": KEY, "cert": PUBLIC_KEY, "jwks-show": true,
                "code-duration": 600, "refresh-token-duration": 1209600, "access-token-duration": 3600,
                "allow-non-oidc": false, "auth-type-code-enabled": true, "auth-type-refresh-enabled": true,
                "auth-type-password-enabled": true, "auth-type-client-enabled": false, "pkce-allowed": true,
                "refresh-token-rolling": false, "email-claim": "mandatory", "name-claim": "mandatory" }}))
            .await;
    }

    /// The console's client, allowed back to these callback URLs.
    pub async fn add_console_client(&self, redirect_uris: &[String]) {
        self.admin(
            Method::POST,
            "/client/",
            json!({ "client_id": CONSOLE_CLIENT, "name": "Mailroom console",
            "confidential": true, "password": CONSOLE_SECRET, "redirect_uri": redirect_uris,
            "authorization_type": ["code", "password"],
            "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
            "scope": ["openid"], "enabled": true }),
        )
        .await;
    }

    pub async fn add_person(&self, username: &str, email: &str, name: &str) {
        self.admin(
            Method::POST,
            "/user/",
            json!({ "username": username, "name": name, "email": email,
            "password": USER_PASSWORD, "scope": ["openid"], "enabled": true }),
        )
        .await;
    }

    /// The user signs in at glewlwyd, grants `openid` to the console client and opens the authorization URL;
    /// answers where glewlwyd sends the browser back (our callback with code and state).
    pub async fn authorize(&self, username: &str, authorization_url: &str) -> url::Url {
        self.grant_and_open(username, CONSOLE_CLIENT, "openid", authorization_url)
            .await
    }

    /// An ID token for the console client by the authorization code flow (`redirect_uri`: a registered one).
    pub async fn id_token(&self, username: &str, redirect_uri: &str) -> String {
        let mut url = url::Url::parse(&self.url("/idp/auth")).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", CONSOLE_CLIENT)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid")
            .append_pair("nonce", "addin-nonce")
            .append_pair("state", "addin-state");
        let back = self.authorize(username, url.as_str()).await;
        let code = back
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap_or_else(|| panic!("a code: {back}"))
            .1
            .into_owned();
        let body: serde_json::Value = self
            .http
            .post(self.url("/idp/token"))
            .basic_auth(CONSOLE_CLIENT, Some(CONSOLE_SECRET))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect_uri),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["id_token"]
            .as_str()
            .unwrap_or_else(|| panic!("an ID token: {body}"))
            .to_string()
    }
}
