//! Users, roles, passwords (argon2), JWT access tokens and the `Caller` every route sees.

pub mod caller;
pub mod directory;
pub mod jwks;
pub mod model;
pub mod oidc;
mod password;
pub mod provider_token;
pub mod routes;
pub mod service;
mod store;
pub mod teams;
pub mod token;

pub use caller::{Access, Caller};
pub use model::Role;
