//! One vendor document: finding the operation a request is for, and
//! checking the request and its answer against it.

use std::path::Path;

use serde_json::Value;

use crate::document::{Dialect, Document};
use crate::form::{form_object, parameter_value};
use crate::http::{Request, Response, media_type};
use crate::schema::{Formats, Schemas};
use crate::undeclared::undeclared;
use crate::{ContractError, Violation};

/// A loaded vendor document with its compiled schemas.
#[derive(Debug)]
pub struct Spec {
    name: String,
    document: Document,
    schemas: Schemas,
}

/// The operation a request was matched to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `operationId`, else `METHOD template`.
    pub id: String,
    /// Lower-case method as the document keys it.
    pub method: String,
    /// The path template, e.g. `/hotels/{hotelId}/transactions`.
    pub template: String,
    /// JSON pointer of the operation object.
    pub pointer: String,
    /// Path parameters taken from the request path.
    pub path_params: Vec<(String, String)>,
}

/// What checking an answer found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerFindings {
    /// Schema violations.
    pub violations: Vec<Violation>,
    /// JSON pointers of fields the answer has and the schema does not declare.
    pub undeclared: Vec<String>,
}

fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_owned())
}

/// One declared parameter: where it is, its schema and how to read it.
struct Param<'a> {
    name: &'a str,
    location: &'a str,
    required: bool,
    /// The schema's pointer (OpenAPI 3, Swagger body) or, for Swagger 2
    /// non-body parameters, an inline schema built from the parameter.
    schema: ParamSchema<'a>,
    csv: bool,
}

enum ParamSchema<'a> {
    At(String, &'a Value),
    Inline(Value),
    None,
}

/// The schema keywords of a Swagger 2.0 non-body parameter.
const SWAGGER_SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "enum",
    "pattern",
    "maxLength",
    "minLength",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
];

impl Spec {
    /// Loads the document at `path`; `name` identifies it in messages and
    /// in the schema registry; `formats` adds the vendor's documented forms.
    pub fn load(name: &str, path: &Path, formats: Formats) -> Result<Self, ContractError> {
        let document = Document::load(path)?;
        Self::from_document(name, document, formats)
    }

    /// A spec over an already loaded document.
    pub fn from_document(name: &str, document: Document, formats: Formats) -> Result<Self, ContractError> {
        let schemas = Schemas::new(&document, name, formats)?;
        Ok(Spec {
            name: name.to_owned(),
            document,
            schemas,
        })
    }

    /// The document's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The rewritten document.
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// Validates `value` against the schema at `pointer` in the document
    /// (`/definitions/exceptionDetailType`), with the fields it does not
    /// declare as violations too.
    pub fn check_value(
        &self,
        what: &str,
        value: &Value,
        pointer: &str,
    ) -> Result<Vec<Violation>, ContractError> {
        let mut out = self.schemas.check(what, value, pointer)?;
        out.extend(
            undeclared(&self.document, value, pointer)
                .into_iter()
                .map(|p| Violation::rule(what, p, "not declared", "the schema declares no such field")),
        );
        Ok(out)
    }

    /// Whether `path` is under this document's base path.
    pub fn covers(&self, path: &str) -> bool {
        self.relative(path).is_some()
    }

