//! Unanswered-mail alerts through a real Dovecot: a contact's mail past its due time is flagged for the owner and
//! the team lead (not a stranger) and on the card; automated mail never is; a reply appended to Sent clears it;
//! mail answered in time is never flagged; the digest lists an overdue thread. Two instances share the database.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::awaiting_support::{client_mail, reply, world, CLIENT};
use crate::reminders::letters;

const HOUR: Duration = Duration::from_secs(3600);

/// Whole hours from one RFC 3339 time to another (the test's policies count every hour of the day).
fn hours_between(from: &serde_json::Value, to: &serde_json::Value) -> i64 {
    let at = |v: &serde_json::Value| {
        time::OffsetDateTime::parse(
            v.as_str().expect("a time"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339")
    };
    let span = at(to) - at(from);
    assert_eq!(span.whole_seconds() % 3600, 0, "{from} → {to}");
    span.whole_hours()
}

#[tokio::test]
async fn a_contacts_unanswered_mail_is_flagged_for_owner_and_lead_until_a_reply_in_sent_clears_it()
{
    let w = world().await;
    let contact = w
        .contact("Ирина Соколова", &[CLIENT, "noreply@client-firm.ru"])
        .await;
    w.dovecot
        .append(
            "INBOX",
            &client_mail(CLIENT, "q1@client-firm.ru", "Запрос цены", ""),
        )
        .await;
    let auto = "Auto-Submitted: auto-generated\r\n";
    w.dovecot
        .append(
            "INBOX",
            &client_mail(CLIENT, "auto1@client-firm.ru", "Ваш заказ принят", auto),
        )
        .await;
    let robot = client_mail(
        "noreply@client-firm.ru",
        "robot1@client-firm.ru",
        "Счёт оплачен",
        "",
    );
    w.dovecot.append("INBOX", &robot).await;
    w.sync().await;

    let mine = w.awaiting(&w.owner, "scope=mine").await;
    assert_eq!(mine.len(), 1, "only the human mail waits: {mine:?}");
    assert_eq!(
        (
            &mine[0]["subject"],
            &mine[0]["overdue"],
            &mine[0]["record"]["kind"]
        ),
        (&json!("Запрос цены"), &json!(false), &json!("contact"))
    );
    assert_eq!(
        hours_between(&mine[0]["received_at"], &mine[0]["due_at"]),
        2,
        "the team's 2 hours"
    );

    w.advance(3 * HOUR);
    let mine = w.awaiting(&w.owner, "scope=mine").await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(
        (
            &mine[0]["overdue"],
            &mine[0]["record"]["id"],
            &mine[0]["record"]["name"],
            &mine[0]["from"]
        ),
        (
            &json!(true),
            &json!(contact),
            &json!("Ирина Соколова"),
            &json!(CLIENT)
        )
    );
    let lead_team = w.awaiting(&w.lead, "scope=team").await;
    assert_eq!(
        lead_team.len(),
        1,
        "the team lead sees the member's: {lead_team:?}"
    );
    assert!(w.awaiting(&w.lead, "scope=mine").await.is_empty());
    assert!(w.awaiting(&w.stranger, "scope=team").await.is_empty());
    assert!(w.awaiting(&w.stranger, "scope=all").await.is_empty());
    assert_eq!(w.awaiting(&w.admin, "scope=all").await.len(), 1);
    let card = w
        .awaiting(&w.owner, &format!("record=contact:{contact}"))
        .await;
    assert_eq!((card.len(), &card[0]["overdue"]), (1, &json!(true)));
    let path = format!("/api/v1/awaiting-reply?record=contact:{contact}");
    let (status, _) = w.b.call(Method::GET, &path, &w.stranger, None).await;
    assert_eq!(status, 404, "a stranger does not see the card");
    let (status, body) =
        w.b.call(
            Method::GET,
            "/api/v1/awaiting-reply?record=deal:1",
            &w.owner,
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("record"))
    );

    w.dovecot
        .append("Sent", &reply(CLIENT, "q1@client-firm.ru", "Запрос цены"))
        .await;
    w.sync().await;
    assert!(
        w.awaiting(&w.owner, "scope=mine").await.is_empty(),
        "the reply seen in Sent clears the flag"
    );
    assert!(w
        .awaiting(&w.owner, &format!("record=contact:{contact}"))
        .await
        .is_empty());
    assert!(w.awaiting(&w.lead, "scope=team").await.is_empty());
}

#[tokio::test]
async fn a_leads_mail_answered_in_time_is_never_flagged() {
    let w = world().await;
    let new_sender = "pavel@new-client.ru";
    w.dovecot
        .append(
            "INBOX",
            &client_mail(new_sender, "n1@new-client.ru", "Сотрудничество", ""),
        )
        .await;
    w.sync().await;
    let waiting = w.awaiting(&w.owner, "scope=mine").await;
    assert_eq!(waiting.len(), 1, "the new sender's lead waits: {waiting:?}");
    assert_eq!(
        (&waiting[0]["record"]["kind"], &waiting[0]["overdue"]),
        (&json!("lead"), &json!(false))
    );
    // The team lead gives the team 5 hours: the running wait follows.
    let policy = json!({"hours": 5, "days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "24:00",
        "time_zone": "UTC"});
    let path = format!("/api/v1/teams/{}/reply-policy", w.team);
    let (status, body) = w.a.call(Method::PUT, &path, &w.lead, Some(policy)).await;
    assert_eq!(status, 200, "{body}");
    let waiting = w.awaiting(&w.owner, "scope=mine").await;
    assert_eq!(
        hours_between(&waiting[0]["received_at"], &waiting[0]["due_at"]),
        5
    );
    w.advance(HOUR);
    w.dovecot
        .append(
            "Sent",
            &reply(new_sender, "n1@new-client.ru", "Сотрудничество"),
        )
        .await;
    w.sync().await;
    w.advance(5 * HOUR);
    assert!(w.awaiting(&w.owner, "scope=mine").await.is_empty());
    assert!(w.awaiting(&w.admin, "scope=all").await.is_empty());
    assert!(w
        .awaiting(&w.owner, "scope=mine&overdue=true")
        .await
        .is_empty());
}

#[tokio::test]
async fn the_daily_digest_lists_an_overdue_thread() {
    let w = world().await;
    let (status, body) =
        w.a.call(
            Method::PUT,
            "/api/v1/settings/reminders",
            &w.admin,
            Some(json!({"relay": "default"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    w.contact("Ирина Соколова", &[CLIENT]).await;
    w.dovecot
        .append(
            "INBOX",
            &client_mail(CLIENT, "d1@client-firm.ru", "Срочно: договор", ""),
        )
        .await;
    w.sync().await;
    w.advance(3 * HOUR);
    // The digest at 00:00 UTC on: due the moment it is set (no task is due, only the overdue thread).
    let digest = json!({"time_zone": "UTC", "hour": 0});
    let (status, body) =
        w.a.call(Method::PUT, "/api/v1/me/digest", &w.owner, Some(digest))
            .await;
    assert_eq!(status, 200, "{body}");
    w.advance(Duration::from_secs(1));
    let got = letters(&[&w.sink], 1).await;
    assert_eq!(got.len(), 1, "one digest over both instances");
    assert_eq!(got[0].rcpt_to, "owner@nordwind.ru");
    let text = crate::reminders::text(&got[0]);
    assert!(
        text.contains("Awaiting reply")
            && text.contains("Срочно: договор")
            && text.contains("Ирина Соколова"),
        "{text}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(w.sink.received().len(), 1, "sent once");
}

#[tokio::test]
async fn reply_policies_are_validated_and_set_by_admins_and_team_leads() {
    let w = world().await;
    let (status, body) =
        w.a.call(Method::GET, "/api/v1/settings/reply-policy", &w.owner, None)
            .await;
    assert_eq!(
        (status, &body["own"], &body["policy"]["hours"]),
        (200, &json!(false), &json!(8))
    );
    let good = json!({"hours": 16, "days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00",
        "time_zone": "Europe/Moscow", "holidays": ["2027-01-01", "2027-01-07"]});
    let path = "/api/v1/settings/reply-policy";
    let (status, _) =
        w.a.call(Method::PUT, path, &w.lead, Some(good.clone()))
            .await;
    assert_eq!(status, 403, "only admins set the default");
    let (status, body) =
        w.a.call(Method::PUT, path, &w.admin, Some(good.clone()))
            .await;
    assert_eq!((status, &body["policy"]), (200, &good), "{body}");
    for (field, value) in [
        ("time_zone", json!("Europe/Atlantis")),
        ("hours", json!(0)),
        ("days", json!([0, 9])),
        ("start", json!("9 утра")),
        ("end", json!("08:00")),
        ("holidays", json!(["7 января"])),
    ] {
        let mut bad = good.clone();
        bad[field] = value;
        let (status, body) = w.a.call(Method::PUT, path, &w.admin, Some(bad)).await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some(field)),
            "{body}"
        );
    }
    let team_path = format!("/api/v1/teams/{}/reply-policy", w.team);
    let (status, body) = w.a.call(Method::GET, &team_path, &w.owner, None).await;
    assert_eq!(
        (status, &body["own"], &body["policy"]["hours"]),
        (200, &json!(true), &json!(2))
    );
    let (status, _) =
        w.a.call(Method::PUT, &team_path, &w.owner, Some(good.clone()))
            .await;
    assert_eq!(
        status, 403,
        "a plain member does not change the team's policy"
    );
    let (status, _) = w.a.call(Method::GET, &team_path, &w.stranger, None).await;
    assert_eq!(status, 404, "another team's policy does not show");
    let (status, body) =
        w.a.call(Method::PUT, &team_path, &w.admin, Some(good.clone()))
            .await;
    assert_eq!((status, &body["policy"]["hours"]), (200, &json!(16)));
}
