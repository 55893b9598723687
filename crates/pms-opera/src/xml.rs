//! A small, bounded, namespace-aware XML reader on quick-xml's [`NsReader`].
//!
//! OPERA re-declares prefixes on almost every element (`xmlns:s2=` on each
//! `UniqueID`), uses different prefixes in every capture (`s0`/`res`/`r`) and
//! polymorphic `xsi:type` siblings, so everything here matches elements by
//! **namespace URI + local name**, never by prefix.
//!
//! The document is read into a small tree with hard limits (bytes, depth,
//! element count). Any `<!DOCTYPE` is rejected outright, so no internal or
//! external entity can be declared, and the only entity references accepted
//! are XML's five predefined ones and character references: a billion-laughs
//! body fails at its DOCTYPE and never expands anything.

use std::borrow::Cow;
use std::fmt;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::{QName, ResolveResult};

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
    /// An entity reference other than the five predefined ones.
    #[error("undeclared entity reference `&{0};`")]
    UnknownEntity(String),
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

/// An attribute, by namespace URI and local name.
#[derive(Clone, PartialEq, Eq)]
struct Attr {
    ns: Option<Ns>,
    name: String,
    value: String,
}

/// One element of a parsed document. `Debug` prints structure only (names,
/// child count), never text or attribute values, which may hold PII.
#[derive(Clone, PartialEq, Eq)]
pub struct Element {
    ns: Option<Ns>,
    name: String,
    attrs: Vec<Attr>,
    children: Vec<Element>,
    text: String,
    xsi_type: Option<(Option<Ns>, String)>,
    span: (usize, usize),
}

impl fmt::Debug for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Element")
            .field("ns", &self.ns)
            .field("name", &self.name)
            .field("children", &self.children.len())
            .finish_non_exhaustive()
    }
}

impl Element {
    /// The namespace URI, if any.
    pub fn namespace(&self) -> Option<&str> {
        self.ns.as_deref()
    }

    /// The local name.
    pub fn local_name(&self) -> &str {
        &self.name
    }

    /// Whether this is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.name == local && self.ns.as_deref() == Some(ns)
    }

    /// Whether this is `local` in one of `nss`.
    pub fn is_any(&self, nss: &[&str], local: &str) -> bool {
        self.name == local && self.ns.as_deref().is_some_and(|n| nss.contains(&n))
    }

    /// An unqualified attribute (OWS attributes carry no namespace), verbatim.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.name == local)
            .map(|a| a.value.as_str())
    }

    /// An unqualified attribute, trimmed, with `""` treated as absent (OWS
    /// sends hundreds of empty attributes).
    pub fn attr_value(&self, local: &str) -> Option<&str> {
        self.attr(local).map(str::trim).filter(|v| !v.is_empty())
    }

    /// A namespaced attribute.
    pub fn attr_ns(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.as_deref() == Some(ns) && a.name == local)
            .map(|a| a.value.as_str())
    }

    /// Every attribute value (for reference scans), unqualified or not.
    pub fn attr_values(&self) -> impl Iterator<Item = &str> {
        self.attrs.iter().map(|a| a.value.as_str())
    }

    /// The `xsi:type`, resolved to (namespace URI, local name).
    pub fn xsi_type(&self) -> Option<(Option<&str>, &str)> {
        self.xsi_type.as_ref().map(|(n, l)| (n.as_deref(), l.as_str()))
    }

    /// The element's own text (not its descendants'), trimmed.
    pub fn text(&self) -> &str {
        self.text.trim()
    }

    /// The text, with `""` treated as absent.
    pub fn text_value(&self) -> Option<&str> {
        Some(self.text()).filter(|t| !t.is_empty())
    }

    /// Child elements.
    pub fn elements(&self) -> &[Element] {
        &self.children
    }

    /// The first child `{ns}local`.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    /// The first child named `local` in one of `nss`.
    pub fn child_any(&self, nss: &[&str], local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is_any(nss, local))
    }

    /// Every child named `local` in one of `nss`.
    pub fn children_any<'a, 's>(
        &'a self,
        nss: &'s [&'s str],
        local: &'s str,
    ) -> impl Iterator<Item = &'a Element> + use<'a, 's> {
        self.children.iter().filter(move |c| c.is_any(nss, local))
    }

    /// Follows a path of local names, each in one of `nss`.
    pub fn path_any(&self, nss: &[&str], path: &[&str]) -> Option<&Element> {
        path.iter()
            .try_fold(self, |element, local| element.child_any(nss, local))
    }

    /// Every descendant (depth first, document order) named `local` in one of `nss`.
    pub fn descendants_any<'a>(&'a self, nss: &[&str], local: &str) -> Vec<&'a Element> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element> = self.children.iter().rev().collect();
        while let Some(e) = stack.pop() {
            if e.is_any(nss, local) {
                out.push(e);
            }
            stack.extend(e.children.iter().rev());
        }
        out
    }

    /// This element's and every descendant's text and attribute values.
    pub fn all_strings(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            out.push(e.text.as_str());
            out.extend(e.attr_values());
            stack.extend(e.children.iter());
        }
        out
    }

    /// Byte range of the element in the source.
    pub fn span(&self) -> (usize, usize) {
        self.span
    }
}

/// A parsed document: the source and its root element.
#[derive(Clone)]
pub struct Document<'a> {
    source: &'a [u8],
    root: Element,
}

impl fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl<'a> Document<'a> {
    /// The root element.
    pub fn root(&self) -> &Element {
        &self.root
    }

    /// The element's outer XML exactly as received. Prefixes declared on
    /// ancestors are not re-declared in the excerpt.
    pub fn outer_xml(&self, element: &Element) -> String {
        let (start, end) = element.span;
        self.source
            .get(start..end)
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default()
    }
}

