//! Namespace scopes: which URI each prefix is bound to at the current element.
//!
//! The parser resolves names itself rather than through quick-xml's `NsReader`
//! so that each start tag's attributes are read once (the `NsReader` reads
//! them a second time to find `xmlns` declarations) and the URIs stay
//! borrowed from the source. The rules are the `NsReader`'s (quick-xml 0.42
//! `name.rs`, `NamespaceResolver::add`/`resolve_prefix`): `xml` is bound to
//! its reserved URI and may only be re-declared to it, `xmlns` may not be
//! declared, no other prefix may be bound to either reserved URI, `xmlns:p=""`
//! unbinds `p`, `xmlns=""` unbinds the default namespace, unprefixed
//! attributes have no namespace, and at most 128 declarations are in scope.

use super::XmlError;

const XML_URI: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_URI: &str = "http://www.w3.org/2000/xmlns/";

/// quick-xml's `DEFAULT_MAX_NAMESPACE_BINDINGS`.
const MAX_BINDINGS: usize = 128;

/// Prefix bindings in scope, innermost last. `None` is the default namespace.
#[derive(Debug)]
pub(super) struct Scopes<'a> {
    bindings: Vec<(Option<&'a str>, &'a str)>,
}

/// What an attribute name declares, if it is a namespace declaration
/// (`QName::as_namespace_binding` in quick-xml).
pub(super) fn declared_prefix(qname: &str) -> Option<Option<&str>> {
    let rest = qname.strip_prefix("xmlns")?;
    match rest.strip_prefix(':') {
        Some(prefix) => Some(Some(prefix)),
        None if rest.is_empty() => Some(None),
        None => None,
    }
}

/// Splits `prefix:local` at the first colon (`QName::decompose`).
pub(super) fn split(qname: &str) -> (Option<&str>, &str) {
    // Names are short: a byte loop beats `split_once`'s memchr set-up.
    match qname.bytes().position(|b| b == b':') {
        Some(at) => (
            qname.get(..at),
            qname.get(at.saturating_add(1)..).unwrap_or_default(),
        ),
        None => (None, qname),
    }
}

impl Default for Scopes<'_> {
    fn default() -> Self {
        // OWS re-declares on nearly every element: a dozen deep is common.
        Scopes {
            bindings: Vec::with_capacity(32),
        }
    }
}

impl<'a> Scopes<'a> {
    /// Where the scope of a new element starts: pass it to [`Scopes::close`]
    /// when the element ends. (The open-element stack keeps it, so an element
    /// declaring nothing costs no push here.)
    pub(super) fn mark(&self) -> usize {
        self.bindings.len()
    }

    /// Closes the scope that started at `mark`.
    pub(super) fn close(&mut self, mark: usize) {
        self.bindings.truncate(mark);
    }

    /// Adds a declaration to the innermost scope.
    pub(super) fn declare(&mut self, prefix: Option<&'a str>, uri: &'a str) -> Result<(), XmlError> {
        let bad = |what: &str| Err(XmlError::Malformed(format!("namespace declaration {what}")));
        // quick-xml stores `xmlns:=` like `xmlns=`: both have an empty prefix.
        let prefix = prefix.filter(|p| !p.is_empty());
        match prefix {
            Some("xml") if uri == XML_URI => return Ok(()),
            Some("xml") => return bad("rebinds the `xml` prefix"),
            Some("xmlns") => return bad("binds the `xmlns` prefix"),
            Some(_) if uri == XML_URI || uri == XMLNS_URI => return bad("binds a reserved URI"),
            _ => {}
        }
        if self.bindings.len() >= MAX_BINDINGS {
            return bad(&format!("exceeds {MAX_BINDINGS} bindings in scope"));
        }
        self.bindings.push((prefix, uri));
        Ok(())
    }

    /// The URI of an element name's prefix (unprefixed: the default namespace).
    pub(super) fn element(&self, prefix: Option<&str>) -> Result<Option<&'a str>, XmlError> {
        match prefix {
            None => Ok(self
                .bindings
                .iter()
                .rev()
                .find(|(p, _)| p.is_none())
                .map(|(_, uri)| *uri)
                .filter(|uri| !uri.is_empty())),
            Some(prefix) => self.prefixed(prefix).map(Some),
        }
    }

    /// The URI of an attribute name's prefix (unprefixed: no namespace).
    pub(super) fn attribute(&self, prefix: Option<&str>) -> Result<Option<&'a str>, XmlError> {
        prefix.map(|p| self.prefixed(p)).transpose()
    }

    fn prefixed(&self, prefix: &str) -> Result<&'a str, XmlError> {
        let found = self
            .bindings
            .iter()
            .rev()
            .find(|(p, _)| *p == Some(prefix))
            .map(|(_, uri)| *uri);
        match (prefix, found) {
            (_, Some(uri)) if !uri.is_empty() => Ok(uri),
            ("xml", None) => Ok(XML_URI),
            ("xmlns", None) => Ok(XMLNS_URI),
            _ => Err(XmlError::UnboundPrefix(prefix.to_owned())),
        }
    }
}
