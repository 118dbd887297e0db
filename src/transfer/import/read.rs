//! Reads an uploaded file into a table of text cells: .csv/.tsv (delimiter sniffed; UTF-8 with or without BOM, or
//! windows-1251 and the like, detected) and .xlsx/.xls/.ods (calamine). Every size is capped so that a hostile file
//! (a zip bomb, a sheet that claims a million columns) is refused before it takes the memory.

use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Reader};

use crate::error::Error;

/// Larger uploads are refused with 413 before they are read to the end.
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;
/// The most a workbook may unpack to (all its zip entries together).
const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
/// An entry that unpacks to more than this many times its packed size is a bomb, not a spreadsheet.
const MAX_RATIO: u64 = 200;
pub const MAX_ROWS: usize = 1_000_000;
pub const MAX_COLUMNS: usize = 256;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Tsv,
    Xlsx,
    Xls,
    Ods,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "csv" => Some(Format::Csv),
            "tsv" => Some(Format::Tsv),
            "xlsx" => Some(Format::Xlsx),
            "xls" => Some(Format::Xls),
            "ods" => Some(Format::Ods),
            _ => None,
        }
    }

    /// From the file name's extension, checked against the bytes' signature.
    pub fn detect(filename: &str, bytes: &[u8]) -> Result<Format, Error> {
        let ext = filename
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let format = match ext.as_str() {
            "csv" | "txt" => Format::Csv,
            "tsv" | "tab" => Format::Tsv,
            "xlsx" | "xlsm" => Format::Xlsx,
            "xls" => Format::Xls,
            "ods" => Format::Ods,
            _ => {
                return Err(Error::BadRequest {
                    code: "import_format_unsupported",
                    message: format!(
                        "'{filename}': only .csv, .tsv, .xlsx, .xls and .ods files can be imported"
                    ),
                })
            }
        };
        let zip = bytes.starts_with(b"PK\x03\x04");
        let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
        let ok = match format {
            Format::Xlsx | Format::Ods => zip,
            Format::Xls => ole,
            Format::Csv | Format::Tsv => !zip && !ole,
        };
        if !ok {
            return Err(unreadable(
                filename,
                "its content does not match its extension",
            ));
        }
        Ok(format)
    }

    pub fn is_workbook(self) -> bool {
        matches!(self, Format::Xlsx | Format::Xls | Format::Ods)
    }
}

fn unreadable(filename: &str, why: impl std::fmt::Display) -> Error {
    Error::BadRequest {
        code: "import_file_unreadable",
        message: format!("'{filename}' cannot be read: {why}"),
    }
}

fn too_big(what: String) -> Error {
    Error::BadRequest {
        code: "import_file_too_big",
        message: what,
    }
}

/// One cell as the import sees it: its text, the number behind it (dates are Excel serials), and the formula that
/// made it, if any (formulas are refused per row).
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub serial: Option<f64>,
    pub formula: Option<String>,
}

impl Cell {
    fn text(text: String) -> Cell {
        Cell {
            text,
            ..Cell::default()
        }
    }
}

/// A sheet: its header row and the rows under it, each with its line number in the file (the header is line 1).
#[derive(Debug, Default)]
pub struct Table {
    pub sheets: Vec<String>,
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<Cell>)>,
    /// For text files: the encoding and delimiter found.
    pub encoding: Option<&'static str>,
    pub delimiter: Option<char>,
}

/// Reads `sheet` (the first when `None`) of a file.
pub fn read(
    filename: &str,
    format: Format,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<Table, Error> {
    match format {
        Format::Csv | Format::Tsv => read_text(format, bytes),
        _ => read_workbook(filename, format, bytes, sheet),
    }
}

/// The text of a file: UTF-8 (BOM or not) when it is valid UTF-8, else the encoding chardetng guesses
/// (windows-1251 for Russian Excel exports).
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_string(), "utf-8");
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(Some(b"ru"), chardetng::Utf8Detection::Deny);
    let (text, _, _) = encoding.decode(bytes);
    (text.into_owned(), encoding.name())
}

/// The delimiter whose count is the same non-zero number on the most of the first lines (quotes respected).
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize);
    for d in [b';', b',', b'\t', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| {
                let mut quoted = false;
                l.bytes()
                    .filter(|&b| {
                        if b == b'"' {
                            quoted = !quoted;
                        }
                        b == d && !quoted
                    })
                    .count()
            })
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first == 0 {
            continue;
        }
        let same = counts.iter().filter(|&&c| c == first).count();
        if same > best.1 {
            best = (d, same);
        }
    }
    best.0
}

