//! Checks of what an admin sets on a form: field keys (lead fields and lead custom fields), the consent text, the
//! assignment rule, the thank-you URL and the allowed origins.

use sqlx::AnyPool;

use super::model::{Assignment, FormField};
use crate::crm::custom::{self, model::CustomField};
use crate::crm::reference::{self, RefList};
use crate::crm::RecordKind;
use crate::error::Error;

/// The lead fields a form may carry, with their label in the snippet.
pub const LEAD_FIELDS: [(&str, &str); 5] = [
    ("name", "Имя"),
    ("email", "E-mail"),
    ("phone", "Телефон"),
    ("company", "Компания"),
    ("message", "Сообщение"),
];

/// Names the public endpoint keeps for itself.
pub const HONEYPOT: &str = "website";
pub const PAGE: &str = "page";
pub const CONSENT: &str = "consent";

pub const CUSTOM_PREFIX: &str = "custom.";

pub fn name(text: &str) -> Result<String, Error> {
    let name = crate::text::single_line(text);
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::validation("name", "must be 1 to 200 characters"));
    }
    Ok(name)
}

pub fn consent_text(text: &str) -> Result<String, Error> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 5000 {
        return Err(Error::validation(
            "consent_text",
            "the text a visitor agrees to: 1 to 5000 characters",
        ));
    }
    Ok(text.to_string())
}

/// The lead custom fields, for the keys `custom.<key>`.
pub async fn lead_custom_fields(pool: &AnyPool) -> Result<Vec<CustomField>, Error> {
    custom::fields_of(&mut *pool.acquire().await?, RecordKind::Lead).await
}

pub async fn fields(pool: &AnyPool, fields: Vec<FormField>) -> Result<Vec<FormField>, Error> {
    let customs = lead_custom_fields(pool).await?;
    let mut out: Vec<FormField> = Vec::new();
    for mut f in fields {
        let key = f.key.trim().to_string();
        let known = LEAD_FIELDS.iter().any(|(k, _)| *k == key)
            || key
                .strip_prefix(CUSTOM_PREFIX)
                .is_some_and(|k| customs.iter().any(|c| c.key == k));
        if !known {
            return Err(Error::validation(
                "fields",
                format!(
                    "unknown field '{key}': one of name, email, phone, company, message or custom.<key> of a \
                     lead custom field"
                ),
            ));
        }
        if out.iter().any(|o| o.key == key) {
            return Err(Error::validation(
                "fields",
                format!("'{key}' is listed twice"),
            ));
        }
        f.label = f
            .label
            .map(|l| crate::text::single_line(&l))
            .filter(|l| !l.is_empty());
        if f.label.as_ref().is_some_and(|l| l.chars().count() > 200) {
            return Err(Error::validation(
                "fields",
                "a label is at most 200 characters",
            ));
        }
        f.key = key;
        out.push(f);
    }
    if !out.iter().any(|f| f.key == "email" || f.key == "phone") {
        return Err(Error::validation(
            "fields",
            "a form needs an e-mail or a phone field, to reach the visitor and find duplicates",
        ));
    }
    // A lead custom field every lead must have: a form without it could never create a lead.
    for c in customs.iter().filter(|c| c.required) {
        let key = format!("{CUSTOM_PREFIX}{}", c.key);
        if !out.iter().any(|f| f.key == key && f.required) {
            return Err(Error::validation(
                "fields",
                format!(
                    "leads require the custom field '{}': add {key} as a required field",
                    c.key
                ),
            ));
        }
    }
    Ok(out)
}

pub async fn assignment(pool: &AnyPool, a: &Assignment) -> Result<(), Error> {
    match *a {
        Assignment::Owner { user_id } => {
            let mut conn = pool.acquire().await?;
            if !crate::auth::teams::user_active(&mut conn, user_id).await? {
                return Err(Error::validation(
                    "assignment",
                    format!("no active user with id {user_id}"),
                ));
            }
        }
        Assignment::RoundRobin { team_id } => match crate::auth::teams::get(pool, team_id).await {
            Ok(_) => {}
            Err(Error::NotFound(_)) => {
                return Err(Error::validation(
                    "assignment",
                    format!("no team with id {team_id}"),
                ))
            }
            Err(e) => return Err(e),
        },
        Assignment::Pool => {}
    }
    Ok(())
}

pub async fn source(pool: &AnyPool, id: i64) -> Result<i64, Error> {
    let mut conn = pool.acquire().await?;
    reference::require_entry(&mut conn, RefList::LeadSources, id, "source_id").await?;
    Ok(id)
}

pub fn redirect_url(text: Option<&str>) -> Result<Option<String>, Error> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match url::Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(Some(u.to_string()))
        }
        _ => Err(Error::validation(
            "redirect_url",
            format!("'{text}' is not an http(s) URL"),
        )),
    }
}

/// Origins as browsers send them: `scheme://host[:port]`, lower case, no path.
pub fn origins(list: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for text in list {
        let bad = || {
            Error::validation(
                "allowed_origins",
                format!("'{text}' is not an origin such as https://nordwind.ru"),
            )
        };
        let u = url::Url::parse(text.trim()).map_err(|_| bad())?;
        if !matches!(u.scheme(), "http" | "https") || u.host().is_none() || u.path().len() > 1 {
            return Err(bad());
        }
        let origin = u.origin().ascii_serialization();
        if !out.contains(&origin) {
            out.push(origin);
        }
    }
    Ok(out)
}
