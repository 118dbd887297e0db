//! The planner's batch look-ups: the companies and duplicates of many rows found with one query per key kind, so
//! that planning a row asks the database only about what the batch's look-up did not cover.

use sqlx::AnyPool;

use super::Planner;
use crate::crm::RecordKind;
use crate::error::Error;
use crate::transfer::import::rows::Values;
use crate::transfer::records;

impl Planner {
    /// Looks up the companies (by domain and name) of contact and deal rows and the duplicates of contact, lead and
    /// company rows (by e-mail and phone, or domain and name) of a batch, one query per key kind; `plan` then asks
    /// the database only about what this did not cover.
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
        if self.options.match_key.is_some() {
            return Ok(());
        }
        if matches!(self.kind, RecordKind::Contact | RecordKind::Lead) {
            let emails: Vec<String> = rows.iter().flat_map(|v| v.emails.clone()).collect();
            let phones: Vec<String> = rows.iter().flat_map(|v| v.phone_keys.clone()).collect();
            let found = if self.kind == RecordKind::Contact {
                records::contacts_by_keys(&mut conn, &emails, &phones).await?
            } else {
                records::open_leads_by_keys(&mut conn, &emails, &phones).await?
            };
            self.known.extend(found);
            self.looked.extend(emails.iter().map(|e| format!("e:{e}")));
            self.looked.extend(phones.iter().map(|p| format!("p:{p}")));
        }
        if self.kind == RecordKind::Company {
            // A company row's duplicates: by its domains, then its name.
            let domains: Vec<String> = rows.iter().flat_map(|v| v.domains.clone()).collect();
            let names: Vec<String> = rows.iter().filter_map(|v| v.name.clone()).collect();
            self.known
                .extend(records::companies_by_keys(&mut conn, &domains, &names).await?);
            self.looked.extend(domains.iter().map(|d| format!("d:{d}")));
            self.looked.extend(
                names
                    .iter()
                    .map(|n| format!("n:{}", records::company_name_key(n))),
            );
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

    /// A company row's duplicate from the batch's look-ups, as `find_duplicate` answers it (the first of its domains
    /// found, then its name); `None` when some key was not looked up.
    pub(super) fn cached_company(&self, v: &Values) -> Option<Option<i64>> {
        for d in &v.domains {
            if let Some(id) = self.cached(&format!("d:{d}"))? {
                return Some(Some(id));
            }
        }
        match &v.name {
            Some(n) => self.cached(&format!("n:{}", records::company_name_key(n))),
            None => Some(None),
        }
    }
}
