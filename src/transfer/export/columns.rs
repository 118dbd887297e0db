//! The columns of each list's export: headers an import maps back (ФИО, E-mail, Телефон, Компания,
//! Ответственный …), and the cells of a record's JSON view, with ids turned into names.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::AnyPool;

use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::error::Error;
use crate::transfer::records;

/// How a cell is made from the record's view.
#[derive(Clone, Copy)]
enum Cell {
    Field(&'static str),
    /// A list, joined with ", ".
    List(&'static str),
    Owner,
    Company,
    Pipeline,
    Source,
    ContactEmail,
    Date(&'static str),
}

fn columns(kind: RecordKind) -> &'static [(&'static str, Cell)] {
    use Cell::*;
    match kind {
        RecordKind::Contact => &[
            ("ID", Field("id")),
            ("ФИО", Field("name")),
            ("E-mail", List("emails")),
            ("Телефон", List("phones")),
            ("Должность", Field("position")),
            ("Компания", Company),
            ("Ответственный", Owner),
            ("Теги", List("tags")),
            ("Создан", Date("created_at")),
        ],
        RecordKind::Company => &[
            ("ID", Field("id")),
            ("Название", Field("name")),
            ("Сайт", List("domains")),
            ("Ответственный", Owner),
            ("Теги", List("tags")),
            ("Создана", Date("created_at")),
        ],
        RecordKind::Lead => &[
            ("ID", Field("id")),
            ("ФИО", Field("name")),
            ("E-mail", Field("email")),
            ("Телефон", Field("phone")),
            ("Компания", Field("company_name")),
            ("Источник", Source),
            ("Состояние", Field("status")),
            ("Ответственный", Owner),
            ("Создан", Date("created_at")),
        ],
        RecordKind::Deal => &[
            ("ID", Field("id")),
            ("Название", Field("title")),
            ("Сумма", Field("amount")),
            ("Валюта", Field("currency")),
            ("Воронка", Pipeline),
            ("Этап", Field("stage_name")),
            ("E-mail контакта", ContactEmail),
            ("Компания", Company),
            ("Ответственный", Owner),
            ("Дата закрытия", Field("expected_close")),
            ("Создана", Date("created_at")),
        ],
    }
}

/// The standard columns' headers, then the custom fields' labels (which an import maps back to `custom.<key>`).
pub fn headers(kind: RecordKind, names: &Names) -> Vec<String> {
    let mut out = standard_headers(kind);
    out.extend(names.custom.iter().map(|(_, label)| label.clone()));
    out
}

fn standard_headers(kind: RecordKind) -> Vec<String> {
    columns(kind).iter().map(|(h, _)| h.to_string()).collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Names for the ids in a list (users, companies, pipelines, sources), looked up once each.
pub struct Names {
    users: HashMap<i64, String>,
    pipelines: HashMap<i64, String>,
    companies: HashMap<i64, String>,
    contacts: HashMap<i64, String>,
    sources: HashMap<i64, String>,
    /// The kind's custom fields `(key, label)`, as columns after the standard ones.
    custom: Vec<(String, String)>,
}

impl Names {
    pub async fn load(pool: &AnyPool, kind: RecordKind) -> Result<Names, Error> {
        Ok(Names {
            custom: records::custom_fields(pool, kind)
                .await?
                .into_iter()
                .map(|(key, label, _)| (key, label))
                .collect(),
            users: records::users(pool)
                .await?
                .into_iter()
                .map(|(id, _, email)| (id, email))
                .collect(),
            pipelines: records::pipelines(pool)
                .await?
                .into_iter()
                .map(|(id, name, _)| (id, name))
                .collect(),
            companies: HashMap::new(),
            contacts: HashMap::new(),
            sources: HashMap::new(),
        })
    }

    /// The cells of one record.
    pub async fn row(
        &mut self,
        pool: &AnyPool,
        caller: &Caller,
        kind: RecordKind,
        item: &Value,
    ) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for (_, cell) in columns(kind) {
            let id = |key: &str| item[key].as_i64();
            out.push(match cell {
                Cell::Field(k) | Cell::List(k) => text(&item[*k]),
                Cell::Date(k) => item[*k]
                    .as_str()
                    .map(|s| s.get(..10).unwrap_or(s).to_string())
                    .unwrap_or_default(),
                Cell::Owner => id("owner_id")
                    .and_then(|o| self.users.get(&o).cloned())
                    .unwrap_or_default(),
                Cell::Pipeline => id("pipeline_id")
                    .and_then(|p| self.pipelines.get(&p).cloned())
                    .unwrap_or_default(),
                Cell::Company => match id("company_id") {
                    Some(c) => match self.companies.get(&c) {
                        Some(known) => known.clone(),
                        None => {
                            let name = records::company_name(pool, caller, c)
                                .await?
                                .unwrap_or_default();
                            self.companies.insert(c, name.clone());
                            name
                        }
                    },
                    None => String::new(),
                },
                Cell::ContactEmail => match id("contact_id") {
                    Some(c) => match self.contacts.get(&c) {
                        Some(known) => known.clone(),
                        None => {
                            let email = records::get(pool, caller, RecordKind::Contact, c)
                                .await
                                .ok()
                                .and_then(|v| v["primary_email"].as_str().map(str::to_string))
                                .unwrap_or_default();
                            self.contacts.insert(c, email.clone());
                            email
                        }
                    },
                    None => String::new(),
                },
                Cell::Source => match id("source_id") {
                    Some(sid) => match self.sources.get(&sid) {
                        Some(known) => known.clone(),
                        None => {
                            let name = records::lead_source_name(pool, sid)
                                .await?
                                .unwrap_or_default();
                            self.sources.insert(sid, name.clone());
                            name
                        }
                    },
                    None => String::new(),
                },
            });
        }
        for (key, _) in &self.custom {
            out.push(text(&item["custom"][key.as_str()]));
        }
        Ok(out)
    }
}
