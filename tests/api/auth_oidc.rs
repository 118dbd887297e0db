//! Sign-in to the console through an identity provider, end to end against glewlwyd: the browser's round trip
//! scripted (start → glewlwyd's authorization → our callback), the ID token verified against glewlwyd's JWKS.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{json, Value};

use crate::glewlwyd::Glewlwyd;
use crate::glewlwyd_idp::{CONSOLE_CLIENT, CONSOLE_SECRET};
use crate::helpers::{spawn_app, TestApp};

pub struct Idp {
    pub g: Glewlwyd,
    pub app: TestApp,
    browser: reqwest::Client,
}

/// glewlwyd with its IdP plugin and people, an app, and a provider per settings (their ids, in order).
pub async fn idp(providers: &[Value]) -> (Idp, Vec<i64>) {
    let g = Glewlwyd::start("nobody@nordwind.ru").await;
    g.add_idp().await;
    for (user, name) in [
        ("anna", "Анна Петрова"),
        ("boris", "Борис"),
        ("vera", "Вера"),
        ("gleb", "Глеб"),
    ] {
        g.add_person(user, &format!("{user}@nordwind.ru"), name)
            .await;
    }
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for p in providers {
        let mut body = json!({ "name": "Компания", "kind": "oidc", "discovery_url": g.idp_discovery_url(),
            "client_id": CONSOLE_CLIENT, "client_secret": CONSOLE_SECRET, "scopes": ["openid"] });
        for (k, v) in p.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, created) = app
            .post("/api/v1/oidc/providers", &app.admin_token, body)
            .await;
        assert_eq!(status, 201, "{created}");
        assert!(!created.to_string().contains(CONSOLE_SECRET), "{created}");
        assert_eq!(created["issuer"], g.idp_issuer());
        ids.push(created["id"].as_i64().unwrap());
    }
    let callbacks: Vec<String> = ids
        .iter()
        .map(|id| app.url(&format!("/api/v1/auth/oidc/{id}/callback")))
        .collect();
    g.add_console_client(&callbacks).await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (Idp { g, app, browser }, ids)
}

/// Where a sign-in ended: the console's fragment parameters (`token`, `expires_at` or `error`, `message`).
pub type Outcome = std::collections::HashMap<String, String>;

