//! Guests (PMS profiles) and their personal data.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{ExternalRef, GuestId, Pii};

/// A guest profile. Every personal field is wrapped in [`Pii`], so
/// `format!("{guest:?}")` shows the structure and none of the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guest {
    /// Internal id, derived from the hotel and `external`.
    pub id: GuestId,
    /// The profile's id in the PMS.
    pub external: ExternalRef,
    /// Title and name parts.
    pub name: PersonName,
    /// Email address, as the PMS holds it.
    pub email: Option<Pii<String>>,
    /// Phone number, as the PMS holds it (not normalized: vendors disagree).
    pub phone: Option<Pii<String>>,
    /// Postal address.
    pub address: Option<Pii<Address>>,
    /// Nationality, ISO 3166-1 alpha-2 where the vendor gives it so.
    pub nationality: Option<Pii<String>>,
    /// Date of birth.
    pub birth_date: Option<Pii<NaiveDate>>,
    /// Preferred language (BCP 47 or the vendor's language code).
    pub language: Option<String>,
    /// Loyalty or membership number.
    pub loyalty_number: Option<Pii<String>>,
    /// Identity document on file.
    pub identity_document: Option<Pii<IdentityDocument>>,
    /// Last change in the PMS, when the vendor reports it.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A person's name. Vendors without a split (one `name` field) put it all in `last`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PersonName {
    /// `Mr`, `Dr`, ... as the vendor gives it.
    pub title: Option<Pii<String>>,
    /// Given (first) name.
    pub first: Option<Pii<String>>,
    /// Middle name(s).
    pub middle: Option<Pii<String>>,
    /// Family (last) name.
    pub last: Option<Pii<String>>,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    /// Street lines in order.
    pub lines: Vec<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// State, region or province.
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code where the vendor gives it so.
    pub country: Option<String>,
}

/// An identity document captured at check-in or held in the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityDocument {
    /// What kind of document.
    pub kind: DocumentKind,
    /// Its number.
    pub number: String,
    /// Issuing country (ISO 3166-1 alpha-2 where known).
    pub issuing_country: Option<String>,
    /// Expiry date.
    pub expires_on: Option<NaiveDate>,
}

/// Kinds of identity document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Passport.
    Passport,
    /// National identity card.
    IdentityCard,
    /// Driving licence.
    DrivingLicence,
    /// Visa.
    Visa,
    /// A vendor kind with no equivalent here, verbatim.
    Other(String),
}

/// A link from a reservation to a guest profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GuestRef {
    /// Internal id of the guest.
    pub id: GuestId,
    /// The profile's id in the PMS.
    pub external: ExternalRef,
}
