//! What a row that duplicates a record (or an earlier row of the file) does under the duplicate policy.

use serde_json::{json, Map, Value};

use super::{Action, CompanyRef, Planner};
use crate::error::Error;
use crate::transfer::model::Policy;

impl Planner {
    pub(super) fn on_duplicate(
        &self,
        policy: Policy,
        mut body: Value,
        company: Option<CompanyRef>,
        dup: Value,
        current: Option<(i64, Value)>,
    ) -> Result<Action, Error> {
        match policy {
            Policy::Skip => Ok(Action::Skip {
                reason: format!("duplicate of {}", describe(&dup)),
                duplicate_of: Some(dup),
            }),
            Policy::CreateAnyway => {
                body["allow_duplicate"] = json!(true);
                Ok(Action::Create {
                    body,
                    company,
                    duplicate_of: Some(dup),
                })
            }
            Policy::FillEmpty | Policy::Overwrite => {
                let Some((id, current)) = current else {
                    // Dry run: the earlier row's record does not exist yet; its update is only announced.
                    return Ok(Action::Update {
                        id: 0,
                        patch: Value::Null,
                        prior: Value::Null,
                        company,
                        duplicate_of: dup,
                    });
                };
                let (patch, prior) = self.patch(policy, &body, &company, &current);
                if patch.as_object().is_some_and(Map::is_empty)
                    && !matches!(company, Some(CompanyRef::New { .. }))
                {
                    return Ok(Action::Skip {
                        reason: format!("{} already has these values", describe(&dup)),
                        duplicate_of: Some(dup),
                    });
                }
                Ok(Action::Update {
                    id,
                    patch,
                    prior,
                    company,
                    duplicate_of: dup,
                })
            }
        }
    }
}

pub fn describe(dup: &Value) -> String {
    match (
        dup["kind"].as_str(),
        dup["id"].as_i64(),
        dup["row"].as_u64(),
    ) {
        (Some(kind), Some(id), _) => format!("{kind} {id}"),
        (_, _, Some(row)) => format!("row {row} of the file"),
        _ => "an existing record".into(),
    }
}
