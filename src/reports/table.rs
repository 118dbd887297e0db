//! Reports as files: CSV in UTF-8 with a BOM (so Excel reads Cyrillic), ';'-separated like the exports, or .xlsx
//! with counts and amounts as numbers; headers in Russian or English.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::model::{
    CampaignResults, DataQuality, DealDynamics, Funnel, LeadSources, ManagerActivity, QualityShare,
    ReportFormat,
};
use crate::error::Error;

/// Header language, from `Accept-Language`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    /// Russian when the first language the client names is Russian (`ru`, `ru-RU`), else English.
    pub fn from_header(value: Option<&str>) -> Lang {
        let first = value
            .and_then(|v| v.split(',').next())
            .map(|l| {
                l.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if first == "ru" || first.starts_with("ru-") {
            Lang::Ru
        } else {
            Lang::En
        }
    }

    fn pick(self, en: &'static str, ru: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Ru => ru,
        }
    }
}

/// One cell, typed so that the .xlsx holds numbers where the CSV holds their text.
enum Cell {
    Text(String),
    Int(i64),
    /// Empty when absent.
    Num(Option<f64>),
    /// A decimal string with two fraction digits.
    Money(String),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(t) | Cell::Money(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Num(x) => x.map(|v| v.to_string()).unwrap_or_default(),
        }
    }
}

fn text(t: impl Into<String>) -> Cell {
    Cell::Text(t.into())
}

pub fn funnel(f: &Funnel, lang: Lang, format: ReportFormat) -> Result<Response, Error> {
    let headers = [
        lang.pick("Stage", "Этап"),
        lang.pick("Kind", "Тип"),
        lang.pick("Deals", "Сделок"),
        lang.pick("Amount", "Сумма"),
        lang.pick("Reached", "Дошли до этапа"),
        lang.pick("Conversion to next", "Конверсия в следующий"),
        lang.pick("Average days in stage", "Среднее дней на этапе"),
    ];
    let rows = f.stages.iter().map(|s| {
        vec![
            text(s.name.clone()),
            text(s.kind.as_str()),
            Cell::Int(s.deals),
            Cell::Money(s.amount.clone()),
            Cell::Int(s.reached),
            Cell::Num(s.conversion),
            Cell::Num(s.avg_days_in_stage),
        ]
    });
    file("funnel", &headers, rows, format)
}

/// The periods, then one line with the forecast (in the won amount's column) and the open amount.
pub fn deals(d: &DealDynamics, lang: Lang, format: ReportFormat) -> Result<Response, Error> {
    let headers = [
        lang.pick("Period start", "Начало периода"),
        lang.pick("Won", "Выиграно"),
        lang.pick("Won amount", "Сумма выигранных"),
        lang.pick("Lost", "Проиграно"),
        lang.pick("Lost amount", "Сумма проигранных"),
    ];
    let mut rows: Vec<Vec<Cell>> = d
        .periods
        .iter()
        .map(|p| {
            vec![
                text(p.start.clone()),
                Cell::Int(p.won),
                Cell::Money(p.won_amount.clone()),
                Cell::Int(p.lost),
                Cell::Money(p.lost_amount.clone()),
            ]
        })
        .collect();
    rows.push(vec![
        text(lang.pick("Forecast (open deals)", "Прогноз (открытые сделки)")),
        Cell::Num(None),
        Cell::Money(d.forecast.clone()),
        Cell::Num(None),
        Cell::Money(d.open_amount.clone()),
    ]);
    file("deals", &headers, rows, format)
}

pub fn lead_sources(l: &LeadSources, lang: Lang, format: ReportFormat) -> Result<Response, Error> {
    let headers = [
        lang.pick("Source", "Источник"),
        lang.pick("Leads", "Лидов"),
        lang.pick("Converted", "Конвертировано"),
        lang.pick("Won amount", "Сумма выигранных сделок"),
    ];
    let none = lang.pick("(no source)", "(без источника)");
    let rows = l.sources.iter().map(|s| {
        vec![
            text(s.source.clone().unwrap_or_else(|| none.to_string())),
            Cell::Int(s.leads),
            Cell::Int(s.converted),
            Cell::Money(s.won_amount.clone()),
        ]
    });
    file("lead-sources", &headers, rows, format)
}

pub fn managers(m: &ManagerActivity, lang: Lang, format: ReportFormat) -> Result<Response, Error> {
    let headers = [
        lang.pick("User", "Пользователь"),
        lang.pick("Mails received", "Получено писем"),
        lang.pick("Mails sent", "Отправлено писем"),
        lang.pick(
            "First response, median (min)",
            "Первый ответ, медиана (мин)",
        ),
        lang.pick(
            "First response, 90th percentile (min)",
            "Первый ответ, 90-й процентиль (мин)",
        ),
        lang.pick("Unanswered threads", "Переписок без ответа"),
        lang.pick("Tasks done", "Задач выполнено"),
        lang.pick("Tasks overdue", "Задач просрочено"),
        lang.pick("Deals won", "Сделок выиграно"),
        lang.pick("Won amount", "Сумма выигранных"),
    ];
    let rows = m.rows.iter().map(|r| {
        vec![
            text(r.name.clone()),
            Cell::Int(r.mails_received),
            Cell::Int(r.mails_sent),
            Cell::Num(r.first_response_median_minutes),
            Cell::Num(r.first_response_p90_minutes),
            Cell::Int(r.unanswered),
            Cell::Int(r.tasks_done),
            Cell::Int(r.tasks_overdue),
            Cell::Int(r.deals_won),
            Cell::Money(r.won_amount.clone()),
        ]
    });
    file("managers", &headers, rows, format)
}

