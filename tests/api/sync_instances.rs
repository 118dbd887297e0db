//! Scale-out of mailbox sync: real `mailroom serve` processes on one database split six Dovecot mailboxes by
//! leases (fair shares, never one mailbox on two instances); one killed with SIGKILL has its mailboxes taken over
//! by the others within the lease time, a fourth that joins takes a share, and every message APPENDed on the way
//! arrives exactly once.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};

use crate::campaigns_crash::{admin_token, call, Server};
use crate::dovecot::{message, Dovecot, PASSWORD};
use crate::helpers::fresh_database_url;

const MAILBOXES: usize = 6;
/// Short, so the test runs in seconds; instances renew and rebalance every quarter of it.
const LEASE_SECONDS: u64 = 3;

/// Who holds which mailboxes, by instance name, as `GET /api/v1/admin/instances` shows it.
async fn holdings(client: &Client, base: &str, token: &str) -> BTreeMap<String, Vec<i64>> {
    let (status, body) = call(
        client,
        base,
        token,
        "GET",
        "/api/v1/admin/instances",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let ids = i["mailbox_ids"].as_array().unwrap();
            let ids = ids.iter().map(|v| v.as_i64().unwrap()).collect();
            (i["name"].as_str().unwrap().to_string(), ids)
        })
        .collect()
}

