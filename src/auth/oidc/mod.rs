//! Sign-in to the console through the company's identity provider (Entra ID, Google, any OIDC provider by its
//! discovery document), and the providers whose access tokens the add-in may present.

pub mod addin;
pub mod edit;
pub mod login;
pub mod model;
pub mod providers;
pub mod routes;
mod store;
mod users;

pub use store::{token_issuers, Provider};
pub use users::by_email as user_by_email;
