//! The export's file, written on its own thread as the rows arrive: CSV line by line, or .xlsx in
//! rust_xlsxwriter's constant-memory mode (each sheet's rows go to a temporary file, not into memory), which
//! goes on in a next sheet, header repeated, when a sheet is full.

use std::io::Write;

use axum::body::Bytes;
use tokio::sync::mpsc;

use super::{Encoding, Format};
use crate::crm::RecordKind;
use crate::error::Error;

/// Data rows an .xlsx sheet holds below its header (Excel's 1 048 576 rows in all).
pub const SHEET_ROWS: u32 = 1_048_575;

/// A `Write` into the response body: each buffer becomes a chunk (a slow client slows the writer down).
pub struct BodyWriter(pub mpsc::Sender<Result<Bytes, std::io::Error>>, pub Vec<u8>);

impl Write for BodyWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.1.extend_from_slice(buf);
        if self.1.len() >= 64 * 1024 {
            self.flush()?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.1.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.1));
        self.0.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Windows1251 => encoding_rs::WINDOWS_1251.encode(text).0.into_owned(),
    }
}

/// What to write and how.
pub struct Layout {
    pub kind: RecordKind,
    pub headers: Vec<String>,
    pub format: Format,
    pub encoding: Encoding,
    /// Data rows per .xlsx sheet (`SHEET_ROWS`; smaller in tests).
    pub sheet_rows: u32,
}

/// Writes the rows as they arrive into `out` (blocking: runs on its own thread).
pub fn write_file(
    layout: &Layout,
    rows: std::sync::mpsc::Receiver<Vec<Vec<String>>>,
    mut out: impl Write + Send,
) -> Result<(), Error> {
    match layout.format {
        Format::Csv => {
            if layout.encoding == Encoding::Utf8 {
                out.write_all(b"\xEF\xBB\xBF").map_err(Error::internal)?;
            }
            let line = |cells: &[String]| -> Result<Vec<u8>, Error> {
                let mut w = csv::WriterBuilder::new()
                    .delimiter(b';')
                    .from_writer(Vec::new());
                w.write_record(cells).map_err(Error::internal)?;
                let bytes = w.into_inner().map_err(Error::internal)?;
                Ok(encode(&String::from_utf8_lossy(&bytes), layout.encoding))
            };
            out.write_all(&line(&layout.headers)?)
                .map_err(Error::internal)?;
            for batch in rows {
                for row in batch {
                    out.write_all(&line(&row)?).map_err(Error::internal)?;
                }
            }
            out.flush().map_err(Error::internal)
        }
        Format::Xlsx => write_xlsx(layout, rows, out),
    }
}

fn write_xlsx(
    layout: &Layout,
    rows: std::sync::mpsc::Receiver<Vec<Vec<String>>>,
    mut out: impl Write + Send,
) -> Result<(), Error> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let per_sheet = layout.sheet_rows.clamp(1, SHEET_ROWS);
    let mut sheets = 0;
    // The row the next record goes to; past the limit a new sheet starts.
    let mut r = u32::MAX;
    let mut sheet = None;
    for batch in rows {
        for row in batch {
            if r > per_sheet {
                sheets += 1;
                sheet = Some(new_sheet(&mut book, layout, sheets)?);
                r = 1;
            }
            let s = sheet.as_mut().expect("a sheet was added above");
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    s.write_string(r, c as u16, v).map_err(Error::internal)?;
                }
            }
            r += 1;
        }
    }
    if sheets == 0 {
        new_sheet(&mut book, layout, 1)?;
    }
    book.save_to_writer(&mut out).map_err(Error::internal)?;
    out.flush().map_err(Error::internal)
}

/// Sheet `n` (from 1) of the book, named after the list (`contacts`, `contacts 2` …), with the header row.
fn new_sheet<'a>(
    book: &'a mut rust_xlsxwriter::Workbook,
    layout: &Layout,
    n: u32,
) -> Result<&'a mut rust_xlsxwriter::Worksheet, Error> {
    let sheet = book
        .add_worksheet_with_constant_memory()
        .map_err(Error::internal)?;
    let name = match n {
        1 => layout.kind.table().to_string(),
        n => format!("{} {n}", layout.kind.table()),
    };
    sheet.set_name(name).map_err(Error::internal)?;
    for (c, h) in layout.headers.iter().enumerate() {
        sheet
            .write_string(0, c as u16, h)
            .map_err(Error::internal)?;
    }
    Ok(sheet)
}

#[cfg(test)]
mod tests {
    use calamine::Reader;

    use super::*;

    /// The .xlsx of `n` contacts with `per_sheet` data rows a sheet, read back: each sheet's rows.
    fn book_of(n: u32, per_sheet: u32) -> Vec<(String, Vec<Vec<String>>)> {
        let layout = Layout {
            kind: RecordKind::Contact,
            headers: vec!["ID".into(), "ФИО".into()],
            format: Format::Xlsx,
            encoding: Encoding::Utf8,
            sheet_rows: per_sheet,
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(n as usize + 1);
        // Batches of 2, as pages would come: a sheet may fill in the middle of one.
        let rows: Vec<Vec<String>> = (1..=n)
            .map(|i| vec![i.to_string(), format!("Контакт {i}")])
            .collect();
        for batch in rows.chunks(2) {
            tx.send(batch.to_vec()).unwrap();
        }
        drop(tx);
        let mut out = Vec::new();
        write_file(&layout, rx, &mut out).unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(out)).unwrap();
        book.sheet_names()
            .into_iter()
            .map(|name| {
                let range = book.worksheet_range(&name).unwrap();
                let cells = range
                    .rows()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
                    .collect();
                (name, cells)
            })
            .collect()
    }

    #[test]
    fn a_full_sheet_goes_on_in_a_next_one_with_the_header_repeated() {
        let sheets = book_of(7, 3);
        let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["contacts", "contacts 2", "contacts 3"]);
        let mut ids = Vec::new();
        for (name, rows) in &sheets {
            assert_eq!(rows[0], ["ID", "ФИО"], "{name}: the header first");
            assert!(rows.len() <= 4, "{name}: at most 3 data rows: {rows:?}");
            ids.extend(rows[1..].iter().map(|r| r[0].clone()));
        }
        let all: Vec<String> = (1..=7).map(|i| i.to_string()).collect();
        assert_eq!(ids, all, "every row once, in order");
        assert_eq!(sheets[2].1[1], ["7", "Контакт 7"]);
    }

    #[test]
    fn a_sheet_filled_exactly_adds_no_empty_one_and_an_empty_list_keeps_its_header() {
        let sheets = book_of(6, 3);
        assert_eq!(sheets.len(), 2, "{sheets:?}");
        assert_eq!(sheets[1].1.len(), 4);
        let empty = book_of(0, 3);
        assert_eq!(
            empty,
            [(
                "contacts".to_string(),
                vec![vec!["ID".to_string(), "ФИО".to_string()]]
            )]
        );
    }
}
