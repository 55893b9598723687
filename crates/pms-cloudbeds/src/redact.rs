//! Personal data out of the raw payloads kept on records.
//!
//! A record keeps its vendor JSON ([`RawPayload`], whose `Debug` prints it)
//! with the value of every personal key ([`PII_KEYS`], any letter case)
//! replaced by `"<redacted>"`. Two ways give the same JSON value:
//! [`redact_raw`] over a parsed tree, and [`redact_raw_text`], which copies
//! the text once and never builds the tree (on a `getReservations` page the
//! tree alone costs as much as parsing the page).

use pms_core::{RawJson, RawPayload};
use serde_json::Value;
use serde_json::value::RawValue;

/// Keys of Cloudbeds payloads that hold personal data (compared in lower case).
pub const PII_KEYS: &[&str] = &[
    "guestname",
    "guestemail",
    "guestfirstname",
    "guestlastname",
    "guestgender",
    "guestphone",
    "guestcellphone",
    "guestaddress",
    "guestaddress1",
    "guestaddress2",
    "guestcity",
    "gueststate",
    "guestzip",
    "guestbirthdate",
    "guestdocumenttype",
    "guestdocumentnumber",
    "guestdocumentissuedate",
    "guestdocumentissuingcountry",
    "guestdocumentexpirationdate",
    "guestrequirements",
    "firstname",
    "lastname",
    "email",
    "phone",
    "cellphone",
    "address",
    "address1",
    "address2",
    "birthdate",
    "documentnumber",
    "taxid",
    "companytaxid",
    "companyname",
    "cardsonfile",
    "customfields",
];

/// What replaces a personal value, as JSON text.
const REDACTED_JSON: &str = "\"<redacted>\"";

#[inline(always)]
fn is_pii_key(bytes: &[u8]) -> bool {
    let (Some(first), Some(mask)) = (bytes.first(), START_MASKS.get(bytes.len())) else {
        return false;
    };
    // Most keys of a payload fail this one-bit test and skip the compares.
    let letter = first.to_ascii_lowercase().wrapping_sub(b'a');
    letter < 26 && mask & (1 << letter) != 0 && is_same_length_key(bytes)
}

#[inline(never)]
fn is_same_length_key(key: &[u8]) -> bool {
    same_length_keys(key.len())
        .iter()
        .any(|k| k.as_bytes().eq_ignore_ascii_case(key))
}

/// For each key length, a bit per first letter of a [`PII_KEYS`] entry of
/// that length (all lower-case ASCII, at most 31 bytes: checked here, when
/// compiling).
const START_MASKS: [u32; 32] = {
    let mut masks = [0u32; 32];
    let mut i = 0;
    while i < PII_KEYS.len() {
        let key = PII_KEYS[i].as_bytes();
        assert!(key.len() < 32 && key[0].is_ascii_lowercase());
        masks[key.len()] |= 1 << (key[0] - b'a');
        i += 1;
    }
    masks
};

/// [`PII_KEYS`] of `len` bytes: every key of a payload is looked up, and
/// comparing it with all 35 cost as much as the rest of the scan.
fn same_length_keys(len: usize) -> &'static [&'static str] {
    match len {
        5 => &["email", "phone", "taxid"],
        7 => &["address"],
        8 => &["guestzip", "lastname", "address1", "address2"],
        9 => &["guestname", "guestcity", "firstname", "cellphone", "birthdate"],
        10 => &["guestemail", "guestphone", "gueststate"],
        11 => &["guestgender", "companyname", "cardsonfile"],
        12 => &["guestaddress", "companytaxid", "customfields"],
        13 => &["guestlastname", "guestaddress1", "guestaddress2"],
        14 => &[
            "guestfirstname",
            "guestcellphone",
            "guestbirthdate",
            "documentnumber",
        ],
        17 => &["guestdocumenttype", "guestrequirements"],
        19 => &["guestdocumentnumber"],
        22 => &["guestdocumentissuedate"],
        27 => &["guestdocumentissuingcountry", "guestdocumentexpirationdate"],
        _ => &[],
    }
}

/// The index of the first `"`, `\` or control byte at or after `i` (the
/// bytes a string scan stops at), eight bytes at a time.
fn string_stop(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `x` is zero where `(x - ONES) & !x` has its high bit; a borrow
    // can only mark bytes after a real hit, so the lowest mark is exact.
    while let Some(chunk) = bytes.get(i..i.saturating_add(8)) {
        let Ok(word) = <[u8; 8]>::try_from(chunk).map(u64::from_le_bytes) else {
            break;
        };
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let marks = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (word.wrapping_sub(ONES * 0x20) & !word);
        let marks = marks & HIGH;
        if marks != 0 {
            return i.saturating_add((marks.trailing_zeros() / 8) as usize);
        }
        i = i.saturating_add(8);
    }
    while let Some(&c) = bytes.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i = i.saturating_add(1);
    }
    i
}