    fn relative<'p>(&self, path: &'p str) -> Option<&'p str> {
        let base = self.document.base_path.as_str();
        let rest = path.strip_prefix(base)?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }

    /// The operation for `method` and the request `path` (with the base
    /// path): templates match segment by segment, `{name}` takes one
    /// segment, and the template with the most literal segments wins.
    pub fn operation(&self, method: &str, path: &str) -> Result<Operation, ContractError> {
        let method = method.to_ascii_lowercase();
        let none = || ContractError::NoOperation {
            spec: self.name.clone(),
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
        };
        let relative = self.relative(path).ok_or_else(none)?;
        let wanted: Vec<&str> = relative.trim_start_matches('/').split('/').collect();
        let paths = self
            .document
            .root
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(none)?;
        let mut best: Option<(usize, Operation)> = None;
        for (template, item) in paths {
            let Some(op) = item.get(&method) else { continue };
            let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
            if parts.len() != wanted.len() {
                continue;
            }
            let mut literal = 0;
            let mut params = Vec::new();
            let matched = parts.iter().zip(&wanted).all(|(p, w)| {
                if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    params.push((name.to_owned(), percent_decode(w)));
                    !w.is_empty()
                } else {
                    literal += 1;
                    p == w
                }
            });
            if !matched || best.as_ref().is_some_and(|(n, _)| *n >= literal) {
                continue;
            }
            let id = op.get("operationId").and_then(Value::as_str).map_or_else(
                || format!("{} {template}", method.to_ascii_uppercase()),
                str::to_owned,
            );
            best = Some((
                literal,
                Operation {
                    id,
                    method: method.clone(),
                    template: template.clone(),
                    pointer: format!("/paths/{}/{method}", escape(template)),
                    path_params: params,
                },
            ));
        }
        best.map(|(_, op)| op).ok_or_else(none)
    }

    /// The parameter definition `raw` (at `pointer`, `$ref`s followed).
    fn param_at<'a>(&'a self, raw: &'a Value, pointer: &str) -> Option<Param<'a>> {
        let (param, at) = self.document.deref(raw, pointer)?;
        let name = param.get("name").and_then(Value::as_str)?;
        let location = param.get("in").and_then(Value::as_str)?;
        let schema = if let Some(schema) = param.get("schema") {
            ParamSchema::At(format!("{at}/schema"), schema)
        } else if self.document.dialect == Dialect::Swagger2 {
            let mut inline = serde_json::Map::new();
            for key in SWAGGER_SCHEMA_KEYS {
                if let Some(v) = param.get(*key) {
                    inline.insert((*key).to_owned(), v.clone());
                }
            }
            if inline.get("type").and_then(Value::as_str) == Some("file") {
                ParamSchema::None
            } else {
                ParamSchema::Inline(Value::Object(inline))
            }
        } else {
            ParamSchema::None
        };
        let csv = match self.document.dialect {
            Dialect::Swagger2 => {
                param
                    .get("collectionFormat")
                    .and_then(Value::as_str)
                    .unwrap_or("csv")
                    == "csv"
            }
            Dialect::OpenApi3 => param.get("explode") == Some(&Value::Bool(false)),
        };
        Some(Param {
            name,
            location,
            required: param.get("required") == Some(&Value::Bool(true)) || location == "path",
            schema,
            csv,
        })
    }

    /// Checks `request`'s headers and query parameters against the
    /// document's own parameter definitions at `pointers`
    /// (`/parameters/x-request-id`): for a request whose operation is in a
    /// document the test does not have, but which uses definitions this
    /// document shares (OHIP's `authorization`, `x-app-key`, `x-hotelid`,
    /// `x-request-id`). A pointer that names no parameter is a violation.
    pub fn check_parameters(
        &self,
        pointers: &[&str],
        request: &Request,
    ) -> Result<Vec<Violation>, ContractError> {
        let mut out = Vec::new();
        let query: Vec<(String, String)> = url::form_urlencoded::parse(request.query.as_bytes())
            .into_owned()
            .collect();
        for pointer in pointers {
            let param = self
                .document
                .at(pointer)
                .and_then(|raw| self.param_at(raw, pointer));
            let Some(param) = param else {
                out.push(Violation::rule(
                    "parameter",
                    "",
                    *pointer,
                    "the document defines no parameter here",
                ));
                continue;
            };
            let values: Vec<&str> = match param.location {
                "header" => request
                    .headers
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(param.name))
                    .map(|(_, v)| v.as_str())
                    .collect(),
                "query" => query
                    .iter()
                    .filter(|(k, _)| k == param.name)
                    .map(|(_, v)| v.as_str())
                    .collect(),
                _ => Vec::new(),
            };
            if values.is_empty() {
                if param.required {
                    out.push(Violation::rule(
                        format!("{} parameter `{}`", param.location, param.name),
                        "",
                        "required",
                        "required by the definition but not sent",
                    ));
                }
                continue;
            }
            self.check_param(&param, &values, &mut out)?;
        }
        Ok(out)
    }

    fn params<'a>(&'a self, op: &Operation) -> Vec<Param<'a>> {
        let item_pointer = format!("/paths/{}", escape(&op.template));
        let mut out: Vec<Param<'a>> = Vec::new();
        for owner in [item_pointer, op.pointer.clone()] {
            let list_pointer = format!("{owner}/parameters");
            let Some(list) = self.document.at(&list_pointer).and_then(Value::as_array) else {
                continue;
            };
            for (i, raw) in list.iter().enumerate() {
                let Some(param) = self.param_at(raw, &format!("{list_pointer}/{i}")) else {
                    continue;
                };
                out.retain(|p| !(p.name == param.name && p.location == param.location));
                out.push(param);
            }
        }
        out
    }

    fn check_param(
        &self,
        param: &Param<'_>,
        values: &[&str],
        out: &mut Vec<Violation>,
    ) -> Result<(), ContractError> {
        let what = format!("{} parameter `{}`", param.location, param.name);
        match &param.schema {
            ParamSchema::At(pointer, schema) => {
                let value = parameter_value(&self.document, schema, values, param.csv);
                out.extend(self.schemas.check(&what, &value, pointer)?);
            }
            ParamSchema::Inline(schema) => {
                let value = parameter_value(&self.document, schema, values, param.csv);
                out.extend(self.schemas.check_inline(&what, &value, schema)?);
            }
            ParamSchema::None => {}
        }
        Ok(())
    }

    /// Checks a request against `op`: the credentials its `security` asks
    /// for, every declared parameter (path, query, header, Swagger
    /// `formData`) and the body; a query parameter, form field or body field
    /// the document does not declare is a violation (request schemas are
    /// read as closed).
    pub fn check_request(&self, op: &Operation, request: &Request) -> Result<Vec<Violation>, ContractError> {
        let mut out = Vec::new();
        let params = self.params(op);
        let query: Vec<(String, String)> = url::form_urlencoded::parse(request.query.as_bytes())
            .into_owned()
            .collect();
        let is_form = request.media_type().as_deref() == Some("application/x-www-form-urlencoded");
        let form: Vec<(String, String)> = if is_form {
            url::form_urlencoded::parse(&request.body).into_owned().collect()
        } else {
            Vec::new()
        };
        for param in &params {
            let values: Vec<&str> = match param.location {
                "query" => query
                    .iter()
                    .filter(|(k, _)| k == param.name)
                    .map(|(_, v)| v.as_str())
                    .collect(),
                "formData" => form
                    .iter()
                    .filter(|(k, _)| k == param.name)
                    .map(|(_, v)| v.as_str())
                    .collect(),
                "path" => op
                    .path_params
                    .iter()
                    .filter(|(k, _)| k == param.name)
                    .map(|(_, v)| v.as_str())
                    .collect(),
                "header" => request
                    .headers
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(param.name))
                    .map(|(_, v)| v.as_str())
                    .collect(),
                _ => continue,
            };
            if values.is_empty() {
                if param.required {
                    out.push(Violation::rule(
                        format!("{} parameter `{}`", param.location, param.name),
                        "",
                        "required",
                        "required by the operation but not sent",
                    ));
                }
                continue;
            }
            self.check_param(param, &values, &mut out)?;
        }
        out.extend(crate::security::check(
            &self.document,
            &op.pointer,
            request,
            &query,
        ));
        let key_names = crate::security::query_key_names(&self.document);
        for (location, sent) in [("query", &query), ("formData", &form)] {
            if location == "formData" && self.document.dialect == Dialect::OpenApi3 {
                continue;
            }
            for (name, _) in sent.iter() {
                let credential = location == "query" && key_names.contains(&name.as_str());
                if !credential
                    && !params
                        .iter()
                        .any(|p| p.location == location && p.name == name.as_str())
                {
                    out.push(Violation::rule(
                        format!("{location} parameter `{name}`"),
                        "",
                        "not declared",
                        "the operation declares no such parameter",
                    ));
                }
            }
        }
        self.check_request_body(op, request, &params, &form, &mut out)?;
        Ok(out)
    }

    /// Whether `op` declares a request body (OpenAPI 3 `requestBody`,
    /// Swagger 2 a `body` or `formData` parameter).
    fn takes_body(&self, op: &Operation) -> bool {
        match self.document.dialect {
            Dialect::OpenApi3 => self.document.at(&format!("{}/requestBody", op.pointer)).is_some(),
            Dialect::Swagger2 => self
                .params(op)
                .iter()
                .any(|p| matches!(p.location, "body" | "formData")),
        }
    }

    /// `request`, sent with another verb than `op`'s, as the documented
    /// operation would read it: `op`'s method, and, where `op` takes no
    /// body but a form was sent, the form's fields as query parameters
    /// (a `DELETE` documented with query parameters, sent as a `POST` with
    /// the same names in a form).
    pub fn as_documented(&self, op: &Operation, request: &Request) -> Request {
        let mut documented = request.clone();
        documented.method = op.method.to_ascii_uppercase();
        let is_form = request.media_type().as_deref() == Some("application/x-www-form-urlencoded");
        if is_form && !self.takes_body(op) {
            let fields = String::from_utf8_lossy(&request.body).into_owned();
            documented.query = [request.query.as_str(), fields.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("&");
            documented.body.clear();
            documented
                .headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
        }
        documented
    }

    fn check_request_body(
        &self,
        op: &Operation,
        request: &Request,
        params: &[Param<'_>],
        form: &[(String, String)],
        out: &mut Vec<Violation>,
    ) -> Result<(), ContractError> {
        let has_body = !request.body.is_empty();
        let media = request.media_type().unwrap_or_default();
        let (pointer, required) = match self.document.dialect {
            Dialect::Swagger2 => {
                if params.iter().any(|p| p.location == "formData") {
                    return Ok(()); // checked as parameters
                }
                match params.iter().find(|p| p.location == "body") {
                    Some(Param {
                        schema: ParamSchema::At(pointer, _),
                        required,
                        ..
                    }) => (Some(pointer.clone()), *required),
                    _ => (None, false),
                }
            }
            Dialect::OpenApi3 => {
                let body_pointer = format!("{}/requestBody", op.pointer);
                match self
                    .document
                    .at(&body_pointer)
                    .and_then(|b| self.document.deref(b, &body_pointer))
                {
                    None => (None, false),
                    Some((body, at)) => {
                        let required = body.get("required") == Some(&Value::Bool(true));
                        let content = body.get("content").and_then(Value::as_object);
                        let declared = content.and_then(|c| c.keys().find(|k| media_type(k) == media));
                        match declared {
                            Some(key) => (Some(format!("{at}/content/{}/schema", escape(key))), required),
                            None if has_body => {
                                let known: Vec<&String> =
                                    content.map(|c| c.keys().collect()).unwrap_or_default();
                                out.push(Violation::rule(
                                    "request body",
                                    "",
                                    "content",
                                    format!("sent as `{media}`; the operation takes {known:?}"),
                                ));
                                return Ok(());
                            }
                            None => (None, required),
                        }
                    }
                }
            }
        };
        let Some(pointer) = pointer else {
            if has_body && !(is_form_media(&media) && form.is_empty()) {
                out.push(Violation::rule(
                    "request body",
                    "",
                    "requestBody",
                    "a body was sent; the operation declares none",
                ));
            }
            return Ok(());
        };
        if !has_body {
            if required {
                out.push(Violation::rule(
                    "request body",
                    "",
                    "required",
                    "required but not sent",
                ));
            }
            return Ok(());
        }
        let value = if is_form_media(&media) {
            form_object(&self.document, form, &pointer)
        } else {
            match serde_json::from_slice::<Value>(&request.body) {
                Ok(v) => v,
                Err(e) => {
                    out.push(Violation::rule(
                        "request body",
                        "",
                        "json",
                        format!("not JSON: {e}"),
                    ));
                    return Ok(());
                }
            }
        };
        out.extend(self.schemas.check("request body", &value, &pointer)?);
        out.extend(undeclared(&self.document, &value, &pointer).into_iter().map(|p| {
            Violation::rule(
                "request body",
                p,
                "not declared",
                "the request schema declares no such field",
            )
        }));
        Ok(())
    }

    /// The schema pointer of `op`'s answer for `status` and `media`:
    /// `Ok(None)` when the document declares the status without a body.
    fn response_schema(&self, op: &Operation, status: u16, media: &str) -> Result<Option<String>, Violation> {
        let responses_pointer = format!("{}/responses", op.pointer);
        let responses = self.document.at(&responses_pointer).and_then(Value::as_object);
        let status_text = status.to_string();
        let range = format!("{}XX", status / 100);
        let key = [status_text.as_str(), range.as_str(), "default"]
            .into_iter()
            .find(|k| responses.is_some_and(|r| r.contains_key(*k)))
            .ok_or_else(|| {
                Violation::rule(
                    "response",
                    "",
                    "responses",
                    format!("status {status} is not an answer the operation declares"),
                )
            })?;
        let at = format!("{responses_pointer}/{}", escape(key));
        let Some((response, at)) = self.document.at(&at).and_then(|r| self.document.deref(r, &at)) else {
            return Ok(None);
        };
        match self.document.dialect {
            Dialect::Swagger2 => Ok(response.get("schema").map(|_| format!("{at}/schema"))),
            Dialect::OpenApi3 => {
                let Some(content) = response.get("content").and_then(Value::as_object) else {
                    return Ok(None);
                };
                match content.keys().find(|k| media_type(k) == media) {
                    Some(k) if content[k].get("schema").is_some() => {
                        Ok(Some(format!("{at}/content/{}/schema", escape(k))))
                    }
                    Some(_) => Ok(None),
                    None => Err(Violation::rule(
                        "response",
                        "",
                        "content",
                        format!(
                            "status {status} answered as `{media}`; the operation declares {:?}",
                            content.keys().collect::<Vec<_>>()
                        ),
                    )),
                }
            }
        }
    }

    /// Checks an answer of `op`: a declared status, a declared media type,
    /// and a body valid under the status's schema; fields the schema does
    /// not declare are returned apart, for an allow-list to judge.
    pub fn check_response(
        &self,
        op: &Operation,
        response: &Response,
    ) -> Result<AnswerFindings, ContractError> {
        let mut findings = AnswerFindings::default();
        let media = response.media_type().unwrap_or_default();
        let pointer = match self.response_schema(op, response.status, &media) {
            Ok(p) => p,
            Err(v) => {
                findings.violations.push(v);
                return Ok(findings);
            }
        };
        let what = format!("response {}", response.status);
        let Some(pointer) = pointer else {
            if !response.body.is_empty() {
                findings.violations.push(Violation::rule(
                    what,
                    "",
                    "responses",
                    format!(
                        "a {}-byte body where the operation declares none",
                        response.body.len()
                    ),
                ));
            }
            return Ok(findings);
        };
        if media != "application/json" {
            findings.violations.push(Violation::rule(
                what,
                "",
                "produces",
                format!("answered as `{media}`, not application/json"),
            ));
            return Ok(findings);
        }
        let value: Value = match serde_json::from_slice(&response.body) {
            Ok(v) => v,
            Err(e) => {
                findings
                    .violations
                    .push(Violation::rule(what, "", "json", format!("not JSON: {e}")));
                return Ok(findings);
            }
        };
        findings.violations = self.schemas.check(&what, &value, &pointer)?;
        findings.undeclared = undeclared(&self.document, &value, &pointer);
        Ok(findings)
    }
}

fn is_form_media(media: &str) -> bool {
    media == "application/x-www-form-urlencoded"
}
