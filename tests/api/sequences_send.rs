//! The sending side of sequences against a real Dovecot and a real SMTP sink, two instances on one database, the
//! clock injected: a mailbox limit an admin sets holds across both instances (2 a minute: 2, 2, 1 over three
//! minutes, none twice), a sequence's own limit too, and each recipient's letter goes inside their own window.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::awaiting_support::World;
use crate::sequences_support::{enrol, enrolments, secs, sending_world, DAY, HOUR};

const MINUTE: Duration = Duration::from_secs(60);

/// A two-step sequence of the owner's with `extra` fields (sending options), around the clock in UTC unless
/// `window` says otherwise.
pub async fn sequence_with(w: &World, extra: Value, window: Option<Value>) -> i64 {
    let window = window.unwrap_or_else(
        || json!({"start": "00:00", "end": "24:00", "days": [1, 2, 3, 4, 5, 6, 7]}),
    );
    let mut body = json!({"name": "Предложение", "mailbox_id": w.mailbox, "time_zone": "UTC", "window": window,
    "steps": [
        {"subject": "Предложение для {{contact.name}}", "body": "Добрый день, {{contact.name}}!", "delay": {"days": 0}},
        {"body": "Напоминаю о предложении.", "delay": {"days": 2}, "as_reply": true}
    ]});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, s) =
        w.a.call(Method::POST, "/api/v1/sequences", &w.owner, Some(body))
            .await;
    assert_eq!(status, 201, "{s}");
    s["id"].as_i64().unwrap()
}

async fn contacts(w: &World, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            w.contact(&format!("Клиент {i}"), &[&format!("client{i}@firm{i}.ru")])
                .await,
        );
    }
    ids
}

