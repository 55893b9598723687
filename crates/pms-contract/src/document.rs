//! Loading a vendor document (OpenAPI 3.0 YAML or JSON, Swagger 2.0 JSON)
//! and rewriting its schema dialect into plain JSON Schema draft 4, which the
//! `jsonschema` crate validates.
//!
//! What changes, and why:
//! - OpenAPI 3.0 `nullable: true` (and Swagger's `x-nullable: true`) becomes
//!   `anyOf: [{type: null}, <the rest>]`. OpenAPI 3.0.3 says `nullable` adds
//!   `null` to the allowed values; wrapping the whole rest (not just `type`)
//!   also covers the common `{allOf: [{$ref}], nullable: true}` form, which
//!   has no `type` of its own.
//! - `additionalProperties: false` is removed: draft 4 cannot see the
//!   properties an `allOf` branch declares, so a closed parent with an
//!   `allOf` base would refuse the base's own fields. Undeclared fields are
//!   found by [`crate::undeclared`] instead, which reads through `allOf`,
//!   `anyOf`, `oneOf` and `$ref` and treats every object as closed unless
//!   its schema says otherwise (the document's `false` is kept as
//!   `x-pms-closed: true`, which the validator ignores).
//! - `oneOf` becomes `anyOf`. With closed objects opened (above), branches
//!   that differ only by the fields they allow (Mews "coproducts": a
//!   `Discriminator` beside `Value: {oneOf: [SpaceData, {}, {}]}`) would all
//!   match, and "exactly one" would fail on valid data; which branch applies
//!   is the discriminator's business, not the validator's.
//! - `example`, `examples`, `discriminator`, `xml`, `externalDocs` and `x-*`
//!   extensions are dropped: annotations only, and an example's own `id` or
//!   `$ref` keys must never be read as schema keywords.
//!
//! Every `$ref` in these documents is local (`#/components/...`,
//! `#/definitions/...`, `#/parameters/...`, `#/responses/...`); the rewrite
//! keeps every JSON pointer valid, so references still land.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::ContractError;

/// Which description format a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAPI 3.0.x (`openapi: 3.0.*`): `requestBody`, `components`, `nullable`.
    OpenApi3,
    /// Swagger 2.0 (`swagger: "2.0"`): body/formData parameters, `definitions`.
    Swagger2,
}

/// A loaded, rewritten document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its dialect.
    pub dialect: Dialect,
    /// The path every operation path is under: the path of the first
    /// `servers[].url` (OpenAPI 3) or `basePath` (Swagger 2), without a
    /// trailing slash; empty for none.
    pub base_path: String,
    /// The rewritten document.
    pub root: Value,
}

impl Document {
    /// Reads and rewrites the document at `path` (`.yaml`/`.yml` as YAML,
    /// anything else as JSON).
    pub fn load(path: &Path) -> Result<Self, ContractError> {
        let bytes = std::fs::read(path).map_err(|e| ContractError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let is_yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        let raw: Value = if is_yaml {
            serde_norway::from_slice(&bytes).map_err(|e| ContractError::Read {
                path: path.to_path_buf(),
                message: format!("not YAML: {e}"),
            })?
        } else {
            serde_json::from_slice(&bytes).map_err(|e| ContractError::Read {
                path: path.to_path_buf(),
                message: format!("not JSON: {e}"),
            })?
        };
        Self::from_value(path, raw)
    }

    /// Rewrites an already parsed document (`path` only names it in errors).
    pub fn from_value(path: &Path, mut raw: Value) -> Result<Self, ContractError> {
        let unsupported = |what: String| ContractError::Read {
            path: path.to_path_buf(),
            message: what,
        };
        let dialect = if raw.get("swagger").and_then(Value::as_str) == Some("2.0") {
            Dialect::Swagger2
        } else if raw
            .get("openapi")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with("3.0."))
        {
            Dialect::OpenApi3
        } else {
            return Err(unsupported(
                "neither Swagger 2.0 nor OpenAPI 3.0.x (no `swagger: 2.0` / `openapi: 3.0.*`)".into(),
            ));
        };
        let base_path = match dialect {
            Dialect::Swagger2 => raw
                .get("basePath")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            Dialect::OpenApi3 => raw
                .pointer("/servers/0/url")
                .and_then(Value::as_str)
                .map(server_path)
                .unwrap_or_default(),
        };
        rewrite(&mut raw, false);
        Ok(Document {
            path: path.to_path_buf(),
            dialect,
            base_path: base_path.trim_end_matches('/').to_owned(),
            root: raw,
        })
    }

