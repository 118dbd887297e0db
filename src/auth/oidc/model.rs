//! Identity providers for sign-in, as the admin API takes and shows them (never the client secret).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::auth::Role;

/// Which kind of identity provider: its discovery document follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Entra ID (Microsoft 365): `tenant` names the directory.
    Microsoft,
    Google,
    /// Any OpenID Connect provider, by its `discovery_url`.
    Oidc,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Microsoft => "microsoft",
            ProviderKind::Google => "google",
            ProviderKind::Oidc => "oidc",
        }
    }

    pub fn from_column(s: &str) -> ProviderKind {
        match s {
            "microsoft" => ProviderKind::Microsoft,
            "google" => ProviderKind::Google,
            _ => ProviderKind::Oidc,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProvider {
    /// Shown on the sign-in button.
    pub name: String,
    pub kind: ProviderKind,
    /// `microsoft`: the tenant id or domain (its issuer is per tenant).
    pub tenant: Option<String>,
    /// `oidc`: `…/.well-known/openid-configuration`.
    pub discovery_url: Option<String>,
    pub client_id: String,
    /// Stored encrypted; never returned.
    pub client_secret: Option<String>,
    /// `openid email profile` unless given.
    pub scopes: Option<Vec<String>>,
    /// Create unknown users (just in time) with `default_role`.
    #[serde(default)]
    pub jit: bool,
    pub default_role: Option<Role>,
    /// Take an e-mail without an `email_verified` claim as verified (only for providers that verify every
    /// address they issue, e.g. a company directory). `email_verified: false` is refused regardless.
    #[serde(default)]
    pub trust_email: bool,
    /// Access tokens for these audiences (app id URI, client id) are accepted as the add-in's bearer tokens.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// The Outlook add-in signs in with this provider's app (nested app authentication); at most one enabled
    /// provider is marked. Needs `audiences` and `addin_scopes`.
    #[serde(default)]
    pub addin: bool,
    /// What the pane asks for: the API's scope, e.g. `api://mailroom.example.com/<client id>/access_as_user`.
    #[serde(default)]
    pub addin_scopes: Vec<String>,
}

impl std::fmt::Debug for NewProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewProvider")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// A provider as admins see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderView {
    pub id: i64,
    pub name: String,
    pub kind: ProviderKind,
    pub discovery_url: String,
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub jit: bool,
    pub default_role: Role,
    pub trust_email: bool,
    pub audiences: Vec<String>,
    pub addin: bool,
    pub addin_scopes: Vec<String>,
    pub enabled: bool,
    /// Whether a client secret is stored (it is never shown).
    pub has_client_secret: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A change to a provider: only what is given changes. Its endpoints stay those of its discovery document.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderPatch {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub jit: Option<bool>,
    pub default_role: Option<Role>,
    pub trust_email: Option<bool>,
    /// Replaces the stored secret (sealed, never returned); an empty string removes it (a public client).
    pub client_secret: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub audiences: Option<Vec<String>>,
    pub addin: Option<bool>,
    pub addin_scopes: Option<Vec<String>>,
}

impl std::fmt::Debug for ProviderPatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderPatch")
            .field("name", &self.name)
            .field("enabled", &self.enabled)
            .field("addin", &self.addin)
            .finish_non_exhaustive()
    }
}

/// What the Outlook pane needs to sign itself in (public): `nested_app_auth` is null when no enabled identity
/// provider is marked for the add-in, and the pane then offers the password sign-in only.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddinConfig {
    pub nested_app_auth: Option<NestedAppAuth>,
}

/// MSAL's settings for `createNestablePublicClientApplication` and the token request.
#[derive(Debug, Serialize, ToSchema)]
pub struct NestedAppAuth {
    /// The add-in's app registration (Entra ID application id).
    pub client_id: String,
    /// `https://login.microsoftonline.com/{tenant}` for Entra ID, else the provider's issuer.
    pub authority: String,
    pub scopes: Vec<String>,
}

/// What the sign-in page lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderButton {
    pub id: i64,
    pub name: String,
}

/// What the provider sends back to the callback.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SignInCallback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}
