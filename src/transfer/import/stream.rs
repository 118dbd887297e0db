//! The rows of a stored import's file a batch at a time, read on a blocking thread while the job (or the dry run)
//! works on the batch before: memory holds the file, the reader's state and two batches, whatever the row count.

use tokio::sync::mpsc;

use super::mapping;
use super::read::{self, Cell, Format};
use crate::error::Error;

/// Rows per message from the reader: a batch of the run.
const CHUNK: usize = super::batch::SIZE;

type Chunk = Vec<(usize, Vec<Cell>)>;

pub struct Rows {
    /// The header row's names, made unique as the mapping sees them.
    pub headers: Vec<String>,
    first: Option<Chunk>,
    rx: mpsc::Receiver<Result<Chunk, Error>>,
}

/// Starts reading `sheet` of the file; the header row is read before this returns.
pub async fn open(
    filename: &str,
    format: &str,
    bytes: Vec<u8>,
    sheet: Option<String>,
) -> Result<Rows, Error> {
    let format = Format::parse(format)
        .ok_or_else(|| Error::internal("stored import with an unknown format"))?;
    let filename = filename.to_string();
    let (tx, mut rx) = mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut emit = |line: usize, cells: Vec<Cell>| {
            chunk.push((line, cells));
            if chunk.len() >= CHUNK {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                // The receiver is gone when the job stopped: stop reading.
                tx.blocking_send(Ok(full))
                    .map_err(|_| Error::internal("the import stopped reading"))?;
            }
            Ok(())
        };
        let done = read::visit(&filename, format, &bytes, sheet.as_deref(), &mut emit);
        let last = match done {
            Ok(_) => Ok(chunk),
            Err(e) => Err(e),
        };
        let _ = tx.blocking_send(last);
    });
    let mut first = match rx.recv().await {
        Some(chunk) => chunk?,
        None => return Err(Error::internal("the file's reader stopped")),
    };
    let headers = if first.is_empty() {
        Vec::new()
    } else {
        read::header_texts(first.remove(0).1)
    };
    Ok(Rows {
        headers: mapping::unique_headers(&headers),
        first: Some(first),
        rx,
    })
}

impl Rows {
    /// The next rows under the header, in file order; `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Chunk>, Error> {
        if let Some(first) = self.first.take() {
            if !first.is_empty() {
                return Ok(Some(first));
            }
        }
        loop {
            match self.rx.recv().await {
                Some(Ok(chunk)) if chunk.is_empty() => continue,
                Some(chunk) => return chunk.map(Some),
                None => return Ok(None),
            }
        }
    }
}
