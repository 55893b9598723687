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
    /// `</name>`: the name is not checked against the open element here.
    End {
        /// The qualified name.
        name: &'a str,
    },
    /// Character data up to the next markup, exactly as in the source:
    /// references are not resolved and line ends not normalized. `plain`
    /// means there is neither a `&` nor a `\r` in it, so it is the content.
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
        b += 1;
    }
    table
}

fn class(byte: u8) -> u8 {
    CLASS[usize::from(byte)]
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
            attrs: Vec::new(),
        }
    }

    /// Byte offset of the next token.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    /// `text[start..end]`; both ends are at ASCII bytes or the end of input.
    fn slice(&self, start: usize, end: usize) -> Result<&'a str, XmlError> {
        self.text
            .get(start..end)
            .ok_or_else(|| malformed("token boundary inside a character"))
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.text.as_bytes().get(at).copied()
    }

    /// The next token.
    pub(super) fn next_token(&mut self) -> Result<Token<'a>, XmlError> {
        loop {
            let start = self.pos;
            match self.byte(start) {
                None => return Ok(Token::Eof),
                Some(b'<') => {}
                Some(_) => return self.text_run(start),
            }
            match self.byte(start + 1) {
                Some(b'/') => return self.end_tag(start),
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
        let mut plain = true;
        while let Some(&b) = bytes.get(at) {
            if class(b) & TEXT_STOP != 0 {
                if b == b'<' {
                    break;
                }
                plain = false;
            }
            at += 1;
        }
        self.pos = at;
        Ok(Token::Text {
            raw: self.slice(start, at)?,
            plain,
        })
    }

    /// The end of the name starting at `at`.
    fn name_end(&self, at: usize) -> Result<usize, XmlError> {
        let bytes = self.text.as_bytes();
        match bytes.get(at) {
            Some(&b) if class(b) & NAME_START != 0 => {}
            _ => return Err(malformed("invalid or missing name")),
        }
        let mut end = at + 1;
        while let Some(&b) = bytes.get(end) {
            if class(b) & NAME_CHAR == 0 {
                break;
            }
            end += 1;
        }
        Ok(end)
    }

    fn skip_space(&self, mut at: usize) -> usize {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(at) {
            if class(b) & SPACE == 0 {
                break;
            }
            at += 1;
        }
        at
    }

    fn start_tag(&mut self, start: usize) -> Result<Token<'a>, XmlError> {
        self.attrs.clear();
        let name_end = self.name_end(start + 1)?;
        let name = self.slice(start + 1, name_end)?;
        let mut at = name_end;
        loop {
            at = self.skip_space(at);
            match self.byte(at) {
                Some(b'>') => {
                    self.pos = at + 1;
                    return Ok(Token::Start { name, empty: false });
                }
                Some(b'/') if self.byte(at + 1) == Some(b'>') => {
                    self.pos = at + 2;
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
        let open = self.skip_space(eq + 1);
        let quote = match self.byte(open) {
            Some(q @ (b'"' | b'\'')) => q,
            _ => return Err(malformed("attribute value not quoted")),
        };
        let bytes = self.text.as_bytes();
        let mut end = open + 1;
        let mut plain = true;
        loop {
            match bytes.get(end) {
                Some(&b) if b == quote => break,
                // Tab, LF, CR and `&` are all below `'`; most value bytes are not.
                Some(&b) if b <= b'\'' => plain &= !matches!(b, b'&' | b'\t' | b'\n' | b'\r'),
                Some(_) => {}
                None => return Err(malformed("unclosed attribute value")),
            }
            end += 1;
        }
        self.attrs.push(RawAttr {
            key,
            value: self.slice(open + 1, end)?,
            plain,
        });
        Ok(end + 1)
    }

    fn end_tag(&mut self, start: usize) -> Result<Token<'a>, XmlError> {
        let name_end = self.name_end(start + 2)?;
        let close = self.skip_space(name_end);
        if self.byte(close) != Some(b'>') {
            return Err(malformed("end tag not closed by `>` after its name"));
        }
        self.pos = close + 1;
        Ok(Token::End {
            name: self.slice(start + 2, name_end)?,
        })
    }

    /// `<!--`, `<![CDATA[` or `<!DOCTYPE` at `start`: a comment is skipped (`None`).
    fn bang(&mut self, start: usize) -> Result<Option<Token<'a>>, XmlError> {
        let rest = self.text.get(start..).unwrap_or_default();
        if rest.starts_with("<!--") {
            // `<!-->` does not close the comment it opens (nor does quick-xml's reader).
            let body = start + 4;
            let end = self
                .find(body, "-->")
                .ok_or_else(|| malformed("unclosed comment"))?;
            self.pos = end + 3;
            return Ok(None);
        }
        if rest.starts_with("<![CDATA[") {
            let body = start + 9;
            let end = self
                .find(body, "]]>")
                .ok_or_else(|| malformed("unclosed CDATA section"))?;
            self.pos = end + 3;
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
        match self.find(start + 1, "?>") {
            Some(end) if end > start + 1 => {
                self.pos = end + 2;
                Ok(())
            }
            Some(_) => Err(malformed("empty processing instruction `<?>`")),
            None => Err(malformed("unclosed processing instruction")),
        }
    }

    /// Offset of the first `needle` at or after `from`.
    fn find(&self, from: usize, needle: &str) -> Option<usize> {
        self.text.get(from..)?.find(needle).map(|i| from + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(source: &str) -> Result<Vec<Token<'_>>, XmlError> {
        let mut lexer = Lexer::new(source);
        let mut out = Vec::new();
        loop {
            let token = lexer.next_token()?;
            out.push(token);
            if token == Token::Eof {
                return Ok(out);
            }
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
                Token::End { name: "a" },
                Token::Eof,
            ]
        );
        let mut lexer = Lexer::new("<a x = 'v>1' y=\"2\" z='&#9;'>");
        lexer.next_token().unwrap();
        let attrs: Vec<_> = lexer.attrs.iter().map(|a| (a.key, a.value, a.plain)).collect();
        assert_eq!(
            attrs,
            [("x", "v>1", true), ("y", "2", true), ("z", "&#9;", false)]
        );
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