/// Parses `source` within `limits`.
pub fn parse(source: &[u8], limits: Limits) -> Result<Document<'_>, XmlError> {
    if source.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: source.len(),
            limit: limits.max_bytes,
        });
    }
    let mut reader = NsReader::from_reader(source);
    reader.config_mut().check_end_names = true;
    reader.config_mut().expand_empty_elements = false;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        // Events borrow from `source`: nothing is copied into a buffer first.
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        let element_ns = owned_ns(resolved)?;
        match event {
            event @ (Event::Start(_) | Event::Empty(_)) => {
                let (Event::Start(start) | Event::Empty(start)) = &event else {
                    continue;
                };
                let empty = matches!(event, Event::Empty(_));
                count += 1;
                if count > limits.max_elements {
                    return Err(XmlError::TooManyElements(limits.max_elements));
                }
                if stack.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep(limits.max_depth));
                }
                if root.is_some() {
                    return Err(XmlError::Malformed("content after the root element".into()));
                }
                let mut attrs = Vec::new();
                let mut xsi_type = None;
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| XmlError::Malformed(e.to_string()))?;
                    if attr.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let value =
                        attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| match e {
                                quick_xml::Error::Escape(
                                    quick_xml::escape::EscapeError::UnrecognizedEntity(_, name),
                                ) => XmlError::UnknownEntity(name),
                                other => XmlError::Malformed(other.to_string()),
                            })?
                            .into_owned();
                    let (attr_ns, local) = reader.resolver().resolve_attribute(attr.key);
                    let local = local.as_ref().to_owned();
                    let attr_ns = owned_ns(attr_ns)?;
                    if attr_ns.as_deref() == Some(ns::XSI) && local == "type" {
                        let (type_ns, type_local) = reader.resolver().resolve_element(QName(value.trim()));
                        xsi_type = Some((owned_ns(type_ns)?, type_local.as_ref().to_owned()));
                    }
                    attrs.push(Attr {
                        ns: attr_ns,
                        name: local,
                        value,
                    });
                }
                let local = start.local_name().as_ref().to_owned();
                let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                let element = Element {
                    ns: element_ns,
                    name: local,
                    attrs,
                    children: Vec::new(),
                    text: String::new(),
                    xsi_type,
                    span: (before, after),
                };
                if empty {
                    attach(&mut stack, &mut root, element);
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                let mut element = stack
                    .pop()
                    .ok_or_else(|| XmlError::Malformed("unexpected end tag".into()))?;
                element.span.1 = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                attach(&mut stack, &mut root, element);
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content())?,
            Event::CData(data) => {
                push_text(&mut stack, &data.into_inner())?;
            }
            Event::GeneralRef(reference) => {
                if reference.is_char_ref() {
                    let ch = reference
                        .resolve_char_ref()
                        .map_err(|e| XmlError::Malformed(e.to_string()))?
                        .ok_or_else(|| XmlError::Malformed("bad character reference".into()))?;
                    push_text(&mut stack, ch.encode_utf8(&mut [0; 4]))?;
                } else {
                    let name = reference.xml10_content();
                    let resolved = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| XmlError::UnknownEntity(name.clone().into_owned()))?;
                    push_text(&mut stack, resolved)?;
                }
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed("unexpected end of document".into()));
    }
    root.map(|root| Document { source, root }).ok_or(XmlError::Empty)
}

/// A namespace URI: one of the OWS constants in [`ns`] (no allocation; the
/// overwhelming case) or an unknown one, owned.
type Ns = Cow<'static, str>;

/// The namespaces interned by [`owned_ns`].
const KNOWN_NAMESPACES: &[&str] = &[
    ns::SOAP,
    ns::SOAP12,
    ns::CORE,
    ns::COMMON,
    ns::HOTEL_COMMON,
    ns::RESERVATION,
    ns::NAME,
    ns::RESV_ADVANCED,
    ns::RESERVATION_WSDL,
    ns::NAME_WSDL,
    ns::HOUSEKEEPING_WSDL,
    ns::HOUSEKEEPING,
    ns::GUEST_SERVICES,
    ns::RESV_ADVANCED_WSDL,
    ns::GUEST_SERVICES_WSDL,
    ns::XSI,
    ns::WSSE,
    ns::WSU,
];

fn owned_ns(resolved: ResolveResult<'_>) -> Result<Option<Ns>, XmlError> {
    match resolved {
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Bound(ns) => {
            let uri = ns.into_inner();
            Ok(Some(
                KNOWN_NAMESPACES
                    .iter()
                    .find(|known| **known == uri)
                    .map_or_else(|| Cow::Owned(uri.to_owned()), |known| Cow::Borrowed(*known)),
            ))
        }
        ResolveResult::Unknown(prefix) => Err(XmlError::UnboundPrefix(prefix)),
    }
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(top) => {
            top.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(XmlError::Malformed("text outside the root element".into())),
    }
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
        let b = &doc.root().elements()[0];
        assert_eq!(b.xsi_type(), Some((Some("urn:h"), "T")));
        assert_eq!(b.attr("v"), Some("a&b"));
        assert_eq!(b.text(), "x < y A");
        assert_eq!(doc.outer_xml(b).len(), b.span().1 - b.span().0);
    }

    #[test]
    fn rejects_doctype_unknown_entities_and_limits() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>"#;
        assert_eq!(parse(laughs, Limits::default()).unwrap_err(), XmlError::Doctype);
        assert!(matches!(
            parse(b"<a>&lol;</a>", Limits::default()),
            Err(XmlError::UnknownEntity(_))
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
