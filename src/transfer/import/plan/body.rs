//! The create body of a row (as `POST /api/v1/{kind}` takes it) and the patch of a duplicate by the policy.

use serde_json::{json, Map, Value};
use sqlx::AnyPool;

use super::{norm_name, CompanyRef, Planner};
use crate::crm::RecordKind;
use crate::error::Error;
use crate::transfer::import::rows::Values;
use crate::transfer::model::Policy;
use crate::transfer::records;

impl Planner {
    /// The fields to set on `current`: the empty ones (fill_empty) or every one that differs (overwrite; lists
    /// are merged, never shortened). `prior` holds their values before, for undo.
    pub(super) fn patch(
        &self,
        policy: Policy,
        body: &Value,
        company: &Option<CompanyRef>,
        current: &Value,
    ) -> (Value, Value) {
        let mut patch = Map::new();
        let mut prior = Map::new();
        let Some(fields) = body.as_object() else {
            return (json!({}), json!({}));
        };
        for (key, new) in fields {
            if key == "allow_duplicate"
                || new.is_null()
                || new.as_array().is_some_and(Vec::is_empty)
            {
                continue;
            }
            if key == "owner_id" && !(self.owner_mapped || self.options.owner_id.is_some()) {
                continue;
            }
            if key == "pipeline_id" && body["stage_id"].is_null() {
                continue;
            }
            if key == "custom" {
                self.custom_patch(policy, new, current, (&mut patch, &mut prior));
                continue;
            }
            let old = current.get(key).cloned().unwrap_or(Value::Null);
            let empty = old.is_null()
                || old.as_str() == Some("")
                || old.as_array().is_some_and(Vec::is_empty);
            let value = match (new, &old) {
                (Value::Array(add), Value::Array(had)) => {
                    let mut merged = had.clone();
                    merged.extend(add.iter().filter(|x| !had.contains(x)).cloned());
                    (merged.len() != had.len()).then_some(Value::Array(merged))
                }
                _ => (new != &old).then(|| new.clone()),
            };
            let Some(value) = value else { continue };
            if policy == Policy::FillEmpty && !empty && !value.is_array() {
                continue;
            }
            if policy == Policy::FillEmpty && !empty {
                continue;
            }
            patch.insert(key.clone(), value);
            prior.insert(key.clone(), old);
        }
        if let Some(CompanyRef::Existing(id)) = company {
            let old = current.get("company_id").cloned().unwrap_or(Value::Null);
            let set = match policy {
                Policy::FillEmpty => old.is_null(),
                _ => old != json!(id),
            };
            if set {
                patch.insert("company_id".into(), json!(id));
                prior.insert("company_id".into(), old);
            }
        }
        (Value::Object(patch), Value::Object(prior))
    }

    /// The custom values to set, key by key (crm keeps the keys not named); `prior` has their values before.
    fn custom_patch(
        &self,
        policy: Policy,
        new: &Value,
        current: &Value,
        (patch, prior): (&mut Map<String, Value>, &mut Map<String, Value>),
    ) {
        let (mut set, mut was) = (Map::new(), Map::new());
        for (key, value) in new.as_object().into_iter().flatten() {
            let old = current["custom"].get(key).cloned().unwrap_or(Value::Null);
            let as_text = match &old {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if Some(as_text.as_str()) == value.as_str()
                || (policy == Policy::FillEmpty && !old.is_null())
            {
                continue;
            }
            set.insert(key.clone(), value.clone());
            was.insert(key.clone(), old);
        }
        if !set.is_empty() {
            patch.insert("custom".into(), Value::Object(set));
            prior.insert("custom".into(), Value::Object(was));
        }
    }

    /// The create body of the row, as `POST /api/v1/{kind}` takes it (the company is added when it exists).
    pub(super) async fn body(
        &self,
        pool: &AnyPool,
        v: &Values,
        owner: i64,
    ) -> Result<Result<Value, String>, Error> {
        let mut body = match self.standard_body(pool, v, owner).await? {
            Ok(b) => b,
            Err(reason) => return Ok(Err(reason)),
        };
        if !v.custom.is_empty() {
            body["custom"] = json!(v.custom);
        }
        Ok(Ok(body))
    }

    async fn standard_body(
        &self,
        pool: &AnyPool,
        v: &Values,
        owner: i64,
    ) -> Result<Result<Value, String>, Error> {
        Ok(Ok(match self.kind {
            RecordKind::Contact => json!({
                "name": v.name, "emails": v.emails, "phones": v.phones, "position": v.position,
                "owner_id": owner, "tags": v.tags,
            }),
            RecordKind::Company => json!({
                "name": v.name, "domains": v.domains, "owner_id": owner, "tags": v.tags,
            }),
            RecordKind::Lead => {
                let source_id = match &v.source {
                    Some(s) => match records::lead_source(pool, s).await? {
                        Some(id) => Some(id),
                        None => return Ok(Err(format!("unknown lead source '{s}'"))),
                    },
                    None => None,
                };
                json!({
                    "name": v.name, "email": v.emails.first(), "phone": v.phones.first(),
                    "company_name": v.company, "domain_hint": self.company_domain(v), "source_id": source_id,
                    "owner_id": owner,
                })
            }
            RecordKind::Deal => {
                let pipeline = match &v.pipeline {
                    Some(p) => self
                        .pipelines
                        .iter()
                        .find(|(_, name, _)| norm_name(name) == norm_name(p)),
                    None => self.pipelines.first(),
                };
                let Some((pipeline_id, pipeline_name, stages)) = pipeline else {
                    return Ok(Err(format!(
                        "unknown pipeline '{}'",
                        v.pipeline.as_deref().unwrap_or("")
                    )));
                };
                let stage_id = match &v.stage {
                    Some(s) => match stages
                        .iter()
                        .find(|(_, name)| norm_name(name) == norm_name(s))
                    {
                        Some((id, _)) => Some(*id),
                        None => {
                            return Ok(Err(format!(
                                "pipeline «{pipeline_name}» has no stage '{s}'"
                            )))
                        }
                    },
                    None => None,
                };
                let contact_id = match v.emails.first() {
                    Some(e) => {
                        let mut conn = pool.acquire().await?;
                        match records::contact_by_email(&mut conn, e).await? {
                            Some(id) => Some(id),
                            None => return Ok(Err(format!("no contact with e-mail {e}"))),
                        }
                    }
                    None => None,
                };
                json!({
                    "title": v.title, "amount": v.amount, "currency": v.currency, "pipeline_id": pipeline_id,
                    "stage_id": stage_id, "contact_id": contact_id, "owner_id": owner,
                    "expected_close": v.expected_close,
                })
            }
        }))
    }
}
