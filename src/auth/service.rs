//! What the auth routes and the CLI do: sign in (with throttling), manage users, create the first admin.

use sqlx::AnyPool;

use super::model::{LoginResponse, NewUser, PasswordChange, Role, User, UserPatch, UserView};
use super::token::TokenKeys;
use super::{password, store};
use crate::db::now_ms;
use crate::email_address::EmailAddress;
use crate::error::{AuthFailure, Error};

/// Limits on failed logins within a sliding window.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    pub max_per_account: i64,
    /// A shared office address gets more room than a single account.
    pub max_per_addr: i64,
    pub window_ms: i64,
}

pub async fn login(
    pool: &AnyPool,
    keys: &TokenKeys,
    throttle: LoginThrottle,
    email: &str,
    password_text: String,
    client_addr: &str,
) -> Result<LoginResponse, Error> {
    let email = email.trim().to_lowercase();
    let user = store::by_email(pool, &email).await?;
    let known_addr = match &user {
        Some(u) => store::is_known_addr(pool, u.id, client_addr).await?,
        None => false,
    };
    let attempt = admit(pool, throttle, &email, client_addr, known_addr).await?;
    let verified = match &user {
        Some(u) => password::verify(password_text, u.password_hash.clone()).await?,
        None => {
            password::waste_time(password_text).await;
            false
        }
    };
    let user = match user {
        Some(u) if verified => u,
        _ => {
            // The attempt's row stays: it is the failure.
            tracing::info!(%email, %client_addr, "login failed");
            return Err(Error::Unauthorized(AuthFailure::BadCredentials));
        }
    };
    if !user.active {
        store::forget_attempt(pool, attempt).await?;
        return Err(Error::Unauthorized(AuthFailure::Inactive));
    }
    store::clear_login_failures(pool, &email, client_addr, now_ms() - throttle.window_ms).await?;
    store::remember_addr(pool, user.id, client_addr).await?;
    let (token, expires_at) = keys.issue(user.id, user.token_version)?;
    tracing::info!(user_id = user.id, "login");
    Ok(LoginResponse {
        token,
        token_type: "Bearer",
        expires_at,
        user: user.into(),
    })
}

/// Lets a password check happen, recording it as a failure until the caller learns otherwise, or refuses it with
/// 429. The count and the record are one step (`store::admit_attempt`), so parallel attempts cannot all pass a
/// count taken before any of them is recorded. From an address the account signed in from before (`known_addr`)
/// only the per-address limit applies, so that an attack on the account does not lock its owner out.
async fn admit(
    pool: &AnyPool,
    throttle: LoginThrottle,
    email: &str,
    client_addr: &str,
    known_addr: bool,
) -> Result<i64, Error> {
    let now = now_ms();
    let account_locked =
        |recent: &store::RecentFailures| !known_addr && recent.by_email >= throttle.max_per_account;
    let addr_locked = |recent: &store::RecentFailures| recent.by_addr >= throttle.max_per_addr;
    let (recent, attempt) = store::admit_attempt(
        pool,
        email,
        client_addr,
        now - throttle.window_ms,
        |recent| !account_locked(recent) && !addr_locked(recent),
    )
    .await?;
    if let Some(attempt) = attempt {
        return Ok(attempt);
    }
    let oldest = if account_locked(&recent) {
        recent.by_email_oldest
    } else {
        recent.by_addr_oldest
    };
    // The clock is read again: the attempt may have waited for others, whose rows are younger than `now`.
    let now = now_ms();
    let retry_after_ms = (oldest.unwrap_or(now) + throttle.window_ms - now)
        .clamp(1000, throttle.window_ms.max(1000));
    Err(Error::TooManyAttempts {
        retry_after_secs: (retry_after_ms as u64).div_ceil(1000),
    })
}

fn check_name(name: &str) -> Result<String, Error> {
    let name = crate::text::single_line(name);
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::validation("name", "must be 1 to 200 characters"));
    }
    Ok(name)
}

