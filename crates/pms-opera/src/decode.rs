//! [`OperaDecoder`]: recorded OWS SOAP responses → normalized records, for
//! `pms decode --pms opera` and fixture tests.
//!
//! | kind | accepted body |
//! |---|---|
//! | `reservations` | `FetchBookingResponse` or `FutureBookingSummaryResponse` envelope |
//! | `guests` | `FetchProfileResponse` (profile id from `ProfileDetails/ProfileIDs/UniqueID`) |
//! | `rooms`, `room-statuses` | `FetchHouseKeepingRoomStatusResponse` |
//! | `folio` | `InvoiceResponse` (reservation id from a `UniqueID source="RESV_NAME_ID"`/`"RESVID"` in it) |
//! | `webhook` | unsupported: OWS has no webhooks |
//!
//! The same limits, DOCTYPE rejection, FAIL and Fault handling as live calls apply.
//!
//! [`PayloadDecoder::decode_each`] streams `FutureBookingSummaryResponse`
//! reservations: each is handed out as soon as it is mapped, so memory is the
//! body's tree plus one record. The other kinds hold one record
//! (`FetchBooking`, `FetchProfile`, `Invoice`) or are collected first.

use pms_core::{
    DecodeContext, Decoded, Error, PayloadDecoder, PayloadKind, PmsKind, Record, RecordSink, Room,
};

use crate::error::OperaError;
use crate::map::MapContext;
use crate::ops;
use crate::result::{self, RawAnswer};
use crate::xml::{Document, Element, Limits, ns};

/// Decodes recorded OPERA OWS payloads.
#[derive(Debug, Clone, Default)]
pub struct OperaDecoder {
    /// Limits applied to every body.
    pub limits: Limits,
}

impl OperaDecoder {
    /// A decoder with default limits.
    pub fn new() -> Self {
        OperaDecoder::default()
    }
}

fn transaction_id(doc: &Document<'_>) -> String {
    doc.root()
        .child_any(&[ns::SOAP, ns::SOAP12], "Header")
        .and_then(|h| h.child(ns::CORE, "OGHeader"))
        .and_then(|h| h.attr_value("transactionID"))
        .unwrap_or("recorded")
        .to_owned()
}

fn body_element<'d>(doc: &'d Document<'_>) -> Result<Element<'d>, OperaError> {
    result::soap_body(doc)?
        .elements()
        .next()
        .ok_or_else(|| OperaError::decode("Envelope/Body", "empty Body"))
}

fn find_id<'d>(element: Element<'d>, sources: &[&str]) -> Option<&'d str> {
    element
        .descendants_any(&[ns::COMMON], "UniqueID")
        .find(|u| u.attr_value("source").is_some_and(|s| sources.contains(&s)) || sources.is_empty())
        .and_then(Element::text_value)
}

/// The recorded body as a document, its transactionID, and the checks every
/// kind shares (a FAIL is reported as itself whatever the kind asked for).
fn open_recorded(body: &[u8], limits: Limits) -> Result<(Document<'_>, String), OperaError> {
    let answer = RawAnswer {
        status: 200,
        retry_after: None,
        body,
    };
    let doc = result::check_answer("decode", "recorded", answer, limits)?;
    let tx = transaction_id(&doc);
    let first = body_element(&doc)?;
    if let Some(ns) = first.namespace()
        && first.child(ns, "Result").is_some()
    {
        result::check_result("decode", &tx, first, &[ns])?;
    }
    Ok((doc, tx))
}

fn decode(kind: PayloadKind, body: &[u8], ctx: &MapContext, limits: Limits) -> Result<Decoded, OperaError> {
    if kind == PayloadKind::Webhook {
        return Err(OperaError::Unsupported("webhooks (OWS has none)"));
    }
    let (doc, tx) = open_recorded(body, limits)?;
    let first = body_element(&doc)?;
    let name = first.local_name();
    match kind {
        PayloadKind::Reservations if name == "FetchBookingResponse" => {
            Ok(Decoded::Reservations(vec![ops::fetch_booking::parse(
                &doc, ctx, &tx,
            )?]))
        }
        PayloadKind::Reservations if name == "FutureBookingSummaryResponse" => Ok(Decoded::Reservations(
            ops::future_booking_summary::parse(&doc, ctx, &tx)?,
        )),
        PayloadKind::Guests => {
            let id = find_id(first, &[])
                .ok_or_else(|| OperaError::decode("ProfileDetails/ProfileIDs/UniqueID", "no profile id"))?
                .to_owned();
            Ok(Decoded::Guests(vec![ops::fetch_profile::parse(
                &doc, &id, ctx, &tx,
            )?]))
        }
        PayloadKind::RoomStatuses => Ok(Decoded::RoomStatuses(
            ops::fetch_housekeeping_room_status::parse(&doc, &tx)?
                .into_iter()
                .map(|r| r.report)
                .collect(),
        )),
        PayloadKind::Rooms => Ok(Decoded::Rooms(
            ops::fetch_housekeeping_room_status::parse(&doc, &tx)?
                .into_iter()
                .map(|r| Room {
                    external: r.report.room,
                    number: r.report.number,
                    room_type: r.room_type,
                    floor: None,
                    status: Some(r.report.status),
                })
                .collect(),
        )),
        PayloadKind::Folio => {
            let id = find_id(first, &["RESV_NAME_ID", "RESVID"])
                .ok_or_else(|| OperaError::decode("InvoiceResponse//UniqueID", "no RESV_NAME_ID"))?
                .to_owned();
            Ok(Decoded::Folio(vec![ops::invoice::parse(&doc, &id, ctx, &tx)?]))
        }
        _ => Err(OperaError::decode(
            format!("Envelope/Body/{name}"),
            "not a response of the kind asked for",
        )),
    }
}

fn map_context(context: &DecodeContext) -> MapContext {
    MapContext {
        hotel: context.hotel.clone(),
        time_zone: context.time_zone,
        currency: context.currency,
        keep_raw: false,
    }
}

impl PayloadDecoder for OperaDecoder {
    fn pms(&self) -> PmsKind {
        PmsKind::Opera
    }

    fn decode(&self, kind: PayloadKind, body: &[u8], context: &DecodeContext) -> Result<Decoded, Error> {
        Ok(decode(kind, body, &map_context(context), self.limits)?)
    }

    fn decode_each(
        &self,
        kind: PayloadKind,
        body: &[u8],
        context: &DecodeContext,
        sink: &mut RecordSink<'_>,
    ) -> Result<(), Error> {
        if kind == PayloadKind::Reservations {
            let (doc, tx) = open_recorded(body, self.limits)?;
            if body_element(&doc)?.local_name() == "FutureBookingSummaryResponse" {
                let ctx = map_context(context);
                return ops::future_booking_summary::each(&doc, &ctx, &tx, |r| sink(Record::Reservation(&r)));
            }
        }
        self.decode(kind, body, context)?.for_each_record(sink)
    }
}
