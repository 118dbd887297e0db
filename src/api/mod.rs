//! Router assembly: the route table, JSON answers for unknown routes and methods, panics and body limits.

pub mod client_addr;
pub mod extract;
mod health;
pub mod openapi;
pub mod routes;

use axum::http::{Request, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::app::AppState;
use crate::error::Error;

pub use routes::RouteInfo;

/// Largest request body the API accepts (mail uploads from the add-in included).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The API answers only its own pages: a request that carries another site's `Origin` is refused.
async fn same_origin(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers();
    if let Some(origin) = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        let ours = [format!("http://{host}"), format!("https://{host}")];
        let public = state
            .public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string());
        let allowed = ours.iter().any(|o| o == origin) || public.as_deref() == Some(origin);
        if !allowed && request.uri().path().starts_with("/api/") {
            return Error::CrossOrigin.into_response();
        }
    }
    next.run(request).await
}

pub fn router(state: AppState) -> (Router, Vec<RouteInfo>) {
    let (router, routes) = routes::table(state.clone()).into_parts();
    let router = router
        .layer(axum::middleware::from_fn_with_state(state.clone(), same_origin))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::ops::metrics::track))
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .fallback(|uri: Uri| async move { Error::RouteNotFound(uri.path().to_string()) })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(|_| -> Response {
            Error::internal("handler panicked").into_response()
        }))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
            }),
        )
        .with_state(state);
    (router, routes)
}
