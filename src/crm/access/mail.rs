//! Who reads which mail. Members of a mailbox that holds a message (and whoever logged it from their own mail
//! client) read it in full; anyone else who may see a record it is linked to reads what the most permissive
//! holding mailbox's policy grants. Links decide where mail shows, never more than that. Admins read everything.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, AnyPool, Row};
use utoipa::ToSchema;

use super::{push_visible, role_may, scope, Op};
use crate::auth::Caller;
use crate::crm::kind::RecordKind;
use crate::db::sql::Sql;
use crate::error::Error;

/// What a mailbox shows of its mail to people who are not its members but see a record the mail is linked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MailboxPolicy {
    /// Nothing.
    Private,
    /// Participants and date.
    Metadata,
    /// Also the subject.
    Subject,
    /// Also the body and attachments.
    Full,
}

impl MailboxPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            MailboxPolicy::Private => "private",
            MailboxPolicy::Metadata => "metadata",
            MailboxPolicy::Subject => "subject",
            MailboxPolicy::Full => "full",
        }
    }

    /// From the database column (its CHECK constraint allows only these).
    pub fn from_column(s: &str) -> MailboxPolicy {
        match s {
            "full" => MailboxPolicy::Full,
            "subject" => MailboxPolicy::Subject,
            "metadata" => MailboxPolicy::Metadata,
            _ => MailboxPolicy::Private,
        }
    }
}

/// How much of one message the caller reads. `None` is absent: a 404, never a hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MailLevel {
    None,
    Metadata,
    Subject,
    Full,
}

impl MailLevel {
    pub fn from_rank(rank: i64) -> MailLevel {
        match rank {
            3.. => MailLevel::Full,
            2 => MailLevel::Subject,
            1 => MailLevel::Metadata,
            _ => MailLevel::None,
        }
    }
}

const MEMBER_OF_HOLDING_MAILBOX: &str = "EXISTS (SELECT 1 FROM message_locations al
    JOIN mail_folders af ON af.id = al.folder_id JOIN mailboxes ab ON ab.id = af.mailbox_id
    WHERE al.message_id = ";

const POLICY_RANK: &str = "COALESCE((SELECT MAX(CASE pb.visibility WHEN 'full' THEN 3 WHEN 'subject' THEN 2
    WHEN 'metadata' THEN 1 ELSE 0 END) FROM message_locations pl JOIN mail_folders pf ON pf.id = pl.folder_id
    JOIN mailboxes pb ON pb.id = pf.mailbox_id WHERE pl.message_id = ";

/// Appends an SQL expression (0 none, 1 metadata, 2 subject, 3 full) of what the caller reads of message
/// `<alias>`: every mail list, detail, timeline and lookup reads it from here.
pub fn push_mail_level(sql: &mut Sql, caller: &Caller, alias: &str) {
    // BIGINT on both backends: PostgreSQL would type the bare CASE as int4, which reads back as no i64.
    sql.push("CAST(");
    push_level_rank(sql, caller, alias);
    sql.push(" AS BIGINT)");
}

fn push_level_rank(sql: &mut Sql, caller: &Caller, alias: &str) {
    if caller.is_admin() {
        sql.push("3");
        return;
    }
    let me = caller.id;
    sql.push("(CASE WHEN ")
        .push(MEMBER_OF_HOLDING_MAILBOX)
        .push(alias)
        .push(".id AND (ab.owner_id = ")
        .bind(me)
        .push(" OR EXISTS (SELECT 1 FROM mailbox_members am WHERE am.mailbox_id = ab.id AND am.user_id = ")
        .bind(me)
        .push("))) OR EXISTS (SELECT 1 FROM message_loggers ag WHERE ag.message_id = ")
        .push(alias)
        .push(".id AND ag.user_id = ")
        .bind(me)
        .push(") THEN 3 WHEN ")
        .push(alias)
        .push(".thread_id IN (SELECT thread_id FROM private_threads) THEN 0 WHEN NOT ");
    push_linked_to_visible(sql, caller, alias);
    // Mail only logged from Outlook (no mailbox holds it) shows by the record's rules; mail a mailbox holds keeps
    // its policy even when a member logged it.
    sql.push(" THEN 0 WHEN EXISTS (SELECT 1 FROM message_loggers ao WHERE ao.message_id = ")
        .push(alias)
        .push(".id) AND NOT EXISTS (SELECT 1 FROM message_locations ol WHERE ol.message_id = ")
        .push(alias)
        .push(".id) THEN 3 ELSE ")
        .push(POLICY_RANK)
        .push(alias)
        .push(".id), 0) END)");
}

/// `EXISTS (a link of the message to a record the caller sees)`.
fn push_linked_to_visible(sql: &mut Sql, caller: &Caller, alias: &str) {
    sql.push("EXISTS (SELECT 1 FROM message_links ak WHERE ak.message_id = ")
        .push(alias)
        .push(".id AND ak.removed = 0 AND (1 = 0");
    for kind in [
        RecordKind::Contact,
        RecordKind::Company,
        RecordKind::Lead,
        RecordKind::Deal,
    ] {
        if !role_may(caller.role, kind, Op::Read) {
            continue;
        }
        sql.push(" OR (ak.record_kind = ")
            .bind(kind.as_str())
            .push(" AND EXISTS (SELECT 1 FROM ")
            .push(kind.table())
            .push(" ar WHERE ar.id = ak.record_id");
        push_visible(sql, scope(caller, kind), kind, "ar");
        sql.push("))");
    }
    sql.push("))");
}

