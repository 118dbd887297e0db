//! App-only OAuth2 mailboxes: client credentials (with a client secret) against a real glewlwyd, the mailbox then
//! syncing from Dovecot, which introspects the app's token; a refused secret stops the mailbox with a clear error;
//! and the Microsoft 365 and Google presets' app-only settings resolved and stored without showing a secret.
//! (The assertions themselves, certificate and service account, are verified in `src/oauth/app_only_tests.rs`.)

use serde_json::{json, Value};

use crate::dovecot::{message, Dovecot, USER};
use crate::glewlwyd::Glewlwyd;
use crate::helpers::{error_code, spawn_app};
use crate::mail_oauth::mailbox;
use crate::mail_sync::{add_mailbox, sync};

const APP_SECRET: &str = "app-only-secret-1";
/// The app's client id: the mailbox's local part, which is how Dovecot matches the app to the mailbox.
const APP: &str = "sales";
const KEY: &str = include_str!("../fixtures/oauth/test-rsa.key.pem");

fn app_only_mailbox(dovecot: &Dovecot, oauth: Value) -> Value {
    json!({ "name": "Общий ящик (app-only)", "host": "127.0.0.1", "port": dovecot.port, "security": "plain",
        "username": USER, "auth": "oauth2", "oauth": oauth })
}

fn client_credentials(g: &Glewlwyd, secret: &str) -> Value {
    json!({ "provider": "other", "grant": "client_credentials", "token_endpoint": g.token_endpoint(),
        "client_id": APP, "client_secret": secret, "scopes": ["mail"] })
}

#[tokio::test]
async fn an_app_only_mailbox_syncs_with_a_client_credentials_token_and_needs_no_consent() {
    let g = Glewlwyd::start("someone@nordwind.ru").await;
    // The app's client id names the mailbox it was given (Dovecot matches it as Exchange matches the app's
    // mailbox permission).
    g.add_app_client(APP, APP_SECRET).await;
    let dovecot =
        Dovecot::start_oauth_as(&g.introspection_url_as(APP, APP_SECRET), "client_id", "%n");
    let app = spawn_app().await;
    let mail: Vec<_> = (0..2).map(|n| message(n, "app-only письмо")).collect();
    dovecot.append_many("INBOX", &mail).await;

    let (status, created) = app
        .post(
            "/api/v1/mailboxes",
            &app.admin_token,
            app_only_mailbox(&dovecot, client_credentials(&g, APP_SECRET)),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["oauth"]["grant"], "client_credentials");
    assert_eq!(
        created["oauth"]["state"], "authorized",
        "no consent to wait for"
    );
    assert!(!created.to_string().contains(APP_SECRET), "{created}");
    let id = created["id"].as_i64().unwrap();

    let (status, report) = sync(&app, id).await;
    assert_eq!(
        (status, report["new_messages"].as_i64()),
        (200, Some(2)),
        "{report}"
    );
    assert!(
        dovecot.log().contains("method=OAUTHBEARER"),
        "{}",
        dovecot.log()
    );
    let m = mailbox(&app, id).await;
    assert_eq!(m["last_error"], Value::Null, "{m}");

    let (status, body) = app
        .post(
            &format!("/api/v1/mailboxes/{id}/oauth/start"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );
}

/// glewlwyd 2.7.5 takes the assertion and issues the app's token, but its introspection then calls every token not
/// issued to HTTP Basic inactive (as with `client_secret_post`), so Dovecot cannot accept it: what is proven here is
/// the token endpoint's side, the token checked with glewlwyd's signing key.
#[tokio::test]
async fn a_certificate_client_assertion_gets_the_app_a_token_and_a_forged_one_is_refused() {
    let g = Glewlwyd::start("someone@nordwind.ru").await;
    let public = include_str!("../fixtures/oauth/test-rsa.pub.pem");
    g.add_app_client_with_key(APP, APP_SECRET, public).await;
    let dovecot =
        Dovecot::start_oauth_as(&g.introspection_url_as(APP, APP_SECRET), "client_id", "%n");
    let app = spawn_app().await;
    let oauth = json!({ "provider": "other", "grant": "client_credentials", "token_endpoint": g.token_endpoint(),
        "client_id": APP, "private_key": KEY, "scopes": ["mail"] });
    let id = add_mailbox(&app, app_only_mailbox(&dovecot, oauth)).await;
    let (_, report) = sync(&app, id).await;
    assert!(
        !error_code(&report).starts_with("oauth_"),
        "the token endpoint took the assertion: {report} {}",
        g.log()
    );
    let token = crate::mail_oauth::stored_access_token(&app).await;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_aud = false;
    let key = jsonwebtoken::DecodingKey::from_secret(crate::glewlwyd::SIGNING_SECRET.as_bytes());
    let claims = jsonwebtoken::decode::<Value>(&token, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(
        (claims["client_id"].as_str(), claims["scope"].as_str()),
        (Some(APP), Some("mail")),
        "{claims}"
    );

    // The same client with a forger's key: glewlwyd refuses the assertion.
    let forger = include_str!("../fixtures/oauth/other-rsa.key.pem");
    let oauth = json!({ "provider": "other", "grant": "client_credentials", "token_endpoint": g.token_endpoint(),
        "client_id": APP, "private_key": forger, "scopes": ["mail"] });
    let forged = add_mailbox(&app, app_only_mailbox(&dovecot, oauth)).await;
    let (status, body) = sync(&app, forged).await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "oauth_reauthorization_needed"),
        "{body}"
    );
}

