//! Look-ups the import's planner makes through the CRM: duplicates, companies by domain or name, custom keys,
//! lead sources and pipelines.

use serde_json::Value;
use sqlx::{AnyConnection, AnyPool};

use crate::auth::Caller;
use crate::crm::access;
use crate::crm::{self, companies, contacts, leads, reference, RecordKind};
use crate::error::Error;

/// Own and free-mail domains, which never make companies.
pub async fn domain_lists(conn: &mut AnyConnection) -> Result<crate::linking::Context, Error> {
    crate::linking::Context::lists(conn).await
}

/// Records of `kind` whose custom field `key` holds `value`, by id.
pub async fn find_by_custom(
    pool: &AnyPool,
    kind: RecordKind,
    key: &str,
    value: &str,
) -> Result<Vec<i64>, Error> {
    crm::lookup::find_by_custom(pool, kind, key, &Value::String(value.to_string())).await
}

/// The custom fields of a kind: `(key, label, is a date)`.
pub async fn custom_fields(
    pool: &AnyPool,
    kind: RecordKind,
) -> Result<Vec<(String, String, bool)>, Error> {
    Ok(crm::lookup::fields_of_kind(pool, kind)
        .await?
        .into_iter()
        .filter(|f| f.custom)
        .map(|f| {
            let key = f.key.trim_start_matches("custom.").to_string();
            (
                key,
                f.label,
                f.field_type == crm::custom::model::FieldType::Date,
            )
        })
        .collect())
}

/// A record of `kind` with one of these e-mails or phones (contacts and leads) or domains or name (companies).
pub async fn find_duplicate(
    conn: &mut AnyConnection,
    kind: RecordKind,
    emails: &[String],
    phones: &[String],
    domains: &[String],
    name: Option<&str>,
) -> Result<Option<i64>, Error> {
    Ok(match kind {
        RecordKind::Contact if !emails.is_empty() || !phones.is_empty() => {
            contacts::find_duplicate(conn, emails, phones, None)
                .await?
                .map(|d| d.0)
        }
        RecordKind::Lead if !emails.is_empty() || !phones.is_empty() => {
            leads::find_open_duplicate(conn, emails, phones, None)
                .await?
                .map(|d| d.0)
        }
        RecordKind::Company => {
            for d in domains {
                if let Some(id) = companies::find_by_domain(conn, d).await? {
                    return Ok(Some(id));
                }
            }
            match name {
                Some(n) => companies::find_by_name(conn, n).await?,
                None => None,
            }
        }
        _ => None,
    })
}

pub async fn company_by_domain(
    conn: &mut AnyConnection,
    domain: &str,
) -> Result<Option<i64>, Error> {
    companies::find_by_domain(conn, domain).await
}

pub async fn company_by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<i64>, Error> {
    companies::find_by_name(conn, name).await
}

pub async fn contact_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<i64>, Error> {
    contacts::find_by_email(conn, email).await
}

pub async fn may_read(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
) -> Result<bool, Error> {
    access::may_read(conn, caller, kind, id).await
}

pub async fn lead_source(pool: &AnyPool, name: &str) -> Result<Option<i64>, Error> {
    reference::entry_id_by_name(pool, reference::RefList::LeadSources, name).await
}

pub async fn lead_source_name(pool: &AnyPool, id: i64) -> Result<Option<String>, Error> {
    let mut conn = pool.acquire().await?;
    reference::entry_name(&mut conn, reference::RefList::LeadSources, id).await
}

/// `(pipeline id, name, [(stage id, name)])` of every pipeline.
pub type Pipelines = Vec<(i64, String, Vec<(i64, String)>)>;

pub async fn pipelines(conn: &mut AnyConnection) -> Result<Pipelines, Error> {
    Ok(reference::list_pipelines_in(conn)
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id,
                p.name,
                p.stages.into_iter().map(|s| (s.id, s.name)).collect(),
            )
        })
        .collect())
}
