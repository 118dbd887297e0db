//! What contacts declare to the record skeleton: their table, sortable fields, list filters and own rows.

use super::model::{Contact, ContactFilter};
use super::{store, KIND};
use crate::crm::listing::{KeyType, SortField};
use crate::crm::normalize;
use crate::crm::skeleton::Record;
use crate::crm::sorts;
use crate::crm::RecordKind;
use crate::db::sql::Sql;
use crate::error::Error;

impl Record for Contact {
    const KIND: RecordKind = KIND;
    const FROM: &'static str = "contacts r";
    const SORTS: &'static [SortField] = &[
        sorts::ID,
        SortField {
            name: "name",
            expr: "r.name",
            key: KeyType::Text,
        },
        SortField {
            name: "position",
            expr: "COALESCE(r.position, '')",
            key: KeyType::Text,
        },
        SortField {
            name: "birthday",
            expr: "COALESCE(r.birthday, '')",
            key: KeyType::Text,
        },
        sorts::CREATED_AT,
        sorts::UPDATED_AT,
    ];
    crate::record_common!(ContactFilter);

    fn check_filter(f: &ContactFilter) -> Result<(), Error> {
        if f.birthday_month.is_some_and(|m| !(1..=12).contains(&m)) {
            return Err(Error::validation("birthday_month", "must be 1 to 12"));
        }
        filter_phone(f).map(|_| ())
    }
    fn push_filter(sql: &mut Sql, f: &ContactFilter) {
        store::push_filter(sql, f, filter_phone(f).ok().flatten());
    }
}

fn filter_phone(f: &ContactFilter) -> Result<Option<String>, Error> {
    match f.phone.as_deref() {
        Some(p) => Ok(Some(normalize::phone(p).map_err(|_| {
            Error::validation("phone", format!("'{p}' is not a phone number"))
        })?)),
        None => Ok(None),
    }
}
