//! Storing a batch of fetched messages in the caller's transaction: each message once by content hash, every
//! location kept, threads chosen in order (a message may answer one earlier in the same batch).

use std::collections::{BTreeMap, HashMap};

use sqlx::AnyConnection;

use super::model::{Incoming, Location};
use super::{store, store_bulk, thread, Stored};
use crate::db::now_ms;
use crate::error::Error;

/// How long a subject-only match may reach back for a thread.
const SUBJECT_THREAD_WINDOW_MS: i64 = 90 * 24 * 3600 * 1000;

/// Threads as the batch sees them: keys known before and added now, and threads merged away. New threads get a
/// provisional (negative) id and are created together, in one statement, when a real id is first needed.
#[derive(Default)]
struct Threads {
    by_key: HashMap<String, i64>,
    merged_into: HashMap<i64, i64>,
    new_keys: Vec<(String, i64)>,
    last_at: BTreeMap<i64, i64>,
    /// New threads not created yet: (provisional id, subject, first time).
    pending: Vec<(i64, String, i64)>,
    real_of: HashMap<i64, i64>,
}

impl Threads {
    fn resolve(&self, mut id: i64) -> i64 {
        if let Some(&real) = self.real_of.get(&id) {
            id = real;
        }
        while let Some(&next) = self.merged_into.get(&id) {
            id = next;
        }
        id
    }

    fn provisional(&mut self, subject_norm: String, at: i64) -> i64 {
        let id = -(self.real_of.len() as i64 + self.pending.len() as i64 + 1);
        self.pending.push((id, subject_norm, at));
        id
    }

    /// Creates the pending threads, so every id so far resolves to a real one.
    async fn flush(&mut self, conn: &mut AnyConnection) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let rows: Vec<(String, i64)> = pending.iter().map(|(_, s, at)| (s.clone(), *at)).collect();
        let ids = store_bulk::insert_threads(conn, &rows).await?;
        for ((provisional, _, _), real) in pending.into_iter().zip(ids) {
            self.real_of.insert(provisional, real);
        }
        Ok(())
    }

    async fn choose(&mut self, conn: &mut AnyConnection, m: &Incoming<'_>) -> Result<i64, Error> {
        let p = m.parsed;
        let at = p.sent_at.unwrap_or_else(now_ms);
        let keys = thread::keys(p);
        let mut existing = self.existing(&keys);
        if existing.len() > 1 {
            // A merge writes to the database: every thread it names needs its real id.
            self.flush(conn).await?;
            existing = self.existing(&keys);
        }
        let thread_id = match existing.split_first() {
            Some((&first, rest)) => {
                if !rest.is_empty() {
                    store::merge_threads(conn, first, rest).await?;
                    for &r in rest {
                        self.merged_into.insert(r, first);
                    }
                }
                first
            }
            None => {
                let subject_norm = thread::normalize_subject(p.subject.as_deref().unwrap_or(""));
                let headerless = p.in_reply_to.is_none() && p.references.is_empty();
                let reply = p.subject.as_deref().is_some_and(thread::is_reply_subject);
                let by_subject = if headerless && reply && !subject_norm.is_empty() {
                    // Threads begun earlier in this batch count too.
                    self.flush(conn).await?;
                    store::thread_by_subject(conn, &subject_norm, at - SUBJECT_THREAD_WINDOW_MS)
                        .await?
                } else {
                    None
                };
                match by_subject {
                    Some(id) => id,
                    None => self.provisional(subject_norm, at),
                }
            }
        };
        for key in keys {
            if !self.by_key.contains_key(&key) {
                self.by_key.insert(key.clone(), thread_id);
                self.new_keys.push((key, thread_id));
            }
        }
        let last = self.last_at.entry(thread_id).or_insert(at);
        *last = (*last).max(at);
        Ok(thread_id)
    }

    fn existing(&self, keys: &[String]) -> Vec<i64> {
        let mut existing: Vec<i64> = keys
            .iter()
            .filter_map(|k| self.by_key.get(k))
            .map(|&t| self.resolve(t))
            .collect();
        existing.sort_unstable();
        existing.dedup();
        existing
    }

    async fn save(self, conn: &mut AnyConnection) -> Result<(), Error> {
        let mut keys: Vec<(String, i64)> = self
            .new_keys
            .iter()
            .map(|(k, t)| (k.clone(), self.resolve(*t)))
            .collect();
        keys.sort_unstable();
        store_bulk::add_thread_keys(conn, &keys).await?;
        let mut last: BTreeMap<i64, i64> = BTreeMap::new();
        for (&t, &at) in &self.last_at {
            let e = last.entry(self.resolve(t)).or_insert(at);
            *e = (*e).max(at);
        }
        store_bulk::touch_threads(conn, &last.into_iter().collect::<Vec<_>>()).await
    }
}

