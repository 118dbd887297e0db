//! Operations: backups and restores of the whole server (`mailroom backup`, `mailroom restore`).

pub mod backup;
pub mod restore;
