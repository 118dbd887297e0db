//! Auto-linking and leads: the shared CRM scenario reaches exactly the outcome of its expected.json, and links set
//! by hand stay set.

use std::collections::{BTreeSet, HashMap};

use reqwest::Method;
use serde_json::{json, Value};

use crate::dovecot::{message, Dovecot, PASSWORD};
use crate::helpers::{spawn_app, TestApp};
use crate::mail_corpus::{all_messages, as_served, sha256, shared};
use crate::mail_sync::{add_mailbox, sync};

async fn list(app: &TestApp, path: &str) -> Vec<Value> {
    let (status, page) = app
        .get(&format!("{path}?limit=200"), &app.admin_token)
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

/// `lead:addr`, `contact:addr`, `company:domain` for each link of a message.
async fn link_names(app: &TestApp, message: i64) -> BTreeSet<String> {
    let (_, links) = app
        .get(
            &format!("/api/v1/messages/{message}/links"),
            &app.admin_token,
        )
        .await;
    let mut out = BTreeSet::new();
    for link in links
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["removed"] == false)
    {
        let (kind, id) = (
            link["record_kind"].as_str().unwrap(),
            link["record_id"].as_i64().unwrap(),
        );
        let name = match kind {
            "lead" => app
                .get(&format!("/api/v1/leads/{id}"), &app.admin_token)
                .await
                .1["email"]
                .as_str()
                .unwrap()
                .to_string(),
            "contact" => app
                .get(&format!("/api/v1/contacts/{id}"), &app.admin_token)
                .await
                .1["primary_email"]
                .as_str()
                .unwrap()
                .to_string(),
            "company" => app
                .get(&format!("/api/v1/companies/{id}"), &app.admin_token)
                .await
                .1["domains"][0]
                .as_str()
                .unwrap()
                .to_string(),
            other => other.to_string(),
        };
        out.insert(format!("{kind}:{name}"));
    }
    out
}

