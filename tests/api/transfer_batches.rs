//! Imports larger than a batch: duplicates inside a batch, across batches and against the database, companies
//! shared by rows on both sides of a batch's end, a refusal by crm in the middle of a batch, re-run and undo; and
//! who sees whose imports (team leads their members').

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, ADMIN_EMAIL};
use crate::transfer_support::{check, download, import, progress, run, upload_ok};

/// Every item of a list, page by page.
async fn every(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let (status, page) = app.get(&format!("{path}?limit=200{after}"), token).await;
        assert_eq!(status, 200, "{page}");
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_after"].as_i64() {
            Some(n) => after = format!("&after={n}"),
            None => return out,
        }
    }
}

/// 1 200 contacts; the company of row i is «Фирма (i+5)/10» at firma(i+5)/10.ru, so rows 495–504 share one across
/// the first batch's end. Rows 7 and 30 repeat row 3 exactly (30 after row 20 made the batch write what it held);
/// rows 20 and 600 reuse the e-mails of rows 15 and 100 under other names; row 1100 has the e-mail of an open lead.
fn big_csv() -> String {
    let mut csv = String::from("ФИО;E-mail;Компания\n");
    for i in 0..1200 {
        let (name, email) = match i {
            7 | 30 => ("Пакет 3".to_string(), "p3@firma0.ru".to_string()),
            20 => ("Другой 20".to_string(), "p15@firma2.ru".to_string()),
            600 => ("Другой 600".to_string(), "p100@firma10.ru".to_string()),
            1100 => ("Пакет 1100".to_string(), "lead@firma110.ru".to_string()),
            _ => (
                format!("Пакет {i}"),
                format!("p{i}@firma{}.ru", (i + 5) / 10),
            ),
        };
        let company = if i == 7 || i == 30 { 0 } else { (i + 5) / 10 };
        csv.push_str(&format!("{name};{email};Фирма {company}\n"));
    }
    csv
}

#[tokio::test]
async fn a_file_of_several_batches_imports_each_contact_once_with_one_company_per_domain() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (status, lead) = app
        .post(
            "/api/v1/leads",
            &admin,
            json!({ "name": "Открытый лид", "email": "lead@firma110.ru" }),
        )
        .await;
    assert_eq!(status, 201, "{lead}");
    let csv = big_csv();
    let up = upload_ok(
        &app,
        &admin,
        "contacts",
        "big.csv",
        csv.clone().into_bytes(),
    )
    .await;
    let id = up["id"].as_i64().unwrap();
    let report = check(&app, &admin, id, json!({})).await;
    // The dry run sees the three repeats in the file; crm's refusal over the lead comes with the run.
    assert_eq!(
        [
            &report["would_create"],
            &report["would_skip"],
            &report["would_fail"]
        ],
        [1196, 4, 0],
        "{report}"
    );
    let done = run(&app, &admin, id, json!({})).await;
    assert_eq!(progress(&done), [1195, 0, 4, 1, 1200], "{done}");

    let contacts = every(&app, &admin, "/api/v1/contacts").await;
    assert_eq!(contacts.len(), 1195);
    let by_name: HashMap<&str, &Value> = contacts
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c))
        .collect();
    assert!(!by_name.contains_key("Другой 20") && !by_name.contains_key("Другой 600"));
    assert_eq!(by_name["Пакет 3"]["emails"], json!(["p3@firma0.ru"]));
    // Rows 495–504 sit on both sides of the first batch's end and share one company.
    let shared = by_name["Пакет 495"]["company_id"].as_i64().unwrap();
    for i in 496..505 {
        assert_eq!(
            by_name[format!("Пакет {i}").as_str()]["company_id"],
            shared,
            "row {i}"
        );
    }
    // Each imported contact's own audit says who made it and by which import.
    let p3 = by_name["Пакет 3"]["id"].as_i64().unwrap();
    let (_, audit) = app
        .get(&format!("/api/v1/contacts/{p3}/audit"), &admin)
        .await;
    let created = &audit["items"][0];
    assert_eq!(
        (
            &created["action"],
            &created["changes"][0]["field"],
            &created["changes"][0]["to"]
        ),
        (&json!("create"), &json!("import"), &json!(id)),
        "{audit}"
    );
    assert_eq!(created["actor_email"], ADMIN_EMAIL, "{audit}");
    let companies = every(&app, &admin, "/api/v1/companies").await;
    assert_eq!(companies.len(), 121, "one company per firma domain");
    let firm50 = companies.iter().find(|c| c["id"] == shared).unwrap();
    assert_eq!(
        (&firm50["name"], &firm50["domains"]),
        (&json!("Фирма 50"), &json!(["firma50.ru"]))
    );

    // The reject file holds the refused row with crm's reason.
    let (status, _, bytes) = download(&app, &admin, &format!("/api/v1/imports/{id}/rejects")).await;
    assert_eq!(status, 200);
    let rejects = String::from_utf8_lossy(&bytes).to_string();
    assert!(rejects.contains("lead@firma110.ru"), "{rejects}");
    assert!(rejects.contains("lead"), "{rejects}");
    assert_eq!(
        rejects.lines().filter(|l| l.contains('@')).count(),
        1,
        "{rejects}"
    );

    // The same file again creates nothing; undo of the first removes its contacts and companies.
    let again = import(
        &app,
        &admin,
        "contacts",
        "big.csv",
        csv.into_bytes(),
        json!({}),
    )
    .await;
    assert_eq!(progress(&again)[..2], [0, 0], "{again}");
    let (status, undo) = app
        .post(&format!("/api/v1/imports/{id}/undo"), &admin, json!({}))
        .await;
    assert_eq!(status, 200, "{undo}");
    assert_eq!(undo["deleted"], 1195 + 121, "{undo}");
    assert!(every(&app, &admin, "/api/v1/contacts").await.is_empty());
    assert!(every(&app, &admin, "/api/v1/companies").await.is_empty());
}

