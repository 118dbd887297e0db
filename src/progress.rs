//! Progress bars for long CLI work (indicatif): messages and bytes of a mailbox sync.

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};
use mailroom::imap::model::SyncReport;
use mailroom::imap::sync::SyncEvent;

pub struct SyncBar {
    mailbox: i64,
    bar: ProgressBar,
    /// Bytes and messages announced so far, over all folders.
    totals: Mutex<(u64, u64)>,
}

impl SyncBar {
    pub fn new(mailbox: i64) -> Self {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("mailbox {prefix} {msg:12} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(mailbox.to_string());
        SyncBar {
            mailbox,
            bar,
            totals: Mutex::new((0, 0)),
        }
    }

    pub fn on(&self, event: SyncEvent) {
        let mut totals = self.totals.lock().expect("progress lock");
        match event {
            SyncEvent::Folder {
                name,
                messages,
                bytes,
            } => {
                totals.0 += bytes;
                self.bar.set_length(totals.0);
                self.bar.println(format!(
                    "mailbox {}: {name}: {messages} new messages",
                    self.mailbox
                ));
            }
            SyncEvent::Stored { bytes } => {
                totals.1 += 1;
                self.bar.inc(bytes);
                self.bar.set_message(format!("{} msgs", totals.1));
            }
        }
    }

    pub fn finish(&self, report: &SyncReport) {
        self.bar.finish_and_clear();
        println!(
            "mailbox {}: {} folders, {} messages fetched ({} new), {} bytes",
            self.mailbox, report.folders, report.fetched, report.new_messages, report.bytes
        );
    }

    pub fn fail(&self, error: &str) {
        self.bar.abandon();
        eprintln!("mailbox {}: sync failed: {error}", self.mailbox);
    }
}