#[tokio::test]
async fn corpus_scenario_classes_links_leads_and_bounce_match_expected_json() {
    let dir = shared().join("scenarios");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let app = spawn_app().await;
    for company in expected["initial"]["companies"].as_array().unwrap() {
        let (status, body) = app
            .post(
                "/api/v1/companies",
                &app.admin_token,
                json!({ "name": company["name"], "domains": company["domains"] }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    for contact in expected["initial"]["contacts"].as_array().unwrap() {
        let (status, body) = app
            .post(
                "/api/v1/contacts",
                &app.admin_token,
                json!({ "name": contact["name"], "emails": [contact["email"]] }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }

    let dovecot = Dovecot::start();
    let mut hash_of = HashMap::new();
    let mut folders = BTreeSet::new();
    for m in expected["messages"].as_array().unwrap() {
        let raw = std::fs::read(dir.join(m["file"].as_str().unwrap())).unwrap();
        hash_of.insert(
            m["file"].as_str().unwrap().to_string(),
            sha256(&as_served(&raw)),
        );
        dovecot.append(m["folder"].as_str().unwrap(), &raw).await;
        folders.insert(m["folder"].as_str().unwrap().to_string());
    }
    let mut mailbox = dovecot.mailbox_json(dovecot.port, PASSWORD);
    assert_eq!(mailbox["username"], expected["mailbox"]["address"]);
    mailbox["folders"] = json!(folders);
    let id = add_mailbox(&app, mailbox).await;
    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");

    let stored = all_messages(&app).await;
    let by_hash: HashMap<String, i64> = stored
        .iter()
        .map(|m| {
            (
                m["sha256"].as_str().unwrap().to_string(),
                m["id"].as_i64().unwrap(),
            )
        })
        .collect();
    let leads = list(&app, "/api/v1/leads").await;
    let lead_by_email = |email: &str| {
        leads
            .iter()
            .find(|l| l["email"].as_str() == Some(&email.to_lowercase()))
            .cloned()
    };
    for m in expected["messages"].as_array().unwrap() {
        let file = m["file"].as_str().unwrap();
        let message = by_hash[&hash_of[file]];
        let (_, class) = app
            .get(
                &format!("/api/v1/messages/{message}/classification"),
                &app.admin_token,
            )
            .await;
        if let Some(c) = m["class"].as_str() {
            assert_eq!(class["class"], c, "{file}: {class}");
        }
        if let Some(reason) = m["reason"].as_str() {
            assert_eq!(class["reason"], reason, "{file}");
        }
        if let Some(direction) = m["direction"].as_str() {
            assert_eq!(class["direction"], direction, "{file}");
        }
        if let Some(linked) = m["linked"].as_array() {
            let want: BTreeSet<String> = linked
                .iter()
                .map(|l| l.as_str().unwrap().to_lowercase())
                .collect();
            assert_eq!(link_names(&app, message).await, want, "{file}");
        }
        if let Some(email) = m["new_lead"].as_str() {
            let lead =
                lead_by_email(email).unwrap_or_else(|| panic!("{file}: no lead for {email}"));
            assert!(lead["source_id"].is_i64(), "{file}: source e-mail");
            if let Some(domain) = m["lead_company_domain"].as_str() {
                assert_eq!(lead["domain_hint"], domain, "{file}");
            }
            if let Some(name) = m["lead_name"].as_str() {
                assert_eq!(lead["name"], name, "{file}");
            }
        }
        if let Some(bounce) = m.get("bounce") {
            let (_, bounces) = app.get("/api/v1/bounces", &app.admin_token).await;
            let found = bounces
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["address"] == bounce["recipient"])
                .unwrap_or_else(|| panic!("bounce {bounces}"));
            assert_eq!(
                (
                    &found["status"],
                    &found["kind"],
                    &found["original_message_id"]
                ),
                (
                    &bounce["status"],
                    &bounce["kind"],
                    &bounce["original_message_id"]
                )
            );
            // The corpus DSN comes to an unsigned VERP address about a letter never sent from this database: it
            // is listed, unverified, and suppresses nothing (campaigns_bounces has the verified cases).
            assert_eq!(found["verified"], false, "{found}");
            let (_, suppressed) = app.get("/api/v1/suppressions", &app.admin_token).await;
            let address = bounce["recipient"].as_str().unwrap();
            assert!(
                !suppressed.to_string().contains(address),
                "an unverified bounce suppresses nothing: {suppressed}"
            );
        }
    }

    let fin = &expected["final"];
    let set = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_lowercase())
            .collect::<BTreeSet<_>>()
    };
    let lead_emails: BTreeSet<String> = leads
        .iter()
        .map(|l| l["email"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(lead_emails, set(&fin["leads"]), "exactly these leads");
    let contacts = list(&app, "/api/v1/contacts").await;
    let contact_emails: BTreeSet<String> = contacts
        .iter()
        .flat_map(|c| {
            c["emails"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(contact_emails, set(&fin["contacts"]));
    let companies = list(&app, "/api/v1/companies").await;
    let domains: BTreeSet<String> = companies
        .iter()
        .flat_map(|c| {
            c["domains"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(domains, set(&fin["companies"]));
    for never in set(&fin["never_a_lead_or_contact"]) {
        assert!(
            !lead_emails.contains(&never) && !contact_emails.contains(&never),
            "{never}"
        );
    }
    for never in set(&fin["never_a_company"]) {
        assert!(!domains.contains(&never), "{never}");
    }

    // The lead's mail is on its timeline, and goes with it when it converts.
    let anna = lead_by_email("anna.smirnova@stroymontazh.ru").unwrap();
    let (_, timeline) = app
        .get(
            &format!("/api/v1/leads/{}/timeline", anna["id"]),
            &app.admin_token,
        )
        .await;
    let mails = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "email")
        .count();
    assert!(mails >= 4, "{timeline}");
    let (_, converted) = app
        .post(
            &format!("/api/v1/leads/{}/convert", anna["id"]),
            &app.admin_token,
            json!({}),
        )
        .await;
    let (_, timeline) = app
        .get(
            &format!("/api/v1/contacts/{}/timeline", converted["contact_id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(
        timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "email")
            .count(),
        mails
    );
}

#[tokio::test]
async fn a_link_set_or_removed_by_hand_survives_resync_and_later_records_pick_up_earlier_mail() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    dovecot.append("INBOX", &message(1, "Заказ")).await;
    let id = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    sync(&app, id).await;
    let message_id = all_messages(&app).await[0]["id"].as_i64().unwrap();
    let (_, leads) = app.get("/api/v1/leads", &app.admin_token).await;
    let lead = leads["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        leads["items"][0]["name"], "Клиент 1",
        "a new sender makes a lead named by the display name"
    );
    assert_eq!(
        leads["items"][0]["owner_id"],
        Value::Null,
        "into the open pool"
    );

    // A company created later picks up the earlier mail of its domain.
    let (_, company) = app
        .post(
            "/api/v1/companies",
            &app.admin_token,
            json!({ "name": "Example", "domains": ["example.ru"] }),
        )
        .await;
    let links = link_names(&app, message_id).await;
    assert!(
        links.contains("company:example.ru") && links.contains("lead:client1@example.ru"),
        "{links:?}"
    );

    let path = format!("/api/v1/messages/{message_id}/links/lead/{lead}");
    let (status, _) = app
        .call(Method::DELETE, &path, Some(&app.admin_token), None)
        .await;
    assert_eq!(status, 200);
    let (_, other) = app
        .post(
            "/api/v1/deals",
            &app.admin_token,
            json!({ "title": "Сделка", "pipeline_id": 1 }),
        )
        .await;
    let (status, _) = app
        .post(
            &format!("/api/v1/messages/{message_id}/links"),
            &app.admin_token,
            json!({ "record_kind": "deal", "record_id": other["id"] }),
        )
        .await;
    assert_eq!(status, 200);

    // Everything synced again from scratch (new UIDVALIDITY) and the lead edited: the hand-made decisions hold.
    dovecot.change_uidvalidity("INBOX", 4242);
    sync(&app, id).await;
    app.call(
        Method::PATCH,
        &format!("/api/v1/leads/{lead}"),
        Some(&app.admin_token),
        Some(json!({ "name": "Клиент Один" })),
    )
    .await;
    let links = link_names(&app, message_id).await;
    assert!(
        !links.contains("lead:client1@example.ru"),
        "removed by hand stays removed: {links:?}"
    );
    assert!(
        links.iter().any(|l| l.starts_with("deal:")),
        "linked by hand stays linked: {links:?}"
    );
    let (_, audit) = app
        .get(&format!("/api/v1/leads/{lead}/audit"), &app.admin_token)
        .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "unlink"),
        "{audit}"
    );
    let _ = company;
}

#[tokio::test]
async fn an_admin_corrects_a_classification_and_a_salesperson_reads_only_mail_of_their_records() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let robot = b"From: Robot <no-reply@vendor.ru>\r\nTo: sales@nordwind.ru\r\nSubject: Report\r\nMessage-ID: <r1@vendor.ru>\r\n\r\nbody\r\n".to_vec();
    dovecot
        .append_many("INBOX", &[robot, message(7, "Вопрос")])
        .await;
    let id = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    sync(&app, id).await;
    let messages = all_messages(&app).await;
    let robot_id = messages
        .iter()
        .find(|m| m["from_address"] == "no-reply@vendor.ru")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, class) = app
        .get(
            &format!("/api/v1/messages/{robot_id}/classification"),
            &app.admin_token,
        )
        .await;
    assert_eq!(class["class"], "automated");
    let (_, leads) = app.get("/api/v1/leads", &app.admin_token).await;
    assert_eq!(
        leads["items"].as_array().unwrap().len(),
        1,
        "no lead from the robot"
    );

    let (status, class) = app
        .call(
            Method::PUT,
            &format!("/api/v1/messages/{robot_id}/classification"),
            Some(&app.admin_token),
            Some(json!({ "class": "human" })),
        )
        .await;
    assert_eq!(
        (status, class["manual"].as_bool()),
        (200, Some(true)),
        "{class}"
    );
    let (_, leads) = app.get("/api/v1/leads", &app.admin_token).await;
    assert_eq!(
        leads["items"].as_array().unwrap().len(),
        2,
        "the correction is applied: the sender becomes a lead"
    );

    let (_, sales) = app.user_with_role("s@test.local", "sales").await;
    assert_eq!(
        app.get(&format!("/api/v1/messages/{robot_id}"), &sales)
            .await
            .0,
        200,
        "the open pool's mail is visible to sales"
    );
    // The list shows the mail the caller reads: here the open pool's, through its leads.
    let (status, listed) = app.get("/api/v1/messages", &sales).await;
    assert_eq!(status, 200, "{listed}");
    let listed: Vec<i64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert!(listed.contains(&robot_id), "{listed:?}");

    let (_, pool_leads) = app.get("/api/v1/leads?pool=true", &sales).await;
    assert_eq!(pool_leads["items"].as_array().unwrap().len(), 2);
    let (_, other) = app.user_with_role("o@test.local", "sales").await;
    let mine = pool_leads["items"][0]["id"].as_i64().unwrap();
    let (status, taken) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/leads/{mine}"),
            Some(&sales),
            Some(json!({ "owner_id": crate::helpers::user_id(&app, &sales).await })),
        )
        .await;
    assert_eq!(status, 200, "{taken}");
    let (_, timeline) = app
        .get(&format!("/api/v1/leads/{mine}/timeline"), &sales)
        .await;
    let mail = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "email")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, links) = app
        .get(&format!("/api/v1/messages/{mail}/links"), &app.admin_token)
        .await;
    assert_eq!(links.as_array().unwrap().len(), 1, "{links}");
    assert_eq!(
        app.get(&format!("/api/v1/messages/{mail}"), &sales).await.0,
        200
    );
    assert_eq!(
        app.get(&format!("/api/v1/messages/{mail}"), &other).await.0,
        404,
        "a colleague cannot read it once taken"
    );
    for path in [
        format!("/api/v1/messages/{mail}/raw"),
        format!("/api/v1/messages/{mail}/attachments/0"),
        format!("/api/v1/messages/{mail}/links"),
    ] {
        assert_eq!(app.get(&path, &other).await.0, 404, "{path}");
    }
    let thread = all_messages(&app)
        .await
        .iter()
        .find(|m| m["id"] == mail)
        .unwrap()["thread_id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/threads/{thread}"), &other)
            .await
            .0,
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/threads/{thread}"), &sales)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn two_mailboxes_syncing_mail_from_one_new_sender_at_once_make_one_lead() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let mail = |n: usize| {
        format!("From: Новый Клиент <new.client@newco.ru>\r\nTo: sales@nordwind.ru\r\nSubject: Запрос {n}\r\nMessage-ID: <same-sender-{n}@newco.ru>\r\n\r\nТекст\r\n").into_bytes()
    };
    dovecot.append("INBOX", &mail(1)).await;
    let mut other = dovecot.session_as("other@nordwind.ru", "other-pass").await;
    other.append("INBOX", None, None, mail(2)).await.unwrap();
    other.logout().await.unwrap();
    let a = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let mut second = dovecot.mailbox_json(dovecot.port, "other-pass");
    second["username"] = json!("other@nordwind.ru");
    let b = add_mailbox(&app, second).await;
    let ((s1, r1), (s2, r2)) = tokio::join!(sync(&app, a), sync(&app, b));
    assert_eq!((s1, s2), (200, 200), "{r1} {r2}");
    let (_, leads) = app.get("/api/v1/leads", &app.admin_token).await;
    let leads = leads["items"].as_array().unwrap();
    assert_eq!(leads.len(), 1, "{leads:?}");
    let (_, timeline) = app
        .get(
            &format!("/api/v1/leads/{}/timeline", leads[0]["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(
        timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "email")
            .count(),
        2,
        "both mails on the one lead"
    );
}

#[tokio::test]
async fn a_mailbox_rule_gives_its_leads_an_owner_and_may_make_leads_of_people_we_write_to() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let (sales_id, _) = app.user_with_role("owner@nordwind.ru", "sales").await;
    let incoming = message(3, "Хочу купить");
    let outgoing = b"From: Sales <sales@nordwind.ru>\r\nTo: Boris <boris@prospect.ru>\r\nSubject: Offer\r\nMessage-ID: <out-1@nordwind.ru>\r\n\r\nHello\r\n".to_vec();
    dovecot.append("INBOX", &incoming).await;
    dovecot.append("Sent", &outgoing).await;
    let mut body = dovecot.mailbox_json(dovecot.port, PASSWORD);
    body["lead_owner_id"] = json!(sales_id);
    body["leads_from_outgoing"] = json!(true);
    let id = add_mailbox(&app, body).await;
    let (_, mailbox) = app
        .get(&format!("/api/v1/mailboxes/{id}"), &app.admin_token)
        .await;
    assert_eq!(
        (
            mailbox["lead_owner_id"].as_i64(),
            mailbox["leads_from_outgoing"].as_bool()
        ),
        (Some(sales_id), Some(true))
    );
    sync(&app, id).await;
    let (_, leads) = app.get("/api/v1/leads", &app.admin_token).await;
    let mut found: Vec<(String, Option<i64>)> = leads["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["email"].as_str().unwrap().to_string(),
                l["owner_id"].as_i64(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("boris@prospect.ru".to_string(), Some(sales_id)),
            ("client3@example.ru".to_string(), Some(sales_id))
        ]
    );
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/mailboxes/{id}"),
            Some(&app.admin_token),
            Some(json!({ "lead_owner_id": 9999 })),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("lead_owner_id"))
    );
}
