//! The shared, mutable hotel behind every vendor front, and the business
//! rules its writes obey. Fronts translate wire requests into these calls and
//! [`Rejection`]s back into their vendor's error bodies.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeZone, Timelike, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::model::{
    AgendaItem, Bill, BillState, Charge, ChargeKind, Guest, Payment, PaymentKind, Product, Property,
    Reservation, ReservationState, Room, RoomBlock, RoomBlockKind, RoomCategory, RoomState, Service,
    ServiceKind, TaxRate, Text,
};

/// Why a write was refused, vendor-neutral.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// A parameter names something that does not exist or cannot be used.
    #[error("Invalid {param}: {detail}")]
    Invalid {
        /// The request parameter at fault, as the front named it.
        param: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// The request is well-formed but a business rule forbids it.
    #[error("{0}")]
    Rule(String),
}

impl Rejection {
    pub(crate) fn invalid(param: &'static str, detail: impl Into<String>) -> Self {
        Rejection::Invalid {
            param,
            detail: detail.into(),
        }
    }
}

/// An entity a write touched; the webhook layer turns these into vendor events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// A reservation changed.
    Reservation(Uuid),
    /// A room changed.
    Room(Uuid),
    /// A guest was added.
    GuestAdded(Uuid),
    /// A guest changed.
    Guest(Uuid),
    /// A payment changed.
    Payment(Uuid),
    /// A room block was added or deleted.
    RoomBlock(Uuid),
}

/// A room block to add.
#[derive(Debug, Clone)]
pub struct NewRoomBlock {
    /// The room.
    pub room_id: Uuid,
    /// Out of order or internal use.
    pub kind: RoomBlockKind,
    /// Name.
    pub name: String,
    /// Notes.
    pub notes: Option<String>,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

/// One line of an order to post.
#[derive(Debug, Clone)]
pub struct NewLine {
    /// Catalogue product, if any.
    pub product_id: Option<Uuid>,
    /// Line name.
    pub name: Text,
    /// Units.
    pub unit_count: u32,
    /// Gross unit price.
    pub unit_gross: Decimal,
    /// Tax rate code.
    pub tax_code: Text,
    /// Kind.
    pub kind: ChargeKind,
    /// The poster's identifier.
    pub external_identifier: Option<String>,
}

/// A payment taken outside the PMS, to record.
#[derive(Debug, Clone)]
pub struct NewPayment {
    /// Payer.
    pub account_id: Uuid,
    /// Bill to put it on; defaults to the account's open bill.
    pub bill_id: Option<Uuid>,
    /// Stay it pays for.
    pub reservation_id: Option<Uuid>,
    /// Amount received (positive).
    pub amount: Decimal,
    /// The poster's identifier.
    pub external_identifier: Option<String>,
    /// The vendor's external payment type, verbatim.
    pub external_type: Option<String>,
}

/// An order (one or more charges) to post to a guest's folio.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// Account charged.
    pub account_id: Uuid,
    /// Service sold on.
    pub service_id: Uuid,
    /// Stay to link to.
    pub linked_reservation_id: Option<Uuid>,
    /// Bill to post on; defaults to the account's open bill.
    pub bill_id: Option<Uuid>,
    /// Consumption instant; defaults to now.
    pub consumed: Option<DateTime<Utc>>,
    /// Notes.
    pub notes: Option<String>,
    /// Lines.
    pub lines: Vec<NewLine>,
}

#[derive(Debug, Default)]
struct Indexes {
    rooms: HashMap<Uuid, usize>,
    guests: HashMap<Uuid, usize>,
    reservations: HashMap<Uuid, usize>,
    charges: HashMap<Uuid, usize>,
    charges_by_order: HashMap<Uuid, Vec<usize>>,
    bills: HashMap<Uuid, usize>,
    products: HashMap<Uuid, usize>,
}

