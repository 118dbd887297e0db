//! Workbooks (.xlsx cell by cell, streamed; .xls and .ods by calamine's ranges, which calamine reads whole) row by
//! row, after the zip is checked for bombs; formulas are kept beside the cells so that the rows holding them are
//! refused.

use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Reader};

use super::read::{
    too_big, unreadable, Cell, Emit, Format, MAX_COLUMNS, MAX_RATIO, MAX_ROWS, MAX_UNPACKED_BYTES,
};
use crate::error::Error;

/// Refuses a zip whose entries unpack to too much, before calamine inflates anything.
fn check_zip(filename: &str, bytes: &[u8]) -> Result<(), Error> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(filename, e))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| unreadable(filename, e))?;
        let size = entry.size();
        total = total.saturating_add(size);
        let packed = entry.compressed_size().max(1);
        if size > 1024 * 1024 && size / packed > MAX_RATIO {
            return Err(too_big(format!(
                "'{filename}' looks like a zip bomb: '{}' unpacks {} times its size",
                entry.name().unwrap_or_default(),
                size / packed
            )));
        }
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(too_big(format!(
            "'{filename}' unpacks to {} MB; at most {} MB",
            total >> 20,
            MAX_UNPACKED_BYTES >> 20
        )));
    }
    // The declared sizes can lie: inflate the entries with a hard stop at the cap.
    let mut left = MAX_UNPACKED_BYTES;
    let mut sink = [0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| unreadable(filename, e))?;
        loop {
            let n = entry.read(&mut sink).map_err(|e| unreadable(filename, e))?;
            if n == 0 {
                break;
            }
            left = left.checked_sub(n as u64).ok_or_else(|| {
                too_big(format!(
                    "'{filename}' unpacks to more than {} MB",
                    MAX_UNPACKED_BYTES >> 20
                ))
            })?;
        }
    }
    Ok(())
}

/// Hands every row holding something to `emit` in order (the first is the header); the sheets and the sheet read.
pub fn visit(
    filename: &str,
    format: Format,
    bytes: &[u8],
    sheet: Option<&str>,
    emit: Emit<'_>,
) -> Result<(Vec<String>, String), Error> {
    if format != Format::Xls {
        check_zip(filename, bytes)?;
    }
    let cursor = Cursor::new(bytes);
    if format == Format::Xlsx {
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(cursor).map_err(|e| unreadable(filename, e))?;
        let sheets = book.sheet_names();
        let name = pick_sheet(&sheets, sheet)?;
        let mut reader = book
            .worksheet_cells_reader(&name)
            .map_err(|e| unreadable(filename, e))?;
        let mut grid = Grid::new(emit);
        while let Some(cell) = reader
            .next_cell_with_formula()
            .map_err(|e| unreadable(filename, e))?
        {
            let (row, col) = cell.pos;
            let mut c = cell_of_ref(&cell.value);
            c.formula = cell.formula.filter(|f| !f.is_empty()).map(with_equals);
            grid.put(row as usize, col as usize, c)?;
        }
        grid.finish()?;
        return Ok((sheets, name));
    }
    let mut book =
        calamine::open_workbook_auto_from_rs(cursor).map_err(|e| unreadable(filename, e))?;
    let sheets = book.sheet_names();
    let name = pick_sheet(&sheets, sheet)?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| unreadable(filename, e))?;
    let formulas = book.worksheet_formula(&name).ok();
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut grid = Grid::new(emit);
    for (r, row) in range.rows().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if matches!(value, Data::Empty) {
                continue;
            }
            let (row_no, col_no) = (top + r as u32, left + c as u32);
            let mut cell = cell_of(value);
            cell.formula = formulas
                .as_ref()
                .and_then(|f| f.get_value((row_no, col_no)))
                .filter(|f| !f.is_empty())
                .cloned()
                .map(with_equals);
            grid.put(row_no as usize, col_no as usize, cell)?;
        }
    }
    grid.finish()?;
    Ok((sheets, name))
}

/// calamine gives formulas without their `=`; the reject file shows them as a spreadsheet would.
fn with_equals(f: String) -> String {
    if f.starts_with('=') {
        f
    } else {
        format!("={f}")
    }
}

fn pick_sheet(sheets: &[String], wanted: Option<&str>) -> Result<String, Error> {
    match wanted {
        Some(w) => sheets
            .iter()
            .find(|s| s.as_str() == w)
            .cloned()
            .ok_or_else(|| {
                Error::validation(
                    "sheet",
                    format!("no sheet '{w}'; the file has {}", sheets.join(", ")),
                )
            }),
        None => sheets
            .first()
            .cloned()
            .ok_or_else(|| unreadable("the workbook", "it has no sheets")),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn cell_of(value: &Data) -> Cell {
    match value {
        Data::Int(i) => Cell {
            text: i.to_string(),
            serial: Some(*i as f64),
            formula: None,
        },
        Data::Float(f) => Cell {
            text: number_text(*f),
            serial: Some(*f),
            formula: None,
        },
        Data::DateTime(d) => Cell {
            text: number_text(d.as_f64()),
            serial: Some(d.as_f64()),
            formula: None,
        },
        Data::Empty => Cell::default(),
        Data::Error(e) => Cell::text(format!("#{e}")),
        other => Cell::text(other.to_string()),
    }
}

fn cell_of_ref(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::SharedString(s) => Cell::text(s.to_string()),
        DataRef::String(s) => Cell::text(s.clone()),
        DataRef::Int(i) => cell_of(&Data::Int(*i)),
        DataRef::Float(f) => cell_of(&Data::Float(*f)),
        DataRef::DateTime(d) => cell_of(&Data::DateTime(*d)),
        DataRef::Bool(b) => Cell::text(b.to_string()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::text(s.clone()),
        DataRef::Error(e) => Cell::text(format!("#{e}")),
        DataRef::Empty => Cell::default(),
    }
}

/// Cells arrive row by row (sparse); a row is handed on (with its line number) once the next one starts, and only
/// when it holds something.
struct Grid<'a> {
    emit: Emit<'a>,
    row: Option<(usize, Vec<Cell>)>,
    rows: usize,
}

impl<'a> Grid<'a> {
    fn new(emit: Emit<'a>) -> Self {
        Grid {
            emit,
            row: None,
            rows: 0,
        }
    }

    fn put(&mut self, row: usize, col: usize, cell: Cell) -> Result<(), Error> {
        if cell.text.is_empty() && cell.formula.is_none() {
            return Ok(());
        }
        if col >= MAX_COLUMNS {
            return Err(too_big(format!(
                "row {} has a cell past column {MAX_COLUMNS}",
                row + 1
            )));
        }
        if self.row.as_ref().map(|(r, _)| *r) != Some(row) {
            self.finish()?;
            // The header and MAX_ROWS rows under it.
            if self.rows > MAX_ROWS {
                return Err(too_big(format!("more than {MAX_ROWS} rows")));
            }
            self.rows += 1;
            self.row = Some((row, Vec::new()));
        }
        let (_, cells) = self.row.as_mut().expect("a row was just started");
        if cells.len() <= col {
            cells.resize(col + 1, Cell::default());
        }
        cells[col] = cell;
        Ok(())
    }

    /// Hands on the row in progress.
    fn finish(&mut self) -> Result<(), Error> {
        match self.row.take() {
            Some((r, cells)) => (self.emit)(r + 1, cells),
            None => Ok(()),
        }
    }
}
