//! Validation before sending: every recipient's letter is rendered once, on every core and off the async runtime,
//! and the recipients that cannot be mailed (a missing field, an invalid address) are listed.

use std::sync::Arc;

use serde_json::{json, Value};

use super::render::Compiled;
use super::segment;
use super::store::audience::Member;
use crate::error::Error;

/// The recipients that cannot be mailed, in order, each as `{contact_id, address, error}`.
pub async fn problems(compiled: Compiled, members: Arc<Vec<Member>>) -> Result<Vec<Value>, Error> {
    let compiled = Arc::new(compiled);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let per_thread = members.len().div_ceil(threads).max(1);
    let mut handles = Vec::new();
    for start in (0..members.len()).step_by(per_thread) {
        let (compiled, members) = (compiled.clone(), members.clone());
        handles.push(tokio::task::spawn_blocking(move || {
            let end = (start + per_thread).min(members.len());
            members[start..end]
                .iter()
                .filter_map(|m| problem(&compiled, m))
                .collect::<Vec<_>>()
        }));
    }
    let mut out = Vec::new();
    for handle in handles {
        out.extend(handle.await.map_err(Error::internal)?);
    }
    Ok(out)
}

fn problem(compiled: &Compiled, m: &Member) -> Option<Value> {
    // The link's token does not change what renders; any URL will do.
    let context = segment::context(m, &m.email, "https://unsubscribe.invalid/u/check");
    let error = match compiled.check(&context) {
        Err(e) => e,
        Ok(()) => m
            .email
            .parse::<lettre::Address>()
            .err()
            .map(|e| format!("invalid address: {e}"))?,
    };
    Some(json!({"contact_id": m.contact_id, "address": m.email, "error": error}))
}
