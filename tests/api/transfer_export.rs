//! Exports of the list views: every row across pages, the list's own filters, UTF-8 with BOM or windows-1251,
//! .xlsx, and who may export (admins, and the roles an admin allows; each sees only what their lists show).

use calamine::Reader;
use serde_json::json;

use crate::helpers::{error_code, spawn_app, ADMIN_EMAIL};
use crate::transfer_support::{download, import, manager, progress};

fn lines(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8(
        bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .expect("a BOM for Excel")
            .to_vec(),
    )
    .unwrap();
    text.lines().map(str::to_string).collect()
}

#[tokio::test]
async fn exports_stream_every_row_with_the_lists_filters_and_follow_the_export_setting() {
    let app = spawn_app().await;
    let (_, sales) = manager(&app).await;
    let (_, marketing) = app.user_with_role("mkt@test.local", "marketing").await;
    let admin = app.admin_token.clone();
    // 450 contacts of the admin (more than two pages of 200) and 2 of the salesperson.
    let mut csv = String::from("ФИО;E-mail;Теги\n");
    for i in 0..450 {
        let tag = if i % 3 == 0 {
            "вип"
        } else {
            "обычный"
        };
        csv.push_str(&format!("Клиент Номер{i};client{i}@firm{i}.ru;{tag}\n"));
    }
    let done = import(
        &app,
        &admin,
        "contacts",
        "many.csv",
        csv.into_bytes(),
        json!({}),
    )
    .await;
    assert_eq!(progress(&done)[0], 450, "{done}");
    let mine = "ФИО;E-mail\nМой Первый;m1@sales.ru\nМой Второй;m2@sales.ru\n";
    import(
        &app,
        &sales,
        "contacts",
        "mine.csv",
        mine.as_bytes().to_vec(),
        json!({}),
    )
    .await;

    let (status, mime, body) = download(&app, &admin, "/api/v1/exports/contacts").await;
    assert_eq!(status, 200);
    assert_eq!(mime, "text/csv; charset=utf-8");
    let rows = lines(&body);
    assert_eq!(rows.len(), 453, "header + 452 contacts");
    assert!(rows[0].starts_with("ID;ФИО;E-mail;Телефон"), "{}", rows[0]);
    assert!(rows
        .iter()
        .any(|r| r.contains("Клиент Номер449;client449@firm449.ru")));
    // The list's filters apply.
    let (_, _, body) = download(
        &app,
        &admin,
        "/api/v1/exports/contacts?tag=%D0%B2%D0%B8%D0%BF",
    )
    .await;
    assert_eq!(lines(&body).len(), 1 + 150);
    let (status, _, body) = download(&app, &admin, "/api/v1/exports/contacts?owner_id=abc").await;
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, error_code(&body)), (422, "validation_failed"));
    // windows-1251 on request.
    let (_, mime, body) = download(
        &app,
        &admin,
        "/api/v1/exports/contacts?encoding=windows-1251&q=%D0%9C%D0%BE%D0%B9",
    )
    .await;
    assert_eq!(mime, "text/csv; charset=windows-1251");
    let (text, _, bad) = encoding_rs::WINDOWS_1251.decode(&body);
    assert!(!bad && !body.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("Мой Первый"), "{text}");
    // .xlsx, read back by calamine.
    let (status, mime, body) = download(&app, &admin, "/api/v1/exports/contacts?format=xlsx").await;
    assert_eq!(status, 200);
    assert!(mime.contains("spreadsheetml"), "{mime}");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(body)).unwrap();
    assert_eq!(book.sheet_names(), ["contacts"]);
    let range = book.worksheet_range("contacts").unwrap();
    assert_eq!(range.height(), 453);

    // Only admins, until an admin allows a role; then each exports what their list shows.
    let (status, body) = crate::helpers::read(
        app.client
            .get(app.url("/api/v1/exports/contacts"))
            .bearer_auth(&sales)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
    let (status, roles) = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/settings/export-roles",
            Some(&admin),
            Some(json!({ "roles": ["sales", "marketing"] })),
        )
        .await;
    assert_eq!(status, 200, "{roles}");
    let (status, _, body) = download(&app, &sales, "/api/v1/exports/contacts").await;
    assert_eq!(status, 200);
    assert_eq!(lines(&body).len(), 3, "the salesperson's own two");
    let (_, _, body) = download(&app, &marketing, "/api/v1/exports/contacts").await;
    assert_eq!(lines(&body).len(), 453, "marketing reads every contact");
    let (status, _, _) = download(&app, &marketing, "/api/v1/exports/deals").await;
    assert_eq!(status, 403, "but no deals");
    let (_, roles) = app.get("/api/v1/settings/export-roles", &admin).await;
    assert_eq!(roles["roles"], json!(["sales", "marketing"]));
}

/// An export that is refused: its status and JSON error.
async fn refusal(
    app: &crate::helpers::TestApp,
    token: &str,
    path: &str,
) -> (u16, serde_json::Value) {
    let (status, _, body) = download(app, token, path).await;
    (status, serde_json::from_slice(&body).expect("a JSON error"))
}

#[tokio::test]
async fn an_export_takes_the_list_views_columns_in_order_custom_fields_included() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let body = json!({ "kind": "contact", "key": "inn", "label": "ИНН", "type": "text" });
    let (status, field) = app.post("/api/v1/custom-fields", &admin, body).await;
    assert_eq!(status, 201, "{field}");
    let csv = "ФИО;E-mail;Должность;ИНН\nИван Колонкин;ivan@kolonki.ru;Директор;7707083893\n";
    import(
        &app,
        &admin,
        "contacts",
        "cols.csv",
        csv.as_bytes().to_vec(),
        json!({}),
    )
    .await;

    // The record's keys, the list's own names (`job`, `owner`, `updated`) and a custom field, in the order asked.
    let path = "/api/v1/exports/contacts?columns=custom.inn,name,job,emails,owner,updated";
    let (status, _, body) = download(&app, &admin, path).await;
    assert_eq!(status, 200);
    let rows = lines(&body);
    assert_eq!(
        rows[0], "ИНН;ФИО;Должность;E-mail;Ответственный;Изменён",
        "{rows:?}"
    );
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert_eq!(
        rows[1],
        format!("7707083893;Иван Колонкин;Директор;ivan@kolonki.ru;{ADMIN_EMAIL};{today}"),
        "{rows:?}"
    );
    // Encoded commas work too, and the .xlsx has the same columns.
    let path = "/api/v1/exports/contacts?format=xlsx&columns=name%2Ccustom.inn";
    let (status, _, body) = download(&app, &admin, path).await;
    assert_eq!(status, 200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(body)).unwrap();
    let range = book.worksheet_range("contacts").unwrap();
    let cells: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(cells, [["ФИО", "ИНН"], ["Иван Колонкин", "7707083893"]]);

    // A column the list does not have answers 422 with its name, before any file starts.
    let (status, body) =
        refusal(&app, &admin, "/api/v1/exports/contacts?columns=name,salary").await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );
    assert_eq!(body["error"]["field"], "columns", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'salary'"),
        "{body}"
    );
    let (status, body) = refusal(&app, &admin, "/api/v1/exports/contacts?columns=custom.kpp").await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "unknown_custom_field"),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["field"], "custom.kpp", "{body}");
    let (status, body) = refusal(&app, &admin, "/api/v1/exports/contacts?columns=name,name").await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );
}
