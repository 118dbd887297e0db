//! The fields an import can fill per record kind, and the mapping suggested from a file's header names (Russian
//! and English: «ФИО» or «Фамилия» + «Имя» + «Отчество», «Телефон», «E-mail», «Компания», «Ответственный» …).

use std::collections::BTreeMap;

use crate::crm::RecordKind;

/// What a column fills. `name_last`/`name_first`/`name_middle` are joined into the name in that order.
pub const FIELDS: &[(&str, &[RecordKind], &str)] = &[
    ("id", ALL, "the record's id (for bulk update)"),
    (
        "name",
        &[K::Contact, K::Company, K::Lead],
        "full name (ФИО) or company name",
    ),
    ("name_last", PEOPLE, "last name (Фамилия)"),
    ("name_first", PEOPLE, "first name (Имя)"),
    ("name_middle", PEOPLE, "middle name (Отчество)"),
    (
        "email",
        &[K::Contact, K::Lead, K::Deal],
        "e-mail; several in one cell split on , ; or space",
    ),
    (
        "phone",
        PEOPLE,
        "phone; several in one cell split on , or ;",
    ),
    ("position", &[K::Contact], "position (Должность)"),
    (
        "company",
        &[K::Contact, K::Lead, K::Deal],
        "company name: linked, or created when new",
    ),
    ("domain", &[K::Company], "web site or domain"),
    ("owner", ALL, "owner: a manager's e-mail or name"),
    ("tags", &[K::Contact, K::Company], "tags, split on , or ;"),
    ("source", &[K::Lead], "lead source, by name"),
    ("title", &[K::Deal], "deal title"),
    ("amount", &[K::Deal], "amount"),
    ("currency", &[K::Deal], "ISO 4217 currency"),
    ("pipeline", &[K::Deal], "pipeline, by name"),
    ("stage", &[K::Deal], "stage, by name"),
    (
        "expected_close",
        &[K::Deal],
        "expected close date: ДД.ММ.ГГГГ, ISO or an Excel date",
    ),
];

use RecordKind as K;
const ALL: &[RecordKind] = &[K::Contact, K::Company, K::Lead, K::Deal];
const PEOPLE: &[RecordKind] = &[K::Contact, K::Lead];

/// Fields that several columns may fill at once (their values are joined).
pub fn is_multi(field: &str) -> bool {
    matches!(field, "email" | "phone" | "tags")
}

/// A standard field of the kind, or `custom.<key>` (crm checks the key and the value's type per row).
pub fn allowed(kind: RecordKind, field: &str) -> bool {
    if let Some(key) = field.strip_prefix("custom.") {
        return !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    }
    FIELDS
        .iter()
        .any(|(f, kinds, _)| *f == field && kinds.contains(&kind))
}

