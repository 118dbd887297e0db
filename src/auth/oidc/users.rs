//! The users behind external identities: found by e-mail, or created just in time with an unusable password (a
//! random one nobody knows: they sign in through their provider, or an admin sets a password).

use sqlx::AnyPool;

use crate::auth::model::{Role, User};
use crate::auth::{password, store};
use crate::error::Error;

pub async fn by_email(pool: &AnyPool, email: &str) -> Result<Option<User>, Error> {
    store::by_email(pool, &email.trim().to_lowercase()).await
}

pub async fn create(pool: &AnyPool, email: &str, name: &str, role: Role) -> Result<User, Error> {
    let name: String = crate::text::single_line(name).chars().take(200).collect();
    let password_hash = password::hash(password::generate()).await?;
    let email = email.trim().to_lowercase();
    let insert = store::Insert {
        email: &email,
        name: if name.is_empty() { &email } else { &name },
        role,
        password_hash: &password_hash,
    };
    // A parallel sign-in of the same person may have created them a moment ago: that user is the one.
    if let Some(id) = store::insert(pool, insert).await? {
        tracing::info!(user_id = id, role = %role, "user created at first sign-in");
    }
    by_email(pool, &email)
        .await?
        .ok_or_else(|| Error::internal("a user just created is missing"))
}
