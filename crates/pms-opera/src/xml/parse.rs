//! Builds a [`Document`] from the tokens of [`Lexer`], read straight from the source.

use std::borrow::Cow;
use std::collections::HashSet;

use super::lex::{Lexer, RawAttr, Token};
use super::names::{Scopes, declared_prefix, split};
use super::tree::{Attr, Document, Node, Text, XsiType};
use super::{Limits, XmlError, ns, unescape};

/// The text buffer's first size, once some text needs it: an indented
/// FetchBooking joins ~2 KB of it, a compact answer next to nothing.
const TEXTS_START: usize = 1024;

/// Up to this many attributes on one tag, duplicates are found by comparing every pair.
const PAIRWISE_LIMIT: usize = 8;
/// Up to this many, with a fingerprint filter first; above, with a set (the
/// filter's worst case is quadratic).
const FILTER_LIMIT: usize = 64;

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
        limits,
        // OWS answers without indentation hold about one element per 30 bytes
        // (FutureBookingSummary: 42 elements in 1,250 bytes per reservation).
        nodes: Vec::with_capacity((source.len() / 30).min(limits.max_elements)),
        attrs: Vec::with_capacity(source.len() / 30),
        xsi_types: Vec::new(),
        texts: String::new(),
        pending: Vec::with_capacity(32),
        // Deeper than any OWS body (Envelope/Body/.../Profile/ProfileIDs: ~12).
        open: Vec::with_capacity(32),
        scopes: Scopes::default(),
        root_done: false,
    };
    let mut lexer = Lexer::new(text);
    loop {
        let before = lexer.position();
        match lexer.next_token(builder.open.last().map(|o| o.qname))? {
            Token::Start { name, empty } => {
                builder.start(name, &lexer.attrs, empty, (before, lexer.position()))?;
            }
            Token::End => builder.end(lexer.position())?,
            Token::Text { raw, plain: true } => builder.text(raw)?,
            Token::Text { raw, plain: false } => builder.escaped_text(raw)?,
            Token::CData(data) => builder.text(data)?,
            Token::Eof => break,
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
        texts: builder.texts,
        xsi_types: builder.xsi_types,
    })
}

/// An element not closed yet.
struct Open<'a> {
    index: usize,
    /// The qualified name its end tag must repeat.
    qname: &'a str,
    /// Its namespace scope's [`Scopes::mark`].
    scope: usize,
    /// Text pieces so far: the first is in the node, the others in `pending`.
    pieces: usize,
}

struct Builder<'a> {
    limits: Limits,
    nodes: Vec<Node<'a>>,
    attrs: Vec<Attr<'a>>,
    xsi_types: Vec<XsiType<'a>>,
    /// Unescaped and joined texts ([`Text::Buffer`]).
    texts: String,
    /// The second and later text pieces of open elements, innermost last:
    /// joined into `texts` when their element ends.
    pending: Vec<Text<'a>>,
    open: Vec<Open<'a>>,
    scopes: Scopes<'a>,
    root_done: bool,
}

