//! Builds a [`Document`] from quick-xml events read straight from the source.

use std::borrow::Cow;
use std::collections::HashSet;

use quick_xml::Reader;
use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesStart, Event};

use super::names::{Scopes, declared_prefix, split};
use super::tree::{Attr, Document, Node};
use super::{Limits, XmlError, ns};

/// Above this many attributes on one tag, duplicates are found with a set
/// instead of comparing every pair.
const PAIRWISE_LIMIT: usize = 16;

/// Parses `source` within `limits`.
pub fn parse(source: &[u8], limits: Limits) -> Result<Document<'_>, XmlError> {
    if source.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: source.len(),
            limit: limits.max_bytes,
        });
    }
    // Validated once, so names and values can be borrowed as `&str` below.
    let text = std::str::from_utf8(source).map_err(|e| XmlError::Malformed(e.to_string()))?;
    let mut builder = Builder {
        text,
        limits,
        // OWS answers without indentation hold about one element per 30 bytes
        // (FutureBookingSummary: 42 elements in 1,250 bytes per reservation).
        nodes: Vec::with_capacity((source.len() / 30).min(limits.max_elements)),
        attrs: Vec::with_capacity(source.len() / 30),
        open: Vec::new(),
        scopes: Scopes::default(),
        keys: Vec::new(),
        root_done: false,
    };
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    reader.config_mut().expand_empty_elements = false;
    loop {
        let before = position(&reader);
        let event = reader
            .read_event()
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        match event {
            Event::Start(start) => builder.start(&start, before, false, position(&reader))?,
            Event::Empty(start) => builder.start(&start, before, true, position(&reader))?,
            Event::End(_) => builder.end(position(&reader))?,
            Event::Text(text) => builder.text(text.xml10_content())?,
            Event::CData(data) => builder.text(data.into_inner())?,
            Event::GeneralRef(reference) => {
                if reference.is_char_ref() {
                    let ch = reference
                        .resolve_char_ref()
                        .map_err(|e| XmlError::Malformed(e.to_string()))?
                        .ok_or_else(|| XmlError::Malformed("bad character reference".into()))?;
                    builder.text(Cow::Owned(ch.to_string()))?;
                } else {
                    let name = reference.xml10_content();
                    let resolved = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| XmlError::UnknownEntity(name.clone().into_owned()))?;
                    builder.text(Cow::Borrowed(resolved))?;
                }
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !builder.open.is_empty() {
        return Err(XmlError::Malformed("unexpected end of document".into()));
    }
    if builder.nodes.is_empty() {
        return Err(XmlError::Empty);
    }
    Ok(Document {
        source,
        nodes: builder.nodes,
        attrs: builder.attrs,
    })
}

fn position(reader: &Reader<&[u8]>) -> usize {
    usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
}

struct Builder<'a> {
    text: &'a str,
    limits: Limits,
    nodes: Vec<Node<'a>>,
    attrs: Vec<Attr<'a>>,
    /// Indices of the elements not closed yet.
    open: Vec<usize>,
    scopes: Scopes<'a>,
    /// Scratch: the attribute names of the current tag.
    keys: Vec<&'a str>,
    root_done: bool,
}