#[tokio::test]
async fn team_leads_see_their_members_imports_and_others_do_not() {
    let app = spawn_app().await;
    let (lead, lead_t) = app.user_with_role("lead@imports.local", "sales").await;
    let (member, member_t) = app.user_with_role("member@imports.local", "sales").await;
    let (_, outsider_t) = app.user_with_role("outsider@imports.local", "sales").await;
    let (status, team) = app
        .post(
            "/api/v1/teams",
            &app.admin_token,
            json!({ "name": "Импорт", "members": [
                { "user_id": lead, "lead": true },
                { "user_id": member, "lead": false },
            ] }),
        )
        .await;
    assert_eq!(status, 201, "{team}");
    let csv = "ФИО;E-mail\nЧлен Команды;member-client@firma.ru\n";
    let up = upload_ok(&app, &member_t, "contacts", "member.csv", csv.into()).await;
    let id = up["id"].as_i64().unwrap();
    let ids = |list: &Value| -> Vec<i64> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    };
    for (who, token, sees) in [
        ("member", &member_t, true),
        ("lead", &lead_t, true),
        ("admin", &app.admin_token, true),
        ("outsider", &outsider_t, false),
    ] {
        let (status, list) = app.get("/api/v1/imports", token).await;
        assert_eq!(status, 200, "{who}: {list}");
        assert_eq!(ids(&list).contains(&id), sees, "{who}: {list}");
        let (status, one) = app.get(&format!("/api/v1/imports/{id}"), token).await;
        assert_eq!(status, if sees { 200 } else { 404 }, "{who}: {one}");
        let (status, _, _) = download(&app, token, &format!("/api/v1/imports/{id}/rejects")).await;
        assert_eq!(status, if sees { 200 } else { 404 }, "{who}: rejects");
    }
    // Seeing is not running: the member's import is theirs (or an admin's) to run.
    let (status, body) = app
        .post(&format!("/api/v1/imports/{id}/run"), &lead_t, json!({}))
        .await;
    assert_eq!(status, 404, "{body}");
}
