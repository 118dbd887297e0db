//! Integration tests: the real server over HTTP, on SQLite or PostgreSQL (see `helpers::backend`).

mod auth;
mod campaign_fixtures;
mod campaigns;
mod campaigns_crash;
mod campaigns_send;
mod campaigns_smtp;
mod campaigns_suppression;
mod cli;
mod crm_access;
mod crm_flow;
mod crm_records;
mod errors;
mod helpers;
mod openapi;
mod smtp_sink;
mod users;
