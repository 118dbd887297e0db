//! Imports larger than a batch, of every kind: duplicates inside a batch, across batches and against the database,
//! companies shared by rows on both sides of a batch's end, a refusal by crm in the middle of a batch, re-run and
//! undo; and who sees whose imports (team leads their members').

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

/// Runs `csv` as an import of `kind`, checks its counters, that a second run of the same file creates nothing, and
/// that undo of the first leaves none of `kind` behind; the import's id and the records it made.
async fn import_twice_and_undo(
    app: &TestApp,
    kind: &str,
    csv: String,
    counts: [i64; 5],
) -> (i64, Vec<Value>) {
    let admin = &app.admin_token;
    let up = upload_ok(app, admin, kind, "big.csv", csv.clone().into_bytes()).await;
    let id = up["id"].as_i64().unwrap();
    let done = run(app, admin, id, json!({})).await;
    assert_eq!(progress(&done), counts, "{kind}: {done}");
    let made = every(app, admin, &format!("/api/v1/{kind}")).await;
    let again = import(app, admin, kind, "big.csv", csv.into_bytes(), json!({})).await;
    assert_eq!(progress(&again)[..2], [0, 0], "{kind}: {again}");
    (id, made)
}

async fn undo(app: &TestApp, id: i64) -> Value {
    let path = format!("/api/v1/imports/{id}/undo");
    let (status, undo) = app.post(&path, &app.admin_token, json!({})).await;
    assert_eq!(status, 200, "{undo}");
    undo
}

async fn rejects_of(app: &TestApp, id: i64) -> String {
    let path = format!("/api/v1/imports/{id}/rejects");
    let (status, _, bytes) = download(app, &app.admin_token, &path).await;
    assert_eq!(status, 200);
    String::from_utf8_lossy(&bytes).to_string()
}

#[tokio::test]
async fn leads_companies_and_deals_import_in_batches_as_row_by_row_would() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (status, contact) = app
        .post(
            "/api/v1/contacts",
            &admin,
            json!({ "name": "Уже контакт", "emails": ["taken@firma.ru"] }),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    let (status, old) = app
        .post(
            "/api/v1/companies",
            &admin,
            json!({ "name": "Старая фирма" }),
        )
        .await;
    assert_eq!(status, 201, "{old}");

    // Leads: row 7 repeats row 3 exactly, row 20 has row 15's e-mail under another name, row 600 a contact's.
    let mut leads = String::from("ФИО;E-mail\n");
    for i in 0..1100 {
        let (name, email) = match i {
            7 => ("Лид 3".to_string(), "l3@firma.ru".to_string()),
            20 => ("Другой 20".to_string(), "l15@firma.ru".to_string()),
            600 => ("Лид 600".to_string(), "taken@firma.ru".to_string()),
            _ => (format!("Лид {i}"), format!("l{i}@firma.ru")),
        };
        leads.push_str(&format!("{name};{email}\n"));
    }
    let (id, made) = import_twice_and_undo(&app, "leads", leads, [1097, 0, 2, 1, 1100]).await;
    assert_eq!(made.len(), 1097);
    assert!(!made
        .iter()
        .any(|l| l["name"] == "Другой 20" || l["name"] == "Лид 600"));
    let rejects = rejects_of(&app, id).await;
    assert!(rejects.contains("taken@firma.ru"), "{rejects}");
    assert_eq!(undo(&app, id).await["deleted"], 1097);
    assert!(every(&app, &admin, "/api/v1/leads").await.is_empty());

    // Companies: row 8 names row 4's domain, row 9 the company that exists, row 700 has no name.
    let mut companies = String::from("Наименование;Сайт\n");
    for i in 0..1100 {
        let (name, site) = match i {
            8 => ("Другая 8".to_string(), "firma4.ru".to_string()),
            9 => ("Старая фирма".to_string(), "firma-old.ru".to_string()),
            700 => (String::new(), "firma700.ru".to_string()),
            _ => (format!("Фирма {i}"), format!("firma{i}.ru")),
        };
        companies.push_str(&format!("{name};{site}\n"));
    }
    let (id, made) =
        import_twice_and_undo(&app, "companies", companies, [1097, 0, 2, 1, 1100]).await;
    assert_eq!(
        made.len(),
        1098,
        "the companies imported and the one before"
    );
    assert_eq!(undo(&app, id).await["deleted"], 1097);
    let left = every(&app, &admin, "/api/v1/companies").await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["id"], old["id"]);

    // Deals: the company of row i is «Клиент i/10», so rows 495–504 share one across the first batch's end; row
    // 650 starts in no stage of the pipeline.
    let mut deals = String::from("Название;Сумма;Компания;Этап\n");
    for i in 0..1100 {
        let stage = if i == 650 { "Нет такого" } else { "" };
        deals.push_str(&format!(
            "Сделка {i};{i}00;Клиент {};{stage}\n",
            (i + 5) / 10
        ));
    }
    let (id, made) = import_twice_and_undo(&app, "deals", deals, [1099, 0, 0, 1, 1100]).await;
    let by_title: HashMap<&str, &Value> = made
        .iter()
        .map(|d| (d["title"].as_str().unwrap(), d))
        .collect();
    let shared = &by_title["Сделка 495"]["company_id"];
    assert!(shared.is_i64(), "{shared}");
    for i in 496..505 {
        assert_eq!(
            &by_title[format!("Сделка {i}").as_str()]["company_id"],
            shared,
            "row {i}"
        );
    }
    let firms = every(&app, &admin, "/api/v1/companies").await;
    assert_eq!(
        firms.len(),
        1 + 111,
        "one company per client, and the one before"
    );
    assert_eq!(undo(&app, id).await["deleted"], 1099 + 111);
    assert!(every(&app, &admin, "/api/v1/deals").await.is_empty());
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
