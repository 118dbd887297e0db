//! The lock file beside a SQLite database (`mailroom.db.lock`): every server process holds it shared while it runs
//! (several instances may share one file), a restore holds it exclusive, so a restore never replaces a database
//! under a live server, and a server does not start in the middle of a restore.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn open(db: &Path) -> Result<File, String> {
    let path = lock_path(db);
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Held by a running server: released when the file is dropped (or the process dies).
pub fn shared(db: &Path) -> Result<File, String> {
    let file = open(db)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(format!(
            "{} is being restored: start the server when the restore has finished",
            db.display()
        )),
        Err(TryLockError::Error(e)) => Err(format!("{}: {e}", lock_path(db).display())),
    }
}

/// Held by a restore.
pub fn exclusive(db: &Path) -> Result<File, String> {
    let file = open(db)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(format!(
            "a Mailroom server is using {}: stop it (every instance) before restoring",
            db.display()
        )),
        Err(TryLockError::Error(e)) => Err(format!("{}: {e}", lock_path(db).display())),
    }
}
