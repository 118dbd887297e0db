//! Imports from CSV: the mapping suggested from Russian headers, the dry run row by row, the background run,
//! companies linked or created, owners by column, the reject file, re-running, undo and bulk update.

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app};
use crate::transfer_support::{
    all, check, download, fixture, import, manager, progress, run, upload, upload_ok,
};

fn by_name<'a>(items: &'a [Value], name: &str) -> &'a Value {
    items
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {items:?}"))
}

#[tokio::test]
async fn a_csv_of_contacts_is_mapped_from_russian_headers_checked_and_imported() {
    let app = spawn_app().await;
    let (manager_id, _) = manager(&app).await;
    let admin = app.admin_token.clone();
    let up = upload_ok(
        &app,
        &admin,
        "contacts",
        "клиенты.csv",
        fixture("contacts.csv"),
    )
    .await;
    assert_eq!(up["format"], "csv");
    assert_eq!(up["delimiter"], ";");
    assert_eq!(up["encoding"], "utf-8");
    assert_eq!(up["progress"]["total"], 7);
    let mapping = &up["suggested_mapping"];
    for (header, field) in [
        ("ФИО", "name"),
        ("Телефон", "phone"),
        ("E-mail", "email"),
        ("Компания", "company"),
        ("Должность", "position"),
        ("Ответственный", "owner"),
    ] {
        assert_eq!(mapping[header], field, "{header}: {mapping}");
    }
    assert!(mapping.get("Комментарий").is_none());
    let id = up["id"].as_i64().unwrap();

    let report = check(&app, &admin, id, json!({})).await;
    assert_eq!(
        [
            &report["would_create"],
            &report["would_skip"],
            &report["would_fail"],
            &report["companies_to_create"]
        ],
        [3, 1, 3, 2],
        "{report}"
    );
    let rows = report["rows"].as_array().unwrap();
    let row = |n: u64| {
        rows.iter()
            .find(|r| r["row"] == n)
            .unwrap_or_else(|| panic!("row {n}: {report}"))
    };
    assert!(
        row(5)["reason"].as_str().unwrap().contains("unknown owner"),
        "{report}"
    );
    assert!(
        row(6)["reason"].as_str().unwrap().contains("не-почта"),
        "{report}"
    );
    assert_eq!(row(7)["duplicate_of"], json!({ "row": 2 }));
    assert!(
        row(8)["reason"].as_str().unwrap().contains("formula"),
        "{report}"
    );
    // Nothing was written by the dry run.
    assert!(all(&app, &admin, "/api/v1/contacts").await.is_empty());

    let done = run(&app, &admin, id, Value::Null).await;
    assert_eq!(progress(&done), [3, 0, 1, 3, 7], "{done}");
    let contacts = all(&app, &admin, "/api/v1/contacts").await;
    assert_eq!(contacts.len(), 3);
    let companies = all(&app, &admin, "/api/v1/companies").await;
    assert_eq!(companies.len(), 2, "{companies:?}");
    let romashka = by_name(&companies, "ООО «Ромашка»");
    assert_eq!(romashka["domains"], json!(["romashka.ru"]));
    // A free-mail address never names a company: «ИП Сидоров» is linked by name, without mail.ru.
    assert_eq!(by_name(&companies, "ИП Сидоров")["domains"], json!([]));
    let ivanov = by_name(&contacts, "Иванов Иван Иванович");
    let petrova = by_name(&contacts, "Петрова Анна Сергеевна");
    assert_eq!(ivanov["company_id"], romashka["id"]);
    assert_eq!(petrova["company_id"], romashka["id"]);
    assert_eq!(ivanov["owner_id"], manager_id, "owner by e-mail");
    assert_eq!(petrova["owner_id"], manager_id, "owner by name");
    assert_eq!(ivanov["phones"], json!(["+7 916 123-45-67"]));
    assert_eq!(ivanov["position"], "Директор");

    // The reject file: the failing rows as they were, with the reason beside them, as CSV with a BOM.
    let (status, mime, bytes) =
        download(&app, &admin, &format!("/api/v1/imports/{id}/rejects")).await;
    assert_eq!(status, 200);
    assert!(mime.starts_with("text/csv"), "{mime}");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].ends_with(";Причина отказа / Reason"), "{text}");
    assert!(
        lines[1].starts_with("Кузнецова Ольга;") && lines[1].contains("unknown owner"),
        "{text}"
    );
    assert!(
        lines[3].contains("=1+2") && lines[3].contains("formula"),
        "{text}"
    );

    // The same file again: nothing is created twice.
    let again = import(
        &app,
        &admin,
        "contacts",
        "клиенты.csv",
        fixture("contacts.csv"),
        json!({}),
    )
    .await;
    assert_eq!(progress(&again)[0], 0, "{again}");
    assert_eq!(all(&app, &admin, "/api/v1/contacts").await.len(), 3);
    assert_eq!(all(&app, &admin, "/api/v1/companies").await.len(), 2);

    // The import is audited.
    let (_, list) = app.get("/api/v1/imports", &admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn undo_removes_what_an_import_created_and_restores_what_it_overwrote() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (s, kept) = app
        .post(
            "/api/v1/contacts",
            &admin,
            json!({ "name": "Старое Имя", "emails": ["old@klever.ru"], "position": "Стажёр" }),
        )
        .await;
    assert_eq!(s, 201, "{kept}");
    let csv = "Фамилия,Имя,Отчество,Эл. почта,Должность\nКлеверов,Олег,Петрович,old@klever.ru,Директор\nНовиков,Илья,,new@klever.ru,Инженер\n";
    let up = upload_ok(&app, &admin, "contacts", "upd.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(up["delimiter"], ",");
    let m = &up["suggested_mapping"];
    assert_eq!(
        [&m["Фамилия"], &m["Имя"], &m["Отчество"], &m["Эл. почта"]],
        ["name_last", "name_first", "name_middle", "email"]
    );
    let id = up["id"].as_i64().unwrap();
    let report = check(&app, &admin, id, json!({ "policy": "overwrite" })).await;
    assert_eq!(
        [&report["would_create"], &report["would_update"]],
        [1, 1],
        "{report}"
    );
    let done = run(&app, &admin, id, json!({ "policy": "overwrite" })).await;
    assert_eq!(progress(&done)[..2], [1, 1], "{done}");
    let (_, changed) = app
        .get(&format!("/api/v1/contacts/{}", kept["id"]), &admin)
        .await;
    assert_eq!(changed["name"], "Клеверов Олег Петрович");
    assert_eq!(changed["position"], "Директор");
    assert_eq!(all(&app, &admin, "/api/v1/contacts").await.len(), 2);

    let (status, undo) = app
        .post(&format!("/api/v1/imports/{id}/undo"), &admin, json!({}))
        .await;
    assert_eq!(status, 200, "{undo}");
    assert_eq!([&undo["deleted"], &undo["restored"]], [1, 1], "{undo}");
    let contacts = all(&app, &admin, "/api/v1/contacts").await;
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["name"], "Старое Имя");
    assert_eq!(contacts[0]["position"], "Стажёр");
    let (status, again) = app
        .post(&format!("/api/v1/imports/{id}/undo"), &admin, json!({}))
        .await;
    assert_eq!((status, error_code(&again)), (409, "conflict"));
    // Once undone, the file may be imported again.
    let redo = import(
        &app,
        &admin,
        "contacts",
        "upd.csv",
        csv.as_bytes().to_vec(),
        json!({}),
    )
    .await;
    assert_eq!(progress(&redo)[0], 1, "{redo}");
}