impl<'a> Builder<'a> {
    fn start(
        &mut self,
        qname: &'a str,
        raw: &[RawAttr<'a>],
        empty: bool,
        span: (usize, usize),
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
        let scope = self.scopes.mark();
        let index = self.nodes.len();
        let first_attr = self.attrs.len();
        if !raw.is_empty() {
            self.attributes(raw, index)?;
        }
        let (prefix, local) = split(qname);
        let element_ns = self.scopes.element(prefix)?;

        self.nodes.push(Node {
            ns: element_ns,
            name: local,
            attrs: (index_u32(first_attr), index_u32(self.attrs.len())),
            end: index_u32(index.saturating_add(1)),
            text: Text::Source(""),
            span,
        });
        if empty {
            self.scopes.close(scope);
            self.root_done = self.open.is_empty();
        } else {
            self.open.push(Open {
                index,
                qname,
                scope,
                pieces: 0,
            });
        }
        Ok(())
    }

    /// Declares the tag's namespaces, then stores its other attributes,
    /// resolved against every declaration of the tag.
    fn attributes(&mut self, raw: &[RawAttr<'a>], index: usize) -> Result<(), XmlError> {
        let first_attr = self.attrs.len();
        for attr in raw {
            if let Some(prefix) = declared_prefix(attr.key) {
                // The `NsReader` takes the URI verbatim, not unescaped.
                self.scopes.declare(prefix, attr.value)?;
                continue;
            }
            let value = if attr.plain {
                Cow::Borrowed(attr.value)
            } else {
                unescape::attribute(attr.value)?
            };
            self.attrs.push(Attr {
                ns: None,
                name: attr.key,
                value,
            });
        }
        if raw.len() > 1 {
            check_duplicates(raw)?;
        }
        for attr in &mut self.attrs[first_attr..] {
            let (prefix, local) = split(attr.name);
            if prefix.is_none() {
                continue;
            }
            attr.ns = self.scopes.attribute(prefix)?;
            attr.name = local;
            if attr.ns == Some(ns::XSI) && local == "type" {
                let (type_prefix, type_local) = split(attr.value.trim());
                // A prefix bound nowhere leaves the element without a type
                // rather than refusing the document: the `NsReader` never
                // reads the value.
                let Ok(type_ns) = self.scopes.element(type_prefix) else {
                    continue;
                };
                let type_local = match &attr.value {
                    Cow::Borrowed(value) => Cow::Borrowed(split(value.trim()).1),
                    Cow::Owned(_) => Cow::Owned(type_local.to_owned()),
                };
                self.xsi_types.push((index_u32(index), type_ns, type_local));
            }
        }
        Ok(())
    }

    /// The innermost element ends (the lexer checked the end tag's name).
    fn end(&mut self, after: usize) -> Result<(), XmlError> {
        let open = self
            .open
            .pop()
            .ok_or_else(|| XmlError::Malformed("unexpected end tag".into()))?;
        let end = index_u32(self.nodes.len());
        let joined = (open.pieces > 1).then(|| self.join(open.index, open.pieces.saturating_sub(1)));
        if let Some(node) = self.nodes.get_mut(open.index) {
            node.end = end;
            node.span.1 = after;
            if let Some(joined) = joined {
                node.text = joined;
            }
        }
        self.scopes.close(open.scope);
        self.root_done = self.open.is_empty();
        Ok(())
    }

    /// Joins element `index`'s text with its last `extra` pending pieces
    /// (its children's were taken when they ended).
    fn join(&mut self, index: usize, extra: usize) -> Text<'a> {
        let from = self.pending.len().saturating_sub(extra);
        if self.texts.capacity() == 0 {
            self.texts.reserve(TEXTS_START);
        }
        let start = self.texts.len();
        let first = self.nodes.get(index).map_or(Text::Source(""), |n| n.text);
        for piece in std::iter::once(first).chain(self.pending.drain(from..)) {
            match piece {
                Text::Source(text) => self.texts.push_str(text),
                Text::Buffer(a, b) if a <= b && b <= start => self.texts.extend_from_within(a..b),
                Text::Buffer(..) => {}
            }
        }
        Text::Buffer(start, self.texts.len())
    }

    /// A piece of the open element's text, borrowed from the source.
    fn text(&mut self, text: &'a str) -> Result<(), XmlError> {
        if self.open.is_empty() {
            return outside_root(text);
        }
        self.piece(Text::Source(text));
        Ok(())
    }

    /// A piece of text with references or CRs, unescaped into `texts`.
    fn escaped_text(&mut self, raw: &str) -> Result<(), XmlError> {
        if self.open.is_empty() {
            let mut text = String::new();
            unescape::text(raw, &mut text)?;
            return outside_root(&text);
        }
        if self.texts.capacity() == 0 {
            self.texts.reserve(TEXTS_START);
        }
        let start = self.texts.len();
        unescape::text(raw, &mut self.texts)?;
        self.piece(Text::Buffer(start, self.texts.len()));
        Ok(())
    }

    fn piece(&mut self, piece: Text<'a>) {
        let empty = match piece {
            Text::Source(text) => text.is_empty(),
            Text::Buffer(start, end) => start == end,
        };
        let Some(open) = self.open.last_mut() else {
            return;
        };
        if empty {
            return;
        }
        open.pieces = open.pieces.saturating_add(1);
        if open.pieces > 1 {
            self.pending.push(piece);
        } else if let Some(node) = self.nodes.get_mut(open.index) {
            node.text = piece;
        }
    }
}

/// Text outside the root element: only whitespace is allowed there.
fn outside_root(text: &str) -> Result<(), XmlError> {
    if text.trim().is_empty() {
        Ok(())
    } else {
        Err(XmlError::Malformed("text outside the root element".into()))
    }
}

/// Length, first, middle and last byte: names differing in none of them are rare.
fn fingerprint(key: &str) -> u32 {
    let bytes = key.as_bytes();
    let at = |i: usize| u32::from(bytes.get(i).copied().unwrap_or(0));
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    len.wrapping_mul(31)
        ^ at(0)
        ^ at(bytes.len() / 2).wrapping_mul(7)
        ^ at(bytes.len().wrapping_sub(1)).wrapping_mul(13)
}

/// Node and attribute counts stay below `u32::MAX` (checked in `start`).
fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// Compares raw qualified names, as quick-xml does (`p:x` and `q:x` bound to
/// one URI are not caught, by either). A few attributes are compared pair by
/// pair; up to [`FILTER_LIMIT`], a 64-bit filter of cheap fingerprints lets a
/// name be compared with the earlier ones only when its bit was already set
/// (OWS' `HotelReservation` carries ~35 attributes); beyond, a set.
fn check_duplicates(attrs: &[RawAttr<'_>]) -> Result<(), XmlError> {
    let earlier = |i: usize, key: &str| attrs.get(..i).is_some_and(|e| e.iter().any(|a| a.key == key));
    let duplicate = if attrs.len() <= PAIRWISE_LIMIT {
        attrs
            .iter()
            .enumerate()
            .find(|(i, attr)| earlier(*i, attr.key))
            .map(|(_, attr)| attr.key)
    } else if attrs.len() <= FILTER_LIMIT {
        let mut seen = 0u64;
        attrs
            .iter()
            .enumerate()
            .find(|(i, attr)| {
                let bit = 1u64 << (fingerprint(attr.key) % 64);
                let again = seen & bit != 0 && earlier(*i, attr.key);
                seen |= bit;
                again
            })
            .map(|(_, attr)| attr.key)
    } else {
        let mut seen = HashSet::with_capacity(attrs.len());
        attrs.iter().map(|a| a.key).find(|key| !seen.insert(*key))
    };
    match duplicate {
        Some(key) => Err(XmlError::Malformed(format!("duplicate attribute `{key}`"))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(names: &[String]) -> String {
        let attrs: String = names.iter().map(|n| format!(" {n}=''")).collect();
        format!("<a{attrs}/>")
    }

    #[test]
    fn duplicate_attributes_are_found_at_every_size() {
        for count in [2, 8, 9, 40, 64, 65, 200] {
            let names: Vec<String> = (0..count).map(|i| format!("x{i}")).collect();
            assert!(
                parse(tag(&names).as_bytes(), Limits::default()).is_ok(),
                "{count}"
            );
            for (first, second) in [(0, count - 1), (count / 2 - 1, count / 2), (count - 2, count - 1)] {
                let mut names = names.clone();
                names[second] = names[first].clone();
                assert!(
                    matches!(parse(tag(&names).as_bytes(), Limits::default()), Err(XmlError::Malformed(m)) if m.contains("duplicate")),
                    "{count}: {first} {second}"
                );
            }
        }
    }

    #[test]
    fn text_split_by_children_is_joined_in_order() {
        let source = b"<a>x<b>1<c/>2</b>&amp;<![CDATA[y]]><d>&lt;</d>z&gt;<e/></a>";
        let doc = parse(source, Limits::default()).unwrap();
        assert_eq!(doc.root().text(), "x&yz>");
        let b = doc.root().elements().next().unwrap();
        assert_eq!(b.text(), "12");
        let d = doc.root().elements().nth(1).unwrap();
        assert_eq!(d.text(), "<");
    }
}
