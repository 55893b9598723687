//! Wire → pms-core. Every Mews enum value is matched explicitly; values this
//! crate does not know become `Other(verbatim)`, never a default.
//!
//! Time: Mews sends instants in UTC, including date-only values converted
//! from the property's local midnight (`guidelines/serialization.md`), so a
//! business date is the civil date of the instant in the property's time
//! zone ([`business_date`]).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use pms_core::{
    AccountKind, Address, ChargeId, ChargeKind, Currency, Error, ExternalRef, Folio, FolioAccount,
    FolioCharge, FolioId, FolioOwner, Guest, GuestId, GuestRef, HotelId, HousekeepingStatus, Money, Payment,
    PaymentState, PersonName, Pii, PmsKind, RawJson, RawPayload, RequestId, Reservation, ReservationId,
    ReservationStatus, Room, RoomBlock, RoomBlockKind, RoomNumber, RoomStatus, RoomStatusReport, VendorId,
    line_balances,
};
use rust_decimal::Decimal;

use crate::wire;
use crate::wire::order_items::{AccountingState, OrderItemType};
use crate::wire::reservations::{AccountType, ServiceOrderState};
use crate::wire::resources::{ResourceDataDiscriminator, ResourceState};

/// What mapping needs besides the payload.
#[derive(Debug, Clone)]
pub struct MapContext {
    /// The hotel (internal ids derive from it).
    pub hotel: HotelId,
    /// The property's time zone.
    pub time_zone: Tz,
    /// The property's currency: the balance currency of a folio without
    /// lines, and the one `balance` takes in a folio that mixes currencies
    /// (amounts themselves are always in their own `Currency`).
    pub currency: Currency,
    /// Resource id → room name, to fill `Reservation::room_number`.
    /// Empty means "unknown" and leaves the room number out.
    pub room_names: HashMap<String, RoomNumber>,
    /// Age categories counted as children. Mews reports `PersonCounts` per
    /// age category id only; every other category counts as adults.
    pub child_age_category_ids: BTreeSet<String>,
}

impl MapContext {
    /// A context without room names or child categories.
    pub fn new(hotel: HotelId, time_zone: Tz, currency: Currency) -> Self {
        MapContext {
            hotel,
            time_zone,
            currency,
            room_names: HashMap::new(),
            child_age_category_ids: BTreeSet::new(),
        }
    }
}

/// The civil date of `instant` in `tz`.
pub fn business_date(instant: DateTime<Utc>, tz: Tz) -> NaiveDate {
    instant.with_timezone(&tz).date_naive()
}

fn vendor_id(id: &str, path: &str) -> Result<VendorId, Error> {
    VendorId::new(id).map_err(|_| Error::decode(PmsKind::Mews, path, "empty id"))
}

fn external(id: &str, path: &str) -> Result<ExternalRef, Error> {
    Ok(ExternalRef::new(PmsKind::Mews, vendor_id(id, path)?))
}

/// "Service order state" → [`ReservationStatus`]. Mews records a no-show as
/// `Canceled` with `CancellationReason` `NoShow`.
pub fn reservation_status(state: &ServiceOrderState, cancellation_reason: Option<&str>) -> ReservationStatus {
    match state {
        ServiceOrderState::Inquired => ReservationStatus::Inquiry,
        ServiceOrderState::Confirmed => ReservationStatus::Confirmed,
        ServiceOrderState::Started => ReservationStatus::CheckedIn,
        ServiceOrderState::Processed => ReservationStatus::CheckedOut,
        ServiceOrderState::Canceled if cancellation_reason == Some("NoShow") => ReservationStatus::NoShow,
        ServiceOrderState::Canceled => ReservationStatus::Cancelled,
        ServiceOrderState::Optional => ReservationStatus::Tentative,
        ServiceOrderState::Requested => ReservationStatus::Waitlisted,
        ServiceOrderState::Unknown(other) => ReservationStatus::Other(other.clone()),
    }
}

