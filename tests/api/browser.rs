//! Runs a Node test file of the browser suites (tests/addin, tests/console: playwright-core driving Debian's
//! Chromium) against a running server, and hands back its TAP report for the test to check.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// `node --test` of `script` in `dir`, given the server's `base` URL, the test's `fixture` and an artifacts folder
/// `test-artifacts/<artifacts>/<backend>` for its screenshots: (whether it passed, its report), the report printed.
pub async fn run_node_tests(
    dir: &Path,
    script: &str,
    artifacts: &str,
    base: &str,
    fixture: &Value,
) -> (bool, String) {
    let artifacts: PathBuf = crate::helpers::repo_dir()
        .join("test-artifacts")
        .join(artifacts)
        .join(crate::helpers::backend_name());
    let (dir, script, base, fixture) = (
        dir.to_path_buf(),
        script.to_string(),
        base.to_string(),
        fixture.to_string(),
    );
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["--test", "--test-concurrency=1", &script])
            .current_dir(&dir)
            .env("MAILROOM_URL", base)
            .env("MAILROOM_FIXTURE", fixture)
            .env("MAILROOM_ARTIFACTS", artifacts)
            .output()
            .expect("node runs (scripts/test.sh installs it)")
    })
    .await
    .unwrap();
    let report = String::from_utf8_lossy(&output.stdout).to_string();
    println!("{report}{}", String::from_utf8_lossy(&output.stderr));
    (output.status.success(), report)
}
