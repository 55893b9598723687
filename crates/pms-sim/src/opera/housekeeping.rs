//! `HouseKeeping.FetchHouseKeepingRoomStatus` and `GuestServices.UpdateRoomStatus`.
//!
//! - Fetch request (oracle_ows `house_keeping.rb`, opera.md §1.4):
//!   `HotelReference@hotelCode`, `Criteria/{FromRoom, ToRoom, RoomStatusList/Code,
//!   FOStatusList/Code}` with upper-case codes (`CLEAN`, `VACANT`). No public
//!   response body exists (opera.md §8): the answer is
//!   `HouseKeepingRooms/HouseKeepingRoom/{RoomNumber, RoomType, RoomStatus,
//!   FrontOfficeStatus}` in `og/4.3/HouseKeeping/` with the upper-case codes
//!   `CLEAN`, `DIRTY`, `INSPECTED`, `OOO`, `OOS` and `VACANT`/`OCCUPIED`
//!   (element names and `OOO`/`OOS` \[unverified\]).
//! - Update request (oracle_ows `guest_services.rb`):
//!   `UpdateRoomStatusRequest/{HotelReference, RoomNumber, RoomStatus}` with
//!   mixed-case `Clean`, `Dirty`, `Inspected`, `Pickup` (upper case and the
//!   two-letter codes `CL`/`DI`/`IP`/`PU` accepted too). `Pickup` is refused:
//!   the simulated property has not enabled that OPERA control ("Inspected
//!   and Pickup exist only when the property enables those controls",
//!   opera.md §2). Out of order / out of service are not settable here (OHIP
//!   has separate endpoints for them; opera.md §2).

use super::soap::Fail;
use super::xml::{Element, Xml, ns};
use super::{OpResult, OperaState, check_hotel, xml_fail};
use crate::model::{ReservationState, RoomState};
use crate::state;

const ANY: &[&str] = &[
    ns::HOUSEKEEPING_WSDL,
    ns::HOUSEKEEPING,
    ns::HOTEL_COMMON,
    ns::GUEST_SERVICES,
];

fn code(state: RoomState) -> &'static str {
    match state {
        RoomState::Clean => "CLEAN",
        RoomState::Dirty => "DIRTY",
        RoomState::Inspected => "INSPECTED",
        RoomState::OutOfOrder => "OOO",
        RoomState::OutOfService => "OOS",
    }
}

fn codes(criteria: Option<&Element>, list: &str) -> Option<Vec<String>> {
    let list = criteria?.child_any(ANY, list)?;
    let codes: Vec<String> = ANY
        .iter()
        .flat_map(|ns| list.children(ns, "Code"))
        .filter_map(Element::text)
        .map(str::to_ascii_uppercase)
        .collect();
    (!codes.is_empty()).then_some(codes)
}

/// Room numbers compare numerically when both are numbers, else as text.
fn room_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

pub(super) fn fetch_room_status(state: &OperaState, request: &Element) -> OpResult {
    check_hotel(request.child_any(ANY, "HotelReference"))?;
    let criteria = request.child_any(ANY, "Criteria");
    let text = |local: &str| {
        criteria
            .and_then(|c| c.child_any(ANY, local))
            .and_then(Element::text)
    };
    let (from, to) = (text("FromRoom"), text("ToRoom"));
    let statuses = codes(criteria, "RoomStatusList");
    let fo_statuses = codes(criteria, "FOStatusList");
    let hotel = state.core().read();
    let occupied: std::collections::HashSet<uuid::Uuid> = hotel
        .reservations
        .iter()
        .filter(|r| r.state == ReservationState::Started)
        .filter_map(|r| r.room_id)
        .collect();
    let mut w = Xml::fragment();
    let write = |w: &mut Xml| -> std::io::Result<()> {
        w.start("hk:HouseKeepingRooms", &[("xmlns:hk", ns::HOUSEKEEPING)])?;
        for room in &hotel.rooms {
            let fo = if occupied.contains(&room.id) {
                "OCCUPIED"
            } else {
                "VACANT"
            };
            let keep = from.is_none_or(|f| room_cmp(&room.number, f).is_ge())
                && to.is_none_or(|t| room_cmp(&room.number, t).is_le())
                && statuses
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|s| s == code(room.state)))
                && fo_statuses.as_ref().is_none_or(|s| s.iter().any(|s| s == fo));
            if !keep {
                continue;
            }
            let room_type = hotel
                .categories
                .iter()
                .find(|c| c.id == room.category_id)
                .map(|c| c.name.as_str())
                .unwrap_or_default();
            w.start("hk:HouseKeepingRoom", &[])?;
            w.text("hk:RoomNumber", &[], &room.number)?;
            w.text("hk:RoomType", &[], &super::reservation::room_type_code(room_type))?;
            w.text("hk:RoomStatus", &[], code(room.state))?;
            w.text("hk:FrontOfficeStatus", &[], fo)?;
            w.end("hk:HouseKeepingRoom")?;
        }
        w.end("hk:HouseKeepingRooms")
    };
    write(&mut w).map_err(xml_fail)?;
    Ok(w.finish())
}

pub(super) fn update_room_status(state: &OperaState, request: &Element) -> OpResult {
    check_hotel(request.child_any(ANY, "HotelReference"))?;
    let number = request
        .child_any(ANY, "RoomNumber")
        .and_then(Element::text)
        .ok_or_else(|| Fail::invalid("RoomNumber is required"))?;
    let raw = request
        .child_any(ANY, "RoomStatus")
        .and_then(Element::text)
        .ok_or_else(|| Fail::invalid("RoomStatus is required"))?;
    let target = match raw.to_ascii_uppercase().as_str() {
        "CLEAN" | "CL" => RoomState::Clean,
        "DIRTY" | "DI" => RoomState::Dirty,
        "INSPECTED" | "IP" => RoomState::Inspected,
        "PICKUP" | "PU" => {
            return Err(Fail::new(
                "ROOM_STATUS_NOT_ALLOWED",
                "Pickup status is not active for this property.",
            ));
        }
        "OUTOFORDER" | "OUTOFSERVICE" | "OOO" | "OOS" => {
            return Err(Fail::new(
                "ROOM_STATUS_NOT_ALLOWED",
                "Out of order / out of service cannot be set through UpdateRoomStatus.",
            ));
        }
        _ => return Err(Fail::invalid(format!("unknown RoomStatus {raw}"))),
    };
    let mut hotel = state.core().write();
    let Some(room_id) = hotel.rooms.iter().find(|r| r.number == number).map(|r| r.id) else {
        return Err(Fail::new("ROOM_NOT_FOUND", format!("Room {number} not found.")));
    };
    hotel
        .set_room_states(&[(room_id, target)], state::now())
        .map_err(|e| Fail::new("ROOM_STATUS_NOT_ALLOWED", e.to_string()))?;
    Ok(Vec::new())
}
