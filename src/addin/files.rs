//! The pane's files, compiled into the binary from `addin/`, served with a strict Content-Security-Policy.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "taskpane.html",
        "text/html; charset=utf-8",
        include_bytes!("../../addin/taskpane.html"),
    ),
    (
        "taskpane.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../addin/taskpane.js"),
    ),
    (
        "strings.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../addin/strings.js"),
    ),
    // @azure/msal-browser's browser bundle, vendored (pinned in tests/addin/package.json): nested app
    // authentication without a CDN at run time.
    (
        "msal-browser.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../addin/msal-browser.min.js"),
    ),
    (
        "taskpane.sso.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../addin/taskpane.sso.js"),
    ),
    (
        "compose.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../addin/compose.js"),
    ),
    (
        "taskpane.password.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../addin/taskpane.password.js"),
    ),
    (
        "taskpane.deals.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../addin/taskpane.deals.js"),
    ),
    (
        "taskpane.search.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../addin/taskpane.search.js"),
    ),
    // The event runtime's page and script (manifest: LaunchEvent OnMessageSend), which log a mail as it is sent.
    (
        "launchevent.html",
        "text/html; charset=utf-8",
        include_bytes!("../../addin/launchevent.html"),
    ),
    (
        "launchevent.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../addin/launchevent.js"),
    ),
    (
        "taskpane.css",
        "text/css; charset=utf-8",
        include_bytes!("../../addin/taskpane.css"),
    ),
    (
        "icon-64.png",
        "image/png",
        include_bytes!("../../addin/icon-64.png"),
    ),
    (
        "icon-128.png",
        "image/png",
        include_bytes!("../../addin/icon-128.png"),
    ),
];

const MANIFEST: &str = include_str!("../../addin/manifest.xml");

/// Scripts only from us and Office's CDN; no inline script, no eval, no plugins; data only from us; framed only by
/// Outlook on the web and the desktop hosts.
pub const CSP: &str = "default-src 'none'; script-src 'self' https://appsforoffice.microsoft.com; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; \
    frame-ancestors 'self' https://*.office.com https://*.office365.com https://*.outlook.com https://outlook.live.com https://*.microsoft.com";

fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

pub fn file(name: &str) -> Option<Response> {
    let (_, content_type, bytes) = FILES.iter().find(|(n, _, _)| *n == name)?;
    Some(secured(
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, *content_type)],
            *bytes,
        )
            .into_response(),
    ))
}

/// The manifest with the server's public base URL filled in (XML-escaped).
pub fn manifest(base_url: &str) -> Response {
    let escaped = base_url
        .trim_end_matches('/')
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let body = MANIFEST.replace("{{BASE_URL}}", &escaped);
    secured(
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
            body,
        )
            .into_response(),
    )
}
