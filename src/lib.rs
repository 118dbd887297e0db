//! Mailroom: an email-centric CRM server. `App::build(config)` gives a ready server; `main.rs` is the CLI.

pub mod addin;
pub mod api;
pub mod apikeys;
pub mod app;
pub mod audit;
pub mod auth;
pub mod awaiting;
pub mod bench;
pub mod campaigns;
pub mod config;
pub mod console;
pub mod crm;
pub mod db;
pub mod email_address;
pub mod error;
pub mod imap;
pub mod linking;
pub mod mail;
pub mod oauth;
pub mod ops;
pub mod privacy;
pub mod reminders;
pub mod reports;
pub mod search;
pub mod secrets;
pub mod sequences;
pub mod shutdown;
pub mod smtp;
pub mod telemetry;
pub mod text;
pub mod transfer;
pub mod views;
pub mod webhooks;

pub use app::{App, AppState};
pub use config::Config;
pub use error::Error;
