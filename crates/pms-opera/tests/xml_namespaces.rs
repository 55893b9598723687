//! The reader resolves namespaces itself; quick-xml's `NsReader` is the
//! reference it must agree with: the same elements (namespace URI, local name,
//! own text) and attributes in the same order, and the same documents accepted.
//!
//! One deliberate difference: the arena's tokenizer refuses element and
//! attribute names that are not XML names, which quick-xml takes as they come
//! (anything up to whitespace: `<a"b">`, `< a>`, `<a x="1"="2">`). The
//! reference below refuses them too, by [`is_name`], before comparing.
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

/// An XML `Name` as the tokenizer checks it: ASCII by the XML 1.0 rules,
/// any non-ASCII character accepted (the full `NameStartChar` ranges are not
/// checked by either side).
fn is_name(name: &[u8]) -> bool {
    let start = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80;
    match name.split_first() {
        Some((&first, rest)) => {
            start(first)
                && rest
                    .iter()
                    .all(|&b| start(b) || b.is_ascii_digit() || b == b'-' || b == b'.')
        }
        None => false,
    }
}

/// The document as `NsReader` sees it, or `None` when it refuses it (or has
/// a name that is not an XML name, see the module comment).
fn reference(source: &[u8]) -> Option<Flat> {
    ns_reader(source, true)
}

