//! The Outlook pane signs itself in with Office's nested app authentication: real Chromium runs the pane with the
//! vendored MSAL, Office's NAA bridge is stood in for exactly as MSAL talks to it (tests/addin/naa.test.mjs), and
//! hands over access tokens this test signs with the key its own small identity provider publishes (discovery
//! document + JWKS); the server fetches the keys and validates the tokens for real.

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

const KEY: &str = include_str!("../fixtures/oauth/test-rsa.key.pem");
const KID: &str = "naa-test-key";
pub const CLIENT_ID: &str = "6f1d6c2e-naa0-4c1e-9d1b-addin0000001";
const TENANT: &str = "9b1c0e7a-0000-4000-8000-nordwind0001";

/// An identity provider as far as the server reads one: its discovery document and its keys.
pub struct KeyServer {
    pub issuer: String,
}

impl KeyServer {
    pub async fn start() -> KeyServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let encoding = EncodingKey::from_rsa_pem(KEY.as_bytes()).unwrap();
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256).unwrap();
        jwk.common.key_id = Some(KID.into());
        let keys = serde_json::to_value(JwkSet { keys: vec![jwk] }).unwrap();
        let discovery = json!({ "issuer": format!("{base}/{TENANT}/v2.0"),
            "authorization_endpoint": format!("{base}/authorize"), "token_endpoint": format!("{base}/token"),
            "jwks_uri": format!("{base}/keys") });
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                axum::routing::get(move || async move { axum::Json(discovery) }),
            )
            .route(
                "/keys",
                axum::routing::get(move || async move { axum::Json(keys) }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        KeyServer {
            issuer: format!("{base}/{TENANT}/v2.0"),
        }
    }

    pub fn discovery_url(&self) -> String {
        let base = self.issuer.trim_end_matches(&format!("/{TENANT}/v2.0"));
        format!("{base}/.well-known/openid-configuration")
    }

    /// A token as Entra ID issues them (v2 access and ID tokens carry these claims), signed with the published key.
    pub fn token(&self, aud: &str, email: &str) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = json!({ "iss": self.issuer, "aud": aud, "tid": TENANT, "oid": "0a1b2c3d-olga", "sub": "olga-sub",
            "preferred_username": email, "name": "Ольга Смирнова", "iat": now, "nbf": now - 5, "exp": now + 3600,
            "scp": "access_as_user", "ver": "2.0" });
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(KID.into());
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_rsa_pem(KEY.as_bytes()).unwrap(),
        )
        .unwrap()
    }
}

pub fn audience() -> String {
    format!("api://127.0.0.1/{CLIENT_ID}")
}

/// The add-in's provider: its tokens' audience, the scope the pane asks for, marked for the add-in.
pub async fn addin_provider(app: &TestApp, keys: &KeyServer) -> Value {
    let body = json!({ "name": "Entra ID (add-in)", "kind": "oidc", "discovery_url": keys.discovery_url(),
        "client_id": CLIENT_ID, "audiences": [audience()], "addin": true,
        "addin_scopes": [format!("{}/access_as_user", audience())] });
    let (status, created) = app
        .post("/api/v1/oidc/providers", &app.admin_token, body)
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

#[tokio::test]
async fn the_pane_signs_itself_in_through_nested_app_authentication_in_real_chromium() {
    let dir = crate::browser::suite_dir("tests/addin");
    // The served MSAL is the pinned package's bundle, byte for byte (re-copy it after changing the pin).
    let vendored = std::fs::read(dir.join("../../addin/msal-browser.min.js")).unwrap();
    let pinned = dir.join("node_modules/@azure/msal-browser/lib/msal-browser.min.js");
    assert!(
        std::fs::read(&pinned).unwrap() == vendored,
        "addin/msal-browser.min.js differs from {}",
        pinned.display()
    );
    let keys = KeyServer::start().await;
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("olga@nordwind.ru", "sales").await;
    let (status, contact) = app
        .post(
            "/api/v1/contacts",
            &sales,
            json!({ "name": "Иван Петров", "emails": ["ivan@client-corp.ru"] }),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    addin_provider(&app, &keys).await;
    let fixture = json!({
        "email": "olga@nordwind.ru", "password": "user-password-1",
        "contact_email": "ivan@client-corp.ru", "contact_name": "Иван Петров",
        "client_id": CLIENT_ID, "scope": format!("{}/access_as_user", audience()), "authority": keys.issuer,
        "access_token": keys.token(&audience(), "olga@nordwind.ru"),
        "wrong_audience_token": keys.token("api://somebody-else/other-app", "olga@nordwind.ru"),
        "id_token": keys.token(CLIENT_ID, "olga@nordwind.ru"), "tenant": TENANT,
    });
    let (passed, report) =
        crate::browser::run_node_tests(&dir, "naa.test.mjs", "addin-naa", &app.base, &fixture)
            .await;
    assert!(passed, "the pane's NAA browser tests failed");
    assert!(
        report.contains("# pass 2") && report.contains("# fail 0"),
        "both flows ran"
    );
}