/// Stores the batch: new bytes become messages, known bytes only gain the location. One result per item, in order.
pub async fn store_batch(
    conn: &mut AnyConnection,
    items: &[Incoming<'_>],
) -> Result<Vec<Stored>, Error> {
    let hashes: Vec<String> = items.iter().map(|m| m.parsed.hash.clone()).collect();
    let mut known = store_bulk::ids_by_hashes(conn, &hashes).await?;
    // The first item of each unknown hash is new; a repeat inside the batch is a second location of it.
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    let fresh: Vec<usize> = (0..items.len())
        .filter(|&i| {
            let hash = items[i].parsed.hash.as_str();
            !known.contains_key(hash) && first_of.insert(hash, i).is_none()
        })
        .collect();
    let mut inserted = HashMap::new();
    if !fresh.is_empty() {
        let mut raws: Vec<(&str, &[u8])> = fresh
            .iter()
            .map(|&i| (items[i].parsed.hash.as_str(), items[i].raw))
            .collect();
        // Unique keys are taken in one global order, so two instances ingesting the same mail on PostgreSQL wait
        // for each other instead of deadlocking.
        raws.sort_unstable_by_key(|r| r.0);
        store_bulk::insert_raws(conn, &raws).await?;
        let all_keys: Vec<String> = fresh
            .iter()
            .flat_map(|&i| thread::keys(items[i].parsed))
            .collect();
        let mut threads = Threads {
            by_key: store_bulk::threads_of_keys(conn, &all_keys).await?,
            ..Default::default()
        };
        let mut chosen = Vec::with_capacity(fresh.len());
        for &i in &fresh {
            chosen.push(threads.choose(conn, &items[i]).await?);
        }
        threads.flush(conn).await?;
        let rows: Vec<(&Incoming, i64)> = fresh
            .iter()
            .zip(&chosen)
            .map(|(&i, &t)| (&items[i], threads.resolve(t)))
            .collect();
        threads.save(conn).await?;
        inserted = store_bulk::insert_messages(conn, &rows).await?;
        let parts: Vec<(i64, &Incoming)> = fresh
            .iter()
            .filter_map(|&i| {
                let id = *inserted.get(&items[i].parsed.hash)?;
                Some((id, &items[i]))
            })
            .collect();
        store_bulk::insert_parts(conn, &parts).await?;
        // Hashes a concurrent ingest stored between our check and insert.
        let raced: Vec<String> = fresh
            .iter()
            .map(|&i| items[i].parsed.hash.clone())
            .filter(|h| !inserted.contains_key(h))
            .collect();
        if !raced.is_empty() {
            known.extend(store_bulk::ids_by_hashes(conn, &raced).await?);
        }
        known.extend(inserted.iter().map(|(h, id)| (h.clone(), *id)));
    }
    let mut out = Vec::with_capacity(items.len());
    let mut locations: Vec<(i64, Location)> = Vec::new();
    for (i, m) in items.iter().enumerate() {
        let hash = &m.parsed.hash;
        let message_id = *known.get(hash).ok_or(Error::NotFound("message"))?;
        let new = first_of.get(hash.as_str()) == Some(&i) && inserted.contains_key(hash);
        out.push(Stored { message_id, new });
        if let Some(loc) = m.location {
            locations.push((message_id, loc));
        }
    }
    store_bulk::add_locations(conn, &locations).await?;
    Ok(out)
}
