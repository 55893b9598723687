//! The vendor-neutral hotel a simulator holds: plain records, no wire format.
//!
//! Ids are `Uuid`s (Mews uses GUIDs; other fronts can render them however
//! their vendor does). Money is `Decimal` in the hotel currency.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

/// Text that is usually one of a few generated constants: borrowed for
/// seeded records (no allocation per row at 100,000 stays), owned when it
/// came in through an API.
pub type Text = Cow<'static, str>;

/// Property-level facts a front needs to describe the hotel.
#[derive(Debug, Clone, Serialize)]
pub struct Property {
    /// The enterprise / property id.
    pub id: Uuid,
    /// The chain the property belongs to.
    pub chain_id: Uuid,
    /// Display name.
    pub name: String,
    /// IANA time zone the business dates are kept in.
    pub time_zone: chrono_tz::Tz,
    /// ISO 4217 code of the accounting currency.
    pub currency: String,
    /// When the property was created (the generator's epoch).
    pub created: DateTime<Utc>,
    /// How far back charges may still be posted, in days.
    pub editable_history_days: i64,
}

/// A tax rate the property charges, by its vendor-style code.
#[derive(Debug, Clone, Serialize)]
pub struct TaxRate {
    /// Code such as `DE-2020-1-L`.
    pub code: String,
    /// Rate as a fraction, e.g. `0.07`.
    pub rate: Decimal,
}

/// What a service sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ServiceKind {
    /// Stays (rooms).
    Bookable,
    /// Products and custom items (restaurant, spa, minibar).
    Additional,
}

/// A service of the property.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Bookable or additional.
    pub kind: ServiceKind,
    /// Creation instant.
    pub created: DateTime<Utc>,
}

/// A product that can be ordered on an additional service.
#[derive(Debug, Clone, Serialize)]
pub struct Product {
    /// Id.
    pub id: Uuid,
    /// The service it belongs to.
    pub service_id: Uuid,
    /// Name.
    pub name: Text,
    /// Gross unit price.
    pub gross: Decimal,
    /// Tax code applied.
    pub tax_code: Text,
}

/// A room type.
#[derive(Debug, Clone, Serialize)]
pub struct RoomCategory {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Nightly gross rate.
    pub nightly_rate: Decimal,
}

/// Housekeeping states (the Mews set, which the other vendors map onto).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RoomState {
    /// Needs cleaning.
    Dirty,
    /// Cleaned.
    Clean,
    /// Cleaned and inspected.
    Inspected,
    /// Temporarily not sellable.
    OutOfService,
    /// Removed from inventory.
    OutOfOrder,
}

impl RoomState {
    /// The state's name as Mews spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomState::Dirty => "Dirty",
            RoomState::Clean => "Clean",
            RoomState::Inspected => "Inspected",
            RoomState::OutOfService => "OutOfService",
            RoomState::OutOfOrder => "OutOfOrder",
        }
    }
}

/// A room.
#[derive(Debug, Clone, Serialize)]
pub struct Room {
    /// Id.
    pub id: Uuid,
    /// Room number as labelled.
    pub number: String,
    /// Floor.
    pub floor: u8,
    /// Category id.
    pub category_id: Uuid,
    /// Housekeeping state.
    pub state: RoomState,
    /// Creation instant.
    pub created: DateTime<Utc>,
    /// Last change.
    pub updated: DateTime<Utc>,
}

/// A room block: the room out of order, or kept for internal use, for a
/// time (Mews resource blocks).
#[derive(Debug, Clone, Serialize)]
pub struct RoomBlock {
    /// Id.
    pub id: Uuid,
    /// The blocked room.
    pub room_id: Uuid,
    /// Out of order, or internal use.
    pub kind: RoomBlockKind,
    /// Name.
    pub name: String,
    /// Notes.
    pub notes: Option<String>,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// Creation instant.
    pub created: DateTime<Utc>,
    /// Last change.
    pub updated: DateTime<Utc>,
    /// Deletion instant; a deleted block stays readable.
    pub deleted: Option<DateTime<Utc>>,
    /// The room's state before an out-of-order block took it, restored when
    /// the block is deleted.
    pub state_before: Option<RoomState>,
}

/// Kinds of room block (Mews "Resource block type").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RoomBlockKind {
    /// `OutOfOrder`.
    OutOfOrder,
    /// `InternalUse`.
    InternalUse,
}

impl RoomBlockKind {
    /// The Mews name.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomBlockKind::OutOfOrder => "OutOfOrder",
            RoomBlockKind::InternalUse => "InternalUse",
        }
    }
}

/// A guest profile.
#[derive(Debug, Clone, Serialize)]
pub struct Guest {
    /// Id.
    pub id: Uuid,
    /// Profile number.
    pub number: String,
    /// Given name.
    pub first_name: Text,
    /// Family name.
    pub last_name: Text,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// ISO 3166-1 alpha-2 nationality.
    pub nationality: &'static str,
    /// Preferred language.
    pub language: &'static str,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Creation instant.
    pub created: DateTime<Utc>,
    /// Last change.
    pub updated: DateTime<Utc>,
}

/// Reservation lifecycle (the Mews names; the ones the simulator moves between).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ReservationState {
    /// Enquiry.
    Inquired,
    /// Held by the hotel, not confirmed by the guest.
    Optional,
    /// Confirmed, not arrived.
    Confirmed,
    /// Checked in.
    Started,
    /// Checked out.
    Processed,
    /// Cancelled.
    Canceled,
}

impl ReservationState {
    /// The state's name as Mews spells it (2023-06-06 enum).
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationState::Inquired => "Inquired",
            ReservationState::Optional => "Optional",
            ReservationState::Confirmed => "Confirmed",
            ReservationState::Started => "Started",
            ReservationState::Processed => "Processed",
            ReservationState::Canceled => "Canceled",
        }
    }
}

