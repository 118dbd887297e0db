//! The import benchmark (`mailroom bench import`, scripts/bench-import.sh): a generated .xlsx of contacts with
//! companies and owners; calamine reading it raw, and our import of it into a fresh database, timed apart.

use std::path::Path;
use std::time::Instant;

use calamine::Reader;
use rust_xlsxwriter::Workbook;

use crate::auth::model::NewUser;
use crate::auth::{service, Role};
use crate::error::Error;
use crate::{App, Config};

pub const OWNERS: usize = 5;

pub fn owner_email(i: usize) -> String {
    format!("manager{i}@bench.local")
}

/// `rows` contacts: ФИО, Телефон, E-mail (at their company's domain), Компания (one per ten rows), Должность,
/// Ответственный (one of `OWNERS` managers).
pub fn make_xlsx(path: &Path, rows: usize) -> Result<(), Error> {
    let mut book = Workbook::new();
    let sheet = book
        .add_worksheet_with_constant_memory()
        .map_err(Error::internal)?;
    let headers = [
        "ФИО",
        "Телефон",
        "E-mail",
        "Компания",
        "Должность",
        "Ответственный",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string(0, c as u16, *h)
            .map_err(Error::internal)?;
    }
    for i in 0..rows {
        let r = i as u32 + 1;
        let company = i / 10;
        let cells = [
            format!("Клиентов Клиент Номер{i}"),
            format!(
                "+7 916 {:03}-{:02}-{:02}",
                (i / 10_000) % 1000,
                (i / 100) % 100,
                i % 100
            ),
            format!("client{i}@firma{company}.ru"),
            format!("ООО «Фирма {company}»"),
            "Менеджер по закупкам".to_string(),
            owner_email(i % OWNERS),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet
                .write_string(r, c as u16, v)
                .map_err(Error::internal)?;
        }
    }
    book.save(path).map_err(Error::internal)
}

/// calamine alone: opens the workbook and visits every cell of its first sheet; rows and seconds.
pub fn raw_read(path: &Path) -> Result<(usize, f64), Error> {
    let start = Instant::now();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).map_err(Error::internal)?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| Error::internal("no sheet"))?
        .map_err(Error::internal)?;
    let mut cells = 0usize;
    for row in range.rows() {
        cells += row.iter().filter(|c| !c.to_string().is_empty()).count();
    }
    let rows = range.height().saturating_sub(1);
    std::hint::black_box(cells);
    Ok((rows, start.elapsed().as_secs_f64()))
}

/// Our import of the file, as the admin, into a fresh database that holds the owners the file names: SQLite in a
/// temp dir, or the (empty) PostgreSQL database `MAILROOM_DATABASE_URL` names. Rows created and seconds of the run
/// (upload and dry run first, timed apart on stderr).
pub async fn import_fresh(mut config: Config, file: &Path) -> Result<(usize, f64), String> {
    let dir = std::env::temp_dir().join(format!("mailroom-bench-import-{}", std::process::id()));
    config.data_dir = dir.clone();
    config.listen = "127.0.0.1:0".parse().expect("a valid address");
    config.admin_password = Some("bench-admin-password".to_string().into());
    let app = App::build(&config).await.map_err(|e| e.to_string())?;
    let pool = app.state.db.pool.clone();
    for i in 0..OWNERS {
        let new = NewUser {
            email: crate::email_address::EmailAddress::parse(&owner_email(i))?,
            name: format!("Менеджер {i}"),
            role: Role::Sales,
            password: "bench-user-password".into(),
        };
        service::create_user(&pool, None, new)
            .await
            .map_err(|e| e.to_string())?;
    }
    // Upload and dry run first (as `mailroom import` does), then the run alone is timed.
    let caller = super::records::caller_of(&pool, 1)
        .await
        .map_err(|e| e.to_string())?;
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let kind = crate::crm::RecordKind::Contact;
    let checked = Instant::now();
    let up = super::import::upload(&pool, &caller, kind, &name, bytes)
        .await
        .map_err(|e| e.to_string())?;
    let options = super::model::ImportOptions::default();
    super::import::check(&pool, &caller, up.id, options)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("upload + dry run: {:.2} s", checked.elapsed().as_secs_f64());
    super::import::start(&pool, &caller, up.id, None)
        .await
        .map_err(|e| e.to_string())?;
    super::store::transition(&pool, up.id, &["queued"], "running", None)
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let (_keep, stop) = tokio::sync::watch::channel(false);
    super::import::job::run(&pool, up.id, &stop)
        .await
        .map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    let done = super::import::get(&pool, &caller, up.id)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("run: {:?}", done.progress);
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok((done.progress.created as usize, secs))
}
