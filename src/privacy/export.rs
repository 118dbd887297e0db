//! The export of everything held about a person: a zip built in an unlinked temp file (a person with 10 000
//! mails never sits in memory; one message at a time goes through a small channel to the blocking zip writer).

use std::io::Write;

use serde_json::{json, Value};
use sqlx::AnyConnection;
use tokio::sync::mpsc;

use super::model::Subject;
use super::person::{self, Person};
use super::store;
use crate::auth::Caller;
use crate::crm::contacts::model::Contact;
use crate::crm::leads::model::Lead;
use crate::crm::skeleton;
use crate::db::Db;
use crate::error::Error;

/// One file of the zip.
type Entry = (String, Vec<u8>);

/// Builds the export and answers the zip file, positioned at its start; audited as a privacy request.
pub async fn export(db: &Db, caller: &Caller, subject: Subject) -> Result<std::fs::File, Error> {
    let (emails, ids) = person::parse(&subject)?;
    let mut conn = db.pool.acquire().await?;
    let person = person::find(&mut conn, &emails, &ids).await?;
    let request_id = super::record_request(db, caller, "export", None, (&emails, &ids), |_| {
        json!({ "contacts": person.contacts.len(), "leads": person.leads.len(), "messages": person.messages.len() })
    })
    .await?;
    let (tx, rx) = mpsc::channel::<Entry>(4);
    let writer = tokio::task::spawn_blocking(move || write_zip(rx));
    let asked = json!({ "emails": emails, "contact_ids": ids });
    let filled = fill(&mut conn, caller, request_id, asked, &person, &tx).await;
    drop(tx);
    let file = writer.await.map_err(Error::internal)??;
    filled?;
    Ok(file)
}

async fn send(tx: &mpsc::Sender<Entry>, name: String, bytes: Vec<u8>) -> Result<(), Error> {
    tx.send((name, bytes))
        .await
        .map_err(|_| Error::Internal("the export's zip writer stopped".into()))
}

fn pretty(v: &Value) -> Result<Vec<u8>, Error> {
    serde_json::to_vec_pretty(v).map_err(Error::internal)
}

async fn fill(
    conn: &mut AnyConnection,
    caller: &Caller,
    request_id: i64,
    asked: Value,
    p: &Person,
    tx: &mpsc::Sender<Entry>,
) -> Result<(), Error> {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(Error::internal)?;
    let head = json!({
        "request_id": request_id, "asked": asked, "at": now,
        "by": { "id": caller.id, "email": caller.email },
        "addresses": p.addresses, "contacts": p.contacts, "leads": p.leads, "messages": p.messages.len(),
    });
    send(tx, "person.json".into(), pretty(&head)?).await?;
    for &id in &p.contacts {
        let record: Contact = skeleton::load(&mut *conn, id).await?;
        let file = record_file(
            conn,
            "contact",
            id,
            serde_json::to_value(record).map_err(Error::internal)?,
        )
        .await?;
        send(tx, format!("records/contact-{id}.json"), pretty(&file)?).await?;
    }
    for &id in &p.leads {
        let record: Lead = skeleton::load(&mut *conn, id).await?;
        let file = record_file(
            conn,
            "lead",
            id,
            serde_json::to_value(record).map_err(Error::internal)?,
        )
        .await?;
        send(tx, format!("records/lead-{id}.json"), pretty(&file)?).await?;
    }
    let consent = store::consent(&mut *conn, &p.contacts, &p.leads).await?;
    send(tx, "consent.json".into(), pretty(&Value::Array(consent))?).await?;
    let audit = audit_of(conn, p).await?;
    let audit = serde_json::to_value(audit).map_err(Error::internal)?;
    send(tx, "audit.json".into(), pretty(&audit)?).await?;
    for &id in &p.messages {
        if let Some(raw) = store::raw_of(&mut *conn, id).await? {
            send(tx, format!("mail/{id}.eml"), raw).await?;
        }
    }
    Ok(())
}

/// A record with its notes and tasks.
async fn record_file(
    conn: &mut AnyConnection,
    kind: &str,
    id: i64,
    record: Value,
) -> Result<Value, Error> {
    Ok(json!({
        "kind": kind, "record": record,
        "notes": store::notes(&mut *conn, kind, id).await?,
        "tasks": store::tasks(&mut *conn, kind, id).await?,
    }))
}

/// Audit entries about their records or holding their values.
pub async fn audit_of(
    conn: &mut AnyConnection,
    p: &Person,
) -> Result<Vec<crate::audit::SubjectEntry>, Error> {
    let ids = audit_ids(conn, p).await?;
    crate::audit::entries_by_ids(conn, &ids).await
}

pub async fn audit_ids(conn: &mut AnyConnection, p: &Person) -> Result<Vec<i64>, Error> {
    let records = [("contact", p.contacts.clone()), ("lead", p.leads.clone())];
    let mut values = p.addresses.clone();
    values.extend(p.words.iter().cloned());
    let mut ids = crate::audit::ids_about(conn, &records, &values).await?;
    // The requests' own entries name no one; an export must not list them as the person's.
    let own = crate::audit::entries_by_ids(conn, &ids).await?;
    ids.retain(|id| !own.iter().any(|e| e.id == *id && e.kind == "privacy"));
    Ok(ids)
}

/// The blocking side: every entry into a zip in a temp file that is unlinked at once (it goes when closed).
fn write_zip(mut rx: mpsc::Receiver<Entry>) -> Result<std::fs::File, Error> {
    use std::io::Seek;
    let path = std::env::temp_dir().join(format!(
        "mailroom-privacy-{}-{:016x}.zip",
        std::process::id(),
        rand::random::<u64>()
    ));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(Error::internal)?;
    let _ = std::fs::remove_file(&path);
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    while let Some((name, bytes)) = rx.blocking_recv() {
        zip.start_file(name, options).map_err(Error::internal)?;
        zip.write_all(&bytes).map_err(Error::internal)?;
    }
    let mut file = zip.finish().map_err(Error::internal)?;
    file.rewind().map_err(Error::internal)?;
    Ok(file)
}