    /// The value at a JSON pointer (`""` is the root).
    pub fn at(&self, pointer: &str) -> Option<&Value> {
        self.root.pointer(pointer)
    }

    /// Follows `$ref`s from `value` (at most 64 hops) to the first object
    /// that is not a reference; returns it with its pointer.
    pub fn deref<'a>(&'a self, value: &'a Value, pointer: &str) -> Option<(&'a Value, String)> {
        let mut current = value;
        let mut at = pointer.to_owned();
        for _ in 0..64 {
            match current.get("$ref").and_then(Value::as_str) {
                Some(target) => {
                    let target = target.strip_prefix('#')?;
                    current = self.root.pointer(target)?;
                    at = target.to_owned();
                }
                None => return Some((current, at)),
            }
        }
        None
    }
}

/// The path part of a server URL (`https://api.cloudbeds.com/api/v1.3/` →
/// `/api/v1.3/`; a relative `/v1` stays).
fn server_path(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or(String::new(), |i| rest[i..].to_owned()),
        None => url.to_owned(),
    }
}

/// Marks where the document said `additionalProperties: false` (an
/// unknown keyword to the validator, read by [`crate::undeclared`]).
pub(crate) const CLOSED: &str = "x-pms-closed";

/// Annotation keys dropped everywhere.
const ANNOTATIONS: &[&str] = &["example", "examples", "discriminator", "xml", "externalDocs"];

/// Keys whose value is a map from *names* (property, schema, path, status)
/// to objects: its keys are never keywords, so nothing is dropped there.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "definitions",
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "paths",
    "content",
    "securitySchemes",
    "securityDefinitions",
];

/// The rewrite described in the module docs, applied bottom-up. `names`
/// says `value` is a [`NAME_MAPS`] map.
fn rewrite(value: &mut Value, names: bool) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, false)),
        Value::Object(map) if names => map.values_mut().for_each(|v| rewrite(v, false)),
        Value::Object(map) => {
            map.retain(|k, _| {
                let extension = k.starts_with("x-") && k != "x-nullable";
                !extension && !ANNOTATIONS.contains(&k.as_str())
            });
            for (key, child) in map.iter_mut() {
                rewrite(child, NAME_MAPS.contains(&key.as_str()) && child.is_object());
            }
            if let Some(branches) = map.remove("oneOf") {
                map.insert("anyOf".into(), branches);
            }
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                map.remove("additionalProperties");
                map.insert(CLOSED.into(), Value::Bool(true));
            }
            let nullable = [map.remove("nullable"), map.remove("x-nullable")]
                .into_iter()
                .flatten()
                .any(|v| v == Value::Bool(true));
            if nullable {
                let rest = std::mem::take(map);
                let mut null = Map::new();
                null.insert("type".into(), Value::String("null".into()));
                map.insert(
                    "anyOf".into(),
                    Value::Array(vec![Value::Object(null), Value::Object(rest)]),
                );
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc(raw: Value) -> Document {
        Document::from_value(Path::new("test.json"), raw).unwrap()
    }

    #[test]
    fn nullable_wraps_the_whole_schema_and_closed_objects_open() {
        let d = doc(json!({
            "openapi": "3.0.1",
            "servers": [{"url": "https://api.example.com/api/v1.3/"}],
            "components": {"schemas": {"A": {
                "type": "object", "additionalProperties": false, "example": {"id": "x"},
                "x-schema-id": "A",
                "properties": {
                    "b": {"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": true},
                    "example": {"type": "string"}
                }
            }}}
        }));
        assert_eq!(d.dialect, Dialect::OpenApi3);
        assert_eq!(d.base_path, "/api/v1.3");
        assert_eq!(
            d.at("/components/schemas/A").unwrap(),
            &json!({
                "type": "object",
                "x-pms-closed": true,
                "properties": {
                    "b": {"anyOf": [{"type": "null"}, {"allOf": [{"$ref": "#/components/schemas/B"}]}]},
                    "example": {"type": "string"}
                }
            })
        );
    }

    #[test]
    fn swagger_base_path_and_unknown_versions() {
        let d = doc(json!({"swagger": "2.0", "basePath": "/csh/v1", "paths": {}}));
        assert_eq!(d.dialect, Dialect::Swagger2);
        assert_eq!(d.base_path, "/csh/v1");
        let err = Document::from_value(Path::new("x.json"), json!({"openapi": "3.1.0"})).unwrap_err();
        assert!(err.to_string().contains("OpenAPI 3.0"), "{err}");
    }
}
