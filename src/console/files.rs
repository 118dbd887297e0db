//! The console's files, compiled in from `console/`, each served with a strict Content-Security-Policy.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file: its name under `/console/`, content type and bytes.
macro_rules! embedded {
    ($name:literal, $type:expr) => {
        (
            $name,
            $type,
            include_bytes!(concat!("../../console/", $name)) as &[u8],
        )
    };
}

const JS: &str = "text/javascript; charset=utf-8";

const FILES: &[(&str, &str, &[u8])] = &[
    embedded!("index.html", "text/html; charset=utf-8"),
    embedded!("console.css", "text/css; charset=utf-8"),
    embedded!("app.js", JS),
    embedded!("api.js", JS),
    embedded!("i18n.js", JS),
    embedded!("dom.js", JS),
    embedded!("login.js", JS),
    embedded!("mailboxes.js", JS),
    embedded!("users.js", JS),
    embedded!("teams.js", JS),
    embedded!("reference.js", JS),
    embedded!("settings.js", JS),
    embedded!("integrations.js", JS),
    embedded!("forms_admin.js", JS),
    embedded!("privacy.js", JS),
    embedded!("retention.js", JS),
    embedded!("records.js", JS),
    embedded!("card.js", JS),
    embedded!("mail.js", JS),
    embedded!("tasks.js", JS),
    embedded!("board.js", JS),
    embedded!("duplicates.js", JS),
    embedded!("fields.js", JS),
    embedded!("sync.js", JS),
    embedded!("marketing_words.js", JS),
    embedded!("templates.js", JS),
    embedded!("segments.js", JS),
    embedded!("campaigns.js", JS),
    embedded!("suppressions.js", JS),
    embedded!("chart.js", JS),
    embedded!("people.js", JS),
    embedded!("views.js", JS),
    embedded!("shares.js", JS),
    embedded!("import.js", JS),
    embedded!("bell.js", JS),
    embedded!("me.js", JS),
    embedded!("reports.js", JS),
    embedded!("reports_words.js", JS),
    embedded!("reports_views.js", JS),
    embedded!("reports_charts.js", JS),
    embedded!("awaiting.js", JS),
    embedded!("sequences.css", "text/css; charset=utf-8"),
    embedded!("sequences.js", JS),
    embedded!("sequences_editor.js", JS),
    embedded!("sequences_pickers.js", JS),
    embedded!("sequences_words.js", JS),
    embedded!("mail-merge.js", JS),
    embedded!("search.js", JS),
];

/// Scripts, styles and data only from us: no inline script or style, no eval, no plugins, never framed. Mail HTML
/// is shown in a `srcdoc` iframe with `sandbox` (no scripts, forms or navigation of the console); a srcdoc document
/// inherits this policy, so it loads nothing remote either: no images, fonts, style sheets or frames from anywhere.
/// `frame-src 'none'` also stops a mail's meta refresh or nested frame from loading another site.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; font-src 'self'; frame-src 'none'; child-src 'none'; worker-src 'none'; base-uri 'none'; \
    form-action 'self'; object-src 'none'; frame-ancestors 'none'";

pub fn file(name: &str) -> Option<Response> {
    let (_, content_type, bytes) = FILES.iter().find(|(n, _, _)| *n == name)?;
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, *content_type)],
        *bytes,
    )
        .into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-cache"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    Some(response)
}