/// Replaces personal data in a parsed payload with `"<redacted>"`.
pub fn redact_raw(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_pii_key(key.as_bytes()) {
                    *v = Value::String("<redacted>".into());
                } else {
                    redact_raw(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_raw),
        _ => {}
    }
}

/// The text was not JSON that `serde_json::Value` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not redactable JSON (byte {offset})")]
pub struct NotRedactable {
    /// Byte offset where the scan stopped.
    pub offset: usize,
}

/// The JSON text with every personal value replaced by `"<redacted>"` and the
/// whitespace between tokens dropped. Parsed, the result equals
/// [`redact_raw`] applied to the parsed input.
///
/// Keys are compared after unescaping (`"guest\u004eame"` is `guestName`).
/// Text a [`Value`] cannot hold is refused, as parsing it would be: syntax
/// errors, unpaired UTF-16 surrogates (`"\ud800"`), numbers beyond `f64`.
pub fn redact_raw_text(text: &str) -> Result<String, NotRedactable> {
    Redactor {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        out: String::with_capacity(text.len()),
        copied: 0,
        open: Vec::with_capacity(16),
        hidden: None,
    }
    .run()
}

/// A payload whose personal data has been replaced, the only form a mapper
/// keeps on a record.
#[derive(Debug, Clone, PartialEq)]
pub struct RedactedJson(RawJson);

impl RedactedJson {
    /// Redacts a parsed payload; `None` if it cannot be written as text
    /// (a `Value` always can: its map keys are strings).
    pub fn from_value(mut value: Value) -> Option<Self> {
        redact_raw(&mut value);
        RawJson::from_value(&value).ok().map(RedactedJson)
    }

    /// Redacts a payload still as text ([`redact_raw_text`]).
    pub fn from_text(raw: &RawValue) -> Result<Self, NotRedactable> {
        let text = redact_raw_text(raw.get())?;
        RawValue::from_string(text)
            .map(|raw| RedactedJson(raw.into()))
            .map_err(|_| NotRedactable { offset: 0 })
    }

    /// A part of a text [`redact_raw_text`] returned (and serde_json then
    /// split), kept as it stands.
    pub(crate) fn from_redacted_text(raw: &RawValue) -> Self {
        RedactedJson(raw.into())
    }

    /// The payload to keep on a record.
    pub fn into_payload(self) -> RawPayload {
        RawPayload::Json(self.0)
    }
}

/// What the scanner expects at its position.
#[derive(Clone, Copy)]
enum Next {
    Value,
    ValueOrClose,
    KeyOrClose,
    Key,
    AfterValue,
}

struct Redactor<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: String,
    /// `text[..copied]` is in `out` (or replaced there).
    copied: usize,
    /// Open containers, innermost last; `true` for an object.
    open: Vec<bool>,
    /// The personal value being skipped: its container depth and start.
    hidden: Option<(usize, usize)>,
}

impl<'a> Redactor<'a> {
    fn run(mut self) -> Result<String, NotRedactable> {
        let mut next = Next::Value;
        loop {
            self.skip_whitespace()?;
            next = match next {
                Next::Value => self.value()?,
                Next::ValueOrClose if self.peek() == Some(b']') => self.close()?,
                Next::ValueOrClose => self.value()?,
                Next::KeyOrClose if self.peek() == Some(b'}') => self.close()?,
                Next::KeyOrClose | Next::Key => self.key()?,
                Next::AfterValue => match (self.open.last(), self.peek()) {
                    (None, None) => {
                        let rest = self.slice(self.copied, self.pos)?;
                        self.out.push_str(rest);
                        return Ok(self.out);
                    }
                    (Some(&object), Some(b',')) => {
                        self.advance(1);
                        if object { Next::Key } else { Next::Value }
                    }
                    (Some(true), Some(b'}')) | (Some(false), Some(b']')) => self.close()?,
                    _ => return Err(self.fail()),
                },
            };
        }
    }

