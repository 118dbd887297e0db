//! One-click unsubscribe (RFC 8058): signed tokens naming a campaign recipient, the public confirmation page (GET,
//! changes nothing) and the one-click POST that suppresses the address at once.

use axum::extract::State;
use axum::response::Html;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::AnyPool;

use super::store;
use crate::api::extract::Path;
use crate::app::AppState;
use crate::error::{Error, ErrorBody};

type HmacSha256 = Hmac<Sha256>;

const PAGE: &str = include_str!("../../templates/unsubscribe.html.tera");

/// The key that signs unsubscribe tokens, derived from the token secret so every instance sharing it agrees.
pub fn derive_key(secret: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(b"mailroom unsubscribe token v1");
    mac.finalize().into_bytes().to_vec()
}

fn mac(key: &[u8], campaign_id: i64, recipient_id: i64, address: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(format!("{campaign_id}\n{recipient_id}\n{address}").as_bytes());
    mac
}

/// `c.r.signature`, URL-safe: ids in clear (they are not secret), the signature binds them to the address.
pub fn token(key: &[u8], campaign_id: i64, recipient_id: i64, address: &str) -> String {
    let sig = mac(key, campaign_id, recipient_id, address)
        .finalize()
        .into_bytes();
    format!(
        "{campaign_id}.{recipient_id}.{}",
        URL_SAFE_NO_PAD.encode(sig)
    )
}

fn invalid() -> Error {
    Error::BadRequest {
        code: "invalid_unsubscribe_link",
        message: "this unsubscribe link is not valid".into(),
    }
}

/// The recipient a token names, when its signature holds: (campaign id, recipient id, address).
pub async fn verify(pool: &AnyPool, key: &[u8], token: &str) -> Result<(i64, i64, String), Error> {
    let mut parts = token.splitn(3, '.');
    let (Some(c), Some(r), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let (Ok(campaign_id), Ok(recipient_id)) = (c.parse::<i64>(), r.parse::<i64>()) else {
        return Err(invalid());
    };
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| invalid())?;
    let Some((stored_campaign, address)) =
        store::queue::recipient_address(pool, recipient_id).await?
    else {
        return Err(invalid());
    };
    if stored_campaign != campaign_id {
        return Err(invalid());
    }
    // verify_slice compares in constant time.
    mac(key, campaign_id, recipient_id, &address)
        .verify_slice(&sig)
        .map_err(|_| invalid())?;
    Ok((campaign_id, recipient_id, address))
}

fn page(address: &str, token: &str, done: bool) -> Result<Html<String>, Error> {
    let mut context = tera::Context::new();
    context.insert("address", address);
    context.insert("token", token);
    context.insert("done", &done);
    tera::Tera::one_off(PAGE, &context, true)
        .map(Html)
        .map_err(Error::internal)
}

#[utoipa::path(get, path = "/u/{token}", tag = "unsubscribe", params(("token" = String, Path)),
    responses((status = 200, description = "confirmation page; changes nothing", content_type = "text/html"),
              (status = 400, body = ErrorBody)))]
pub async fn confirm_page(
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Html<String>, Error> {
    let (_, _, address) = verify(&s.db.pool, &s.campaigns.unsubscribe_key, &token).await?;
    page(&address, &token, false)
}

#[utoipa::path(post, path = "/u/{token}", tag = "unsubscribe", params(("token" = String, Path)),
    description = "RFC 8058 one-click: the body `List-Unsubscribe=One-Click` is accepted and not required.",
    responses((status = 200, description = "unsubscribed", content_type = "text/html"), (status = 400, body = ErrorBody)))]
pub async fn one_click(
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Html<String>, Error> {
    let (campaign_id, recipient_id, address) =
        verify(&s.db.pool, &s.campaigns.unsubscribe_key, &token).await?;
    store::suppress(
        &s.db.pool,
        &address,
        "unsubscribed",
        Some((campaign_id, recipient_id)),
        "one-click unsubscribe",
    )
    .await?;
    let source = format!("one-click unsubscribe, campaign {campaign_id}");
    crate::crm::contacts::withdraw_consent_by_address(&s.db.pool, &address, &source).await?;
    tracing::info!(campaign_id, recipient_id, "unsubscribed");
    page(&address, &token, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_bind_ids_and_address() {
        let key = derive_key(b"secret");
        let t = token(&key, 1, 2, "a@x.ru");
        assert_eq!(t, token(&key, 1, 2, "a@x.ru"));
        assert_ne!(t, token(&key, 1, 3, "a@x.ru"));
        assert_ne!(t, token(&key, 1, 2, "b@x.ru"));
        assert_ne!(t, token(&derive_key(b"other"), 1, 2, "a@x.ru"));
        assert!(t.starts_with("1.2."));
        assert!(!t.contains('='));
    }
}
