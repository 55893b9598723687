//! Identifiers: internal ids, vendor ids and the link between them.
//!
//! Internal ids for records that come from a PMS are *derived* (UUID v5) from
//! the hotel and the PMS reference, so every worker, replay and re-read agrees
//! on them without a lookup table. Nothing is ever inferred from the shape of
//! a vendor id: it is kept verbatim in [`ExternalRef`].

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Error;

/// The property-management systems this workspace speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PmsKind {
    /// Oracle OPERA, through OWS (SOAP).
    Opera,
    /// Mews, through the Connector API.
    Mews,
    /// Cloudbeds, through its REST API.
    Cloudbeds,
}

impl PmsKind {
    /// Every supported PMS, in a stable order.
    pub const ALL: [PmsKind; 3] = [PmsKind::Opera, PmsKind::Mews, PmsKind::Cloudbeds];

    /// The lowercase name used in configuration, JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            PmsKind::Opera => "opera",
            PmsKind::Mews => "mews",
            PmsKind::Cloudbeds => "cloudbeds",
        }
    }
}

impl fmt::Display for PmsKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PmsKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PmsKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::validation(format!(
                    "unknown PMS kind `{s}` (expected opera, mews or cloudbeds)"
                ))
            })
    }
}

/// An id as the vendor spells it (a Mews GUID, a Cloudbeds numeric string, an
/// OPERA `RESV_NAME_ID`). Opaque: compare it, store it, send it back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VendorId(String);

impl VendorId {
    /// Wraps a vendor id. Empty ids are rejected because every vendor treats
    /// them as "missing", and a missing id must not look like a real one.
    pub fn new(id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        if id.trim().is_empty() {
            return Err(Error::validation("vendor id is empty"));
        }
        Ok(VendorId(id))
    }

    /// The id exactly as the vendor sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VendorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A record's reference in the PMS it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternalRef {
    /// Which PMS owns the record.
    pub pms: PmsKind,
    /// The PMS's own id for it.
    pub id: VendorId,
}

impl ExternalRef {
    /// A reference into `pms`.
    pub fn new(pms: PmsKind, id: VendorId) -> Self {
        ExternalRef { pms, id }
    }
}

impl fmt::Display for ExternalRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.pms, self.id)
    }
}

/// The configured name of a hotel (`grand`, `harbor_view`): lowercase ASCII
/// letters, digits and `_`, so it can name environment variables.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HotelId(String);

impl HotelId {
    /// Validates and wraps a hotel id.
    pub fn new(id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        let valid = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(Error::validation(format!(
                "hotel id `{id}` must be 1-64 characters of a-z, 0-9 and _"
            )));
        }
        Ok(HotelId(id))
    }

    /// The id as configured.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for HotelId {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        HotelId::new(value)
    }
}

impl From<HotelId> for String {
    fn from(value: HotelId) -> Self {
        value.0
    }
}

impl fmt::Display for HotelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A room's number or name as the hotel labels it (`101`, `A-12`, `Garden Suite`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoomNumber(String);

impl RoomNumber {
    /// Wraps a room number; surrounding whitespace (common in OPERA) is trimmed.
    pub fn new(number: impl Into<String>) -> Result<Self, Error> {
        let number = number.into();
        let trimmed = number.trim();
        if trimmed.is_empty() {
            return Err(Error::validation("room number is empty"));
        }
        Ok(RoomNumber(trimmed.to_owned()))
    }

    /// The number as the hotel labels it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoomNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Namespace for deriving internal ids; fixed forever, changing it renames every record.
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_3c2e_8a4d_4e0f_9c1a_52d7_e3b8_a901);

