//! Handlers of imports: upload (a raw body or multipart), the field list, presets, check (dry run), run,
//! progress, rejects and undo.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};

use super::read::{Format, MAX_UPLOAD_BYTES};
use crate::api::extract::{parse_json, Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};
use crate::transfer::model::{
    CheckReport, FieldInfo, ImportList, ImportOptions, ImportView, KindQuery, Preset, UndoReport,
    UploadQuery,
};
use crate::transfer::store;

fn interrupted(e: impl std::fmt::Display) -> Error {
    Error::BadRequest {
        code: "upload_interrupted",
        message: format!("the upload did not arrive whole: {e}"),
    }
}

/// Reads a body stream up to the cap: 413 as soon as it goes past, without reading the rest.
async fn read_capped<S, E>(mut stream: S) -> Result<Vec<u8>, Error>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(interrupted)?;
        if out.len() + chunk.len() > MAX_UPLOAD_BYTES {
            return Err(Error::PayloadTooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// The file of a multipart upload (its `file` part) and the `kind` part, if sent.
async fn multipart(
    boundary: String,
    body: Body,
) -> Result<(Option<String>, Option<String>, Vec<u8>), Error> {
    let limits = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(MAX_UPLOAD_BYTES as u64 + 64 * 1024)
            .per_field(MAX_UPLOAD_BYTES as u64),
    );
    let mut form = multer::Multipart::with_constraints(body.into_data_stream(), boundary, limits);
    let (mut kind, mut filename, mut bytes) = (None, None, None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(
                multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. },
            ) => return Err(Error::PayloadTooLarge),
            Err(e) => return Err(interrupted(e)),
        };
        match field.name() {
            Some("kind") => kind = Some(field.text().await.map_err(interrupted)?),
            Some("file") | None => {
                filename = field.file_name().map(str::to_string);
                bytes = Some(
                    read_capped(field.map(|r| r.map_err(|e| e.to_string())))
                        .await
                        .map_err(|e| match e {
                            Error::BadRequest { message, .. } if message.contains("exceeded") => {
                                Error::PayloadTooLarge
                            }
                            other => other,
                        })?,
                );
            }
            Some(_) => {}
        }
    }
    let bytes = bytes.ok_or_else(|| Error::validation("file", "the form has no 'file' part"))?;
    Ok((kind, filename, bytes))
}

