//! A contact's standard fields beyond name, position and links: address, website and birthday, checked at the edge.

use super::store;
use crate::crm::normalize;
use crate::error::Error;

/// Address, website and birthday, checked.
pub(super) struct Details {
    address: Option<String>,
    website: Option<String>,
    birthday: Option<String>,
}

impl Details {
    pub(super) fn check(
        address: Option<&str>,
        website: Option<&str>,
        birthday: Option<&str>,
    ) -> Result<Self, Error> {
        Ok(Details {
            address: normalize::address(address)?,
            website: normalize::website("website", website)?,
            birthday: normalize::date("birthday", birthday)?,
        })
    }

    pub(super) fn write(&self) -> store::Details<'_> {
        store::Details {
            address: self.address.as_deref(),
            website: self.website.as_deref(),
            birthday: self.birthday.as_deref(),
        }
    }
}

/// A nullable patch field: the new value when given, else the current one.
pub(super) fn patched<'a>(
    patch: &'a Option<Option<String>>,
    current: &'a Option<String>,
) -> Option<&'a str> {
    match patch {
        Some(v) => v.as_deref(),
        None => current.as_deref(),
    }
}
