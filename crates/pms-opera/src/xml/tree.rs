//! The parsed document: every element in one flat arena, in document order,
//! borrowing names, attribute values and text from the source.
//!
//! Because elements are stored in document order (pre-order), an element's
//! descendants are exactly the nodes between it and its `end`: children are
//! found by hopping from one child's `end` to the next, and a descendant
//! search is a plain slice scan. Nothing is allocated per element: text that
//! had to be unescaped, or was split around child elements and joined, is
//! kept in one buffer for the whole document; only an attribute value that
//! had to be unescaped gets its own `String`.

use std::borrow::Cow;
use std::fmt;

/// One element as stored in the arena.
#[derive(Clone)]
pub(super) struct Node<'a> {
    pub(super) ns: Option<&'a str>,
    pub(super) name: &'a str,
    /// Range in [`Document::attrs`].
    pub(super) attrs: (u32, u32),
    /// Index one past the element's last descendant.
    pub(super) end: u32,
    /// The element's own text (not its descendants'), untrimmed.
    pub(super) text: Text<'a>,
    pub(super) span: (usize, usize),
}

/// An element's `xsi:type`, resolved: (element index, namespace URI, local name).
/// Kept apart from [`Node`] because few elements carry one.
pub(super) type XsiType<'a> = (u32, Option<&'a str>, Cow<'a, str>);

/// Where an element's own text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Text<'a> {
    /// In the source, as is.
    Source(&'a str),
    /// `Document::texts[start..end]`: unescaped or joined.
    Buffer(usize, usize),
}

/// An attribute, by namespace URI and local name.
#[derive(Clone)]
pub(super) struct Attr<'a> {
    pub(super) ns: Option<&'a str>,
    pub(super) name: &'a str,
    pub(super) value: Cow<'a, str>,
}

/// A parsed document: the source and its elements (the root first).
#[derive(Clone)]
pub struct Document<'a> {
    pub(super) source: &'a [u8],
    pub(super) nodes: Vec<Node<'a>>,
    pub(super) attrs: Vec<Attr<'a>>,
    /// The texts that are not slices of the source (see [`Text::Buffer`]).
    pub(super) texts: String,
    /// In element order.
    pub(super) xsi_types: Vec<XsiType<'a>>,
}

impl fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("root", &self.root())
            .field("elements", &self.nodes.len())
            .finish_non_exhaustive()
    }
}

impl<'a> Document<'a> {
    /// The root element.
    pub fn root(&self) -> Element<'_> {
        Element { doc: self, index: 0 }
    }

    /// The element's outer XML exactly as received. Prefixes declared on
    /// ancestors are not re-declared in the excerpt.
    pub fn outer_xml(&self, element: Element<'_>) -> String {
        let (start, end) = element.span();
        self.source
            .get(start..end)
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default()
    }
}

/// One element of a parsed document: a cheap, copyable handle. `Debug` prints
/// structure only (names, child count), never text or attribute values, which
/// may hold PII.
#[derive(Clone, Copy)]
pub struct Element<'d> {
    doc: &'d Document<'d>,
    index: usize,
}

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Element")
            .field("ns", &self.namespace())
            .field("name", &self.local_name())
            .field("children", &self.elements().count())
            .finish_non_exhaustive()
    }
}

impl<'d> Element<'d> {
    fn node(self) -> &'d Node<'d> {
        &self.doc.nodes[self.index]
    }

