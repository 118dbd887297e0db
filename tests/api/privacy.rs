//! Data subject requests (issue 20.1): the export zip's contents, and an erasure after which the person's values
//! are in no table, no audit value, no search index and no stored mail, and a resync does not bring their mail back.

use std::io::Read;

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};
use crate::mail_sync::sync;
use crate::privacy_support::{
    assert_not_in_file, dump, person, values, EMAIL, INN, NAME, OTHER_EMAIL, PHONE,
};
use crate::search_support::search_until;

async fn export(app: &TestApp, token: &str, body: Value) -> (u16, Vec<u8>) {
    let response = app
        .client
        .post(app.url("/api/v1/admin/privacy/export"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut out = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut content = Vec::new();
        f.read_to_end(&mut content).unwrap();
        out.insert(f.name().unwrap().to_string(), content);
    }
    out
}

fn json_of(files: &std::collections::BTreeMap<String, Vec<u8>>, name: &str) -> Value {
    serde_json::from_slice(
        files
            .get(name)
            .unwrap_or_else(|| panic!("no {name}: {:?}", files.keys())),
    )
    .unwrap()
}

/// The new value of one field of an audit entry.
fn change(entry: &Value, field: &str) -> Value {
    entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == field)
        .unwrap_or_else(|| panic!("no {field} in {entry}"))["to"]
        .clone()
}

