//! The token endpoint over the `oauth2` crate: authorization URLs with PKCE, code exchange and refresh, with the
//! provider's refusal kept apart (`invalid_grant` means an admin must authorize again).

use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};

/// What the token endpoint needs of a credential.
pub struct Client<'a> {
    pub token_endpoint: &'a str,
    pub client_id: &'a str,
    pub client_secret: Option<String>,
}

pub struct Tokens {
    pub access: String,
    pub expires_in: Option<Duration>,
    /// A new refresh token, when the provider rotates them (or on a code exchange).
    pub refresh: Option<String>,
}

/// Why no token came back.
#[derive(Debug)]
pub enum Refusal {
    /// `invalid_grant`: the refresh token or code is revoked, expired or used; the provider's text.
    InvalidGrant(String),
    /// Anything else (network, other OAuth errors): worth retrying later.
    Failed(String),
}

/// An HTTP client for providers: no redirects followed (a token request never goes elsewhere), short timeouts.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a reqwest client with rustls builds")
}

fn base(c: &Client<'_>) -> BasicClient {
    let client = BasicClient::new(ClientId::new(c.client_id.to_string()));
    match &c.client_secret {
        Some(secret) => client.set_client_secret(ClientSecret::new(secret.clone())),
        None => client,
    }
}

type Failure<E> = RequestTokenError<E, oauth2::StandardErrorResponse<BasicErrorResponseType>>;

/// Sends a token request. A 400 without a body is taken for what RFC 6749 §5.2 sends a grant refusal with
/// (glewlwyd answers a revoked refresh token so): the request itself is always well-formed here.
async fn send(request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let response = http()
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let mut headers = response.headers().clone();
    let mut body = response.bytes().await?.to_vec();
    if status == reqwest::StatusCode::BAD_REQUEST && body.iter().all(u8::is_ascii_whitespace) {
        body =
            br#"{"error":"invalid_grant","error_description":"HTTP 400 without details"}"#.to_vec();
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
    }
    let mut out = oauth2::HttpResponse::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

fn refusal<E: std::error::Error>(e: Failure<E>) -> Refusal {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let text = match r.error_description() {
                Some(d) => format!("{}: {d}", r.error()),
                None => r.error().to_string(),
            };
            if *r.error() == BasicErrorResponseType::InvalidGrant {
                Refusal::InvalidGrant(text)
            } else {
                Refusal::Failed(text)
            }
        }
        RequestTokenError::Request(e) => {
            Refusal::Failed(format!("token endpoint unreachable: {e}"))
        }
        RequestTokenError::Parse(e, _) => Refusal::Failed(format!(
            "token endpoint answered something else than a token: {e}"
        )),
        RequestTokenError::Other(e) => Refusal::Failed(e),
    }
}

fn token_url(c: &Client<'_>) -> Result<TokenUrl, Refusal> {
    TokenUrl::new(c.token_endpoint.to_string())
        .map_err(|e| Refusal::Failed(format!("bad token endpoint: {e}")))
}

fn tokens(t: &oauth2::basic::BasicTokenResponse) -> Tokens {
    Tokens {
        access: t.access_token().secret().clone(),
        expires_in: t.expires_in(),
        refresh: t.refresh_token().map(|r| r.secret().clone()),
    }
}

pub async fn refresh(c: &Client<'_>, refresh_token: &str) -> Result<Tokens, Refusal> {
    let client = base(c).set_token_uri(token_url(c)?);
    let answer = client
        .exchange_refresh_token(&RefreshToken::new(refresh_token.to_string()))
        .request_async(&send)
        .await
        .map_err(refusal)?;
    Ok(tokens(&answer))
}

pub async fn exchange_code(
    c: &Client<'_>,
    code: &str,
    verifier: String,
    redirect_uri: &str,
) -> Result<Tokens, Refusal> {
    let redirect = RedirectUrl::new(redirect_uri.to_string())
        .map_err(|e| Refusal::Failed(format!("bad redirect URL: {e}")))?;
    let client = base(c)
        .set_token_uri(token_url(c)?)
        .set_redirect_uri(redirect);
    let answer = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&send)
        .await
        .map_err(refusal)?;
    Ok(tokens(&answer))
}

/// The provider's authorization URL with a fresh `state` and a PKCE S256 challenge; answers the URL, the state
/// and the verifier (kept server-side until the callback).
pub fn authorization_url(
    client_id: &str,
    authorization_endpoint: &str,
    redirect_uri: &str,
    scopes: &[String],
    extra: &[(&str, &str)],
) -> Result<(String, String, String), String> {
    let auth = AuthUrl::new(authorization_endpoint.to_string()).map_err(|e| e.to_string())?;
    let redirect = RedirectUrl::new(redirect_uri.to_string()).map_err(|e| e.to_string())?;
    let client = BasicClient::new(ClientId::new(client_id.to_string()))
        .set_auth_uri(auth)
        .set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())));
    for (k, v) in extra {
        request = request.add_extra_param(*k, *v);
    }
    let (url, state) = request.url();
    Ok((
        url.to_string(),
        state.secret().clone(),
        verifier.secret().clone(),
    ))
}
