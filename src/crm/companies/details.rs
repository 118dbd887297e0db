//! A company's standard fields beyond name, domains and parent: address, website, industry, size and type (an
//! entry of the company types reference list), checked at the edge.

use sqlx::AnyConnection;

use super::model::{Company, CompanyPatch, CompanySize, NewCompany};
use super::store;
use crate::crm::normalize::{self, optional};
use crate::crm::reference::{self, RefList};
use crate::error::Error;

pub struct Details {
    address: Option<String>,
    website: Option<String>,
    industry: Option<String>,
    size: Option<CompanySize>,
    type_id: Option<i64>,
}

/// A nullable patch field: the new value when given, else the current one.
fn patched<'a>(patch: &'a Option<Option<String>>, current: &'a Option<String>) -> Option<&'a str> {
    match patch {
        Some(v) => v.as_deref(),
        None => current.as_deref(),
    }
}

impl Details {
    async fn check(
        conn: &mut AnyConnection,
        text: [Option<&str>; 3],
        size: Option<CompanySize>,
        type_id: Option<i64>,
    ) -> Result<Self, Error> {
        let [address, website, industry] = text;
        if let Some(t) = type_id {
            reference::require_entry(conn, RefList::CompanyTypes, t, "type_id").await?;
        }
        Ok(Details {
            address: normalize::address(address)?,
            website: normalize::website("website", website)?,
            industry: optional(
                "industry",
                industry.map(crate::text::single_line).as_deref(),
                200,
            )?,
            size,
            type_id,
        })
    }

    pub async fn of_new(conn: &mut AnyConnection, new: &NewCompany) -> Result<Self, Error> {
        let text = [
            new.address.as_deref(),
            new.website.as_deref(),
            new.industry.as_deref(),
        ];
        Self::check(conn, text, new.size, new.type_id).await
    }

    pub async fn of_patch(
        conn: &mut AnyConnection,
        patch: &CompanyPatch,
        before: &Company,
    ) -> Result<Self, Error> {
        let text = [
            patched(&patch.address, &before.address),
            patched(&patch.website, &before.website),
            patched(&patch.industry, &before.industry),
        ];
        let size = patch.size.unwrap_or(before.size);
        let type_id = patch.type_id.unwrap_or(before.type_id);
        Self::check(conn, text, size, type_id).await
    }

    /// Merge: the kept company's values, filled from the merged one's.
    pub fn merged(keep: &Company, gone: &Company) -> Self {
        let pick = |a: &Option<String>, b: &Option<String>| a.clone().or(b.clone());
        Details {
            address: pick(&keep.address, &gone.address),
            website: pick(&keep.website, &gone.website),
            industry: pick(&keep.industry, &gone.industry),
            size: keep.size.or(gone.size),
            type_id: keep.type_id.or(gone.type_id),
        }
    }

    pub async fn save(&self, conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
        let d = store::Details {
            address: self.address.as_deref(),
            website: self.website.as_deref(),
            industry: self.industry.as_deref(),
            size: self.size,
            type_id: self.type_id,
        };
        store::set_details(conn, id, &d).await
    }
}
