//! An import survives a restart of the server: its state is in the database, and the next start goes on from the
//! row after the last one recorded, creating nothing twice.

use std::time::{Duration, Instant};

use mailroom::App;
use serde_json::Value;

use crate::helpers::{fresh_database_url, read, test_config};

struct Running {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(config: &mailroom::Config) -> Running {
    let app = App::build(config).await.expect("app starts");
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run(async move {
        let _ = stopped.await;
    }));
    Running { base, stop, task }
}

async fn login(client: &reqwest::Client, base: &str) -> String {
    crate::helpers::admin_past_first_run(client, base).await
}

async fn import_of(client: &reqwest::Client, base: &str, token: &str, id: i64) -> Value {
    read(
        client
            .get(format!("{base}/api/v1/imports/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
    .1
}

#[tokio::test]
async fn an_import_stopped_by_a_restart_goes_on_from_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path(), fresh_database_url().await);
    let client = reqwest::Client::new();
    let first = start(&config).await;
    let token = login(&client, &first.base).await;
    let mut csv = String::from("ФИО;E-mail\n");
    for i in 0..3000 {
        csv.push_str(&format!("Перезапуск {i};restart{i}@client{i}.ru\n"));
    }
    let url = format!(
        "{}/api/v1/imports?kind=contacts&filename=restart.csv",
        first.base
    );
    let (status, up) = read(
        client
            .post(url)
            .bearer_auth(&token)
            .body(csv)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{up}");
    let id = up["id"].as_i64().unwrap();
    let url = format!("{}/api/v1/imports/{id}/run", first.base);
    let (status, _) = read(client.post(url).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(status, 202);
    // Stop the server once some rows are in, but not all.
    let started = Instant::now();
    loop {
        let import = import_of(&client, &first.base, &token, id).await;
        let done = import["progress"]["done"].as_i64().unwrap();
        assert!(
            done < 3000,
            "the import finished before the restart; make the file longer: {import}"
        );
        if done >= 100 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{import}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = first.stop.send(());
    first.task.await.unwrap().unwrap();

    let second = start(&config).await;
    let token = login(&client, &second.base).await;
    let before = import_of(&client, &second.base, &token, id).await;
    assert!(
        before["progress"]["done"].as_i64().unwrap() < 3000,
        "{before}"
    );
    let started = Instant::now();
    let done = loop {
        let import = import_of(&client, &second.base, &token, id).await;
        if import["status"] == "done" {
            break import;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "not resumed: {import}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(done["progress"]["created"], 3000, "{done}");
    assert_eq!(done["progress"]["done"], 3000, "{done}");
    let _ = second.stop.send(());
    second.task.await.unwrap().unwrap();
}
