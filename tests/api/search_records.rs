//! Full-text search over records and notes: owner, team lead, share and role decide who finds them; custom
//! values (an INN) are searchable; a deleted record or note leaves the index; bad queries answer 422.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};
use crate::search_support::{encode, marked, search, search_until, titles};

async fn created(app: &TestApp, path: &str, token: &str, body: Value) -> i64 {
    let (status, record) = app.post(path, token, body).await;
    assert!(status == 201 || status == 200, "{path}: {status} {record}");
    record["id"].as_i64().unwrap()
}

#[tokio::test]
async fn records_and_notes_are_found_by_who_sees_their_record() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (owner_id, owner) = app.user_with_role("owner@test.local", "sales").await;
    let (lead_id, lead) = app.user_with_role("lead@test.local", "sales").await;
    let (shared_id, shared) = app.user_with_role("shared@test.local", "sales").await;
    let (_, other) = app.user_with_role("other@test.local", "sales").await;
    let (_, marketing) = app.user_with_role("mkt@test.local", "marketing").await;
    let team = json!({ "name": "Север", "members": [
        { "user_id": lead_id, "lead": true }, { "user_id": owner_id, "lead": false } ] });
    let (status, body) = app.post("/api/v1/teams", &admin, team).await;
    assert_eq!(status, 201, "{body}");
    let field = json!({ "kind": "company", "key": "inn", "label": "ИНН", "type": "text" });
    let (status, body) = app.post("/api/v1/custom-fields", &admin, field).await;
    assert_eq!(status, 201, "{body}");

    let company = created(
        &app,
        "/api/v1/companies",
        &owner,
        json!({ "name": "Стройматериалы Севера", "custom": { "inn": "7701234567" } }),
    )
    .await;
    let contact = created(&app, "/api/v1/contacts", &owner,
        json!({ "name": "Пётр Строителев", "emails": ["petr@stroy-sever.ru"], "phones": ["+7 916 123-45-67"] })).await;
    let (_, pipelines) = app.get("/api/v1/pipelines", &owner).await;
    let deal = created(
        &app,
        "/api/v1/deals",
        &owner,
        json!({ "title": "Поставка цемента", "pipeline_id": pipelines[0]["id"] }),
    )
    .await;
    let note = created(&app, "/api/v1/notes", &owner,
        json!({ "record_kind": "contact", "record_id": contact, "body": "Обсудили поставки цемента на весну" })).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/deals/{deal}/shares"),
            &owner,
            json!({ "user_id": shared_id }),
        )
        .await;
    assert!(status < 300, "{body}");

    // Another inflection finds the record and the note; the owner and the team lead see them.
    for token in [&owner, &lead, &admin] {
        let page = search_until(&app, token, "цементом", "all", |p| {
            titles(p).len() == 2
        })
        .await;
        let kinds: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            vec!["deal", "note"],
            "records first, then notes: {page}"
        );
        assert_eq!(
            page["items"][0]["link"],
            json!({ "record_kind": "deal", "record_id": deal })
        );
        assert_eq!(
            page["items"][1]["link"],
            json!({ "record_kind": "contact", "record_id": contact })
        );
        assert_eq!(page["items"][1]["title"]["text"], "Пётр Строителев");
        assert_eq!(marked(&page["items"][1]["snippet"]), vec!["цемента"]);
    }
    // A share shows the deal, not the contact's note; a stranger finds nothing.
    let page = search_until(&app, &shared, "цемент", "all", |p| {
        !titles(p).is_empty()
    })
    .await;
    assert_eq!(titles(&page), vec!["Поставка цемента"]);
    let page = search_until(&app, &other, "цемент", "all", |_| true).await;
    assert_eq!(titles(&page), Vec::<String>::new());
    // Marketing reads companies and contacts, not deals or deals' notes.
    let page = search_until(&app, &marketing, "цемента", "all", |p| {
        !titles(p).is_empty()
    })
    .await;
    assert_eq!(
        titles(&page),
        vec!["Пётр Строителев"],
        "the contact's note only: {page}"
    );

    // The INN (a custom value), an e-mail and a phone find their record.
    let page = search_until(&app, &owner, "7701234567", "records", |p| {
        !titles(p).is_empty()
    })
    .await;
    assert_eq!(page["items"][0]["id"], company);
    assert_eq!(page["items"][0]["kind"], "company");
    let page = search_until(&app, &owner, "petr@stroy-sever.ru", "records", |p| {
        !titles(p).is_empty()
    })
    .await;
    assert_eq!(titles(&page), vec!["Пётр Строителев"]);
    let page = search_until(
        &app,
        &owner,
        "стройматериалов",
        "records",
        |p| !titles(p).is_empty(),
    )
    .await;
    assert_eq!(marked(&page["items"][0]["title"]), vec!["Стройматериалы"]);

    // Changes and deletions reach the index.
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/notes/{note}"),
            Some(&owner),
            Some(json!({ "body": "Перезвонить в марте" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    search_until(&app, &owner, "цемента", "notes", |p| {
        titles(p).is_empty()
    })
    .await;
    search_until(&app, &owner, "марте", "notes", |p| {
        titles(p).len() == 1
    })
    .await;
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/deals/{deal}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(status, 204);
    search_until(&app, &admin, "цемент", "all", |p| {
        titles(p).is_empty()
    })
    .await;
}

#[tokio::test]
async fn empty_short_and_malformed_searches_answer_422_with_their_codes() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    for q in ["", "%20", "a", "%22%22", "x*", "%2A"] {
        let (status, body) = search(&app, t, &format!("q={q}")).await;
        assert_eq!(
            (status, error_code(&body)),
            (422, "search_query_too_short"),
            "q={q}: {body}"
        );
    }
    let (status, body) = search(&app, t, "kind=mail").await;
    assert_eq!(status, 400, "q is required: {body}");
    for cursor in ["abc", "o-5", "o999999", "20"] {
        let (status, body) = search(&app, t, &format!("q=test&cursor={cursor}")).await;
        assert_eq!(
            (status, error_code(&body)),
            (422, "invalid_cursor"),
            "{cursor}: {body}"
        );
    }
    let (status, body) = search(&app, t, "q=test&limit=0").await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );
    let (status, body) = search(&app, t, "q=test&kind=everything").await;
    assert_eq!(status, 400, "{body}");
    let long = encode(&"слово ".repeat(50));
    let (status, body) = search(&app, t, &format!("q={long}")).await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );
    // Query syntax of either backend is only text here.
    for q in [
        "NEAR(a b)",
        "a' OR 1=1 --",
        "\"unclosed",
        "x:* & !y",
        "col:word",
    ] {
        let (status, body) = search(&app, t, &format!("q={}", encode(q))).await;
        assert_eq!(status, 200, "{q}: {body}");
    }
}

