//! The standard fields users expect: contacts' address, website and birthday; companies' address, website,
//! industry, size and type (a reference list an admin edits); set, checked, filtered, sorted and merged.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app};

fn names(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn contacts_keep_address_website_and_birthday() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let body = json!({ "name": "Мария", "address": "Москва,\nул. Тверская, 1", "website": "romashka.ru", "birthday": "1990-03-15" });
    let (status, c) = app.post("/api/v1/contacts", t, body).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(
        (
            c["address"].as_str(),
            c["website"].as_str(),
            c["birthday"].as_str()
        ),
        (
            Some("Москва,\nул. Тверская, 1"),
            Some("https://romashka.ru/"),
            Some("1990-03-15")
        )
    );
    let id = c["id"].as_i64().unwrap();
    app.post(
        "/api/v1/contacts",
        t,
        json!({ "name": "Пётр", "birthday": "1985-11-02" }),
    )
    .await;
    app.post(
        "/api/v1/contacts",
        t,
        json!({ "name": "Ольга", "birthday": "2001-03-01" }),
    )
    .await;
    let (status, page) = app
        .get("/api/v1/contacts?birthday_month=3&sort=birthday", t)
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(names(&page), ["Мария", "Ольга"]);
    let (status, body) = app.get("/api/v1/contacts?birthday_month=13", t).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("birthday_month"))
    );

    for (field, bad) in [
        ("website", "ftp://x.ru"),
        ("website", "не сайт"),
        ("birthday", "15.03.1990"),
        ("birthday", "1990-02-30"),
    ] {
        let (status, body) = app
            .call(
                Method::PATCH,
                &format!("/api/v1/contacts/{id}"),
                Some(t),
                Some(json!({ field: bad })),
            )
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some(field)),
            "{field}={bad}: {body}"
        );
    }
    let (status, c) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/contacts/{id}"),
            Some(t),
            Some(json!({ "website": null, "position": "CEO" })),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    assert!(
        c["website"].is_null() && c["birthday"] == "1990-03-15",
        "{c}"
    );

    // Merge fills the kept contact's empty fields from the merged one.
    let (_, other) = app
        .post(
            "/api/v1/contacts",
            t,
            json!({ "name": "М. Иванова", "website": "https://ivanova.ru" }),
        )
        .await;
    let (status, merged) = app
        .post(
            &format!("/api/v1/contacts/{id}/merge"),
            t,
            json!({ "other_id": other["id"] }),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(
        (merged["website"].as_str(), merged["birthday"].as_str()),
        (Some("https://ivanova.ru/"), Some("1990-03-15"))
    );
}

#[tokio::test]
async fn companies_have_industry_size_and_a_type_from_the_reference_list() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let (status, types) = app.get("/api/v1/company-types", t).await;
    assert_eq!(status, 200);
    let client = types
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "client")
        .expect("a shipped type")["id"]
        .clone();
    let (status, partner) = app
        .post(
            "/api/v1/company-types",
            t,
            json!({ "name": "дистрибьютор" }),
        )
        .await;
    assert_eq!(status, 201, "{partner}");
    let body = json!({ "name": "Ромашка", "industry": "Ритейл", "size": "51-250", "type_id": client, "website": "https://romashka.ru", "address": "Казань" });
    let (status, a) = app.post("/api/v1/companies", t, body).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(
        (
            a["industry"].as_str(),
            a["size"].as_str(),
            a["type_id"].clone()
        ),
        (Some("Ритейл"), Some("51-250"), client.clone())
    );
    let (_, b) = app
        .post("/api/v1/companies", t, json!({ "name": "Лютик", "industry": "Логистика", "size": "1000+", "type_id": partner["id"] }))
        .await;
    app.post(
        "/api/v1/companies",
        t,
        json!({ "name": "Василёк", "industry": "Ритейл" }),
    )
    .await;

    let (_, page) = app
        .get("/api/v1/companies?industry=Ритейл&sort=-name", t)
        .await;
    assert_eq!(names(&page), ["Ромашка", "Василёк"]);
    let (_, page) = app.get("/api/v1/companies?size=1000%2B", t).await;
    assert_eq!(names(&page), ["Лютик"]);
    let (_, page) = app
        .get(&format!("/api/v1/companies?type_id={}", partner["id"]), t)
        .await;
    assert_eq!(names(&page), ["Лютик"]);
    let (_, page) = app.get("/api/v1/companies?sort=industry,name", t).await;
    assert_eq!(names(&page), ["Лютик", "Василёк", "Ромашка"]);
    let (status, _) = app.get("/api/v1/companies?size=huge", t).await;
    assert_eq!(status, 400, "a size outside the bands is refused");

    let (status, body) = app
        .post(
            "/api/v1/companies",
            t,
            json!({ "name": "X", "size": "huge" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("size")),
        "{body}"
    );
    let (status, body) = app
        .post(
            "/api/v1/companies",
            t,
            json!({ "name": "Y", "type_id": 99999 }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("type_id")),
        "{body}"
    );
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/company-types/{}", partner["id"]),
            Some(t),
            None,
        )
        .await;
    assert_eq!(status, 409, "a type in use stays: {body}");
    error_code(&body);

    let b_id = b["id"].as_i64().unwrap();
    let (status, b) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/companies/{b_id}"),
            Some(t),
            Some(json!({ "size": null, "type_id": null, "industry": "Склады" })),
        )
        .await;
    assert_eq!(status, 200, "{b}");
    assert!(
        b["size"].is_null() && b["type_id"].is_null() && b["industry"] == "Склады",
        "{b}"
    );
    let (status, merged) = app
        .post(
            &format!("/api/v1/companies/{b_id}/merge"),
            t,
            json!({ "other_id": a["id"] }),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(
        (
            merged["industry"].as_str(),
            merged["size"].as_str(),
            merged["website"].as_str(),
            merged["address"].as_str()
        ),
        (
            Some("Склады"),
            Some("51-250"),
            Some("https://romashka.ru/"),
            Some("Казань")
        )
    );
}
