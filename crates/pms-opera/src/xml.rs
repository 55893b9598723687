//! A small, bounded, namespace-aware XML reader with its own tokenizer (`lex`).
//!
//! OPERA re-declares prefixes on almost every element (`xmlns:s2=` on each
//! `UniqueID`), uses different prefixes in every capture (`s0`/`res`/`r`) and
//! polymorphic `xsi:type` siblings, so everything here matches elements by
//! **namespace URI + local name**, never by prefix.
//!
//! The document is read into a flat tree that borrows from the source
//! ([`Document`], [`Element`]), with hard limits (bytes, depth, element
//! count). Any `<!DOCTYPE` is rejected outright, so no internal or
//! external entity can be declared, and the only entity references accepted
//! are XML's five predefined ones and character references: a billion-laughs
//! body fails at its DOCTYPE and never expands anything.

mod lex;
mod names;
mod parse;
mod tree;
mod unescape;

pub use parse::parse;
pub use tree::{Children, Document, Element};

/// Namespace URIs used by OWS 5.1 (see `/work/shared/vendors/opera.md` §1.2).
pub mod ns {
    /// SOAP 1.1 envelope.
    pub const SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";
    /// SOAP 1.2 envelope (accepted on input only; one cited Java client used it).
    pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
    /// `OGHeader`, `Origin`, `Destination`, `Authentication`.
    pub const CORE: &str = "http://webservices.micros.com/og/4.3/Core/";
    /// `UniqueID`, `Text`/`TextElement`, `IDs`, `OperaErrorCode`.
    pub const COMMON: &str = "http://webservices.micros.com/og/4.3/Common/";
    /// `GDSError`, `HotelReference`, `RoomStay`, `TimeSpan`, ...
    pub const HOTEL_COMMON: &str = "http://webservices.micros.com/og/4.3/HotelCommon/";
    /// Reservation types: `UniqueIDList`, `RoomStays`, `ResGuests`, ...
    pub const RESERVATION: &str = "http://webservices.micros.com/og/4.3/Reservation/";
    /// Name (profile) types: `Profile`, `Customer`, `PersonName`, ...
    pub const NAME: &str = "http://webservices.micros.com/og/4.3/Name/";
    /// ResvAdvanced request/response elements (`PostChargeRequest`, `CheckInRequest`, ...).
    pub const RESV_ADVANCED: &str = "http://webservices.micros.com/og/4.3/ResvAdvanced/";
    /// Reservation service request/response elements (`FetchBookingRequest`, ...).
    pub const RESERVATION_WSDL: &str = "http://webservices.micros.com/ows/5.1/Reservation.wsdl";
    /// Name service request/response elements (`FetchProfileRequest`, ...).
    pub const NAME_WSDL: &str = "http://webservices.micros.com/ows/5.1/Name.wsdl";
    /// HouseKeeping service request/response elements.
    pub const HOUSEKEEPING_WSDL: &str = "http://webservices.micros.com/ows/5.1/HouseKeeping.wsdl";
    /// HouseKeeping types.
    pub const HOUSEKEEPING: &str = "http://webservices.micros.com/og/4.3/HouseKeeping/";
    /// GuestServices elements (`UpdateRoomStatusRequest`).
    pub const GUEST_SERVICES: &str = "http://webservices.micros.com/og/4.3/GuestServices/";
    /// ResvAdvanced WSDL namespace (only in the SOAPAction; accepted on responses too).
    pub const RESV_ADVANCED_WSDL: &str = "http://webservices.micros.com/ows/5.1/ResvAdvanced.wsdl";
    /// GuestServices WSDL namespace (accepted on responses).
    pub const GUEST_SERVICES_WSDL: &str = "http://webservices.micros.com/ows/5.1/GuestServices.wsdl";
    /// Information service request/response elements (`HotelInformationRequest`, ...).
    pub const INFORMATION_WSDL: &str = "http://webservices.micros.com/ows/5.1/Information.wsdl";
    /// XML Schema instance (`xsi:type`).
    pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
    /// WS-Security extension.
    pub const WSSE: &str =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    /// WS-Security utility.
    pub const WSU: &str =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
    /// UsernameToken password type (plain text), from the OASIS UsernameToken profile.
    pub const WSSE_PASSWORD_TEXT: &str =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";