/// The fields of a user the audit log shows (never the password or its hash: only that it was set).
fn audit_view(user: &UserView, password: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "email": user.email, "name": user.name, "phone": user.phone, "role": user.role, "active": user.active,
        "password": password,
    })
}

async fn audit_user(
    pool: &AnyPool,
    acting: Option<i64>,
    action: &str,
    before: serde_json::Value,
    after: &UserView,
    password: Option<&str>,
) -> Result<(), Error> {
    let mut conn = pool.acquire().await?;
    let record = ("user", after.id);
    let after = audit_view(after, password);
    crate::audit::change_event(&mut conn, acting, action, record, &before, &after).await
}

/// `acting`: the admin creating it, None from the shell.
pub async fn create_user(
    pool: &AnyPool,
    acting: Option<i64>,
    new: NewUser,
) -> Result<UserView, Error> {
    let name = check_name(&new.name)?;
    password::check_strength(&new.password)?;
    let password_hash = password::hash(new.password).await?;
    let insert = store::Insert {
        email: new.email.as_str(),
        name: &name,
        role: new.role,
        password_hash: &password_hash,
    };
    let id = store::insert(pool, insert)
        .await?
        .ok_or_else(|| Error::Conflict {
            message: format!("a user with e-mail {} already exists", new.email),
        })?;
    tracing::info!(user_id = id, role = %new.role, "user created");
    let user = get_user(pool, id).await?;
    audit_user(
        pool,
        acting,
        "create",
        serde_json::Value::Null,
        &user,
        Some("set"),
    )
    .await?;
    Ok(user)
}

pub async fn get_user(pool: &AnyPool, id: i64) -> Result<UserView, Error> {
    store::by_id(pool, id)
        .await?
        .map(UserView::from)
        .ok_or(Error::NotFound("user"))
}

pub async fn list_users(
    pool: &AnyPool,
    after: i64,
    limit: i64,
) -> Result<(Vec<UserView>, Option<i64>), Error> {
    let users = store::list(pool, after, limit).await?;
    let next = (users.len() as i64 == limit)
        .then(|| users.last().map(|u| u.id))
        .flatten();
    Ok((users.into_iter().map(UserView::from).collect(), next))
}

