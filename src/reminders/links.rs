//! Signed links in reminder letters: `task.user.action.expires.signature`, HMAC-SHA256 with a key derived from the
//! server's token secret. Ids are in clear (not secret); the signature binds them to the action and the expiry.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How long a letter's links work.
pub const VALID_MS: i64 = 7 * 24 * 3600 * 1000;

/// What a link does to its task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Done,
    SnoozeHour,
    SnoozeDay,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Done, Action::SnoozeHour, Action::SnoozeDay];

    fn as_str(self) -> &'static str {
        match self {
            Action::Done => "done",
            Action::SnoozeHour => "1h",
            Action::SnoozeDay => "1d",
        }
    }

    fn parse(text: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// How far a snooze moves the reminder.
    pub fn snooze_ms(self) -> Option<i64> {
        match self {
            Action::Done => None,
            Action::SnoozeHour => Some(3600 * 1000),
            Action::SnoozeDay => Some(24 * 3600 * 1000),
        }
    }

    /// The button and the letter's line, in words.
    pub fn label(self) -> &'static str {
        match self {
            Action::Done => "Mark the task done",
            Action::SnoozeHour => "Remind me in 1 hour",
            Action::SnoozeDay => "Remind me tomorrow",
        }
    }
}

/// What a valid link names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub task_id: i64,
    pub user_id: i64,
    pub action: Action,
    pub expires_ms: i64,
}

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Malformed, or the signature does not hold.
    Forged,
    Expired,
}

pub fn derive_key(secret: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(b"mailroom reminder link v1");
    mac.finalize().into_bytes().to_vec()
}

fn mac(key: &[u8], link: &Link) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    let text = format!(
        "{}\n{}\n{}\n{}",
        link.task_id,
        link.user_id,
        link.action.as_str(),
        link.expires_ms
    );
    mac.update(text.as_bytes());
    mac
}

pub fn sign(key: &[u8], link: &Link) -> String {
    let sig = mac(key, link).finalize().into_bytes();
    format!(
        "{}.{}.{}.{}.{}",
        link.task_id,
        link.user_id,
        link.action.as_str(),
        link.expires_ms,
        URL_SAFE_NO_PAD.encode(sig)
    )
}

/// The link a token names, when its signature holds and it has not expired at `now`.
pub fn verify(key: &[u8], token: &str, now: i64) -> Result<Link, Refusal> {
    let parts: Vec<&str> = token.split('.').collect();
    let [task, user, action, expires, sig] = parts[..] else {
        return Err(Refusal::Forged);
    };
    let link = match (
        task.parse(),
        user.parse(),
        Action::parse(action),
        expires.parse(),
    ) {
        (Ok(task_id), Ok(user_id), Some(action), Ok(expires_ms)) => Link {
            task_id,
            user_id,
            action,
            expires_ms,
        },
        _ => return Err(Refusal::Forged),
    };
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| Refusal::Forged)?;
    // verify_slice compares in constant time.
    mac(key, &link)
        .verify_slice(&sig)
        .map_err(|_| Refusal::Forged)?;
    if now > link.expires_ms {
        return Err(Refusal::Expired);
    }
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_bind_task_user_action_and_expiry() {
        let key = derive_key(b"secret");
        let link = Link {
            task_id: 7,
            user_id: 3,
            action: Action::SnoozeHour,
            expires_ms: 1_000,
        };
        let token = sign(&key, &link);
        assert_eq!(verify(&key, &token, 999), Ok(link));
        assert_eq!(verify(&key, &token, 1_001), Err(Refusal::Expired));
        let other_key = derive_key(b"other");
        assert_eq!(verify(&other_key, &token, 0), Err(Refusal::Forged));
        let swapped = token.replacen("1h", "done", 1);
        assert_eq!(verify(&key, &swapped, 0), Err(Refusal::Forged));
        let later = token.replacen(".1000.", ".9000.", 1);
        assert_eq!(verify(&key, &later, 0), Err(Refusal::Forged));
        assert_eq!(verify(&key, "garbage", 0), Err(Refusal::Forged));
        assert!(!token.contains('='));
    }
}