#[tokio::test]
async fn pages_follow_the_cursor_until_the_last() {
    let app = spawn_app().await;
    let t = app.admin_token.clone();
    for n in 0..5 {
        created(
            &app,
            "/api/v1/contacts",
            &t,
            json!({ "name": format!("Менеджер проекта {n}") }),
        )
        .await;
    }
    search_until(&app, &t, "менеджеры", "records", |p| {
        titles(p).len() == 5
    })
    .await;
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = search(
            &app,
            &t,
            &format!(
                "q=%D0%BC%D0%B5%D0%BD%D0%B5%D0%B4%D0%B6%D0%B5%D1%80&kind=records&limit=2{cursor}"
            ),
        )
        .await;
        assert_eq!(status, 200, "{page}");
        seen.extend(titles(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "{seen:?}");
}

/// A prefix with few terms in the index is searched as those terms (src/search/store/expand.rs), one with many as
/// a prefix: both find every record that starts with it, the stem's prefix included.
#[tokio::test]
async fn a_prefix_finds_the_same_whether_it_has_few_or_many_terms() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    for n in 1..=24 {
        created(
            &app,
            "/api/v1/contacts",
            &admin,
            json!({ "name": format!("Партнёр zeta{n:02}") }),
        )
        .await;
    }
    created(
        &app,
        "/api/v1/contacts",
        &admin,
        json!({ "name": "Договорщиков Иван" }),
    )
    .await;
    // 24 terms: a prefix; zeta1* has 10: their OR.
    let many = search_until(&app, &admin, "zeta*", "records", |p| titles(p).len() == 20).await;
    assert!(titles(&many).iter().all(|t| t.contains("zeta")), "{many}");
    let few = search_until(&app, &admin, "zeta1*", "records", |p| titles(p).len() == 10).await;
    let mut names = titles(&few);
    names.sort();
    let expected: Vec<String> = (10..=19).map(|n| format!("Партнёр zeta{n}")).collect();
    assert_eq!(names, expected);
    // A whole word typed with a star also matches by its stem; a prefix of nothing finds nothing.
    let stem = search_until(&app, &admin, "договорщиков*", "records", |p| {
        titles(p).len() == 1
    })
    .await;
    assert_eq!(titles(&stem), vec!["Договорщиков Иван"]);
    let (status, none) = search(&app, &admin, "q=zzzq*&kind=records").await;
    assert_eq!((status, titles(&none).len()), (200, 0), "{none}");
}