fn read_text(format: Format, bytes: &[u8]) -> Result<Table, Error> {
    let (text, encoding) = decode(bytes);
    let delimiter = if format == Format::Tsv {
        b'\t'
    } else {
        sniff_delimiter(&text)
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut table = Table {
        sheets: vec![],
        encoding: Some(encoding),
        delimiter: Some(delimiter as char),
        ..Table::default()
    };
    let mut record = csv::StringRecord::new();
    let mut first = true;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(unreadable("the file", e)),
        }
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if record.len() > MAX_COLUMNS {
            return Err(too_big(format!(
                "line {line} has {} columns; at most {MAX_COLUMNS}",
                record.len()
            )));
        }
        if first {
            table.headers = record.iter().map(|h| h.trim().to_string()).collect();
            first = false;
            continue;
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if table.rows.len() >= MAX_ROWS {
            return Err(too_big(format!("more than {MAX_ROWS} rows")));
        }
        let cells = record.iter().map(|c| text_cell(c.to_string())).collect();
        table.rows.push((line, cells));
    }
    Ok(table)
}

/// A text cell; one that starts with `=` is a formula (Excel would run it), refused per row.
fn text_cell(text: String) -> Cell {
    if text.starts_with('=') && text.len() > 1 {
        Cell {
            formula: Some(text.clone()),
            text,
            serial: None,
        }
    } else {
        Cell::text(text)
    }
}

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

fn read_workbook(
    filename: &str,
    format: Format,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<Table, Error> {
    if format != Format::Xls {
        check_zip(filename, bytes)?;
    }
    let cursor = Cursor::new(bytes);
    if format == Format::Xlsx {
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(cursor).map_err(|e| unreadable(filename, e))?;
        let sheets = book.sheet_names();
        let name = pick_sheet(&sheets, sheet)?;
        let mut table = Table {
            sheets: sheets.clone(),
            sheet: name.clone(),
            ..Table::default()
        };
        let mut reader = book
            .worksheet_cells_reader(&name)
            .map_err(|e| unreadable(filename, e))?;
        let mut grid = Grid::default();
        while let Some(cell) = reader
            .next_cell_with_formula()
            .map_err(|e| unreadable(filename, e))?
        {
            let (row, col) = cell.pos;
            let mut c = cell_of_ref(&cell.value);
            c.formula = cell.formula.filter(|f| !f.is_empty()).map(with_equals);
            grid.put(row as usize, col as usize, c)?;
        }
        grid.into_table(&mut table);
        return Ok(table);
    }
    let mut book =
        calamine::open_workbook_auto_from_rs(cursor).map_err(|e| unreadable(filename, e))?;
    let sheets = book.sheet_names();
    let name = pick_sheet(&sheets, sheet)?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| unreadable(filename, e))?;
    let formulas = book.worksheet_formula(&name).ok();
    let mut table = Table {
        sheets: sheets.clone(),
        sheet: name,
        ..Table::default()
    };
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut grid = Grid::default();
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
    grid.into_table(&mut table);
    Ok(table)
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

/// Cells arrive row by row (sparse); rows are kept only where they hold something.
#[derive(Default)]
struct Grid {
    rows: Vec<(usize, Vec<Cell>)>,
}

impl Grid {
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
        if self.rows.last().map(|(r, _)| *r) != Some(row) {
            if self.rows.len() > MAX_ROWS {
                return Err(too_big(format!("more than {MAX_ROWS} rows")));
            }
            self.rows.push((row, Vec::new()));
        }
        let (_, cells) = self.rows.last_mut().expect("a row was just pushed");
        if cells.len() <= col {
            cells.resize(col + 1, Cell::default());
        }
        cells[col] = cell;
        Ok(())
    }

    /// The first row holding anything is the header.
    fn into_table(self, table: &mut Table) {
        let mut rows = self.rows.into_iter();
        if let Some((_, header)) = rows.next() {
            table.headers = header
                .into_iter()
                .map(|c| c.text.trim().to_string())
                .collect();
        }
        table.rows = rows.map(|(r, cells)| (r + 1, cells)).collect();
    }
}
