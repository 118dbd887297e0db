//! Operations: backups and restores of the whole server (`mailroom backup`, `mailroom restore`) and `/metrics`.

pub mod backup;
pub mod metrics;
pub mod restore;
mod store;