impl Idp {
    /// Opens `start`; answers the provider's authorization URL and our state cookie.
    pub async fn start(&self, provider: i64) -> (String, String) {
        let r = self
            .browser
            .get(self.app.url(&format!("/api/v1/auth/oidc/{provider}/start")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let cookie = r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        (r.headers()[LOCATION].to_str().unwrap().to_string(), cookie)
    }

    pub async fn callback(&self, back: &url::Url, cookie: Option<&str>) -> Outcome {
        let mut request = self.browser.get(back.as_str());
        if let Some(c) = cookie {
            request = request.header(COOKIE, c);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 303);
        let location = r.headers()[LOCATION].to_str().unwrap();
        let query = location
            .strip_prefix("/#/signed-in?")
            .unwrap_or_else(|| panic!("{location}"));
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    pub async fn sign_in(&self, provider: i64, user: &str) -> Outcome {
        let (url, cookie) = self.start(provider).await;
        let back = self.g.authorize(user, &url).await;
        self.callback(&back, Some(&cookie)).await
    }

    pub async fn me(&self, outcome: &Outcome) -> Value {
        let token = outcome
            .get("token")
            .unwrap_or_else(|| panic!("signed in: {outcome:?}"));
        let (status, me) = self.app.get("/api/v1/me", token).await;
        assert_eq!(status, 200, "{me}");
        me
    }
}

fn error(o: &Outcome) -> &str {
    o.get("error").map(String::as_str).unwrap_or("(signed in)")
}

#[tokio::test]
async fn an_existing_user_signs_in_and_an_unknown_one_is_created_with_the_default_role_only_where_jit_is_on(
) {
    let (idp, ids) = idp(&[
        json!({ "jit": true, "default_role": "marketing", "trust_email": true }),
        json!({ "name": "Без JIT", "jit": false, "trust_email": true }),
    ])
    .await;
    let (jit, no_jit) = (ids[0], ids[1]);
    let (_, buttons) = idp
        .app
        .call(
            reqwest::Method::GET,
            "/api/v1/auth/oidc/providers",
            None,
            None,
        )
        .await;
    assert_eq!(
        buttons,
        json!([{ "id": jit, "name": "Компания" }, { "id": no_jit, "name": "Без JIT" }])
    );

    let (anna, _) = idp.app.user_with_role("anna@nordwind.ru", "sales").await;
    let me = idp.me(&idp.sign_in(no_jit, "anna").await).await;
    assert_eq!(
        (me["id"].as_i64(), me["role"].as_str()),
        (Some(anna), Some("sales")),
        "{me}"
    );

    let refused = idp.sign_in(no_jit, "boris").await;
    assert_eq!(error(&refused), "oidc_user_unknown", "{refused:?}");
    assert!(
        refused["message"].contains("boris@nordwind.ru"),
        "{refused:?}"
    );
    let (status, _) = idp.app.login("boris@nordwind.ru", "anything-at-all").await;
    assert_eq!(status, 401, "no account was created");

    let me = idp.me(&idp.sign_in(jit, "boris").await).await;
    assert_eq!(
        (me["email"].as_str(), me["role"].as_str()),
        (Some("boris@nordwind.ru"), Some("marketing"))
    );
    assert_eq!(me["name"], "Борис");
    let again = idp.me(&idp.sign_in(jit, "boris").await).await;
    assert_eq!(again["id"], me["id"], "the same user the second time");
}

#[tokio::test]
async fn a_wrong_state_a_missing_cookie_a_replay_and_a_wrong_nonce_are_refused() {
    let (idp, ids) =
        idp(&[json!({ "jit": true, "default_role": "sales", "trust_email": true })]).await;
    let id = ids[0];

    let (url, cookie) = idp.start(id).await;
    let back = idp.g.authorize("vera", &url).await;
    let mut forged = back.clone();
    let pairs: Vec<(String, String)> = back
        .query_pairs()
        .map(|(k, v)| {
            let forged_state = k == "state";
            (
                k.into_owned(),
                if forged_state {
                    "forged-state".into()
                } else {
                    v.into_owned()
                },
            )
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(
        error(&idp.callback(&forged, Some(&cookie)).await),
        "oidc_state_invalid"
    );

    let (url, _) = idp.start(id).await;
    let back = idp.g.authorize("vera", &url).await;
    let other_browser = idp.callback(&back, None).await;
    assert_eq!(
        error(&other_browser),
        "oidc_state_invalid",
        "{other_browser:?}"
    );
    assert_eq!(
        error(&idp.callback(&back, None).await),
        "oidc_state_invalid",
        "single use"
    );

    let (url, cookie) = idp.start(id).await;
    let back = idp.g.authorize("vera", &url).await;
    let ok = idp.callback(&back, Some(&cookie)).await;
    assert!(ok.contains_key("token"), "{ok:?}");
    assert_eq!(
        error(&idp.callback(&back, Some(&cookie)).await),
        "oidc_state_invalid",
        "replayed"
    );

    // The provider answers for another sign-in than this one (its nonce): refused even with a valid signature.
    let (url, cookie) = idp.start(id).await;
    let db = crate::campaigns_relays::db(&idp.app).await;
    sqlx::query("UPDATE oidc_logins SET nonce = 'another-sign-ins-nonce'")
        .execute(&db.pool)
        .await
        .unwrap();
    let back = idp.g.authorize("vera", &url).await;
    let wrong = idp.callback(&back, Some(&cookie)).await;
    assert_eq!(error(&wrong), "oidc_token_invalid", "{wrong:?}");
    assert!(wrong["message"].contains("nonce"), "{wrong:?}");
}

#[tokio::test]
async fn a_deactivated_user_and_an_unvouched_email_are_refused() {
    let (idp, ids) = idp(&[
        json!({ "jit": true, "default_role": "sales", "trust_email": true }),
        json!({ "name": "Недоверенный", "jit": true, "default_role": "sales", "trust_email": false }),
    ])
    .await;
    let (gleb, _) = idp.app.user_with_role("gleb@nordwind.ru", "sales").await;
    let (status, body) = idp
        .app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/users/{gleb}"),
            Some(&idp.app.admin_token),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        error(&idp.sign_in(ids[0], "gleb").await),
        "account_inactive"
    );

    // glewlwyd sends no email_verified: only a provider marked trusted may vouch for the address.
    let unvouched = idp.sign_in(ids[1], "vera").await;
    assert_eq!(error(&unvouched), "oidc_email_unverified", "{unvouched:?}");
    let (status, _) = idp.app.login("vera@nordwind.ru", "anything-at-all").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_provider_needs_a_readable_discovery_document_and_its_settings() {
    let app = spawn_app().await;
    let base = json!({ "name": "X", "kind": "oidc", "client_id": "c" });
    let cases = [
        (json!({}), 422),
        (
            json!({ "discovery_url": "http://example.com/.well-known/openid-configuration" }),
            422,
        ),
        (json!({ "kind": "microsoft" }), 422),
        (
            json!({ "discovery_url": format!("{}/nothing-here", app.base), "jit": false }),
            502,
        ),
        (
            json!({ "discovery_url": "http://127.0.0.1:9/x", "jit": true }),
            422,
        ),
    ];
    for (extra, expected) in cases {
        let mut body = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, answer) = app
            .post("/api/v1/oidc/providers", &app.admin_token, body.clone())
            .await;
        assert_eq!(status, expected, "{body} → {answer}");
    }
}
