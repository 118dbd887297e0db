//! Login throttling under concurrency, on password changes, and for an owner at an address they signed in from.
//! Another client address is a reqwest client bound to another loopback address (the server throttles by the
//! peer address of the connection).

use std::net::{IpAddr, Ipv4Addr};

use reqwest::{Client, Response};
use serde_json::json;

use crate::helpers::{
    error_code, read, spawn_app, spawn_app_with, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD,
};

/// A client whose connections come from 127.0.0.`last`.
fn client_from(last: u8) -> Client {
    Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .expect("a client bound to a loopback address")
}

async fn login_from(app: &TestApp, client: &Client, email: &str, password: &str) -> Response {
    client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("login request sent")
}

/// Status, code and Retry-After (when sent).
async fn outcome(response: Response) -> (u16, String, Option<u64>) {
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().expect("Retry-After in seconds"));
    let (status, body) = read(response).await;
    let code = if status == 200 {
        String::new()
    } else {
        error_code(&body).to_string()
    };
    (status, code, retry_after)
}

#[tokio::test]
async fn parallel_wrong_passwords_get_at_most_the_limit_of_checks() {
    let app = spawn_app().await;
    let attacker = client_from(2);
    let attempts = (0..30).map(|_| async {
        outcome(login_from(&app, &attacker, ADMIN_EMAIL, "wrong-password").await).await
    });
    let outcomes = futures::future::join_all(attempts).await;
    let checked = outcomes.iter().filter(|o| o.0 == 401).count();
    assert!(
        (1..=5).contains(&checked),
        "{checked} passwords checked: {outcomes:?}"
    );
    for (status, code, retry_after) in &outcomes {
        match status {
            401 => assert_eq!(code, "invalid_credentials"),
            429 => {
                assert_eq!(code, "too_many_attempts");
                assert!(
                    retry_after.is_some_and(|s| s > 0 && s <= 15 * 60),
                    "Retry-After {retry_after:?}"
                );
            }
            other => panic!("unexpected {other} {code}"),
        }
    }
    // Refused attempts did not count as failures: one by one, the rest of the limit is checked, then nothing.
    let mut checked_in_turn = 0;
    loop {
        let (status, ..) =
            outcome(login_from(&app, &attacker, ADMIN_EMAIL, "wrong-password").await).await;
        if status != 401 {
            assert_eq!(status, 429);
            break;
        }
        checked_in_turn += 1;
        assert!(checked + checked_in_turn <= 5, "more than 5 checks");
    }
    assert_eq!(checked + checked_in_turn, 5);
    let (status, code, _) =
        outcome(login_from(&app, &attacker, ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
    assert_eq!((status, code.as_str()), (429, "too_many_attempts"));
}

#[tokio::test]
async fn wrong_current_passwords_are_throttled_like_logins() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_role("pavel@test.local", "sales").await;
    let wrong = json!({ "current_password": "wrong-one", "new_password": "new-password-2" });
    for i in 0..5 {
        let (status, body) = app.post("/api/v1/me/password", &token, wrong.clone()).await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("current_password")),
            "attempt {i}: {body}"
        );
    }
    let right = json!({ "current_password": "user-password-1", "new_password": "new-password-2" });
    let response = app
        .client
        .post(app.url("/api/v1/me/password"))
        .bearer_auth(&token)
        .json(&right)
        .send()
        .await
        .unwrap();
    let (status, code, retry_after) = outcome(response).await;
    assert_eq!((status, code.as_str()), (429, "too_many_attempts"));
    assert!(
        retry_after.is_some_and(|s| s > 0),
        "Retry-After {retry_after:?}"
    );

    // They count against the account's logins too: from an address it never signed in from, it is locked.
    let (status, code, _) =
        outcome(login_from(&app, &client_from(2), "pavel@test.local", "user-password-1").await)
            .await;
    assert_eq!((status, code.as_str()), (429, "too_many_attempts"));
    // The password did not change.
    app.login_ok("pavel@test.local", "user-password-1").await;
}

#[tokio::test]
async fn a_locked_account_still_lets_its_owner_try_from_a_known_address() {
    // The test helper signed the admin in from 127.0.0.1, which makes that address known.
    let app = spawn_app_with(|config| config.login_max_failures = 2).await;
    let attacker = client_from(2);
    for i in 0..2 {
        let (status, ..) =
            outcome(login_from(&app, &attacker, ADMIN_EMAIL, "wrong-password").await).await;
        assert_eq!(status, 401, "attempt {i}");
    }
    let (status, ..) =
        outcome(login_from(&app, &attacker, ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
    assert_eq!(
        status, 429,
        "the attacker's address is locked out of the account"
    );
    let (status, ..) =
        outcome(login_from(&app, &client_from(3), ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
    assert_eq!(
        status, 429,
        "so is any address the owner never signed in from"
    );

    app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    // The owner's success does not unlock the account for the others.
    let (status, ..) =
        outcome(login_from(&app, &client_from(3), ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
    assert_eq!(status, 429);

    // The known address stays under its own limit (4 × 2 failures).
    for i in 0..8 {
        assert_eq!(
            app.login(ADMIN_EMAIL, "wrong-password").await.0,
            401,
            "attempt {i}"
        );
    }
    let (status, body) = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!((status, error_code(&body)), (429, "too_many_attempts"));
}
