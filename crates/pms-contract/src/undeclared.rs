//! Fields a value carries that its schema does not declare.
//!
//! Draft 4 `additionalProperties` cannot be used for this: it does not see
//! the properties of `allOf` branches, and most vendor schemas leave
//! `additionalProperties` unsaid (JSON Schema's default is "anything goes").
//! This walk reads a schema the way its authors meant it: the properties of
//! an object are the union over its `$ref`, `allOf`, `anyOf` and `oneOf`
//! branches; an object schema that lists `properties` is closed unless it
//! says `additionalProperties: true` or gives a schema for them; one with no
//! `properties` is free-form unless the document closed it.

use serde_json::Value;

use crate::document::{CLOSED, Document};

const MAX_DEPTH: usize = 64;

/// The JSON pointers of every field in `instance` that the schema at
/// `pointer` does not declare.
pub fn undeclared(document: &Document, instance: &Value, pointer: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(schema) = document.at(pointer) {
        walk(document, instance, &[schema], "", 0, &mut out);
    }
    out
}

/// `schemas` expanded through `$ref` and the composition keywords.
pub(crate) fn expand<'a>(document: &'a Document, schemas: &[&'a Value]) -> Vec<&'a Value> {
    let mut out = Vec::new();
    let mut stack: Vec<(&Value, usize)> = schemas.iter().map(|s| (*s, 0)).collect();
    while let Some((schema, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            continue;
        }
        let Some((schema, _)) = document.deref(schema, "") else {
            continue;
        };
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                stack.extend(branches.iter().map(|b| (b, depth + 1)));
            }
        }
        out.push(schema);
    }
    out
}

/// Whether a schema lets an object carry any field (no `properties`, not
/// closed, no composition, and `type` absent or `object`).
fn free_form(schema: &Value) -> bool {
    let type_ok = match schema.get("type") {
        None => true,
        Some(t) => t == "object",
    };
    type_ok
        && schema.get("properties").is_none()
        && schema.get(CLOSED).is_none()
        && ![
            "allOf",
            "anyOf",
            "oneOf",
            "$ref",
            "items",
            "enum",
            "additionalProperties",
        ]
        .iter()
        .any(|k| schema.get(*k).is_some())
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn walk<'a>(
    document: &'a Document,
    instance: &Value,
    schemas: &[&'a Value],
    path: &str,
    depth: usize,
    out: &mut Vec<String>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let candidates = expand(document, schemas);
    match instance {
        Value::Object(map) => {
            if candidates.is_empty() || candidates.iter().any(|s| free_form(s)) {
                return;
            }
            let extra: Vec<&Value> = candidates
                .iter()
                .filter_map(|s| s.get("additionalProperties"))
                .collect();
            let open = extra.iter().any(|a| **a == Value::Bool(true));
            for (key, value) in map {
                let child = format!("{path}/{}", escape(key));
                let mut declared: Vec<&Value> = candidates
                    .iter()
                    .filter_map(|s| s.get("properties").and_then(|p| p.get(key)))
                    .collect();
                declared.extend(extra.iter().filter(|a| a.is_object()).copied());
                if declared.is_empty() {
                    if !open {
                        out.push(child);
                    }
                    continue;
                }
                walk(document, value, &declared, &child, depth + 1, out);
            }
        }
        Value::Array(items) => {
            let item_schemas: Vec<&Value> = candidates.iter().filter_map(|s| s.get("items")).collect();
            if item_schemas.is_empty() {
                return;
            }
            for (i, item) in items.iter().enumerate() {
                walk(
                    document,
                    item,
                    &item_schemas,
                    &format!("{path}/{i}"),
                    depth + 1,
                    out,
                );
            }
        }
        _ => {}
    }
}

/// A pointer with its array indices replaced by `*`
/// (`/data/3/rooms/0/roomID` → `/data/*/rooms/*/roomID`), the form an
/// allow-list of known extra fields is written in.
pub fn shape(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;

    fn doc() -> Document {
        Document::from_value(
            Path::new("t.json"),
            json!({
                "openapi": "3.0.0",
                "components": {"schemas": {
                    "Base": {"type": "object", "properties": {"id": {"type": "string"}}},
                    "Child": {"allOf": [{"$ref": "#/components/schemas/Base"}],
                              "type": "object", "additionalProperties": false,
                              "properties": {"rooms": {"type": "array", "items": {"$ref": "#/components/schemas/Room"}}}},
                    "Room": {"type": "object", "properties": {"roomID": {"type": "string"}}, "nullable": true},
                    "Free": {"type": "object"},
                    "Map": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Room"}},
                    "Unit": {"type": "object", "additionalProperties": false}
                }}
            }),
        )
        .unwrap()
    }

    #[test]
    fn fields_of_all_branches_are_declared_and_others_are_not() {
        let d = doc();
        let value = json!({"id": "1", "rooms": [{"roomID": "2"}, {"roomID": "3", "extra": 1}], "more": true});
        assert_eq!(
            undeclared(&d, &value, "/components/schemas/Child"),
            vec!["/more".to_owned(), "/rooms/1/extra".to_owned()]
        );
        assert_eq!(shape("/rooms/1/extra"), "/rooms/*/extra");
    }

    #[test]
    fn free_form_maps_and_closed_empty_objects() {
        let d = doc();
        assert!(undeclared(&d, &json!({"a": 1}), "/components/schemas/Free").is_empty());
        assert_eq!(
            undeclared(
                &d,
                &json!({"a": {"roomID": "1", "b": 2}}),
                "/components/schemas/Map"
            ),
            vec!["/a/b".to_owned()]
        );
        assert_eq!(
            undeclared(&d, &json!({"a": 1}), "/components/schemas/Unit"),
            vec!["/a".to_owned()]
        );
    }
}
