//! What imports and exports need of every record kind: its fields (standard and custom, with types) and finding
//! records by e-mail, phone or a custom key field (bulk updates). Lookups do not check access: the caller decides
//! which of the found ids the user may touch (`crm::access::visible_ids`).

use serde::Serialize;
use sqlx::{AnyConnection, AnyPool};
use utoipa::{IntoParams, ToSchema};

use super::custom::{self, model::FieldType};
use super::{contacts, leads, normalize, RecordKind};
use crate::email_address::EmailAddress;
use crate::error::Error;

/// One field of a record kind, as an import maps it or an export writes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordField {
    /// The JSON key on the record: `name`, or `custom.<key>` for a custom field.
    pub key: String,
    pub label: String,
    /// The type its values take (a standard field's closest custom type).
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub required: bool,
    /// A custom field (set under `custom`) rather than a standard one.
    pub custom: bool,
    /// The choices of a choice field.
    pub options: Vec<String>,
}

#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldsQuery {
    pub kind: RecordKind,
}

/// The standard fields of a kind that imports write and exports read (ids of links and references included).
fn standard(kind: RecordKind) -> Vec<(&'static str, &'static str, FieldType, bool)> {
    use FieldType::*;
    match kind {
        RecordKind::Contact => vec![
            ("name", "Name", Text, true),
            ("emails", "E-mails", Email, false),
            ("phones", "Phones", Phone, false),
            ("position", "Position", Text, false),
            ("company_id", "Company", Number, false),
            ("owner_id", "Owner", User, false),
            ("type_id", "Type", Number, false),
            ("tags", "Tags", Text, false),
            ("address", "Address", LongText, false),
            ("website", "Website", Url, false),
            ("birthday", "Birthday", Date, false),
        ],
        RecordKind::Company => vec![
            ("name", "Name", Text, true),
            ("domains", "Domains", Text, false),
            ("parent_id", "Parent company", Number, false),
            ("owner_id", "Owner", User, false),
            ("tags", "Tags", Text, false),
            ("address", "Address", LongText, false),
            ("website", "Website", Url, false),
            ("industry", "Industry", Text, false),
            ("size", "Size", SingleChoice, false),
            ("type_id", "Type", Number, false),
        ],
        RecordKind::Lead => vec![
            ("name", "Name", Text, true),
            ("email", "E-mail", Email, false),
            ("phone", "Phone", Phone, false),
            ("company_name", "Company", Text, false),
            ("domain_hint", "Domain", Text, false),
            ("source_id", "Source", Number, false),
            ("status", "Status", SingleChoice, false),
            ("owner_id", "Owner", User, false),
        ],
        RecordKind::Deal => vec![
            ("title", "Title", Text, true),
            ("amount", "Amount", Money, false),
            ("currency", "Currency", Text, false),
            ("pipeline_id", "Pipeline", Number, true),
            ("stage_id", "Stage", Number, false),
            ("contact_id", "Contact", Number, false),
            ("company_id", "Company", Number, false),
            ("owner_id", "Owner", User, false),
            ("expected_close", "Expected close", Date, false),
        ],
    }
}

fn standard_options(kind: RecordKind, key: &str) -> Vec<String> {
    let list: &[&str] = match (kind, key) {
        (RecordKind::Company, "size") => &["1-10", "11-50", "51-250", "251-1000", "1000+"],
        (RecordKind::Lead, "status") => &["new", "in_work", "converted", "lost"],
        _ => &[],
    };
    list.iter().map(|s| s.to_string()).collect()
}

/// Every field of a kind: the standard ones, then the custom ones in their order.
pub async fn fields(conn: &mut AnyConnection, kind: RecordKind) -> Result<Vec<RecordField>, Error> {
    let mut out: Vec<RecordField> = standard(kind)
        .into_iter()
        .map(|(key, label, field_type, required)| RecordField {
            key: key.to_string(),
            label: label.to_string(),
            field_type,
            required,
            custom: false,
            options: standard_options(kind, key),
        })
        .collect();
    for f in custom::fields_of(conn, kind).await? {
        out.push(RecordField {
            key: format!("custom.{}", f.key),
            label: f.label,
            field_type: f.field_type,
            required: f.required,
            custom: true,
            options: f.options,
        });
    }
    Ok(out)
}

pub async fn fields_of_kind(pool: &AnyPool, kind: RecordKind) -> Result<Vec<RecordField>, Error> {
    fields(&mut *pool.acquire().await?, kind).await
}

/// Contacts or leads with this e-mail (any of a contact's), by id. Other kinds have none: 422.
pub async fn find_by_email(
    conn: &mut AnyConnection,
    kind: RecordKind,
    email: &str,
) -> Result<Vec<i64>, Error> {
    let email = EmailAddress::parse(email)
        .map_err(|m| Error::validation("email", m))?
        .to_string();
    match kind {
        RecordKind::Contact => contacts::store::ids_by_email(conn, &email).await,
        RecordKind::Lead => leads::store::ids_by(conn, false, &email).await,
        other => Err(Error::validation(
            "kind",
            format!("a {other} has no e-mail"),
        )),
    }
}

/// Contacts or leads with this phone in any notation, by id. Other kinds have none: 422.
pub async fn find_by_phone(
    conn: &mut AnyConnection,
    kind: RecordKind,
    phone: &str,
) -> Result<Vec<i64>, Error> {
    let norm = normalize::phone(phone)
        .map_err(|_| Error::validation("phone", format!("'{phone}' is not a phone number")))?;
    match kind {
        RecordKind::Contact => contacts::store::ids_by_phone(conn, &norm).await,
        RecordKind::Lead => leads::store::ids_by(conn, true, &norm).await,
        other => Err(Error::validation("kind", format!("a {other} has no phone"))),
    }
}

/// Records whose custom field `key` holds `value` (parsed as the field's type), by id.
pub async fn find_by_custom(
    pool: &AnyPool,
    kind: RecordKind,
    key: &str,
    value: &serde_json::Value,
) -> Result<Vec<i64>, Error> {
    custom::find_by_custom(pool, kind, key, value).await
}
