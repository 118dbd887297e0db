//! Your data in and out: imports of contacts, companies, leads and deals from spreadsheets (mapping, dry run,
//! background run, rejects, undo, bulk update) and exports of every list to CSV or .xlsx. Above crm and linking;
//! it reaches them only through `records`.

pub mod bench;
pub mod cli;
pub mod export;
pub mod import;
pub mod model;
pub mod records;
mod store;
