//! Segments: saved contact filters, refused where they would tell the caller what their role may not see.

use sqlx::AnyPool;

use super::model::{Segment, SegmentCount, SegmentFilter, SegmentInput};
use super::store;
use crate::auth::Caller;
use crate::crm::access;
use crate::error::Error;

async fn check_segment(pool: &AnyPool, caller: &Caller, s: &SegmentInput) -> Result<(), Error> {
    if s.name.trim().is_empty() {
        return Err(Error::validation("name", "must not be empty"));
    }
    check_deal_filter(caller, &s.filter)?;
    super::segment::check(&s.filter)?;
    // Parsed now so that a bad key or value is refused when saved, not when the campaign starts.
    super::segment::conditions(pool, &s.filter)
        .await
        .map(|_| ())
}

/// Marketing never learns who has deals or leads: not through a segment's filter, its count, or a campaign on it.
fn check_deal_filter(caller: &Caller, f: &SegmentFilter) -> Result<(), Error> {
    access::require_segment_filter(caller, f.deal_state.is_some(), f.lead_status.is_some())
}

/// A campaign mails its segment: its creator and whoever starts it must be allowed to use the segment's filter.
pub async fn require_segment_use(
    pool: &AnyPool,
    caller: &Caller,
    segment_id: i64,
) -> Result<(), Error> {
    match store::segment(pool, segment_id).await? {
        Some(seg) => check_deal_filter(caller, &seg.filter),
        None => Ok(()),
    }
}

/// How many an unsaved filter reaches now (the segment builder's live count), under the same rules as a segment.
pub async fn count_filter(
    pool: &AnyPool,
    caller: &Caller,
    f: &SegmentFilter,
) -> Result<SegmentCount, Error> {
    check_deal_filter(caller, f)?;
    super::segment::check(f)?;
    super::segment::count(pool, f).await
}

/// How many a segment reaches now, for a caller whose role may use its filter.
pub async fn count_segment(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
) -> Result<SegmentCount, Error> {
    let seg = segment(pool, id).await?;
    check_deal_filter(caller, &seg.filter)?;
    super::segment::count(pool, &seg.filter).await
}

pub async fn segments(pool: &AnyPool) -> Result<Vec<Segment>, Error> {
    store::segments(pool).await
}

pub async fn segment(pool: &AnyPool, id: i64) -> Result<Segment, Error> {
    store::segment(pool, id)
        .await?
        .ok_or(Error::NotFound("segment"))
}

pub async fn create_segment(
    pool: &AnyPool,
    caller: &Caller,
    s: SegmentInput,
) -> Result<Segment, Error> {
    check_segment(pool, caller, &s).await?;
    let id = store::insert_segment(pool, s.name.trim(), &s.filter).await?;
    segment(pool, id).await
}

pub async fn update_segment(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    s: SegmentInput,
) -> Result<Segment, Error> {
    check_segment(pool, caller, &s).await?;
    if !store::update_segment(pool, id, s.name.trim(), &s.filter).await? {
        return Err(Error::NotFound("segment"));
    }
    segment(pool, id).await
}
