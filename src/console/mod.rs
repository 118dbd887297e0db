//! The web console: the browser interface for admins and salespeople, served at `/` from files compiled into the
//! binary (`console/`), so `mailroom serve` is all a user needs. Every page talks to the REST API only.

mod files;

use axum::response::Response;

use crate::api::extract::Path;
use crate::error::{Error, ErrorBody};

pub use files::CSP;

#[utoipa::path(get, path = "/", tag = "console",
    responses((status = 200, description = "the web console's page", content_type = "text/html")))]
pub async fn index() -> Response {
    files::file("index.html").expect("index.html is compiled in")
}

/// Where an OAuth2 provider sends the admin back after consent (`MAILROOM_OAUTH_REDIRECT_URL` =
/// `https://<server>/oauth/callback`): the console's page again, which hands `code` and `state` to the API with the
/// admin's token. A path, not a `#/` fragment: providers refuse redirect URIs with fragments.
#[utoipa::path(get, path = "/oauth/callback", tag = "console",
    responses((status = 200, description = "the web console's page (it completes the OAuth2 consent)", content_type = "text/html")))]
pub async fn oauth_return() -> Response {
    files::file("index.html").expect("index.html is compiled in")
}

#[utoipa::path(get, path = "/console/{file}", tag = "console", params(("file" = String, Path)),
    responses((status = 200, description = "a script or style sheet of the console"), (status = 404, body = ErrorBody)))]
pub async fn file(Path(name): Path<String>) -> Result<Response, Error> {
    files::file(&name).ok_or(Error::NotFound("file"))
}
