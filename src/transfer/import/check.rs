//! The dry run: every row planned against the database (and the earlier rows of the file), nothing written.

use super::*;

/// The dry run: what every row would do, nothing written. The options are kept for the run.
pub async fn check(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    options: ImportOptions,
) -> Result<CheckReport, Error> {
    let row = load(pool, caller, id).await?;
    if !matches!(row.status.as_str(), "uploaded" | "checked") {
        return Err(Error::Conflict {
            message: format!(
                "import {id} is {}; only an import not yet run can be checked",
                row.status
            ),
        });
    }
    let kind = parse_kind(&row.kind)?;
    records::require_write(caller, kind)?;
    let bytes = store::file(pool, id).await?;
    let mut table =
        super::stream::open(&row.filename, &row.format, bytes, options.sheet.clone()).await?;
    let mapping = resolve_mapping(pool, caller.id, kind, &table.headers, &options).await?;
    let columns = rows::columns(&table.headers, &mapping);
    let dates = super::date_keys(pool, kind).await?;
    let owner_mapped = mapping.values().any(|f| f == "owner");
    if let Some(owner) = options.owner_id {
        let mut conn = pool.acquire().await?;
        records::resolve_owner(&mut conn, caller, owner).await?;
    }
    let mut planner =
        Planner::new(pool, kind, caller.clone(), options.clone(), owner_mapped).await?;
    let mut report = CheckReport {
        total_rows: 0,
        would_create: 0,
        would_update: 0,
        would_skip: 0,
        would_fail: 0,
        companies_to_create: 0,
        rows: Vec::new(),
        unmapped: table
            .headers
            .iter()
            .filter(|h| !mapping.contains_key(*h))
            .cloned()
            .collect(),
        mapping: mapping.clone(),
    };
    // A batch at a time, as the run goes: its hashes and look-ups at once, then row by row from memory.
    while let Some(chunk) = table.next().await? {
        report.total_rows += chunk.len();
        let parsed: Vec<_> = chunk
            .iter()
            .map(|(line, cells)| (*line, rows::parse(&columns, &table.headers, cells, &dates)))
            .collect();
        let hashes: Vec<String> = parsed
            .iter()
            .filter_map(|(_, v)| v.as_ref().ok().map(|v| row_hash(kind, v)))
            .collect();
        // A connection per look-up, not one held over the loop: the planner takes its own (a pool of 1 works).
        let known = store::already_imported_many(&mut *pool.acquire().await?, &hashes).await?;
        let values: Vec<&rows::Values> =
            parsed.iter().filter_map(|(_, v)| v.as_ref().ok()).collect();
        planner.prefetch(pool, &values).await?;
        for (line, values) in &parsed {
            let r = match values {
                Err(reason) => Action::Fail {
                    reason: reason.clone(),
                },
                Ok(values) => match known.get(&row_hash(kind, values)) {
                    Some((import, at)) => Action::Skip {
                        reason: format!("already imported (import {import}, row {at})"),
                        duplicate_of: None,
                    },
                    None => planner.plan(pool, *line, values, true).await?,
                },
            };
            note(&mut report, *line, r);
        }
        planner.forget();
    }
    report.companies_to_create = planner.new_companies.len();
    let mut kept = options;
    kept.mapping = Some(mapping);
    kept.save_preset = None;
    let text = serde_json::to_string(&kept).map_err(Error::internal)?;
    store::set_options(pool, id, &text, "checked", report.total_rows as i64).await?;
    Ok(report)
}

/// Counts a row's planned action in the report, with a line for any row that is not a plain create.
fn note(report: &mut CheckReport, line: usize, r: Action) {
    {
        let entry = |action: &str, record_id, reason, duplicate_of| RowReport {
            row: line,
            action: action.into(),
            record_id,
            reason,
            duplicate_of,
        };
        let shown = match r {
            Action::Create {
                duplicate_of: None, ..
            } => {
                report.would_create += 1;
                None
            }
            Action::Create { duplicate_of, .. } => {
                report.would_create += 1;
                Some(entry(
                    "create",
                    None,
                    Some("created beside its duplicate (create_anyway)".into()),
                    duplicate_of,
                ))
            }
            Action::Update {
                id,
                patch,
                duplicate_of,
                ..
            } => {
                report.would_update += 1;
                let fields: Vec<String> = patch
                    .as_object()
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default();
                let why = if fields.is_empty() {
                    "updates the record of that row".to_string()
                } else {
                    format!("sets {}", fields.join(", "))
                };
                Some(entry(
                    "update",
                    (id > 0).then_some(id),
                    Some(why),
                    Some(duplicate_of),
                ))
            }
            Action::Skip {
                reason,
                duplicate_of,
            } => {
                report.would_skip += 1;
                Some(entry("skip", None, Some(reason), duplicate_of))
            }
            Action::Fail { reason } => {
                report.would_fail += 1;
                Some(entry("fail", None, Some(reason), None))
            }
        };
        if let Some(s) = shown {
            if report.rows.len() < 1000 {
                report.rows.push(s);
            }
        }
    }
}
