//! [`Call`]: one request as a connector describes it, and its [`Body`].

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use url::Url;

/// One request: what to send, and whether it changes state at the vendor.
///
/// `write` decides everything the transport may do about a failure: a read
/// is sent again while it fails transiently (per the transport's
/// [`RetryPolicy`](pms_core::RetryPolicy)); a write is sent once, and a
/// failure after it may have left is [`MaybeSent`](crate::TransportError::MaybeSent).
#[derive(Clone)]
pub struct Call {
    /// The vendor operation, for logs and errors (`reservations/getAll`,
    /// `getReservation`, `FetchBooking`, `postBillingCharges`).
    pub operation: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The full URL, query included.
    pub url: Url,
    /// Headers of the envelope (auth, `SOAPAction`, property ids). Mark
    /// credentials sensitive ([`sensitive`]) so no `Debug` shows them.
    pub headers: HeaderMap,
    /// The body.
    pub body: Body,
    /// Whether the request changes state at the vendor.
    pub write: bool,
}

impl Call {
    /// A call without headers or body.
    pub fn new(operation: &'static str, method: Method, url: Url, write: bool) -> Self {
        Call {
            operation,
            method,
            url,
            headers: HeaderMap::new(),
            body: Body::None,
            write,
        }
    }

    /// The call with `body`.
    pub fn with_body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }
}

/// Neither the query (it may name a guest), the body (Mews sends its tokens
/// in it) nor header values (credentials) are shown.
impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.url.path())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &self.body)
            .field("write", &self.write)
            .finish()
    }
}

/// A request body, already encoded; the kind sets `Content-Type` unless the
/// call's headers name one.
#[derive(Clone, Default)]
pub enum Body {
    /// No body.
    #[default]
    None,
    /// `application/json`.
    Json(Bytes),
    /// `application/x-www-form-urlencoded`.
    Form(Bytes),
    /// `text/xml; charset=utf-8` (SOAP 1.1).
    Xml(Bytes),
}

impl Body {
    /// A form body of `pairs`, encoded as `application/x-www-form-urlencoded`
    /// (the same encoding as a query string: `url`'s serializer).
    pub fn form<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in pairs {
            form.append_pair(key.as_ref(), value.as_ref());
        }
        Body::Form(Bytes::from(form.finish()))
    }

    /// The encoded bytes and their `Content-Type`, if any.
    pub(crate) fn parts(&self) -> Option<(&Bytes, &'static str)> {
        match self {
            Body::None => None,
            Body::Json(bytes) => Some((bytes, "application/json")),
            Body::Form(bytes) => Some((bytes, "application/x-www-form-urlencoded")),
            Body::Xml(bytes) => Some((bytes, "text/xml; charset=utf-8")),
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parts() {
            None => f.write_str("None"),
            Some((bytes, content_type)) => write!(f, "{content_type} ({} bytes)", bytes.len()),
        }
    }
}

/// A header value marked sensitive (never shown by `Debug`, not indexed by
/// HTTP/2 HPACK), for tokens and keys. `None` when `value` is not a valid
/// header value (control characters).
pub fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_neither_query_body_nor_header_values() {
        let mut call = Call::new(
            "getGuest",
            Method::POST,
            Url::parse("https://api.example.com/api/v1.3/getGuest?guestName=Ada+Lovelace").unwrap(),
            false,
        )
        .with_body(Body::Json(Bytes::from_static(br#"{"AccessToken":"sekrit"}"#)));
        call.headers
            .insert("x-api-key", sensitive("cbat_sekrit").unwrap());
        let shown = format!("{call:?}");
        assert!(!shown.contains("Lovelace"), "{shown}");
        assert!(!shown.contains("sekrit"), "{shown}");
        assert!(shown.contains("application/json (24 bytes)"), "{shown}");
        assert!(shown.contains("x-api-key"), "{shown}");
    }

    #[test]
    fn forms_are_url_encoded() {
        let Body::Form(bytes) = Body::form([("a b", "c&d"), ("items[0][x]", "é")]) else {
            panic!("a form");
        };
        assert_eq!(&bytes[..], b"a+b=c%26d&items%5B0%5D%5Bx%5D=%C3%A9");
    }
}
