//! A real SMTP server for tests: Postfix's `smtp-sink` on a free loopback port, dumping every received message to
//! a file. `scripts/test.sh` installs it; a test that needs it fails loudly when it is missing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SMTP_SINK: &str = "/usr/sbin/smtp-sink";

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dump: PathBuf,
    _dir: tempfile::TempDir,
}

/// One received letter: the sink's envelope lines and the message as sent.
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: String,
    pub raw: Vec<u8>,
}

impl Received {
    /// A header of the message, unfolded, without its name.
    pub fn header(&self, name: &str) -> Option<String> {
        let text = String::from_utf8_lossy(&self.raw).replace("\r\n", "\n");
        let head = text.split("\n\n").next().unwrap_or_default();
        let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
        let prefix = format!("{}:", name.to_ascii_lowercase());
        unfolded.split('\n').find_map(|line| {
            line.to_ascii_lowercase()
                .starts_with(&prefix)
                .then(|| line[prefix.len()..].trim().to_string())
        })
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl SmtpSink {
    /// Accepts everything.
    pub fn start() -> SmtpSink {
        Self::start_on(free_port(), &[])
    }

    /// `extra` e.g. `["-r", "rcpt"]` (4xx to every RCPT) or `["-f", "rcpt"]` (5xx).
    pub fn start_on(port: u16, extra: &[&str]) -> SmtpSink {
        assert!(
            Path::new(SMTP_SINK).exists(),
            "{SMTP_SINK} is missing: run scripts/test.sh (installs postfix) or apt-get install postfix"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        // smtp-sink writes as `nobody` when started as root: it must reach the dump dir.
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("chmod temp dir");
        let dump = dir.path().join("dump");
        std::fs::create_dir(&dump).expect("dump dir");
        // smtp-sink drops privileges to `nobody` when run as root, and writes as that user.
        std::fs::set_permissions(&dump, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .expect("chmod dump dir");
        let mut command = Command::new(SMTP_SINK);
        if is_root() {
            command.args(["-u", "nobody"]);
        }
        command
            .args(extra)
            .arg("-d")
            .arg(format!("{}/%H%M%S.", dump.display()))
            .arg(format!("127.0.0.1:{port}"))
            .arg("1000")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = command.spawn().expect("start smtp-sink");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "smtp-sink did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        SmtpSink {
            child,
            port,
            dump,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<Received> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dump).expect("read dump dir") {
            // smtp-sink creates a transaction's file, empty, at MAIL and removes it if no message comes (a refused
            // RCPT); it may also vanish between listing and reading.
            let Ok(raw) = std::fs::read(entry.expect("dir entry").path()) else {
                continue;
            };
            if raw.is_empty() {
                continue;
            }
            out.push(parse_dump(raw));
        }
        out
    }

    /// Waits until at least `n` messages arrived (panics after `timeout`); async, so the server in the same
    /// runtime keeps sending.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.received().len();
            if got >= n {
                // A dump file appears when the message starts arriving: give the sink time to finish writing.
                tokio::time::sleep(Duration::from_millis(200)).await;
                return self.received();
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} letters, the sink has {got}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the sink; the port is free again afterwards.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Splits smtp-sink's `X-Mail-Args:`/`X-Rcpt-Args:` lines (and its other X- lines and Received:) off the message.
fn parse_dump(raw: Vec<u8>) -> Received {
    let text = String::from_utf8_lossy(&raw).to_string();
    let (mut mail_from, mut rcpt_to) = (String::new(), String::new());
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_end();
        if let Some(v) = trimmed.strip_prefix("X-Mail-Args: ") {
            mail_from = v.trim_matches(|c| c == '<' || c == '>').to_string();
        } else if let Some(v) = trimmed.strip_prefix("X-Rcpt-Args: ") {
            rcpt_to = v.trim_matches(|c| c == '<' || c == '>').to_string();
        } else if trimmed.starts_with("Received:") {
            offset += line.len();
            // Its folded continuation lines belong to it.
            while lines.peek().is_some_and(|l| l.starts_with([' ', '\t'])) {
                offset += lines.next().unwrap_or_default().len();
            }
            continue;
        } else if !trimmed.starts_with("X-Client-") && !trimmed.starts_with("X-Helo-Args") {
            break;
        }
        offset += line.len();
    }
    Received {
        mail_from,
        rcpt_to,
        raw: raw[offset..].to_vec(),
    }
}
