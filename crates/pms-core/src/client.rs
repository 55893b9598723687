//! The `PmsClient` trait every connector implements, and its request types.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AgendaItem, CardHold, CardToken, ChargeRequest, Error, ErrorKind, Folio, FolioCharge, Guest,
    HousekeepingStatus, IdentityDocument, Money, Pii, PmsKind, PostedCharge, PropertyProfile, RequestId,
    Reservation, Room, RoomBlock, RoomNumber, RoomStatusReport, VendorId,
};

/// What a connector can do. Callers check before offering a feature, and a
/// connector that lacks one answers [`Error::Unsupported`], never a fake success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Capability {
    /// The vendor pushes change notifications.
    Webhooks,
    /// Reservations can be listed by modification time.
    ChangePolling,
    /// Room housekeeping state can be written.
    RoomStatusWrite,
    /// Check-in can be performed.
    CheckIn,
    /// Check-out can be performed.
    CheckOut,
    /// Charges can be posted.
    PostCharge,
    /// Posted charges can be voided.
    VoidCharge,
    /// A posted charge can be found again by our request id.
    ChargeReadBack,
    /// ID verification can be stored in the PMS.
    IdVerification,
    /// A registration-card signature can be stored in the PMS.
    Signature,
    /// A card pre-authorization can be placed through the PMS.
    CardHold,
    /// Bookings the PMS manages beside stays (spa, dining, activities) can be
    /// read with [`PmsClient::agenda`].
    Agenda,
    /// A reservation can be assigned (or moved) to a room with [`PmsClient::assign_room`].
    AssignRoom,
}

/// A set of [`Capability`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Capabilities(BTreeSet<Capability>);

impl Capabilities {
    /// Whether `capability` is in the set.
    pub fn supports(&self, capability: Capability) -> bool {
        self.0.contains(&capability)
    }

    /// Every capability in the set, in order.
    pub fn iter(&self) -> impl Iterator<Item = Capability> + '_ {
        self.0.iter().copied()
    }
}

impl FromIterator<Capability> for Capabilities {
    fn from_iter<T: IntoIterator<Item = Capability>>(iter: T) -> Self {
        Capabilities(iter.into_iter().collect())
    }
}

/// An inclusive range of business dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    /// First day.
    pub first: NaiveDate,
    /// Last day (inclusive).
    pub last: NaiveDate,
}

impl DateRange {
    /// A range; `last` before `first` is an error.
    pub fn new(first: NaiveDate, last: NaiveDate) -> Result<Self, Error> {
        if last < first {
            return Err(Error::validation(format!(
                "date range ends ({last}) before it starts ({first})"
            )));
        }
        Ok(DateRange { first, last })
    }

    /// A single day.
    pub fn day(day: NaiveDate) -> Self {
        DateRange {
            first: day,
            last: day,
        }
    }

    /// Whether `day` is in the range.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }
}

/// An opaque position inside a vendor's paged answer (a Mews cursor, a
/// Cloudbeds page number). Only the connector that issued it understands it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PageToken(String);

impl PageToken {
    /// Wraps a vendor position.
    pub fn new(token: impl Into<String>) -> Self {
        PageToken(token.into())
    }

    /// The vendor position.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PageToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// "Reservations modified in `[since, until)`", one page at a time. The sync
/// layer owns the window (and its overlap); the connector splits it where
/// the vendor caps window length and hands back `next` until the window is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeQuery {
    /// Window start (inclusive).
    pub since: DateTime<Utc>,
    /// Window end (exclusive).
    pub until: DateTime<Utc>,
    /// Where to resume inside the window; `None` for the first page.
    pub page: Option<PageToken>,
    /// Records per page the caller would like (the connector clamps to the vendor's limit).
    pub page_size: u32,
}

/// One page of records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The records.
    pub items: Vec<T>,
    /// Where the next page starts; `None` when the query is exhausted.
    pub next: Option<PageToken>,
}

/// Check a guest in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInRequest {
    /// Our id for this intent.
    pub request_id: RequestId,
    /// The reservation in the PMS.
    pub reservation: VendorId,
    /// The room to check into, when the caller assigns one.
    pub room: Option<RoomNumber>,
}

