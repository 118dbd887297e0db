//! A relay's OAuth2 sign-in: the credential whose access token goes into SASL XOAUTH2, fetched (and refreshed)
//! through `oauth` each time a connection opens.

use sqlx::AnyPool;

use crate::secrets::SecretBox;

#[derive(Clone)]
pub struct Bearer {
    pub pool: AnyPool,
    pub secrets: SecretBox,
    pub credential: i64,
    /// The SASL user: the relay URL's user name.
    pub user: String,
}

impl Bearer {
    /// A usable access token; `refused`: the one the server just refused, so a newer one is fetched.
    pub async fn token(&self, refused: Option<&str>) -> Result<String, String> {
        crate::oauth::access_token(&self.pool, &self.secrets, self.credential, refused)
            .await
            .map_err(|e| format!("OAuth2: {e}"))
    }
}