/// How much the PMS holds, by state: a cheap snapshot for dashboards and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Rooms.
    pub rooms: usize,
    /// Rooms by housekeeping state (Mews names).
    pub rooms_by_state: std::collections::BTreeMap<&'static str, usize>,
    /// Guests.
    pub guests: usize,
    /// Reservations.
    pub reservations: usize,
    /// Reservations by state (Mews names).
    pub reservations_by_state: std::collections::BTreeMap<&'static str, usize>,
    /// Folio lines, voided ones included.
    pub charges: usize,
    /// Voided folio lines.
    pub voided_charges: usize,
    /// Bills.
    pub bills: usize,
    /// Payments.
    pub payments: usize,
    /// Agenda items.
    pub agenda_items: usize,
}

/// Everything the PMS holds. Vectors are public for inspection; writes go
/// through the methods so indexes and rules stay consistent.
#[derive(Debug)]
pub struct Hotel {
    /// The property.
    pub property: Property,
    /// Tax rates by code.
    pub tax_rates: Vec<TaxRate>,
    /// Services.
    pub services: Vec<Service>,
    /// Products.
    pub products: Vec<Product>,
    /// Room categories.
    pub categories: Vec<RoomCategory>,
    /// Rooms.
    pub rooms: Vec<Room>,
    /// Guests.
    pub guests: Vec<Guest>,
    /// Reservations.
    pub reservations: Vec<Reservation>,
    /// Folio lines.
    pub charges: Vec<Charge>,
    /// Bills.
    pub bills: Vec<Bill>,
    /// Payments.
    pub payments: Vec<Payment>,
    /// Agenda items.
    pub agenda: Vec<AgendaItem>,
    /// Room blocks (none are generated; added through the API or by tests).
    pub room_blocks: Vec<RoomBlock>,
    idx: Indexes,
    rng: StdRng,
    next_bill_number: u64,
}

/// Now, at whole seconds: vendors render instants without fractions, and a
/// read-back filter built from a rendered instant must match the stored one.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now.with_nanosecond(0).unwrap_or(now)
}

/// Parts the generator hands over to build a [`Hotel`].
#[derive(Debug)]
pub(crate) struct HotelParts {
    pub property: Property,
    pub tax_rates: Vec<TaxRate>,
    pub services: Vec<Service>,
    pub products: Vec<Product>,
    pub categories: Vec<RoomCategory>,
    pub rooms: Vec<Room>,
    pub guests: Vec<Guest>,
    pub reservations: Vec<Reservation>,
    pub charges: Vec<Charge>,
    pub bills: Vec<Bill>,
    pub payments: Vec<Payment>,
    pub agenda: Vec<AgendaItem>,
    pub seed: u64,
}

impl Hotel {
    /// Every guest's full name, email and phone (fragments under 4
    /// characters dropped): what a leak check searches output and stores for.
    pub fn guest_pii(&self) -> Vec<String> {
        let mut pii = Vec::new();
        for g in &self.guests {
            pii.push(format!("{} {}", g.first_name, g.last_name));
            pii.extend(g.email.clone());
            pii.extend(g.phone.clone());
        }
        pii.retain(|s| s.trim().len() >= 4);
        pii
    }

    pub(crate) fn from_parts(p: HotelParts) -> Self {
        let next_bill_number = p.bills.len() as u64 + 1;
        let mut hotel = Hotel {
            property: p.property,
            tax_rates: p.tax_rates,
            services: p.services,
            products: p.products,
            categories: p.categories,
            rooms: p.rooms,
            guests: p.guests,
            reservations: p.reservations,
            charges: p.charges,
            bills: p.bills,
            payments: p.payments,
            agenda: p.agenda,
            room_blocks: Vec::new(),
            idx: Indexes::default(),
            // A separate stream from the generator's so runtime ids never
            // collide with seeded ones yet stay reproducible per seed.
            rng: StdRng::seed_from_u64(p.seed ^ 0x0005_EED0_F1D5),
            next_bill_number,
        };
        hotel.reindex();
        hotel
    }