/// "Resource state" → [`HousekeepingStatus`].
pub fn housekeeping(state: &ResourceState) -> HousekeepingStatus {
    match state {
        ResourceState::Dirty => HousekeepingStatus::Dirty,
        ResourceState::Clean => HousekeepingStatus::Clean,
        ResourceState::Inspected => HousekeepingStatus::Inspected,
        ResourceState::OutOfService => HousekeepingStatus::OutOfService,
        ResourceState::OutOfOrder => HousekeepingStatus::OutOfOrder,
        ResourceState::Unknown(other) => HousekeepingStatus::Other(other.clone()),
    }
}

/// [`HousekeepingStatus`] → the `State` `resources/update` accepts. That is
/// every resource state "except `OutOfOrder`", which Mews only derives from
/// resource blocks (`resourceBlocks/add`); Mews has no `Pickup`.
pub fn housekeeping_to_mews(status: &HousekeepingStatus) -> Result<ResourceState, Error> {
    match status {
        HousekeepingStatus::Dirty => Ok(ResourceState::Dirty),
        HousekeepingStatus::Clean => Ok(ResourceState::Clean),
        HousekeepingStatus::Inspected => Ok(ResourceState::Inspected),
        HousekeepingStatus::OutOfService => Ok(ResourceState::OutOfService),
        HousekeepingStatus::OutOfOrder => Err(Error::unsupported(
            PmsKind::Mews,
            "set_room_status(OutOfOrder): Mews sets it through resource blocks only",
        )),
        HousekeepingStatus::Pickup => Err(Error::validation("Mews has no Pickup room state")),
        HousekeepingStatus::Other(other) => Err(Error::validation(format!(
            "room state `{other}` cannot be written to Mews"
        ))),
    }
}

/// "Order item type" → [`ChargeKind`].
pub fn charge_kind(item_type: &OrderItemType) -> ChargeKind {
    let other = |s: &str| ChargeKind::Other(s.to_owned());
    match item_type {
        OrderItemType::SpaceOrder => ChargeKind::Room,
        OrderItemType::CancellationFee => other("CancellationFee"),
        OrderItemType::NightRebate => other("NightRebate"),
        OrderItemType::ProductOrderRebate => other("ProductOrderRebate"),
        OrderItemType::AdditionalExpenseRebate => other("AdditionalExpenseRebate"),
        OrderItemType::Deposit => other("Deposit"),
        OrderItemType::ExchangeRateDifference => other("ExchangeRateDifference"),
        OrderItemType::CustomItem => other("CustomItem"),
        OrderItemType::ServiceCharge => other("ServiceCharge"),
        OrderItemType::CityTax => other("CityTax"),
        OrderItemType::CityTaxDiscount => other("CityTaxDiscount"),
        OrderItemType::ProductOrder => other("ProductOrder"),
        OrderItemType::Surcharge => other("Surcharge"),
        OrderItemType::TaxCorrection => other("TaxCorrection"),
        OrderItemType::ResourceUpgradeFee => other("ResourceUpgradeFee"),
        OrderItemType::InvoiceFee => other("InvoiceFee"),
        OrderItemType::MulticurrencyFee => other("MulticurrencyFee"),
        OrderItemType::AllowanceDiscount => other("AllowanceDiscount"),
        OrderItemType::AllowanceBreakage => other("AllowanceBreakage"),
        OrderItemType::AllowanceContraBreakage => other("AllowanceContraBreakage"),
        OrderItemType::Unknown(value) => other(value),
    }
}

/// "Payment state" → [`PaymentState`].
pub fn payment_state(state: &wire::payments::PaymentState) -> PaymentState {
    use wire::payments::PaymentState as W;
    match state {
        W::Charged => PaymentState::Charged,
        W::Canceled => PaymentState::Voided,
        W::Pending => PaymentState::Pending,
        W::Failed => PaymentState::Failed,
        W::Verifying => PaymentState::Other("Verifying".into()),
        W::Unknown(other) => PaymentState::Other(other.clone()),
    }
}