#[tokio::test]
async fn a_refused_app_secret_stops_the_mailbox_with_a_clear_error() {
    let g = Glewlwyd::start("someone@nordwind.ru").await;
    g.add_app_client(APP, APP_SECRET).await;
    let dovecot =
        Dovecot::start_oauth_as(&g.introspection_url_as(APP, APP_SECRET), "client_id", "%n");
    let app = spawn_app().await;
    let id = add_mailbox(
        &app,
        app_only_mailbox(&dovecot, client_credentials(&g, "wrong-secret")),
    )
    .await;
    let (status, body) = sync(&app, id).await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "oauth_reauthorization_needed"),
        "{body}"
    );
    let m = mailbox(&app, id).await;
    assert_eq!(m["oauth"]["state"], "reauthorization_needed", "{m}");
    assert_eq!(m["last_error_code"], "oauth_reauthorization_needed", "{m}");
    assert!(
        m["last_error"]
            .as_str()
            .unwrap()
            .contains("app's credentials"),
        "{m}"
    );
    assert!(
        !dovecot.log().contains("auth failed"),
        "no token, no login: {}",
        dovecot.log()
    );
}

#[tokio::test]
async fn microsoft_and_google_app_only_settings_are_resolved_and_their_keys_never_shown() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let microsoft = json!({ "provider": "microsoft365", "grant": "client_credentials",
        "tenant": "contoso.onmicrosoft.com", "client_id": "00000000-1111-2222-3333-444444444444",
        "private_key": KEY, "certificate_thumbprint": "3E:D6:15:B3:3D:2C:8E:90:BC:49:4E:7A:14:E9:04:74:BC:28:54:A7" });
    let (status, m) = app
        .post(
            "/api/v1/mailboxes",
            &app.admin_token,
            app_only_mailbox(&dovecot, microsoft.clone()),
        )
        .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(
        m["oauth"]["token_endpoint"],
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );
    assert_eq!(
        m["oauth"]["scopes"],
        json!(["https://outlook.office365.com/.default"])
    );
    assert_eq!(m["oauth"]["key_id"], "PtYVsz0sjpC8SU56FOkEdLwoVKc");
    assert_eq!(m["oauth"]["authorization_endpoint"], Value::Null);

    let key_file = json!({ "type": "service_account", "client_email": "sync@crm-123.iam.gserviceaccount.com",
        "private_key_id": "abc123", "private_key": KEY, "token_uri": "https://oauth2.googleapis.com/token" });
    let google = json!({ "provider": "google", "grant": "jwt_bearer", "subject": USER,
        "service_account_key": key_file.to_string() });
    let (status, g) = app
        .post(
            "/api/v1/mailboxes",
            &app.admin_token,
            app_only_mailbox(&dovecot, google.clone()),
        )
        .await;
    assert_eq!(status, 201, "{g}");
    assert_eq!(
        g["oauth"]["client_id"],
        "sync@crm-123.iam.gserviceaccount.com"
    );
    assert_eq!(g["oauth"]["scopes"], json!(["https://mail.google.com/"]));
    assert_eq!(
        (
            g["oauth"]["key_id"].as_str(),
            g["oauth"]["subject"].as_str()
        ),
        (Some("abc123"), Some(USER))
    );
    let (_, list) = app.get("/api/v1/mailboxes", &app.admin_token).await;
    assert!(!list.to_string().contains("PRIVATE KEY"), "{list}");

    let mut refused = Vec::new();
    for (field, value) in [
        ("tenant", Value::Null),
        ("client_secret", json!("and a secret too")),
        (
            "private_key",
            json!("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"),
        ),
        ("certificate_thumbprint", json!("abc")),
    ] {
        let mut bad = microsoft.clone();
        bad[field] = value;
        let (status, body) = app
            .post(
                "/api/v1/mailboxes",
                &app.admin_token,
                app_only_mailbox(&dovecot, bad),
            )
            .await;
        refused.push((field, status, body["error"]["message"].to_string()));
    }
    let mut bad = google.clone();
    bad["subject"] = Value::Null;
    let (status, body) = app
        .post(
            "/api/v1/mailboxes",
            &app.admin_token,
            app_only_mailbox(&dovecot, bad),
        )
        .await;
    refused.push(("subject", status, body["error"]["message"].to_string()));
    assert!(refused.iter().all(|(_, s, _)| *s == 422), "{refused:?}");
}