#[tokio::test]
async fn deals_take_dates_in_three_forms_and_amounts_with_spaces_and_commas() {
    let app = spawn_app().await;
    manager(&app).await;
    let admin = app.admin_token.clone();
    import(
        &app,
        &admin,
        "contacts",
        "c.csv",
        fixture("contacts.csv"),
        json!({}),
    )
    .await;
    let up = upload_ok(&app, &admin, "deals", "сделки.csv", fixture("deals.csv")).await;
    let m = &up["suggested_mapping"];
    assert_eq!(
        [
            &m["Название"],
            &m["Сумма"],
            &m["E-mail контакта"],
            &m["Дата закрытия"]
        ],
        ["title", "amount", "email", "expected_close"]
    );
    let done = run(&app, &admin, up["id"].as_i64().unwrap(), json!({})).await;
    assert_eq!(progress(&done)[..4], [3, 0, 0, 1], "{done}");
    let deals = all(&app, &admin, "/api/v1/deals").await;
    assert_eq!(deals.len(), 3);
    for d in &deals {
        assert_eq!(d["expected_close"], "2026-12-31", "{d}");
    }
    let paper = deals
        .iter()
        .find(|d| d["title"] == "Поставка бумаги")
        .unwrap();
    assert_eq!(paper["amount"], "150000.50");
    let contacts = all(&app, &admin, "/api/v1/contacts").await;
    assert_eq!(
        paper["contact_id"],
        by_name(&contacts, "Иванов Иван Иванович")["id"]
    );
    let (_, _, rejects) = download(
        &app,
        &admin,
        &format!("/api/v1/imports/{}/rejects", up["id"]),
    )
    .await;
    let text = String::from_utf8_lossy(&rejects);
    assert!(
        text.contains("Поставка кнопок") && text.contains("'завтра' is not a date"),
        "{text}"
    );
}