/// A stay.
#[derive(Debug, Clone, Serialize)]
pub struct Reservation {
    /// Id.
    pub id: Uuid,
    /// Reservation group id.
    pub group_id: Uuid,
    /// Confirmation number.
    pub number: String,
    /// Owner (main guest) id.
    pub guest_id: Uuid,
    /// Booked category.
    pub category_id: Uuid,
    /// Assigned room.
    pub room_id: Option<Uuid>,
    /// Lifecycle state.
    pub state: ReservationState,
    /// Scheduled arrival instant.
    pub scheduled_start: DateTime<Utc>,
    /// Scheduled departure instant.
    pub scheduled_end: DateTime<Utc>,
    /// Check-in instant.
    pub actual_start: Option<DateTime<Utc>>,
    /// Check-out instant.
    pub actual_end: Option<DateTime<Utc>>,
    /// Adults.
    pub adults: u8,
    /// Children.
    pub children: u8,
    /// Whether the check-in came through the connector API.
    pub connector_check_in: bool,
    /// Cancellation instant.
    pub cancelled: Option<DateTime<Utc>>,
    /// Creation instant.
    pub created: DateTime<Utc>,
    /// Last change.
    pub updated: DateTime<Utc>,
}

/// Kinds of folio line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ChargeKind {
    /// Accommodation.
    SpaceOrder,
    /// A catalogue product.
    ProductOrder,
    /// A free-text item posted from outside.
    CustomItem,
    /// City tax.
    CityTax,
}

impl ChargeKind {
    /// The kind's name as Mews spells it (order item type).
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeKind::SpaceOrder => "SpaceOrder",
            ChargeKind::ProductOrder => "ProductOrder",
            ChargeKind::CustomItem => "CustomItem",
            ChargeKind::CityTax => "CityTax",
        }
    }
}

/// A folio line (Mews order item).
#[derive(Debug, Clone, Serialize)]
pub struct Charge {
    /// Id.
    pub id: Uuid,
    /// The account (guest) charged.
    pub account_id: Uuid,
    /// The service it was sold on.
    pub service_id: Uuid,
    /// The service order it belongs to: a reservation, or a product order.
    pub service_order_id: Uuid,
    /// The stay it is linked to, when known.
    pub linked_reservation_id: Option<Uuid>,
    /// The bill it sits on.
    pub bill_id: Option<Uuid>,
    /// The product, for product orders.
    pub product_id: Option<Uuid>,
    /// Line name.
    pub name: Text,
    /// Kind.
    pub kind: ChargeKind,
    /// Units.
    pub unit_count: u32,
    /// Gross unit price.
    pub unit_gross: Decimal,
    /// Tax code.
    pub tax_code: Text,
    /// Tax rate as a fraction.
    pub tax_rate: Decimal,
    /// The poster's own identifier, kept verbatim.
    pub external_identifier: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Consumption instant.
    pub consumed: DateTime<Utc>,
    /// Creation instant.
    pub created: DateTime<Utc>,
    /// Last change.
    pub updated: DateTime<Utc>,
    /// Void instant.
    pub canceled: Option<DateTime<Utc>>,
    /// Bill closure instant.
    pub closed: Option<DateTime<Utc>>,
}

impl Charge {
    /// Gross total of the line (units times unit price); zero once voided.
    pub fn gross_total(&self) -> Decimal {
        if self.canceled.is_some() {
            Decimal::ZERO
        } else {
            self.unit_gross * Decimal::from(self.unit_count)
        }
    }
}

/// Bill (folio) states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BillState {
    /// Open.
    Open,
    /// Closed.
    Closed,
}

/// A bill (folio window).
#[derive(Debug, Clone, Serialize)]
pub struct Bill {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// Bill number.
    pub number: String,
    /// State.
    pub state: BillState,
    /// Creation instant.
    pub created: DateTime<Utc>,
    /// Last change.
    pub updated: DateTime<Utc>,
    /// Closing (issue) instant.
    pub closed: Option<DateTime<Utc>>,
}

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PaymentKind {
    /// Card.
    CreditCard,
    /// Cash.
    Cash,
    /// Taken outside the PMS and recorded.
    External,
}

/// A payment.
#[derive(Debug, Clone, Serialize)]
pub struct Payment {
    /// Id.
    pub id: Uuid,
    /// Payer account.
    pub account_id: Uuid,
    /// Bill it sits on.
    pub bill_id: Option<Uuid>,
    /// Stay it relates to.
    pub reservation_id: Option<Uuid>,
    /// Amount (positive = money received).
    pub amount: Decimal,
    /// Kind.
    pub kind: PaymentKind,
    /// The poster's identifier, for external payments.
    pub external_identifier: Option<String>,
    /// The external payment type as posted (Mews `Cash`, `WireTransfer`, ...).
    pub external_type: Option<String>,
    /// Creation instant.
    pub created: DateTime<Utc>,
    /// Last change.
    pub updated: DateTime<Utc>,
}

/// Kinds of agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AgendaKind {
    /// Spa treatment.
    Spa,
    /// Restaurant table.
    Dining,
    /// Activity.
    Activity,
}

/// A booking on a guest's agenda (spa, dining, activity).
#[derive(Debug, Clone, Serialize)]
pub struct AgendaItem {
    /// Id.
    pub id: Uuid,
    /// Stay.
    pub reservation_id: Uuid,
    /// Guest.
    pub guest_id: Uuid,
    /// Kind.
    pub kind: AgendaKind,
    /// Title.
    pub title: String,
    /// Start.
    pub starts: DateTime<Utc>,
    /// End.
    pub ends: DateTime<Utc>,
}