    /// Every OWS namespace that holds reservation content (wrappers and types).
    pub const RESERVATION_ANY: &[&str] = &[RESERVATION_WSDL, RESERVATION, HOTEL_COMMON];
    /// Namespaces a profile's parts appear in.
    pub const NAME_ANY: &[&str] = &[NAME, NAME_WSDL, RESERVATION, HOTEL_COMMON, RESV_ADVANCED];
    /// Namespaces the parts of a name, address or phone appear in: OPERA
    /// writes them in Common (`fixtures/opera/fetch_booking.response.xml`);
    /// the Name-family namespaces are accepted too.
    pub const NAME_PARTS: &[&str] = &[COMMON, NAME, NAME_WSDL, RESERVATION, HOTEL_COMMON, RESV_ADVANCED];
}

/// Hard limits on what the reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body accepted, in bytes (the biggest capture in the notes is ~480 KB).
    pub max_bytes: usize,
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Most elements accepted in one document.
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_depth: 128,
            max_elements: 500_000,
        }
    }
}

/// Why a body is not acceptable XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The body is larger than [`Limits::max_bytes`].
    #[error("body of {size} bytes exceeds the {limit}-byte cap")]
    TooLarge {
        /// Body size.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// Nesting deeper than [`Limits::max_depth`].
    #[error("elements nested deeper than {0}")]
    TooDeep(usize),
    /// More elements than [`Limits::max_elements`].
    #[error("more than {0} elements")]
    TooManyElements(usize),
    /// A `<!DOCTYPE`: rejected outright (entity expansion, external entities).
    #[error("DOCTYPE declarations are not accepted")]
    Doctype,
    /// An entity reference other than the five predefined ones. Its name is
    /// not kept: what follows a `&` in a vendor text can be the text itself.
    #[error("undeclared entity reference")]
    UnknownEntity,
    /// A prefix used without a declaration.
    #[error("namespace prefix `{0}` is not declared")]
    UnboundPrefix(String),
    /// Not well-formed.
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// No root element.
    #[error("no root element")]
    Empty,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_by_namespace_not_prefix() {
        let a = br#"<x:A xmlns:x="urn:a"><y:B xmlns:y="urn:b">1</y:B><B xmlns="urn:b">2</B><z:B xmlns:z="urn:c">3</z:B></x:A>"#;
        let doc = parse(a, Limits::default()).unwrap();
        assert!(doc.root().is("urn:a", "A"));
        let texts: Vec<_> = doc
            .root()
            .children_any(&["urn:b"], "B")
            .map(Element::text)
            .collect();
        assert_eq!(texts, ["1", "2"]);
    }

    #[test]
    fn resolves_xsi_type_and_entities() {
        let a = br#"<A xmlns:s1="urn:h" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><B xsi:type="s1:T" v="a&amp;b">x &lt; y &#65;</B></A>"#;
        let doc = parse(a, Limits::default()).unwrap();
        let b = doc.root().elements().next().unwrap();
        assert_eq!(b.xsi_type(), Some((Some("urn:h"), "T")));
        assert_eq!(b.attr("v"), Some("a&b"));
        assert_eq!(b.text(), "x < y A");
        assert_eq!(doc.outer_xml(b).len(), b.span().1 - b.span().0);
        let unbound = br#"<A xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="q:T"/>"#;
        assert_eq!(parse(unbound, Limits::default()).unwrap().root().xsi_type(), None);
    }

    #[test]
    fn rejects_doctype_unknown_entities_and_limits() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>"#;
        assert_eq!(parse(laughs, Limits::default()).unwrap_err(), XmlError::Doctype);
        assert!(matches!(
            parse(b"<a>&lol;</a>", Limits::default()),
            Err(XmlError::UnknownEntity)
        ));
        let deep = "<a>".repeat(10) + &"</a>".repeat(10);
        let limits = Limits {
            max_depth: 5,
            ..Limits::default()
        };
        assert_eq!(parse(deep.as_bytes(), limits).unwrap_err(), XmlError::TooDeep(5));
        let small = Limits {
            max_bytes: 3,
            ..Limits::default()
        };
        assert!(matches!(parse(b"<a/>", small), Err(XmlError::TooLarge { .. })));
        assert!(matches!(
            parse(b"<a><b></a>", Limits::default()),
            Err(XmlError::Malformed(_))
        ));
        assert!(matches!(
            parse(b"<p:a/>", Limits::default()),
            Err(XmlError::UnboundPrefix(_))
        ));
        assert_eq!(parse(b"  ", Limits::default()).unwrap_err(), XmlError::Empty);
    }
}
