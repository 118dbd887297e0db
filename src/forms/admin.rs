//! What admins do with forms: create (with a random public key and a service user), change (a new consent text
//! bumps its version), list, delete. Every change is in the admin audit (kind `form`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde_json::Value;
use sqlx::{AnyConnection, AnyPool};

use super::model::{Assignment, FormField, NewWebForm, WebForm, WebFormPatch};
use super::store::{self, FormRow};
use super::{check, AUDIT_KIND};
use crate::auth::model::{NewUser, UserPatch};
use crate::auth::{service, Caller, Role};
use crate::crm::reference::{self, RefList};
use crate::db::from_ms;
use crate::email_address::EmailAddress;
use crate::error::Error;

fn random_text(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// The checked columns of a form.
struct Settings {
    name: String,
    fields: Vec<FormField>,
    consent_text: String,
    assignment: Assignment,
    source_id: Option<i64>,
    redirect_url: Option<String>,
    allowed_origins: Vec<String>,
    enabled: bool,
}

async fn write_row(
    conn: &mut AnyConnection,
    id: Option<i64>,
    s: &Settings,
    consent_version: i64,
    key_and_user: Option<(&str, i64, i64)>,
) -> Result<i64, Error> {
    let fields = serde_json::to_string(&s.fields).map_err(Error::internal)?;
    let origins = serde_json::to_string(&s.allowed_origins).map_err(Error::internal)?;
    let (owner_id, team_id) = match s.assignment {
        Assignment::Owner { user_id } => (Some(user_id), None),
        Assignment::RoundRobin { team_id } => (None, Some(team_id)),
        Assignment::Pool => (None, None),
    };
    let w = store::Write {
        name: &s.name,
        fields: &fields,
        consent_text: &s.consent_text,
        consent_version,
        owner_id,
        team_id,
        source_id: s.source_id,
        redirect_url: s.redirect_url.as_deref(),
        allowed_origins: &origins,
        enabled: s.enabled,
    };
    match (id, key_and_user) {
        (Some(id), _) => {
            store::update(conn, id, &w).await?;
            Ok(id)
        }
        (None, Some((key, user, by))) => store::insert(conn, &w, key, user, by).await,
        (None, None) => Err(Error::internal("a new form needs its key and user")),
    }
}

/// The lead source «Веб-форма: <name>», created when missing.
async fn default_source(pool: &AnyPool, name: &str) -> Result<i64, Error> {
    let source: String = format!("Веб-форма: {name}").chars().take(100).collect();
    if let Some(id) = reference::entry_id_by_name(pool, RefList::LeadSources, &source).await? {
        return Ok(id);
    }
    Ok(reference::add_entry(pool, RefList::LeadSources, &source)
        .await?
        .id)
}

pub async fn create(
    pool: &AnyPool,
    admin: &Caller,
    base: &str,
    new: NewWebForm,
) -> Result<WebForm, Error> {
    let mut s = Settings {
        name: check::name(&new.name)?,
        fields: check::fields(pool, new.fields).await?,
        consent_text: check::consent_text(&new.consent_text)?,
        assignment: new.assignment,
        source_id: new.source_id,
        redirect_url: check::redirect_url(new.redirect_url.as_deref())?,
        allowed_origins: check::origins(&new.allowed_origins)?,
        enabled: true,
    };
    check::assignment(pool, &s.assignment).await?;
    s.source_id = match s.source_id {
        Some(id) => Some(check::source(pool, id).await?),
        None => Some(default_source(pool, &s.name).await?),
    };
    let key = random_text(24);
    // A service user nobody can sign in as (random password, never shown): the actor of the form's leads.
    let email = EmailAddress::parse(&format!(
        "form-{}@web-forms.invalid",
        random_text(9).to_lowercase()
    ))
    .map_err(Error::internal)?;
    let user = service::create_user(
        pool,
        Some(admin.id),
        NewUser {
            email,
            name: format!("Веб-форма: {}", s.name).chars().take(200).collect(),
            role: Role::Admin,
            password: random_text(32),
        },
    )
    .await?;
    let mut tx = crate::db::begin(pool).await?;
    let id = write_row(&mut tx, None, &s, 1, Some((&key, user.id, admin.id))).await?;
    let form = load(&mut tx, id, base).await?;
    audit(&mut tx, admin, "create", id, &Value::Null, &form).await?;
    tx.commit().await?;
    tracing::info!(form = id, by = admin.id, "web form created");
    Ok(form)
}

pub async fn update(
    pool: &AnyPool,
    admin: &Caller,
    id: i64,
    base: &str,
    patch: WebFormPatch,
) -> Result<WebForm, Error> {
    let before = get(pool, id, base).await?;
    let fields = match patch.fields {
        Some(f) => check::fields(pool, f).await?,
        None => before.fields.clone(),
    };
    let consent_text = match &patch.consent_text {
        Some(t) => check::consent_text(t)?,
        None => before.consent_text.clone(),
    };
    let s = Settings {
        name: match &patch.name {
            Some(n) => check::name(n)?,
            None => before.name.clone(),
        },
        fields,
        assignment: patch
            .assignment
            .unwrap_or_else(|| before.assignment.clone()),
        source_id: match patch.source_id {
            Some(Some(sid)) => Some(check::source(pool, sid).await?),
            Some(None) => None,
            None => before.source_id,
        },
        redirect_url: match &patch.redirect_url {
            Some(u) => check::redirect_url(u.as_deref())?,
            None => before.redirect_url.clone(),
        },
        allowed_origins: match &patch.allowed_origins {
            Some(o) => check::origins(o)?,
            None => before.allowed_origins.clone(),
        },
        enabled: patch.enabled.unwrap_or(before.enabled),
        consent_text,
    };
    if s.assignment != before.assignment {
        check::assignment(pool, &s.assignment).await?;
    }
    // Earlier consents keep the words they were given under: a new text is a new version.
    let version = before.consent_version + i64::from(s.consent_text != before.consent_text);
    let mut tx = crate::db::begin(pool).await?;
    write_row(&mut tx, Some(id), &s, version, None).await?;
    let after = load(&mut tx, id, base).await?;
    audit(&mut tx, admin, "update", id, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes the form and its submission log; the leads and their consents stay, its service user is deactivated
/// (it stays the actor of what the form did).
pub async fn delete(pool: &AnyPool, admin: &Caller, id: i64, base: &str) -> Result<(), Error> {
    let before = get(pool, id, base).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::delete(&mut tx, id).await?;
    audit(&mut tx, admin, "delete", id, &before, &Value::Null).await?;
    tx.commit().await?;
    let patch = UserPatch {
        active: Some(false),
        ..UserPatch::default()
    };
    service::update_user(pool, admin.id, before.user_id, patch).await?;
    Ok(())
}

async fn audit(
    conn: &mut AnyConnection,
    admin: &Caller,
    action: &str,
    id: i64,
    before: &impl serde::Serialize,
    after: &impl serde::Serialize,
) -> Result<(), Error> {
    let before = audit_view(before)?;
    let after = audit_view(after)?;
    crate::audit::change_event(
        conn,
        Some(admin.id),
        action,
        (AUDIT_KIND, id),
        &before,
        &after,
    )
    .await
}

/// The form as the audit shows it: the URL depends on who asks, so it is left out.
fn audit_view(form: &impl serde::Serialize) -> Result<Value, Error> {
    let mut v = serde_json::to_value(form).map_err(Error::internal)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("action_url");
    }
    Ok(v)
}

pub async fn get(pool: &AnyPool, id: i64, base: &str) -> Result<WebForm, Error> {
    load(&mut *pool.acquire().await?, id, base).await
}

async fn load(conn: &mut AnyConnection, id: i64, base: &str) -> Result<WebForm, Error> {
    let row = store::by_id(conn, id)
        .await?
        .ok_or(Error::NotFound("form"))?;
    view(row, base)
}

pub async fn list(
    pool: &AnyPool,
    after: i64,
    limit: i64,
    base: &str,
) -> Result<Vec<WebForm>, Error> {
    store::list(pool, after, limit)
        .await?
        .into_iter()
        .map(|r| view(r, base))
        .collect()
}

pub fn view(row: FormRow, base: &str) -> Result<WebForm, Error> {
    let assignment = match (row.owner_id, row.team_id) {
        (Some(user_id), _) => Assignment::Owner { user_id },
        (None, Some(team_id)) => Assignment::RoundRobin { team_id },
        (None, None) => Assignment::Pool,
    };
    Ok(WebForm {
        id: row.id,
        action_url: format!("{}/f/{}", base.trim_end_matches('/'), row.public_key),
        name: row.name,
        public_key: row.public_key,
        fields: serde_json::from_str(&row.fields).map_err(Error::internal)?,
        consent_text: row.consent_text,
        consent_version: row.consent_version,
        assignment,
        source_id: row.source_id,
        redirect_url: row.redirect_url,
        allowed_origins: serde_json::from_str(&row.allowed_origins).map_err(Error::internal)?,
        enabled: row.enabled,
        user_id: row.user_id,
        created_at: from_ms(row.created_at),
        updated_at: from_ms(row.updated_at),
    })
}