/// The document as `NsReader` reads it; with `names`, a name that is not an
/// XML name refuses it as well.
fn ns_reader(source: &[u8], names: bool) -> Option<Flat> {
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
                if names && !is_name(start.name().as_ref().as_bytes()) {
                    return None;
                }
                let ns = uri(resolved).ok()?;
                let mut attrs = Vec::new();
                for attr in start.attributes() {
                    let attr = attr.ok()?;
                    if names && !is_name(attr.key.as_ref().as_bytes()) {
                        return None;
                    }
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

#[test]
fn tokenizer_edge_cases_read_as_the_ns_reader_reads_them() {
    let cases: &[&str] = &[
        // entity and character reference forms, in text and in values
        "<a>&lt;&gt;&amp;&apos;&quot;&#65;&#x41;&#x6a;&#0065;&#x1F600;</a>",
        "<a v='&lt;&gt;&amp;&apos;&quot;&#65;&#x41;&#x1F600;'/>",
        "<a>&#X41;</a>",
        "<a>&#0;</a>",
        "<a>&#xD800;</a>",
        "<a>&#1114112;</a>",
        "<a>&#+65;</a>",
        "<a>&#-65;</a>",
        "<a>&#;</a>",
        "<a>&#x;</a>",
        "<a>&;</a>",
        "<a>&lt</a>",
        "<a>a & b</a>",
        "<a>&a&b;</a>",
        "<a>&nbsp;</a>",
        "<a v='&a&b;'/>",
        "<a v='a & b'/>",
        "<a v='&unknown;'/>",
        // line ends: CRLF and CR become LF in text, one space in values
        "<a v='x\r\ny\rz\nw\tv'>1\r\n2\r3\r&amp;\n4</a>",
        // CDATA in the middle of text, empty, with markup and a lone `]]`
        "<a>x<![CDATA[ <b>&amp; ]] ]]>y<![CDATA[]]>z</a>",
        "<a><![CDATA[x\r\ny]]></a>",
        // comments between text pieces, `--` inside, the shortest ones
        "<a>x<!-- c -->y<!---->z<!-- a--b --->w</a>",
        "<a>x<!--->y--></a>",
        "<a>x<!-->y--></a>",
        // processing instructions and declarations anywhere
        "<?xml version='1.0'?><?pi x?><a><?pi?>x<??>y</a><?after?>",
        "<a><?></a>",
        // attribute whitespace, quote styles, `>`, `<` and the other quote inside values
        "<a x = \"1\"\ty\n=\r\n'2' z='\">' w=\"'<\" />",
        "<a x=\"1\"y='2'/>",
        "<a x/>",
        "<a x=/>",
        "<a x=1/>",
        "<a x='1/>",
        "<a x='1'/ >",
        // end tags: whitespace after the name, not before it, nothing else
        "<a></a \t\r\n>",
        "<a></ a>",
        "<a></a x='1'>",
        "<a></b>",
        "<a><b></a></b>",
        "</a>",
        // unterminated constructs
        "<a",
        "<a>",
        "<a><",
        "<a>x</a",
        "<a><!--",
        "<a><![CDATA[x",
        "<a><?pi",
        "<a>&amp",
        "<a><!X></a>",
        "<a><![CDATX[x]]></a>",
        // text and markup around the root
        " \r\n\t<a/> ",
        "x<a/>",
        "<a/>x",
        "<a/><b/>",
        "<a/><!-- -->",
        "&#32;<a/>&#10;",
        "&amp;<a/>",
        "<![CDATA[ ]]><a/>",
        "\u{feff}<a/>",
        "<a>\u{feff}</a>",
        // non-ASCII names and text
        "<é:ü xmlns:é='urn:x' ä='ö'>ß</é:ü>",
        // an `xsi:type` whose prefix is bound nowhere (the value is not read by NsReader)
        "<a xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:type='q:T'/>",
        // DOCTYPE in any case, anywhere
        "<!DOCTYPE a><a/>",
        "<!doctype a><a/>",
        "<a><!DOCTYPE a></a>",
        "",
        "   ",
    ];
    for case in cases {
        assert_agree(case.as_bytes());
    }
}

/// Where the tokenizer refuses what quick-xml accepts: names that are not XML
/// names (see the module comment).
#[test]
fn names_that_are_not_xml_names_are_refused_though_quick_xml_takes_them() {
    let cases: &[&str] = &[
        "<></>",
        "<1a/>",
        "<-a/>",
        "<.a/>",
        "<a\"b\"></a\"b\">",
        "<a#b/>",
        "<a;b/>",
        "<a 'x'='1'/>",
        "<a 1x='1'/>",
    ];
    let taken: Vec<&str> = cases
        .iter()
        .copied()
        .filter(|case| ns_reader(case.as_bytes(), false).is_some())
        .collect();
    assert_eq!(taken, cases, "quick-xml takes them all");
    for case in cases {
        assert!(ours(case.as_bytes()).is_none(), "the arena refuses {case}");
    }
}

#[test]
fn bodies_that_are_not_utf8_are_refused() {
    for bytes in [&b"<a>\xff</a>"[..], b"<a v='\xc3'/>", b"<\xe9/>", b"\xef\xbb<a/>"] {
        assert_eq!(ns_reader(bytes, false), None);
        assert!(matches!(
            xml::parse(bytes, Limits::default()),
            Err(xml::XmlError::Malformed(_))
        ));
    }
}

/// A well-formed document made of every construct the tokenizer handles.
fn document() -> impl Strategy<Value = String> {
    let name = "[a-zA-Z_][a-zA-Z0-9._-]{0,3}";
    let space = "[ \t\r\n]{1,2}";
    let opt_space = "[ \t\r\n]{0,2}";
    let text = prop_oneof![
        "[a-z0-9 \t\r\n>\\]]{0,6}",
        Just("&amp;&lt;&gt;&apos;&quot;".to_owned()),
        "&#[1-9][0-9]{0,3};",
        "&#x[1-9a-cA-C][0-9a-fA-F]{0,3};",
        "<!\\[CDATA\\[[a-z<>& ]{0,6}(\\][a-z])?\\]\\]>",
        "<!--[a-z<>& ]{0,6}(-[a-z])?-->",
        "<\\?[a-z]{1,3}( [a-z=']{0,6})?\\?>",
    ];
    let attr = (
        name,
        space,
        opt_space,
        opt_space,
        "[a-z0-9 \t\r\n<>&;#x\"]{0,6}",
        any::<bool>(),
    )
        .prop_map(|(key, pre, before, after, value, single)| {
            // Only `&`-free or well-formed references: `&` alone is replaced.
            let value = value.replace('&', "&amp;");
            let (value, quote) = if single {
                (value.replace('\'', "&apos;"), '\'')
            } else {
                (value.replace('"', "&quot;"), '"')
            };
            format!("{pre}{key}{before}={after}{quote}{value}{quote}")
        });
    let leaf = (
        name,
        prop::collection::vec(attr.clone(), 0..3),
        text.clone(),
        any::<bool>(),
        opt_space,
    )
        .prop_map(|(name, attrs, text, empty, end_space)| element(&name, &attrs, &[text], empty, &end_space));
    leaf.prop_recursive(4, 24, 4, move |inner| {
        (
            name,
            prop::collection::vec(attr.clone(), 0..3),
            prop::collection::vec((text.clone(), inner), 0..4),
            opt_space,
        )
            .prop_map(|(name, attrs, children, end_space)| {
                let parts: Vec<String> = children.into_iter().flat_map(|(t, c)| [t, c]).collect();
                element(&name, &attrs, &parts, false, &end_space)
            })
    })
    .prop_map(|root| format!("<?xml version=\"1.0\"?>\n<!-- head -->{root}\n"))
}

fn element(name: &str, attrs: &[String], content: &[String], empty: bool, end_space: &str) -> String {
    // Duplicate attribute names would make the document ill-formed.
    let mut seen = std::collections::HashSet::new();
    let attrs: String = attrs
        .iter()
        .filter(|a| {
            seen.insert(
                a.trim_start()
                    .split(['=', ' ', '\t', '\r', '\n'])
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .map(String::as_str)
        .collect();
    if empty {
        format!("<{name}{attrs}{end_space}/>")
    } else {
        format!(
            "<{name}{attrs}{end_space}>{}</{name}{end_space}>",
            content.concat()
        )
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Well-formed by construction: both accept, and read the same.
    #[test]
    fn generated_documents_read_as_the_ns_reader_reads_them(doc in document()) {
        prop_assert!(reference(doc.as_bytes()).is_some(), "quick-xml refuses {doc:?}");
        assert_agree(doc.as_bytes());
    }

    /// Markup soup: never a panic, and accepted exactly when quick-xml accepts it.
    #[test]
    fn markup_soup_reads_as_the_ns_reader_reads_it(
        soup in "[<>&;\"'/=!?#xX:a-c0-9 \\[\\]\r\n-]{0,48}",
    ) {
        let _ = xml::parse(soup.as_bytes(), Limits::default());
        assert_agree(format!("<r>{soup}</r>").as_bytes());
        assert_agree(soup.as_bytes());
    }

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
