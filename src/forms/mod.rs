//! Web forms (issue 20.2): a public endpoint per form (`POST /f/{key}`, JSON or form-encoded) that creates a lead
//! with consent — honeypot, rate limit per client address, duplicate check, assignment rule — and the admin's
//! side: the forms, their embeddable HTML and their submission log. Sits above crm and auth, below api.

mod admin;
mod check;
pub mod model;
pub mod public;
pub mod routes;
mod snippet;
mod store;
mod submit;

/// Forms' entries in the admin audit.
pub const AUDIT_KIND: &str = "form";

/// The rate limit of the public endpoint, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Submissions one client address may send (to all forms together) within the window.
    pub max_per_addr: i64,
    pub window_ms: i64,
}

impl Settings {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Settings {
            max_per_addr: config.form_rate_limit.max(1),
            window_ms: config.form_rate_window_seconds.max(1) * 1000,
        }
    }
}
