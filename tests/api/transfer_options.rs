//! Import options beyond the plain run: bulk update (match by id, e-mail or phone; fill empty or overwrite),
//! multipart uploads and sheet choice, custom fields as `custom.<key>` columns.

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app};
use crate::transfer_support::{all, check, download, import, progress, run, upload_ok};

#[tokio::test]
async fn bulk_update_matches_by_id_email_or_phone_and_fills_only_empty_fields_when_asked() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let mut ids = Vec::new();
    for (name, email, phone) in [
        ("Один", "one@ab.ru", "+79160000001"),
        ("Два", "two@ab.ru", "+79160000002"),
    ] {
        let (s, c) = app
            .post(
                "/api/v1/contacts",
                &admin,
                json!({ "name": name, "emails": [email], "phones": [phone] }),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        ids.push(c["id"].as_i64().unwrap());
    }
    let (_, _) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/contacts/{}", ids[1]),
            Some(&admin),
            Some(json!({ "position": "Был" })),
        )
        .await;
    // By phone, filling empty fields only: «Один» gets a position, «Два» keeps its own.
    let csv = "Телефон;Должность\n8 916 000-00-01;Инженер\n8 916 000-00-02;Директор\n8 916 000-00-09;Никто\n";
    let opts = json!({ "match_by": "phone", "policy": "fill_empty", "update_only": true });
    let done = import(
        &app,
        &admin,
        "contacts",
        "phones.csv",
        csv.as_bytes().to_vec(),
        opts,
    )
    .await;
    assert_eq!(progress(&done)[..4], [0, 1, 1, 1], "{done}");
    let (_, one) = app
        .get(&format!("/api/v1/contacts/{}", ids[0]), &admin)
        .await;
    let (_, two) = app
        .get(&format!("/api/v1/contacts/{}", ids[1]), &admin)
        .await;
    assert_eq!(
        (one["position"].as_str(), two["position"].as_str()),
        (Some("Инженер"), Some("Был"))
    );
    // By id, overwriting.
    let csv = format!(
        "ID,Должность\n{},Технолог\n{},Сварщик\n999999,Нет\n",
        ids[0], ids[1]
    );
    let done = import(
        &app,
        &admin,
        "contacts",
        "ids.csv",
        csv.into_bytes(),
        json!({ "match_by": "id", "update_only": true }),
    )
    .await;
    assert_eq!(progress(&done)[..4], [0, 2, 0, 1], "{done}");
    let (_, two) = app
        .get(&format!("/api/v1/contacts/{}", ids[1]), &admin)
        .await;
    assert_eq!(two["position"], "Сварщик");
}

#[tokio::test]
async fn a_multipart_upload_names_its_file_and_a_workbooks_sheet_is_chosen() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let mut book = rust_xlsxwriter::Workbook::new();
    let first = book.add_worksheet().set_name("Справка").unwrap();
    first.write_string(0, 0, "Это не клиенты").unwrap();
    let second = book.add_worksheet().set_name("Клиенты").unwrap();
    for (c, h) in ["ФИО", "E-mail"].iter().enumerate() {
        second.write_string(0, c as u16, *h).unwrap();
    }
    second.write_string(1, 0, "Листов Лист").unwrap();
    second.write_string(1, 1, "list@sheet.ru").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let boundary = "XyZ-граница-no";
    let boundary = &boundary[..3];
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncontacts\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"book.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = app
        .client
        .post(app.url("/api/v1/imports"))
        .bearer_auth(&admin)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, up) = crate::helpers::read(response).await;
    assert_eq!(status, 201, "{up}");
    assert_eq!(up["filename"], "book.xlsx");
    assert_eq!(up["sheets"], json!(["Справка", "Клиенты"]));
    assert_eq!(up["sheet"], "Справка");
    let id = up["id"].as_i64().unwrap();
    let report = check(&app, &admin, id, json!({ "sheet": "Клиенты" })).await;
    assert_eq!(report["would_create"], 1, "{report}");
    let (status, body) = app
        .post(
            &format!("/api/v1/imports/{id}/check"),
            &admin,
            json!({ "sheet": "Нет такого" }),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );
    let done = run(&app, &admin, id, Value::Null).await;
    assert_eq!(
        progress(&done)[0],
        1,
        "the checked sheet is the one run: {done}"
    );
    assert_eq!(done["sheet"], "Клиенты");
}

