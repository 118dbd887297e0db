//! The reject file of an import: the rows that failed, as they were, with a reason column at the end. A .csv or
//! .tsv import gets a file of its kind (UTF-8 with BOM, its delimiter); a workbook (.xlsx, .xls, .ods) gets .xlsx.

use std::collections::HashMap;

use rust_xlsxwriter::Workbook;

use super::read::{Format, Table};
use crate::error::Error;

pub const REASON_HEADER: &str = "Причина отказа / Reason";

/// The file's bytes, its content type and file name.
pub fn write(
    table: &Table,
    format: Format,
    filename: &str,
    reasons: &HashMap<usize, String>,
) -> Result<(Vec<u8>, &'static str, String), Error> {
    let stem = filename
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(filename);
    let mut header: Vec<String> = table.headers.clone();
    header.push(REASON_HEADER.to_string());
    let failed = table.rows.iter().filter_map(|(line, cells)| {
        reasons.get(line).map(|why| {
            let mut row: Vec<String> = cells
                .iter()
                .map(|c| c.formula.clone().unwrap_or_else(|| c.text.clone()))
                .collect();
            row.resize(table.headers.len(), String::new());
            row.push(why.clone());
            row
        })
    });
    if format.is_workbook() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in header.iter().enumerate() {
            sheet
                .write_string(0, c as u16, h)
                .map_err(Error::internal)?;
        }
        for (r, row) in failed.enumerate() {
            for (c, v) in row.iter().enumerate() {
                // As text: a formula from the file is shown, not run again.
                sheet
                    .write_string(r as u32 + 1, c as u16, v)
                    .map_err(Error::internal)?;
            }
        }
        let bytes = book.save_to_buffer().map_err(Error::internal)?;
        let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        return Ok((bytes, mime, format!("{stem}-rejects.xlsx")));
    }
    let delimiter = table
        .delimiter
        .unwrap_or(if format == Format::Tsv { '\t' } else { ',' }) as u8;
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(&mut out);
        w.write_record(&header).map_err(Error::internal)?;
        for row in failed {
            w.write_record(&row).map_err(Error::internal)?;
        }
        w.flush().map_err(Error::internal)?;
    }
    let ext = if format == Format::Tsv { "tsv" } else { "csv" };
    Ok((
        out,
        "text/csv; charset=utf-8",
        format!("{stem}-rejects.{ext}"),
    ))
}
