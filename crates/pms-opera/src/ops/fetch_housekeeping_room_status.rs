//! `HouseKeeping.FetchHouseKeepingRoomStatus`.
//!
//! Request (oracle_ows `house_keeping.rb`, opera.md §1.4):
//! `FetchHouseKeepingRoomStatusRequest` in `ows/5.1/HouseKeeping.wsdl` with
//! `HotelReference@hotelCode` and `Criteria/{FromRoom, ToRoom, RoomStatusList,
//! HKStatusList, FOStatusList, ReservationStatusList}`; we send `FromRoom`/`ToRoom`
//! only when a range is asked for, and no status filter (all rooms).
//!
//! Response: no OWS response body is public (opera.md §8). It is read
//! leniently as `FetchHouseKeepingRoomStatusResponse/{Result,
//! HouseKeepingRooms/HouseKeepingRoom*}` where each room gives (as an attribute
//! or a child) `RoomNumber`, `RoomStatus` (`CLEAN`, `DIRTY`, `INSPECTED`,
//! `PICKUP`, `OOO`, `OOS`, two-letter codes or the OHIP words), `FrontOfficeStatus`
//! (`VACANT`/`OCCUPIED`) and `RoomType`. Element names are \[unverified\].

use std::io;

use pms_core::{ExternalRef, PmsKind, RoomNumber, RoomStatus, RoomStatusReport, VendorId};

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::map;
use crate::ops::{Operation, Service, open};
use crate::xml::{Document, Element, ns};

/// The operation.
pub const OP: Operation = Operation {
    service: Service::HouseKeeping,
    name: "FetchHouseKeepingRoomStatus",
    request_ns: ns::HOUSEKEEPING_WSDL,
    response_ns: &[ns::HOUSEKEEPING_WSDL, ns::HOUSEKEEPING],
    write: false,
};

const NSS: &[&str] = &[ns::HOUSEKEEPING_WSDL, ns::HOUSEKEEPING, ns::HOTEL_COMMON];

/// A room as this read reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HousekeepingRoom {
    /// The state.
    pub report: RoomStatusReport,
    /// Room type code, when given.
    pub room_type: Option<String>,
}

/// Writes the request body.
pub fn write(w: &mut XmlWriter, hotel_code: &str, range: Option<(&str, &str)>) -> io::Result<()> {
    w.start("FetchHouseKeepingRoomStatusRequest", &[("xmlns", OP.request_ns)])?;
    w.empty("HotelReference", &[("hotelCode", hotel_code)])?;
    match range {
        Some((from, to)) => {
            w.start("Criteria", &[])?;
            w.text_element("FromRoom", &[], from)?;
            w.text_element("ToRoom", &[], to)?;
            w.end("Criteria")?;
        }
        None => w.empty("Criteria", &[])?,
    }
    w.end("FetchHouseKeepingRoomStatusRequest")
}

fn field<'a>(e: Element<'a>, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| {
        e.attr_value(n)
            .or_else(|| e.child_any(NSS, n).and_then(Element::text_value))
    })
}

/// Reads the response.
pub fn parse(doc: &Document<'_>, transaction_id: &str) -> Result<Vec<HousekeepingRoom>, OperaError> {
    let response = open(doc, &OP, transaction_id)?;
    response
        .descendants_any(NSS, "HouseKeepingRoom")
        .map(|room| {
            let number = field(room, &["RoomNumber", "roomNumber"])
                .ok_or_else(|| OperaError::decode("HouseKeepingRoom/RoomNumber", "missing"))?;
            let number = RoomNumber::new(number)
                .map_err(|_| OperaError::decode("HouseKeepingRoom/RoomNumber", "empty"))?;
            let status = field(room, &["RoomStatus", "roomStatus"])
                .ok_or_else(|| OperaError::decode("HouseKeepingRoom/RoomStatus", "missing"))?;
            let occupancy = field(
                room,
                &[
                    "FrontOfficeStatus",
                    "frontOfficeStatus",
                    "FOStatus",
                    "HouseKeepingStatus",
                    "HKStatus",
                ],
            )
            .and_then(map::occupancy);
            let external = ExternalRef::new(
                PmsKind::Opera,
                VendorId::new(number.as_str())
                    .map_err(|_| OperaError::decode("HouseKeepingRoom/RoomNumber", "empty"))?,
            );
            Ok(HousekeepingRoom {
                report: RoomStatusReport {
                    room: external,
                    number,
                    status: RoomStatus {
                        housekeeping: map::housekeeping_status(status),
                        occupancy,
                        updated_at: None,
                    },
                },
                room_type: field(room, &["RoomType", "roomType", "roomTypeCode"]).map(str::to_owned),
            })
        })
        .collect()
}
