//! JSON Schema validation of one value against one schema of a document,
//! with `$ref`s resolved across the whole document.
//!
//! The document is registered once as a draft 4 resource under a private
//! URI; a schema is addressed by its JSON pointer in the document and
//! compiled once (`{"$ref": "<uri>#<pointer>"}`), so nested references land
//! wherever the document puts them. Formats are asserted: `date` and
//! `date-time` (RFC 3339, `jsonschema`'s own checks unless a vendor's
//! documented form is added with [`Formats`]) and `uuid`, which draft 4 does
//! not know but the Mews document uses on every id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

use crate::document::Document;
use crate::{ContractError, Violation};

/// A format check: the text is valid.
pub type FormatCheck = fn(&str) -> bool;

/// Extra or replaced `format` checks for one vendor's documents.
#[derive(Debug, Clone, Default)]
pub struct Formats {
    checks: Vec<(&'static str, FormatCheck)>,
}

impl Formats {
    /// Adds (or replaces) the check of `name`.
    pub fn with(mut self, name: &'static str, check: FormatCheck) -> Self {
        self.checks.retain(|(n, _)| *n != name);
        self.checks.push((name, check));
        self
    }
}

/// `8-4-4-4-12` hexadecimal digits (RFC 4122 text form, any version).
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// One document's compiled schemas.
pub(crate) struct Schemas {
    uri: String,
    registry: Registry<'static>,
    formats: Formats,
    compiled: Mutex<HashMap<String, Arc<Validator>>>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas")
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

impl Schemas {
    pub(crate) fn new(document: &Document, name: &str, formats: Formats) -> Result<Self, ContractError> {
        let uri = format!("urn:pms-contract:{name}");
        let registry = Registry::new()
            .draft(Draft::Draft4)
            .add(&uri, document.root.clone())
            .and_then(|b| b.prepare())
            .map_err(|e| ContractError::Schema {
                pointer: String::new(),
                message: format!("cannot register {}: {e}", document.path.display()),
            })?;
        Ok(Schemas {
            uri,
            registry,
            formats,
            compiled: Mutex::new(HashMap::new()),
        })
    }

    fn validator(&self, pointer: &str) -> Result<Arc<Validator>, ContractError> {
        let mut cache = self.compiled.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = cache.get(pointer) {
            return Ok(v.clone());
        }
        let mut options = jsonschema::options()
            .with_draft(Draft::Draft4)
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .with_format("uuid", is_uuid);
        for (name, check) in &self.formats.checks {
            options = options.with_format(*name, *check);
        }
        let root = json!({ "$ref": format!("{}#{}", self.uri, fragment(pointer)) });
        let validator = Arc::new(options.build(&root).map_err(|e| ContractError::Schema {
            pointer: pointer.to_owned(),
            message: e.to_string(),
        })?);
        cache.insert(pointer.to_owned(), validator.clone());
        Ok(validator)
    }

    /// Validates `instance` against the schema at `pointer`; every error
    /// names the instance's JSON pointer and the schema rule it broke.
    pub(crate) fn check(
        &self,
        what: &str,
        instance: &Value,
        pointer: &str,
    ) -> Result<Vec<Violation>, ContractError> {
        let validator = self.validator(pointer)?;
        let mut out = Vec::new();
        for error in validator.iter_errors(instance) {
            collect(what, &error, &mut out);
        }
        Ok(out)
    }

    /// Validates `instance` against a schema written here (a Swagger 2.0
    /// non-body parameter, which is schema-like but not a schema).
    pub(crate) fn check_inline(
        &self,
        what: &str,
        instance: &Value,
        schema: &Value,
    ) -> Result<Vec<Violation>, ContractError> {
        let mut options = jsonschema::options()
            .with_draft(Draft::Draft4)
            .should_validate_formats(true)
            .with_format("uuid", is_uuid);
        for (name, check) in &self.formats.checks {
            options = options.with_format(*name, *check);
        }
        let validator = options.build(schema).map_err(|e| ContractError::Schema {
            pointer: "(inline parameter schema)".into(),
            message: e.to_string(),
        })?;
        let mut out = Vec::new();
        for error in validator.iter_errors(instance) {
            collect(what, &error, &mut out);
        }
        Ok(out)
    }
}

/// A JSON pointer as a URI fragment (RFC 6901 §6): characters a fragment
/// cannot hold (`{`, `}` of path templates, spaces, `%`...) percent-encoded.
fn fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for b in pointer.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inverse of [`fragment`], for showing a schema location.
fn unfragment(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One error, or — for an `anyOf`/`oneOf` where no branch matched — the
/// errors of the branches, so a failure inside a nullable object reads as
/// the field that is wrong, not as "not valid under any of the schemas".
fn collect(what: &str, error: &jsonschema::ValidationError<'_>, out: &mut Vec<Violation>) {
    use jsonschema::error::ValidationErrorKind as K;
    let branches = match error.kind() {
        K::AnyOf { context } | K::OneOfNotValid { context } => Some(context),
        _ => None,
    };
    if let Some(branches) = branches {
        // Branches that failed only because the value is not null (the
        // `nullable` rewrite) say nothing; show the others.
        // Of the rest, the branches that came closest (fewest errors) are
        // the ones the value was meant for.
        let telling: Vec<_> = branches
            .iter()
            .filter(|errors| !errors.iter().all(is_null_type_error))
            .collect();
        let fewest = telling.iter().map(|e| e.len()).min().unwrap_or(0);
        let telling: Vec<_> = telling.into_iter().filter(|e| e.len() == fewest).collect();
        if !telling.is_empty() {
            let before = out.len();
            for errors in telling {
                for inner in errors {
                    collect(what, inner, out);
                }
            }
            if out.len() > before {
                return;
            }
        }
    }
    let rule = error
        .absolute_keyword_location()
        .map(|u| unfragment(u.as_str().split_once('#').map_or(u.as_str(), |(_, p)| p)))
        .unwrap_or_else(|| error.schema_path().as_str().to_owned());
    out.push(Violation {
        what: what.to_owned(),
        pointer: error.instance_path().as_str().to_owned(),
        rule,
        message: error.to_string(),
    });
}

fn is_null_type_error(error: &jsonschema::ValidationError<'_>) -> bool {
    matches!(error.kind(), jsonschema::error::ValidationErrorKind::Type { kind: jsonschema::error::TypeKind::Single(t) } if t.to_string() == "null")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_with_path_templates_survive_the_fragment_round_trip() {
        let pointer = "/paths/~1hotels~1{hotelId}~1transactions/get/responses/200/schema";
        assert_eq!(
            fragment(pointer),
            "/paths/~1hotels~1%7BhotelId%7D~1transactions/get/responses/200/schema"
        );
        assert_eq!(unfragment(&fragment(pointer)), pointer);
        assert!(is_uuid("3fa85f64-5717-4562-b3fc-2c963f66afa6"));
        assert!(!is_uuid("3fa85f6457174562b3fc2c963f66afa6"));
    }
}
