//! Rate limits for sending: per campaign and per SMTP server.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A sliding-window limiter: at most `per_second` letters in any second and `per_hour` in any hour.
pub struct RateLimiter {
    per_second: Option<usize>,
    per_hour: Option<usize>,
    sent: Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    pub fn new(per_second: Option<i64>, per_hour: Option<i64>) -> Self {
        let positive = |v: Option<i64>| v.filter(|v| *v > 0).map(|v| v as usize);
        RateLimiter {
            per_second: positive(per_second),
            per_hour: positive(per_hour),
            sent: Mutex::new(VecDeque::new()),
        }
    }

    pub fn is_limited(&self) -> bool {
        self.per_second.is_some() || self.per_hour.is_some()
    }

    /// Counts `n` letters sent before this process started (so an hourly limit survives a restart).
    pub fn preload(&self, n: i64) {
        let mut sent = self.sent.lock().expect("limiter lock");
        let now = Instant::now();
        for _ in 0..n.min(self.per_hour.unwrap_or(0) as i64) {
            sent.push_back(now);
        }
    }

    /// How long to wait before the next letter may go; zero means it was counted and may go now.
    pub fn try_take(&self) -> Duration {
        if self.per_second.is_none() && self.per_hour.is_none() {
            return Duration::ZERO;
        }
        let mut sent = self.sent.lock().expect("limiter lock");
        let now = Instant::now();
        let hour = Duration::from_secs(3600);
        while sent.front().is_some_and(|t| now.duration_since(*t) >= hour) {
            sent.pop_front();
        }
        if let Some(limit) = self.per_hour {
            if sent.len() >= limit {
                return hour - now.duration_since(sent[sent.len() - limit]);
            }
        }
        if let Some(limit) = self.per_second {
            let in_last_second = sent
                .iter()
                .rev()
                .take_while(|t| now.duration_since(**t) < Duration::from_secs(1))
                .count();
            if in_last_second >= limit {
                let oldest = sent[sent.len() - limit];
                return Duration::from_secs(1).saturating_sub(now.duration_since(oldest))
                    + Duration::from_millis(1);
            }
        }
        sent.push_back(now);
        Duration::ZERO
    }

    pub async fn take(&self) {
        loop {
            let wait = self.try_take();
            if wait.is_zero() {
                return;
            }
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_allows_per_second_then_waits() {
        let l = RateLimiter::new(Some(3), None);
        for _ in 0..3 {
            assert!(l.try_take().is_zero());
        }
        let wait = l.try_take();
        assert!(wait > Duration::from_millis(900), "{wait:?}");
        let l = RateLimiter::new(None, Some(2));
        l.preload(2);
        assert!(l.try_take() > Duration::from_secs(3500));
    }
}
