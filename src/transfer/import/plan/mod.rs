//! What a row does: the planner resolves its owner, its company, its pipeline and stage, finds the record it
//! duplicates (in the database, or an earlier row of the file on a dry run) and, by the duplicate policy, says
//! create, update (with the patch and the values before), skip or fail. The dry run and the run share it.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};
use sqlx::AnyPool;

mod body;
mod cache;
mod duplicate;

pub use duplicate::describe;

use super::rows::Values;
use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::error::Error;
use crate::transfer::model::{ImportOptions, MatchBy, Policy};
use crate::transfer::records;

#[derive(Debug, Clone)]
pub enum CompanyRef {
    Existing(i64),
    New {
        name: String,
        domain: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub enum Action {
    Create {
        body: Value,
        company: Option<CompanyRef>,
        duplicate_of: Option<Value>,
    },
    Update {
        id: i64,
        patch: Value,
        prior: Value,
        company: Option<CompanyRef>,
        duplicate_of: Value,
    },
    Skip {
        reason: String,
        duplicate_of: Option<Value>,
    },
    Fail {
        reason: String,
    },
}

pub struct Planner {
    pub kind: RecordKind,
    pub caller: Caller,
    options: ImportOptions,
    owner_mapped: bool,
    users: Vec<(i64, String, String)>,
    domains: crate::linking::Context,
    pipelines: records::Pipelines,
    owners: HashMap<i64, Result<(), String>>,
    /// Dry run only: the keys of earlier rows (e-mails, phones, names, ids), hashed to 8 bytes so that a file
    /// of any length fits, → their line.
    seen: HashMap<u64, usize>,
    pub new_companies: HashMap<String, usize>,
    /// A batch's look-ups made at once (`prefetch`): key (`e:`, `p:`, `d:`, `n:`) → record; `looked` holds every
    /// key asked, so a key looked up and not found answers "none" without a query.
    known: HashMap<String, i64>,
    looked: HashSet<String>,
    readable: HashMap<i64, bool>,
}

/// A row key in 8 bytes (std's SipHash with fixed keys: the same in every run).
fn key_hash(key: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

fn norm_name(s: &str) -> String {
    s.trim().to_lowercase().replace('ё', "е")
}

fn fail(reason: impl Into<String>) -> Result<Action, Error> {
    Ok(Action::Fail {
        reason: reason.into(),
    })
}

impl Planner {
    pub async fn new(
        pool: &AnyPool,
        kind: RecordKind,
        caller: Caller,
        options: ImportOptions,
        owner_mapped: bool,
    ) -> Result<Planner, Error> {
        // One look-up after the other, not one inside another: a job's pool is small (`db::JOB_CONNECTIONS`).
        let users = records::users(pool).await?;
        let domains = records::domain_lists(&mut *pool.acquire().await?).await?;
        let pipelines = if kind == RecordKind::Deal {
            records::pipelines(&mut *pool.acquire().await?).await?
        } else {
            vec![]
        };
        Ok(Planner {
            kind,
            caller,
            options,
            owner_mapped,
            users,
            domains,
            pipelines,
            owners: HashMap::new(),
            seen: HashMap::new(),
            new_companies: HashMap::new(),
            known: HashMap::new(),
            looked: HashSet::new(),
            readable: HashMap::new(),
        })
    }

    async fn owner(&mut self, pool: &AnyPool, v: &Values) -> Result<Result<i64, String>, Error> {
        let id = match &v.owner {
            Some(text) => {
                let key = norm_name(text);
                let found = self.users.iter().find(|(_, name, email)| {
                    email.eq_ignore_ascii_case(text.trim()) || norm_name(name) == key
                });
                match found {
                    Some((id, _, _)) => *id,
                    None => {
                        return Ok(Err(format!(
                            "unknown owner '{text}': no active user with that e-mail or name"
                        )))
                    }
                }
            }
            None => self.options.owner_id.unwrap_or(self.caller.id),
        };
        if !self.owners.contains_key(&id) {
            let mut conn = pool.acquire().await?;
            let verdict = match records::resolve_owner(&mut conn, &self.caller, id).await {
                Ok(_) => Ok(()),
                Err(Error::Forbidden) => Err(format!("you may not give records to user {id}")),
                Err(Error::Validation { message, .. }) => Err(message),
                Err(e) => return Err(e),
            };
            self.owners.insert(id, verdict);
        }
        Ok(self.owners[&id].clone().map(|_| id))
    }

    fn company_domain(&self, v: &Values) -> Option<String> {
        v.emails
            .first()
            .and_then(|e| e.rsplit_once('@'))
            .and_then(|(_, d)| records::registrable_domain(d).ok())
            .filter(|d| self.domains.company_domain(d))
    }

    /// The company a contact's or deal's row names: by its e-mail's domain, then by name; new when neither.
    async fn company(
        &mut self,
        pool: &AnyPool,
        v: &Values,
        row: usize,
    ) -> Result<Result<Option<CompanyRef>, String>, Error> {
        // A connection only on a miss of the batch's look-ups: an acquire is a round trip of its own.
        let domain = self.company_domain(v);
        let mut found = None;
        if let Some(d) = &domain {
            found = match self.cached(&format!("d:{d}")) {
                Some(hit) => hit,
                None => records::company_by_domain(&mut *pool.acquire().await?, d).await?,
            };
        }
        if found.is_none() {
            if let Some(name) = &v.company {
                let key = format!("n:{}", records::company_name_key(name));
                found = match self.cached(&key) {
                    Some(hit) => hit,
                    None => records::company_by_name(&mut *pool.acquire().await?, name).await?,
                };
            }
        }
        if let Some(id) = found {
            if !self.readable.contains_key(&id) {
                let mut conn = pool.acquire().await?;
                let may =
                    records::may_read(&mut conn, &self.caller, RecordKind::Company, id).await?;
                self.readable.insert(id, may);
            }
            if !self.readable[&id] {
                return Ok(Err(format!(
                    "the company {} exists and belongs to someone else; ask its owner to share it",
                    v.company.as_deref().or(domain.as_deref()).unwrap_or("")
                )));
            }
            return Ok(Ok(Some(CompanyRef::Existing(id))));
        }
        Ok(Ok(v.company.as_ref().map(|name| {
            self.new_companies
                .entry(records::company_name_key(name))
                .or_insert(row);
            CompanyRef::New {
                name: name.clone(),
                domain,
            }
        })))
    }

    pub fn keys(&self, v: &Values) -> Vec<String> {
        let mut keys: Vec<String> = v.emails.iter().map(|e| format!("e:{e}")).collect();
        keys.extend(v.phone_keys.iter().map(|p| format!("p:{p}")));
        if let Some(id) = v.id {
            keys.push(format!("i:{id}"));
        }
        if self.kind == RecordKind::Company {
            keys.extend(v.domains.iter().map(|d| format!("d:{d}")));
            keys.extend(
                v.name
                    .iter()
                    .map(|n| format!("n:{}", records::company_name_key(n))),
            );
        }
        keys
    }

    /// The existing record a row matches, by the match rule.
    async fn find(&self, pool: &AnyPool, v: &Values) -> Result<Result<Option<i64>, String>, Error> {
        if let Some(key) = &self.options.match_key {
            let Some(value) = v.custom.get(key) else {
                return Ok(Err(format!("the custom.{key} column is empty")));
            };
            let found = records::find_by_custom(pool, self.kind, key, value).await?;
            return Ok(match found.as_slice() {
                [] => Ok(None),
                [id] => Ok(Some(*id)),
                many => Err(format!("{} records have {key} = {value}", many.len())),
            });
        }
        let by = self.options.match_by;
        if matches!(by, MatchBy::Id | MatchBy::Auto) {
            if let Some(id) = v.id {
                return Ok(
                    match records::get(pool, &self.caller, self.kind, id).await {
                        Ok(_) => Ok(Some(id)),
                        Err(Error::NotFound(_)) => Err(format!("no {} with id {id}", self.kind)),
                        Err(e) => return Err(e),
                    },
                );
            }
            if by == MatchBy::Id {
                return Ok(Err("the id column is empty".into()));
            }
        }
        let emails: &[String] = if matches!(by, MatchBy::Phone) {
            &[]
        } else {
            &v.emails
        };
        let phones: &[String] = if matches!(by, MatchBy::Email) {
            &[]
        } else {
            &v.phone_keys
        };
        if self.kind == RecordKind::Company {
            if let Some(hit) = self.cached_company(v) {
                return Ok(Ok(hit));
            }
        }
        if matches!(self.kind, RecordKind::Contact | RecordKind::Lead) {
            let keys: Vec<String> = emails
                .iter()
                .map(|e| format!("e:{e}"))
                .chain(phones.iter().map(|p| format!("p:{p}")))
                .collect();
            let hits: Option<Vec<Option<i64>>> = keys.iter().map(|k| self.cached(k)).collect();
            if let (Some(hits), false) = (hits, keys.is_empty()) {
                // The lowest id, as the one-row look-up (`ORDER BY id LIMIT 1`) answers.
                return Ok(Ok(hits.into_iter().flatten().min()));
            }
        }
        let mut conn = pool.acquire().await?;
        let name = if self.kind == RecordKind::Company {
            v.name.as_deref()
        } else {
            None
        };
        Ok(Ok(records::find_duplicate(
            &mut conn, self.kind, emails, phones, &v.domains, name,
        )
        .await?))
    }

    /// Plans one row (`dry`: also against the earlier rows of the file, since nothing was written).
    pub async fn plan(
        &mut self,
        pool: &AnyPool,
        row: usize,
        v: &Values,
        dry: bool,
    ) -> Result<Action, Error> {
        let label = if self.kind == RecordKind::Deal {
            v.title.as_ref()
        } else {
            v.name.as_ref()
        };
        if label.is_none() && !self.options.update_only {
            return fail(if self.kind == RecordKind::Deal {
                "no title"
            } else {
                "no name"
            });
        }
        let owner = match self.owner(pool, v).await? {
            Ok(o) => o,
            Err(reason) => return fail(reason),
        };
        let company = match self.kind {
            RecordKind::Contact | RecordKind::Deal => match self.company(pool, v, row).await? {
                Ok(c) => c,
                Err(reason) => return fail(reason),
            },
            _ => None,
        };
        let body = match self.body(pool, v, owner).await? {
            Ok(b) => b,
            Err(reason) => return fail(reason),
        };
        let earlier = if dry {
            self.keys(v)
                .iter()
                .find_map(|k| self.seen.get(&key_hash(k)).copied())
        } else {
            None
        };
        if dry {
            for k in self.keys(v) {
                self.seen.entry(key_hash(&k)).or_insert(row);
            }
        }
        let existing = match self.find(pool, v).await? {
            Ok(found) => found,
            Err(reason) => return fail(reason),
        };
        let policy = match (self.options.policy, self.options.update_only) {
            (Policy::Skip, true) => Policy::Overwrite,
            (p, _) => p,
        };
        match (existing, earlier) {
            (Some(id), _) => {
                let dup = json!({ "kind": self.kind, "id": id });
                let current = match records::get(pool, &self.caller, self.kind, id).await {
                    Ok(c) => c,
                    Err(Error::NotFound(_)) if policy == Policy::Skip => {
                        return Ok(Action::Skip { reason: format!("a {} with the same details exists (not yours)", self.kind), duplicate_of: Some(dup) })
                    }
                    Err(Error::NotFound(_)) => return fail(format!(
                        "a {} with the same details exists and belongs to someone else; ask its owner to share it",
                        self.kind
                    )),
                    Err(e) => return Err(e),
                };
                self.on_duplicate(policy, body, company, dup, Some((id, current)))
            }
            (None, Some(first)) => {
                let dup = json!({ "row": first });
                self.on_duplicate(policy, body, company, dup, None)
            }
            (None, None) if self.options.update_only => {
                fail(format!("no {} matches this row", self.kind))
            }
            (None, None) => Ok(Action::Create {
                body,
                company,
                duplicate_of: None,
            }),
        }
    }
}
