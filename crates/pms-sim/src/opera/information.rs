//! `Information.QueryHotelInformation`: the hotel as OWS describes it.
//!
//! Request `HotelInformationRequest/HotelInformationQuery@hotelCode` (a
//! `hc:HotelReference`; oracle_ows `information.rb`, keypr/cloudkey
//! `OWSInformationProcessor.java`). Answer, in `ows/5.1/Information.wsdl`
//! (the JAXB bindings of its schema): `HotelInformationResponse/{Result,
//! HotelInformation/{HotelInformation (HotelReference: @hotelCode,
//! @chainCode, the name as text), HotelContactInformation (Addresses,
//! ContactEmails, ContactPhones), HotelExtendedInformation}}`. The OWS schema
//! has no element for the property's currency or time zone, so none is sent.

use super::xml::{Element, Xml, ns};
use super::{HOTEL_CODE, OpResult, OperaState, check_hotel, xml_fail};

/// The element names of this operation: `HotelInformation{Request,Response}`,
/// not `QueryHotelInformation…` like every other OWS operation here.
pub(super) const ELEMENT_BASE: &str = "HotelInformation";

pub(super) fn query_hotel_information(state: &OperaState, request: &Element) -> OpResult {
    check_hotel(request.child_any(&[ns::INFORMATION_WSDL, ns::HOTEL_COMMON], "HotelInformationQuery"))?;
    let hotel = state.core().read();
    let mut w = Xml::fragment();
    let write = |w: &mut Xml| -> std::io::Result<()> {
        w.start("s0:HotelInformation", &[])?;
        w.text(
            "s0:HotelInformation",
            &[("hotelCode", HOTEL_CODE), ("chainCode", "SIM")],
            &hotel.property.name,
        )?;
        w.start("s0:HotelContactInformation", &[])?;
        w.start("s2:Addresses", &[("xmlns:s2", ns::COMMON)])?;
        w.start("s2:Address", &[])?;
        w.text("s2:CityName", &[], "Berlin")?;
        w.text("s2:CountryCode", &[], "DE")?;
        w.end("s2:Address")?;
        w.end("s2:Addresses")?;
        w.end("s0:HotelContactInformation")?;
        w.end("s0:HotelInformation")
    };
    write(&mut w).map_err(xml_fail)?;
    Ok(w.finish())
}
