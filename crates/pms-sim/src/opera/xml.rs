//! The OPERA front's own XML: a bounded, namespace-aware reader into a small
//! tree, and a writer that escapes every value.
//!
//! OPERA clients and OPERA itself re-declare prefixes freely (`s0`..`s6`,
//! `res`, `r`, a default namespace per element: opera.md §1.2), so requests
//! are matched by **namespace URI + local name** only. A `<!DOCTYPE` is
//! refused outright (no entity can be declared, so no expansion attack), only
//! XML's predefined and character references are accepted, and size, depth
//! and element count are capped.

use std::io;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, Writer};

/// Namespace URIs of OWS 5.1 (opera.md §1.2) and of the SOAP / WS-Security envelopes.
pub mod ns {
    /// SOAP 1.1 envelope.
    pub const SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";
    /// SOAP 1.2 envelope: recognised only to answer `VersionMismatch`.
    pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
    /// `OGHeader` and its parts.
    pub const CORE: &str = "http://webservices.micros.com/og/4.3/Core/";
    /// `UniqueID`, `Text`, `OperaErrorCode`.
    pub const COMMON: &str = "http://webservices.micros.com/og/4.3/Common/";
    /// `GDSError`, `HotelReference`, `RoomStay`, `TimeSpan`.
    pub const HOTEL_COMMON: &str = "http://webservices.micros.com/og/4.3/HotelCommon/";
    /// Reservation types (`UniqueIDList`, `RoomStays`, `BillHeader`, `BillItem`).
    pub const RESERVATION: &str = "http://webservices.micros.com/og/4.3/Reservation/";
    /// Name types (`Profile`, `Customer`, `PersonName`).
    pub const NAME: &str = "http://webservices.micros.com/og/4.3/Name/";
    /// ResvAdvanced request/response elements.
    pub const RESV_ADVANCED: &str = "http://webservices.micros.com/og/4.3/ResvAdvanced/";
    /// Reservation service request/response elements.
    pub const RESERVATION_WSDL: &str = "http://webservices.micros.com/ows/5.1/Reservation.wsdl";
    /// Name service request/response elements.
    pub const NAME_WSDL: &str = "http://webservices.micros.com/ows/5.1/Name.wsdl";
    /// HouseKeeping service request/response elements.
    pub const HOUSEKEEPING_WSDL: &str = "http://webservices.micros.com/ows/5.1/HouseKeeping.wsdl";
    /// HouseKeeping types.
    pub const HOUSEKEEPING: &str = "http://webservices.micros.com/og/4.3/HouseKeeping/";
    /// GuestServices request/response elements.
    pub const GUEST_SERVICES: &str = "http://webservices.micros.com/og/4.3/GuestServices/";
    /// Information service request/response elements (`HotelInformationRequest`).
    pub const INFORMATION_WSDL: &str = "http://webservices.micros.com/ows/5.1/Information.wsdl";
    /// WS-Security extension (OASIS WSS 1.0).
    pub const WSSE: &str =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    /// WS-Security utility (OASIS WSS 1.0).
    pub const WSU: &str =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
}

/// Hard limits on a request body.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_depth: usize,
    pub max_elements: usize,
}

/// A request body that is not acceptable; the message goes into a `soap:Client` fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError(pub String);

#[derive(Debug, Clone)]
struct Attr {
    ns: Option<String>,
    name: String,
    value: String,
}

/// One element; text is the concatenation of its direct text nodes.
#[derive(Debug, Clone)]
pub struct Element {
    ns: Option<String>,
    name: String,
    attrs: Vec<Attr>,
    children: Vec<Element>,
    text: String,
    /// Byte span of the element in the source (for the journal's excerpt).
    pub span: (usize, usize),
}

impl Element {
    /// Whether this is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.name == local && self.ns.as_deref() == Some(ns)
    }

    /// The namespace URI.
    pub fn namespace(&self) -> Option<&str> {
        self.ns.as_deref()
    }

    /// The local name.
    pub fn local_name(&self) -> &str {
        &self.name
    }

    /// The first child `{ns}local`.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    /// The first child named `local` in any of `nss`.
    pub fn child_any(&self, nss: &[&str], local: &str) -> Option<&Element> {
        nss.iter().find_map(|ns| self.child(ns, local))
    }

    /// Children `{ns}local`.
    pub fn children<'a>(&'a self, ns: &'a str, local: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, local))
    }

    /// All element children.
    pub fn elements(&self) -> &[Element] {
        &self.children
    }

    /// An unqualified attribute, trimmed; `""` counts as absent.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.name == local)
            .map(|a| a.value.trim())
            .filter(|v| !v.is_empty())
    }

    /// The trimmed text; `""` counts as absent.
    pub fn text(&self) -> Option<&str> {
        Some(self.text.trim()).filter(|t| !t.is_empty())
    }

    /// The text of child `{ns}local`.
    pub fn child_text(&self, ns: &str, local: &str) -> Option<&str> {
        self.child(ns, local).and_then(Element::text)
    }
}

