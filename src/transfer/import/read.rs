//! Reads an uploaded file into a table of text cells: .csv/.tsv (delimiter sniffed; UTF-8 with or without BOM, or
//! windows-1251 and the like, detected) and .xlsx/.xls/.ods (calamine). Every size is capped so that a hostile file
//! (a zip bomb, a sheet that claims a million columns) is refused before it takes the memory.

use crate::error::Error;

/// Larger uploads are refused with 413 before they are read to the end.
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;
/// The most a workbook may unpack to (all its zip entries together).
pub(super) const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
/// An entry that unpacks to more than this many times its packed size is a bomb, not a spreadsheet.
pub(super) const MAX_RATIO: u64 = 200;
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

pub(super) fn unreadable(filename: &str, why: impl std::fmt::Display) -> Error {
    Error::BadRequest {
        code: "import_file_unreadable",
        message: format!("'{filename}' cannot be read: {why}"),
    }
}

pub(super) fn too_big(what: String) -> Error {
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
    pub(super) fn text(text: String) -> Cell {
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
    /// The rows under the header (`rows` may hold only the first few: `preview`).
    pub total: usize,
    /// For text files: the encoding and delimiter found.
    pub encoding: Option<&'static str>,
    pub delimiter: Option<char>,
}

/// Takes the rows of a sheet one at a time, `(line, cells)`, the header first.
pub type Emit<'a> = &'a mut dyn FnMut(usize, Vec<Cell>) -> Result<(), Error>;

/// Reads `sheet` (the first when `None`) of a file, every row kept.
pub fn read(
    filename: &str,
    format: Format,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<Table, Error> {
    collect(filename, format, bytes, sheet, usize::MAX)
}

/// `read` keeping only the first `keep` rows (the rest are counted): what a view of the upload shows.
pub fn preview(
    filename: &str,
    format: Format,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<Table, Error> {
    collect(filename, format, bytes, sheet, 5)
}

fn collect(
    filename: &str,
    format: Format,
    bytes: &[u8],
    sheet: Option<&str>,
    keep: usize,
) -> Result<Table, Error> {
    let mut headers = None;
    let mut rows = Vec::new();
    let mut total = 0;
    let mut take = |line: usize, cells: Vec<Cell>| {
        if headers.is_none() {
            headers = Some(header_texts(cells));
        } else {
            total += 1;
            if rows.len() < keep {
                rows.push((line, cells));
            }
        }
        Ok(())
    };
    let mut table = visit(filename, format, bytes, sheet, &mut take)?;
    table.headers = headers.unwrap_or_default();
    table.rows = rows;
    table.total = total;
    Ok(table)
}

/// The header row's cells as names.
pub fn header_texts(cells: Vec<Cell>) -> Vec<String> {
    cells
        .into_iter()
        .map(|c| c.text.trim().to_string())
        .collect()
}

/// Hands the rows of `sheet` to `emit` one at a time (the header first): the file's own reader streams them for
/// .xlsx (calamine's cell reader) and .csv/.tsv (the csv crate's); .xls and .ods are read whole by calamine, which
/// has no streamed reader for them. The table returned holds the sheets, encoding and delimiter, not the rows.
pub fn visit(
    filename: &str,
    format: Format,
    bytes: &[u8],
    sheet: Option<&str>,
    emit: Emit<'_>,
) -> Result<Table, Error> {
    match format {
        Format::Csv | Format::Tsv => read_text(format, bytes, emit),
        _ => {
            let (sheets, sheet) = super::workbook::visit(filename, format, bytes, sheet, emit)?;
            Ok(Table {
                sheets,
                sheet,
                ..Table::default()
            })
        }
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

fn read_text(format: Format, bytes: &[u8], emit: Emit<'_>) -> Result<Table, Error> {
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
    let table = Table {
        sheets: vec![],
        encoding: Some(encoding),
        delimiter: Some(delimiter as char),
        ..Table::default()
    };
    let mut record = csv::StringRecord::new();
    let mut rows = 0usize;
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
        // The first record is the header, whatever it holds; blank lines under it are passed over.
        if rows > 0 && record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows > MAX_ROWS {
            return Err(too_big(format!("more than {MAX_ROWS} rows")));
        }
        rows += 1;
        emit(
            line,
            record.iter().map(|c| text_cell(c.to_string())).collect(),
        )?;
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