/// Waits until the sink holds `n` letters, then a few passes more, and answers what it holds (exactly `n`).
async fn exactly(w: &World, n: usize) -> Vec<crate::smtp_sink::Received> {
    w.sink.wait_for(n, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let got = w.sink.received();
    assert_eq!(got.len(), n, "letters in the sink");
    got
}

#[tokio::test]
async fn a_mailbox_limit_of_two_a_minute_sends_five_letters_two_two_one_over_three_minutes_none_twice(
) {
    let w = sending_world().await;
    let path = format!("/api/v1/mailboxes/{}/sending-limits", w.mailbox);
    let (status, limits) = w.a.call(Method::GET, &path, &w.admin, None).await;
    assert_eq!(status, 200, "{limits}");
    // A loopback SMTP server is no known provider: no preset, no limit.
    assert_eq!(
        (&limits["preset"], &limits["effective"]["per_minute"]),
        (&Value::Null, &Value::Null),
        "{limits}"
    );
    let (status, body) =
        w.a.call(
            Method::PUT,
            &path,
            &w.owner,
            Some(json!({"custom": {"per_minute": 2}})),
        )
        .await;
    assert_eq!(status, 403, "only admins set limits: {body}");
    let (status, bad) =
        w.a.call(
            Method::PUT,
            &path,
            &w.admin,
            Some(json!({"custom": {"per_minute": 0}})),
        )
        .await;
    assert_eq!(
        (status, bad["error"]["field"].as_str()),
        (422, Some("custom.per_minute")),
        "{bad}"
    );
    let (status, limits) =
        w.a.call(
            Method::PUT,
            &path,
            &w.admin,
            Some(json!({"custom": {"per_minute": 2}})),
        )
        .await;
    assert_eq!(status, 200, "{limits}");
    assert_eq!(limits["effective"]["per_minute"], 2, "{limits}");

    let seq = sequence_with(&w, json!({}), None).await;
    let ids = contacts(&w, 5).await;
    enrol(&w, seq, &ids).await;
    // Both instances pass every 2 s; one budget in the database: two letters in the first minute, however many
    // passes run, then two, then the last one.
    exactly(&w, 2).await;
    w.advance(MINUTE);
    exactly(&w, 4).await;
    w.advance(MINUTE);
    let got = exactly(&w, 5).await;
    let recipients: HashSet<String> = got.iter().map(|m| m.rcpt_to.clone()).collect();
    assert_eq!(
        recipients.len(),
        5,
        "each contact got one letter: {recipients:?}"
    );
    let items = enrolments(&w, seq).await;
    for e in &items {
        let letters = e["letters"].as_array().unwrap();
        assert_eq!(letters.len(), 1, "{e}");
        assert_eq!(letters[0]["state"], "sent", "{e}");
    }
    let (_, limits) = w.b.call(Method::GET, &path, &w.admin, None).await;
    assert_eq!(limits["sent"]["last_day"], 5, "{limits}");
    assert!(
        limits["sent"]["last_minute"].as_i64().unwrap() <= 2,
        "{limits}"
    );

    // Back to the preset (none here): nothing waits any more.
    let (status, limits) =
        w.a.call(Method::PUT, &path, &w.admin, Some(json!({"custom": null})))
            .await;
    assert_eq!((status, &limits["custom"]), (200, &Value::Null), "{limits}");
    let audit = format!("/api/v1/mailboxes/{}/audit", w.mailbox);
    let (status, trail) = w.a.call(Method::GET, &audit, &w.admin, None).await;
    assert_eq!(status, 200, "{trail}");
    assert!(
        trail.to_string().contains("sending_limits"),
        "the change is in the mailbox's audit: {trail}"
    );
}

#[tokio::test]
async fn a_sequence_limit_per_hour_holds_its_letters_to_the_next_hour() {
    let w = sending_world().await;
    let seq = sequence_with(&w, json!({"limit_per_hour": 3}), None).await;
    let (status, s) =
        w.a.call(
            Method::GET,
            &format!("/api/v1/sequences/{seq}"),
            &w.owner,
            None,
        )
        .await;
    assert_eq!((status, &s["limit_per_hour"]), (200, &json!(3)), "{s}");
    let ids = contacts(&w, 4).await;
    enrol(&w, seq, &ids).await;
    exactly(&w, 3).await;
    let waiting: Vec<Value> = enrolments(&w, seq)
        .await
        .into_iter()
        .filter(|e| e["letters"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    // It stays due (active, step 1), an hour after the first letters, and never failed.
    assert_eq!(
        (&waiting[0]["state"], &waiting[0]["next_step"]),
        (&json!("active"), &json!(1))
    );
    w.advance(HOUR + MINUTE);
    exactly(&w, 4).await;
}

/// The next 09:00 in `zone` after `at` (UTC seconds).
fn next_nine(zone: &str, at: i64) -> i64 {
    let tz = jiff::tz::TimeZone::get(zone).unwrap();
    let local = jiff::Timestamp::from_second(at)
        .unwrap()
        .to_zoned(tz.clone());
    let mut day = local.date();
    loop {
        let nine = day
            .at(9, 0, 0, 0)
            .to_zoned(tz.clone())
            .unwrap()
            .timestamp()
            .as_second();
        if nine >= at {
            return nine;
        }
        day = day.tomorrow().unwrap();
    }
}

fn local_hour(zone: &str, at: i64) -> i8 {
    let tz = jiff::tz::TimeZone::get(zone).unwrap();
    jiff::Timestamp::from_second(at)
        .unwrap()
        .to_zoned(tz)
        .hour()
}

#[tokio::test]
async fn each_recipient_gets_the_letter_inside_their_own_window_moscow_now_new_york_at_its_morning()
{
    let w = sending_world().await;
    for kind in ["contact", "company"] {
        let field =
            json!({"kind": kind, "key": "time_zone", "label": "Часовой пояс", "type": "text"});
        let (status, body) =
            w.a.call(Method::POST, "/api/v1/custom-fields", &w.admin, Some(field))
                .await;
        assert_eq!(status, 201, "{body}");
    }
    // Moscow's contact holds the zone itself; New York's takes it from the company.
    let body = json!({"name": "Ирина", "emails": ["irina@moscow-firm.ru"], "custom": {"time_zone": "Europe/Moscow"}});
    let (status, moscow) =
        w.a.call(Method::POST, "/api/v1/contacts", &w.owner, Some(body))
            .await;
    assert_eq!(status, 201, "{moscow}");
    let body = json!({"name": "Hudson Trading", "domains": ["hudson-trading.com"],
        "custom": {"time_zone": "America/New_York"}});
    let (status, company) =
        w.a.call(Method::POST, "/api/v1/companies", &w.owner, Some(body))
            .await;
    assert_eq!(status, 201, "{company}");
    let body =
        json!({"name": "John", "emails": ["john@hudson-trading.com"], "company_id": company["id"]});
    let (status, john) =
        w.a.call(Method::POST, "/api/v1/contacts", &w.owner, Some(body))
            .await;
    assert_eq!(status, 201, "{john}");

    // 08:00 UTC: 11:00 in Moscow, 03:00 or 04:00 in New York.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let to_eight = (8 * 3600 - now.rem_euclid(86400)).rem_euclid(86400);
    w.advance(Duration::from_secs(u64::try_from(to_eight).unwrap()));
    let app_now = now + to_eight;
    let window = json!({"start": "09:00", "end": "18:00", "days": [1, 2, 3, 4, 5, 6, 7]});
    let options = json!({"recipient_time_zone_field": "time_zone"});
    let seq = sequence_with(&w, options, Some(window)).await;
    enrol(
        &w,
        seq,
        &[moscow["id"].as_i64().unwrap(), john["id"].as_i64().unwrap()],
    )
    .await;

    let got = exactly(&w, 1).await;
    assert!(
        got[0].rcpt_to.contains("irina@moscow-firm.ru"),
        "Moscow's morning first: {}",
        got[0].rcpt_to
    );
    let items = enrolments(&w, seq).await;
    let of = |address: &str| {
        items
            .iter()
            .find(|e| e["address"] == address)
            .unwrap()
            .clone()
    };
    let ny = of("john@hudson-trading.com");
    let nine_ny = next_nine("America/New_York", app_now);
    assert_eq!(secs(&ny["next_due_at"]), nine_ny, "New York's 09:00: {ny}");

    w.advance(Duration::from_secs(u64::try_from(nine_ny - app_now).unwrap()) + MINUTE);
    exactly(&w, 2).await;
    let items = enrolments(&w, seq).await;
    for (address, zone) in [
        ("irina@moscow-firm.ru", "Europe/Moscow"),
        ("john@hudson-trading.com", "America/New_York"),
    ] {
        let e = items.iter().find(|e| e["address"] == address).unwrap();
        let sent = secs(&e["letters"][0]["sent_at"]);
        assert!(
            (9..18).contains(&local_hour(zone, sent)),
            "{address} at {sent}: {e}"
        );
        // Step 2 (two days later) is due in the recipient's window too.
        let next = secs(&e["next_due_at"]);
        assert!(next - sent >= 2 * DAY.as_secs() as i64 - 3600, "{e}");
        assert!(
            (9..18).contains(&local_hour(zone, next)),
            "{address}'s step 2: {e}"
        );
    }
}
