//! A borrowing XML tokenizer for what OWS sends: start, end and empty tags
//! with attributes, character data, CDATA; comments, processing instructions
//! and the XML declaration are skipped; any `<!DOCTYPE` is refused.
//!
//! It replaces quick-xml's `Reader` in the arena builder because most of
//! that reader's cost on OWS bodies was work the builder did not need (a
//! UTF-8 check per event on a body validated once already, a second pass
//! over every tag for its attributes, end-name bookkeeping the builder keeps
//! anyway). It accepts what quick-xml accepts with its default configuration,
//! with one deliberate difference: element and attribute names must be XML
//! names (`tests/xml_namespaces.rs` holds quick-xml to the same rule before
//! comparing). quick-xml takes anything up to whitespace as a tag name, so
//! `<a"b">` or `<1a/>` are elements for it; a name here starts with a letter,
//! `_`, `:` or a non-ASCII character and goes on with those, digits, `-` and
//! `.` (non-ASCII characters are not checked against the XML name ranges).
//!
//! Like quick-xml it tolerates a missing space between two attributes
//! (`a="1"b="2"`), a `<` inside an attribute value and `--` inside a comment.

use super::XmlError;

/// One token. Positions are byte offsets in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// `<name ...>` (or `<name .../>` when `empty`); the attributes are in
    /// [`Lexer::attrs`] until the next call.
    Start {
        /// The qualified name.
        name: &'a str,
        /// An empty-element tag.
        empty: bool,
    },
    /// `</name>`, the name checked against the open element's.
    End,
    /// Character data up to the next markup, exactly as in the source:
    /// references are not resolved and line ends not normalized. `plain`
    /// means there is neither a `&` nor a `\r` in it, so it is the content
    /// (a CRLF opening an otherwise plain run is left out of `raw`, which
    /// then starts at the LF: that is the run with its line end normalized).
    Text {
        /// The raw text.
        raw: &'a str,
        /// No `&` and no `\r`.
        plain: bool,
    },
    /// The content of a CDATA section, verbatim.
    CData(&'a str),
    /// End of input.
    Eof,
}

/// An attribute as written: qualified name and raw value (between the quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RawAttr<'a> {
    pub(super) key: &'a str,
    pub(super) value: &'a str,
    /// No `&`, tab, CR or LF in the value: it needs no normalization.
    pub(super) plain: bool,
}

/// Byte classes, one table lookup per byte.
const NAME_START: u8 = 1;
const NAME_CHAR: u8 = 2;
const SPACE: u8 = 4;
/// `<`, `&` or `\r`: ends a plain text run.
const TEXT_STOP: u8 = 8;

const CLASS: [u8; 256] = classes();

const fn classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let byte = b as u8;
        let start = byte.is_ascii_alphabetic() || byte == b'_' || byte == b':' || byte >= 0x80;
        let more = start || byte.is_ascii_digit() || byte == b'-' || byte == b'.';
        let mut class = 0;
        if start {
            class |= NAME_START;
        }
        if more {
            class |= NAME_CHAR;
        }
        if matches!(byte, b' ' | b'\t' | b'\r' | b'\n') {
            class |= SPACE;
        }
        if matches!(byte, b'<' | b'&' | b'\r') {
            class |= TEXT_STOP;
        }
        table[b] = class;
        b = b.saturating_add(1);
    }
    table
}

#[inline]
fn class(byte: u8) -> u8 {
    CLASS[usize::from(byte)]
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Eight bytes as one word, for the value scan that skips eight bytes at a time.
#[inline]
fn word(chunk: &[u8]) -> u64 {
    u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]))
}

fn malformed(what: &str) -> XmlError {
    XmlError::Malformed(what.to_owned())
}

