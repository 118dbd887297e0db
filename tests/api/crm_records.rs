//! Contacts and companies: duplicates refused then merged, consent history, subsidiaries, search.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn a_duplicate_contact_is_refused_then_merged_keeping_everything() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("olga@test.local", "sales").await;
    let first = json!({ "name": "Иван Петров", "emails": ["ivan@nordwind.ru"], "phones": ["+7 916 123-45-67"] });
    let (status, a) = app.post("/api/v1/contacts", &sales, first).await;
    assert_eq!(status, 201, "{a}");
    let a_id = a["id"].as_i64().unwrap();

    let (status, body) = app
        .post(
            "/api/v1/contacts",
            &sales,
            json!({ "name": "И. Петров", "emails": ["IVAN@Nordwind.RU"] }),
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "duplicate"));
    assert_eq!(body["error"]["existing"]["id"], a_id);
    let (status, body) = app
        .post(
            "/api/v1/contacts",
            &sales,
            json!({ "name": "Петров", "phones": ["8 916 1234567"] }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["existing"]["id"].as_i64()),
        (409, Some(a_id)),
        "same phone in another notation"
    );

    let second = json!({ "name": "Иван П.", "emails": ["ivan@nordwind.ru", "petrov@gmail.com"], "allow_duplicate": true, "tags": ["VIP"] });
    let (status, b) = app.post("/api/v1/contacts", &sales, second).await;
    assert_eq!(status, 201, "{b}");
    let b_id = b["id"].as_i64().unwrap();
    app.post(
        "/api/v1/notes",
        &sales,
        json!({ "record_kind": "contact", "record_id": b_id, "body": "заметка о дубле" }),
    )
    .await;
    app.post(
        "/api/v1/tasks",
        &sales,
        json!({ "title": "Перезвонить", "record_kind": "contact", "record_id": b_id }),
    )
    .await;
    let (_, pipelines) = app.get("/api/v1/pipelines", &sales).await;
    let (_, deal) = app.post("/api/v1/deals", &sales, json!({ "title": "Сделка дубля", "pipeline_id": pipelines[0]["id"], "contact_id": b_id })).await;

    let (_, pairs) = app.get("/api/v1/duplicates?kind=contact", &sales).await;
    let pair = &pairs[0];
    assert_eq!(
        (
            pair["a"]["id"].as_i64(),
            pair["b"]["id"].as_i64(),
            pair["reason"].as_str()
        ),
        (Some(a_id), Some(b_id), Some("email"))
    );

    let (status, merged) = app
        .post(
            &format!("/api/v1/contacts/{a_id}/merge"),
            &sales,
            json!({ "other_id": b_id }),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(
        merged["emails"],
        json!(["ivan@nordwind.ru", "petrov@gmail.com"])
    );
    assert_eq!(merged["tags"], json!(["vip"]));
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{b_id}"), &sales).await.0,
        404
    );
    let (_, deal) = app
        .get(&format!("/api/v1/deals/{}", deal["id"]), &sales)
        .await;
    assert_eq!(deal["contact_id"], a_id, "the deal follows the merge");
    let (_, timeline) = app
        .get(&format!("/api/v1/contacts/{a_id}/timeline"), &sales)
        .await;
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"note") && kinds.contains(&"task") && kinds.contains(&"stage_change"),
        "{kinds:?}"
    );
    let (_, audit) = app
        .get(&format!("/api/v1/contacts/{a_id}/audit"), &sales)
        .await;
    assert!(audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "merge"));
    let (_, pairs) = app.get("/api/v1/duplicates?kind=contact", &sales).await;
    assert_eq!(pairs, json!([]));
}

#[tokio::test]
async fn companies_are_duplicates_by_registrable_domain_or_name_without_legal_form() {
    let app = spawn_app().await;
    let (status, acme) = app
        .post(
            "/api/v1/companies",
            &app.admin_token,
            json!({ "name": "ООО «Ромашка»", "domains": ["spb.romashka.ru"] }),
        )
        .await;
    assert_eq!(status, 201, "{acme}");
    assert_eq!(acme["domains"], json!(["romashka.ru"]));
    let (status, body) = app
        .post(
            "/api/v1/companies",
            &app.admin_token,
            json!({ "name": "Другая", "domains": ["msk.romashka.ru"] }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["existing"]["id"].clone()),
        (409, acme["id"].clone())
    );
    let (status, _) = app
        .post(
            "/api/v1/companies",
            &app.admin_token,
            json!({ "name": "Romashka, LLC" }),
        )
        .await;
    assert_eq!(status, 201, "Latin name is another company");
    let (status, body) = app
        .post(
            "/api/v1/companies",
            &app.admin_token,
            json!({ "name": "Ромашка АО" }),
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "duplicate"));
    let (status, body) = app
        .post(
            "/api/v1/companies",
            &app.admin_token,
            json!({ "name": "X", "domains": ["not a domain"] }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("domains"))
    );
}

