//! A visitor's submission: the form's origin rule, the rate limit per client address, the honeypot, the checks,
//! the duplicate check, the assignment rule, the lead (through the crm lead create path) and its consent, and the
//! line in the form's submission log — the lead, its consent and the log line in one transaction.

use std::collections::BTreeMap;

use sqlx::{AnyConnection, AnyPool};

use super::check::{self, CONSENT, CUSTOM_PREFIX, HONEYPOT, PAGE};
use super::model::{FormField, Outcome};
use super::store::{self, FormRow, NewSubmission};
use super::Settings;
use crate::auth::{Caller, Role};
use crate::crm::contacts::{self, WebConsent};
use crate::crm::custom::model::CustomInput;
use crate::crm::leads::{self, model::NewLead};
use crate::crm::{activity, RecordKind};
use crate::db::now_ms;
use crate::email_address::EmailAddress;
use crate::error::Error;

/// Where the submission came from, as the server saw it.
pub struct Visit {
    pub client_addr: String,
    pub referer: Option<String>,
}

/// What the visitor sent, by field name (both JSON and form-encoded posts end up here).
pub type Values = BTreeMap<String, String>;

/// The enabled form with this public key: 404 `not_found` for an unknown or disabled one.
pub async fn find(pool: &AnyPool, key: &str) -> Result<FormRow, Error> {
    match store::by_key(pool, key).await? {
        Some(form) if form.enabled => Ok(form),
        _ => Err(Error::NotFound("form")),
    }
}

/// Whether a browser page of `origin` may post to the form and read its answer.
pub fn origin_allowed(form: &FormRow, origin: &str) -> bool {
    let list: Vec<String> = serde_json::from_str(&form.allowed_origins).unwrap_or_default();
    list.is_empty() || list.iter().any(|o| o.eq_ignore_ascii_case(origin))
}

/// The form's allowed origins name this one (CORS headers are sent only then).
pub fn origin_listed(form: &FormRow, origin: &str) -> bool {
    let list: Vec<String> = serde_json::from_str(&form.allowed_origins).unwrap_or_default();
    list.iter().any(|o| o.eq_ignore_ascii_case(origin))
}

/// 429 `rate_limited` once the address sent `max_per_addr` submissions (to any form) within the window.
pub async fn admit(pool: &AnyPool, settings: Settings, addr: &str) -> Result<(), Error> {
    let now = now_ms();
    let (count, oldest) = store::recent_from(pool, addr, now - settings.window_ms).await?;
    if count < settings.max_per_addr {
        return Ok(());
    }
    let wait_ms = (oldest.unwrap_or(now) + settings.window_ms - now).max(1000);
    Err(Error::RateLimited {
        retry_after_secs: (wait_ms as u64).div_ceil(1000),
    })
}

/// A submission checked: the lead's fields, the message and the custom values.
struct Checked {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    company: Option<String>,
    message: Option<String>,
    custom: CustomInput,
}

fn value<'a>(values: &'a Values, key: &str) -> Option<&'a str> {
    values.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn limited(field: &str, text: Option<&str>, max: usize) -> Result<Option<String>, Error> {
    match text {
        Some(t) if t.chars().count() > max => Err(Error::validation(
            field,
            format!("не длиннее {max} символов (at most {max} characters)"),
        )),
        other => Ok(other.map(str::to_string)),
    }
}

async fn check_values(
    pool: &AnyPool,
    fields: &[FormField],
    values: &Values,
) -> Result<Checked, Error> {
    for f in fields.iter().filter(|f| f.required) {
        if value(values, &f.key).is_none() {
            return Err(Error::validation(&f.key, "обязательное поле (required)"));
        }
    }
    let carried = |key: &str| fields.iter().any(|f| f.key == key);
    let pick = |key: &str| {
        if carried(key) {
            value(values, key)
        } else {
            None
        }
    };
    let email = match pick("email") {
        Some(e) => Some(
            EmailAddress::parse(e)
                .map_err(|m| Error::validation("email", format!("неверный адрес e-mail ({m})")))?
                .to_string(),
        ),
        None => None,
    };
    let phone = match pick("phone") {
        Some(p) => {
            crate::crm::normalize::phone(p).map_err(|_| {
                Error::validation(
                    "phone",
                    format!("'{p}' — не номер телефона (not a phone number)"),
                )
            })?;
            Some(p.to_string())
        }
        None => None,
    };
    if email.is_none() && phone.is_none() {
        return Err(Error::validation(
            "email",
            "укажите e-mail или телефон (an e-mail or a phone is needed)",
        ));
    }
    let consent = value(values, CONSENT).map(str::to_lowercase);
    if !matches!(consent.as_deref(), Some("yes" | "on" | "true" | "1" | "да")) {
        return Err(Error::validation(
            CONSENT,
            "нужно согласие на обработку персональных данных (consent is required)",
        ));
    }
    let name = limited("name", pick("name"), 300)?;
    let name = name
        .or_else(|| email.clone())
        .or_else(|| phone.clone())
        .unwrap_or_default();
    let custom = custom_values(pool, fields, values).await?;
    Ok(Checked {
        name,
        email,
        phone,
        company: limited("company", pick("company"), 300)?,
        message: limited("message", pick("message"), 5000)?,
        custom,
    })
}