/// A Mews reservation (2023-06-06). `path` names it in errors
/// (`Reservations[3]`); `raw` is kept beside the record.
pub fn reservation(
    r: &wire::reservations::Reservation,
    raw: Option<RawJson>,
    ctx: &MapContext,
    path: &str,
) -> Result<Reservation, Error> {
    let external = external(&r.id, &format!("{path}.Id"))?;
    let primary_guest = match (&r.account_type, &r.account_id) {
        (Some(AccountType::Customer), Some(account)) => {
            let guest = external_or_none(account);
            guest.map(|g| GuestRef {
                id: GuestId::derive(&ctx.hotel, &g),
                external: g,
            })
        }
        // A company-owned reservation has no guest profile as owner.
        _ => None,
    };
    let (mut adults, mut children) = (0u16, 0u16);
    for pc in &r.person_counts {
        if ctx.child_age_category_ids.contains(&pc.age_category_id) {
            children = children.saturating_add(pc.count);
        } else {
            adults = adults.saturating_add(pc.count);
        }
    }
    Ok(Reservation {
        id: ReservationId::derive(&ctx.hotel, &external),
        external,
        hotel: ctx.hotel.clone(),
        confirmation_number: non_empty(r.number.as_deref()),
        status: reservation_status(&r.state, r.cancellation_reason.as_deref()),
        arrival: business_date(r.scheduled_start_utc, ctx.time_zone),
        departure: business_date(r.scheduled_end_utc, ctx.time_zone),
        eta: Some(r.scheduled_start_utc),
        etd: Some(r.scheduled_end_utc),
        room_number: r
            .assigned_resource_id
            .as_ref()
            .and_then(|id| ctx.room_names.get(id).cloned()),
        room_type: non_empty(r.requested_resource_category_id.as_deref()),
        adults,
        children,
        primary_guest,
        companions: Vec::new(),
        rate_plan_code: non_empty(r.rate_id.as_deref()),
        total: None,
        balance: None,
        created_at: r.created_utc,
        updated_at: r.updated_utc,
        source: non_empty(r.origin.as_deref()),
        channel: non_empty(r.commander_origin.as_deref()),
        raw: raw.map(RawPayload::Json),
    })
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty()).map(str::to_owned)
}

fn external_or_none(id: &str) -> Option<ExternalRef> {
    VendorId::new(id)
        .ok()
        .map(|id| ExternalRef::new(PmsKind::Mews, id))
}

/// A Mews customer → [`Guest`]. `SecondLastName` is appended to the last
/// name (both are family names); identity documents are not read (they
/// moved to `identityDocuments/getAll`).
pub fn guest(c: &wire::customers::Customer, ctx: &MapContext, path: &str) -> Result<Guest, Error> {
    let external = external(&c.id, &format!("{path}.Id"))?;
    let last = match (
        non_empty(c.last_name.as_deref()),
        non_empty(c.second_last_name.as_deref()),
    ) {
        (Some(last), Some(second)) => Some(format!("{last} {second}")),
        (last, None) => last,
        (None, second) => second,
    };
    let birth_date = match non_empty(c.birth_date.as_deref()) {
        None => None,
        Some(text) => Some(Pii::new(parse_plain_date(&text).ok_or_else(|| {
            Error::decode(
                PmsKind::Mews,
                format!("{path}.BirthDate"),
                "not a YYYY-MM-DD date",
            )
        })?)),
    };
    let address = c.address.as_ref().map(|a| {
        Pii::new(Address {
            lines: [a.line1.as_deref(), a.line2.as_deref()]
                .into_iter()
                .filter_map(non_empty)
                .collect(),
            city: non_empty(a.city.as_deref()),
            postal_code: non_empty(a.postal_code.as_deref()),
            region: non_empty(a.country_subdivision_code.as_deref()),
            country: non_empty(a.country_code.as_deref()),
        })
    });
    Ok(Guest {
        id: GuestId::derive(&ctx.hotel, &external),
        external,
        name: PersonName {
            title: non_empty(c.title.as_deref()).map(Pii::new),
            first: non_empty(c.first_name.as_deref()).map(Pii::new),
            middle: None,
            last: last.map(Pii::new),
        },
        email: non_empty(c.email.as_deref()).map(Pii::new),
        phone: non_empty(c.phone.as_deref()).map(Pii::new),
        address,
        nationality: non_empty(c.nationality_code.as_deref()).map(Pii::new),
        birth_date,
        language: non_empty(
            c.preferred_language_code
                .as_deref()
                .or(c.language_code.as_deref()),
        ),
        loyalty_number: non_empty(c.loyalty_code.as_deref()).map(Pii::new),
        identity_document: None,
        updated_at: c.updated_utc,
    })
}

