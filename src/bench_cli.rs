//! `mailroom bench ingest`, `import` and `http`: run one mode of a benchmark and print its figures on one
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

pub async fn bench_http(
    paths: &std::path::Path,
    base: String,
    token: String,
    clients: usize,
    rate: Option<f64>,
    seconds: f64,
) -> Result<(), String> {
    use mailroom::bench::load;
    let text = std::fs::read_to_string(paths).map_err(|e| format!("{}: {e}", paths.display()))?;
    let paths = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let m = load::run(load::Load {
        base,
        token,
        paths,
        clients,
        rate,
        duration: std::time::Duration::from_secs_f64(seconds.max(0.0)),
    })
    .await
    .map_err(|e| e.to_string())?;
    println!(
        "http clients={clients} rate={} requests={} errors={} achieved={:.0} req/s p50={:.2} p90={:.2} p99={:.2} max={:.2} ms",
        rate.map_or("closed".to_string(), |r| format!("{r:.0}")),
        m.latencies.len(),
        m.errors,
        m.achieved(),
        m.percentile(0.5),
        m.percentile(0.9),
        m.percentile(0.99),
        m.latencies.last().copied().unwrap_or(0.0)
    );
    Ok(())
}
