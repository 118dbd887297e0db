//! Integration tests: the real server over HTTP, on SQLite or PostgreSQL (see `helpers::backend`).

mod addin;
mod auth;
mod campaign_fixtures;
mod campaigns;
mod campaigns_bounces;
mod campaigns_crash;
mod campaigns_instances;
mod campaigns_relays;
mod campaigns_send;
mod campaigns_smtp;
mod campaigns_suppression;
mod cli;
mod crm_access;
mod crm_flow;
mod crm_records;
mod dovecot;
mod errors;
mod helpers;
mod linking;
mod mail_corpus;
mod mail_sync;
mod mail_threads;
mod openapi;
mod proxy;
mod smtp_sink;
mod users;