    /// The element's own text, untrimmed.
    fn own_text(self) -> &'d str {
        match self.node().text {
            Text::Source(text) => text,
            Text::Buffer(start, end) => self.doc.texts.get(start..end).unwrap_or_default(),
        }
    }

    fn attrs(self) -> &'d [Attr<'d>] {
        let (start, end) = self.node().attrs;
        self.doc
            .attrs
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// The namespace URI, if any.
    pub fn namespace(self) -> Option<&'d str> {
        self.node().ns
    }

    /// The local name.
    pub fn local_name(self) -> &'d str {
        self.node().name
    }

    /// Whether this is `{ns}local`.
    pub fn is(self, ns: &str, local: &str) -> bool {
        let node = self.node();
        node.name == local && node.ns == Some(ns)
    }

    /// Whether this is `local` in one of `nss`.
    pub fn is_any(self, nss: &[&str], local: &str) -> bool {
        let node = self.node();
        node.name == local && node.ns.is_some_and(|n| nss.contains(&n))
    }

    /// An unqualified attribute (OWS attributes carry no namespace), verbatim.
    pub fn attr(self, local: &str) -> Option<&'d str> {
        self.attrs()
            .iter()
            .find(|a| a.ns.is_none() && a.name == local)
            .map(|a| &*a.value)
    }

    /// An unqualified attribute, trimmed, with `""` treated as absent (OWS
    /// sends hundreds of empty attributes).
    pub fn attr_value(self, local: &str) -> Option<&'d str> {
        self.attr(local).map(str::trim).filter(|v| !v.is_empty())
    }

    /// A namespaced attribute.
    pub fn attr_ns(self, ns: &str, local: &str) -> Option<&'d str> {
        self.attrs()
            .iter()
            .find(|a| a.ns == Some(ns) && a.name == local)
            .map(|a| &*a.value)
    }

    /// Every attribute value (for reference scans), unqualified or not.
    pub fn attr_values(self) -> impl Iterator<Item = &'d str> {
        self.attrs().iter().map(|a| &*a.value)
    }

    /// The `xsi:type`, resolved to (namespace URI, local name).
    pub fn xsi_type(self) -> Option<(Option<&'d str>, &'d str)> {
        let types = &self.doc.xsi_types;
        let index = u32::try_from(self.index).ok()?;
        let at = types.binary_search_by_key(&index, |(i, _, _)| *i).ok()?;
        types.get(at).map(|(_, ns, local)| (*ns, &**local))
    }

    /// The element's own text (not its descendants'), trimmed.
    pub fn text(self) -> &'d str {
        self.own_text().trim()
    }

    /// The text, with `""` treated as absent.
    pub fn text_value(self) -> Option<&'d str> {
        Some(self.text()).filter(|t| !t.is_empty())
    }

    /// Child elements, in document order.
    pub fn elements(self) -> Children<'d> {
        Children {
            doc: self.doc,
            next: self.index.saturating_add(1),
            end: self.node().end as usize,
        }
    }

    /// The first child `{ns}local`.
    pub fn child(self, ns: &str, local: &str) -> Option<Element<'d>> {
        self.elements().find(|c| c.is(ns, local))
    }

    /// The first child named `local` in one of `nss`.
    pub fn child_any(self, nss: &[&str], local: &str) -> Option<Element<'d>> {
        self.elements().find(|c| c.is_any(nss, local))
    }

    /// Every child named `local` in one of `nss`.
    pub fn children_any<'s>(
        self,
        nss: &'s [&'s str],
        local: &'s str,
    ) -> impl Iterator<Item = Element<'d>> + use<'d, 's> {
        self.elements().filter(move |c| c.is_any(nss, local))
    }

    /// Follows a path of local names, each in one of `nss`.
    pub fn path_any(self, nss: &[&str], path: &[&str]) -> Option<Element<'d>> {
        path.iter()
            .try_fold(self, |element, local| element.child_any(nss, local))
    }

    /// Every descendant (depth first, document order) named `local` in one of `nss`.
    pub fn descendants_any<'s>(
        self,
        nss: &'s [&'s str],
        local: &'s str,
    ) -> impl Iterator<Item = Element<'d>> + use<'d, 's> {
        let doc = self.doc;
        (self.index.saturating_add(1)..self.node().end as usize)
            .map(move |index| Element { doc, index })
            .filter(move |e| e.is_any(nss, local))
    }

    /// This element's and every descendant's text (untrimmed) and attribute
    /// values. The order is this element's, then its descendants' with the
    /// last child's subtree first.
    pub fn all_strings(self) -> Vec<&'d str> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            out.push(e.own_text());
            out.extend(e.attr_values());
            stack.extend(e.elements());
        }
        out
    }

    /// Byte range of the element in the source.
    pub fn span(self) -> (usize, usize) {
        self.node().span
    }
}

/// The child elements of one element.
#[derive(Clone, Debug)]
pub struct Children<'d> {
    doc: &'d Document<'d>,
    next: usize,
    end: usize,
}

impl<'d> Iterator for Children<'d> {
    type Item = Element<'d>;

    fn next(&mut self) -> Option<Element<'d>> {
        if self.next >= self.end {
            return None;
        }
        let child = Element {
            doc: self.doc,
            index: self.next,
        };
        self.next = child.node().end as usize;
        Some(child)
    }
}
