//! `mailroom backup` and `mailroom restore`: what they print.

use std::path::Path;

use mailroom::Config;

pub async fn backup(config: Config, dir: &Path, with_keys: bool) -> Result<(), String> {
    let report = mailroom::ops::backup::backup(&config, dir, with_keys).await?;
    println!(
        "Backup written to {} ({} bytes, {} schema {}).",
        report.dir.display(),
        report.bytes,
        report.manifest.backend,
        report.manifest.schema_version
    );
    if with_keys {
        println!("Keys copied: {}.", list(&report.manifest.keys));
        for name in report.keys_in_config {
            println!("The {name} is set in the configuration, not a file: keep it with the backup yourself.");
        }
    } else {
        println!(
            "The keys are not in the backup: keep secret-key and jwt-secret from the data directory (or their \
             configured values) safely; without the secret-key the stored mailbox passwords and tokens cannot be read."
        );
    }
    Ok(())
}

pub async fn restore(config: Config, dir: &Path) -> Result<(), String> {
    let report = mailroom::ops::restore::restore(&config, dir).await?;
    println!(
        "Restored the {} backup of {} (schema {}).",
        report.manifest.backend, report.manifest.created_at, report.manifest.schema_version
    );
    for path in &report.kept {
        println!("Kept the replaced file as {}.", path.display());
    }
    if !report.keys_restored.is_empty() {
        println!("Keys restored: {}.", list(&report.keys_restored));
    }
    for name in report.keys_in_config {
        println!("The backup's {name} is not used: the configuration sets its own.");
    }
    println!("Start the server: migrations newer than the backup run at start.");
    Ok(())
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}
