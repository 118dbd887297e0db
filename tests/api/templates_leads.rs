//! Templates render for a lead as well as for a contact: in the compose pane (`/addin/templates/{id}/render`) and in
//! the console editor's live preview (`/templates/preview/lead`), with the lead's name, company and owner, only for
//! callers who may read the lead.

use serde_json::json;

use crate::helpers::{error_code, spawn_app};

const HTML: &str =
    "<p>{{contact.name}} из {{company.name}}: пишет {{owner.name}} ({{owner.email}})</p>";

#[tokio::test]
async fn a_template_renders_for_a_lead_with_its_company_and_owner() {
    let app = spawn_app().await;
    let (_, seller) = app.user_with_role("seller@leads.local", "sales").await;
    let (_, other) = app.user_with_role("other@leads.local", "sales").await;
    let (_, marketer) = app.user_with_role("mkt@leads.local", "marketing").await;
    let (status, _) = app
        .post(
            "/api/v1/custom-fields",
            &app.admin_token,
            json!({ "kind": "lead", "key": "channel", "label": "Канал", "type": "multiple_choice", "options": ["web", "call"] }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, template) = app
        .post(
            "/api/v1/templates",
            &app.admin_token,
            json!({ "name": "Лидам", "subject": "Предложение для {{company.name}}", "html": HTML }),
        )
        .await;
    assert_eq!(status, 201, "{template}");
    let render = format!("/api/v1/addin/templates/{}/render", template["id"]);
    let (status, lead) = app
        .post(
            "/api/v1/leads",
            &seller,
            json!({ "name": "Пётр Лидов", "email": "petr@lidov.ru", "company_name": "ООО «Лидер»",
                    "custom": { "channel": ["web", "call"] } }),
        )
        .await;
    assert_eq!(status, 201, "{lead}");
    let lead_id = lead["id"].as_i64().unwrap();

    let (status, letter) = app
        .post(&render, &seller, json!({ "lead_id": lead_id }))
        .await;
    assert_eq!(status, 200, "{letter}");
    assert_eq!(letter["subject"], "Предложение для ООО «Лидер»");
    let html = letter["html"].as_str().unwrap();
    assert!(
        html.contains(
            "Пётр Лидов из ООО «Лидер»: пишет Тестовый Пользователь (seller@leads.local)"
        ),
        "{html}"
    );
    assert!(
        letter["text"].as_str().unwrap().contains("Пётр Лидов"),
        "{letter}"
    );

    // A colleague who does not see the lead gets 404; a lead without a company names the missing field.
    let (status, body) = app
        .post(&render, &other, json!({ "lead_id": lead_id }))
        .await;
    assert_eq!((status, error_code(&body)), (404, "not_found"), "{body}");
    let (_, bare) = app
        .post("/api/v1/leads", &seller, json!({ "name": "Без компании" }))
        .await;
    let (status, body) = app
        .post(&render, &seller, json!({ "lead_id": bare["id"] }))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("template")),
        "{body}"
    );
    // One recipient, not two and not none.
    for body in [json!({}), json!({ "lead_id": lead_id, "contact_id": 1 })] {
        let (status, answer) = app.post(&render, &seller, body).await;
        assert_eq!(
            (status, error_code(&answer)),
            (422, "validation_failed"),
            "{answer}"
        );
    }
    // A contact still renders as before.
    let (_, company) = app
        .post(
            "/api/v1/companies",
            &seller,
            json!({ "name": "АО Контакт", "domains": ["kontakt.ru"] }),
        )
        .await;
    let (_, contact) = app
        .post(
            "/api/v1/contacts",
            &seller,
            json!({ "name": "Анна Контактова", "emails": ["anna@kontakt.ru"], "company_id": company["id"] }),
        )
        .await;
    let (status, letter) = app
        .post(&render, &seller, json!({ "contact_id": contact["id"] }))
        .await;
    assert_eq!(status, 200, "{letter}");
    assert!(
        letter["html"]
            .as_str()
            .unwrap()
            .contains("Анна Контактова из АО Контакт"),
        "{letter}"
    );

    // The console's live preview of an unsaved draft for the lead: the admin, yes; marketing reads no leads.
    let draft = json!({ "lead_id": lead_id,
        "template": { "name": "черновик", "subject": "Здравствуйте, {{contact.name}}", "html": "<p>{{owner.name}}: {{custom.channel}}</p>" } });
    let (status, preview) = app
        .post(
            "/api/v1/templates/preview/lead",
            &app.admin_token,
            draft.clone(),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(
        (
            preview["contact_name"].as_str(),
            preview["address"].as_str(),
            preview["subject"].as_str()
        ),
        (
            Some("Пётр Лидов"),
            Some("petr@lidov.ru"),
            Some("Здравствуйте, Пётр Лидов")
        )
    );
    let (status, body) = app
        .post("/api/v1/templates/preview/lead", &marketer, draft)
        .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"), "{body}");
}
