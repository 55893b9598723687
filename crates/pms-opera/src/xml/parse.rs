//! Builds a [`Document`] from the tokens of [`Lexer`], read straight from the source.

use std::borrow::Cow;
use std::collections::HashSet;

use super::lex::{Lexer, RawAttr, Token};
use super::names::{Scopes, declared_prefix, split};
use super::tree::{Attr, Document, Node, XsiType};
use super::{Limits, XmlError, ns, unescape};

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
        limits,
        // OWS answers without indentation hold about one element per 30 bytes
        // (FutureBookingSummary: 42 elements in 1,250 bytes per reservation).
        nodes: Vec::with_capacity((source.len() / 30).min(limits.max_elements)),
        attrs: Vec::with_capacity(source.len() / 30),
        xsi_types: Vec::new(),
        open: Vec::new(),
        scopes: Scopes::default(),
        root_done: false,
    };
    let mut lexer = Lexer::new(text);
    loop {
        let before = lexer.position();
        match lexer.next_token()? {
            Token::Start { name, empty } => {
                builder.start(name, &lexer.attrs, empty, (before, lexer.position()))?;
            }
            Token::End { name } => builder.end(name, lexer.position())?,
            Token::Text { raw, plain: true } => builder.text(Cow::Borrowed(raw))?,
            Token::Text { raw, plain: false } => builder.text(unescape::text(raw)?)?,
            Token::CData(data) => builder.text(Cow::Borrowed(data))?,
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
}

struct Builder<'a> {
    limits: Limits,
    nodes: Vec<Node<'a>>,
    attrs: Vec<Attr<'a>>,
    xsi_types: Vec<XsiType<'a>>,
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
            end: index_u32(index + 1),
            text: Cow::Borrowed(""),
            span,
        });
        if empty {
            self.scopes.close(scope);
            self.root_done = self.open.is_empty();
        } else {
            self.open.push(Open { index, qname, scope });
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
                let type_ns = self.scopes.element(type_prefix)?;
                let type_local = match &attr.value {
                    Cow::Borrowed(value) => Cow::Borrowed(split(value.trim()).1),
                    Cow::Owned(_) => Cow::Owned(type_local.to_owned()),
                };
                self.xsi_types.push((index_u32(index), type_ns, type_local));
            }
        }
        Ok(())
    }

    fn end(&mut self, qname: &str, after: usize) -> Result<(), XmlError> {
        let open = self
            .open
            .pop()
            .ok_or_else(|| XmlError::Malformed("unexpected end tag".into()))?;
        if open.qname != qname {
            return Err(XmlError::Malformed(format!(
                "end tag `{qname}` does not close `{}`",
                open.qname
            )));
        }
        let end = index_u32(self.nodes.len());
        if let Some(node) = self.nodes.get_mut(open.index) {
            node.end = end;
            node.span.1 = after;
        }
        self.scopes.close(open.scope);
        self.root_done = self.open.is_empty();
        Ok(())
    }

    fn text(&mut self, text: Cow<'a, str>) -> Result<(), XmlError> {
        match self.open.last() {
            Some(open) => {
                if let Some(node) = self.nodes.get_mut(open.index) {
                    let own = &mut node.text;
                    if own.is_empty() {
                        *own = text;
                    } else {
                        own.to_mut().push_str(&text);
                    }
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

/// Compares raw qualified names, as quick-xml does (`p:x` and `q:x` bound to
/// one URI are not caught, by either).
fn check_duplicates(attrs: &[RawAttr<'_>]) -> Result<(), XmlError> {
    let duplicate = if attrs.len() <= PAIRWISE_LIMIT {
        attrs
            .iter()
            .enumerate()
            .find(|(i, attr)| attrs[..*i].iter().any(|a| a.key == attr.key))
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