impl<'a> Builder<'a> {
    /// The start tag's content (`name attr="v" ...`) as a slice of the
    /// source: quick-xml hands it out with the event's lifetime only.
    fn tag(&self, start: &BytesStart<'_>) -> Result<&'a str, XmlError> {
        let content: &str = start;
        let offset = content.as_ptr().addr().wrapping_sub(self.text.as_ptr().addr());
        self.text
            .get(offset..offset.saturating_add(content.len()))
            .filter(|tag| tag.as_ptr() == content.as_ptr())
            .ok_or_else(|| XmlError::Malformed("start tag outside the source".into()))
    }

    fn start(
        &mut self,
        start: &BytesStart<'_>,
        before: usize,
        empty: bool,
        after: usize,
    ) -> Result<(), XmlError> {
        if self.nodes.len() >= self.limits.max_elements || self.nodes.len() >= u32::MAX as usize {
            return Err(XmlError::TooManyElements(self.limits.max_elements));
        }
        if self.open.len() >= self.limits.max_depth {
            return Err(XmlError::TooDeep(self.limits.max_depth));
        }
        if self.root_done {
            return Err(XmlError::Malformed("content after the root element".into()));
        }
        let tag = self.tag(start)?;
        let name_len = start.name().as_ref().len();
        let qname = tag.get(..name_len).unwrap_or(tag);

        self.scopes.open();
        let first_attr = self.attrs.len();
        self.keys.clear();
        // Duplicates are checked below, without the per-tag set quick-xml's
        // checked iterator allocates.
        let mut attributes = Attributes::new(tag, name_len);
        attributes.with_checks(false);
        for attr in attributes {
            let attr = attr.map_err(|e| XmlError::Malformed(e.to_string()))?;
            let key: &'a str = attr.key.0;
            self.keys.push(key);
            if let Some(prefix) = declared_prefix(key) {
                // The `NsReader` takes the URI verbatim, not unescaped.
                let Cow::Borrowed(uri) = attr.value else {
                    return Err(XmlError::Malformed("namespace URI not in the source".into()));
                };
                self.scopes.declare(prefix, uri)?;
                continue;
            }
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| match e {
                    quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => {
                        XmlError::UnknownEntity(name)
                    }
                    other => XmlError::Malformed(other.to_string()),
                })?;
            // The namespace is resolved once every declaration of the tag is in.
            self.attrs.push(Attr {
                ns: None,
                name: key,
                value,
            });
        }
        if self.keys.len() > 1 {
            check_duplicates(&self.keys)?;
        }

        let mut xsi_type = None;
        for attr in &mut self.attrs[first_attr..] {
            let (prefix, local) = split(attr.name);
            attr.ns = self.scopes.attribute(prefix)?;
            attr.name = local;
            if attr.ns == Some(ns::XSI) && local == "type" {
                let (type_prefix, type_local) = split(attr.value.trim());
                let type_ns = self.scopes.element(type_prefix)?;
                let type_local = match &attr.value {
                    Cow::Borrowed(value) => Cow::Borrowed(split(value.trim()).1),
                    Cow::Owned(_) => Cow::Owned(type_local.to_owned()),
                };
                xsi_type = Some((type_ns, type_local));
            }
        }
        let (prefix, local) = split(qname);
        let element_ns = self.scopes.element(prefix)?;

        let index = self.nodes.len();
        self.nodes.push(Node {
            ns: element_ns,
            name: local,
            attrs: (index_u32(first_attr), index_u32(self.attrs.len())),
            end: index_u32(index + 1),
            text: Cow::Borrowed(""),
            xsi_type,
            span: (before, after),
        });
        if empty {
            self.scopes.close();
            self.closed();
        } else {
            self.open.push(index);
        }
        Ok(())
    }

    fn end(&mut self, after: usize) -> Result<(), XmlError> {
        let index = self
            .open
            .pop()
            .ok_or_else(|| XmlError::Malformed("unexpected end tag".into()))?;
        let end = index_u32(self.nodes.len());
        let node = &mut self.nodes[index];
        node.end = end;
        node.span.1 = after;
        self.scopes.close();
        self.closed();
        Ok(())
    }

    /// An element was completed: with nothing open, that was the root.
    fn closed(&mut self) {
        if self.open.is_empty() {
            self.root_done = true;
        }
    }

    fn text(&mut self, text: Cow<'a, str>) -> Result<(), XmlError> {
        match self.open.last() {
            Some(&index) => {
                let own = &mut self.nodes[index].text;
                if own.is_empty() {
                    *own = text;
                } else {
                    own.to_mut().push_str(&text);
                }
                Ok(())
            }
            None if text.trim().is_empty() => Ok(()),
            None => Err(XmlError::Malformed("text outside the root element".into())),
        }
    }
}

/// Node and attribute counts stay below `u32::MAX` (checked in `start`).
fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

fn check_duplicates(keys: &[&str]) -> Result<(), XmlError> {
    let duplicate = if keys.len() <= PAIRWISE_LIMIT {
        keys.iter()
            .enumerate()
            .find(|(i, key)| keys[..*i].contains(key))
            .map(|(_, key)| *key)
    } else {
        let mut seen = HashSet::with_capacity(keys.len());
        keys.iter().find(|key| !seen.insert(**key)).copied()
    };
    match duplicate {
        Some(key) => Err(XmlError::Malformed(format!("duplicate attribute `{key}`"))),
        None => Ok(()),
    }
}
