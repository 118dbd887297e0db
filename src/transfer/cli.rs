//! What `mailroom import` and `mailroom export` do, acting as a named user against the database directly: the
//! same upload, dry run and job as the API (the import is listed and undoable there too).

use std::path::Path;

use sqlx::AnyPool;

use super::export::{self, Encoding, Format};
use super::import::{self, job};
use super::model::{CheckReport, ImportOptions, Policy};
use super::{records, store};
use crate::error::Error;

fn show(e: Error) -> String {
    match e {
        Error::Validation { field, message } => format!("{field}: {message}"),
        other => other.to_string(),
    }
}

pub struct ImportArgs<'a> {
    pub user_email: &'a str,
    pub file: &'a Path,
    pub kind: &'a str,
    pub owner: Option<&'a str>,
    pub preset: Option<&'a str>,
    pub sheet: Option<&'a str>,
    pub policy: &'a str,
    pub dry_run: bool,
}

/// The dry run's report as lines for a terminal.
pub fn describe(report: &CheckReport) -> String {
    let mut out = format!(
        "{} rows: {} to create, {} to update, {} to skip, {} failing; {} new companies\n",
        report.total_rows,
        report.would_create,
        report.would_update,
        report.would_skip,
        report.would_fail,
        report.companies_to_create
    );
    let mapping: Vec<String> = report
        .mapping
        .iter()
        .map(|(h, f)| format!("{h} → {f}"))
        .collect();
    out.push_str(&format!("mapping: {}\n", mapping.join(", ")));
    for r in report.rows.iter().take(50) {
        out.push_str(&format!(
            "  row {}: {} {}\n",
            r.row,
            r.action,
            r.reason.as_deref().unwrap_or("")
        ));
    }
    out
}

/// Uploads and checks the file; unless `dry_run`, runs it in this process with `tick(done, total)`.
/// Returns the import's id and a summary.
pub async fn import_file(
    pool: &AnyPool,
    args: ImportArgs<'_>,
    tick: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<(i64, String), String> {
    let user = crate::auth::service::find_user_by_email(pool, args.user_email)
        .await
        .map_err(show)?;
    let caller = records::caller_of(pool, user.id).await.map_err(show)?;
    let kind = import::parse_kind(args.kind).map_err(show)?;
    let bytes = std::fs::read(args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let filename = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let owner_id = match args.owner {
        Some(email) => Some(
            crate::auth::service::find_user_by_email(pool, email)
                .await
                .map_err(|_| format!("no user {email}"))?
                .id,
        ),
        None => None,
    };
    let policy: Policy = serde_json::from_value(serde_json::json!(args.policy)).map_err(|_| {
        format!(
            "--policy {}: skip, fill_empty, overwrite or create_anyway",
            args.policy
        )
    })?;
    let options = ImportOptions {
        sheet: args.sheet.map(str::to_string),
        preset: args.preset.map(str::to_string),
        owner_id,
        policy,
        ..ImportOptions::default()
    };
    if bytes.len() > import::read::MAX_UPLOAD_BYTES {
        return Err(format!(
            "{} is larger than {} MB",
            args.file.display(),
            import::read::MAX_UPLOAD_BYTES >> 20
        ));
    }
    let up = import::upload(pool, &caller, kind, &filename, bytes)
        .await
        .map_err(show)?;
    let report = import::check(pool, &caller, up.id, options)
        .await
        .map_err(show)?;
    let mut summary = describe(&report);
    if args.dry_run {
        return Ok((up.id, summary));
    }
    import::start(pool, &caller, up.id, None)
        .await
        .map_err(show)?;
    if !store::transition(pool, up.id, &["queued"], "running", None)
        .await
        .map_err(show)?
    {
        return Err(format!(
            "import {} was taken by a running server; follow it there",
            up.id
        ));
    }
    let (_keep, stop) = tokio::sync::watch::channel(false);
    job::run_with(pool, up.id, &stop, tick)
        .await
        .map_err(show)?;
    let done = import::get(pool, &caller, up.id).await.map_err(show)?;
    let p = done.progress;
    summary.push_str(&format!(
        "import {}: {} created, {} updated, {} skipped, {} failed",
        up.id, p.created, p.updated, p.skipped, p.failed
    ));
    Ok((up.id, summary))
}

/// What `mailroom export` writes: which list, as whom, in which format and columns, to which file.
pub struct ExportArgs<'a> {
    pub user_email: &'a str,
    pub kind: &'a str,
    pub format: &'a str,
    /// `--columns a,b,custom.x`, in order (as the API's `columns=`); empty: the kind's usual columns.
    pub columns: &'a [String],
    pub output: &'a Path,
}

/// Writes the list of `kind` to `path` as CSV or .xlsx.
pub async fn export_file(pool: &AnyPool, args: &ExportArgs<'_>) -> Result<(), String> {
    let ExportArgs {
        user_email,
        kind,
        format,
        columns,
        output: path,
    } = *args;
    let user = crate::auth::service::find_user_by_email(pool, user_email)
        .await
        .map_err(show)?;
    let caller = records::caller_of(pool, user.id).await.map_err(show)?;
    let kind = import::parse_kind(kind).map_err(show)?;
    let format = match format {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        other => return Err(format!("--format {other}: csv or xlsx")),
    };
    let req = export::Request {
        kind,
        filter: String::new(),
        format,
        encoding: Encoding::Utf8,
        columns: columns.to_vec(),
        sheet_rows: export::writer::SHEET_ROWS,
    };
    export::to_file(pool, &caller, req, path)
        .await
        .map_err(show)?;
    Ok(())
}

/// An app for CLI work on the configured database: no port of the server's, no admin made as a side effect.
async fn cli_app(mut config: crate::Config) -> Result<crate::App, String> {
    config.listen = "127.0.0.1:0".parse().expect("a valid address");
    if config.admin_password.is_none() {
        let random: String = (0..32)
            .map(|_| rand::random::<u8>() % 26)
            .map(|b| (b'a' + b) as char)
            .collect();
        config.admin_password = Some(random.into());
    }
    crate::App::build(&config).await.map_err(|e| e.to_string())
}

/// `mailroom import`: with a progress bar on a terminal, and the summary printed.
pub async fn import_command(config: crate::Config, args: ImportArgs<'_>) -> Result<(), String> {
    let app = cli_app(config).await?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {per_sec} ETA {eta}")
            .expect("a valid progress template"),
    );
    let mut tick = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let (_, summary) = import_file(&app.state.db.pool, args, &mut tick).await?;
    bar.finish_and_clear();
    println!("{summary}");
    Ok(())
}

/// `mailroom export`.
pub async fn export_command(config: crate::Config, args: ExportArgs<'_>) -> Result<(), String> {
    let app = cli_app(config).await?;
    export_file(&app.state.db.pool, &args).await?;
    println!("{} written to {}", args.kind, args.output.display());
    Ok(())
}
