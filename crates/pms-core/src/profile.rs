//! What the PMS says about the property, checked against the configuration.
//!
//! Every business date is a civil date in the configured time zone and every
//! amount is in the configured currency. A hotel configured as `Europe/London`
//! and `GBP` whose PMS runs in `Europe/Prague` and `CZK` would map every stay
//! to the wrong day and every charge to the wrong money, silently. So the
//! property's own answer ([`PropertyProfile`], from
//! [`PmsClient::property_profile`](crate::PmsClient::property_profile)) is
//! compared with [`HotelConfig`] before a hotel is synced, served or
//! reconciled, and by `pms health`.

use std::fmt;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::{Currency, Error, HotelConfig, HotelId, PmsKind};

/// The facts every business date and amount of a hotel depends on, as its PMS
/// reports them. A field is `None` when the vendor's API does not report it
/// (each connector documents which it can read); `None` is never "matches".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyProfile {
    /// The property's name in the PMS, when reported (shown, never compared).
    pub name: Option<String>,
    /// The property's (accounting) currency.
    pub currency: Option<Currency>,
    /// The property's IANA time zone.
    pub time_zone: Option<Tz>,
}

/// A configured value the PMS disagrees with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileMismatch {
    /// Which fact.
    pub field: ProfileField,
    /// The variable that configures it (`PMS_HOTEL_GRAND_CURRENCY`).
    pub variable: String,
    /// What the configuration says (a currency code or a zone name: never a secret).
    pub configured: String,
    /// What the PMS reports.
    pub reported: String,
}

/// The facts a [`PropertyProfile`] check compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProfileField {
    /// `PMS_HOTEL_<ID>_CURRENCY`.
    Currency,
    /// `PMS_HOTEL_<ID>_TIME_ZONE`.
    TimeZone,
}

impl ProfileField {
    /// The suffix of its `PMS_HOTEL_<ID>_` variable.
    pub fn variable_suffix(self) -> &'static str {
        match self {
            ProfileField::Currency => "CURRENCY",
            ProfileField::TimeZone => "TIME_ZONE",
        }
    }
}

impl fmt::Display for ProfileField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProfileField::Currency => "currency",
            ProfileField::TimeZone => "time zone",
        })
    }
}

/// What a successful check could compare: `false` for a fact the PMS does not report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileCheck {
    /// The currency was reported and matches.
    pub currency: bool,
    /// The time zone was reported and matches.
    pub time_zone: bool,
}

impl ProfileCheck {
    /// The facts the PMS did not report (so nothing could be compared).
    pub fn unchecked(&self) -> Vec<ProfileField> {
        [
            (self.currency, ProfileField::Currency),
            (self.time_zone, ProfileField::TimeZone),
        ]
        .into_iter()
        .filter(|(checked, _)| !checked)
        .map(|(_, field)| field)
        .collect()
    }
}

impl PropertyProfile {
    /// Compares what the PMS reports with `hotel`'s configuration.
    ///
    /// Time zones are compared by their IANA name as the PMS spells it: an
    /// alias (`Europe/Kiev` for `Europe/Kyiv`) counts as different, because
    /// the fix, configuring the name the PMS reports, is cheap and a
    /// comparison that tolerates some names and not others would be a rule
    /// nobody can predict.
    ///
    /// # Errors
    ///
    /// [`Error::ProfileMismatch`] (kind [`Config`](crate::ErrorKind::Config))
    /// naming the hotel and every disagreeing variable with both values.
    pub fn check(&self, hotel: &HotelConfig) -> Result<ProfileCheck, Error> {
        let variable = |field: ProfileField| {
            format!(
                "PMS_HOTEL_{}_{}",
                hotel.id.as_str().to_ascii_uppercase(),
                field.variable_suffix()
            )
        };
        let mut mismatches = Vec::new();
        if let Some(currency) = self.currency.filter(|c| *c != hotel.currency) {
            mismatches.push(ProfileMismatch {
                field: ProfileField::Currency,
                variable: variable(ProfileField::Currency),
                configured: hotel.currency.to_string(),
                reported: currency.to_string(),
            });
        }
        if let Some(zone) = self.time_zone.filter(|z| *z != hotel.time_zone) {
            mismatches.push(ProfileMismatch {
                field: ProfileField::TimeZone,
                variable: variable(ProfileField::TimeZone),
                configured: hotel.time_zone.name().to_owned(),
                reported: zone.name().to_owned(),
            });
        }
        if !mismatches.is_empty() {
            return Err(Error::ProfileMismatch {
                hotel: hotel.id.clone(),
                pms: hotel.pms_kind(),
                mismatches,
            });
        }
        Ok(ProfileCheck {
            currency: self.currency.is_some(),
            time_zone: self.time_zone.is_some(),
        })
    }
}

/// `PMS_HOTEL_GRAND_CURRENCY is GBP, the PMS reports EUR; ...`
pub(crate) fn describe(hotel: &HotelId, pms: PmsKind, mismatches: &[ProfileMismatch]) -> String {
    let each: Vec<String> = mismatches
        .iter()
        .map(|m| {
            format!(
                "{} is {} but {pms} reports {}",
                m.variable, m.configured, m.reported
            )
        })
        .collect();
    format!(
        "hotel {hotel}: the configuration disagrees with the PMS ({}); every business date \
         and amount would be wrong, so the hotel is not synced: fix the variable",
        each.join("; ")
    )
}
