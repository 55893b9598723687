//! Character data and attribute values with references resolved and line
//! ends normalized, by the rules of quick-xml 0.42 (`BytesText::xml10_content`
//! plus `BytesRef::resolve_char_ref` / `resolve_predefined_entity` for text,
//! `Attribute::normalized_value` for values), so that the arena reads what the
//! `NsReader` reads. Only called when the lexer saw a `&` (or a CR, tab or LF
//! in a value): plain text stays borrowed.

use std::borrow::Cow;

use super::XmlError;

/// Appends text content to `out`: `\r\n` and `\r` become `\n`; `&name;`
/// and `&#...;` resolved. A `&` must be closed by a `;` before the next `&`.
pub(super) fn text(raw: &str, out: &mut String) -> Result<(), XmlError> {
    let bytes = raw.as_bytes();
    let mut done = 0;
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'\r' => {
                out.push_str(raw.get(done..at).unwrap_or_default());
                out.push('\n');
                let step = if bytes.get(at.saturating_add(1)) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                at = at.saturating_add(step);
                done = at;
            }
            b'&' => {
                out.push_str(raw.get(done..at).unwrap_or_default());
                let name_start = at.saturating_add(1);
                let end = bytes
                    .get(name_start..)
                    .and_then(|rest| rest.iter().position(|&c| c == b';' || c == b'&'))
                    .map(|i| name_start.saturating_add(i))
                    .filter(|&end| bytes.get(end) == Some(&b';'))
                    .ok_or_else(|| XmlError::Malformed("unterminated reference".into()))?;
                reference(raw.get(name_start..end).unwrap_or_default(), out)?;
                at = end.saturating_add(1);
                done = at;
            }
            _ => at = at.saturating_add(1),
        }
    }
    out.push_str(raw.get(done..).unwrap_or_default());
    Ok(())
}

/// An attribute value: tab, `\r\n`, `\r` and `\n` each become one space;
/// references resolved (a reference runs to the next `;`, whatever is between).
pub(super) fn attribute(raw: &str) -> Result<Cow<'_, str>, XmlError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find(['&', '\t', '\r', '\n']) {
        out.push_str(rest.get(..at).unwrap_or_default());
        let tail = rest.get(at.saturating_add(1)..).unwrap_or_default();
        match rest.as_bytes().get(at) {
            Some(b'&') => {
                let end = tail
                    .find(';')
                    .ok_or_else(|| XmlError::Malformed("unterminated reference".into()))?;
                reference(tail.get(..end).unwrap_or_default(), &mut out)?;
                rest = tail.get(end.saturating_add(1)..).unwrap_or_default();
            }
            Some(b'\r') => {
                out.push(' ');
                rest = tail.strip_prefix('\n').unwrap_or(tail);
            }
            _ => {
                out.push(' ');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Appends what `&name;` stands for: one of the five predefined entities or
/// a character reference. Nothing else can be declared (DOCTYPE is refused).
fn reference(name: &str, out: &mut String) -> Result<(), XmlError> {
    if let Some(number) = name.strip_prefix('#') {
        let ch = char_ref(number)
            // Not the reference itself: it sits in a vendor text.
            .ok_or_else(|| XmlError::Malformed("invalid character reference".to_owned()))?;
        out.push(ch);
        return Ok(());
    }
    let resolved = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return Err(XmlError::UnknownEntity),
    };
    out.push(resolved);
    Ok(())
}

/// `65` or `x41` (lower-case `x` only) → `'A'`. No sign, not zero, a Unicode
/// scalar value; other characters XML 1.0 excludes are let through, as by quick-xml.
fn char_ref(number: &str) -> Option<char> {
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    // `from_str_radix` would take a leading `+`.
    if digits.starts_with(['+', '-']) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    if code == 0 {
        return None;
    }
    char::from_u32(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(raw: &str) -> Result<String, XmlError> {
        let mut out = String::new();
        super::text(raw, &mut out).map(|()| out)
    }

    #[test]
    fn text_resolves_references_and_normalizes_line_ends() {
        assert_eq!(
            text("a&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x6a;\r\nb\rc\n").unwrap(),
            "a<>&'\"ABj\nb\nc\n"
        );
        assert_eq!(text("&lol;").unwrap_err(), XmlError::UnknownEntity);
        for bad in [
            "&", "a & b", "&amp", "&a&b;", "&#0;", "&#xD800;", "&#X41;", "&#+65;", "&#x;", "&#;",
        ] {
            assert!(text(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn attribute_values_normalize_whitespace_but_not_character_references() {
        assert_eq!(
            attribute("x\ty\r\nz\rw\n&#9;&#10;&amp;&lt;").unwrap(),
            "x y z w \t\n&<"
        );
        assert_eq!(attribute("&a&b;").unwrap_err(), XmlError::UnknownEntity);
        assert!(attribute("a&b").is_err());
    }
}
