//! Handlers of exports and of the setting that says which roles besides admin may export.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::{Encoding, Format};
use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::error::{Error, ErrorBody};
use crate::transfer::model::ExportRoles;

/// `format`, `encoding` and `columns` are the export's own; every other parameter goes to the list's filter.
fn split_query(kind: RecordKind, raw: &str) -> Result<super::Request, Error> {
    let mut format = Format::Csv;
    let mut encoding = Encoding::Utf8;
    let mut columns = Vec::new();
    let mut rest = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "format" => {
                format = match value {
                    "csv" => Format::Csv,
                    "xlsx" => Format::Xlsx,
                    other => {
                        return Err(Error::validation(
                            "format",
                            format!("'{other}' is not csv or xlsx"),
                        ))
                    }
                }
            }
            "encoding" => {
                encoding = match value.to_ascii_lowercase().as_str() {
                    "utf-8" | "utf8" => Encoding::Utf8,
                    "windows-1251" | "cp1251" => Encoding::Windows1251,
                    other => {
                        return Err(Error::validation(
                            "encoding",
                            format!("'{other}' is not utf-8 or windows-1251"),
                        ))
                    }
                }
            }
            "columns" => {
                let (_, value) = url::form_urlencoded::parse(pair.as_bytes())
                    .next()
                    .unwrap_or_default();
                columns = value
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            "after" | "limit" => {}
            _ => rest.push(pair),
        }
    }
    Ok(super::Request {
        kind,
        filter: rest.join("&"),
        format,
        encoding,
        columns,
        sheet_rows: super::writer::SHEET_ROWS,
    })
}

#[utoipa::path(get, path = "/api/v1/exports/{kind}", tag = "exports", security(("bearer" = [])),
    params(("kind" = String, Path, description = "contacts, companies, leads or deals"),
        ("format" = Option<String>, Query, description = "csv (default) or xlsx"),
        ("encoding" = Option<String>, Query, description = "CSV only: utf-8 (default, with BOM) or windows-1251"),
        ("columns" = Option<String>, Query, description = "the list view's columns, in order, comma-separated: the record's field keys (`name`, `emails`, `owner_id` …, or the list's names `email`, `owner`, `updated` …) and `custom.<key>`; default: the usual columns and every custom field"),
        ("filters" = Option<String>, Query, description = "any filter of the kind's list endpoint: q, owner_id, tag …")),
    responses((status = 200, description = "the whole list, streamed: CSV (';'-separated) or .xlsx", content_type = "text/csv"),
        (status = 403, description = "admins, and roles an admin allows (PUT /api/v1/settings/export-roles)", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn export(
    State(s): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, Error> {
    let kind = RecordKind::from_segment(&kind).ok_or(Error::NotFound("list"))?;
    let req = split_query(kind, q.as_deref().unwrap_or(""))?;
    let format = (req.format, req.encoding);
    let rx = super::start(&s.db.pool, &caller, req).await?;
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let date = time::OffsetDateTime::now_utc().date();
    let (mime, ext) = match format {
        (Format::Xlsx, _) => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        (Format::Csv, Encoding::Utf8) => ("text/csv; charset=utf-8", "csv"),
        (Format::Csv, Encoding::Windows1251) => ("text/csv; charset=windows-1251", "csv"),
    };
    let disposition = format!("attachment; filename=\"{}-{date}.{ext}\"", kind.table());
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/settings/export-roles", tag = "exports", security(("bearer" = [])),
    responses((status = 200, body = ExportRoles), (status = 403, body = ErrorBody)))]
pub async fn export_roles(State(s): State<AppState>) -> Result<Json<ExportRoles>, Error> {
    let roles = super::export_roles(&s.db.pool).await?;
    Ok(Json(ExportRoles {
        roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
    }))
}

#[utoipa::path(put, path = "/api/v1/settings/export-roles", tag = "exports", security(("bearer" = [])), request_body = ExportRoles,
    responses((status = 200, body = ExportRoles), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_export_roles(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<ExportRoles>,
) -> Result<Json<ExportRoles>, Error> {
    let roles = super::set_export_roles(&s.db.pool, &caller, &body.roles).await?;
    Ok(Json(ExportRoles {
        roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
    }))
}