#[tokio::test]
async fn custom_fields_are_mapped_as_custom_keys_and_checked_by_their_type() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    for (key, label, kind) in [
        ("inn", "ИНН", "text"),
        ("employees", "Сотрудников", "number"),
        ("joined", "Дата вступления", "date"),
    ] {
        let body = json!({ "kind": "contact", "key": key, "label": label, "type": kind });
        let (status, field) = app.post("/api/v1/custom-fields", &admin, body).await;
        assert_eq!(status, 201, "{field}");
    }
    let csv = "ФИО;E-mail;ИНН;Сотрудников;Дата вступления\nИннов Инн;inn@firma.ru;7707083893;120;31.12.2026\nПлохое Число;bad@firma.ru;7707083894;много;\n";
    // Custom fields are suggested by their label.
    let up = upload_ok(
        &app,
        &admin,
        "contacts",
        "custom.csv",
        csv.as_bytes().to_vec(),
    )
    .await;
    let m = &up["suggested_mapping"];
    assert_eq!(
        [&m["ИНН"], &m["Сотрудников"], &m["Дата вступления"]],
        ["custom.inn", "custom.employees", "custom.joined"],
        "{up}"
    );
    let done = run(&app, &admin, up["id"].as_i64().unwrap(), json!({})).await;
    assert_eq!(progress(&done)[..4], [1, 0, 0, 1], "{done}");
    let contacts = all(&app, &admin, "/api/v1/contacts").await;
    assert_eq!(
        contacts[0]["custom"]["joined"], "2026-12-31",
        "ДД.ММ.ГГГГ read as a date"
    );
    assert_eq!(
        contacts[0]["custom"]["inn"], "7707083893",
        "{:?}",
        contacts[0]
    );
    let (_, _, rejects) = download(
        &app,
        &admin,
        &format!("/api/v1/imports/{}/rejects", done["id"]),
    )
    .await;
    assert!(
        String::from_utf8_lossy(&rejects).contains("Плохое Число"),
        "{}",
        String::from_utf8_lossy(&rejects)
    );
    // Bulk update of a custom value by e-mail; undo puts the old one back.
    let csv = "E-mail;ИНН\ninn@firma.ru;7700000000\n";
    let opts = json!({ "mapping": { "E-mail": "email", "ИНН": "custom.inn" }, "update_only": true, "match_by": "email" });
    let done = import(
        &app,
        &admin,
        "contacts",
        "upd.csv",
        csv.as_bytes().to_vec(),
        opts,
    )
    .await;
    assert_eq!(progress(&done)[..2], [0, 1], "{done}");
    assert_eq!(
        all(&app, &admin, "/api/v1/contacts").await[0]["custom"]["inn"],
        "7700000000"
    );
    let (status, undo) = app
        .post(
            &format!("/api/v1/imports/{}/undo", done["id"]),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!((status, &undo["restored"]), (200, &json!(1)), "{undo}");
    assert_eq!(
        all(&app, &admin, "/api/v1/contacts").await[0]["custom"]["inn"],
        "7707083893"
    );
    // Bulk update by a custom key field: the row with that ИНН gets its new position.
    let csv = "ИНН;Должность\n7707083893;Главный бухгалтер\n0000000000;Никто\n";
    let opts = json!({ "mapping": { "ИНН": "custom.inn", "Должность": "position" }, "match_key": "inn", "update_only": true });
    let done = import(
        &app,
        &admin,
        "contacts",
        "by-inn.csv",
        csv.as_bytes().to_vec(),
        opts,
    )
    .await;
    assert_eq!(progress(&done)[..4], [0, 1, 0, 1], "{done}");
    assert_eq!(
        all(&app, &admin, "/api/v1/contacts").await[0]["position"],
        "Главный бухгалтер"
    );
    // The export has a column per custom field, under its label.
    let (_, _, body) = download(&app, &admin, "/api/v1/exports/contacts").await;
    let text = String::from_utf8_lossy(&body);
    let header = text.lines().next().unwrap();
    assert!(
        header.ends_with(";ИНН;Сотрудников;Дата вступления"),
        "{header}"
    );
    assert!(text.contains(";7707083893;120;2026-12-31"), "{text}");
    // The export follows the list's sort.
    let (status, _, body) = download(&app, &admin, "/api/v1/exports/contacts?sort=-name").await;
    assert_eq!(status, 200);
    let (status, _, _) = download(&app, &admin, "/api/v1/exports/contacts?sort=nonsense").await;
    assert_eq!(status, 422);
    assert!(String::from_utf8_lossy(&body).contains("Иннов Инн"));
}
