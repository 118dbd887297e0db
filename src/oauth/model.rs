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

/// How the access token is obtained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// Delegated: an admin's consent (or a given refresh token), refreshed from then on.
    #[default]
    AuthorizationCode,
    /// App-only (Microsoft 365): the app's client secret, or a client assertion signed with its certificate's key.
    ClientCredentials,
    /// App-only (Google Workspace service account with domain-wide delegation): an assertion for `subject`.
    JwtBearer,
}

impl Grant {
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::ClientCredentials => "client_credentials",
            Grant::JwtBearer => "jwt_bearer",
        }
    }

    pub fn from_column(s: &str) -> Grant {
        match s {
            "client_credentials" => Grant::ClientCredentials,
            "jwt_bearer" => Grant::JwtBearer,
            _ => Grant::AuthorizationCode,
        }
    }

    pub fn app_only(self) -> bool {
        self != Grant::AuthorizationCode
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
    /// `authorization_code` (the default), or app-only `client_credentials` / `jwt_bearer`.
    #[serde(default)]
    pub grant: Grant,
    /// Microsoft 365 app-only: the tenant (id or domain) whose token endpoint issues the app's tokens.
    pub tenant: Option<String>,
    /// The app's client id; for a Google service account its `client_email` (taken from `service_account_key`).
    #[serde(default)]
    pub client_id: String,
    /// Stored encrypted; never returned.
    pub client_secret: Option<String>,
    /// App-only: the RSA private key (PEM) that signs assertions, instead of a client secret. Stored encrypted;
    /// never returned.
    pub private_key: Option<String>,
    /// Microsoft 365 with a certificate: its SHA-1 thumbprint (hex, as Entra ID shows it), sent as `x5t`.
    pub certificate_thumbprint: Option<String>,
    /// Google service account: the key's `private_key_id`, sent as `kid`.
    pub private_key_id: Option<String>,
    /// Google service account: the JSON key file as downloaded (gives client id, key, key id and token URI).
    pub service_account_key: Option<String>,
    /// `jwt_bearer`: the mailbox address the service account acts as (`sub`).
    pub subject: Option<String>,
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
            .field("grant", &self.grant)
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
    pub grant: Grant,
    pub client_id: String,
    pub scopes: Vec<String>,
    /// App-only: the certificate thumbprint or service account key id (never the key itself).
    pub key_id: Option<String>,
    /// `jwt_bearer`: the mailbox the service account acts as.
    pub subject: Option<String>,
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