/// Custom values as the lead create path takes them: numbers as numbers, the rest as text.
async fn custom_values(
    pool: &AnyPool,
    fields: &[FormField],
    values: &Values,
) -> Result<CustomInput, Error> {
    let mut out = CustomInput::new();
    if !fields.iter().any(|f| f.key.starts_with(CUSTOM_PREFIX)) {
        return Ok(out);
    }
    let defs = check::lead_custom_fields(pool).await?;
    for f in fields {
        let (Some(key), Some(text)) = (f.key.strip_prefix(CUSTOM_PREFIX), value(values, &f.key))
        else {
            continue;
        };
        let numeric = defs.iter().any(|d| d.key == key && d.field_type.numeric());
        let json = match text.replace(',', ".").parse::<f64>() {
            Ok(n) if numeric => serde_json::json!(n),
            _ => serde_json::json!(text),
        };
        out.insert(key.to_string(), json);
    }
    Ok(out)
}

/// Handles one submission; Ok also for a honeypot hit (the bot is told it was accepted).
pub async fn submit(
    pool: &AnyPool,
    form: &FormRow,
    values: &Values,
    visit: &Visit,
) -> Result<(), Error> {
    let page = value(values, PAGE)
        .map(str::to_string)
        .or_else(|| visit.referer.clone())
        .map(|p| p.chars().take(2000).collect::<String>());
    let mut log = NewSubmission {
        form_id: form.id,
        client_addr: &visit.client_addr,
        outcome: Outcome::Honeypot.as_str(),
        record: None,
        detail: None,
        page: page.as_deref(),
    };
    if value(values, HONEYPOT).is_some() {
        tracing::info!(form = form.id, addr = %visit.client_addr, "web form honeypot filled");
        return write_log(pool, &log).await;
    }
    let result = match check_values(pool, &fields(form)?, values).await {
        Ok(checked) => save(pool, form, &checked, page.as_deref(), visit).await,
        Err(e) => Err(e),
    };
    if let Err(e) = &result {
        if e.status().is_client_error() {
            let detail = e.to_string();
            log.outcome = Outcome::Rejected.as_str();
            log.detail = Some(&detail);
            write_log(pool, &log).await?;
        }
    }
    result
}

fn fields(form: &FormRow) -> Result<Vec<FormField>, Error> {
    serde_json::from_str(&form.fields).map_err(Error::internal)
}

async fn write_log(pool: &AnyPool, log: &NewSubmission<'_>) -> Result<(), Error> {
    let mut conn = pool.acquire().await?;
    store::insert_submission(&mut conn, log).await
}

/// The service user the form acts as: an admin's reach, so it may give the lead to anyone the rule names.
fn form_caller(form: &FormRow) -> Caller {
    Caller {
        id: form.user_id,
        role: Role::Admin,
        email: format!("web-form-{}", form.id),
    }
}