/// Parses `source` into its root element within `limits`.
pub fn parse(source: &[u8], limits: Limits) -> Result<Element, XmlError> {
    let bad = |what: &str| XmlError(what.to_owned());
    let mut reader = NsReader::from_reader(source);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        buf.clear();
        let (resolved, event) = reader
            .read_resolved_event_into(&mut buf)
            .map_err(|e| XmlError(format!("malformed XML: {e}")))?;
        let element_ns = owned_ns(resolved)?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                count += 1;
                if count > limits.max_elements {
                    return Err(bad("too many elements"));
                }
                if stack.len() >= limits.max_depth {
                    return Err(bad("elements nested too deep"));
                }
                if root.is_some() {
                    return Err(bad("content after the root element"));
                }
                let mut attrs = Vec::new();
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| XmlError(format!("malformed attribute: {e}")))?;
                    if attr.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| XmlError(format!("bad attribute value: {e}")))?
                        .into_owned();
                    let (attr_ns, local) = reader.resolver().resolve_attribute(attr.key);
                    attrs.push(Attr {
                        ns: owned_ns(attr_ns)?,
                        name: local.as_ref().to_owned(),
                        value,
                    });
                }
                let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                let element = Element {
                    ns: element_ns,
                    name: start.local_name().as_ref().to_owned(),
                    attrs,
                    children: Vec::new(),
                    text: String::new(),
                    span: (before, after),
                };
                if empty {
                    attach(&mut stack, &mut root, element);
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                let mut element = stack.pop().ok_or_else(|| bad("unexpected end tag"))?;
                element.span.1 = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                attach(&mut stack, &mut root, element);
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content())?,
            Event::CData(data) => push_text(&mut stack, &data.into_inner())?,
            Event::GeneralRef(reference) => {
                if reference.is_char_ref() {
                    let ch = reference
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .ok_or_else(|| bad("bad character reference"))?;
                    push_text(&mut stack, ch.encode_utf8(&mut [0; 4]))?;
                } else {
                    let name = reference.xml10_content();
                    let resolved = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| XmlError(format!("undeclared entity reference &{name};")))?;
                    push_text(&mut stack, resolved)?;
                }
            }
            Event::DocType(_) => return Err(bad("DOCTYPE declarations are not accepted")),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(bad("unexpected end of document"));
    }
    root.ok_or_else(|| bad("no root element"))
}

fn owned_ns(resolved: ResolveResult<'_>) -> Result<Option<String>, XmlError> {
    match resolved {
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Bound(ns) => Ok(Some(ns.as_ref().to_owned())),
        ResolveResult::Unknown(prefix) => {
            Err(XmlError(format!("namespace prefix `{prefix}` is not declared")))
        }
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
        None => Err(XmlError("text outside the root element".into())),
    }
}

/// quick-xml's writer with element names that are ours and values it escapes.
pub struct Xml {
    inner: Writer<Vec<u8>>,
}

impl std::fmt::Debug for Xml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Xml").finish_non_exhaustive()
    }
}

impl Xml {
    /// A document starting with the XML declaration.
    pub fn new() -> io::Result<Self> {
        let mut inner = Writer::new(Vec::with_capacity(4096));
        inner.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
        Ok(Xml { inner })
    }

    /// A fragment without the XML declaration, spliced later with [`Xml::raw`].
    pub fn fragment() -> Self {
        Xml {
            inner: Writer::new(Vec::with_capacity(1024)),
        }
    }

    /// Appends bytes written by another [`Xml`] (well-formed by construction).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.inner.get_mut().extend_from_slice(bytes);
    }

    /// `<name a="v"...>`
    pub fn start(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        let start = BytesStart::new(name).with_attributes(attrs.iter().copied());
        self.inner.write_event(Event::Start(start))
    }

    /// `</name>`
    pub fn end(&mut self, name: &str) -> io::Result<()> {
        self.inner.write_event(Event::End(BytesEnd::new(name)))
    }

    /// `<name a="v"/>`
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        let start = BytesStart::new(name).with_attributes(attrs.iter().copied());
        self.inner.write_event(Event::Empty(start))
    }

    /// `<name a="v">text</name>`, text escaped.
    pub fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.start(name, attrs)?;
        self.inner.write_event(Event::Text(BytesText::new(text)))?;
        self.end(name)
    }

    /// The bytes written.
    pub fn finish(self) -> Vec<u8> {
        self.inner.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_depth: 8,
        max_elements: 100,
    };

    #[test]
    fn reads_by_namespace_and_refuses_hostile_input() {
        let doc =
            br#"<a:R xmlns:a="urn:x"><B xmlns="urn:y" k=" v ">t &amp; &#65;</B><q:B xmlns:q="urn:y"/></a:R>"#;
        let root = parse(doc, LIMITS).unwrap();
        assert!(root.is("urn:x", "R"));
        assert_eq!(root.children("urn:y", "B").count(), 2);
        let b = root.child("urn:y", "B").unwrap();
        assert_eq!((b.attr("k"), b.text()), (Some("v"), Some("t & A")));
        let laughs = br#"<!DOCTYPE l [<!ENTITY l "l">]><l>&l;</l>"#;
        assert!(parse(laughs, LIMITS).is_err());
        assert!(parse(b"<a>&nope;</a>", LIMITS).is_err());
        assert!(parse(b"<p:a/>", LIMITS).is_err());
        assert!(parse("<a>".repeat(20).as_bytes(), LIMITS).is_err());
        assert!(parse(b"<a></b>", LIMITS).is_err());
        assert!(parse(b"", LIMITS).is_err());
    }
}
