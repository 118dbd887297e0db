//! How server instances split the mailboxes between them: each heartbeats and renews its leases every quarter of
//! the lease time (independently of its IMAP sessions), takes free leases up to its fair share, hands surplus back
//! between syncs when another instance joins, and stops a sync at once when its lease is lost.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use sqlx::AnyPool;
use tokio::task::JoinHandle;

use super::progress::{SyncBoard, SyncState};
use super::store::lease::{self as store, Fence, LeaseRow};
use crate::db::now_ms;
use crate::error::Error;

/// How often an instance heartbeats, renews and rebalances: a quarter of the lease, so that one slow round does
/// not lose a lease, and a dead instance's mailboxes move within about a lease and a quarter.
pub fn round(lease: Duration) -> Duration {
    (lease / 4).clamp(Duration::from_millis(100), Duration::from_secs(5))
}

/// The fewest and the most mailboxes each of `alive` instances should sync.
fn share(enabled: usize, alive: usize) -> (usize, usize) {
    let alive = alive.max(1);
    (enabled / alive, enabled.div_ceil(alive))
}

/// One round's view of who holds what.
struct View<'a> {
    me: &'a str,
    now: i64,
    enabled: &'a HashSet<i64>,
    alive: &'a [String],
    leases: &'a [LeaseRow],
}

impl View<'_> {
    /// Some other live instance syncs fewer than `low` enabled mailboxes (it just joined, or others died).
    fn other_below(&self, low: usize) -> bool {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for row in self.leases {
            if let Some(holder) = row.holder.as_deref() {
                if self.enabled.contains(&row.mailbox_id) && !row.is_free(self.now) {
                    *counts.entry(holder).or_default() += 1;
                }
            }
        }
        self.alive
            .iter()
            .filter(|name| name.as_str() != self.me)
            .any(|name| counts.get(name.as_str()).copied().unwrap_or(0) < low)
    }

    /// Enabled mailboxes whose lease nobody holds, by id.
    fn free(&self) -> Vec<i64> {
        self.leases
            .iter()
            .filter(|r| self.enabled.contains(&r.mailbox_id) && r.is_free(self.now))
            .map(|r| r.mailbox_id)
            .collect()
    }

    /// How many leases to hold: up to the ceiling of the fair share, but only the floor while another instance
    /// is below the floor (so that what one hands back goes to the one short of mailboxes, not back to a peer).
    fn target(&self) -> usize {
        let (low, high) = share(self.enabled.len(), self.alive.len());
        if self.other_below(low) {
            low
        } else {
            high
        }
    }

    /// How many of its `mine` leases to hand back: all above the ceiling; above the floor only when nothing is
    /// free for the instance that is short.
    fn surplus(&self, mine: usize) -> usize {
        let (_, high) = share(self.enabled.len(), self.alive.len());
        let target = self.target();
        if mine > high {
            mine - high
        } else if mine > target && self.free().is_empty() {
            mine - target
        } else {
            0
        }
    }
}

/// A mailbox this instance syncs under its lease.
struct Held {
    task: JoinHandle<()>,
    /// The mailbox's settings when the task started: a change restarts it.
    print: String,
    fence: Fence,
    /// To be handed back once its current sync is over.
    handing_over: bool,
}

/// This instance's leases and the sync task of each.
pub struct Holdings {
    pub pool: AnyPool,
    pub me: String,
    pub started_at: i64,
    pub lease: Duration,
    pub progress: SyncBoard,
    held: HashMap<i64, Held>,
}

impl Holdings {
    pub fn new(pool: AnyPool, me: String, lease: Duration, progress: SyncBoard) -> Self {
        Holdings {
            pool,
            me,
            started_at: now_ms(),
            lease,
            progress,
            held: HashMap::new(),
        }
    }

    fn lease_ms(&self) -> i64 {
        self.lease.as_millis() as i64
    }

