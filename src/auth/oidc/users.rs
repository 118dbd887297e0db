//! The users behind external identities: found by e-mail, or created just in time with an unusable password (a
//! random one nobody knows: they sign in through their provider, or an admin sets a password).

use serde_json::{json, Value};
use sqlx::AnyPool;

use crate::audit;
use crate::auth::model::{Role, User};
use crate::auth::{password, store};
use crate::error::Error;

pub async fn by_email(pool: &AnyPool, email: &str) -> Result<Option<User>, Error> {
    store::by_email(pool, &email.trim().to_lowercase()).await
}

/// `provider`: the identity provider's id and name, for the audit entry of the creation.
pub async fn create(
    pool: &AnyPool,
    email: &str,
    name: &str,
    role: Role,
    provider: (i64, &str),
) -> Result<User, Error> {
    let name: String = crate::text::single_line(name).chars().take(200).collect();
    let password_hash = password::hash(password::generate()).await?;
    let email = email.trim().to_lowercase();
    let shown = if name.is_empty() { &email } else { &name };
    let insert = store::Insert {
        email: &email,
        name: shown,
        role,
        password_hash: &password_hash,
    };
    // A parallel sign-in of the same person may have created them a moment ago: that user is the one.
    let mut tx = pool.begin().await?;
    if let Some(id) = store::insert(&mut *tx, insert).await? {
        let after = json!({ "email": email, "name": shown, "role": role.as_str(),
            "created_by": "just-in-time sign-in", "identity_provider_id": provider.0,
            "identity_provider": provider.1 });
        let changes = audit::diff(&Value::Null, &after);
        audit::write(&mut tx, None, "create", ("user", id), &changes).await?;
        tracing::info!(user_id = id, role = %role, "user created at first sign-in");
    }
    tx.commit().await?;
    by_email(pool, &email)
        .await?
        .ok_or_else(|| Error::internal("a user just created is missing"))
}