/// Mews plain dates are `YYYY-MM-DD`; some clients have seen RFC 3339 too.
fn parse_plain_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .or_else(|| DateTime::parse_from_rfc3339(text).ok().map(|d| d.date_naive()))
}

/// A Mews resource → [`Room`] (with its state).
pub fn room(r: &wire::resources::Resource, path: &str) -> Result<Room, Error> {
    let external = external(&r.id, &format!("{path}.Id"))?;
    let number = RoomNumber::new(&r.name)
        .map_err(|_| Error::decode(PmsKind::Mews, format!("{path}.Name"), "empty resource name"))?;
    let floor = r.data.as_ref().and_then(|d| match d.discriminator {
        ResourceDataDiscriminator::Space => d
            .value
            .as_ref()
            .and_then(|v| v.get("FloorNumber"))
            .and_then(|f| f.as_str())
            .and_then(|f| non_empty(Some(f))),
        ResourceDataDiscriminator::Object
        | ResourceDataDiscriminator::Person
        | ResourceDataDiscriminator::Unknown(_) => None,
    });
    Ok(Room {
        external,
        number,
        room_type: None,
        floor,
        status: Some(room_status(r)),
    })
}

/// A Mews resource block → [`RoomBlock`].
pub fn room_block(b: &wire::resource_blocks::ResourceBlock, path: &str) -> Result<RoomBlock, Error> {
    use wire::resource_blocks::ResourceBlockType;
    Ok(RoomBlock {
        external: external(&b.id, &format!("{path}.Id"))?,
        room: external(&b.assigned_resource_id, &format!("{path}.AssignedResourceId"))?,
        kind: match &b.block_type {
            ResourceBlockType::OutOfOrder => RoomBlockKind::OutOfOrder,
            ResourceBlockType::InternalUse => RoomBlockKind::InternalUse,
            ResourceBlockType::Unknown(other) => RoomBlockKind::Other(other.clone()),
        },
        starts_at: b.start_utc,
        ends_at: b.end_utc,
        active: b.is_active,
    })
}

fn room_status(r: &wire::resources::Resource) -> RoomStatus {
    RoomStatus {
        housekeeping: housekeeping(&r.state),
        // resources/getAll does not say whether a guest is in the room.
        occupancy: None,
        // UpdatedUtc is the resource's last change of any field.
        updated_at: r.updated_utc,
    }
}

/// A Mews resource → [`RoomStatusReport`].
pub fn room_status_report(r: &wire::resources::Resource, path: &str) -> Result<RoomStatusReport, Error> {
    let room = room(r, path)?;
    Ok(RoomStatusReport {
        room: room.external,
        number: room.number,
        status: room_status(r),
    })
}

fn money(amount: &wire::Amount, gross: bool, path: &str) -> Result<Money, Error> {
    let currency = Currency::new(&amount.currency)
        .map_err(|_| Error::decode(PmsKind::Mews, format!("{path}.Currency"), "not an ISO 4217 code"))?;
    let (value, field) = if gross {
        (amount.gross_value, "GrossValue")
    } else {
        (amount.net_value, "NetValue")
    };
    let value = value.ok_or_else(|| Error::decode(PmsKind::Mews, format!("{path}.{field}"), "missing"))?;
    Ok(Money::new(value, currency))
}

fn tax(amount: &wire::Amount, path: &str) -> Result<Option<Money>, Error> {
    if amount.tax_values.is_empty() {
        return Ok(None);
    }
    let currency = Currency::new(&amount.currency)
        .map_err(|_| Error::decode(PmsKind::Mews, format!("{path}.Currency"), "not an ISO 4217 code"))?;
    let total: Decimal = amount.tax_values.iter().map(|t| t.value).sum();
    Ok(Some(Money::new(total, currency)))
}