    /// One round: heartbeat and renew; stop syncs whose lease was lost; stop and hand back those no longer
    /// wanted here; take free leases up to the fair share, starting `spawn(id)` for each.
    pub async fn round(
        &mut self,
        mailboxes: Result<Vec<(i64, bool, String)>, Error>,
        spawn: impl Fn(i64) -> JoinHandle<()>,
    ) {
        let now = now_ms();
        let renewed = async {
            let me = store::InstanceRow {
                name: self.me.clone(),
                started_at: self.started_at,
                last_seen_at: now,
                lease_ms: self.lease_ms(),
            };
            store::heartbeat(&self.pool, &me).await?;
            store::renew(&self.pool, &self.me, now + self.lease_ms()).await?;
            store::leases(&self.pool).await
        }
        .await;
        let mut leases = match renewed {
            Ok(leases) => leases,
            Err(e) => {
                // Unrenewed leases expire and others take them over: no sync may go on on a lease it may not have.
                tracing::warn!(error = %e, "lease renewal failed: this instance stops syncing");
                self.stop_all();
                return;
            }
        };
        self.drop_lost(&leases);
        let mailboxes = match mailboxes {
            Ok(m) => m,
            Err(e) => return tracing::warn!(error = %e, "mailbox list unavailable"),
        };
        let alive = match store::live_instances(&self.pool, now).await {
            Ok(rows) => rows.into_iter().map(|r| r.name).collect::<Vec<_>>(),
            Err(e) => return tracing::warn!(error = %e, "instance list unavailable"),
        };
        let prints: HashMap<i64, String> = mailboxes
            .into_iter()
            .filter(|(_, enabled, _)| *enabled)
            .map(|(id, _, print)| (id, print))
            .collect();
        for id in self.drop_unwanted(&prints).await {
            // Handed back just now: a changed mailbox is taken again this round, not a round later.
            if let Some(row) = leases.iter_mut().find(|r| r.mailbox_id == id) {
                row.holder = None;
            }
        }
        let enabled: HashSet<i64> = prints.keys().copied().collect();
        let view = View {
            me: &self.me,
            now,
            enabled: &enabled,
            alive: &alive,
            leases: &leases,
        };
        let (surplus, target, free) = (view.surplus(self.held.len()), view.target(), view.free());
        self.hand_over(surplus).await;
        for id in free {
            if self.held.len() >= target {
                break;
            }
            match store::acquire(&self.pool, id, &self.me, now + self.lease_ms(), now).await {
                Ok(Some(fence)) => {
                    let print = prints.get(&id).cloned().unwrap_or_default();
                    let task = spawn(id);
                    let held = Held {
                        task,
                        print,
                        fence,
                        handing_over: false,
                    };
                    self.held.insert(id, held);
                }
                Ok(None) => {} // another instance took it first
                Err(e) => tracing::warn!(mailbox_id = id, error = %e, "lease unavailable"),
            }
        }
    }

    /// A lease another instance took (ours expired) or took anew: its sync stops now, without handing back.
    fn drop_lost(&mut self, leases: &[LeaseRow]) {
        let me = self.me.as_str();
        self.held.retain(|id, held| {
            let ours = leases.iter().any(|r| {
                r.mailbox_id == *id
                    && r.holder.as_deref() == Some(me)
                    && r.generation == held.fence.generation
            });
            if !ours {
                tracing::warn!(mailbox_id = id, "mailbox lease lost: sync stopped");
                held.task.abort();
            }
            ours
        });
    }

    /// Mailboxes disabled, deleted or changed, and tasks that ended (waiting for OAuth2 consent): stopped and
    /// handed back (a changed one is taken again, with a new generation, next round).
    async fn drop_unwanted(&mut self, prints: &HashMap<i64, String>) -> Vec<i64> {
        let unwanted: Vec<i64> = self
            .held
            .iter()
            .filter(|(id, h)| prints.get(id) != Some(&h.print) || h.task.is_finished())
            .map(|(id, _)| *id)
            .collect();
        for id in &unwanted {
            self.stop(*id).await;
        }
        unwanted
    }

    /// Marks `surplus` leases (highest ids first) for handing back, and hands back the marked ones whose sync is
    /// not running now (waiting in IDLE or between polls): never in the middle of a sync.
    async fn hand_over(&mut self, surplus: usize) {
        let marked = self.held.values().filter(|h| h.handing_over).count();
        let mut ids: Vec<i64> = self
            .held
            .iter()
            .filter(|(_, h)| !h.handing_over)
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        for id in ids.into_iter().take(surplus.saturating_sub(marked)) {
            if let Some(h) = self.held.get_mut(&id) {
                h.handing_over = true;
            }
        }
        let ready: Vec<i64> = self
            .held
            .iter()
            .filter(|(id, h)| h.handing_over && self.progress.get(**id).state != SyncState::Running)
            .map(|(id, _)| *id)
            .collect();
        for id in ready {
            tracing::info!(mailbox_id = id, "mailbox handed over to another instance");
            self.stop(id).await;
        }
    }

    async fn stop(&mut self, id: i64) {
        if let Some(held) = self.held.remove(&id) {
            held.task.abort();
            if let Err(e) = store::release(&self.pool, id, &self.me).await {
                // Not handed back: it expires after the lease time instead.
                tracing::warn!(mailbox_id = id, error = %e, "lease not released");
            }
        }
    }

    fn stop_all(&mut self) {
        for (_, held) in self.held.drain() {
            held.task.abort();
        }
    }

    /// At shutdown: every sync stopped, every lease handed back, and this instance forgotten.
    pub async fn shut_down(mut self) {
        let ids: Vec<i64> = self.held.keys().copied().collect();
        for id in ids {
            self.stop(id).await;
        }
        let stale = now_ms() - 10 * self.lease_ms();
        let _ = store::forget_instance(&self.pool, &self.me, stale).await;
    }
}

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn shares_are_the_floor_and_the_ceiling() {
        assert_eq!(share(6, 3), (2, 2));
        assert_eq!(share(6, 4), (1, 2));
        assert_eq!(share(7, 3), (2, 3));
        assert_eq!(share(5, 0), (5, 5));
    }
}
