//! `Information.QueryHotelInformation`: the hotel as OWS knows it.
//!
//! Sources: the Information Web Service Specifications (OWS 5.1,
//! <https://docs.oracle.com/cd/E90572_01/docs/Information%20Web%20Service%20Specifications.htm>,
//! front matter only in the corpus); ramonrails/oracle_ows
//! `lib/oracle_ows/information.rb` (operation `query_hotel_information`,
//! message `HotelInformationQuery@hotelCode`, answer
//! `hotel_information_response/result`); the JAXB bindings of the
//! `ows/5.1/Information.wsdl` schema (`HotelInformationRequest` /
//! `HotelInformationResponse{Result, HotelInformation{HotelInformation:
//! hc:HotelReference, HotelContactInformation: hc:HotelContact,
//! HotelExtendedInformation: hc:ExtendedHotelInfo}}`) and keypr/cloudkey's
//! `OWSInformationProcessor.java` (request `HotelInformationQuery` a
//! `HotelReference` with `hotelCode`/`chainCode`; the name is the
//! `HotelReference` text).
//!
//! The request and response elements are `HotelInformationRequest` /
//! `HotelInformationResponse`, not `{operation}Request`: the WSDL operation
//! is `QueryHotelInformation` (SOAPAction
//! `http://webservices.micros.com/ows/5.1/Information.wsdl#QueryHotelInformation`,
//! the \[unverified\] pattern of every OWS call).
//!
//! What it cannot tell: `HotelReference` is a code and a name,
//! `HotelContact` addresses, e-mails and phones, `ExtendedHotelInfo`
//! descriptive `HotelInfo` texts, payment methods, amenities, position,
//! facilities and alternate properties. No element carries the property's
//! currency or time zone, so over OWS only the hotel code (echoed) and name
//! can be checked.

use std::io;

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::ops::{Operation, Service};
use crate::result;
use crate::xml::{Document, ns};

/// The operation (its elements are named by [`REQUEST`] and [`RESPONSE`]).
pub const OP: Operation = Operation {
    service: Service::Information,
    name: "QueryHotelInformation",
    request_ns: ns::INFORMATION_WSDL,
    response_ns: NSS,
    write: false,
};

/// The request element.
pub const REQUEST: &str = "HotelInformationRequest";
/// The response element.
pub const RESPONSE: &str = "HotelInformationResponse";

const NSS: &[&str] = &[ns::INFORMATION_WSDL, ns::HOTEL_COMMON];

/// What the answer says about the hotel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotelInformation {
    /// `HotelReference@hotelCode`, when echoed.
    pub hotel_code: Option<String>,
    /// `HotelReference@chainCode`, when given.
    pub chain_code: Option<String>,
    /// The `HotelReference` text: the hotel's name.
    pub name: Option<String>,
}

/// Writes the request body.
pub fn write(w: &mut XmlWriter, hotel_code: &str) -> io::Result<()> {
    w.start(REQUEST, &[("xmlns", OP.request_ns)])?;
    w.empty("HotelInformationQuery", &[("hotelCode", hotel_code)])?;
    w.end(REQUEST)
}

/// Reads the response. An echoed hotel code other than ours is a decode
/// error: the answer is about another hotel.
pub fn parse(
    doc: &Document<'_>,
    hotel_code: &str,
    transaction_id: &str,
) -> Result<HotelInformation, OperaError> {
    let response = result::response_element(doc, NSS, RESPONSE)?;
    result::check_result(OP.name, transaction_id, response, NSS)?;
    let reference = response
        .path_any(NSS, &["HotelInformation", "HotelInformation"])
        .ok_or_else(|| {
            OperaError::decode(
                "HotelInformationResponse/HotelInformation/HotelInformation",
                "missing",
            )
        })?;
    let echoed = reference
        .attr_value("hotelCode")
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if echoed.is_some_and(|code| !code.eq_ignore_ascii_case(hotel_code.trim())) {
        return Err(OperaError::decode(
            "HotelInformationResponse/HotelInformation/HotelInformation/@hotelCode",
            "not the configured hotel code",
        ));
    }
    Ok(HotelInformation {
        hotel_code: echoed.map(str::to_owned),
        chain_code: reference
            .attr_value("chainCode")
            .map(str::trim)
            .map(str::to_owned),
        name: reference
            .text_value()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
    })
}
