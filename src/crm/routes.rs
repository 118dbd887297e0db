//! Handlers shared by every record kind: shares, audit trails, duplicates, reassignment.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::audit::AuditPage;
use super::records::{
    self, AuditQuery, DuplicatePair, DuplicateQuery, ReassignRequest, ReassignResult, ShareRequest,
    Shares,
};
use super::RecordKind;
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The record merged into this one and then deleted.
    pub other_id: i64,
}

macro_rules! record_routes {
    ($kind:expr, $audit:ident, $audit_path:literal, $list:ident, $add:ident, $shares_path:literal, $remove:ident, $share_path:literal) => {
        #[utoipa::path(get, path = $audit_path, tag = "audit", security(("bearer" = [])), params(("id" = i64, Path), AuditQuery),
            responses((status = 200, description = "newest first", body = AuditPage), (status = 404, body = ErrorBody)))]
        pub async fn $audit(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>, Query(q): Query<AuditQuery>) -> Result<Json<AuditPage>, Error> {
            Ok(Json(records::audit_trail(&s.db.pool, &caller, $kind, id, q).await?))
        }

        #[utoipa::path(get, path = $shares_path, tag = "sharing", security(("bearer" = [])), params(("id" = i64, Path)),
            responses((status = 200, body = Shares), (status = 404, body = ErrorBody)))]
        pub async fn $list(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>) -> Result<Json<Shares>, Error> {
            Ok(Json(records::shares(&s.db.pool, &caller, $kind, id).await?))
        }

        #[utoipa::path(post, path = $shares_path, tag = "sharing", security(("bearer" = [])), params(("id" = i64, Path)),
            request_body = ShareRequest, responses((status = 200, body = Shares), (status = 403, description = "only the owner or an admin shares", body = ErrorBody)))]
        pub async fn $add(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>, Json(body): Json<ShareRequest>) -> Result<Json<Shares>, Error> {
            Ok(Json(records::share(&s.db.pool, &caller, $kind, id, body.user_id).await?))
        }

        #[utoipa::path(delete, path = $share_path, tag = "sharing", security(("bearer" = [])), params(("id" = i64, Path), ("user_id" = i64, Path)),
            responses((status = 204), (status = 404, body = ErrorBody)))]
        pub async fn $remove(State(s): State<AppState>, caller: Caller, Path((id, user_id)): Path<(i64, i64)>) -> Result<StatusCode, Error> {
            records::unshare(&s.db.pool, &caller, $kind, id, user_id).await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

record_routes!(
    RecordKind::Contact,
    contact_audit,
    "/api/v1/contacts/{id}/audit",
    contact_shares,
    share_contact,
    "/api/v1/contacts/{id}/shares",
    unshare_contact,
    "/api/v1/contacts/{id}/shares/{user_id}"
);
record_routes!(
    RecordKind::Company,
    company_audit,
    "/api/v1/companies/{id}/audit",
    company_shares,
    share_company,
    "/api/v1/companies/{id}/shares",
    unshare_company,
    "/api/v1/companies/{id}/shares/{user_id}"
);
record_routes!(
    RecordKind::Lead,
    lead_audit,
    "/api/v1/leads/{id}/audit",
    lead_shares,
    share_lead,
    "/api/v1/leads/{id}/shares",
    unshare_lead,
    "/api/v1/leads/{id}/shares/{user_id}"
);
record_routes!(
    RecordKind::Deal,
    deal_audit,
    "/api/v1/deals/{id}/audit",
    deal_shares,
    share_deal,
    "/api/v1/deals/{id}/shares",
    unshare_deal,
    "/api/v1/deals/{id}/shares/{user_id}"
);

#[utoipa::path(get, path = "/api/v1/duplicates", tag = "duplicates", security(("bearer" = [])), params(DuplicateQuery),
    responses((status = 200, body = Vec<DuplicatePair>), (status = 403, body = ErrorBody)))]
pub async fn duplicates(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<DuplicateQuery>,
) -> Result<Json<Vec<DuplicatePair>>, Error> {
    Ok(Json(records::duplicates(&s.db.pool, &caller, q).await?))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/reassign", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ReassignRequest, responses((status = 200, body = ReassignResult), (status = 422, body = ErrorBody)))]
pub async fn reassign(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReassignRequest>,
) -> Result<Json<ReassignResult>, Error> {
    Ok(Json(
        records::reassign(&s.db.pool, &caller, id, body.to_user_id).await?,
    ))
}
