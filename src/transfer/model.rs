//! The types of the import and export API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::crm::RecordKind;

/// What to do with a row that matches a record already there (or an earlier row of the file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Leave the record as it is; the row is skipped.
    #[default]
    Skip,
    /// Fill only the record's empty fields from the row.
    FillEmpty,
    /// Set every mapped, non-empty value of the row on the record.
    Overwrite,
    /// Create a new record beside it (only beside one the caller sees).
    CreateAnyway,
}

/// How a row finds the record it updates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchBy {
    /// The id column when mapped, then e-mail, then phone (companies: domain, then name).
    #[default]
    Auto,
    Id,
    Email,
    Phone,
}

/// The choices of the mapping and check steps; the run uses the last ones checked unless given again.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportOptions {
    /// A workbook's sheet; the first when absent.
    pub sheet: Option<String>,
    /// Column header → field (`name`, `email`, `phone`, `company`, `owner` …; see `GET /api/v1/imports/fields`).
    /// Absent: the preset's, else the suggested mapping. A header left out is not imported.
    pub mapping: Option<BTreeMap<String, String>>,
    /// A saved preset's name, applied when `mapping` is absent.
    pub preset: Option<String>,
    /// Save the mapping used under this preset name.
    pub save_preset: Option<String>,
    /// One owner for every row without an owner column (default: the caller).
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default)]
    pub match_by: MatchBy,
    /// Match by this custom field instead (its key, e.g. `inn`; the column mapped to `custom.<key>` holds the
    /// value); a value held by several records fails the row.
    pub match_key: Option<String>,
    /// Bulk update: a row that matches no record fails instead of creating one.
    #[serde(default)]
    pub update_only: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportView {
    pub id: i64,
    pub kind: RecordKind,
    pub filename: String,
    /// csv, tsv, xlsx, xls or ods.
    pub format: String,
    /// uploaded, checked, queued, running, done, failed, undone.
    pub status: String,
    pub user_id: i64,
    pub sheets: Vec<String>,
    pub sheet: String,
    pub headers: Vec<String>,
    /// The first rows, as text, for the mapping step.
    pub sample: Vec<Vec<String>>,
    /// For text files: the encoding and delimiter found.
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    /// Header → field, from the header names.
    pub suggested_mapping: BTreeMap<String, String>,
    #[schema(value_type = Object)]
    pub options: Value,
    pub progress: Progress,
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Progress {
    pub total: i64,
    pub done: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
}

/// A job's summary, as the list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportSummary {
    pub id: i64,
    pub kind: RecordKind,
    pub filename: String,
    pub status: String,
    pub user_id: i64,
    pub progress: Progress,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportList {
    pub items: Vec<ImportSummary>,
    pub next_after: Option<i64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// contacts, companies, leads or deals (or a multipart field `kind`).
    pub kind: Option<String>,
    /// The file's name, for a raw body (its extension gives the format).
    pub filename: Option<String>,
}

/// What one row would do (dry run) or did (run).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowReport {
    /// The row's line in the file (the header is line 1).
    pub row: usize,
    /// create, update, skip or fail.
    pub action: String,
    pub record_id: Option<i64>,
    pub reason: Option<String>,
    /// The record or the earlier row of the file that this row duplicates.
    #[schema(value_type = Option<Object>)]
    pub duplicate_of: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckReport {
    pub total_rows: usize,
    pub would_create: usize,
    pub would_update: usize,
    pub would_skip: usize,
    pub would_fail: usize,
    /// Companies the company column would create.
    pub companies_to_create: usize,
    /// Every row that does something else than a plain create, in file order (at most 1000).
    pub rows: Vec<RowReport>,
    /// The mapping used.
    pub mapping: BTreeMap<String, String>,
    /// Headers not imported.
    pub unmapped: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UndoReport {
    /// Records created by the import and now deleted.
    pub deleted: i64,
    /// Records it changed, set back to their values before.
    pub restored: i64,
    /// Records that could not be undone (deleted or merged since, say), with why.
    pub failed: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldInfo {
    pub field: String,
    pub description: String,
    /// Several columns may fill it.
    pub multi: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KindQuery {
    /// contacts, companies, leads or deals.
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Preset {
    #[serde(default)]
    pub id: i64,
    /// contacts, companies, leads or deals.
    pub kind: String,
    pub name: String,
    pub mapping: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExportRoles {
    /// Roles besides admin that may export lists (`sales`, `marketing`).
    pub roles: Vec<String>,
}