    fn reindex(&mut self) {
        fn positions<T>(items: &[T], id: impl Fn(&T) -> Uuid) -> HashMap<Uuid, usize> {
            items.iter().enumerate().map(|(i, item)| (id(item), i)).collect()
        }
        let mut idx = Indexes {
            rooms: positions(&self.rooms, |r| r.id),
            guests: positions(&self.guests, |g| g.id),
            reservations: positions(&self.reservations, |r| r.id),
            bills: positions(&self.bills, |b| b.id),
            products: positions(&self.products, |p| p.id),
            ..Indexes::default()
        };
        idx.charges.reserve(self.charges.len());
        for (i, c) in self.charges.iter().enumerate() {
            idx.charges.insert(c.id, i);
            idx.charges_by_order
                .entry(c.service_order_id)
                .or_default()
                .push(i);
        }
        self.idx = idx;
    }

    /// Counts of what the hotel holds now.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            rooms: self.rooms.len(),
            guests: self.guests.len(),
            reservations: self.reservations.len(),
            charges: self.charges.len(),
            voided_charges: self.charges.iter().filter(|c| c.canceled.is_some()).count(),
            bills: self.bills.len(),
            payments: self.payments.len(),
            agenda_items: self.agenda.len(),
            ..Summary::default()
        };
        for r in &self.rooms {
            *s.rooms_by_state.entry(r.state.as_str()).or_default() += 1;
        }
        for r in &self.reservations {
            *s.reservations_by_state.entry(r.state.as_str()).or_default() += 1;
        }
        s
    }

    /// A fresh random id from the hotel's own seeded stream.
    pub fn new_id(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.random()).into_uuid()
    }

    /// The property's business date at `at`.
    pub fn business_date(&self, at: DateTime<Utc>) -> NaiveDate {
        self.property
            .time_zone
            .from_utc_datetime(&at.naive_utc())
            .date_naive()
    }

    /// A room by id.
    pub fn room(&self, id: Uuid) -> Option<&Room> {
        self.idx.rooms.get(&id).and_then(|&i| self.rooms.get(i))
    }

    /// A guest by id.
    pub fn guest(&self, id: Uuid) -> Option<&Guest> {
        self.idx.guests.get(&id).and_then(|&i| self.guests.get(i))
    }

    /// A reservation by id.
    pub fn reservation(&self, id: Uuid) -> Option<&Reservation> {
        self.idx
            .reservations
            .get(&id)
            .and_then(|&i| self.reservations.get(i))
    }

    /// A folio line by id.
    pub fn charge(&self, id: Uuid) -> Option<&Charge> {
        self.idx.charges.get(&id).and_then(|&i| self.charges.get(i))
    }

    /// A bill by id.
    pub fn bill(&self, id: Uuid) -> Option<&Bill> {
        self.idx.bills.get(&id).and_then(|&i| self.bills.get(i))
    }

    /// A product by id.
    pub fn product(&self, id: Uuid) -> Option<&Product> {
        self.idx.products.get(&id).and_then(|&i| self.products.get(i))
    }

    /// A service by id.
    pub fn service(&self, id: Uuid) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// A tax rate by code.
    pub fn tax_rate(&self, code: &str) -> Option<&TaxRate> {
        self.tax_rates.iter().find(|t| t.code == code)
    }

    /// Folio lines of a service order (a reservation or a product order).
    pub fn charges_of_order(&self, service_order_id: Uuid) -> impl Iterator<Item = &Charge> {
        self.idx
            .charges_by_order
            .get(&service_order_id)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.charges.get(i))
    }

    /// Every folio line tied to a stay: its own lines plus orders linked to it.
    pub fn charges_of_stay(&self, reservation_id: Uuid) -> impl Iterator<Item = &Charge> {
        self.charges.iter().filter(move |c| {
            c.service_order_id == reservation_id || c.linked_reservation_id == Some(reservation_id)
        })
    }

    /// Outstanding balance of a stay: live charges minus payments on it.
    ///
    /// A payment counts when it names the stay or sits on one of the bills
    /// the stay's charges are on (payments are usually posted to the bill).
    pub fn stay_balance(&self, reservation_id: Uuid) -> Decimal {
        let mut bills = Vec::new();
        let mut charged = Decimal::ZERO;
        for c in self.charges_of_stay(reservation_id) {
            charged += c.gross_total();
            if let Some(b) = c.bill_id
                && !bills.contains(&b)
            {
                bills.push(b);
            }
        }
        let paid: Decimal = self
            .payments
            .iter()
            .filter(|p| {
                p.reservation_id == Some(reservation_id) || p.bill_id.is_some_and(|b| bills.contains(&b))
            })
            .map(|p| p.amount)
            .sum();
        charged - paid
    }

    /// Records a payment taken outside the PMS on the account's bill.
    pub fn add_external_payment(
        &mut self,
        payment: NewPayment,
        at: DateTime<Utc>,
    ) -> Result<(Uuid, Vec<Change>), Rejection> {
        let NewPayment {
            account_id,
            bill_id,
            reservation_id,
            amount,
            external_identifier,
            external_type,
        } = payment;
        if self.guest(account_id).is_none() {
            return Err(Rejection::invalid("AccountId", "account not found"));
        }
        if amount <= Decimal::ZERO {
            return Err(Rejection::invalid("Amount", "must be positive"));
        }
        if let Some(res_id) = reservation_id
            && self.reservation(res_id).is_none()
        {
            return Err(Rejection::invalid("ReservationId", "reservation not found"));
        }
        let bill_id = match bill_id {
            Some(id) => match self.bill(id) {
                Some(b) if b.account_id == account_id && b.state == BillState::Open => id,
                Some(_) => {
                    return Err(Rejection::invalid(
                        "BillId",
                        "the bill is closed or not the account's",
                    ));
                }
                None => return Err(Rejection::invalid("BillId", "bill not found")),
            },
            None => self.open_bill_of(account_id, at),
        };
        let id = self.new_id();
        self.payments.push(Payment {
            id,
            account_id,
            bill_id: Some(bill_id),
            reservation_id,
            amount,
            kind: PaymentKind::External,
            external_identifier,
            external_type,
            created: at,
            updated: at,
        });
        Ok((id, vec![Change::Payment(id)]))
    }

    /// Balance of a bill: live charges minus payments on it.
    pub fn bill_balance(&self, bill_id: Uuid) -> Decimal {
        let charged: Decimal = self
            .charges
            .iter()
            .filter(|c| c.bill_id == Some(bill_id))
            .map(Charge::gross_total)
            .sum();
        let paid: Decimal = self
            .payments
            .iter()
            .filter(|p| p.bill_id == Some(bill_id))
            .map(|p| p.amount)
            .sum();
        charged - paid
    }

    /// Adds room blocks, all or nothing. An out-of-order block in force at
    /// `at` takes its room `OutOfOrder` (the state Mews derives from blocks);
    /// deleting the block restores the room's earlier state.
    pub fn add_room_blocks(
        &mut self,
        blocks: &[NewRoomBlock],
        at: DateTime<Utc>,
    ) -> Result<(Vec<RoomBlock>, Vec<Change>), Rejection> {
        for NewRoomBlock {
            room_id, start, end, ..
        } in blocks
        {
            if !self.idx.rooms.contains_key(room_id) {
                return Err(Rejection::invalid(
                    "ResourceId",
                    format!("resource {room_id} not found"),
                ));
            }
            if end <= start {
                return Err(Rejection::invalid("EndUtc", "must be after StartUtc"));
            }
        }
        let mut added = Vec::with_capacity(blocks.len());
        let mut changes = Vec::new();
        for NewRoomBlock {
            room_id,
            kind,
            name,
            notes,
            start,
            end,
        } in blocks
        {
            let id = self.new_id();
            let mut state_before = None;
            if *kind == RoomBlockKind::OutOfOrder
                && *start <= at
                && at < *end
                && let Some(room) = self.idx.rooms.get(room_id).and_then(|&i| self.rooms.get_mut(i))
            {
                state_before = Some(room.state);
                room.state = RoomState::OutOfOrder;
                room.updated = at;
            }
            let block = RoomBlock {
                id,
                room_id: *room_id,
                kind: *kind,
                name: name.clone(),
                notes: notes.clone(),
                start: *start,
                end: *end,
                created: at,
                updated: at,
                deleted: None,
                state_before,
            };
            changes.push(Change::RoomBlock(id));
            self.room_blocks.push(block.clone());
            added.push(block);
        }
        Ok((added, changes))
    }

    /// Deletes room blocks (they stay readable as deleted), all or nothing.
    pub fn delete_room_blocks(&mut self, ids: &[Uuid], at: DateTime<Utc>) -> Result<Vec<Change>, Rejection> {
        let mut positions = Vec::with_capacity(ids.len());
        for id in ids {
            let i = self
                .room_blocks
                .iter()
                .position(|b| b.id == *id && b.deleted.is_none())
                .ok_or_else(|| {
                    Rejection::invalid("ResourceBlockIds", format!("resource block {id} not found"))
                })?;
            positions.push(i);
        }
        let mut changes = Vec::new();
        for i in positions {
            let Some(block) = self.room_blocks.get_mut(i) else {
                continue;
            };
            block.deleted = Some(at);
            block.updated = at;
            let (room_id, before) = (block.room_id, block.state_before.take());
            changes.push(Change::RoomBlock(block.id));
            if let Some(before) = before
                && let Some(room) = self.idx.rooms.get(&room_id).and_then(|&i| self.rooms.get_mut(i))
            {
                room.state = before;
                room.updated = at;
            }
        }
        Ok(changes)
    }

    /// Sets housekeeping states, all or nothing.
    pub fn set_room_states(
        &mut self,
        updates: &[(Uuid, RoomState)],
        at: DateTime<Utc>,
    ) -> Result<Vec<Change>, Rejection> {
        let mut positions = Vec::with_capacity(updates.len());
        for (id, _) in updates {
            let i = *self
                .idx
                .rooms
                .get(id)
                .ok_or_else(|| Rejection::invalid("ResourceId", format!("resource {id} not found")))?;
            positions.push(i);
        }
        let mut changes = Vec::new();
        for (&i, (id, state)) in positions.iter().zip(updates) {
            if let Some(room) = self.rooms.get_mut(i) {
                room.state = *state;
                room.updated = at;
                changes.push(Change::Room(*id));
            }
        }
        Ok(changes)
    }

    /// Checks a guest in: confirmed, arriving today or earlier, with a room
    /// assigned that is inspected (Mews `reservations/start` rules).
    pub fn check_in(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<Vec<Change>, Rejection> {
        let i = *self
            .idx
            .reservations
            .get(&id)
            .ok_or_else(|| Rejection::invalid("ReservationId", format!("reservation {id} not found")))?;
        let today = self.business_date(at);
        let res = &self.reservations[i];
        if res.state != ReservationState::Confirmed {
            return Err(Rejection::Rule(format!(
                "Reservation cannot be started: it is in state {}, and only Confirmed reservations can be started.",
                res.state.as_str()
            )));
        }
        if self.business_date(res.scheduled_start) > today {
            return Err(Rejection::Rule(
                "Reservation cannot be started: its start is in the future.".to_owned(),
            ));
        }
        if self.business_date(res.scheduled_end) < today {
            return Err(Rejection::Rule(
                "Reservation cannot be started: its end has passed.".to_owned(),
            ));
        }
        let Some(room_id) = res.room_id else {
            return Err(Rejection::Rule(
                "Reservation cannot be started: no space is assigned.".to_owned(),
            ));
        };
        let room_state = self.room(room_id).map(|r| r.state);
        if room_state != Some(RoomState::Inspected) {
            return Err(Rejection::Rule(format!(
                "Reservation cannot be started: the assigned space is {}, not Inspected.",
                room_state.map_or("missing", RoomState::as_str)
            )));
        }
        let res = &mut self.reservations[i];
        res.state = ReservationState::Started;
        res.actual_start = Some(at);
        res.connector_check_in = true;
        res.updated = at;
        Ok(vec![Change::Reservation(id)])
    }

    /// Checks a guest out: in house, on or after the departure day, and with
    /// a settled balance unless an open balance is explicitly allowed.
    pub fn check_out(
        &mut self,
        id: Uuid,
        close_bills: bool,
        allow_open_balance: bool,
        at: DateTime<Utc>,
    ) -> Result<Vec<Change>, Rejection> {
        let i = *self
            .idx
            .reservations
            .get(&id)
            .ok_or_else(|| Rejection::invalid("ReservationId", format!("reservation {id} not found")))?;
        let today = self.business_date(at);
        let res = &self.reservations[i];
        if res.state != ReservationState::Started {
            return Err(Rejection::Rule(format!(
                "Reservation cannot be processed: it is in state {}, and only Started reservations can be processed.",
                res.state.as_str()
            )));
        }
        if self.business_date(res.scheduled_end) > today {
            return Err(Rejection::Rule(
                "Reservation cannot be processed before the last day of the stay.".to_owned(),
            ));
        }
        let balance = self.stay_balance(id);
        if !balance.is_zero() && !allow_open_balance {
            return Err(Rejection::Rule(format!(
                "Reservation cannot be processed: the balance {balance} {} is not settled.",
                self.property.currency
            )));
        }
        let room_id = res.room_id;
        if close_bills && balance.is_zero() {
            let bill_ids: Vec<Uuid> = self.charges_of_stay(id).filter_map(|c| c.bill_id).collect();
            for bill_id in bill_ids {
                self.close_bill(bill_id, at);
            }
        }
        let res = &mut self.reservations[i];
        res.state = ReservationState::Processed;
        res.actual_end = Some(at);
        res.updated = at;
        let mut changes = vec![Change::Reservation(id)];
        // Rooms go dirty on departure: the housekeeping default Mews describes.
        if let Some(room_id) = room_id {
            changes.extend(self.set_room_states(&[(room_id, RoomState::Dirty)], at)?);
        }
        Ok(changes)
    }

    fn close_bill(&mut self, bill_id: Uuid, at: DateTime<Utc>) {
        let Some(&b) = self.idx.bills.get(&bill_id) else {
            return;
        };
        if self.bills[b].state == BillState::Closed {
            return;
        }
        self.bills[b].state = BillState::Closed;
        self.bills[b].closed = Some(at);
        self.bills[b].updated = at;
        for c in self.charges.iter_mut().filter(|c| c.bill_id == Some(bill_id)) {
            if c.closed.is_none() {
                c.closed = Some(at);
                c.updated = at;
            }
        }
    }

    fn open_bill_of(&mut self, account_id: Uuid, at: DateTime<Utc>) -> Uuid {
        if let Some(bill) = self
            .bills
            .iter()
            .rev()
            .find(|b| b.account_id == account_id && b.state == BillState::Open)
        {
            return bill.id;
        }
        let id = self.new_id();
        let number = self.next_bill_number.to_string();
        self.next_bill_number += 1;
        self.idx.bills.insert(id, self.bills.len());
        self.bills.push(Bill {
            id,
            account_id,
            number,
            state: BillState::Open,
            created: at,
            updated: at,
            closed: None,
        });
        id
    }

    /// Posts an order; returns the new product service order id. Nothing is
    /// deduplicated: posting the same `external_identifier` twice makes two
    /// charges, as the vendors do.
    pub fn post_order(&mut self, order: NewOrder, at: DateTime<Utc>) -> Result<Uuid, Rejection> {
        if self.guest(order.account_id).is_none() {
            return Err(Rejection::invalid("AccountId", "account not found"));
        }
        match self.service(order.service_id) {
            Some(s) if s.kind == ServiceKind::Additional => {}
            Some(_) => {
                return Err(Rejection::invalid(
                    "ServiceId",
                    "the service does not accept orders",
                ));
            }
            None => return Err(Rejection::invalid("ServiceId", "service not found")),
        }
        if let Some(res_id) = order.linked_reservation_id
            && self.reservation(res_id).is_none()
        {
            return Err(Rejection::invalid("LinkedReservationId", "reservation not found"));
        }
        if order.lines.is_empty() {
            return Err(Rejection::invalid("Items", "the order has no items"));
        }
        let consumed = order.consumed.unwrap_or(at);
        let oldest = at - chrono::Duration::days(self.property.editable_history_days);
        if consumed < oldest {
            return Err(Rejection::Rule(
                "ConsumptionUtc is outside the editable history interval of the enterprise.".to_owned(),
            ));
        }
        let mut rates = Vec::with_capacity(order.lines.len());
        for line in &order.lines {
            let rate = self
                .tax_rate(&line.tax_code)
                .ok_or_else(|| Rejection::invalid("TaxCodes", format!("unknown tax code {}", line.tax_code)))?
                .rate;
            rates.push(rate);
        }
        let bill_id = match order.bill_id {
            Some(bill_id) => match self.bill(bill_id) {
                Some(b) if b.account_id == order.account_id && b.state == BillState::Open => bill_id,
                Some(_) => {
                    return Err(Rejection::invalid(
                        "BillId",
                        "the bill is closed or not the account's",
                    ));
                }
                None => return Err(Rejection::invalid("BillId", "bill not found")),
            },
            None => self.open_bill_of(order.account_id, at),
        };
        let order_id = self.new_id();
        for (line, tax_rate) in order.lines.into_iter().zip(rates) {
            let id = self.new_id();
            let pos = self.charges.len();
            self.idx.charges.insert(id, pos);
            self.idx.charges_by_order.entry(order_id).or_default().push(pos);
            self.charges.push(Charge {
                id,
                account_id: order.account_id,
                service_id: order.service_id,
                service_order_id: order_id,
                linked_reservation_id: order.linked_reservation_id,
                bill_id: Some(bill_id),
                product_id: line.product_id,
                name: line.name,
                kind: line.kind,
                unit_count: line.unit_count,
                unit_gross: line.unit_gross,
                tax_code: line.tax_code,
                tax_rate,
                external_identifier: line.external_identifier,
                notes: order.notes.clone(),
                consumed,
                created: at,
                updated: at,
                canceled: None,
                closed: None,
            });
        }
        Ok(order_id)
    }

    /// Voids folio lines, all or nothing; closed or already voided lines are refused.
    pub fn void_charges(&mut self, ids: &[Uuid], at: DateTime<Utc>) -> Result<(), Rejection> {
        let mut positions = Vec::with_capacity(ids.len());
        for id in ids {
            let &i =
                self.idx.charges.get(id).ok_or_else(|| {
                    Rejection::invalid("OrderItemIds", format!("order item {id} not found"))
                })?;
            let c = &self.charges[i];
            if c.canceled.is_some() {
                return Err(Rejection::Rule(format!("Order item {id} is already canceled.")));
            }
            if c.closed.is_some() {
                return Err(Rejection::Rule(format!("Order item {id} is on a closed bill.")));
            }
            positions.push(i);
        }
        for i in positions {
            self.charges[i].canceled = Some(at);
            self.charges[i].updated = at;
        }
        Ok(())
    }
}

/// Midnight of `date` in `tz`, as UTC: how date-only values cross the wire.
pub(crate) fn local_midnight(tz: chrono_tz::Tz, date: NaiveDate) -> DateTime<Utc> {
    local_at(tz, date, 0, 0)
}

/// `date` at `hour:minute` local time in `tz`, as UTC. DST gaps resolve to
/// the earliest valid instant, then to plain UTC.
pub(crate) fn local_at(tz: chrono_tz::Tz, date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let naive = date.and_hms_opt(hour, minute, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}
