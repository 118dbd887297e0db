//! Reports as CSV files: UTF-8 with a BOM (so Excel reads Cyrillic), ';'-separated like the exports, headers in
//! Russian or English.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::model::{DealDynamics, Funnel, LeadSources};
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

fn number(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

pub fn funnel(f: &Funnel, lang: Lang) -> Result<Response, Error> {
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
            s.name.clone(),
            s.kind.as_str().to_string(),
            s.deals.to_string(),
            s.amount.clone(),
            s.reached.to_string(),
            number(s.conversion),
            number(s.avg_days_in_stage),
        ]
    });
    file("funnel", &headers, rows)
}

/// The periods, then one line with the forecast (in the won amount's column) and the open amount.
pub fn deals(d: &DealDynamics, lang: Lang) -> Result<Response, Error> {
    let headers = [
        lang.pick("Period start", "Начало периода"),
        lang.pick("Won", "Выиграно"),
        lang.pick("Won amount", "Сумма выигранных"),
        lang.pick("Lost", "Проиграно"),
        lang.pick("Lost amount", "Сумма проигранных"),
    ];
    let mut rows: Vec<Vec<String>> = d
        .periods
        .iter()
        .map(|p| {
            vec![
                p.start.clone(),
                p.won.to_string(),
                p.won_amount.clone(),
                p.lost.to_string(),
                p.lost_amount.clone(),
            ]
        })
        .collect();
    rows.push(vec![
        lang.pick("Forecast (open deals)", "Прогноз (открытые сделки)")
            .to_string(),
        String::new(),
        d.forecast.clone(),
        String::new(),
        d.open_amount.clone(),
    ]);
    file("deals", &headers, rows)
}

pub fn lead_sources(l: &LeadSources, lang: Lang) -> Result<Response, Error> {
    let headers = [
        lang.pick("Source", "Источник"),
        lang.pick("Leads", "Лидов"),
        lang.pick("Converted", "Конвертировано"),
        lang.pick("Won amount", "Сумма выигранных сделок"),
    ];
    let none = lang.pick("(no source)", "(без источника)");
    let rows = l.sources.iter().map(|s| {
        vec![
            s.source.clone().unwrap_or_else(|| none.to_string()),
            s.leads.to_string(),
            s.converted.to_string(),
            s.won_amount.clone(),
        ]
    });
    file("lead-sources", &headers, rows)
}

fn file(
    name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Response, Error> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(headers).map_err(Error::internal)?;
    for row in rows {
        w.write_record(&row).map_err(Error::internal)?;
    }
    let bytes = w.into_inner().map_err(Error::internal)?;
    let date = time::OffsetDateTime::now_utc().date();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}-{date}.csv\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
