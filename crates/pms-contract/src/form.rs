//! Text parameters (query strings, `application/x-www-form-urlencoded`
//! bodies, path segments, headers) as the JSON values their schemas describe.
//!
//! Text is converted only where the schema asks for another type and the
//! text is a clean instance of it (`"12"` for an integer, `"true"` for a
//! boolean); anything else stays a string, so the schema reports it as the
//! wrong type. Form fields in PHP bracket notation (`items[0][itemPrice]`,
//! Cloudbeds v1.3 form bodies) become nested objects and arrays.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::document::Document;
use crate::undeclared::expand;

/// The first non-null `type` a schema (through `$ref`, `allOf`, `anyOf`,
/// `oneOf`) gives.
pub(crate) fn type_of<'a>(document: &'a Document, schema: &'a Value) -> Option<&'a str> {
    expand(document, &[schema])
        .iter()
        .filter_map(|s| s.get("type").and_then(Value::as_str))
        .find(|t| *t != "null")
}

/// `text` as a value of `kind` when it cleanly is one, else the string.
pub(crate) fn coerce(text: &str, kind: Option<&str>) -> Value {
    match kind {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.to_owned())),
        Some("number") => match serde_json::from_str::<serde_json::Number>(text) {
            Ok(n) if !text.starts_with('+') => Value::Number(n),
            _ => Value::String(text.to_owned()),
        },
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        _ => Value::String(text.to_owned()),
    }
}

/// One parameter's values as its schema's value: arrays from repeated keys
/// (`multi`, OpenAPI `explode`) or one comma-separated value (`csv`).
pub(crate) fn parameter_value(document: &Document, schema: &Value, values: &[&str], csv: bool) -> Value {
    if type_of(document, schema) == Some("array") {
        let item_schemas: Vec<&Value> = expand(document, &[schema])
            .into_iter()
            .filter_map(|s| s.get("items"))
            .collect();
        let item_type = item_schemas.iter().find_map(|s| type_of(document, s));
        let parts: Vec<&str> = if csv && values.len() == 1 {
            values[0].split(',').collect()
        } else {
            values.to_vec()
        };
        return Value::Array(parts.into_iter().map(|v| coerce(v, item_type)).collect());
    }
    match values {
        [one] => coerce(one, type_of(document, schema)),
        many => Value::Array(many.iter().map(|v| Value::String((*v).to_owned())).collect()),
    }
}

/// A bracket-notation key as segments: `items[0][itemName]` →
/// `["items", "0", "itemName"]`; `None` for a malformed key.
fn segments(key: &str) -> Option<Vec<&str>> {
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => return Some(vec![key]),
    };
    let mut out = vec![head];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        out.push(&inner[..close]);
        rest = &inner[close + 1..];
    }
    Some(out)
}

#[derive(Debug, Default)]
struct Node {
    values: Vec<String>,
    children: BTreeMap<String, Node>,
}

/// A form body (or any `name=value` list) as a JSON object shaped by the
/// schema at `pointer`. Malformed bracket keys are kept verbatim as field
/// names, so they show up as undeclared.
pub(crate) fn form_object(document: &Document, pairs: &[(String, String)], pointer: &str) -> Value {
    let mut root = Node::default();
    for (key, value) in pairs {
        let path = segments(key).unwrap_or_else(|| vec![key.as_str()]);
        let mut node = &mut root;
        for segment in path {
            node = node.children.entry(segment.to_owned()).or_default();
        }
        node.values.push(value.clone());
    }
    let schema = document.at(pointer);
    convert(document, &root, schema.into_iter().collect())
}

fn convert(document: &Document, node: &Node, schemas: Vec<&Value>) -> Value {
    let candidates = expand(document, &schemas);
    let kind = candidates
        .iter()
        .filter_map(|s| s.get("type").and_then(Value::as_str))
        .find(|t| *t != "null");
    if node.children.is_empty() {
        let values: Vec<&str> = node.values.iter().map(String::as_str).collect();
        return match kind {
            Some("array") => {
                let items: Vec<&Value> = candidates.iter().filter_map(|s| s.get("items")).collect();
                let item_type = items.iter().find_map(|s| type_of(document, s));
                Value::Array(values.iter().map(|v| coerce(v, item_type)).collect())
            }
            _ => match values.as_slice() {
                [one] => coerce(one, kind),
                many => Value::Array(many.iter().map(|v| coerce(v, kind)).collect()),
            },
        };
    }
    let numbered = node.children.keys().all(|k| k.parse::<usize>().is_ok());
    if kind == Some("array") && numbered {
        let items: Vec<&Value> = candidates.iter().filter_map(|s| s.get("items")).collect();
        let mut entries: Vec<(usize, &Node)> = node
            .children
            .iter()
            .filter_map(|(k, n)| k.parse::<usize>().ok().map(|i| (i, n)))
            .collect();
        entries.sort_by_key(|(i, _)| *i);
        return Value::Array(
            entries
                .into_iter()
                .map(|(_, n)| convert(document, n, items.clone()))
                .collect(),
        );
    }
    let mut map = Map::new();
    for (key, child) in &node.children {
        let declared: Vec<&Value> = candidates
            .iter()
            .filter_map(|s| s.get("properties").and_then(|p| p.get(key)))
            .collect();
        map.insert(key.clone(), convert(document, child, declared));
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;

    #[test]
    fn bracket_keys_become_arrays_of_objects_with_typed_leaves() {
        let d = Document::from_value(
            Path::new("t.json"),
            json!({"openapi": "3.0.0", "components": {"schemas": {"Req": {
                "type": "object",
                "properties": {
                    "propertyID": {"type": "string"},
                    "itemPaid": {"type": "boolean"},
                    "items": {"type": "array", "items": {"type": "object", "properties": {
                        "itemQuantity": {"type": "integer"},
                        "itemPrice": {"type": "number"}
                    }}}
                }
            }}}}),
        )
        .unwrap();
        let pairs: Vec<(String, String)> = [
            ("propertyID", "1"),
            ("itemPaid", "false"),
            ("items[1][itemPrice]", "2.5"),
            ("items[0][itemQuantity]", "x"),
            ("items[0][itemPrice]", "12.50"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(
            form_object(&d, &pairs, "/components/schemas/Req"),
            json!({
                "propertyID": "1",
                "itemPaid": false,
                "items": [{"itemQuantity": "x", "itemPrice": 12.50}, {"itemPrice": 2.5}]
            })
        );
    }

    #[test]
    fn only_clean_text_is_converted() {
        assert_eq!(coerce("12", Some("integer")), json!(12));
        assert_eq!(coerce("12.0", Some("integer")), json!("12.0"));
        assert_eq!(coerce("+1", Some("number")), json!("+1"));
        assert_eq!(coerce("1", Some("boolean")), json!("1"));
        assert_eq!(segments("a[0][b]"), Some(vec!["a", "0", "b"]));
        assert_eq!(segments("a[0"), None);
    }
}
