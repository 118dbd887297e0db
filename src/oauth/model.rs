use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// How a mailbox (or relay) signs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    #[default]
    Password,
    /// SASL XOAUTH2, or OAUTHBEARER where the server offers it, with an access token from the provider.
    Oauth2,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::Password => "password",
            AuthKind::Oauth2 => "oauth2",
        }
    }

    pub fn from_column(s: &str) -> AuthKind {
        match s {
            "oauth2" => AuthKind::Oauth2,
            _ => AuthKind::Password,
        }
    }
}

/// Where an OAuth2 sign-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantState {
    /// No refresh token yet: an admin connects it (`POST /api/v1/mailboxes/{id}/oauth/start`).
    AuthorizationNeeded,
    Authorized,
    /// The provider refused the refresh token (consent revoked, token expired): nothing retries until an admin
    /// authorizes again.
    ReauthorizationNeeded,
}

impl GrantState {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantState::AuthorizationNeeded => "authorization_needed",
            GrantState::Authorized => "authorized",
            GrantState::ReauthorizationNeeded => "reauthorization_needed",
        }
    }

    pub fn from_column(s: &str) -> GrantState {
        match s {
            "authorized" => GrantState::Authorized,
            "reauthorization_needed" => GrantState::ReauthorizationNeeded,
            _ => GrantState::AuthorizationNeeded,
        }
    }
}

/// OAuth2 settings given for a mailbox: a preset (`GET /api/v1/oauth/providers`) or `other` with its endpoints.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuthInput {
    /// A preset's name (`microsoft365`, `google`, `yandex`, `mailru`) or `other` (the default).
    pub provider: Option<String>,
    /// `other`: the provider's OIDC discovery URL (`…/.well-known/openid-configuration`), instead of endpoints.
    pub discovery_url: Option<String>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub client_id: String,
    /// Stored encrypted; never returned.
    pub client_secret: Option<String>,
    /// The preset's scopes unless given.
    pub scopes: Option<Vec<String>>,
    /// A refresh token obtained elsewhere (stored encrypted, never returned); without one the mailbox waits for an
    /// admin's consent.
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for OAuthInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the client secret or the refresh token.
        f.debug_struct("OAuthInput")
            .field("provider", &self.provider)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// OAuth2 settings as the API shows them: never a secret or a token.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OAuthView {
    pub provider: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub state: GrantState,
    /// The provider's refusal, when `state` is `reauthorization_needed`.
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub authorized_at: Option<OffsetDateTime>,
}

/// A provider's authorization page for the admin to open.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentStart {
    pub authorization_url: String,
    /// The single-use `state` in that URL; it expires at `expires_at`.
    pub state: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// What the provider sends back to the redirect URL.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ConsentCallback {
    pub code: Option<String>,
    pub state: String,
    /// The provider's refusal (`access_denied` …), instead of a code.
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// The result of a consent: which mailbox or relay it connected.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentDone {
    pub mailbox_id: Option<i64>,
    pub relay_id: Option<i64>,
    pub oauth: OAuthView,
}

/// A provider preset: what a mailbox at that provider needs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Provider {
    pub name: &'static str,
    pub title: &'static str,
    pub authorization_endpoint: &'static str,
    pub token_endpoint: &'static str,
    pub scopes: Vec<&'static str>,
    pub imap_host: &'static str,
    pub imap_port: u16,
    pub smtp_host: &'static str,
    pub smtp_port: u16,
    /// `tls` (implicit) or `starttls` for SMTP.
    pub smtp_security: &'static str,
}