/// Waits until `done` holds for the holdings; answers them and how long it took.
async fn wait_for(
    client: &Client,
    base: &str,
    token: &str,
    within: Duration,
    what: &str,
    done: impl Fn(&BTreeMap<String, Vec<i64>>) -> bool,
) -> (BTreeMap<String, Vec<i64>>, Duration) {
    let started = Instant::now();
    loop {
        let now = holdings(client, base, token).await;
        if done(&now) {
            return (now, started.elapsed());
        }
        assert!(
            started.elapsed() < within,
            "{what} not within {within:?}: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn held(h: &BTreeMap<String, Vec<i64>>) -> Vec<i64> {
    let mut all: Vec<i64> = h.values().flatten().copied().collect();
    all.sort_unstable();
    all
}

/// Every mailbox held once, by `instances` instances each holding between `low` and `high`.
fn split(h: &BTreeMap<String, Vec<i64>>, instances: usize, low: usize, high: usize) -> bool {
    h.len() == instances
        && held(h).len() == MAILBOXES
        && {
            let mut all = held(h);
            all.dedup();
            all.len() == MAILBOXES
        }
        && h.values().all(|ids| (low..=high).contains(&ids.len()))
}

fn instance_of(server: &Server) -> String {
    format!("{}-", server.child.as_ref().expect("running").id())
}

/// Every Message-ID the API lists, with how many messages carry it.
async fn message_ids(client: &Client, base: &str, token: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let mut after = 0;
    loop {
        let path = format!("/api/v1/messages?limit=200&after={after}");
        let (status, page) = call(client, base, token, "GET", &path, Value::Null).await;
        assert_eq!(status, 200, "{page}");
        for m in page["items"].as_array().unwrap() {
            let id = m["message_id"].as_str().unwrap_or_default().to_string();
            *counts.entry(id).or_default() += 1;
        }
        match page["next_after"].as_i64() {
            Some(next) => after = next,
            None => return counts,
        }
    }
}

/// APPENDs `per_folder` new messages to each mailbox's folder; answers their Message-IDs.
async fn append_round(dovecot: &Dovecot, round: usize, per_folder: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for f in 0..MAILBOXES {
        let batch: Vec<Vec<u8>> = (0..per_folder)
            .map(|k| {
                message(
                    round * 10_000 + f * 100 + k,
                    &format!("Раунд {round}, ящик {f}"),
                )
            })
            .collect();
        for raw in &batch {
            let text = String::from_utf8_lossy(raw);
            let id = text
                .split("Message-ID: <")
                .nth(1)
                .unwrap()
                .split('>')
                .next()
                .unwrap();
            ids.push(id.to_string());
        }
        dovecot.append_many(&format!("F{f}"), &batch).await;
    }
    ids
}

/// Waits until every id in `expected` is listed, then checks that each is listed exactly once.
async fn arrive_once(client: &Client, base: &str, token: &str, expected: &[String]) {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(45);
    loop {
        let counts = message_ids(client, base, token).await;
        let missing: Vec<&String> = expected
            .iter()
            .filter(|id| !counts.contains_key(*id))
            .collect();
        if missing.is_empty() {
            let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
            assert!(
                doubled.is_empty(),
                "messages listed more than once: {doubled:?}"
            );
            assert_eq!(counts.len(), expected.len(), "unexpected messages");
            return eprintln!(
                "{} messages, each once, {:?} after the APPENDs",
                expected.len(),
                started.elapsed()
            );
        }
        if Instant::now() > deadline {
            let (_, mailboxes) =
                call(client, base, token, "GET", "/api/v1/mailboxes", Value::Null).await;
            let states: Vec<String> = (mailboxes.as_array().unwrap().iter())
                .map(|m| {
                    format!(
                        "{} {} {} {}",
                        m["id"], m["lease_holder"], m["last_error"], m["folder_states"]
                    )
                })
                .collect();
            panic!(
                "{} of {} messages never arrived, e.g. {:?}; mailboxes: {states:#?}",
                missing.len(),
                expected.len(),
                &missing[..missing.len().min(3)]
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn instances_split_mailboxes_take_over_a_killed_ones_and_share_with_a_newcomer() {
    let dovecot = Dovecot::start();
    let mut imap = dovecot.session().await;
    for f in 0..MAILBOXES {
        imap.create(format!("F{f}")).await.unwrap();
    }
    imap.logout().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url().await;
    let lease = LEASE_SECONDS.to_string();
    let env = [
        ("MAILROOM_SYNC_LEASE_SECONDS", lease.as_str()),
        ("MAILROOM_IMAP_POLL_SECONDS", "1"),
        // The six mailboxes are one Dovecot user, which takes 10 connections per address: one each (the 1 s poll
        // brings the mail), not one per watched folder besides.
        ("MAILROOM_IMAP_CONNECTIONS", "1"),
        ("MAILROOM_SEND_WORKER", "false"),
    ];
    let server = || Server {
        dir: dir.path().to_path_buf(),
        port: crate::dovecot::free_port_for_tests(),
        database_url: database_url.clone(),
        smtp_url: "smtp://127.0.0.1:1".to_string(),
        child: None,
    };
    let mut servers: Vec<Server> = (0..3).map(|_| server()).collect();
    for s in &mut servers {
        s.start_with(&env);
    }
    let client = Client::new();
    let base = |s: &Server| format!("http://127.0.0.1:{}", s.port);
    let token = admin_token(&client, &base(&servers[0])).await;
    for f in 0..MAILBOXES {
        let mut body = dovecot.mailbox_json(dovecot.port, PASSWORD);
        body["name"] = json!(format!("Ящик {f}"));
        body["folders"] = json!([format!("F{f}")]);
        let (status, m) = call(
            &client,
            &base(&servers[0]),
            &token,
            "POST",
            "/api/v1/mailboxes",
            body,
        )
        .await;
        assert_eq!(status, 201, "{m}");
    }

    // Three instances: two mailboxes each, every mailbox on exactly one of them.
    let within = Duration::from_secs(6 * LEASE_SECONDS);
    let a = base(&servers[0]);
    let (split3, spread) = wait_for(&client, &a, &token, within, "a 2/2/2 split", |h| {
        split(h, 3, 2, 2)
    })
    .await;
    let (_, mailboxes) = call(&client, &a, &token, "GET", "/api/v1/mailboxes", Value::Null).await;
    for m in mailboxes.as_array().unwrap() {
        let holder = m["lease_holder"].as_str().unwrap_or_default();
        let id = m["id"].as_i64().unwrap();
        assert!(
            split3.get(holder).is_some_and(|ids| ids.contains(&id)),
            "{m} vs {split3:?}"
        );
    }
    eprintln!("3 instances split 6 mailboxes in {spread:?}: {split3:?}");
    let mut expected = append_round(&dovecot, 1, 5).await;
    arrive_once(&client, &a, &token, &expected).await;

    // SIGKILL the second: the other two hold all six within the lease time (plus a renewal round), and mail
    // APPENDed during and after the takeover arrives once.
    let victim = instance_of(&servers[1]);
    let victims_mailboxes = split3
        .iter()
        .find(|(n, _)| n.starts_with(&victim))
        .unwrap()
        .1
        .clone();
    servers[1].kill();
    let killed = Instant::now();
    expected.extend(append_round(&dovecot, 2, 5).await);
    let (after_kill, _) = wait_for(&client, &a, &token, within, "a takeover", |h| {
        split(h, 2, 3, 3) && !h.keys().any(|n| n.starts_with(&victim))
    })
    .await;
    let took = killed.elapsed();
    eprintln!("the survivors held all 6 {took:?} after the kill: {after_kill:?}");
    let limit =
        Duration::from_secs(LEASE_SECONDS) + Duration::from_millis(LEASE_SECONDS * 1000 / 2);
    assert!(
        took <= limit,
        "the takeover took {took:?} (lease {LEASE_SECONDS} s): {after_kill:?}"
    );
    assert!(victims_mailboxes
        .iter()
        .all(|id| held(&after_kill).contains(id)));
    expected.extend(append_round(&dovecot, 3, 5).await);
    arrive_once(&client, &a, &token, &expected).await;

    // A fourth instance joins: the others hand over, it takes a share (6 over 3 live instances: 2 each).
    let mut fourth = server();
    fourth.start_with(&env);
    let newcomer = instance_of(&fourth);
    let joined = Instant::now();
    let (split_again, _) = wait_for(
        &client,
        &a,
        &token,
        within,
        "a share for the newcomer",
        |h| {
            split(h, 3, 2, 2)
                && h.iter()
                    .any(|(n, ids)| n.starts_with(&newcomer) && !ids.is_empty())
        },
    )
    .await;
    eprintln!(
        "the newcomer had its share {:?} after it listened: {split_again:?}",
        joined.elapsed()
    );
    expected.extend(append_round(&dovecot, 4, 5).await);
    arrive_once(&client, &base(&fourth), &token, &expected).await;
    assert_eq!(
        holdings(&client, &a, &token).await,
        split_again,
        "the split stays put"
    );
    fourth.kill();
    for s in &mut servers {
        s.kill();
    }
}