/// Assign a reservation to a room (or move it there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomAssignment {
    /// Our id for this intent.
    pub request_id: RequestId,
    /// The reservation in the PMS.
    pub reservation: VendorId,
    /// The room, by the number the front desk uses; connectors resolve it to
    /// the vendor's room id where the vendor wants one.
    pub room: RoomNumber,
}

/// Check a guest out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckOutRequest {
    /// Our id for this intent.
    pub request_id: RequestId,
    /// The reservation in the PMS.
    pub reservation: VendorId,
    /// Whether the PMS may leave an open balance (vendors that support it
    /// require a note; the connector writes our request id there).
    pub allow_open_balance: bool,
}

/// Void a posted charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidChargeRequest {
    /// Our id for this intent.
    pub request_id: RequestId,
    /// The reservation the charge is on.
    pub reservation: VendorId,
    /// The charge's id in the PMS.
    pub charge: VendorId,
    /// Why (shown on the folio; no PII).
    pub reason: String,
}

/// Set a room's housekeeping state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomStatusUpdate {
    /// Our id for this intent.
    pub request_id: RequestId,
    /// The room in the PMS.
    pub room: VendorId,
    /// The state to set.
    pub status: HousekeepingStatus,
}

/// An identity check done at digital check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdVerification {
    /// Our id for this intent.
    pub request_id: RequestId,
    /// The reservation in the PMS.
    pub reservation: VendorId,
    /// The profile verified, in the PMS, when known.
    pub guest: Option<VendorId>,
    /// The document checked.
    pub document: Pii<IdentityDocument>,
    /// When it was checked.
    pub verified_at: DateTime<Utc>,
}

/// A registration-card signature captured at digital check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureCapture {
    /// Our id for this intent.
    pub request_id: RequestId,
    /// The reservation in the PMS.
    pub reservation: VendorId,
    /// SHA-256 (hex) of the signed document, so the record proves what was signed.
    pub document_sha256: String,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
}

/// Place a card pre-authorization for a stay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardHoldRequest {
    /// Our id for this intent.
    pub request_id: RequestId,
    /// The reservation in the PMS.
    pub reservation: VendorId,
    /// The tokenized card.
    pub card: CardToken,
    /// Amount to hold.
    pub amount: Money,
}

/// Result of a health probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    /// The PMS probed.
    pub pms: PmsKind,
    /// Whether the probe succeeded.
    pub healthy: bool,
    /// Round-trip time of the probe.
    pub latency: Duration,
    /// When the probe ran.
    pub checked_at: DateTime<Utc>,
    /// The failure's classification, when it failed.
    pub error: Option<ErrorKind>,
    /// A short, PII-free description of the failure.
    pub detail: Option<String>,
}

/// The one interface to a PMS. Object safe: hold it as `Arc<dyn PmsClient>`.
///
/// Reads take vendor ids; writes carry a [`RequestId`] that stays the same
/// across retries of one intent. Optional features default to
/// [`Error::Unsupported`]; a connector overrides what its vendor can do and
/// lists it in [`PmsClient::capabilities`].
#[async_trait]
pub trait PmsClient: Send + Sync {
    /// Which PMS this is.
    fn kind(&self) -> PmsKind;

    /// What this connector can do.
    fn capabilities(&self) -> Capabilities;

    /// One reservation by its PMS id.
    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error>;

    /// Reservations modified in a window, one page per call.
    async fn reservations_modified(&self, query: &ChangeQuery) -> Result<Page<Reservation>, Error>;

    /// Reservations arriving on the days in `range`.
    async fn arrivals(&self, range: DateRange) -> Result<Vec<Reservation>, Error>;

    /// Reservations departing on the days in `range`.
    async fn departures(&self, range: DateRange) -> Result<Vec<Reservation>, Error>;

    /// One guest profile by its PMS id.
    async fn guest(&self, id: &VendorId) -> Result<Guest, Error>;

    /// Every room of the hotel.
    async fn rooms(&self) -> Result<Vec<Room>, Error>;

    /// The housekeeping state of every room.
    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error>;

    /// The folio of a reservation.
    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error>;

    /// Sets a room's housekeeping state.
    async fn set_room_status(&self, update: &RoomStatusUpdate) -> Result<(), Error>;

