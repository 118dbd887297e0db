//! `mailroom bench ingest` and `mailroom bench import`: run one mode of a benchmark and print its figures on one
//! line, for the scripts in `scripts/bench-*.sh` to read.

use mailroom::bench::Fetch;
use mailroom::Config;

pub async fn bench_ingest(
    config: Config,
    mode: &str,
    server: mailroom::bench::Server,
) -> Result<(), String> {
    let outcome = match mode {
        "raw" => mailroom::bench::raw_fetch(&server, Fetch::Raw).await,
        "parse" => mailroom::bench::raw_fetch(&server, Fetch::Parse).await,
        "parse-all" => mailroom::bench::raw_fetch(&server, Fetch::ParseAll).await,
        "sync-no-triggers" => mailroom::bench::full_sync(&server, config, true).await,
        _ => mailroom::bench::full_sync(&server, config, false).await,
    }
    .map_err(|e| e.to_string())?;
    println!(
        "{mode} messages={} bytes={} seconds={:.2} rate={:.0} msg/s peak_rss={} KiB",
        outcome.messages,
        outcome.bytes,
        outcome.seconds,
        outcome.rate(),
        outcome.peak_rss_kib
    );
    Ok(())
}

pub async fn bench_import(
    config: Config,
    file: &std::path::Path,
    make: Option<usize>,
    mode: Option<&str>,
) -> Result<(), String> {
    use mailroom::transfer::bench;
    if let Some(rows) = make {
        bench::make_xlsx(file, rows).map_err(|e| e.to_string())?;
        println!("wrote {rows} rows to {}", file.display());
    }
    let (rows, secs) = match mode {
        None => return Ok(()),
        Some("raw") => bench::raw_read(file).map_err(|e| e.to_string())?,
        Some(_) => bench::import_fresh(config, file).await?,
    };
    println!(
        "{} rows={rows} seconds={secs:.2} rows_per_s={:.0} peak_rss_mib={:.0}",
        mode.unwrap_or(""),
        rows as f64 / secs.max(1e-9),
        mailroom::bench::peak_rss_kib() as f64 / 1024.0
    );
    Ok(())
}
