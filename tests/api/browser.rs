//! Runs a Node test file of the browser suites (tests/addin, tests/console: playwright-core driving Debian's
//! Chromium) against a running server, and hands back its TAP report for the test to check.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The folder of a Node browser suite (`tests/addin`, `tests/console`) of this checkout, once Chromium and the
/// suite's npm packages are known to be there (scripts/test.sh installs both); a loud failure otherwise.
pub fn suite_dir(suite: &str) -> PathBuf {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "Chromium is missing: scripts/test.sh installs it (apt-get install -y chromium)"
    );
    let dir = crate::helpers::repo_dir().join(suite);
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "run `npm ci --prefix {suite}` (scripts/test.sh does)"
    );
    dir
}

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