/// A Mews order item → [`FolioCharge`]. Amounts are the vendor's gross
/// values; `tax` is the sum of its `TaxValues` (so net = total − tax).
/// `request_id` is read back from `ExternalIdentifier` when it holds one of ours.
pub fn folio_charge(
    item: &wire::order_items::OrderItem,
    ctx: &MapContext,
    path: &str,
) -> Result<FolioCharge, Error> {
    let external = external(&item.id, &format!("{path}.Id"))?;
    let description = non_empty(item.billing_name.as_deref())
        .or_else(|| non_empty(item.notes.as_deref()))
        .unwrap_or_else(|| item.item_type.as_str().to_owned());
    let voided = match item.accounting_state {
        AccountingState::Canceled => true,
        AccountingState::Open | AccountingState::Closed | AccountingState::Inactive => false,
        AccountingState::Unknown(_) => item.canceled_utc.is_some(),
    };
    Ok(FolioCharge {
        id: ChargeId::derive(&ctx.hotel, &external),
        external,
        kind: charge_kind(&item.item_type),
        description,
        unit_amount: money(&item.unit_amount, true, &format!("{path}.UnitAmount"))?,
        quantity: Decimal::from(item.unit_count),
        total: money(&item.amount, true, &format!("{path}.Amount"))?,
        tax: tax(&item.amount, &format!("{path}.Amount"))?,
        transaction_code: non_empty(item.accounting_category_id.as_deref()),
        outlet: non_empty(item.service_id.as_deref()),
        posted_at: item.created_utc,
        business_date: item.consumed_utc.map(|c| business_date(c, ctx.time_zone)),
        voided,
        request_id: item
            .external_identifier
            .as_deref()
            .and_then(|e| e.parse::<RequestId>().ok()),
    })
}

/// A Mews payment → [`Payment`]. Mews books payments as negative amounts
/// on the bill; the model wants paid amounts positive, so the sign flips.
pub fn payment(p: &wire::payments::Payment, path: &str) -> Result<Payment, Error> {
    let amount = money(&p.amount, true, &format!("{path}.Amount"))?;
    Ok(Payment {
        external: external(&p.id, &format!("{path}.Id"))?,
        amount: Money::zero(amount.currency).checked_sub(amount)?,
        method: Some(p.payment_type.as_str().to_owned()),
        state: payment_state(&p.state),
        paid_at: p.charged_utc,
    })
}

/// Assembles the folio of a reservation. Mews keeps no per-reservation
/// balance, so `balance` is computed: non-voided charges minus payments that
/// are `Charged` or `Pending` (failed, canceled and verifying ones excluded).
/// Amounts are summed in their own `Currency` (see [`folio_of`]).
pub fn folio(
    reservation: &ExternalRef,
    charges: Vec<FolioCharge>,
    payments: Vec<Payment>,
    ctx: &MapContext,
) -> Result<Folio, Error> {
    folio_of(
        FolioOwner::Reservation(reservation.clone()),
        reservation.clone(),
        charges,
        payments,
        ctx,
    )
}

/// A Mews bill (`bills/getAll`) → the [`Folio`] of its account
/// (`AccountId`, `AccountType` `Customer` or `Company`), with the bill's lines
/// (order items and payments whose `BillId` is the bill's; the bill itself
/// carries none since `Extent.Items` was deprecated).
pub fn bill_folio(
    bill: &wire::bills::Bill,
    charges: Vec<FolioCharge>,
    payments: Vec<Payment>,
    ctx: &MapContext,
    path: &str,
) -> Result<Folio, Error> {
    let external = external(&bill.id, &format!("{path}.Id"))?;
    let account = bill
        .account_id
        .as_deref()
        .ok_or_else(|| Error::decode(PmsKind::Mews, format!("{path}.AccountId"), "missing"))?;
    let kind = match &bill.account_type {
        Some(AccountType::Customer) => AccountKind::Guest,
        Some(AccountType::Company) => AccountKind::Company,
        Some(AccountType::Unknown(other)) => AccountKind::Other(other.clone()),
        None => {
            return Err(Error::decode(
                PmsKind::Mews,
                format!("{path}.AccountType"),
                "missing",
            ));
        }
    };
    let owner = FolioOwner::Account(FolioAccount {
        external: self::external(account, &format!("{path}.AccountId"))?,
        kind,
    });
    folio_of(owner, external, charges, payments, ctx)
}

