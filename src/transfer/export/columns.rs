//! The columns of each list's export: headers an import maps back (ФИО, E-mail, Телефон, Компания,
//! Ответственный …), and the cells of a record's JSON view, with ids turned into names.

use std::collections::HashMap;

use serde_json::{json, Value};
use sqlx::AnyPool;

use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::error::Error;
use crate::transfer::records;
use Cell::*;

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

/// A standard column: the key `columns=` names it by (the record's JSON key, as `GET /api/v1/record-fields`
/// gives it), the names the console's list columns use for it, its header, and whether a plain export has it.
struct Column {
    key: &'static str,
    aliases: &'static [&'static str],
    header: &'static str,
    cell: Cell,
    default: bool,
}

const fn col(key: &'static str, header: &'static str, cell: Cell) -> Column {
    Column {
        key,
        aliases: &[],
        header,
        cell,
        default: true,
    }
}

impl Column {
    const fn alias(self, aliases: &'static [&'static str]) -> Column {
        Column { aliases, ..self }
    }

    /// Only when `columns=` names it.
    const fn on_request(self) -> Column {
        Column {
            default: false,
            ..self
        }
    }
}

const UPDATED: &[&str] = &["updated"];
const CREATED: &[&str] = &["created"];
const OWNER: &[&str] = &["owner"];
const COMPANY: &[&str] = &["company"];

const CONTACTS: &[Column] = &[
    col("id", "ID", Field("id")),
    col("name", "ФИО", Field("name")),
    col("emails", "E-mail", List("emails")).alias(&["email"]),
    col("phones", "Телефон", List("phones")).alias(&["phone"]),
    col("position", "Должность", Field("position")).alias(&["job"]),
    col("company_id", "Компания", Company).alias(COMPANY),
    col("owner_id", "Ответственный", Owner).alias(OWNER),
    col("tags", "Теги", List("tags")),
    col("created_at", "Создан", Date("created_at")).alias(CREATED),
    col("updated_at", "Изменён", Date("updated_at"))
        .alias(UPDATED)
        .on_request(),
    col("address", "Адрес", Field("address")).on_request(),
    col("website", "Веб-сайт", Field("website")).on_request(),
    col("birthday", "День рождения", Field("birthday")).on_request(),
];

const COMPANIES: &[Column] = &[
    col("id", "ID", Field("id")),
    col("name", "Название", Field("name")),
    col("domains", "Сайт", List("domains")),
    col("owner_id", "Ответственный", Owner).alias(OWNER),
    col("tags", "Теги", List("tags")),
    col("created_at", "Создана", Date("created_at")).alias(CREATED),
    col("updated_at", "Изменена", Date("updated_at"))
        .alias(UPDATED)
        .on_request(),
    col("industry", "Отрасль", Field("industry")).on_request(),
    col("size", "Размер", Field("size")).on_request(),
    col("address", "Адрес", Field("address")).on_request(),
    col("website", "Веб-сайт", Field("website")).on_request(),
];

const LEADS: &[Column] = &[
    col("id", "ID", Field("id")),
    col("name", "ФИО", Field("name")),
    col("email", "E-mail", Field("email")),
    col("phone", "Телефон", Field("phone")),
    col("company_name", "Компания", Field("company_name")).alias(COMPANY),
    col("source_id", "Источник", Source).alias(&["source"]),
    col("status", "Состояние", Field("status")),
    col("owner_id", "Ответственный", Owner).alias(OWNER),
    col("created_at", "Создан", Date("created_at")).alias(CREATED),
    col("updated_at", "Изменён", Date("updated_at"))
        .alias(UPDATED)
        .on_request(),
];

const DEALS: &[Column] = &[
    col("id", "ID", Field("id")),
    col("title", "Название", Field("title")),
    col("amount", "Сумма", Field("amount")),
    col("currency", "Валюта", Field("currency")),
    col("pipeline_id", "Воронка", Pipeline).alias(&["pipeline"]),
    col("stage_id", "Этап", Field("stage_name")).alias(&["stage", "stage_name"]),
    col("contact_id", "E-mail контакта", ContactEmail).alias(&["contact"]),
    col("company_id", "Компания", Company).alias(COMPANY),
    col("owner_id", "Ответственный", Owner).alias(OWNER),
    col("expected_close", "Дата закрытия", Field("expected_close")),
    col("created_at", "Создана", Date("created_at")).alias(CREATED),
    col("status", "Статус", Field("status")).on_request(),
    col("updated_at", "Изменена", Date("updated_at"))
        .alias(UPDATED)
        .on_request(),
];

fn columns(kind: RecordKind) -> &'static [Column] {
    match kind {
        RecordKind::Contact => CONTACTS,
        RecordKind::Company => COMPANIES,
        RecordKind::Lead => LEADS,
        RecordKind::Deal => DEALS,
    }
}