/// `Uuid::new_v5(&ID_NAMESPACE, "{tag}/{hotel}/{pms}/{id}")`, hashed piece
/// by piece: mappers derive two or three ids per record, and building the
/// name with `format!` cost as much as the hash (callgrind, issue 10). The
/// `sha1` crate uses the CPU's SHA extensions where it has them.
fn derive_v5(tag: &str, hotel: &str, pms: &str, id: &str) -> Uuid {
    use sha1::{Digest, Sha1};
    let mut hasher = Sha1::new();
    hasher.update(ID_NAMESPACE.as_bytes());
    for (i, piece) in [tag, hotel, pms, id].into_iter().enumerate() {
        if i > 0 {
            hasher.update(b"/");
        }
        hasher.update(piece.as_bytes());
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $tag:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                $name(uuid)
            }

            /// The id derived from a PMS record in a hotel: the same inputs
            /// always give the same id.
            pub fn derive(hotel: &HotelId, external: &ExternalRef) -> Self {
                $name(derive_v5(
                    $tag,
                    hotel.as_str(),
                    external.pms.as_str(),
                    external.id.as_str(),
                ))
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

uuid_id!(
    /// Internal id of a reservation.
    ReservationId,
    "reservation"
);
uuid_id!(
    /// Internal id of a guest profile.
    GuestId,
    "guest"
);
uuid_id!(
    /// Internal id of a folio (bill).
    FolioId,
    "folio"
);
uuid_id!(
    /// Internal id of a folio line.
    ChargeId,
    "charge"
);
uuid_id!(
    /// Internal id of an agenda item.
    AgendaItemId,
    "agenda"
);

/// A client-generated id for one write *intent*. It is persisted before the
/// call, reused on every retry of that intent, and carried to the PMS where
/// the vendor lets us store it, so an ambiguous write can be found again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(Uuid);

impl RequestId {
    /// A fresh random request id.
    pub fn new_random() -> Self {
        RequestId(Uuid::new_v4())
    }

    /// Wraps an existing UUID (for example one read back from the journal).
    pub const fn from_uuid(uuid: Uuid) -> Self {
        RequestId(uuid)
    }

    /// The underlying UUID.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// The 32-hex-digit form, for vendor fields that reject dashes or are short.
    pub fn simple(&self) -> String {
        self.0.simple().to_string()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::str::FromStr for RequestId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim())
            .map(RequestId)
            .map_err(|_| Error::validation("request id is not a UUID"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mews_ref(id: &str) -> ExternalRef {
        ExternalRef::new(PmsKind::Mews, VendorId::new(id).unwrap())
    }

    #[test]
    fn derived_ids_are_stable_and_distinct_per_hotel_pms_and_kind() {
        let grand = HotelId::new("grand").unwrap();
        let harbor = HotelId::new("harbor").unwrap();
        let a = ReservationId::derive(&grand, &mews_ref("abc"));
        assert_eq!(a, ReservationId::derive(&grand, &mews_ref("abc")));
        assert_ne!(a, ReservationId::derive(&harbor, &mews_ref("abc")));
        assert_ne!(a, ReservationId::derive(&grand, &mews_ref("abd")));
        let cloudbeds = ExternalRef::new(PmsKind::Cloudbeds, VendorId::new("abc").unwrap());
        assert_ne!(a, ReservationId::derive(&grand, &cloudbeds));
        assert_ne!(a.as_uuid(), GuestId::derive(&grand, &mews_ref("abc")).as_uuid());
    }

    #[test]
    fn derived_ids_are_the_uuid_v5_of_the_joined_name() {
        let grand = HotelId::new("grand").unwrap();
        for id in ["abc", "0000-ÅÉ/x", "a/b/c"] {
            let external = mews_ref(id);
            let name = format!("reservation/grand/mews/{id}");
            assert_eq!(
                ReservationId::derive(&grand, &external).as_uuid(),
                Uuid::new_v5(&ID_NAMESPACE, name.as_bytes()),
                "{id}"
            );
        }
    }

    #[test]
    fn hotel_ids_must_be_usable_in_variable_names() {
        assert!(HotelId::new("grand_2").is_ok());
        for bad in ["", "Grand", "grand-hotel", "grand hotel", &"x".repeat(65)] {
            assert!(HotelId::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn empty_vendor_ids_and_room_numbers_are_rejected() {
        assert!(VendorId::new("  ").is_err());
        assert!(RoomNumber::new("").is_err());
        assert_eq!(RoomNumber::new(" 101 ").unwrap().as_str(), "101");
    }

    #[test]
    fn pms_kind_parses_case_insensitively() {
        assert_eq!("MEWS".parse::<PmsKind>().unwrap(), PmsKind::Mews);
        assert!("protel".parse::<PmsKind>().is_err());
    }
}
