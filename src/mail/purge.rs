//! Deleting messages fully (rows, parsed text, attachments, participants, links, empty threads, search documents
//! and the raw bytes no other message shares), for erasure and, next, retention; and the tombstones of erased mail
//! that ingest checks so a later sync or a full resync does not store it again.

use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use super::parse::Parsed;
use super::store_purge as store;
use crate::error::Error;

/// Deletes these messages and everything stored of them; ids that do not exist are skipped. Returns how many
/// messages were deleted. Runs in the caller's transaction.
pub async fn purge_messages(conn: &mut AnyConnection, ids: &[i64]) -> Result<u64, Error> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let keys = store::keys_of(&mut *conn, &ids).await?;
    let deleted = store::delete_messages(&mut *conn, &ids).await?;
    let hashes: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
    store::delete_unreferenced_raws(&mut *conn, &hashes).await?;
    let mut threads: Vec<i64> = keys.iter().filter_map(|k| k.1).collect();
    threads.sort_unstable();
    threads.dedup();
    store::delete_empty_threads(&mut *conn, &threads).await?;
    Ok(deleted)
}

/// Remembers these messages as erased (by content hash and by Message-ID), so ingest skips them from now on.
/// Call before `purge_messages`, in the same transaction.
pub async fn tombstone_messages(
    conn: &mut AnyConnection,
    ids: &[i64],
    request_id: Option<i64>,
) -> Result<(), Error> {
    let keys: Vec<String> = store::keys_of(&mut *conn, ids)
        .await?
        .iter()
        .flat_map(|(hash, _, mid)| tombstone_keys(hash, mid.as_deref()))
        .collect();
    store::insert_tombstones(conn, &keys, request_id).await
}

/// The content hash catches the same bytes fetched again; the Message-ID hash catches another copy of the same
/// mail (a headers-only fetch of a large message, the copy in another folder). Only hashes are kept: the
/// Message-ID may name the person.
fn tombstone_keys(hash: &str, message_id: Option<&str>) -> Vec<String> {
    let mut keys = vec![format!("hash:{hash}")];
    if let Some(mid) = message_id.map(str::trim).filter(|m| !m.is_empty()) {
        keys.push(format!("mid:{}", hex_sha256(mid.as_bytes())));
    }
    keys
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// For each parsed message, whether an erasure deleted it (ingest skips those).
pub async fn erased(conn: &mut AnyConnection, parsed: &[&Parsed]) -> Result<Vec<bool>, Error> {
    let per_message: Vec<Vec<String>> = parsed
        .iter()
        .map(|p| tombstone_keys(&p.hash, p.message_id.as_deref()))
        .collect();
    let all: Vec<String> = per_message.iter().flatten().cloned().collect();
    if all.is_empty() {
        return Ok(Vec::new());
    }
    let found: std::collections::HashSet<String> =
        store::tombstoned(conn, &all).await?.into_iter().collect();
    Ok(per_message
        .iter()
        .map(|keys| keys.iter().any(|k| found.contains(k)))
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tombstone_keys_hash_the_message_id_and_never_keep_it_in_clear() {
        let keys = super::tombstone_keys("abc", Some("x.ivan@client.example"));
        assert_eq!(keys[0], "hash:abc");
        assert!(keys[1].starts_with("mid:") && !keys[1].contains("ivan"));
        assert_eq!(super::tombstone_keys("abc", Some("  ")).len(), 1);
    }
}