/// Assembles a folio. Every Mews `Amount` carries its own `Currency`
/// (`operations/_objects.md#amount`), so lines are summed per currency, never
/// in the configured one: `balance` is in the lines' currency (the property's
/// when the lines use it, else the first by code; the property's for a folio
/// without lines) and a folio that mixes currencies keeps the others in
/// `other_balances`.
pub fn folio_of(
    owner: FolioOwner,
    external: ExternalRef,
    charges: Vec<FolioCharge>,
    payments: Vec<Payment>,
    ctx: &MapContext,
) -> Result<Folio, Error> {
    let mut balances = line_balances(&charges, &payments)?;
    let main = match balances.keys().next() {
        Some(first) if !balances.contains_key(&ctx.currency) => *first,
        _ => ctx.currency,
    };
    let balance = balances.remove(&main).unwrap_or(Money::zero(main));
    Ok(Folio {
        id: FolioId::derive(&ctx.hotel, &external),
        external,
        owner,
        balance,
        other_balances: balances.into_values().collect(),
        charges,
        payments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reservation_state_maps_explicitly() {
        let cases = [
            ("Inquired", ReservationStatus::Inquiry),
            ("Enquired", ReservationStatus::Inquiry),
            ("Confirmed", ReservationStatus::Confirmed),
            ("Started", ReservationStatus::CheckedIn),
            ("Processed", ReservationStatus::CheckedOut),
            ("Canceled", ReservationStatus::Cancelled),
            ("Optional", ReservationStatus::Tentative),
            ("Requested", ReservationStatus::Waitlisted),
            ("Teleported", ReservationStatus::Other("Teleported".into())),
        ];
        for (wire, expected) in cases {
            assert_eq!(
                reservation_status(&ServiceOrderState::from(wire.to_owned()), None),
                expected
            );
        }
        assert_eq!(
            reservation_status(&ServiceOrderState::Canceled, Some("NoShow")),
            ReservationStatus::NoShow
        );
    }

    #[test]
    fn every_resource_state_maps_both_ways() {
        for (wire, model) in [
            ("Dirty", HousekeepingStatus::Dirty),
            ("Clean", HousekeepingStatus::Clean),
            ("Inspected", HousekeepingStatus::Inspected),
            ("OutOfService", HousekeepingStatus::OutOfService),
        ] {
            let state = ResourceState::from(wire.to_owned());
            assert_eq!(housekeeping(&state), model);
            assert_eq!(housekeeping_to_mews(&model).unwrap(), state);
        }
        assert_eq!(
            housekeeping(&ResourceState::OutOfOrder),
            HousekeepingStatus::OutOfOrder
        );
        assert_eq!(
            housekeeping(&ResourceState::from("Haunted".to_owned())),
            HousekeepingStatus::Other("Haunted".into())
        );
        assert_eq!(
            housekeeping_to_mews(&HousekeepingStatus::OutOfOrder)
                .unwrap_err()
                .kind(),
            pms_core::ErrorKind::Unsupported
        );
        assert_eq!(
            housekeeping_to_mews(&HousekeepingStatus::Pickup)
                .unwrap_err()
                .kind(),
            pms_core::ErrorKind::Validation
        );
    }

    #[test]
    fn business_date_uses_the_property_zone() {
        // serialization.md: local midnight 2023-03-22 in Beijing is 2023-03-21T16:00:00Z.
        let instant = "2023-03-21T16:00:00Z".parse().unwrap();
        assert_eq!(
            business_date(instant, chrono_tz::Asia::Shanghai),
            NaiveDate::from_ymd_opt(2023, 3, 22).unwrap()
        );
        assert_eq!(
            business_date(instant, chrono_tz::America::Chicago),
            NaiveDate::from_ymd_opt(2023, 3, 21).unwrap()
        );
    }
}
