//! How a mailbox signs in: a sealed password (LOGIN) or an OAuth2 grant (SASL XOAUTH2 / OAUTHBEARER), with one
//! refresh and retry when the server refuses an access token; and the consent that connects an OAuth2 mailbox.

use sqlx::{AnyConnection, AnyPool};

use super::client::{self, Secret};
use super::model::Mailbox;
use super::store::{self, Account};
use crate::error::Error;
use crate::oauth::model::{AuthKind, ConsentStart, GrantState, OAuthInput};
use crate::oauth::{self, Prepared};
use crate::secrets::SecretBox;

/// What a create or update stores about signing in.
pub struct SignIn {
    pub auth: AuthKind,
    pub password_enc: String,
    /// New OAuth2 settings to store (replacing `drop`).
    pub new_oauth: Option<Prepared>,
    /// The credential to keep using.
    pub keep: Option<i64>,
    /// The former credential, deleted with the update.
    pub drop: Option<i64>,
}

impl SignIn {
    /// Stores new OAuth2 settings, removes replaced ones; answers the credential the mailbox uses.
    pub async fn apply(
        &self,
        conn: &mut AnyConnection,
        secrets: &SecretBox,
    ) -> Result<Option<i64>, Error> {
        let id = match &self.new_oauth {
            Some(p) => Some(oauth::insert(conn, secrets, p).await?),
            None => self.keep,
        };
        Ok(id)
    }

    /// After the mailbox points to its new credential.
    pub async fn cleanup(&self, conn: &mut AnyConnection) -> Result<(), Error> {
        if let Some(old) = self.drop {
            oauth::delete(conn, old).await?;
        }
        Ok(())
    }
}

pub async fn for_create(
    secrets: &SecretBox,
    auth: AuthKind,
    password: &str,
    oauth_input: Option<&OAuthInput>,
) -> Result<SignIn, Error> {
    match auth {
        AuthKind::Password => {
            if oauth_input.is_some() {
                return Err(Error::validation("oauth", "is for auth: oauth2"));
            }
            if password.is_empty() {
                return Err(Error::validation("password", "is required"));
            }
            Ok(SignIn {
                auth,
                password_enc: secrets.seal(password)?,
                new_oauth: None,
                keep: None,
                drop: None,
            })
        }
        AuthKind::Oauth2 => {
            let input = oauth_input
                .ok_or_else(|| Error::validation("oauth", "is required with auth: oauth2"))?;
            if !password.is_empty() {
                return Err(Error::validation(
                    "password",
                    "is not used with auth: oauth2",
                ));
            }
            Ok(SignIn {
                auth,
                password_enc: String::new(),
                new_oauth: Some(oauth::prepare(input).await?),
                keep: None,
                drop: None,
            })
        }
    }
}

/// `moved`: the host, port, security or username change, so stored secrets must be given again.
pub async fn for_update(
    secrets: &SecretBox,
    current: &Account,
    auth: AuthKind,
    password: Option<&str>,
    oauth_input: Option<&OAuthInput>,
    moved: bool,
) -> Result<SignIn, Error> {
    let was = current.mailbox.auth;
    match auth {
        AuthKind::Password => {
            if oauth_input.is_some() {
                return Err(Error::validation("oauth", "is for auth: oauth2"));
            }
            let password_enc = match password {
                Some(p) if !p.is_empty() => secrets.seal(p)?,
                Some(_) => return Err(Error::validation("password", "must not be empty")),
                None if moved || was != AuthKind::Password => return Err(Error::validation(
                    "password",
                    "changing the host, port, security, username or sign-in needs the mailbox's password again",
                )),
                None => current.password_enc.clone(),
            };
            Ok(SignIn {
                auth,
                password_enc,
                new_oauth: None,
                keep: None,
                drop: current.oauth_id,
            })
        }
        AuthKind::Oauth2 => {
            if password.is_some_and(|p| !p.is_empty()) {
                return Err(Error::validation(
                    "password",
                    "is not used with auth: oauth2",
                ));
            }
            let new_oauth = match oauth_input {
                Some(input) => Some(oauth::prepare(input).await?),
                // Tokens go only to the server they were granted for, like passwords.
                None if moved || was != AuthKind::Oauth2 => return Err(Error::validation(
                    "oauth",
                    "changing the host, port, security, username or sign-in needs the OAuth2 settings again",
                )),
                None => None,
            };
            let replaced = new_oauth.is_some();
            Ok(SignIn {
                auth,
                password_enc: String::new(),
                new_oauth,
                keep: current.oauth_id.filter(|_| !replaced),
                drop: current.oauth_id.filter(|_| replaced),
            })
        }
    }
}

