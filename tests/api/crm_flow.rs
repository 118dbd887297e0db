//! A salesperson's day through the API: pipeline, lead, conversion, deal through stages, timeline, audit.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};

async fn sales_pipeline(app: &TestApp) -> (i64, Vec<i64>) {
    let body = json!({ "name": "Оптовые продажи", "stages": [
        { "name": "Первый контакт", "probability": 10 },
        { "name": "КП отправлено", "probability": 40 },
        { "name": "Договор", "probability": 80 },
        { "name": "Успешно", "probability": 100, "kind": "won" },
        { "name": "Отказ", "probability": 0, "kind": "lost" }
    ]});
    let (status, p) = app.post("/api/v1/pipelines", &app.admin_token, body).await;
    assert_eq!(status, 201, "{p}");
    let stages = p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    (p["id"].as_i64().unwrap(), stages)
}

#[tokio::test]
async fn an_admin_edits_pipelines_and_a_used_stage_is_not_deleted_silently() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("sales@test.local", "sales").await;
    let (pipeline, stages) = sales_pipeline(&app).await;

    let (status, body) = app
        .post(
            "/api/v1/pipelines",
            &sales,
            json!({ "name": "x", "stages": [] }),
        )
        .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
    let (status, body) = app
        .post(
            "/api/v1/pipelines",
            &app.admin_token,
            json!({ "name": "Без этапа выигрыша", "stages": [{ "name": "a", "probability": 5 }] }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("stages"))
    );

    let (status, stage) = app
        .post(
            &format!("/api/v1/pipelines/{pipeline}/stages"),
            &app.admin_token,
            json!({ "name": "Счёт выставлен", "probability": 90, "position": 3 }),
        )
        .await;
    assert_eq!(status, 201, "{stage}");
    let (_, p) = app
        .get(&format!("/api/v1/pipelines/{pipeline}"), &sales)
        .await;
    let names: Vec<&str> = p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Первый контакт",
            "КП отправлено",
            "Договор",
            "Счёт выставлен",
            "Успешно",
            "Отказ"
        ]
    );

    let (status, _) = app
        .post(
            "/api/v1/deals",
            &sales,
            json!({ "title": "Поставка", "pipeline_id": pipeline, "stage_id": stages[1] }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/stages/{}", stages[1]),
            Some(&app.admin_token),
            None,
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1 deals"),
        "{body}"
    );
    let path = format!("/api/v1/stages/{}?move_to={}", stages[1], stages[2]);
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&app.admin_token), None)
            .await
            .0,
        204
    );
    let (_, deals) = app.get("/api/v1/deals", &sales).await;
    assert_eq!(
        deals["items"][0]["stage_id"], stages[2],
        "the deal moved to the chosen stage"
    );

    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/pipelines/{pipeline}"),
            Some(&app.admin_token),
            None,
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"));
}