async fn save(
    pool: &AnyPool,
    form: &FormRow,
    c: &Checked,
    page: Option<&str>,
    visit: &Visit,
) -> Result<(), Error> {
    let caller = form_caller(form);
    let mut tx = crate::db::begin(pool).await?;
    // Two posts of one person at once (a double click, a retrying page) must not both find no duplicate.
    let mut keys: Vec<String> = c
        .email
        .iter()
        .map(|e| format!("web-form-email:{}", e.to_lowercase()))
        .chain(c.phone.iter().map(|p| {
            // The duplicate check's normal form, so "8 903…" and "+7 903…" share one lock.
            let norm = crate::crm::normalize::phone(p).unwrap_or_else(|_| p.clone());
            format!("web-form-phone:{norm}")
        }))
        .collect();
    keys.sort();
    for key in &keys {
        crate::db::xact_lock(&mut tx, key).await?;
    }
    let (outcome, record, detail) = match duplicate_of(&mut tx, c).await? {
        Some((kind, id)) => {
            let body = format!(
                "Повторная заявка с веб-формы «{}»\n{}",
                form.name,
                summary(c, page)
            );
            activity::add_note_in(&mut tx, caller.id, kind, id, &body).await?;
            let detail = format!("duplicate of {kind} {id} (same e-mail or phone)");
            (Outcome::Duplicate, (kind, id), Some(detail))
        }
        None => {
            let (owner, detail) = owner(&mut tx, form).await?;
            let new = NewLead {
                name: c.name.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
                company_name: c.company.clone(),
                source_id: form.source_id,
                owner_id: owner,
                pool: owner.is_none(),
                custom: (!c.custom.is_empty()).then(|| c.custom.clone()),
                ..NewLead::default()
            };
            let lead = leads::create_in(&mut tx, &caller, new).await?;
            if let Some(message) = &c.message {
                let body = format!("Сообщение с веб-формы «{}»:\n{message}", form.name);
                activity::add_note_in(&mut tx, caller.id, RecordKind::Lead, lead.id, &body).await?;
            }
            (Outcome::Created, (RecordKind::Lead, lead.id), detail)
        }
    };
    let consent = WebConsent {
        legal_basis: "152-ФЗ ст. 9: согласие на обработку персональных данных",
        source: &format!("веб-форма «{}»", form.name),
        text_version: form.consent_version,
        text: &form.consent_text,
        client_addr: &visit.client_addr,
        page,
    };
    contacts::record_web_consent(&mut tx, caller.id, record, &consent).await?;
    let log = NewSubmission {
        form_id: form.id,
        client_addr: &visit.client_addr,
        outcome: outcome.as_str(),
        record: Some((record.0.as_str(), record.1)),
        detail: detail.as_deref(),
        page,
    };
    store::insert_submission(&mut tx, &log).await?;
    tx.commit().await?;
    tracing::info!(
        form = form.id,
        outcome = outcome.as_str(),
        record = record.1,
        "web form submission"
    );
    Ok(())
}

/// An open lead, else a contact, with the submission's e-mail or phone.
async fn duplicate_of(
    conn: &mut AnyConnection,
    c: &Checked,
) -> Result<Option<(RecordKind, i64)>, Error> {
    let emails: Vec<String> = c.email.iter().cloned().collect();
    let mut phones = Vec::new();
    if let Some(p) = &c.phone {
        phones.push(crate::crm::normalize::phone(p)?);
    }
    if let Some((id, _, _)) = leads::find_open_duplicate(&mut *conn, &emails, &phones, None).await?
    {
        return Ok(Some((RecordKind::Lead, id)));
    }
    if let Some((id, _, _)) = contacts::find_duplicate(&mut *conn, &emails, &phones, None).await? {
        return Ok(Some((RecordKind::Contact, id)));
    }
    Ok(None)
}

/// The owner by the form's rule, and a note for the log when the rule could not be followed (the open pool).
async fn owner(
    conn: &mut AnyConnection,
    form: &FormRow,
) -> Result<(Option<i64>, Option<String>), Error> {
    if let Some(user) = form.owner_id {
        if crate::auth::teams::user_active(&mut *conn, user).await? {
            return Ok((Some(user), None));
        }
        return Ok((
            None,
            Some(format!("owner {user} is inactive: lead left in the pool")),
        ));
    }
    let Some(team) = form.team_id else {
        return Ok((None, None));
    };
    let last = store::take_turn(&mut *conn, form.id).await?;
    let members = crate::auth::teams::active_member_ids(&mut *conn, team).await?;
    let next = members
        .iter()
        .copied()
        .find(|m| last.is_none_or(|l| *m > l))
        .or_else(|| members.first().copied());
    match next {
        Some(user) => {
            store::set_last_assigned(conn, form.id, user).await?;
            Ok((Some(user), None))
        }
        None => Ok((
            None,
            Some(format!(
                "team {team} has no active member: lead left in the pool"
            )),
        )),
    }
}

/// What the visitor sent, for a note on an existing record.
fn summary(c: &Checked, page: Option<&str>) -> String {
    let mut lines = vec![format!("Имя: {}", c.name)];
    let mut push = |label: &str, v: Option<&str>| {
        if let Some(v) = v {
            lines.push(format!("{label}: {v}"));
        }
    };
    push("E-mail", c.email.as_deref());
    push("Телефон", c.phone.as_deref());
    push("Компания", c.company.as_deref());
    push("Страница", page);
    push("Сообщение", c.message.as_deref());
    lines.join("\n")
}