#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", security(("bearer" = [])), params(UploadQuery),
    request_body(content = Vec<u8>, description = "the file: a raw body (name it with ?filename=) or multipart/form-data with a 'file' part (and 'kind')", content_type = "application/octet-stream"),
    responses((status = 201, body = ImportView), (status = 400, description = "unreadable, unsupported or oversized content (import_file_unreadable, import_format_unsupported, import_file_too_big)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, description = "more than 32 MB", body = ErrorBody)))]
pub async fn upload(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<ImportView>), Error> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_UPLOAD_BYTES as u64 + 64 * 1024) {
        return Err(Error::PayloadTooLarge);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (kind, filename, bytes) = match multer::parse_boundary(content_type) {
        Ok(boundary) => multipart(boundary, body).await?,
        Err(_) => (None, None, read_capped(body.into_data_stream()).await?),
    };
    let kind = q.kind.or(kind).ok_or_else(|| {
        Error::validation(
            "kind",
            "say what the file holds: ?kind=contacts|companies|leads|deals",
        )
    })?;
    let kind = super::parse_kind(&kind)?;
    let filename = q.filename.or(filename).ok_or_else(|| {
        Error::validation(
            "filename",
            "name the file (?filename=clients.xlsx): its extension gives the format",
        )
    })?;
    let filename = crate::text::single_line(&filename)
        .chars()
        .take(200)
        .collect::<String>();
    let view = super::upload(&s.db.pool, &caller, kind, &filename, bytes).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Id from the previous page's `next_after` (newest first).
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/imports", tag = "imports", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "the caller's imports and those of members of teams they lead (an admin's: everyone's), newest first", body = ImportList)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<ImportList>, Error> {
    let limit = crate::api::extract::Page {
        after: None,
        limit: q.limit,
    }
    .limit()?;
    let (items, next_after) = super::list(&s.db.pool, &caller, q.after, limit).await?;
    Ok(Json(ImportList { items, next_after }))
}

#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the import with its headers, sample, suggested mapping and progress", body = ImportView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ImportView>, Error> {
    Ok(Json(super::get(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/imports/{id}/check", tag = "imports", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ImportOptions,
    responses((status = 200, description = "the dry run: nothing is written", body = CheckReport), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(o): Json<ImportOptions>,
) -> Result<Json<CheckReport>, Error> {
    Ok(Json(super::check(&s.db.pool, &caller, id, o).await?))
}

#[utoipa::path(post, path = "/api/v1/imports/{id}/run", tag = "imports", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = Option<ImportOptions>, description = "options; empty: the ones of the last check"),
    responses((status = 202, description = "queued; follow GET /api/v1/imports/{id}", body = ImportView), (status = 404, body = ErrorBody), (status = 409, description = "already run", body = ErrorBody)))]
pub async fn run(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportView>), Error> {
    let blank = body.iter().all(u8::is_ascii_whitespace) || body.trim_ascii() == b"null";
    let options: Option<ImportOptions> = if blank {
        None
    } else {
        Some(parse_json(&body)?)
    };
    Ok((
        StatusCode::ACCEPTED,
        Json(super::start(&s.db.pool, &caller, id, options).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/imports/{id}/rejects", tag = "imports", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the failed rows with a reason column: .csv/.tsv for text imports, .xlsx for workbooks", content_type = "text/csv"), (status = 404, body = ErrorBody)))]
pub async fn rejects(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    let row = super::load_to_read(&s.db.pool, &caller, id).await?;
    let options: ImportOptions = serde_json::from_str(&row.options).unwrap_or_default();
    let reasons: HashMap<usize, String> = store::rejects(&s.db.pool, id)
        .await?
        .into_iter()
        .map(|(r, why)| (r as usize, why))
        .collect();
    let bytes = store::file(&s.db.pool, id).await?;
    let format =
        Format::parse(&row.format).ok_or_else(|| Error::internal("unknown stored format"))?;
    let (bytes, mime, name) = tokio::task::spawn_blocking(move || {
        let table = super::table_of(&row.filename, &row.format, &bytes, options.sheet.as_deref())?;
        super::rejects::write(&table, format, &row.filename, &reasons)
    })
    .await
    .map_err(Error::internal)??;
    Ok(file_response(bytes, mime, &name))
}

/// A download: the name in ASCII for old clients and in UTF-8 (RFC 5987) beside it.
pub fn file_response(bytes: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded =
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

#[utoipa::path(post, path = "/api/v1/imports/{id}/undo", tag = "imports", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = UndoReport), (status = 404, body = ErrorBody), (status = 409, description = "not finished, or undone already", body = ErrorBody)))]
pub async fn undo(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<UndoReport>, Error> {
    Ok(Json(super::undo::undo(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(get, path = "/api/v1/imports/fields", tag = "imports", security(("bearer" = [])), params(KindQuery),
    responses((status = 200, description = "the fields a column can fill for the kind", body = Vec<FieldInfo>), (status = 422, body = ErrorBody)))]
pub async fn fields(Query(q): Query<KindQuery>) -> Result<Json<Vec<FieldInfo>>, Error> {
    let kind = super::parse_kind(&q.kind)?;
    Ok(Json(
        super::mapping::FIELDS
            .iter()
            .filter(|(_, kinds, _)| kinds.contains(&kind))
            .map(|(f, _, d)| FieldInfo {
                field: f.to_string(),
                description: d.to_string(),
                multi: super::mapping::is_multi(f),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/import-presets", tag = "imports", security(("bearer" = [])), params(KindQuery),
    responses((status = 200, body = Vec<Preset>), (status = 422, body = ErrorBody)))]
pub async fn presets(
    State(s): State<AppState>,
    Query(q): Query<KindQuery>,
) -> Result<Json<Vec<Preset>>, Error> {
    let kind = super::parse_kind(&q.kind)?;
    let rows = store::presets(&s.db.pool, kind.table()).await?;
    let out = rows
        .into_iter()
        .map(|(id, name, mapping)| Preset {
            id,
            kind: kind.table().into(),
            name,
            mapping: serde_json::from_str(&mapping).unwrap_or_default(),
        })
        .collect();
    Ok(Json(out))
}

#[utoipa::path(post, path = "/api/v1/import-presets", tag = "imports", security(("bearer" = [])), request_body = Preset,
    responses((status = 201, body = Preset), (status = 422, body = ErrorBody)))]
pub async fn save_preset(
    State(s): State<AppState>,
    caller: Caller,
    Json(mut p): Json<Preset>,
) -> Result<(StatusCode, Json<Preset>), Error> {
    let kind = super::parse_kind(&p.kind)?;
    super::super::records::require_write(&caller, kind)?;
    for (header, field) in &p.mapping {
        if !field.is_empty() && field != "skip" && !super::mapping::allowed(kind, field) {
            return Err(Error::validation(
                "mapping",
                format!("«{header}»: '{field}' is not a field of {}", kind.table()),
            ));
        }
    }
    let name = crate::crm::normalize::required("name", &p.name, 100)?;
    let text = serde_json::to_string(&p.mapping).map_err(Error::internal)?;
    p.id = store::save_preset(&s.db.pool, kind.table(), &name, &text, caller.id).await?;
    (p.kind, p.name) = (kind.table().into(), name);
    Ok((StatusCode::CREATED, Json(p)))
}

#[utoipa::path(delete, path = "/api/v1/import-presets/{id}", tag = "imports", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_preset(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    if store::delete_preset(&s.db.pool, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound("preset"))
    }
}