/// What the caller reads of one message (`None` when it does not exist or is hidden).
pub async fn mail_level(
    conn: &mut AnyConnection,
    caller: &Caller,
    message_id: i64,
) -> Result<MailLevel, Error> {
    let mut sql = Sql::new("SELECT ");
    push_mail_level(&mut sql, caller, "m");
    sql.push(" AS lvl FROM messages m WHERE m.id = ")
        .bind(message_id);
    let row = sql.query().fetch_optional(conn).await?;
    Ok(match row {
        Some(r) => MailLevel::from_rank(r.try_get("lvl")?),
        None => MailLevel::None,
    })
}

/// At least `min` of the message, or 404 (the same answer as for a message that does not exist).
pub async fn require_mail(
    pool: &AnyPool,
    caller: &Caller,
    message_id: i64,
    min: MailLevel,
) -> Result<MailLevel, Error> {
    let level = mail_level(&mut *pool.acquire().await?, caller, message_id).await?;
    if level >= min && level > MailLevel::None {
        Ok(level)
    } else {
        Err(Error::NotFound("message"))
    }
}

/// A member of a mailbox holding mail of the thread (or an admin) may mark it private.
pub async fn may_mark_thread(
    conn: &mut AnyConnection,
    caller: &Caller,
    thread_id: i64,
) -> Result<bool, Error> {
    if caller.is_admin() {
        return Ok(true);
    }
    let mut sql = Sql::new("SELECT 1 AS one FROM messages m WHERE m.thread_id = ");
    sql.bind(thread_id)
        .push(" AND ")
        .push(MEMBER_OF_HOLDING_MAILBOX)
        .push("m.id AND (ab.owner_id = ")
        .bind(caller.id)
        .push(" OR EXISTS (SELECT 1 FROM mailbox_members am WHERE am.mailbox_id = ab.id AND am.user_id = ")
        .bind(caller.id)
        .push("))) LIMIT 1");
    Ok(sql.query().fetch_optional(conn).await?.is_some())
}

/// Appends ` AND <alias>.id IN (mail of the caller's mailboxes, mail they logged, mail linked to a record they see)`,
/// driven by the indexes on owners, shares and links, so that a user who sees little of a large store does not make
/// a list scan every message.
/// The level expression still decides; this only leaves out messages it would answer 0 for.
pub fn push_mail_candidates(sql: &mut Sql, caller: &Caller, alias: &str) {
    push_in_mail_candidates(sql, caller, &format!("{alias}.id"));
}

/// ` AND <column> IN (the caller's candidate mail)`, for a column holding message ids (search's index key).
pub fn push_in_mail_candidates(sql: &mut Sql, caller: &Caller, column: &str) {
    let me = caller.id;
    // One IN over a UNION (not ORs of INs), so that SQLite reads the candidates and then the messages by id.
    sql.push(" AND ")
        .push(column)
        .push(" IN (SELECT message_id FROM message_loggers WHERE user_id = ")
        .bind(me)
        .push(
            " UNION SELECT cl.message_id FROM message_locations cl JOIN mail_folders cf ON cf.id = cl.folder_id
              WHERE cf.mailbox_id IN (SELECT id FROM mailboxes WHERE owner_id = ",
        )
        .bind(me)
        .push(" UNION SELECT mailbox_id FROM mailbox_members WHERE user_id = ")
        .bind(me)
        .push(")");
    for kind in [
        RecordKind::Contact,
        RecordKind::Company,
        RecordKind::Lead,
        RecordKind::Deal,
    ] {
        if !role_may(caller.role, kind, Op::Read) {
            continue;
        }
        sql.push(" UNION SELECT ck.message_id FROM message_links ck WHERE ck.removed = 0 AND ck.record_kind = ")
            .bind(kind.as_str());
        if let super::Scope::Own { user_id, open_pool } = scope(caller, kind) {
            let table = kind.table();
            sql.push(" AND ck.record_id IN (SELECT id FROM ")
                .push(table)
                .push(" WHERE owner_id = ")
                .bind(user_id)
                .push(" UNION SELECT id FROM ")
                .push(table)
                .push(
                    " WHERE owner_id IN (SELECT tm.user_id FROM team_members tm JOIN team_members tl
                      ON tl.team_id = tm.team_id WHERE tl.is_lead = 1 AND tl.user_id = ",
                )
                .bind(user_id)
                .push(") UNION SELECT record_id FROM shares WHERE record_kind = ")
                .bind(kind.as_str())
                .push(" AND user_id = ")
                .bind(user_id);
            if open_pool {
                sql.push(" UNION SELECT id FROM ")
                    .push(table)
                    .push(" WHERE owner_id IS NULL");
            }
            sql.push(")");
        }
    }
    sql.push(")");
}