pub fn campaigns(c: &CampaignResults, lang: Lang, format: ReportFormat) -> Result<Response, Error> {
    let headers = [
        lang.pick("Campaign", "Кампания"),
        lang.pick("Started (UTC)", "Запущена (UTC)"),
        lang.pick("Sent", "Отправлено"),
        lang.pick("Bounced", "Недоставлено"),
        lang.pick("Unsubscribed", "Отписались"),
        lang.pick("Replied within 7 days", "Ответили за 7 дней"),
        lang.pick("Reply rate", "Доля ответивших"),
    ];
    let stamp = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let rows = c.rows.iter().map(|r| {
        let started = r.started_at.and_then(|t| t.format(&stamp).ok());
        vec![
            text(r.name.clone()),
            text(started.unwrap_or_default()),
            Cell::Int(r.sent),
            Cell::Int(r.bounced),
            Cell::Int(r.unsubscribed),
            Cell::Int(r.replied),
            Cell::Num(r.reply_rate),
        ]
    });
    file("campaigns", &headers, rows, format)
}

/// One line per measure: its count and, for the contacts' flaws, its share.
pub fn data_quality(q: &DataQuality, lang: Lang, format: ReportFormat) -> Result<Response, Error> {
    let headers = [
        lang.pick("Measure", "Показатель"),
        lang.pick("Count", "Количество"),
        lang.pick("Share of contacts", "Доля контактов"),
    ];
    let count = |name: &str, n: i64| vec![text(name), Cell::Int(n), Cell::Num(None)];
    let share =
        |name: &str, s: &QualityShare| vec![text(name), Cell::Int(s.count), Cell::Num(s.share)];
    let u = &q.untouched_90_days;
    let rows = vec![
        count(lang.pick("Contacts", "Контактов"), q.contacts),
        share(lang.pick("Without e-mail", "Без e-mail"), &q.without_email),
        share(lang.pick("Without phone", "Без телефона"), &q.without_phone),
        share(
            lang.pick("Without company", "Без компании"),
            &q.without_company,
        ),
        share(
            lang.pick(
                "Role addresses (info@, sales@ …)",
                "Ролевые адреса (info@, sales@ …)",
            ),
            &q.role_addresses,
        ),
        count(
            lang.pick(
                "Untouched 90 days: contacts",
                "Без движения 90 дней: контакты",
            ),
            u.contacts,
        ),
        count(
            lang.pick(
                "Untouched 90 days: companies",
                "Без движения 90 дней: компании",
            ),
            u.companies,
        ),
        count(
            lang.pick(
                "Untouched 90 days: open leads",
                "Без движения 90 дней: открытые лиды",
            ),
            u.leads,
        ),
        count(
            lang.pick(
                "Untouched 90 days: open deals",
                "Без движения 90 дней: открытые сделки",
            ),
            u.deals,
        ),
        count(
            lang.pick("Duplicate pairs", "Пар возможных дублей"),
            q.duplicate_pairs,
        ),
    ];
    file("data-quality", &headers, rows, format)
}

fn file(
    name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
    format: ReportFormat,
) -> Result<Response, Error> {
    let (bytes, mime, ext) = match format {
        ReportFormat::Xlsx => (
            xlsx(name, headers, rows)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => (csv(headers, rows)?, "text/csv; charset=utf-8", "csv"),
    };
    let date = time::OffsetDateTime::now_utc().date();
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}-{date}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn csv(headers: &[&str], rows: impl IntoIterator<Item = Vec<Cell>>) -> Result<Vec<u8>, Error> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(headers).map_err(Error::internal)?;
    for row in rows {
        w.write_record(row.iter().map(Cell::text))
            .map_err(Error::internal)?;
    }
    w.into_inner().map_err(Error::internal)
}

/// One sheet named after the report; a report is a few hundred rows at most, so it is built in memory.
fn xlsx(
    name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, Error> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let money = rust_xlsxwriter::Format::new().set_num_format("0.00");
    let sheet = book.add_worksheet();
    sheet.set_name(name).map_err(Error::internal)?;
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string(0, c as u16, *h)
            .map_err(Error::internal)?;
    }
    for (r, row) in rows.into_iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) => sheet.write_string(r, c, t).map(|_| ()),
                Cell::Int(n) => sheet.write_number(r, c, *n as f64).map(|_| ()),
                Cell::Num(Some(x)) => sheet.write_number(r, c, *x).map(|_| ()),
                Cell::Num(None) => Ok(()),
                Cell::Money(m) => match m.parse::<f64>() {
                    Ok(x) => sheet.write_number_with_format(r, c, x, &money).map(|_| ()),
                    Err(_) => sheet.write_string(r, c, m).map(|_| ()),
                },
            }
            .map_err(Error::internal)?;
        }
    }
    book.save_to_buffer().map_err(Error::internal)
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn russian_headers_only_when_russian_comes_first() {
        assert_eq!(Lang::from_header(Some("ru-RU,ru;q=0.9,en;q=0.8")), Lang::Ru);
        assert_eq!(Lang::from_header(Some("ru")), Lang::Ru);
        assert_eq!(Lang::from_header(Some("en-US,ru;q=0.5")), Lang::En);
        assert_eq!(Lang::from_header(Some("rue")), Lang::En);
        assert_eq!(Lang::from_header(None), Lang::En);
    }
}
