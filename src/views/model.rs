//! A saved view as the API shows and takes it, parsed at the edge (kind, sort keys, column names, filter values).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::error::Error;

/// Which record list a view belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    Leads,
    Contacts,
    Companies,
    Deals,
}

impl ListKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Leads => "leads",
            ListKind::Contacts => "contacts",
            ListKind::Companies => "companies",
            ListKind::Deals => "deals",
        }
    }

    pub fn parse(s: &str) -> Option<ListKind> {
        [
            ListKind::Leads,
            ListKind::Contacts,
            ListKind::Companies,
            ListKind::Deals,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// What a view sets on its list. `filters` are the list endpoint's query parameters (`q`, `status`, `scope`,
/// `owner_id` …) as strings; `sort` is the list's `sort` parameter split at commas (`name`, `-updated_at`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewSettings {
    #[serde(default)]
    pub filters: BTreeMap<String, String>,
    #[serde(default)]
    pub sort: Vec<String>,
    /// Columns shown, in order; empty: the list's own.
    #[serde(default)]
    pub columns: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct View {
    pub id: i64,
    pub kind: ListKind,
    pub name: String,
    #[serde(flatten)]
    pub settings: ViewSettings,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViewList {
    pub items: Vec<View>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewInput {
    pub kind: ListKind,
    pub name: String,
    #[serde(flatten)]
    pub settings: ViewSettings,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewQuery {
    /// Only the views of this list.
    pub kind: Option<ListKind>,
}

/// A name the list endpoints use: lower-case letters, digits and `_`, up to 40.
fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A list column: a column name, or `custom.<key>` for a custom field (as exports take `columns=`).
fn is_column(s: &str) -> bool {
    match s.strip_prefix("custom.") {
        Some(key) => is_key(key),
        None => is_key(s),
    }
}

impl ViewInput {
    /// Trims the name and refuses what no list would take, naming the field.
    pub fn checked(mut self) -> Result<ViewInput, Error> {
        self.name = self.name.trim().to_string();
        if self.name.is_empty() || self.name.chars().count() > 100 {
            return Err(Error::validation("name", "must be 1 to 100 characters"));
        }
        let s = &self.settings;
        if s.filters.len() > 20 {
            return Err(Error::validation("filters", "at most 20 filters"));
        }
        for (key, value) in &s.filters {
            if !is_key(key) {
                return Err(Error::validation(
                    "filters",
                    format!("'{key}' is not a filter name"),
                ));
            }
            if value.chars().count() > 200 {
                return Err(Error::validation(
                    "filters",
                    format!("the value of '{key}' is over 200 characters"),
                ));
            }
        }
        if s.sort.len() > 5
            || s.sort
                .iter()
                .any(|k| !is_key(k.strip_prefix('-').unwrap_or(k)))
        {
            return Err(Error::validation(
                "sort",
                "up to 5 column names, each optionally prefixed with '-'",
            ));
        }
        if s.columns.len() > 20 || s.columns.iter().any(|c| !is_column(c)) {
            return Err(Error::validation(
                "columns",
                "up to 20 column names, or custom.<key> for a custom field",
            ));
        }
        Ok(self)
    }
}