#[tokio::test]
async fn a_windows_1251_tab_file_is_read_as_cyrillic() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let text = "Наименование\tСайт\tТеги\r\nЗАО «Берёзка»\tberezka.ru\tопт; розница\r\nЛютик\thttps://www.lyutik.com/\t\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    let up = upload_ok(&app, &admin, "companies", "фирмы.tsv", bytes.into_owned()).await;
    assert_eq!(up["encoding"], "windows-1251");
    assert_eq!(up["headers"], json!(["Наименование", "Сайт", "Теги"]));
    let done =
        crate::transfer_support::run(&app, &admin, up["id"].as_i64().unwrap(), json!({})).await;
    assert_eq!(progress(&done)[0], 2, "{done}");
    let companies = all(&app, &admin, "/api/v1/companies").await;
    let berezka = by_name(&companies, "ЗАО «Берёзка»");
    assert_eq!(berezka["tags"].as_array().unwrap().len(), 2, "{berezka}");
    assert_eq!(
        by_name(&companies, "Лютик")["domains"],
        json!(["lyutik.com"])
    );
}

#[tokio::test]
async fn an_oversized_upload_is_413_and_a_corrupt_or_bomb_file_is_refused_by_name() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    // 40 MB declared and sent: refused without being stored.
    let (status, body) = upload(
        &app,
        &admin,
        "contacts",
        "big.csv",
        vec![b'a'; 40 * 1024 * 1024],
    )
    .await;
    assert_eq!((status, error_code(&body)), (413, "payload_too_large"));
    let (status, body) = upload(
        &app,
        &admin,
        "contacts",
        "broken.xlsx",
        b"PK\x03\x04 not really a zip".to_vec(),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "import_file_unreadable"),
        "{body}"
    );
    let (status, body) = upload(
        &app,
        &admin,
        "contacts",
        "fake.xlsx",
        b"name,email\n".to_vec(),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "import_file_unreadable"),
        "{body}"
    );
    let (status, body) = upload(&app, &admin, "contacts", "notes.docx", b"x".to_vec()).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "import_format_unsupported"),
        "{body}"
    );
    // A zip bomb: a small .xlsx whose sheet unpacks to 50 MB of zeros.
    let mut bomb = Vec::new();
    {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut bomb));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..50 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
    }
    assert!(
        bomb.len() < 1024 * 1024,
        "the bomb is small: {}",
        bomb.len()
    );
    let (status, body) = upload(&app, &admin, "contacts", "bomb.xlsx", bomb).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "import_file_too_big"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("zip bomb"),
        "{body}"
    );
    let (_, list) = app.get("/api/v1/imports", &admin).await;
    assert_eq!(list["items"], json!([]), "nothing refused was stored");
}

#[tokio::test]
async fn imports_follow_the_callers_rights_over_owners_and_kinds() {
    let app = spawn_app().await;
    let (_, sales) = manager(&app).await;
    let (_, marketing) = app.user_with_role("mkt@test.local", "marketing").await;
    let (status, body) = upload(
        &app,
        &marketing,
        "contacts",
        "c.csv",
        fixture("contacts.csv"),
    )
    .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
    // A salesperson may not give records to a colleague: those rows fail; theirs are created as theirs.
    let csv = "ФИО;E-mail;Ответственный\nСвой Клиент;own@client.ru;manager@test.local\nЧужой Клиент;other@client.ru;admin@test.local\n";
    let done = import(
        &app,
        &sales,
        "contacts",
        "mine.csv",
        csv.as_bytes().to_vec(),
        json!({}),
    )
    .await;
    assert_eq!(progress(&done)[..4], [1, 0, 0, 1], "{done}");
    let (_, _, rejects) = download(
        &app,
        &sales,
        &format!("/api/v1/imports/{}/rejects", done["id"]),
    )
    .await;
    assert!(
        String::from_utf8_lossy(&rejects).contains("you may not give records"),
        "{}",
        String::from_utf8_lossy(&rejects)
    );
    // Someone else's import is not found.
    let (status, _) = app
        .get(&format!("/api/v1/imports/{}", done["id"]), &marketing)
        .await;
    assert_eq!(status, 404);
    // Saved presets apply by header name.
    let preset = json!({ "kind": "contacts", "name": "Наш CRM", "mapping": { "Клиент": "name", "Почта клиента": "email" } });
    let (status, saved) = app.post("/api/v1/import-presets", &sales, preset).await;
    assert_eq!(status, 201, "{saved}");
    let csv = "Клиент;Почта клиента\nПо Пресету;preset@client.ru\n";
    let done = import(
        &app,
        &sales,
        "contacts",
        "p.csv",
        csv.as_bytes().to_vec(),
        json!({ "preset": "Наш CRM" }),
    )
    .await;
    assert_eq!(progress(&done)[0], 1, "{done}");
    let (_, presets) = app
        .get("/api/v1/import-presets?kind=contacts", &sales)
        .await;
    assert_eq!(presets[0]["name"], "Наш CRM");
}
