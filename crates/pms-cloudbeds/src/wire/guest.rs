//! Guests: `GET /getGuest` data (`GetGuestResponseData`; its fields are *not*
//! prefixed with `guest`, and it carries no `guestID`) and `GET /getGuestList`
//! values (`GetGuestListResponseDataValue`, keyed by guest ID), per
//! `src/pms-v1.3-openapi.yaml`.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::lenient;

/// `getGuest.data`. `Debug` is hand-written: every field is personal data.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuestDetail {
    /// `guestID`: absent from `getGuest`, present in list methods.
    #[serde(rename = "guestID", default, deserialize_with = "lenient::opt_string")]
    pub guest_id: Option<String>,
    /// `firstName`.
    #[serde(default, alias = "guestFirstName", deserialize_with = "lenient::opt_string")]
    pub first_name: Option<String>,
    /// `lastName`.
    #[serde(default, alias = "guestLastName", deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    /// `email`.
    #[serde(default, alias = "guestEmail", deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    /// `phone`.
    #[serde(default, alias = "guestPhone", deserialize_with = "lenient::opt_string")]
    pub phone: Option<String>,
    /// `cellPhone`.
    #[serde(default, alias = "guestCellPhone", deserialize_with = "lenient::opt_string")]
    pub cell_phone: Option<String>,
    /// `country` (ISO 3166-1 alpha-2).
    #[serde(default, alias = "guestCountry", deserialize_with = "lenient::opt_string")]
    pub country: Option<String>,
    /// `address`.
    #[serde(default, alias = "guestAddress", deserialize_with = "lenient::opt_string")]
    pub address: Option<String>,
    /// `address2`.
    #[serde(default, alias = "guestAddress2", deserialize_with = "lenient::opt_string")]
    pub address2: Option<String>,
    /// `city`.
    #[serde(default, alias = "guestCity", deserialize_with = "lenient::opt_string")]
    pub city: Option<String>,
    /// `zip`.
    #[serde(default, alias = "guestZip", deserialize_with = "lenient::opt_string")]
    pub zip: Option<String>,
    /// `state`.
    #[serde(default, alias = "guestState", deserialize_with = "lenient::opt_string")]
    pub state: Option<String>,
    /// `birthDate` (`""` when unknown).
    #[serde(default, alias = "guestBirthdate", deserialize_with = "lenient::opt_date")]
    pub birth_date: Option<NaiveDate>,
    /// `documentType`: `na|dni|nie|passport|driver_licence|...`.
    #[serde(
        default,
        alias = "guestDocumentType",
        deserialize_with = "lenient::opt_string"
    )]
    pub document_type: Option<String>,
    /// `documentNumber`.
    #[serde(
        default,
        alias = "guestDocumentNumber",
        deserialize_with = "lenient::opt_string"
    )]
    pub document_number: Option<String>,
    /// `documentIssuingCountry`.
    #[serde(
        default,
        alias = "guestDocumentIssuingCountry",
        deserialize_with = "lenient::opt_string"
    )]
    pub document_issuing_country: Option<String>,
    /// `documentExpirationDate`.
    #[serde(
        default,
        alias = "guestDocumentExpirationDate",
        deserialize_with = "lenient::opt_date"
    )]
    pub document_expiration_date: Option<NaiveDate>,
    /// `dateModified` (list methods), property-local.
    #[serde(default, deserialize_with = "lenient::opt_local_datetime")]
    pub date_modified: Option<NaiveDateTime>,
    /// `isAnonymized`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_anonymized: Option<bool>,
}

impl std::fmt::Debug for GuestDetail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuestDetail")
            .field("guest_id", &self.guest_id)
            .finish_non_exhaustive()
    }
}