/// Lower case, `ё` as `е`, letters and digits only: «Эл. почта» → «элпочта».
pub fn normalize_header(h: &str) -> String {
    h.to_lowercase()
        .replace('ё', "е")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Header synonyms per field (normalized).
const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "id",
        &["id", "ид", "идентификатор", "номерзаписи", "recordid"],
    ),
    (
        "name",
        &[
            "фио",
            "имя",
            "name",
            "fullname",
            "контакт",
            "контактноелицо",
            "клиент",
            "название",
            "наименование",
            "компания",
            "организация",
            "company",
            "companyname",
            "организацияклиент",
            "полноеимя",
        ],
    ),
    (
        "name_last",
        &["фамилия", "lastname", "surname", "familyname"],
    ),
    ("name_first", &["firstname", "givenname", "имя"]),
    ("name_middle", &["отчество", "middlename", "patronymic"]),
    (
        "email",
        &[
            "email",
            "emails",
            "элпочта",
            "электроннаяпочта",
            "почта",
            "mail",
            "emailaddress",
            "адресэлектроннойпочты",
            "емейл",
            "имейл",
            "емайл",
            "рабочийemail",
            "личныйemail",
        ],
    ),
    (
        "phone",
        &[
            "телефон",
            "тел",
            "телефоны",
            "phone",
            "phones",
            "мобильный",
            "мобильныйтелефон",
            "phonenumber",
            "mobile",
            "рабочийтелефон",
            "сотовый",
            "номертелефона",
        ],
    ),
    (
        "position",
        &["должность", "position", "jobtitle", "позиция"],
    ),
    (
        "company",
        &[
            "компания",
            "организация",
            "company",
            "organization",
            "фирма",
            "контрагент",
            "companyname",
            "названиекомпании",
        ],
    ),
    (
        "domain",
        &[
            "домен",
            "сайт",
            "website",
            "domain",
            "web",
            "url",
            "вебсайт",
            "domains",
        ],
    ),
    (
        "owner",
        &[
            "ответственный",
            "менеджер",
            "owner",
            "manager",
            "responsible",
            "ответственныйменеджер",
            "владелец",
        ],
    ),
    ("tags", &["теги", "метки", "tags", "тег", "tag"]),
    (
        "source",
        &[
            "источник",
            "source",
            "leadsource",
            "источниклида",
            "каналпривлечения",
        ],
    ),
    (
        "title",
        &[
            "название",
            "сделка",
            "title",
            "deal",
            "наименование",
            "названиесделки",
            "dealname",
        ],
    ),
    (
        "amount",
        &[
            "сумма",
            "бюджет",
            "amount",
            "value",
            "стоимость",
            "суммасделки",
        ],
    ),
    ("currency", &["валюта", "currency"]),
    ("pipeline", &["воронка", "pipeline"]),
    ("stage", &["этап", "стадия", "stage", "статус"]),
    (
        "expected_close",
        &[
            "датазакрытия",
            "планируемаядатазакрытия",
            "closedate",
            "expectedclose",
            "expectedclosedate",
            "срок",
        ],
    ),
];

/// The field a header suggests for `kind`, if any. «Имя» is the first name when the file also has «Фамилия»;
/// «Компания» is the name itself in an import of companies.
fn suggest_one(kind: RecordKind, header: &str, has_last_name: bool) -> Option<&'static str> {
    let h = normalize_header(header);
    if h.is_empty() {
        return None;
    }
    if h == "имя" || h == "name" {
        return Some(if has_last_name && kind != K::Company {
            "name_first"
        } else {
            "name"
        });
    }
    let order: &[&str] = match kind {
        K::Company => &["name", "id", "domain", "owner", "tags"],
        K::Deal => &[
            "title",
            "company",
            "id",
            "email",
            "owner",
            "amount",
            "currency",
            "pipeline",
            "stage",
            "expected_close",
        ],
        _ => &[
            "company",
            "id",
            "name_last",
            "name_first",
            "name_middle",
            "name",
            "email",
            "phone",
            "position",
            "owner",
            "tags",
            "source",
        ],
    };
    order
        .iter()
        .copied()
        .find(|field| {
            allowed(kind, field)
                && SYNONYMS
                    .iter()
                    .any(|(f, words)| f == field && words.contains(&h.as_str()))
        })
        .or_else(|| {
            // Loose matches: «Телефон мобильный», «E-mail рабочий».
            let loose: &[(&str, &str)] = &[
                ("email", "mail"),
                ("email", "почта"),
                ("phone", "телефон"),
                ("phone", "phone"),
            ];
            loose
                .iter()
                .find(|(f, part)| allowed(kind, f) && h.contains(part))
                .map(|(f, _)| *f)
        })
}

/// Suggests a field for every header; each single-valued field goes to its first column only.
pub fn suggest(kind: RecordKind, headers: &[String]) -> BTreeMap<String, String> {
    let has_last = headers
        .iter()
        .any(|h| SYNONYMS[2].1.contains(&normalize_header(h).as_str()));
    let mut out = BTreeMap::new();
    let mut taken: Vec<&str> = Vec::new();
    for h in headers {
        if let Some(field) = suggest_one(kind, h, has_last) {
            if taken.contains(&field) && !is_multi(field) {
                continue;
            }
            taken.push(field);
            out.insert(h.clone(), field.to_string());
        }
    }
    out
}

/// Headers made unique (a second «Телефон» becomes «Телефон (2)»), so that a mapping can name each column.
pub fn unique_headers(headers: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let base = if h.is_empty() {
            format!("Column {}", i + 1)
        } else {
            h.clone()
        };
        let mut name = base.clone();
        let mut n = 2;
        while out.contains(&name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        out.push(name);
    }
    out
}
