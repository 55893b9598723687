//! Whether a request presents the credentials its operation's `security`
//! asks for: OpenAPI 3.0 `components.securitySchemes` and Swagger 2.0
//! `securityDefinitions`. A requirement list is a choice (any one entry
//! will do) of sets (every scheme of the entry); an empty list, or an empty
//! entry, asks for nothing. Only presence and form are checked (a key in
//! its header or query parameter, `Authorization: Bearer …` / `Basic …`),
//! never whether the credential is valid.

use serde_json::Value;

use crate::Violation;
use crate::document::Document;
use crate::http::Request;

/// The document's security schemes by name.
fn schemes(document: &Document) -> Option<&serde_json::Map<String, Value>> {
    document
        .at("/components/securitySchemes")
        .or_else(|| document.at("/securityDefinitions"))
        .and_then(Value::as_object)
}

/// The requirement list of the operation at `op_pointer` (its own, else
/// the document's), or `None` where the document states none.
fn requirements<'a>(document: &'a Document, op_pointer: &str) -> Option<&'a Vec<Value>> {
    document
        .at(&format!("{op_pointer}/security"))
        .or_else(|| document.at("/security"))
        .and_then(Value::as_array)
}

fn authorization_is(request: &Request, scheme: &str) -> bool {
    request.header("authorization").is_some_and(|v| {
        v.split_once(' ')
            .is_some_and(|(s, rest)| s.eq_ignore_ascii_case(scheme) && !rest.trim().is_empty())
    })
}

/// Whether `request` presents `scheme` (unknown kinds count as presented:
/// nothing can be judged of them).
fn presented(scheme: &Value, request: &Request, query: &[(String, String)]) -> bool {
    let text = |key: &str| scheme.get(key).and_then(Value::as_str).unwrap_or_default();
    match text("type") {
        "apiKey" => {
            let name = text("name");
            match text("in") {
                "header" => request.header(name).is_some_and(|v| !v.trim().is_empty()),
                "query" => query.iter().any(|(k, v)| k == name && !v.is_empty()),
                "cookie" => request.header("cookie").is_some_and(|c| {
                    c.split(';')
                        .any(|pair| pair.trim().split_once('=').is_some_and(|(k, _)| k == name))
                }),
                _ => true,
            }
        }
        "http" if text("scheme").eq_ignore_ascii_case("basic") => authorization_is(request, "basic"),
        "http" => authorization_is(request, text("scheme")),
        "basic" => authorization_is(request, "basic"),
        "oauth2" | "openIdConnect" => authorization_is(request, "bearer"),
        _ => true,
    }
}

/// The query parameter names the document's API-key schemes use: sent as
/// credentials, they are not undeclared parameters.
pub(crate) fn query_key_names(document: &Document) -> Vec<&str> {
    schemes(document)
        .into_iter()
        .flat_map(|s| s.values())
        .filter(|s| s.get("type").and_then(Value::as_str) == Some("apiKey"))
        .filter(|s| s.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|s| s.get("name").and_then(Value::as_str))
        .collect()
}

/// A violation when `request` presents none of the credential sets the
/// operation at `op_pointer` accepts.
pub(crate) fn check(
    document: &Document,
    op_pointer: &str,
    request: &Request,
    query: &[(String, String)],
) -> Option<Violation> {
    let requirements = requirements(document, op_pointer)?;
    let open = requirements.is_empty()
        || requirements
            .iter()
            .any(|r| r.as_object().is_some_and(serde_json::Map::is_empty));
    if open {
        return None;
    }
    let schemes = schemes(document);
    let met = requirements.iter().any(|requirement| {
        requirement.as_object().is_some_and(|set| {
            set.keys().all(|name| {
                schemes
                    .and_then(|s| s.get(name))
                    .is_none_or(|scheme| presented(scheme, request, query))
            })
        })
    });
    if met {
        return None;
    }
    let accepted: Vec<String> = requirements
        .iter()
        .filter_map(Value::as_object)
        .map(|set| set.keys().cloned().collect::<Vec<_>>().join("+"))
        .collect();
    let rule = if document.at(&format!("{op_pointer}/security")).is_some() {
        format!("{op_pointer}/security")
    } else {
        "/security".to_owned()
    };
    Some(Violation::rule(
        "request credentials",
        "",
        rule,
        format!("none of the accepted schemes {accepted:?} is presented"),
    ))
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
                "openapi": "3.0.1",
                "components": {"securitySchemes": {
                    "key": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "oauth": {"type": "oauth2", "flows": {}},
                    "query": {"type": "apiKey", "in": "query", "name": "token"}
                }},
                "paths": {
                    "/a": {"get": {"security": [{"key": []}, {"oauth": []}]}},
                    "/b": {"get": {"security": [{"bearer": []}]}},
                    "/c": {"get": {"security": []}},
                    "/d": {"get": {"security": [{"key": [], "query": []}]}},
                    "/e": {"get": {}}
                }
            }),
        )
        .unwrap()
    }

    fn request(headers: &[(&str, &str)]) -> Request {
        Request {
            method: "GET".into(),
            path: "/".into(),
            query: String::new(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn any_one_accepted_set_will_do_and_each_set_needs_all_its_schemes() {
        let d = doc();
        let at = |p: &str| format!("/paths/~1{p}/get");
        assert!(check(&d, &at("a"), &request(&[("x-api-key", "k")]), &[]).is_none());
        assert!(check(&d, &at("a"), &request(&[("authorization", "Bearer t")]), &[]).is_none());
        let none = check(&d, &at("a"), &request(&[]), &[]).unwrap();
        assert_eq!(none.rule, "/paths/~1a/get/security");
        assert!(none.message.contains("[\"key\", \"oauth\"]"), "{}", none.message);
        // Bearer only: an API key header is not a bearer token.
        assert!(check(&d, &at("b"), &request(&[("x-api-key", "k")]), &[]).is_some());
        assert!(check(&d, &at("b"), &request(&[("authorization", "Basic dTpw")]), &[]).is_some());
        assert!(check(&d, &at("b"), &request(&[("authorization", "bearer t")]), &[]).is_none());
        // `security: []` and no security at all ask for nothing.
        assert!(check(&d, &at("c"), &request(&[]), &[]).is_none());
        assert!(check(&d, &at("e"), &request(&[]), &[]).is_none());
        // Both schemes of one set.
        let query = vec![("token".to_owned(), "t".to_owned())];
        assert!(check(&d, &at("d"), &request(&[("x-api-key", "k")]), &[]).is_some());
        assert!(check(&d, &at("d"), &request(&[("x-api-key", "k")]), &query).is_none());
        assert_eq!(query_key_names(&d), vec!["token"]);
    }
}
