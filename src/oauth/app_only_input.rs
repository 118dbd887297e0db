//! App-only settings checked at the edge (which secret goes with which grant, a key that loads, a Google service
//! account's JSON key file), and a stored credential turned into a token request.

use serde::Deserialize;

use super::app_only::{self, AppClient, AppKey};
use super::model::{Grant, OAuthInput};
use super::store::Credential;
use super::token::{Refusal, Tokens};
use crate::error::Error;
use crate::secrets::SecretBox;

/// The fields of a Google service account key file that signing needs.
#[derive(Deserialize)]
pub struct ServiceAccount {
    pub client_email: String,
    pub private_key: String,
    pub private_key_id: Option<String>,
    pub token_uri: Option<String>,
}

pub fn service_account(json: &str) -> Result<ServiceAccount, Error> {
    serde_json::from_str(json).map_err(|e| {
        Error::validation(
            "oauth.service_account_key",
            format!("not a service account key file (JSON with client_email and private_key): {e}"),
        )
    })
}

/// The certificate's `x5t` (Microsoft) or the key's `kid` (Google).
pub fn key_id(
    input: &OAuthInput,
    account: Option<&ServiceAccount>,
) -> Result<Option<String>, Error> {
    if let Some(t) = input.certificate_thumbprint.as_deref() {
        return app_only::x5t(t)
            .map(Some)
            .map_err(|e| Error::validation("oauth.certificate_thumbprint", e));
    }
    Ok(input
        .private_key_id
        .clone()
        .or_else(|| account.and_then(|a| a.private_key_id.clone()))
        .filter(|k| !k.trim().is_empty()))
}

/// Which secrets each grant takes: exactly one way to prove the app, and no refresh token for app-only grants.
pub fn check(
    grant: Grant,
    client_secret: &Option<String>,
    private_key: &Option<String>,
    subject: &Option<String>,
    refresh_token: &Option<String>,
) -> Result<(), Error> {
    if let Some(pem) = private_key {
        if !grant.app_only() {
            return Err(Error::validation(
                "oauth.private_key",
                "is for the client_credentials and jwt_bearer grants",
            ));
        }
        app_only::check_key(pem).map_err(|e| Error::validation("oauth.private_key", e))?;
    }
    if grant.app_only() && refresh_token.is_some() {
        return Err(Error::validation(
            "oauth.refresh_token",
            "app-only grants use no refresh token",
        ));
    }
    match grant {
        Grant::AuthorizationCode => Ok(()),
        Grant::ClientCredentials => match (client_secret, private_key) {
            (Some(_), None) | (None, Some(_)) => Ok(()),
            _ => Err(Error::validation(
                "oauth.client_secret",
                "client credentials take either a client secret or a certificate's private_key",
            )),
        },
        Grant::JwtBearer => {
            if private_key.is_none() {
                return Err(Error::validation(
                    "oauth.private_key",
                    "a service account signs with its private key (or give service_account_key)",
                ));
            }
            match subject {
                Some(s) if crate::email_address::EmailAddress::parse(s).is_ok() => Ok(()),
                _ => Err(Error::validation(
                    "oauth.subject",
                    "the mailbox address the service account acts as is required",
                )),
            }
        }
    }
}

/// A new app-only access token for a stored credential.
pub async fn fetch(secrets: &SecretBox, c: &Credential) -> Result<Tokens, Refusal> {
    let open = |sealed: &Option<String>| {
        sealed
            .as_deref()
            .map(|s| secrets.open(s))
            .transpose()
            .map_err(|e| Refusal::Failed(format!("a stored secret does not open: {e}")))
    };
    let secret = open(&c.client_secret_sealed)?;
    let pem = open(&c.private_key_sealed)?;
    let key = match (&pem, &secret) {
        (Some(pem), _) => AppKey::PrivateKey {
            pem,
            key_id: c.key_id.as_deref(),
        },
        (None, Some(secret)) => AppKey::Secret(secret),
        (None, None) => {
            return Err(Refusal::InvalidGrant(
                "no client secret or private key is stored".into(),
            ))
        }
    };
    let client = AppClient {
        token_endpoint: &c.token_endpoint,
        client_id: &c.client_id,
        scopes: &c.scopes,
        key,
    };
    match c.grant {
        Grant::JwtBearer => {
            let subject = c.subject.as_deref().unwrap_or_default();
            app_only::jwt_bearer(&client, subject).await
        }
        _ => app_only::client_credentials(&client).await,
    }
}