fn target<'a>(m: &'a Mailbox, secret: Secret<'a>) -> Result<client::Target<'a>, Error> {
    let port = u16::try_from(m.port).map_err(|_| Error::validation("port", "must be 1-65535"))?;
    Ok(client::Target {
        host: &m.host,
        port,
        security: m.security,
        username: &m.username,
        secret,
    })
}

/// Writes a refused grant's error on the mailbox in the transaction that marks its credential.
pub(super) struct MailboxError(pub(super) i64);

impl oauth::OnRefused for MailboxError {
    fn record<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        error: &'a Error,
    ) -> futures::future::BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            if let Error::Upstream { code, message } = error {
                store::record_error(conn, self.0, code, message).await?;
            }
            Ok(())
        })
    }
}

/// Connects and signs in; an access token the server refuses is refreshed and tried once more.
pub async fn open(
    pool: &AnyPool,
    secrets: &SecretBox,
    account: &Account,
) -> Result<client::ImapSession, Error> {
    let m = &account.mailbox;
    let Some(credential) = account.oauth_id.filter(|_| m.auth == AuthKind::Oauth2) else {
        let password = secrets.open(&account.password_enc)?;
        return client::connect(&target(m, Secret::Password(&password))?).await;
    };
    let record = MailboxError(m.id);
    let token = oauth::access_token_for(pool, secrets, credential, None, &record).await?;
    match client::connect(&target(m, Secret::Bearer(&token))?).await {
        Err(Error::Upstream {
            code: "imap_auth_failed",
            message,
        }) => {
            tracing::info!(mailbox_id = m.id, %message, "access token refused; refreshing it once");
            let token =
                oauth::access_token_for(pool, secrets, credential, Some(&token), &record).await?;
            client::connect(&target(m, Secret::Bearer(&token))?)
                .await
                .map_err(|e| match e {
                    Error::Upstream {
                        code: "imap_auth_failed",
                        message,
                    } => Error::Upstream {
                        code: "imap_auth_failed",
                        message: format!(
                            "{message} (a freshly refreshed access token too: does the mailbox user, client or scope \
                             match what the server accepts?)"
                        ),
                    },
                    other => other,
                })
        }
        other => other,
    }
}

/// Fills in the mailbox's OAuth2 view.
pub async fn with_view(pool: &AnyPool, mut account: Account) -> Result<Account, Error> {
    if let Some(id) = account.oauth_id {
        let view = oauth::view(pool, id).await?;
        let refused = view.state == GrantState::ReauthorizationNeeded;
        account.mailbox.oauth = Some(view);
        if refused && account.mailbox.last_error_code.is_none() {
            // The row was read just before the refusal's transaction committed: its error was written with it.
            if let Some(fresh) = store::get(pool, account.mailbox.id).await? {
                account.mailbox.last_error = fresh.mailbox.last_error;
                account.mailbox.last_error_code = fresh.mailbox.last_error_code;
            }
        }
    }
    Ok(account)
}

/// Whether the worker should sync it: an OAuth2 mailbox only while authorized (no retries while an admin must act).
pub fn runnable(account: &Account) -> bool {
    match (&account.mailbox.auth, &account.mailbox.oauth) {
        (AuthKind::Password, _) => true,
        (AuthKind::Oauth2, Some(view)) => view.state == GrantState::Authorized,
        (AuthKind::Oauth2, None) => false,
    }
}

pub async fn start_consent(
    pool: &AnyPool,
    secrets: &SecretBox,
    account: &Account,
    user_id: i64,
    redirect_uri: Option<&str>,
) -> Result<ConsentStart, Error> {
    let credential = account
        .oauth_id
        .filter(|_| account.mailbox.auth == AuthKind::Oauth2)
        .ok_or_else(|| {
            Error::validation("auth", "the mailbox signs in with a password, not oauth2")
        })?;
    oauth::consent::start(pool, secrets, credential, user_id, redirect_uri).await
}

/// The mailbox a consent connected, if it was a mailbox's.
pub async fn mailbox_of(pool: &AnyPool, credential: i64) -> Result<Option<i64>, Error> {
    store::with_credential(pool, credential).await
}
