//! Real spreadsheets: .xlsx, .xls and .ods made by LibreOffice from the CSV fixtures import like the CSV does
//! (formula cells refused per row, Excel dates read); an exported .xlsx opened by LibreOffice holds the same rows
//! as the CSV export; a workbook's reject file is an .xlsx.

use calamine::Reader;
use serde_json::{json, Value};

use crate::helpers::spawn_app;
use crate::transfer_support::{
    all, check, convert, download, manager, progress, run, upload_ok, workbook,
};

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(bytes);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn xlsx_xls_and_ods_made_by_libreoffice_import_like_the_csv() {
    let app = spawn_app().await;
    manager(&app).await;
    let admin = app.admin_token.clone();
    let mut ids = Vec::new();
    for ext in ["xlsx", "xls", "ods"] {
        let up = upload_ok(
            &app,
            &admin,
            "contacts",
            &format!("клиенты.{ext}"),
            workbook(&format!("contacts.{ext}")),
        )
        .await;
        assert_eq!(up["format"], ext);
        assert_eq!(up["sheets"].as_array().map(Vec::len), Some(1), "{up}");
        assert_eq!(up["suggested_mapping"]["ФИО"], "name", "{ext}: {up}");
        assert_eq!(up["sample"][0][0], "Иванов Иван Иванович", "{ext}");
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
            "{ext}: {report}"
        );
        let formula = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["row"] == 8)
            .cloned()
            .unwrap_or(Value::Null);
        assert!(
            formula["reason"].as_str().unwrap_or("").contains("formula"),
            "{ext}: {formula}"
        );
        ids.push(id);
    }
    let done = run(&app, &admin, ids[0], json!({})).await;
    assert_eq!(progress(&done), [3, 0, 1, 3, 7], "{done}");
    let contacts = all(&app, &admin, "/api/v1/contacts").await;
    let ivanov = contacts
        .iter()
        .find(|c| c["name"] == "Иванов Иван Иванович")
        .expect("imported from xlsx");
    assert_eq!(ivanov["phones"], json!(["+7 916 123-45-67"]));
    assert!(ivanov["company_id"].is_i64());
    // The same rows from the .ods are now all already there.
    let again = run(&app, &admin, ids[2], json!({})).await;
    assert_eq!(progress(&again)[0], 0, "{again}");

    // The reject file of a workbook is an .xlsx with the reason in its last column.
    let (status, mime, bytes) =
        download(&app, &admin, &format!("/api/v1/imports/{}/rejects", ids[0])).await;
    assert_eq!(status, 200);
    assert!(mime.contains("spreadsheetml"), "{mime}");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(rows[0].last().unwrap(), "Причина отказа / Reason");
    assert_eq!(rows[1][0], "Кузнецова Ольга");
    assert!(
        rows[3].iter().any(|c| c == "=1+2"),
        "the formula is shown, not run: {rows:?}"
    );

    // Deals from .xlsx: LibreOffice made an ISO date and a plain number into date and number cells.
    let up = upload_ok(&app, &admin, "deals", "сделки.xlsx", workbook("deals.xlsx")).await;
    let done = run(&app, &admin, up["id"].as_i64().unwrap(), json!({})).await;
    assert_eq!(progress(&done)[..4], [3, 0, 0, 1], "{done}");
    for d in all(&app, &admin, "/api/v1/deals").await {
        assert_eq!(d["expected_close"], "2026-12-31", "{d}");
    }
}

#[tokio::test]
async fn an_exported_xlsx_opened_by_libreoffice_holds_the_rows_of_the_csv_export() {
    let app = spawn_app().await;
    manager(&app).await;
    let admin = app.admin_token.clone();
    crate::transfer_support::import(
        &app,
        &admin,
        "contacts",
        "c.csv",
        crate::transfer_support::fixture("contacts.csv"),
        json!({}),
    )
    .await;
    let (status, mime, csv) = download(&app, &admin, "/api/v1/exports/contacts").await;
    assert_eq!(status, 200);
    assert!(mime.starts_with("text/csv"), "{mime}");
    let (status, _, xlsx) = download(&app, &admin, "/api/v1/exports/contacts?format=xlsx").await;
    assert_eq!(status, 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    std::fs::write(&path, &xlsx).unwrap();
    let out = dir.path().join("out");
    convert(
        &[path],
        "csv:Text - txt - csv (StarCalc):59,34,76",
        &out,
        None,
    );
    let back = std::fs::read(out.join("export.csv")).unwrap();
    let from_csv = csv_rows(&csv);
    assert_eq!(from_csv.len(), 4, "header + 3 contacts: {from_csv:?}");
    assert_eq!(from_csv[0][..3], ["ID", "ФИО", "E-mail"]);
    assert_eq!(csv_rows(&back), from_csv);
}
