//! Secrets at rest (mailbox passwords, relay URLs, OAuth2 tokens) are sealed with XChaCha20-Poly1305. The key comes
//! from the configuration or is generated once into the data directory (owner-only); without it nothing sealed opens.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use crate::error::Error;

#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Self {
        SecretBox {
            cipher: XChaCha20Poly1305::new(&Key::from(*key)),
        }
    }

    /// A key from base64 text (configuration) or the data directory's `secret-key` file, created when missing.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> std::io::Result<Self> {
        let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
        let text = match configured {
            Some(text) => text.to_string(),
            None => {
                let path = data_dir.join("secret-key");
                match std::fs::read_to_string(&path) {
                    Ok(text) => text,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
                        let text = STANDARD.encode(key);
                        crate::auth::token::write_private(&path, &text)?;
                        text
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|e| invalid(format!("secret key is not base64: {e}")))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| invalid("secret key must be 32 bytes".into()))?;
        Ok(SecretBox::new(&key))
    }

    pub fn seal(&self, plain: &str) -> Result<String, Error> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plain.as_bytes())
            .map_err(|_| Error::internal("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<String, Error> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| Error::internal("stored secret is not base64"))?;
        if bytes.len() < 24 {
            return Err(Error::internal("stored secret is too short"));
        }
        let (nonce, body) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(Error::internal)?;
        let plain = self
            .cipher
            .decrypt(&XNonce::from(nonce), body)
            .map_err(|_| {
                Error::internal("stored secret cannot be decrypted: was the secret key changed?")
            })?;
        String::from_utf8(plain).map_err(Error::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_passwords_open_only_with_the_same_key_and_never_show_the_plain_text() {
        let a = SecretBox::new(&[7u8; 32]);
        let sealed = a.seal("пароль-123").unwrap();
        assert!(!sealed.contains("пароль"));
        assert_ne!(
            sealed,
            a.seal("пароль-123").unwrap(),
            "a fresh nonce every time"
        );
        assert_eq!(a.open(&sealed).unwrap(), "пароль-123");
        assert!(SecretBox::new(&[8u8; 32]).open(&sealed).is_err());
    }
}