    /// Moves on `n` bytes; `pos` never passes the text's length in practice,
    /// and saturates rather than wraps if it ever did.
    #[inline(always)]
    fn advance(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n);
    }

    fn fail(&self) -> NotRedactable {
        NotRedactable { offset: self.pos }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn slice(&self, from: usize, to: usize) -> Result<&'a str, NotRedactable> {
        self.text.get(from..to).ok_or(NotRedactable { offset: from })
    }

    /// Drops whitespace from the output (inside a hidden value the whole
    /// value is replaced later, so nothing is copied there).
    #[inline]
    fn skip_whitespace(&mut self) -> Result<(), NotRedactable> {
        if !matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            return Ok(());
        }
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.advance(1);
        }
        if self.pos > start && self.hidden.is_none() {
            let kept = self.slice(self.copied, start)?;
            self.out.push_str(kept);
            self.copied = self.pos;
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Next, NotRedactable> {
        match self.peek() {
            Some(b'{') => {
                self.advance(1);
                self.open.push(true);
                return Ok(Next::KeyOrClose);
            }
            Some(b'[') => {
                self.advance(1);
                self.open.push(false);
                return Ok(Next::ValueOrClose);
            }
            Some(b'"') => {
                self.string()?;
            }
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b't') => self.literal(b"true")?,
            Some(b'f') => self.literal(b"false")?,
            Some(b'n') => self.literal(b"null")?,
            _ => return Err(self.fail()),
        }
        self.value_ended()?;
        Ok(Next::AfterValue)
    }

    fn close(&mut self) -> Result<Next, NotRedactable> {
        self.advance(1);
        self.open.pop();
        self.value_ended()?;
        Ok(Next::AfterValue)
    }

    /// At the end of a value: if it is the hidden one, it is replaced.
    #[inline]
    fn value_ended(&mut self) -> Result<(), NotRedactable> {
        match self.hidden {
            Some((depth, _)) if depth == self.open.len() => self.hidden_ended(),
            _ => Ok(()),
        }
    }

    /// Out of line: few values are hidden, and the check runs after each.
    #[inline(never)]
    fn hidden_ended(&mut self) -> Result<(), NotRedactable> {
        if let Some((_, start)) = self.hidden {
            let kept = self.slice(self.copied, start)?;
            self.out.push_str(kept);
            self.out.push_str(REDACTED_JSON);
            self.copied = self.pos;
            self.hidden = None;
        }
        Ok(())
    }

    fn key(&mut self) -> Result<Next, NotRedactable> {
        if self.peek() != Some(b'"') {
            return Err(self.fail());
        }
        let start = self.pos;
        let escaped = self.string()?;
        let personal = self.hidden.is_none() && {
            if escaped {
                let token = self.slice(start, self.pos)?;
                let key: String = serde_json::from_str(token).map_err(|_| NotRedactable { offset: start })?;
                is_pii_key(key.as_bytes())
            } else {
                // Between the quotes: no escape, so the bytes are the key.
                self.bytes
                    .get(start.saturating_add(1)..self.pos.saturating_sub(1))
                    .is_some_and(is_pii_key)
            }
        };
        self.skip_whitespace()?;
        if self.peek() != Some(b':') {
            return Err(self.fail());
        }
        self.advance(1);
        self.skip_whitespace()?;
        if personal {
            self.hidden = Some((self.open.len(), self.pos));
        }
        Ok(Next::Value)
    }

    /// A string token; returns whether it holds escapes. One with a `\u`
    /// escape is checked by serde_json, which refuses unpaired surrogates
    /// where a `Value` is built.
    #[inline(always)]
    fn string(&mut self) -> Result<bool, NotRedactable> {
        let start = self.pos;
        self.advance(1);
        let (mut escaped, mut unicode) = (false, false);
        loop {
            self.pos = string_stop(self.bytes, self.pos);
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    match self.bytes.get(self.pos.saturating_add(1)) {
                        Some(b'u') => unicode = true,
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                        _ => return Err(self.fail()),
                    }
                    self.advance(2);
                }
                _ => return Err(self.fail()),
            }
        }
        self.advance(1);
        if unicode {
            let token = self.slice(start, self.pos)?;
            serde_json::from_str::<Value>(token).map_err(|_| NotRedactable { offset: start })?;
        }
        Ok(escaped)
    }

    /// A number token. Only one with an exponent or of more than 300
    /// characters can exceed `f64`; serde_json decides those, as it would
    /// for a `Value`.
    fn number(&mut self) -> Result<(), NotRedactable> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.advance(1);
        }
        match self.peek() {
            Some(b'0') => self.advance(1),
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.fail()),
        }
        if self.peek() == Some(b'.') {
            self.advance(1);
            self.required_digits()?;
        }
        let exponent = matches!(self.peek(), Some(b'e' | b'E'));
        if exponent {
            self.advance(1);
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.advance(1);
            }
            self.required_digits()?;
        }
        if exponent || self.pos.saturating_sub(start) > 300 {
            let token = self.slice(start, self.pos)?;
            serde_json::from_str::<Value>(token).map_err(|_| NotRedactable { offset: start })?;
        }
        Ok(())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.advance(1);
        }
    }

    fn required_digits(&mut self) -> Result<(), NotRedactable> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.fail());
        }
        self.digits();
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), NotRedactable> {
        if self.bytes.get(self.pos..self.pos.saturating_add(word.len())) != Some(word) {
            return Err(self.fail());
        }
        self.advance(word.len());
        Ok(())
    }
}

#[cfg(test)]
mod tests;
