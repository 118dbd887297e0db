//! Shared steps of the campaign tests: contacts with consent, templates, segments, campaigns, waiting for a state.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp};
use crate::smtp_sink::{Received, SmtpSink};

/// An app whose campaigns send to `sink`, with short retry delays and a short sender lease.
pub async fn app_for(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |c| {
        c.smtp_url = Some(url.into());
        c.send_retry_base_ms = 200;
        c.send_lease_seconds = 2;
    })
    .await
}

/// An SMTP relay named `name`, created by the admin; returns its id.
pub async fn relay(app: &TestApp, name: &str, url: &str) -> i64 {
    let (status, r) = app
        .post(
            "/api/v1/relays",
            &app.admin_token,
            json!({"name": name, "url": url}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    r["id"].as_i64().unwrap()
}

/// Letters received per recipient address.
pub fn by_rcpt(received: &[Received]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for r in received {
        *counts.entry(r.rcpt_to.clone()).or_default() += 1;
    }
    counts
}

/// The token a letter to this recipient carries, computed as the server does (same secret file in the data dir).
pub fn mailroom_token(app: &TestApp, campaign: i64, recipient: i64, address: &str) -> String {
    let secret = mailroom::auth::token::load_or_create_secret(&app.data_dir).expect("token secret");
    let key = mailroom::campaigns::unsubscribe::derive_key(&secret);
    mailroom::campaigns::unsubscribe::token(&key, campaign, recipient, address)
}

/// A template using the recipient, their company and their owner, with a fallback for the position.
pub fn greeting_template(name: &str) -> Value {
    json!({
        "name": name,
        "subject": "Предложение для {{company.name}}, {{contact.name}}",
        "html": "<p>Здравствуйте, {{contact.name}} ({{default contact.position \"коллега\"}})!</p>\
                 <p><a href=\"{{unsubscribe_url}}\">Отписаться</a></p>\
                 <p>--<br>{{owner.name}}, {{default owner.phone \"+7 000 000-00-00\"}}</p>"
    })
}

/// Creates a company and returns its id.
pub async fn company(app: &TestApp, name: &str) -> i64 {
    let (status, body) = app
        .post("/api/v1/companies", &app.admin_token, json!({"name": name}))
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

/// Creates a contact (owned by the admin) with one address; `consent` records a marketing decision.
pub async fn contact(
    app: &TestApp,
    name: &str,
    email: &str,
    company_id: Option<i64>,
    tags: &[&str],
    consent: Option<bool>,
) -> i64 {
    let body = json!({"name": name, "emails": [email], "company_id": company_id, "tags": tags,
                      "allow_duplicate": true});
    let (status, c) = app.post("/api/v1/contacts", &app.admin_token, body).await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    if let Some(granted) = consent {
        let body =
            json!({"granted": granted, "legal_basis": "152-FZ art. 9", "source": "web form"});
        let path = format!("/api/v1/contacts/{id}/consent");
        let (status, c) = app.post(&path, &app.admin_token, body).await;
        assert!(status == 200 || status == 201, "{c}");
    }
    id
}

pub async fn admin_phone(app: &TestApp, phone: &str) {
    let (status, me) = app.get("/api/v1/me", &app.admin_token).await;
    assert_eq!(status, 200);
    let path = format!("/api/v1/users/{}", me["id"]);
    let (status, body) = app
        .call(
            Method::PATCH,
            &path,
            Some(&app.admin_token),
            Some(json!({"phone": phone})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

pub async fn create(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let (status, v) = app.post(path, token, body).await;
    assert_eq!(status, 201, "{path}: {v}");
    v["id"].as_i64().unwrap()
}

/// A campaign of `template` to the contacts tagged `tag`; `extra` overrides fields.
pub async fn campaign(app: &TestApp, token: &str, tag: &str, extra: Value) -> i64 {
    let t = create(
        app,
        token,
        "/api/v1/templates",
        greeting_template(&format!("t-{tag}")),
    )
    .await;
    let s = create(
        app,
        token,
        "/api/v1/segments",
        json!({"name": format!("s-{tag}"), "filter": {"tags": [tag]}}),
    )
    .await;
    let mut body = json!({"name": format!("c-{tag}"), "template_id": t, "segment_id": s,
                          "from_address": "Нордвинд <news@nordwind.ru>"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    create(app, token, "/api/v1/campaigns", body).await
}

pub async fn start(app: &TestApp, token: &str, id: i64) -> Value {
    let (status, c) = app
        .post(&format!("/api/v1/campaigns/{id}/start"), token, json!({}))
        .await;
    assert_eq!(status, 200, "{c}");
    c
}

/// Polls the campaign until `done(campaign)` holds.
pub async fn wait_until(
    app: &TestApp,
    token: &str,
    id: i64,
    timeout: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let (status, c) = app.get(&format!("/api/v1/campaigns/{id}"), token).await;
        assert_eq!(status, 200, "{c}");
        if done(&c) {
            return c;
        }
        assert!(Instant::now() < deadline, "campaign did not get there: {c}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn status_is(s: &'static str) -> impl Fn(&Value) -> bool {
    move |c| c["status"] == s
}
