//! Password hashing with argon2 (default parameters), off the async runtime because it is slow on purpose.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::distributions::{Alphanumeric, DistString};

use crate::error::Error;

pub const MIN_LENGTH: usize = 8;

pub fn check_strength(password: &str) -> Result<(), Error> {
    if password.chars().count() < MIN_LENGTH {
        return Err(Error::validation(
            "password",
            format!("must be at least {MIN_LENGTH} characters"),
        ));
    }
    Ok(())
}

pub async fn hash(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(Error::internal)
    })
    .await
    .map_err(Error::internal)?
}

/// Spends the time of one verification, for logins to unknown accounts, so that timing does not tell.
pub async fn waste_time(password: String) {
    let _ = hash(password).await;
}

pub async fn verify(password: String, hash: String) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(Error::internal)?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(Error::internal)?
}

/// A random password for a newly created first admin.
pub fn generate() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 20)
}
