//! API keys for integrations (issue 20.3): an admin creates a key with a role and a list of actions; the secret
//! (`mrk_…`) is shown once and only its SHA-256 is stored. A key acts as its own service user, so that what it
//! creates has an owner and its writes an actor in the audit log, exactly as for a person. This module sits in the
//! auth layer: the `Caller` extractor asks it who a key is, and it uses only `db`, `audit` and `auth`.

pub mod actions;
mod keys;
pub mod model;
pub mod routes;
mod store;

pub use actions::{action_for, Action};
pub use keys::{authenticate, presented, Grant};
