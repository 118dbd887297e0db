//! The sort fields every record kind's list shares (its id, creation and change times), so that the per-kind
//! tables name only what is their own.

use super::listing::{KeyType, SortField};

pub const ID: SortField = SortField {
    name: "id",
    expr: "r.id",
    key: KeyType::Int,
};

pub const CREATED_AT: SortField = SortField {
    name: "created_at",
    expr: "r.created_at",
    key: KeyType::Int,
};

pub const UPDATED_AT: SortField = SortField {
    name: "updated_at",
    expr: "r.updated_at",
    key: KeyType::Int,
};
