//! The planner's batch look-ups: the companies and duplicates of many rows found with one query per key kind, so
//! that planning a row asks the database only about what the batch's look-up did not cover.

use sqlx::AnyPool;

use super::Planner;
use crate::crm::RecordKind;
use crate::error::Error;
use crate::transfer::import::rows::Values;
use crate::transfer::records;

impl Planner {
    /// Looks up the companies (by domain and name) and, for contacts, the duplicates (by e-mail and phone) of a
    /// batch of rows, one query per key kind; `plan` then asks the database only about what this did not cover.
    pub async fn prefetch(&mut self, pool: &AnyPool, rows: &[&Values]) -> Result<(), Error> {
        let mut conn = pool.acquire().await?;
        if matches!(self.kind, RecordKind::Contact | RecordKind::Deal) {
            let domains: Vec<String> = rows.iter().filter_map(|v| self.company_domain(v)).collect();
            let names: Vec<String> = rows.iter().filter_map(|v| v.company.clone()).collect();
            self.known
                .extend(records::companies_by_keys(&mut conn, &domains, &names).await?);
            self.looked.extend(domains.iter().map(|d| format!("d:{d}")));
            self.looked.extend(
                names
                    .iter()
                    .map(|n| format!("n:{}", records::company_name_key(n))),
            );
        }
        if self.kind == RecordKind::Contact && self.options.match_key.is_none() {
            let emails: Vec<String> = rows.iter().flat_map(|v| v.emails.clone()).collect();
            let phones: Vec<String> = rows.iter().flat_map(|v| v.phone_keys.clone()).collect();
            self.known
                .extend(records::contacts_by_keys(&mut conn, &emails, &phones).await?);
            self.looked.extend(emails.iter().map(|e| format!("e:{e}")));
            self.looked.extend(phones.iter().map(|p| format!("p:{p}")));
        }
        Ok(())
    }

    /// Drops the batch's look-ups (records were written since).
    pub fn forget(&mut self) {
        self.known.clear();
        self.looked.clear();
    }

    /// `Some(answer)` when `prefetch` looked the key up.
    pub(super) fn cached(&self, key: &str) -> Option<Option<i64>> {
        self.looked
            .contains(key)
            .then(|| self.known.get(key).copied())
    }
}
