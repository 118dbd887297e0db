//! Reply policies: one per team and a default for owners in no team. An admin sets any; a team lead their own
//! team's (decided in `crm::access`). Stored as validated JSON, audited; open waits are timed anew on a change.

use sqlx::AnyPool;

use super::hours::WorkingTime;
use super::model::{PolicyAnswer, ReplyPolicy};
use super::store::{self, DEFAULT_TEAM};
use crate::auth::Caller;
use crate::crm::access::{self, Op};
use crate::error::Error;

fn read(text: Option<String>) -> Result<Option<ReplyPolicy>, Error> {
    text.map(|t| serde_json::from_str(&t).map_err(Error::internal))
        .transpose()
}

/// The default policy (the built-in one until an admin sets it).
pub async fn default_policy(pool: &AnyPool) -> Result<PolicyAnswer, Error> {
    let own = read(store::policy(pool, DEFAULT_TEAM).await?)?;
    Ok(PolicyAnswer {
        team_id: None,
        own: own.is_some(),
        policy: own.unwrap_or_default(),
    })
}

async fn team_for(pool: &AnyPool, caller: &Caller, team_id: i64, op: Op) -> Result<(), Error> {
    let team = crate::auth::teams::get(pool, team_id).await?;
    if !access::may_team_settings(caller, &team, op) {
        // A team one is not in does not show; a member who may not change it gets a 403.
        return Err(if access::may_team_settings(caller, &team, Op::Read) {
            Error::Forbidden
        } else {
            Error::NotFound("team")
        });
    }
    Ok(())
}

/// A team's policy, or the default it falls back to (`own: false`).
pub async fn team_policy(
    pool: &AnyPool,
    caller: &Caller,
    team_id: i64,
) -> Result<PolicyAnswer, Error> {
    team_for(pool, caller, team_id, Op::Read).await?;
    match read(store::policy(pool, team_id).await?)? {
        Some(policy) => Ok(PolicyAnswer {
            team_id: Some(team_id),
            own: true,
            policy,
        }),
        None => Ok(PolicyAnswer {
            team_id: Some(team_id),
            own: false,
            policy: default_policy(pool).await?.policy,
        }),
    }
}

/// Sets a team's policy (`Some(team)`) or the default (`None`, admins: the route says so), validated and audited.
pub async fn set(
    pool: &AnyPool,
    caller: &Caller,
    team_id: Option<i64>,
    policy: ReplyPolicy,
    now: i64,
) -> Result<PolicyAnswer, Error> {
    if let Some(team) = team_id {
        team_for(pool, caller, team, Op::Write).await?;
    }
    WorkingTime::parse(&policy)?;
    let policy = ReplyPolicy {
        start: policy.start.trim().to_string(),
        end: policy.end.trim().to_string(),
        time_zone: policy.time_zone.trim().to_string(),
        holidays: policy
            .holidays
            .iter()
            .map(|h| h.trim().to_string())
            .collect(),
        ..policy
    };
    let key = team_id.unwrap_or(DEFAULT_TEAM);
    let before = read(store::policy(pool, key).await?)?;
    let text = serde_json::to_string(&policy).map_err(Error::internal)?;
    let mut tx = crate::db::begin(pool).await?;
    store::set_policy(&mut tx, key, &text, now).await?;
    crate::crm::audit::settings_event(
        &mut tx,
        caller.id,
        "settings",
        ("reply_policy", key),
        &serde_json::json!(before),
        &serde_json::json!(policy),
    )
    .await?;
    tx.commit().await?;
    // Waits already running follow the new hours (their client mail's time stays what it was).
    super::track::retime(pool).await?;
    Ok(PolicyAnswer {
        team_id,
        own: true,
        policy,
    })
}
