//! The reader resolves namespaces itself; quick-xml's `NsReader` is the
//! reference it must agree with: the same elements (namespace URI, local name,
//! own text) and attributes in the same order, and the same documents accepted.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use pms_opera::xml::{self, Element, Limits};
use proptest::prelude::*;
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

/// An attribute: (namespace, local name, value).
type Attribute = (Option<String>, String, String);
/// An element: (namespace, local name, own text untrimmed, attributes).
type Node = (Option<String>, String, String, Vec<Attribute>);
type Flat = Vec<Node>;

fn uri(resolved: ResolveResult<'_>) -> Result<Option<String>, ()> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(Some(ns.into_inner().to_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(_) => Err(()),
    }
}

/// The document as `NsReader` sees it, or `None` when it refuses it.
fn reference(source: &[u8]) -> Option<Flat> {
    let text = std::str::from_utf8(source).ok()?;
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut out: Flat = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut done = false;
    loop {
        let (resolved, event) = reader.read_resolved_event().ok()?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if done || open.len() >= Limits::default().max_depth {
                    return None;
                }
                let ns = uri(resolved).ok()?;
                let mut attrs = Vec::new();
                for attr in start.attributes() {
                    let attr = attr.ok()?;
                    if attr.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let value = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok()?;
                    let (attr_ns, local) = reader.resolver().resolve_attribute(attr.key);
                    attrs.push((
                        uri(attr_ns).ok()?,
                        local.into_inner().to_owned(),
                        value.into_owned(),
                    ));
                }
                let local = start.local_name().into_inner().to_owned();
                out.push((ns, local, String::new(), attrs));
                if matches!(event, Event::Start(_)) {
                    open.push(out.len() - 1);
                } else if open.is_empty() {
                    done = true;
                }
            }
            Event::End(_) => {
                open.pop()?;
                done = open.is_empty();
            }
            Event::Text(t) => push(&mut out, &open, &t.xml10_content())?,
            Event::CData(c) => push(&mut out, &open, &c.into_inner())?,
            Event::GeneralRef(r) if r.is_char_ref() => {
                push(&mut out, &open, &r.resolve_char_ref().ok()??.to_string())?
            }
            Event::GeneralRef(r) => push(
                &mut out,
                &open,
                quick_xml::escape::resolve_predefined_entity(&r.xml10_content())?,
            )?,
            Event::DocType(_) => return None,
            Event::Eof => break,
            _ => {}
        }
    }
    (open.is_empty() && !out.is_empty()).then_some(out)
}

fn push(out: &mut Flat, open: &[usize], text: &str) -> Option<()> {
    match open.last() {
        Some(&i) => out[i].2.push_str(text),
        None if text.trim().is_empty() => {}
        None => return None,
    }
    Some(())
}

/// The document as our reader sees it, in document order.
fn ours(source: &[u8]) -> Option<Flat> {
    let doc = xml::parse(source, Limits::default()).ok()?;
    let mut out = Vec::new();
    let mut stack = vec![doc.root()];
    while let Some(e) = stack.pop() {
        out.push(flat(e));
        let children: Vec<Element<'_>> = e.elements().collect();
        stack.extend(children.into_iter().rev());
    }
    Some(out)
}

/// One of our elements; attribute names are checked in `assert_agree`
/// (there is no accessor listing them), values and order here.
fn flat(e: Element<'_>) -> Node {
    let attrs = e
        .attr_values()
        .map(|v| (None, String::new(), v.to_owned()))
        .collect();
    // `text()` is trimmed; the untrimmed text shows in `all_strings` first.
    let own = e
        .all_strings()
        .first()
        .map(|s| (*s).to_owned())
        .unwrap_or_default();
    (
        e.namespace().map(str::to_owned),
        e.local_name().to_owned(),
        own,
        attrs,
    )
}