/// Applies an admin's changes. Deactivation or a new password ends the user's sessions.
pub async fn update_user(
    pool: &AnyPool,
    acting: i64,
    id: i64,
    patch: UserPatch,
) -> Result<UserView, Error> {
    let mut user = store::by_id(pool, id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let before = audit_view(&UserView::from(user.clone()), None);
    let new_password = patch.password.is_some();
    let mut end_sessions = false;
    if let Some(email) = patch.email {
        user.email = email.to_string();
    }
    if let Some(name) = patch.name {
        user.name = check_name(&name)?;
    }
    if let Some(phone) = patch.phone {
        let phone = phone.trim().to_string();
        user.phone = (!phone.is_empty()).then_some(phone);
    }
    if let Some(role) = patch.role {
        // The role is read from the database on every request, so a change applies at once.
        user.role = role;
    }
    if let Some(active) = patch.active {
        end_sessions |= !active;
        user.active = active;
    }
    if let Some(new_password) = patch.password {
        password::check_strength(&new_password)?;
        user.password_hash = password::hash(new_password).await?;
        // A password an admin chose is for one sign-in: the user picks their own (an admin's own is theirs).
        user.must_change_password = id != acting;
        end_sessions = true;
    }
    if id == acting && (!user.active || user.role != Role::Admin) {
        return Err(Error::validation(
            "active",
            "an admin cannot deactivate or demote themselves",
        ));
    }
    store::update(pool, &user, end_sessions).await.map_err(|e| match e {
        Error::Database(ref db) if matches!(db, sqlx::Error::Database(d) if d.is_unique_violation()) => {
            Error::Conflict { message: format!("a user with e-mail {} already exists", user.email) }
        }
        other => other,
    })?;
    tracing::info!(user_id = id, by = acting, end_sessions, "user updated");
    let after = get_user(pool, id).await?;
    let password = new_password.then_some("reset");
    // The shell acts as nobody (0).
    let actor = (acting != 0).then_some(acting);
    audit_user(pool, actor, "update", before, &after, password).await?;
    Ok(after)
}

/// A wrong current password counts as a failed login of the account (a stolen token must not become a way to
/// guess the password), under the same limits; the known-address exemption does not apply here.
pub async fn change_own_password(
    pool: &AnyPool,
    throttle: LoginThrottle,
    id: i64,
    client_addr: &str,
    change: PasswordChange,
) -> Result<(), Error> {
    let mut user = store::by_id(pool, id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    admit(pool, throttle, &user.email, client_addr, false).await?;
    if !password::verify(change.current_password, user.password_hash.clone()).await? {
        tracing::info!(user_id = id, %client_addr, "password change with a wrong current password");
        return Err(Error::validation("current_password", "is wrong"));
    }
    // The right password is no failure: like a login, it forgets this address's failures, the attempt's included.
    store::clear_login_failures(
        pool,
        &user.email,
        client_addr,
        now_ms() - throttle.window_ms,
    )
    .await?;
    password::check_strength(&change.new_password)?;
    user.password_hash = password::hash(change.new_password).await?;
    user.must_change_password = false;
    store::update(pool, &user, true).await
}

/// What `ensure_first_admin` did, so the caller can tell the operator once.
pub enum FirstAdmin {
    AlreadyThere,
    Created {
        email: String,
        generated_password: Option<String>,
    },
}

/// Creates the first admin when there is no active admin. The password is taken from the configuration or
/// generated; a generated one is returned so that it can be printed exactly once.
pub async fn ensure_first_admin(
    pool: &AnyPool,
    email: &str,
    configured: Option<String>,
) -> Result<FirstAdmin, Error> {
    if store::any_active_admin(pool).await? {
        return Ok(FirstAdmin::AlreadyThere);
    }
    let email = EmailAddress::parse(email).map_err(|m| Error::validation("admin_email", m))?;
    let generated = configured.is_none().then(password::generate);
    let password_text = configured
        .or_else(|| generated.clone())
        .expect("one of the two is set");
    password::check_strength(&password_text)?;
    let new = NewUser {
        email: email.clone(),
        name: "Administrator".into(),
        role: Role::Admin,
        password: password_text,
    };
    match create_user(pool, None, new).await {
        Ok(admin) => {
            // The start-up password is known to whoever read the log or the configuration: it is for one sign-in.
            store::set_must_change_password(pool, admin.id, true).await?;
            Ok(FirstAdmin::Created {
                email: email.to_string(),
                generated_password: generated,
            })
        }
        // Another instance sharing the database won the race.
        Err(Error::Conflict { .. }) if store::any_active_admin(pool).await? => {
            Ok(FirstAdmin::AlreadyThere)
        }
        Err(e) => Err(e),
    }
}

/// Loads the user behind a verified token and checks it may still act.
pub async fn caller_user(pool: &AnyPool, user_id: i64, token_version: i64) -> Result<User, Error> {
    let user = store::by_id(pool, user_id)
        .await?
        .ok_or(Error::Unauthorized(AuthFailure::Invalid))?;
    if !user.active {
        return Err(Error::Unauthorized(AuthFailure::Inactive));
    }
    if user.token_version != token_version {
        return Err(Error::Unauthorized(AuthFailure::Invalid));
    }
    Ok(user)
}

pub async fn find_user_by_email(pool: &AnyPool, email: &str) -> Result<UserView, Error> {
    store::by_email(pool, &email.trim().to_lowercase())
        .await?
        .map(UserView::from)
        .ok_or(Error::NotFound("user"))
}
