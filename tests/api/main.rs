//! Integration tests: the real server over HTTP, on SQLite or PostgreSQL (see `helpers::backend`).

mod auth;
mod cli;
mod errors;
mod helpers;
mod openapi;
mod users;
