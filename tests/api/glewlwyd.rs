//! A private glewlwyd (a real OAuth2 / OIDC server) for tests: its own SQLite database and config in a temp dir,
//! on a free loopback port, provisioned over its REST API with a `mail` scope, an OIDC plugin (code + PKCE,
//! refresh, password grant for seeding, introspection and revocation), the confidential client `mailroom` and the
//! mailbox user. Fails loudly when glewlwyd or sqlite3 is missing (scripts/test.sh installs them).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{json, Value};

pub const CLIENT_ID: &str = "mailroom";
pub const CLIENT_SECRET: &str = "glewlwyd-client-secret-1";
pub const REDIRECT_URI: &str = "http://127.0.0.1/console/oauth";
pub const USER_PASSWORD: &str = "glewlwyd-user-pass-1";
/// The HS256 key of the `oidc` plugin (mail tokens), to check what it issued.
pub const SIGNING_SECRET: &str = "glewlwyd-signing-secret";

pub struct Glewlwyd {
    _dir: tempfile::TempDir,
    child: Child,
    pub port: u16,
    pub(crate) http: reqwest::Client,
    admin_cookie: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn config(d: &str, port: u16) -> String {
    format!(
        "port={port}\nbind_address=\"127.0.0.1\"\nexternal_url=\"http://127.0.0.1:{port}\"\nlogin_url=\"login.html\"\n\
         api_prefix=\"api\"\nallow_origin=\"*\"\nlog_mode=\"file\"\nlog_level=\"INFO\"\nlog_file=\"{d}/glewlwyd.log\"\n\
         cookie_secure=0\nsession_expiration=2419200\nsession_key=\"GLEWLWYD2_SESSION_ID\"\nadmin_scope=\"g_admin\"\n\
         profile_scope=\"g_profile\"\nuser_module_path=\"/usr/lib/glewlwyd/user\"\n\
         client_module_path=\"/usr/lib/glewlwyd/client\"\nuser_auth_scheme_module_path=\"/usr/lib/glewlwyd/scheme\"\n\
         plugin_module_path=\"/usr/lib/glewlwyd/plugin\"\nuse_secure_connection=false\n\
         secure_connection_key_file=\"{d}/unused.key\"\nsecure_connection_pem_file=\"{d}/unused.pem\"\n\
         hash_algorithm = \"SHA512\"\ndatabase =\n{{\n  type = \"sqlite3\"\n  path = \"{d}/glewlwyd.db\"\n}}\n"
    )
}

impl Glewlwyd {
    /// Starts and provisions an instance whose user `user` may sign in to the mailbox.
    pub async fn start(user: &str) -> Glewlwyd {
        let binary = Path::new("/usr/bin/glewlwyd");
        assert!(
            binary.exists(),
            "glewlwyd is not installed: run scripts/test.sh (apt-get install -y glewlwyd sqlite3)"
        );
        assert!(
            Path::new("/usr/bin/sqlite3").exists(),
            "sqlite3 is not installed: run scripts/test.sh (apt-get install -y sqlite3)"
        );
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "zcat /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz | sqlite3 {d}/glewlwyd.db"
            ))
            .status()
            .unwrap();
        assert!(status.success(), "glewlwyd database seed failed");
        let port = free_port();
        std::fs::write(dir.path().join("glewlwyd.conf"), config(&d, port)).unwrap();
        let child = Command::new(binary)
            .args(["-c", &format!("{d}/glewlwyd.conf")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start glewlwyd");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "glewlwyd did not listen on {port}: {}",
                std::fs::read_to_string(dir.path().join("glewlwyd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut g = Glewlwyd {
            _dir: dir,
            child,
            port,
            http,
            admin_cookie: String::new(),
        };
        g.admin_cookie = g.sign_in("admin", "password").await;
        g.provision(user).await;
        g
    }

    /// glewlwyd's own log (why it refused something).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("glewlwyd.log")).unwrap_or_default()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/api{path}", self.port)
    }

    pub fn token_endpoint(&self) -> String {
        self.url("/oidc/token")
    }

    pub fn authorization_endpoint(&self) -> String {
        self.url("/oidc/auth")
    }

    pub fn discovery_url(&self) -> String {
        self.url("/oidc/.well-known/openid-configuration")
    }

    /// What Dovecot's `introspection_url` is: the client's own credentials, so it may introspect its tokens.
    pub fn introspection_url(&self) -> String {
        format!(
            "http://{CLIENT_ID}:{CLIENT_SECRET}@127.0.0.1:{}/api/oidc/introspect",
            self.port
        )
    }

    /// Signs in to glewlwyd's own API; answers the session cookie.
    pub(crate) async fn sign_in(&self, username: &str, password: &str) -> String {
        let response = self
            .http
            .post(self.url("/auth/"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "glewlwyd sign-in as {username}");
        let cookie = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .find_map(|c| {
                c.to_str()
                    .ok()
                    .filter(|c| c.starts_with("GLEWLWYD2_SESSION_ID="))
            })
            .expect("glewlwyd session cookie")
            .split(';')
            .next()
            .unwrap()
            .to_string();
        cookie
    }

    pub(crate) async fn admin(&self, method: reqwest::Method, path: &str, body: Value) {
        let response = self
            .http
            .request(method, self.url(path))
            .header(COOKIE, &self.admin_cookie)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(
            status,
            200,
            "glewlwyd {path}: {}",
            response.text().await.unwrap()
        );
    }

    async fn provision(&self, user: &str) {
        use reqwest::Method;
        self.admin(
            Method::POST,
            "/scope/",
            json!({ "name": "mail", "display_name": "Mail",
            "description": "IMAP and SMTP", "password_required": false, "scheme": {} }),
        )
        .await;
        self.admin(Method::POST, "/mod/plugin/", json!({ "module": "oidc", "name": "oidc",
            "display_name": "OIDC", "enabled": true, "parameters": {
                "iss": format!("http://127.0.0.1:{}", self.port), "jwt-type": "sha", "jwt-key-size": "256",
                "key": SIGNING_SECRET, "code-duration": 600, "refresh-token-duration": 1209600,
                "access-token-duration": 3600, "allow-non-oidc": true, "auth-type-code-enabled": true,
                "auth-type-password-enabled": true, "auth-type-refresh-enabled": true,
                "auth-type-client-enabled": true, "refresh-token-rolling": false, "pkce-allowed": true,
                "introspection-revocation-allowed": true, "introspection-revocation-allow-target-client": true,
                "client-pubkey-parameter": "pubkey", "request-parameter-allow": true,
                "request-maximum-exp": 3600 }}))
            .await;
        self.admin(
            Method::POST,
            "/client/",
            json!({ "client_id": CLIENT_ID, "name": "Mailroom",
            "confidential": true, "password": CLIENT_SECRET, "redirect_uri": [REDIRECT_URI],
            "authorization_type": ["code", "refresh_token", "password"],
            "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
            "scope": ["mail"], "enabled": true }),
        )
        .await;
        self.admin(
            Method::POST,
            "/user/",
            json!({ "username": user, "name": "Mailbox", "email": user,
            "password": USER_PASSWORD, "scope": ["mail"], "enabled": true }),
        )
        .await;
    }

    /// Another confidential client of the same server, whose tokens the mail servers (which introspect as
    /// `mailroom`) do not accept: a token for the wrong audience.
    pub async fn add_client(&self, client_id: &str, secret: &str) {
        self.admin(
            reqwest::Method::POST,
            "/client/",
            json!({ "client_id": client_id, "name": client_id,
            "confidential": true, "password": secret, "redirect_uri": [REDIRECT_URI],
            "authorization_type": ["code", "refresh_token", "password"],
            "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
            "scope": ["mail"], "enabled": true }),
        )
        .await;
    }

    /// A confidential client that only gets app-only tokens (client credentials), as an Entra ID app registration
    /// with IMAP.AccessAsApp would.
    pub async fn add_app_client(&self, client_id: &str, secret: &str) {
        self.admin(
            reqwest::Method::POST,
            "/client/",
            json!({ "client_id": client_id, "name": client_id,
            "confidential": true, "password": secret, "redirect_uri": [],
            "authorization_type": ["client_credentials"],
            "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
            "scope": ["mail"], "enabled": true }),
        )
        .await;
    }

    /// An app client that proves itself with a client assertion signed by the key whose public half is `pubkey`
    /// (RFC 7523 `private_key_jwt`), as an Entra ID app with a certificate; its secret serves Dovecot's
    /// introspection only.
    pub async fn add_app_client_with_key(&self, client_id: &str, secret: &str, pubkey: &str) {
        self.admin(
            reqwest::Method::POST,
            "/client/",
            json!({ "client_id": client_id, "name": client_id,
            "confidential": true, "password": secret, "redirect_uri": [], "pubkey": pubkey,
            "authorization_type": ["client_credentials"],
            "token_endpoint_auth_method": ["private_key_jwt", "client_secret_basic"],
            "scope": ["mail"], "enabled": true }),
        )
        .await;
    }

    /// Dovecot's `introspection_url` as a given client (which may introspect its own tokens only).
    pub fn introspection_url_as(&self, client_id: &str, secret: &str) -> String {
        format!(
            "http://{client_id}:{secret}@127.0.0.1:{}/api/oidc/introspect",
            self.port
        )
    }

    /// A refresh token for the user (password grant: seeding a mailbox without the consent pages).
    pub async fn refresh_token(&self, user: &str) -> String {
        self.refresh_token_of(user, CLIENT_ID, CLIENT_SECRET).await
    }

    pub async fn refresh_token_of(&self, user: &str, client_id: &str, secret: &str) -> String {
        let response = self
            .http
            .post(self.token_endpoint())
            .basic_auth(client_id, Some(secret))
            .form(&[
                ("grant_type", "password"),
                ("username", user),
                ("password", USER_PASSWORD),
                ("scope", "mail"),
            ])
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        body["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_string()
    }

    /// Revokes a token (`access_token` or `refresh_token`), as a user withdrawing consent or an admin would.
    pub async fn revoke(&self, token: &str, hint: &str) {
        let response = self
            .http
            .post(self.url("/oidc/revoke"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("token", token), ("token_type_hint", hint)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "revoke");
    }

    /// Every access token the user holds, active or not, newest first (glewlwyd's admin view).
    pub async fn introspect(&self, token: &str) -> Value {
        self.http
            .post(self.url("/oidc/introspect"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The user's side of consent, driven as a browser would: sign in, grant the scope, open the authorization URL
    /// (`g_continue=` skips glewlwyd's login page); answers where glewlwyd redirects the browser.
    pub async fn consent(&self, user: &str, authorization_url: &str) -> url::Url {
        self.grant_and_open(user, CLIENT_ID, "mail", authorization_url)
            .await
    }

    /// Signs `user` in, grants `scope` to `client` and opens the authorization URL: where glewlwyd sends the
    /// browser back (the redirect URI with code and state).
    pub async fn grant_and_open(
        &self,
        user: &str,
        client: &str,
        scope: &str,
        authorization_url: &str,
    ) -> url::Url {
        let cookie = self.sign_in(user, USER_PASSWORD).await;
        let grant = self
            .http
            .put(self.url(&format!("/auth/grant/{client}")))
            .header(COOKIE, &cookie)
            .json(&json!({ "scope": scope }))
            .send()
            .await
            .unwrap();
        assert_eq!(grant.status(), 200, "grant");
        let response = self
            .http
            .get(format!("{authorization_url}&g_continue="))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let location = response.headers().get(LOCATION).cloned();
        assert_eq!(
            status,
            302,
            "authorization: {}",
            response.text().await.unwrap_or_default()
        );
        url::Url::parse(location.expect("a redirect").to_str().unwrap()).unwrap()
    }
}

impl Drop for Glewlwyd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