/// Same elements, texts and attribute values; every reference attribute is
/// found under its (namespace, local name).
fn assert_agree(source: &[u8]) {
    let expected = reference(source);
    let actual = ours(source);
    assert_eq!(expected.is_some(), actual.is_some(), "accepted differently");
    let (Some(expected), Some(actual)) = (expected, actual) else {
        return;
    };
    assert_eq!(expected.len(), actual.len());
    let doc = xml::parse(source, Limits::default()).unwrap();
    let mut elements = vec![doc.root()];
    let mut ordered = Vec::new();
    while let Some(e) = elements.pop() {
        ordered.push(e);
        let children: Vec<Element<'_>> = e.elements().collect();
        elements.extend(children.into_iter().rev());
    }
    for ((exp, act), element) in expected.iter().zip(&actual).zip(ordered) {
        assert_eq!((&exp.0, &exp.1, &exp.2), (&act.0, &act.1, &act.2));
        let values: Vec<&String> = exp.3.iter().map(|a| &a.2).collect();
        let got: Vec<&String> = act.3.iter().map(|a| &a.2).collect();
        assert_eq!(values, got, "attribute values of {}", exp.1);
        for (ns, local, value) in &exp.3 {
            let found = match ns {
                Some(ns) => element.attr_ns(ns, local),
                None => element.attr(local),
            };
            assert_eq!(found, Some(value.as_str()), "attribute {local}");
        }
    }
}

const FIXTURES: &[&str] = &[
    "fetch_booking.response.xml",
    "future_booking_summary.response.xml",
    "fetch_profile.response.xml",
    "fetch_housekeeping_room_status.response.xml",
    "invoice.response.xml",
    "soap_fault.response.xml",
    "check_in.fail.response.xml",
];

#[test]
fn fixtures_read_as_the_ns_reader_reads_them() {
    for name in FIXTURES {
        let source = common::fixture(name);
        assert!(reference(&source).is_some(), "{name}");
        assert_agree(&source);
    }
}

#[test]
fn scoping_edge_cases_read_as_the_ns_reader_reads_them() {
    let cases: &[&str] = &[
        // default namespace, unbound again, re-bound in a child, prefix shadowed
        r#"<a xmlns="urn:a"><b xmlns=""><c/></b><p:d xmlns:p="urn:p"><p:e xmlns:p="urn:q" p:x="1" y="2"/></p:d><f/></a>"#,
        // the `xml` prefix is bound without a declaration; re-declaring it to its URI is allowed
        r#"<a xml:lang="en" xmlns:xml="http://www.w3.org/XML/1998/namespace"><b xml:space="keep"/></a>"#,
        // a prefix used after its scope closed
        r#"<a><p:b xmlns:p="urn:p"/><p:c/></a>"#,
        // `xmlns:p=""` unbinds `p`
        r#"<a xmlns:p="urn:p"><b xmlns:p=""><p:c/></b></a>"#,
        // binding `xmlns`, or another prefix to a reserved URI
        r#"<a xmlns:xmlns="urn:x"/>"#,
        r#"<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>"#,
        r#"<a xmlns:xml="urn:not-xml"/>"#,
        // duplicate attributes, duplicate declarations
        r#"<a x="1" x="2"/>"#,
        r#"<a xmlns:p="urn:1" xmlns:p="urn:2"/>"#,
        // escaped URIs are taken verbatim; values are normalized
        r#"<p:a xmlns:p="urn:a&amp;b" v="x&#9;y&#10;z" w="1
2"/>"#,
        // text split by children, CDATA, references
        "<a>x<b/>y<![CDATA[<z>]]>&amp;&#65;<c>t</c>\r\n</a>",
    ];
    for case in cases {
        assert_agree(case.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_fixtures_read_as_the_ns_reader_reads_them(
        index in 0..FIXTURES.len(),
        cut in any::<prop::sample::Index>(),
        splice in r#"[<>&;"'/=a-zA-Z0-9 :#x-]{0,24}|xmlns(:[a-z]{1,2})?="[a-z:]{0,6}""#,
    ) {
        let original = common::fixture(FIXTURES[index]);
        let at = cut.index(original.len() + 1);
        let mut bytes = original[..at].to_vec();
        bytes.extend_from_slice(splice.as_bytes());
        bytes.extend_from_slice(&original[at..]);
        assert_agree(&bytes);
    }
}
