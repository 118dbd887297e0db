//! Simultaneous posts of one person (a double click, a page that retries) make one lead; the others become
//! duplicate notes on it. On PostgreSQL each post's duplicate check runs in its own transaction at once, so
//! without a lock on the person's e-mail every post found no lead and made its own.

use serde_json::json;

use crate::forms::{create_form, leads_with, post_json, standard_fields, submissions, CONSENT};
use crate::helpers::spawn_app;

#[tokio::test]
async fn simultaneous_posts_of_one_person_make_one_lead() {
    let app = spawn_app().await;
    let form = create_form(
        &app,
        json!({ "name": "Заявка", "fields": standard_fields(), "consent_text": CONSENT }),
    )
    .await;
    let body = json!({ "name": "Денис Орлов", "email": "Denis@Orlov-Stroy.ru", "phone": "+7 903 111-22-33", "consent": "yes" });
    let posts = (0..6).map(|_| post_json(&app, &form, body.clone()));
    let answers = futures::future::join_all(posts).await;
    assert!(
        answers.iter().all(|(status, _)| *status == 201),
        "{answers:?}"
    );

    assert_eq!(leads_with(&app, "denis@orlov-stroy.ru").await.len(), 1);
    let log = submissions(&app, &form).await;
    let mut outcomes: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            "created",
            "duplicate",
            "duplicate",
            "duplicate",
            "duplicate",
            "duplicate"
        ]
    );
}