/// One column of an export, in the order asked for.
enum Chosen {
    Standard(&'static Column),
    /// A custom field: its key and label.
    Custom(String, String),
}

/// The columns of one export, and their headers: those an import maps back (ФИО, E-mail, Телефон, Компания …),
/// custom fields by their label.
pub struct Columns(Vec<Chosen>);

impl Columns {
    /// `asked`: the list view's columns, in order (standard keys or their list names, `custom.<key>`); empty: the
    /// kind's usual columns, then every custom field. An unknown name answers 422 naming it
    /// (`unknown_custom_field` for a `custom.<key>`, else `validation_failed` on `columns`).
    pub async fn choose(
        pool: &AnyPool,
        kind: RecordKind,
        asked: &[String],
    ) -> Result<Columns, Error> {
        let custom: Vec<(String, String)> = records::custom_fields(pool, kind)
            .await?
            .into_iter()
            .map(|(key, label, _)| (key, label))
            .collect();
        let standard = columns(kind);
        if asked.is_empty() {
            let mut out: Vec<Chosen> = standard
                .iter()
                .filter(|c| c.default)
                .map(Chosen::Standard)
                .collect();
            out.extend(custom.into_iter().map(|(k, l)| Chosen::Custom(k, l)));
            return Ok(Columns(out));
        }
        let mut out = Vec::new();
        for name in asked {
            let chosen = match name.strip_prefix("custom.") {
                Some(key) => custom
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(k, l)| Chosen::Custom(k.clone(), l.clone()))
                    .ok_or_else(|| unknown_custom(name))?,
                None => standard
                    .iter()
                    .find(|c| c.key == name || c.aliases.contains(&name.as_str()))
                    .map(Chosen::Standard)
                    .ok_or_else(|| unknown_column(kind, name))?,
            };
            if out.iter().any(|c| same(c, &chosen)) {
                let message = format!("'{name}' is named twice");
                return Err(Error::validation("columns", message));
            }
            out.push(chosen);
        }
        Ok(Columns(out))
    }

    pub fn headers(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|c| match c {
                Chosen::Standard(col) => col.header.to_string(),
                Chosen::Custom(_, label) => label.clone(),
            })
            .collect()
    }
}

fn same(a: &Chosen, b: &Chosen) -> bool {
    match (a, b) {
        (Chosen::Standard(x), Chosen::Standard(y)) => x.key == y.key,
        (Chosen::Custom(x, _), Chosen::Custom(y, _)) => x == y,
        _ => false,
    }
}

fn unknown_custom(name: &str) -> Error {
    Error::Unprocessable {
        code: "unknown_custom_field",
        message: format!("no custom field '{name}' for this list's columns"),
        details: json!({ "field": name }),
    }
}

fn unknown_column(kind: RecordKind, name: &str) -> Error {
    let known: Vec<&str> = columns(kind).iter().map(|c| c.key).collect();
    let message = format!(
        "'{name}' is not a column of {}; columns: {}, custom.<key>",
        kind.table(),
        known.join(", ")
    );
    Error::validation("columns", message)
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Names kept per cache of `Names`: beyond it the cache starts again, so an export's memory stays flat however many
/// distinct companies (or deals' contacts) its list names (≈ 70 bytes a name: ≈ 3.5 MB at most per cache).
const NAMES_KEPT: usize = 50_000;

fn remember(cache: &mut HashMap<i64, String>, id: i64, name: String) {
    if cache.len() >= NAMES_KEPT {
        // Lists come in id or sort order, not by company, so no entry is likelier than another to come back.
        cache.clear();
    }
    cache.insert(id, name);
}

/// Names for the ids in a list (users, companies, pipelines, sources), looked up once each while the cache holds.
pub struct Names {
    users: HashMap<i64, String>,
    pipelines: HashMap<i64, String>,
    companies: HashMap<i64, String>,
    contacts: HashMap<i64, String>,
    sources: HashMap<i64, String>,
}

impl Names {
    pub async fn load(pool: &AnyPool) -> Result<Names, Error> {
        Ok(Names {
            users: records::users(pool)
                .await?
                .into_iter()
                .map(|(id, _, email)| (id, email))
                .collect(),
            pipelines: records::pipelines(&mut *pool.acquire().await?)
                .await?
                .into_iter()
                .map(|(id, name, _)| (id, name))
                .collect(),
            companies: HashMap::new(),
            contacts: HashMap::new(),
            sources: HashMap::new(),
        })
    }

    /// The cells of one record, in the columns' order.
    pub async fn row(
        &mut self,
        pool: &AnyPool,
        caller: &Caller,
        columns: &Columns,
        item: &Value,
    ) -> Result<Vec<String>, Error> {
        let mut out = Vec::with_capacity(columns.0.len());
        for chosen in &columns.0 {
            let cell = match chosen {
                Chosen::Standard(col) => &col.cell,
                Chosen::Custom(key, _) => {
                    out.push(text(&item["custom"][key.as_str()]));
                    continue;
                }
            };
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
                            remember(&mut self.companies, c, name.clone());
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
                            remember(&mut self.contacts, c, email.clone());
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
                            remember(&mut self.sources, sid, name.clone());
                            name
                        }
                    },
                    None => String::new(),
                },
            });
        }
        Ok(out)
    }
}
