//! The `mailroom` command line: parses arguments and calls the library.

mod bench_cli;
mod ops_cli;
mod progress;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mailroom::app::{shutdown_signal, App};
use mailroom::{telemetry, Config};

#[derive(Parser)]
#[command(name = "mailroom", version, about = "Email-centric CRM server")]
struct Cli {
    /// Optional TOML configuration file (also MAILROOM_CONFIG); MAILROOM_* variables override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (creates the data directory, database and first admin when missing).
    Serve,
    /// Manage users from the shell (e.g. when the admin password is lost).
    #[command(subcommand)]
    User(users::UserCommand),
    /// Sync mailboxes once, with a progress bar (for the initial load of a large mailbox).
    Sync {
        /// One mailbox; all enabled mailboxes when absent.
        #[arg(long)]
        mailbox: Option<i64>,
    },
    /// Benchmarks (see BENCHMARKS.md and scripts/bench-ingest.sh).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Mail-merge campaigns.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Import contacts, companies, leads or deals from .csv/.tsv/.xlsx/.xls/.ods (mapping from the headers or a
    /// preset), with a progress bar; the import is listed (and undoable) in the API too.
    Import {
        file: PathBuf,
        #[arg(long, value_parser = ["contacts", "companies", "leads", "deals"])]
        kind: String,
        /// One owner for rows without an owner column (default: the acting user).
        #[arg(long)]
        owner: Option<String>,
        /// A saved mapping preset's name.
        #[arg(long)]
        mapping: Option<String>,
        #[arg(long)]
        sheet: Option<String>,
        /// Check only: print what each row would do.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value = "skip", value_parser = ["skip", "fill_empty", "overwrite", "create_anyway"])]
        policy: String,
        /// The user the import acts as (default: the configured admin).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// A consistent copy of the database into a new directory, taken while the server serves (SQLite: VACUUM INTO;
    /// PostgreSQL: pg_dump), with a manifest.
    Backup {
        dir: PathBuf,
        /// Copy the data directory's secret-key and jwt-secret too (the backup then opens the stored credentials:
        /// keep it as safe as they are).
        #[arg(long)]
        with_keys: bool,
    },
    /// Put a backup in place of the configured database (stop every server first; the replaced database is kept
    /// beside it as *.before-restore-<time>).
    Restore { dir: PathBuf },
    /// Export a list (contacts, companies, leads, deals) to CSV or .xlsx.
    Export {
        #[arg(long, value_parser = ["contacts", "companies", "leads", "deals"])]
        kind: String,
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// The columns, in order, as the list shows them: `--columns name,email,custom.inn` (default: all).
        #[arg(long, value_delimiter = ',')]
        columns: Vec<String>,
        #[arg(long = "as")]
        as_user: Option<String>,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Raw IMAP FETCH rate (`--mode raw`), FETCH with each message parsed on one core (`--mode parse`) or on all
    /// (`--mode parse-all`), or our full sync into a fresh database (`--mode sync`; `sync-no-triggers` without the
    /// report-summary triggers), from the Inbox of a plain loopback IMAP server. Prints one line: mode, messages, bytes, seconds, messages/s, peak RSS.
    Ingest {
        #[arg(long, value_parser = ["raw", "parse", "parse-all", "sync", "sync-no-triggers"])]
        mode: String,
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        #[arg(long)]
        port: u16,
        #[arg(long)]
        user: String,
        #[arg(long)]
        password: String,
    },
    /// The import benchmark (scripts/bench-import.sh): `--make N` writes an .xlsx of N contacts with companies and
    /// owners to FILE; `--mode raw` reads FILE with calamine alone; `--mode import` imports it into a fresh
    /// database. Prints one line: mode, rows, seconds, rows/s, peak RSS.
    Import {
        file: PathBuf,
        #[arg(long)]
        make: Option<usize>,
        #[arg(long, value_parser = ["raw", "import"])]
        mode: Option<String>,
    },
    /// Concurrent GET load on a running server (scripts/bench-lookup.py): `--clients` keep-alive connections
    /// cycling through the paths in PATHS (one per line), at `--rate` requests/s in all (open loop, latency from
    /// each request's scheduled time) or as fast as answered (no `--rate`). Prints one line: requests, errors,
    /// requests/s, p50/p90/p99/max.
    Http {
        paths: PathBuf,
        #[arg(long)]
        base: String,
        #[arg(long, env = "MAILROOM_BENCH_TOKEN")]
        token: String,
        #[arg(long, default_value_t = 50)]
        clients: usize,
        #[arg(long)]
        rate: Option<f64>,
        #[arg(long, default_value_t = 20.0)]
        seconds: f64,
    },
}

#[derive(Subcommand)]
enum CampaignCommand {
    /// Start a draft campaign (validating every recipient first) or continue a sending one, with a progress bar.
    /// Safe beside a running server: each letter is claimed once in the database.
    Send { id: i64 },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("mailroom: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format, &config.log);
    let result = match cli.command {
        Command::Serve => serve(config).await,
        Command::User(command) => users::user(config, command).await,
        Command::Sync { mailbox } => sync(config, mailbox).await,
        Command::Bench(BenchCommand::Ingest {
            mode,
            host,
            port,
            user,
            password,
        }) => {
            let server = mailroom::bench::Server {
                host,
                port,
                username: user,
                password,
            };
            bench_cli::bench_ingest(config, &mode, server).await
        }
        Command::Campaign(CampaignCommand::Send { id }) => campaign_send(config, id).await,
        Command::Bench(BenchCommand::Import { file, make, mode }) => {
            bench_cli::bench_import(config, &file, make, mode.as_deref()).await
        }
        Command::Bench(BenchCommand::Http {
            paths,
            base,
            token,
            clients,
            rate,
            seconds,
        }) => bench_cli::bench_http(&paths, base, token, clients, rate, seconds).await,
        Command::Import {
            file,
            kind,
            owner,
            mapping,
            sheet,
            dry_run,
            policy,
            as_user,
        } => {
            let args = mailroom::transfer::cli::ImportArgs {
                user_email: &as_user.unwrap_or_else(|| config.admin_email.clone()),
                file: &file,
                kind: &kind,
                owner: owner.as_deref(),
                preset: mapping.as_deref(),
                sheet: sheet.as_deref(),
                policy: &policy,
                dry_run,
            };
            mailroom::transfer::cli::import_command(config.clone(), args).await
        }
        Command::Backup { dir, with_keys } => ops_cli::backup(config, &dir, with_keys).await,
        Command::Restore { dir } => ops_cli::restore(config, &dir).await,
        Command::Export {
            kind,
            format,
            output,
            columns,
            as_user,
        } => {
            let user = as_user.unwrap_or_else(|| config.admin_email.clone());
            let args = mailroom::transfer::cli::ExportArgs {
                user_email: &user,
                kind: &kind,
                format: &format,
                columns: &columns,
                output: &output,
            };
            mailroom::transfer::cli::export_command(config.clone(), args).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mailroom: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let app = App::build(&config).await.map_err(|e| e.to_string())?;
    if let Some((email, generated)) = &app.first_admin {
        match generated {
            Some(password) => println!(
                "Created the first admin.\n  e-mail:   {email}\n  password: {password}\n\
                 This password is shown only now: sign in and change it (POST /api/v1/me/password)."
            ),
            None => println!("Created the first admin {email} with the configured password."),
        }
    }
    let addr = app.local_addr();
    println!(
        "Mailroom listening on http://{addr} (the console at /, the API under /api/v1, OpenAPI at /api/v1/openapi.json)"
    );
    tracing::info!(%addr, "listening");
    app.run(shutdown_signal()).await.map_err(|e| e.to_string())
}

async fn campaign_send(mut config: Config, id: i64) -> Result<(), String> {
    use mailroom::campaigns::{self, model::CampaignStatus};
    config.listen = "127.0.0.1:0".parse().expect("a valid address");
    if config.admin_password.is_none() {
        config.admin_password = Some(generated_secret());
    }
    let app = App::build(&config).await.map_err(|e| e.to_string())?;
    let pool = app.state.db.pool.clone();
    let show = |e: mailroom::Error| match e {
        mailroom::Error::Unprocessable {
            message, details, ..
        } => format!("{message}\n{details:#}"),
        other => other.to_string(),
    };
    let mut campaign = campaigns::campaign(&pool, id).await.map_err(show)?;
    if campaign.status == CampaignStatus::Draft {
        campaign = campaigns::start(&pool, id).await.map_err(show)?;
    }
    if campaign.status == CampaignStatus::Paused {
        campaign = campaigns::set_status(&pool, id, CampaignStatus::Sending)
            .await
            .map_err(show)?;
    }
    if campaign.status != CampaignStatus::Sending {
        return Err(format!("campaign {id} is {}", campaign.status.as_str()));
    }
    let sender = app.sender();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // The heartbeat outlives the run: while letters are in flight, no other process may take the campaign.
    let (stop_beat, beat_stopped) = tokio::sync::watch::channel(false);
    let beat = tokio::spawn({
        let sender = sender.clone();
        async move { sender.keep_alive(beat_stopped).await }
    });
    let run = tokio::spawn({
        let (sender, stopped) = (sender.clone(), stopped.clone());
        async move { campaigns::send::run_campaign(&sender, id, stopped).await }
    });
    let bar = indicatif::ProgressBar::new(campaign.stats.total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .expect("a valid progress template"),
    );
    let interrupted = tokio::spawn(shutdown_signal());
    loop {
        let c = campaigns::campaign(&pool, id).await.map_err(show)?;
        let s = &c.stats;
        bar.set_position((s.total - s.pending - s.in_flight) as u64);
        bar.set_message(format!(
            "sent {} failed {} unknown {} skipped {} pending {} ({:.1}/s) {}",
            s.sent,
            s.failed,
            s.unknown,
            s.skipped,
            s.pending,
            s.rate_per_second,
            c.status.as_str()
        ));
        if run.is_finished() || interrupted.is_finished() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let _ = stop.send(true);
    let result = run.await.map_err(|e| e.to_string())?;
    let _ = stop_beat.send(true);
    let _ = beat.await;
    let c = campaigns::campaign(&pool, id).await.map_err(show)?;
    let summary = format!(
        "{}: sent {}, failed {}, unknown {}, skipped {}, pending {}",
        c.status.as_str(),
        c.stats.sent,
        c.stats.failed,
        c.stats.unknown,
        c.stats.skipped,
        c.stats.pending
    );
    bar.finish_and_clear();
    // The bar only draws on a terminal; the summary is printed either way.
    println!("campaign {id} {summary}");
    match result.map_err(show)? {
        true => Ok(()),
        false => Err(format!(
            "campaign {id} is being sent by another running process (a server's send worker); it goes on there"
        )),
    }
}

pub(crate) fn generated_secret() -> secrecy::SecretString {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric
        .sample_string(&mut rand::thread_rng(), 20)
        .into()
}

async fn sync(mut config: Config, mailbox: Option<i64>) -> Result<(), String> {
    config.listen = "127.0.0.1:0".parse().expect("a valid address");
    config.imap_workers = false;
    let app = App::build(&config).await.map_err(|e| e.to_string())?;
    let pool = &app.state.db.pool;
    let ids: Vec<i64> = match mailbox {
        Some(id) => vec![id],
        None => mailroom::imap::mailbox_ids(pool)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter(|(_, enabled, _)| *enabled)
            .map(|(id, _, _)| id)
            .collect(),
    };
    if ids.is_empty() {
        println!("No mailboxes to sync: add one with POST /api/v1/mailboxes.");
    }
    let mut failed = 0;
    for id in ids {
        let bar = progress::SyncBar::new(id);
        match mailroom::imap::sync_now(
            pool,
            &app.state.secrets,
            id,
            app.state.imap_fetch,
            &|event| bar.on(event),
        )
        .await
        {
            Ok(report) => bar.finish(&report),
            Err(e) => {
                bar.fail(&e.to_string());
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(format!("{failed} mailbox(es) failed to sync"));
    }
    Ok(())
}