/// The tokenizer: a cursor over a UTF-8 source.
#[derive(Debug)]
pub(super) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// The attributes of the last [`Token::Start`].
    pub(super) attrs: Vec<RawAttr<'a>>,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `text`, past a UTF-8 byte order mark if any.
    pub(super) fn new(text: &'a str) -> Self {
        let pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Lexer {
            text,
            pos,
            // OWS' widest tag (`HotelReservation`) carries ~35 attributes.
            attrs: Vec::with_capacity(64),
        }
    }

    /// Byte offset of the next token.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    /// `text[start..end]`; both ends are at ASCII bytes or the end of input.
    #[inline]
    fn slice(&self, start: usize, end: usize) -> Result<&'a str, XmlError> {
        self.text
            .get(start..end)
            .ok_or_else(|| malformed("token boundary inside a character"))
    }

    #[inline]
    fn byte(&self, at: usize) -> Option<u8> {
        self.text.as_bytes().get(at).copied()
    }

    /// The next token; `open` is the qualified name of the innermost open
    /// element, which an end tag must repeat.
    pub(super) fn next_token(&mut self, open: Option<&str>) -> Result<Token<'a>, XmlError> {
        loop {
            let start = self.pos;
            match self.byte(start) {
                None => return Ok(Token::Eof),
                Some(b'<') => {}
                Some(_) => return self.text_run(start),
            }
            match self.byte(start.saturating_add(1)) {
                Some(b'/') => return self.end_tag(start, open),
                Some(b'!') => {
                    if let Some(token) = self.bang(start)? {
                        return Ok(token);
                    }
                }
                Some(b'?') => self.processing_instruction(start)?,
                Some(_) => return self.start_tag(start),
                None => return Err(malformed("unclosed tag")),
            }
        }
    }

    fn text_run(&mut self, start: usize) -> Result<Token<'a>, XmlError> {
        let bytes = self.text.as_bytes();
        let mut at = start;
        // `&` and `\r` seen, other than a CRLF opening the run.
        let mut stops = 0u32;
        // Byte by byte: OWS texts are short (dates, codes, indentation after a
        // line break), too short for a word-at-a-time scan to pay (measured).
        while let Some(&b) = bytes.get(at) {
            if class(b) & TEXT_STOP != 0 {
                if b == b'<' {
                    break;
                }
                stops = stops.saturating_add(1);
            }
            at = at.saturating_add(1);
        }
        self.pos = at;
        // Indentation in a body with CRLF line ends: the run's only CR opens
        // it, and its normalized form (LF first) is the rest of the run.
        let crlf = stops == 1 && bytes.get(start..start.saturating_add(2)) == Some(b"\r\n");
        let from = if crlf { start.saturating_add(1) } else { start };
        Ok(Token::Text {
            raw: self.slice(from, at)?,
            plain: stops == 0 || crlf,
        })
    }

    /// The end of the name starting at `at`.
    #[inline]
    fn name_end(&self, at: usize) -> Result<usize, XmlError> {
        let bytes = self.text.as_bytes();
        match bytes.get(at) {
            Some(&b) if class(b) & NAME_START != 0 => {}
            _ => return Err(malformed("invalid or missing name")),
        }
        let mut end = at.saturating_add(1);
        while let Some(&b) = bytes.get(end) {
            if class(b) & NAME_CHAR == 0 {
                break;
            }
            end = end.saturating_add(1);
        }
        Ok(end)
    }

    #[inline]
    fn skip_space(&self, mut at: usize) -> usize {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(at) {
            if class(b) & SPACE == 0 {
                break;
            }
            at = at.saturating_add(1);
        }
        at
    }

    fn start_tag(&mut self, start: usize) -> Result<Token<'a>, XmlError> {
        self.attrs.clear();
        let name_start = start.saturating_add(1);
        let name_end = self.name_end(name_start)?;
        let name = self.slice(name_start, name_end)?;
        let mut at = name_end;
        loop {
            at = self.skip_space(at);
            match self.byte(at) {
                Some(b'>') => {
                    self.pos = at.saturating_add(1);
                    return Ok(Token::Start { name, empty: false });
                }
                Some(b'/') if self.byte(at.saturating_add(1)) == Some(b'>') => {
                    self.pos = at.saturating_add(2);
                    return Ok(Token::Start { name, empty: true });
                }
                None => return Err(malformed("unclosed start tag")),
                Some(_) => at = self.attribute(at)?,
            }
        }
    }

    /// Reads `key = "value"` at `at`; returns the offset after the closing quote.
    fn attribute(&mut self, at: usize) -> Result<usize, XmlError> {
        let key_end = self.name_end(at)?;
        let key = self.slice(at, key_end)?;
        let eq = self.skip_space(key_end);
        if self.byte(eq) != Some(b'=') {
            return Err(malformed("attribute without `=`"));
        }
        let open = self.skip_space(eq.saturating_add(1));
        let quote = match self.byte(open) {
            Some(q @ (b'"' | b'\'')) => q,
            _ => return Err(malformed("attribute value not quoted")),
        };
        let value_start = open.saturating_add(1);
        let (end, plain) = self.value_end(value_start, quote)?;
        self.attrs.push(RawAttr {
            key,
            value: self.slice(value_start, end)?,
            plain,
        });
        Ok(end.saturating_add(1))
    }

    /// The closing `quote` of a value starting at `start`, and whether the
    /// value is plain. Both quotes, `&`, tab, LF and CR are at or below `'`
    /// and most value bytes (letters, digits, URIs) are above: eight bytes
    /// at a time are skipped while none of them is that low.
    fn value_end(&self, start: usize, quote: u8) -> Result<(usize, bool), XmlError> {
        let bytes = self.text.as_bytes();
        let mut at = start;
        let mut plain = true;
        loop {
            while let Some(chunk) = bytes.get(at..at.saturating_add(8)) {
                let word = word(chunk);
                // Non-zero when some byte is below 0x28 (`'` + 1).
                if word.wrapping_sub(ONES * 0x28) & !word & HIGH != 0 {
                    break;
                }
                at = at.saturating_add(8);
            }
            for _ in 0..8 {
                match bytes.get(at) {
                    Some(&b) if b == quote => return Ok((at, plain)),
                    Some(&b) if b <= b'\'' => plain &= !matches!(b, b'&' | b'\t' | b'\n' | b'\r'),
                    Some(_) => {}
                    None => return Err(malformed("unclosed attribute value")),
                }
                at = at.saturating_add(1);
            }
        }
    }

    /// `</name S? >` closing `open`: compared as bytes with the start tag's
    /// name (quick-xml's `check_end_names`) instead of being read as a name first.
    fn end_tag(&mut self, start: usize, open: Option<&str>) -> Result<Token<'a>, XmlError> {
        let open = open.ok_or_else(|| malformed("end tag with no element open"))?;
        let name_start = start.saturating_add(2);
        let name_end = name_start.saturating_add(open.len());
        let same = self.text.as_bytes().get(name_start..name_end) == Some(open.as_bytes());
        // `</ab>` does not close `a`.
        let whole = self.byte(name_end).is_some_and(|b| class(b) & NAME_CHAR == 0);
        if !(same && whole) {
            return Err(XmlError::Malformed(format!("end tag does not close `{open}`")));
        }
        let close = self.skip_space(name_end);
        if self.byte(close) != Some(b'>') {
            return Err(malformed("end tag not closed by `>` after its name"));
        }
        self.pos = close.saturating_add(1);
        Ok(Token::End)
    }

    /// `<!--`, `<![CDATA[` or `<!DOCTYPE` at `start`: a comment is skipped (`None`).
    fn bang(&mut self, start: usize) -> Result<Option<Token<'a>>, XmlError> {
        let rest = self.text.get(start..).unwrap_or_default();
        if rest.starts_with("<!--") {
            // `<!-->` does not close the comment it opens (nor does quick-xml's reader).
            let body = start.saturating_add(4);
            let end = self
                .find(body, "-->")
                .ok_or_else(|| malformed("unclosed comment"))?;
            self.pos = end.saturating_add(3);
            return Ok(None);
        }
        if rest.starts_with("<![CDATA[") {
            let body = start.saturating_add(9);
            let end = self
                .find(body, "]]>")
                .ok_or_else(|| malformed("unclosed CDATA section"))?;
            self.pos = end.saturating_add(3);
            return Ok(Some(Token::CData(self.slice(body, end)?)));
        }
        // Refused before anything in it is read: no entity can be declared.
        let doctype = rest.get(..9).is_some_and(|d| d.eq_ignore_ascii_case("<!DOCTYPE"));
        if doctype {
            return Err(XmlError::Doctype);
        }
        Err(malformed("`<!` not followed by a comment, CDATA or DOCTYPE"))
    }

    /// Skips `<?...?>`; `<?>` is not closed by its own `?`.
    fn processing_instruction(&mut self, start: usize) -> Result<(), XmlError> {
        let body = start.saturating_add(1);
        match self.find(body, "?>") {
            Some(end) if end > body => {
                self.pos = end.saturating_add(2);
                Ok(())
            }
            Some(_) => Err(malformed("empty processing instruction `<?>`")),
            None => Err(malformed("unclosed processing instruction")),
        }
    }

    /// Offset of the first `needle` at or after `from`.
    fn find(&self, from: usize, needle: &str) -> Option<usize> {
        self.text
            .get(from..)?
            .find(needle)
            .map(|i| from.saturating_add(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(source: &str) -> Result<Vec<Token<'_>>, XmlError> {
        let mut lexer = Lexer::new(source);
        let mut out = Vec::new();
        let mut open = Vec::new();
        loop {
            let token = lexer.next_token(open.last().copied())?;
            match token {
                Token::Start { name, empty: false } => open.push(name),
                Token::End => {
                    open.pop();
                }
                Token::Eof => {
                    out.push(token);
                    return Ok(out);
                }
                _ => {}
            }
            out.push(token);
        }
    }

    #[test]
    fn reads_tags_text_and_cdata_and_skips_the_rest() {
        let source = "\u{feff}<?xml version=\"1.0\"?><a x = 'v>1' y=\"2\"><!-- c -- c --->t&amp;\r\n<![CDATA[<&]]><b/></a  >";
        let got = tokens(source).unwrap();
        assert_eq!(
            got,
            [
                Token::Start {
                    name: "a",
                    empty: false
                },
                Token::Text {
                    raw: "t&amp;\r\n",
                    plain: false
                },
                Token::CData("<&"),
                Token::Start {
                    name: "b",
                    empty: true
                },
                Token::End,
                Token::Eof,
            ]
        );
        let mut lexer = Lexer::new("<a x = 'v>1' y=\"2\" z='&#9;'>");
        lexer.next_token(None).unwrap();
        let attrs: Vec<_> = lexer.attrs.iter().map(|a| (a.key, a.value, a.plain)).collect();
        assert_eq!(
            attrs,
            [("x", "v>1", true), ("y", "2", true), ("z", "&#9;", false)]
        );
    }

    #[test]
    fn a_crlf_opening_a_run_is_normalized_by_leaving_the_cr_out() {
        let texts: Vec<_> = tokens("<a>\r\n  <b/>\r\n x\r\n<c/>\r\r\n\n</a>")
            .unwrap()
            .into_iter()
            .filter(|t| matches!(t, Token::Text { .. }))
            .collect();
        assert_eq!(
            texts,
            [
                Token::Text {
                    raw: "\n  ",
                    plain: true
                },
                Token::Text {
                    raw: "\r\n x\r\n",
                    plain: false
                },
                Token::Text {
                    raw: "\r\r\n\n",
                    plain: false
                },
            ]
        );
    }

    #[test]
    fn long_text_runs_stop_at_every_kind_of_stop_wherever_it_falls() {
        for len in 1..24 {
            for stop in ["<", "&amp;<", "\r<"] {
                let filler = "x".repeat(len);
                let source = format!("<a>{filler}{stop}/a>");
                let mut lexer = Lexer::new(&source);
                lexer.next_token(None).unwrap();
                let text = lexer.next_token(Some("a")).unwrap();
                let raw = format!("{filler}{}", stop.trim_end_matches('<'));
                assert_eq!(
                    text,
                    Token::Text {
                        raw: &raw,
                        plain: stop == "<"
                    },
                    "{len} {stop:?}"
                );
            }
        }
    }

    #[test]
    fn refuses_broken_constructs_with_typed_errors() {
        for bad in [
            "<",
            "<a",
            "<a x>",
            "<a x=1>",
            "<a x='1>",
            "<a/ >",
            "< a>",
            "<1a/>",
            "<a\"b\"/>",
            "</ a>",
            "</a x>",
            "<!-->",
            "<!-- x",
            "<![CDATA[x",
            "<![CDATX[x]]>",
            "<!ELEMENT a>",
            "<?>",
            "<?x",
        ] {
            assert!(matches!(tokens(bad), Err(XmlError::Malformed(_))), "{bad}");
        }
        assert_eq!(tokens("<!doctype a>"), Err(XmlError::Doctype));
        assert_eq!(tokens("<a><!DOCTYPE"), Err(XmlError::Doctype));
    }
}
