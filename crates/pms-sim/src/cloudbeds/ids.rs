//! Cloudbeds-shaped ids for the shared hotel's `Uuid`s.
//!
//! Cloudbeds ids are strings of digits (`propertyID` `318267`,
//! `reservationID` `8176082119429`), room ids are `<roomTypeID>-<n>`
//! (`544559-0`), and a sold product id carries a `p_` prefix (`p_64862080`)
//! (vendor notes §3.3, §3.4, §6). Every id here is a pure function of the
//! hotel, so tests can compute what the API will say without asking it.

use std::collections::HashMap;

use uuid::Uuid;

use crate::model::{Guest, Reservation};
use crate::state::Hotel;

/// Salts so that one `Uuid` never renders to the same number in two roles.
const TRANSACTION: u64 = 0x7A11_5AC7;
const VOID: u64 = 0x0B0D_0001;
const SOLD_PRODUCT: u64 = 0x50_1D00;
const PAYMENT: u64 = 0x9A1D_0000;
const ADJUSTMENT: u64 = 0xAD_0057;
const ROOM_TYPE: u64 = 0x0007_7BE5;

/// A `digits`-long decimal number derived from `id` and `salt`.
fn digits(id: Uuid, salt: u64, digits: u32) -> String {
    let (hi, lo) = id.as_u64_pair();
    // splitmix64 finaliser over both halves: well spread, stable forever.
    let mut x = hi ^ lo.rotate_left(29) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    let low = 10u64.pow(digits.saturating_sub(1));
    let span = 9 * low;
    (low + x % span).to_string()
}

/// How the Cloudbeds front names the simulated hotel's records.
#[derive(Debug, Clone, Copy)]
pub struct CloudbedsIds;

impl CloudbedsIds {
    /// `propertyID`: six digits derived from the property.
    pub fn property_id(hotel: &Hotel) -> String {
        digits(hotel.property.id, 0, 6)
    }

    /// `reservationID`: the reservation's confirmation number, which is
    /// unique per hotel. Its single room's `subReservationID` is the same
    /// value, as in the observed fixture (vendor notes §6 "Sub-reservations").
    pub fn reservation_id(reservation: &Reservation) -> String {
        reservation.number.clone()
    }

    /// `guestID`: the guest's profile number.
    pub fn guest_id(guest: &Guest) -> String {
        guest.number.clone()
    }

    /// `roomTypeID` of a room category.
    pub fn room_type_id(category_id: Uuid) -> String {
        digits(category_id, ROOM_TYPE, 6)
    }

    /// `roomID` of a room: `<roomTypeID>-<n>`, `n` counting the category's
    /// rooms in hotel order from 0.
    pub fn room_id(hotel: &Hotel, room_id: Uuid) -> Option<String> {
        Self::room_ids(hotel).remove(&room_id)
    }

    /// Every room's `roomID`, in one pass.
    pub fn room_ids(hotel: &Hotel) -> HashMap<Uuid, String> {
        let mut per_category: HashMap<Uuid, usize> = HashMap::new();
        hotel
            .rooms
            .iter()
            .map(|room| {
                let n = per_category.entry(room.category_id).or_default();
                let id = format!("{}-{}", Self::room_type_id(room.category_id), n);
                *n += 1;
                (room.id, id)
            })
            .collect()
    }

    /// `transactionID` of a folio line or payment.
    pub fn transaction_id(id: Uuid) -> String {
        digits(id, TRANSACTION, 12)
    }

    /// `transactionID` of the `void` transaction that cancels `id`.
    pub fn void_transaction_id(id: Uuid) -> String {
        digits(id, VOID, 12)
    }

    /// `soldProductID` of a `postCustomItem` call: one per posted order
    /// (the shared hotel's service order), `p_`-prefixed as observed.
    pub fn sold_product_id(order_id: Uuid) -> String {
        format!("p_{}", digits(order_id, SOLD_PRODUCT, 8))
    }

    /// `paymentID` of a payment.
    pub fn payment_id(payment_id: Uuid) -> String {
        digits(payment_id, PAYMENT, 9)
    }

    /// `adjustmentID` of an adjustment (held as a folio line).
    pub fn adjustment_id(charge_id: Uuid) -> String {
        digits(charge_id, ADJUSTMENT, 9)
    }

    pub(crate) fn find_reservation<'h>(hotel: &'h Hotel, id: &str) -> Option<&'h Reservation> {
        hotel.reservations.iter().find(|r| r.number == id)
    }

    pub(crate) fn find_guest<'h>(hotel: &'h Hotel, id: &str) -> Option<&'h Guest> {
        hotel.guests.iter().find(|g| g.number == id)
    }

    pub(crate) fn find_room(hotel: &Hotel, id: &str) -> Option<Uuid> {
        Self::room_ids(hotel)
            .into_iter()
            .find_map(|(uuid, wire)| (wire == id).then_some(uuid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shapes_and_are_stable() {
        let id = Uuid::from_u64_pair(1, 2);
        assert_eq!(CloudbedsIds::transaction_id(id).len(), 12);
        assert_eq!(CloudbedsIds::transaction_id(id), CloudbedsIds::transaction_id(id));
        assert_ne!(
            CloudbedsIds::transaction_id(id),
            CloudbedsIds::void_transaction_id(id)
        );
        let sold = CloudbedsIds::sold_product_id(id);
        assert!(sold.starts_with("p_") && sold.len() == 10, "{sold}");
        assert_eq!(CloudbedsIds::room_type_id(id).len(), 6);
    }
}
