//! Helpers of the search tests: a search call, waiting for the indexer, and what a page of hits shows.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::TestApp;

pub fn encode(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

pub async fn search(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    app.get(&format!("/api/v1/search?{query}"), token).await
}

/// `GET /api/v1/search?q=…&kind=…` once the indexer has caught up so that `done` holds (15 s at most).
pub async fn search_until(
    app: &TestApp,
    token: &str,
    q: &str,
    kind: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, page) = search(app, token, &format!("q={}&kind={kind}", encode(q))).await;
        assert_eq!(status, 200, "{page}");
        if done(&page) {
            return page;
        }
        assert!(
            Instant::now() < deadline,
            "search for {q:?} never came to the expected answer: {page}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The hits' titles, in order.
pub fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"]["text"].as_str().unwrap().to_string())
        .collect()
}

/// The words a snippet marks (its highlight ranges applied to its plain text).
pub fn marked(snippet: &Value) -> Vec<String> {
    let chars: Vec<char> = snippet["text"].as_str().unwrap().chars().collect();
    snippet["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let (a, b) = (
                r[0].as_u64().unwrap() as usize,
                r[1].as_u64().unwrap() as usize,
            );
            chars[a..b].iter().collect()
        })
        .collect()
}

/// A connection to the test app's database, for what no route does yet (deleting a message: the folders work).
pub async fn database(app: &TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = app
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", app.data_dir.join("mailroom.db").display()));
    sqlx::AnyPool::connect(&url).await.unwrap()
}