async fn privacy_audit(app: &TestApp) -> Vec<Value> {
    let (status, page) = app
        .get("/api/v1/admin/audit?kind=privacy", &app.admin_token)
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn export_zip_holds_the_records_consent_audit_and_raw_mail_of_the_person() {
    let app = spawn_app().await;
    let p = person(&app).await;
    let (_, sales) = app.user_with_role("manager@test.local", "sales").await;
    let (status, body) = export(&app, &sales, json!({ "emails": [EMAIL] })).await;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    let (status, body) = export(&app, &app.admin_token, json!({})).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, error_code(&body)),
        (422, "privacy_subject_missing"),
        "{body}"
    );

    let (status, bytes) = export(
        &app,
        &app.admin_token,
        json!({ "emails": [EMAIL.to_uppercase()] }),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let files = unzip(&bytes);
    let (alone, shared) = (p.alone.0, p.shared.0);
    let expected: Vec<String> = [
        "audit.json".to_string(),
        "consent.json".into(),
        format!("mail/{alone}.eml"),
        format!("mail/{shared}.eml"),
        "person.json".into(),
        format!("records/contact-{}.json", p.contact),
        format!("records/lead-{}.json", p.lead),
    ]
    .into_iter()
    .collect();
    let mut names: Vec<String> = files.keys().cloned().collect();
    names.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(
        names, expected_sorted,
        "the unrelated mail {} stays out",
        p.unrelated
    );

    assert_eq!(
        files[&format!("mail/{alone}.eml")],
        p.alone.1,
        "the raw bytes as delivered"
    );
    assert_eq!(files[&format!("mail/{shared}.eml")], p.shared.1);
    let head = json_of(&files, "person.json");
    assert_eq!(head["asked"]["emails"], json!([EMAIL]));
    assert_eq!(head["by"]["email"], "admin@test.local");
    assert_eq!(
        head["addresses"],
        json!([EMAIL, OTHER_EMAIL]),
        "the contact's other address too"
    );
    let contact = json_of(&files, &format!("records/contact-{}.json", p.contact));
    assert_eq!(contact["record"]["name"], NAME);
    assert_eq!(contact["record"]["custom"]["inn"], INN);
    assert_eq!(contact["record"]["phones"], json!([PHONE]));
    assert!(
        contact["notes"][0]["body"]
            .as_str()
            .unwrap()
            .contains(PHONE),
        "{contact}"
    );
    let lead = json_of(&files, &format!("records/lead-{}.json", p.lead));
    assert_eq!(lead["record"]["email"], OTHER_EMAIL);
    assert!(
        lead["tasks"][0]["title"].as_str().unwrap().contains(NAME),
        "{lead}"
    );
    let consent = json_of(&files, "consent.json");
    assert_eq!(consent.as_array().unwrap().len(), 1, "{consent}");
    assert_eq!(consent[0]["legal_basis"], "согласие 152-FZ");
    let audit = json_of(&files, "audit.json");
    let actions: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["action"].as_str().unwrap()))
        .collect();
    for wanted in [
        ("contact", "create"),
        ("contact", "update"),
        ("contact", "consent"),
        ("lead", "create"),
    ] {
        assert!(actions.contains(&wanted), "{wanted:?} in {actions:?}");
    }

    let entries = privacy_audit(&app).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["action"], "export");
    assert_eq!(change(&entries[0], "counts")["messages"], 2, "{entries:?}");
    let (status, _) = app
        .post(
            "/api/v1/admin/privacy/erase",
            &sales,
            json!({ "emails": [EMAIL], "reason": "x" }),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn erasure_leaves_the_person_nowhere_and_a_resync_does_not_bring_their_mail_back() {
    let app = spawn_app().await;
    let p = person(&app).await;
    // Indexed before the erasure: the index must lose them, not merely never have had them.
    search_until(
        &app,
        &app.admin_token,
        "фундамент",
        "mail",
        |page| page["items"].as_array().is_some_and(|i| !i.is_empty()),
    )
    .await;
    search_until(&app, &app.admin_token, "Сидоров", "records", |page| {
        page["items"].as_array().is_some_and(|i| !i.is_empty())
    })
    .await;
    let before = dump(&app).await;
    assert!(
        before.contains(&EMAIL.to_lowercase()) && before.contains("сидоров"),
        "the dump sees values"
    );

    let (status, body) = app
        .post(
            "/api/v1/admin/privacy/erase",
            &app.admin_token,
            json!({ "emails": [EMAIL] }),
        )
        .await;
    assert_eq!(status, 422, "a reason is required: {body}");
    let asked = json!({ "emails": [EMAIL], "reason": "Требование субъекта, ст. 21 152-ФЗ" });
    let (status, report) = app
        .post(
            "/api/v1/admin/privacy/erase",
            &app.admin_token,
            asked.clone(),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            &report["contacts_deleted"],
            &report["leads_deleted"],
            &report["messages_deleted"],
            &report["messages_pseudonymized"]
        ),
        (&json!(1), &json!(1), &json!(1), &json!(1)),
        "{report}"
    );
    assert!(
        report["audit_entries_redacted"].as_u64().unwrap() >= 4,
        "{report}"
    );

    let (status, _) = app
        .get(&format!("/api/v1/messages/{}", p.alone.0), &app.admin_token)
        .await;
    assert_eq!(
        status, 404,
        "the mail where they were the only client is gone"
    );
    let (status, _) = app
        .get(&format!("/api/v1/contacts/{}", p.contact), &app.admin_token)
        .await;
    assert_eq!(status, 404);
    let (status, shared) = app
        .get(
            &format!("/api/v1/messages/{}", p.shared.0),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{shared}");
    let pseudonym = shared["from_address"].as_str().unwrap().to_string();
    assert!(
        pseudonym.starts_with("erased-") && pseudonym.ends_with("@erased.invalid"),
        "{shared}"
    );
    assert!(
        shared["participants"]
            .to_string()
            .contains("anna@partner-group.example"),
        "{shared}"
    );
    assert!(
        shared["text_body"]
            .as_str()
            .unwrap()
            .contains("Коллеги, договор."),
        "{shared}"
    );
    let raw = app
        .client
        .get(app.url(&format!("/api/v1/messages/{}/raw", p.shared.0)))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let raw = String::from_utf8_lossy(&raw);
    assert!(
        raw.contains(&pseudonym) && raw.contains("anna@partner-group.example"),
        "{raw}"
    );
    let page = search_until(&app, &app.admin_token, "фундамент", "mail", |_| {
        true
    })
    .await;
    assert_eq!(page["items"], json!([]), "{page}");
    search_until(&app, &app.admin_token, "поставки", "mail", |page| {
        page["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;

    assert_nowhere(&app, "after the erasure").await;
    assert_not_in_file(&app, "after the erasure");
    let all = dump(&app).await;
    let tombstones = all
        .lines()
        .filter(|l| l.starts_with("audit_log.changes") && l.contains("\"erased\":true"));
    assert!(
        tombstones.count() >= 4,
        "redacted entries stay as tombstones (who and when kept)"
    );

    // A full resync (a new UIDVALIDITY) fetches everything again: the erased mail stays out.
    p.dovecot.change_uidvalidity("INBOX", 4242);
    let (status, synced) = sync(&app, p.mailbox).await;
    assert_eq!(
        (status, synced["resynced_folders"].as_i64()),
        (200, Some(1)),
        "{synced}"
    );
    let (_, list) = app
        .get("/api/v1/messages?limit=100", &app.admin_token)
        .await;
    let subjects: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["subject"].as_str())
        .collect();
    assert!(!subjects.contains(&"Смета на фундамент"), "{subjects:?}");
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_nowhere(&app, "after the resync").await;
    assert_not_in_file(&app, "after the resync");

    let entries = privacy_audit(&app).await;
    assert_eq!(entries[0]["action"], "erase", "{entries:?}");
    assert_eq!(
        change(&entries[0], "reason"),
        "Требование субъекта, ст. 21 152-ФЗ"
    );
    assert_eq!(
        change(&entries[0], "counts")["messages_deleted"],
        1,
        "{entries:?}"
    );
    // Again: nothing left to do, and the earlier request is recognised.
    let (status, again) = app
        .post("/api/v1/admin/privacy/erase", &app.admin_token, asked)
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (&again["messages_deleted"], &again["contacts_deleted"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(again["earlier_requests"], json!([report["request_id"]]));
}

async fn assert_nowhere(app: &TestApp, when: &str) {
    let all = dump(app).await;
    for v in values() {
        let hits: Vec<&str> = all.lines().filter(|l| l.contains(&v)).take(5).collect();
        assert!(hits.is_empty(), "{when}: {v:?} still in {hits:#?}");
    }
}