    /// Checks a guest in. Succeeds only once the PMS confirmed it.
    async fn check_in(&self, request: &CheckInRequest) -> Result<(), Error>;

    /// Checks a guest out. Succeeds only once the PMS confirmed it.
    async fn check_out(&self, request: &CheckOutRequest) -> Result<(), Error>;

    /// Posts a charge, carrying `request_id` where the vendor can store it.
    async fn post_charge(&self, charge: &ChargeRequest) -> Result<PostedCharge, Error>;

    /// Finds a charge we posted by our request id: the read-back after an
    /// ambiguous post. `Ok(None)` means the PMS does not have it.
    async fn find_charge(
        &self,
        reservation: &VendorId,
        request_id: RequestId,
    ) -> Result<Option<FolioCharge>, Error> {
        let _ = (reservation, request_id);
        Err(Error::unsupported(self.kind(), "find_charge"))
    }

    /// Voids a posted charge.
    async fn void_charge(&self, request: &VoidChargeRequest) -> Result<(), Error> {
        let _ = request;
        Err(Error::unsupported(self.kind(), "void_charge"))
    }

    /// Stores an ID verification in the PMS.
    async fn attach_id_verification(&self, verification: &IdVerification) -> Result<(), Error> {
        let _ = verification;
        Err(Error::unsupported(self.kind(), "attach_id_verification"))
    }

    /// Stores a signature record in the PMS.
    async fn attach_signature(&self, signature: &SignatureCapture) -> Result<(), Error> {
        let _ = signature;
        Err(Error::unsupported(self.kind(), "attach_signature"))
    }

    /// Places a card pre-authorization through the PMS.
    async fn place_card_hold(&self, request: &CardHoldRequest) -> Result<CardHold, Error> {
        let _ = request;
        Err(Error::unsupported(self.kind(), "place_card_hold"))
    }

    /// Bookings the PMS manages beside stays (spa treatments, restaurant
    /// tables, activities) starting on the days in `range` (civil days in the
    /// property's time zone), as agenda items with `source` `Pms(kind)` and ids
    /// derived from the vendor ids. Connectors whose vendor has no such
    /// bookings answer [`Error::Unsupported`] and leave [`Capability::Agenda`] out.
    async fn agenda(&self, range: DateRange) -> Result<Vec<AgendaItem>, Error> {
        let _ = range;
        Err(Error::unsupported(self.kind(), "agenda"))
    }

    /// Assigns the reservation to the room (or moves it there). Succeeds only
    /// once the PMS confirmed it; assigning the room it already has succeeds.
    /// Read back by [`PmsClient::reservation`]'s `room_number`. Connectors
    /// that cannot assign answer [`Error::Unsupported`] and leave
    /// [`Capability::AssignRoom`] out.
    async fn assign_room(&self, request: &RoomAssignment) -> Result<(), Error> {
        let _ = request;
        Err(Error::unsupported(self.kind(), "assign_room"))
    }

    /// What the PMS reports about the property: its currency and time zone
    /// (and name), read fresh, for [`PropertyProfile::check`] against the
    /// configuration before a hotel is synced. A fact the vendor's API does
    /// not report is `None`; a connector that can read none answers
    /// [`Error::Unsupported`].
    async fn property_profile(&self) -> Result<PropertyProfile, Error> {
        Err(Error::unsupported(self.kind(), "property_profile"))
    }

    /// One room block by its PMS id, also once removed (then `active` is
    /// false): how a [`crate::Change::RoomBlockChanged`] hint, which names
    /// the block only, finds its room. Connectors whose vendor has no room
    /// blocks, or names the rooms in its events, answer [`Error::Unsupported`].
    async fn room_block(&self, block: &VendorId) -> Result<RoomBlock, Error> {
        let _ = block;
        Err(Error::unsupported(self.kind(), "room_block"))
    }

    /// Probes the PMS with a cheap authenticated read.
    async fn health(&self) -> HealthReport;
}

/// A vendor's request budget per credential: at most `requests` in any
/// `window`. Connectors publish their documented defaults; the sync layer
/// enforces them (and operators override them from configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window.
    pub window: Duration,
}