#[tokio::test]
async fn a_company_timeline_rolls_up_subsidiaries_and_their_contacts() {
    let app = spawn_app().await;
    let (_, parent) = app
        .post(
            "/api/v1/companies",
            &app.admin_token,
            json!({ "name": "Холдинг", "domains": ["holding.ru"] }),
        )
        .await;
    let (_, child) = app
        .post(
            "/api/v1/companies",
            &app.admin_token,
            json!({ "name": "Дочка", "parent_id": parent["id"] }),
        )
        .await;
    let (_, contact) = app
        .post(
            "/api/v1/contacts",
            &app.admin_token,
            json!({ "name": "Сотрудник дочки", "company_id": child["id"] }),
        )
        .await;
    app.post(
        "/api/v1/notes",
        &app.admin_token,
        json!({ "record_kind": "contact", "record_id": contact["id"], "body": "в дочке" }),
    )
    .await;
    app.post(
        "/api/v1/notes",
        &app.admin_token,
        json!({ "record_kind": "company", "record_id": parent["id"], "body": "в холдинге" }),
    )
    .await;
    let (_, timeline) = app
        .get(
            &format!("/api/v1/companies/{}/timeline", parent["id"]),
            &app.admin_token,
        )
        .await;
    let texts: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["в холдинге", "в дочке"], "newest first");
    let (_, page) = app
        .get(
            &format!("/api/v1/companies/{}/timeline?limit=1", parent["id"]),
            &app.admin_token,
        )
        .await;
    let cursor = page["next_before"].as_str().unwrap();
    let (_, next) = app
        .get(
            &format!(
                "/api/v1/companies/{}/timeline?limit=1&before={cursor}",
                parent["id"]
            ),
            &app.admin_token,
        )
        .await;
    assert_eq!(next["items"][0]["text"], "в дочке");

    let path = format!("/api/v1/companies/{}", parent["id"]);
    let (status, body) = app
        .call(
            Method::PATCH,
            &path,
            Some(&app.admin_token),
            Some(json!({ "parent_id": child["id"] })),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("parent_id")),
        "no loops"
    );
}

#[tokio::test]
async fn consent_is_kept_as_history_and_marketing_may_record_it() {
    let app = spawn_app().await;
    let (_, marketing) = app.user_with_role("mk@test.local", "marketing").await;
    let (_, contact) = app
        .post(
            "/api/v1/contacts",
            &app.admin_token,
            json!({ "name": "Мария", "emails": ["maria@client.ru"] }),
        )
        .await;
    let path = format!("/api/v1/contacts/{}/consent", contact["id"]);
    let grant = json!({ "granted": true, "legal_basis": "152-ФЗ ст. 9, письменное согласие", "source": "форма на сайте" });
    let (status, after) = app.post(&path, &marketing, grant).await;
    assert_eq!(
        (status, after["consent"]["granted"].as_bool()),
        (200, Some(true)),
        "{after}"
    );
    let withdraw =
        json!({ "granted": false, "legal_basis": "отзыв согласия", "source": "ссылка отписки" });
    let (_, after) = app.post(&path, &marketing, withdraw).await;
    assert_eq!(after["consent"]["granted"], false);
    let (_, history) = app.get(&path, &marketing).await;
    let granted: Vec<bool> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["granted"].as_bool().unwrap())
        .collect();
    assert_eq!(granted, [false, true], "newest first, nothing overwritten");
    let (status, body) = app
        .post(
            &path,
            &marketing,
            json!({ "granted": true, "legal_basis": "", "source": "x" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("legal_basis"))
    );
}

#[tokio::test]
async fn search_finds_cyrillic_names_in_any_case_and_phones_in_any_notation() {
    let app = spawn_app().await;
    app.post(
        "/api/v1/contacts",
        &app.admin_token,
        json!({ "name": "Ёлкина Светлана", "phones": ["+7 (495) 123-45-67"], "tags": ["Москва"] }),
    )
    .await;
    app.post(
        "/api/v1/contacts",
        &app.admin_token,
        json!({ "name": "John Smith", "emails": ["john@acme.com"] }),
    )
    .await;
    for q in ["ёлкина", "ЁЛКИНА", "светл"] {
        let (_, found) = app
            .get(
                &format!("/api/v1/contacts?q={}", urlencode(q)),
                &app.admin_token,
            )
            .await;
        assert_eq!(
            found["items"].as_array().unwrap().len(),
            1,
            "q={q}: {found}"
        );
    }
    let (_, found) = app
        .get(
            &format!("/api/v1/contacts?phone={}", urlencode("84951234567")),
            &app.admin_token,
        )
        .await;
    assert_eq!(found["items"][0]["name"], "Ёлкина Светлана");
    let (_, found) = app
        .get(
            &format!("/api/v1/contacts?tag={}", urlencode("МОСКВА")),
            &app.admin_token,
        )
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, found) = app.get("/api/v1/contacts?q=ACME", &app.admin_token).await;
    assert_eq!(found["items"][0]["name"], "John Smith");
    let (status, body) = app
        .post(
            "/api/v1/contacts",
            &app.admin_token,
            json!({ "name": "X", "emails": ["broken@"] }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("emails"))
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