#[tokio::test]
async fn reference_lists_are_editable_and_in_use_entries_stay() {
    let app = spawn_app().await;
    let (status, source) = app
        .post(
            "/api/v1/lead-sources",
            &app.admin_token,
            json!({ "name": "Выставка «Иннопром»" }),
        )
        .await;
    assert_eq!(status, 201);
    let id = source["id"].as_i64().unwrap();
    let (status, body) = app
        .post(
            "/api/v1/lead-sources",
            &app.admin_token,
            json!({ "name": "Выставка «Иннопром»" }),
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"));
    let (status, _) = app
        .post(
            "/api/v1/leads",
            &app.admin_token,
            json!({ "name": "Гость стенда", "source_id": id }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/lead-sources/{id}"),
            Some(&app.admin_token),
            None,
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"));
    let (status, types) = app.get("/api/v1/contact-types", &app.admin_token).await;
    assert_eq!(status, 200);
    assert!(types
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "client"));
}

#[tokio::test]
async fn a_lead_converts_into_contact_company_and_deal_taking_its_notes_along() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("olga@test.local", "sales").await;
    let (pipeline, stages) = sales_pipeline(&app).await;
    let lead = json!({ "name": "Иван Петров", "email": "Ivan.Petrov@Spb.Nordwind.ru", "phone": "8 (916) 123-45-67", "company_name": "ООО «Нордвинд»" });
    let (status, lead) = app.post("/api/v1/leads", &sales, lead).await;
    assert_eq!(status, 201, "{lead}");
    assert_eq!(
        lead["domain_hint"], "nordwind.ru",
        "registrable domain of the address"
    );
    let lead_id = lead["id"].as_i64().unwrap();
    let note = json!({ "record_kind": "lead", "record_id": lead_id, "body": "Звонил, просит КП" });
    assert_eq!(app.post("/api/v1/notes", &sales, note).await.0, 201);

    let convert = json!({ "deal": { "pipeline_id": pipeline, "amount": "250000.50", "title": "Поставка контейнеров" } });
    let (status, result) = app
        .post(
            &format!("/api/v1/leads/{lead_id}/convert"),
            &sales,
            convert.clone(),
        )
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["lead"]["status"], "converted");
    assert_eq!(
        (
            result["contact_created"].as_bool(),
            result["company_created"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let contact_id = result["contact_id"].as_i64().unwrap();
    let company_id = result["company_id"].as_i64().unwrap();
    let deal_id = result["deal_id"].as_i64().unwrap();

    let (_, contact) = app
        .get(&format!("/api/v1/contacts/{contact_id}"), &sales)
        .await;
    assert_eq!(contact["primary_email"], "ivan.petrov@spb.nordwind.ru");
    assert_eq!(contact["company_id"], company_id);
    let (_, company) = app
        .get(&format!("/api/v1/companies/{company_id}"), &sales)
        .await;
    assert_eq!(company["name"], "ООО «Нордвинд»");
    assert_eq!(company["domains"], json!(["nordwind.ru"]));
    let (_, deal) = app.get(&format!("/api/v1/deals/{deal_id}"), &sales).await;
    assert_eq!(
        (deal["amount"].as_str(), deal["stage_id"].as_i64()),
        (Some("250000.50"), Some(stages[0]))
    );
    assert_eq!(
        (deal["contact_id"].as_i64(), deal["company_id"].as_i64()),
        (Some(contact_id), Some(company_id))
    );

    let (_, timeline) = app
        .get(&format!("/api/v1/contacts/{contact_id}/timeline"), &sales)
        .await;
    assert!(
        timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["text"] == "Звонил, просит КП"),
        "the lead's note moved: {timeline}"
    );
    let (status, body) = app
        .post(&format!("/api/v1/leads/{lead_id}/convert"), &sales, convert)
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"));

    // A second lead from the same company reuses the company on conversion.
    let (_, lead2) = app
        .post(
            "/api/v1/leads",
            &sales,
            json!({ "name": "Пётр", "email": "petr@nordwind.ru" }),
        )
        .await;
    assert_eq!(
        lead2["company_id"], company_id,
        "linked by domain at creation"
    );
    let (_, result) = app
        .post(
            &format!("/api/v1/leads/{}/convert", lead2["id"]),
            &sales,
            json!({}),
        )
        .await;
    assert_eq!(
        (
            result["company_id"].as_i64(),
            result["company_created"].as_bool(),
            result["deal_id"].clone()
        ),
        (Some(company_id), Some(false), Value::Null)
    );
}

#[tokio::test]
async fn a_failed_conversion_changes_nothing() {
    let app = spawn_app().await;
    let (status, lead) = app
        .post(
            "/api/v1/leads",
            &app.admin_token,
            json!({ "name": "Анна", "email": "anna@romashka.ru", "company_name": "Ромашка" }),
        )
        .await;
    assert_eq!(status, 201);
    let path = format!("/api/v1/leads/{}/convert", lead["id"]);
    let (status, body) = app
        .post(
            &path,
            &app.admin_token,
            json!({ "deal": { "pipeline_id": 999999 } }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("pipeline_id")),
        "{body}"
    );
    let (_, contacts) = app.get("/api/v1/contacts", &app.admin_token).await;
    let (_, companies) = app.get("/api/v1/companies", &app.admin_token).await;
    assert_eq!(
        (
            contacts["items"].as_array().unwrap().len(),
            companies["items"].as_array().unwrap().len()
        ),
        (0, 0)
    );
    let (_, lead) = app
        .get(&format!("/api/v1/leads/{}", lead["id"]), &app.admin_token)
        .await;
    assert_eq!(lead["status"], "new");
}

#[tokio::test]
async fn a_deal_moves_through_stages_onto_its_timeline_and_lost_needs_a_reason() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("olga@test.local", "sales").await;
    let (pipeline, stages) = sales_pipeline(&app).await;
    let (_, company) = app
        .post(
            "/api/v1/companies",
            &sales,
            json!({ "name": "Холдинг", "domains": ["holding.ru"] }),
        )
        .await;
    let (_, deal) = app.post("/api/v1/deals", &sales, json!({ "title": "Сделка", "pipeline_id": pipeline, "company_id": company["id"], "amount": 1000 })).await;
    let path = format!("/api/v1/deals/{}", deal["id"]);
    let patch = |body: Value| app.call(Method::PATCH, &path, Some(&sales), Some(body));

    let (status, moved) = patch(json!({ "stage_id": stages[1] })).await;
    assert_eq!((status, moved["probability"].as_i64()), (200, Some(40)));
    let (status, body) = patch(json!({ "stage_id": stages[4] })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("lost_reason"))
    );
    let (status, lost) = patch(json!({ "stage_id": stages[4], "lost_reason": "Дорого" })).await;
    assert_eq!(
        (
            status,
            lost["status"].as_str(),
            lost["lost_reason"].as_str()
        ),
        (200, Some("lost"), Some("Дорого"))
    );
    assert!(lost["closed_at"].is_string());
    let (_, won) = patch(json!({ "stage_id": stages[3] })).await;
    assert_eq!(
        (won["status"].as_str(), won["lost_reason"].clone()),
        (Some("won"), Value::Null)
    );

    let (_, timeline) = app.get(&format!("{path}/timeline"), &sales).await;
    let changes: Vec<(&str, &str)> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "stage_change")
        .map(|i| {
            (
                i["previous"].as_str().unwrap_or("-"),
                i["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("Отказ", "Успешно"),
            ("КП отправлено", "Отказ"),
            ("Первый контакт", "КП отправлено"),
            ("-", "Первый контакт")
        ]
    );
    let (_, company_timeline) = app
        .get(
            &format!("/api/v1/companies/{}/timeline", company["id"]),
            &sales,
        )
        .await;
    assert_eq!(
        company_timeline["items"].as_array().unwrap().len(),
        4,
        "the company's deal is on its timeline"
    );

    let (_, audit) = app.get(&format!("{path}/audit"), &sales).await;
    let entry = &audit["items"][0];
    assert_eq!(
        (entry["action"].as_str(), entry["actor_email"].as_str()),
        (Some("update"), Some("olga@test.local"))
    );
    let stage_change = entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "stage_id")
        .expect("stage change audited");
    assert_eq!(
        (stage_change["from"].as_i64(), stage_change["to"].as_i64()),
        (Some(stages[4]), Some(stages[3]))
    );
    assert_eq!(
        audit["items"].as_array().unwrap().last().unwrap()["action"],
        "create"
    );
}
