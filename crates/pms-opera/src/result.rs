//! Turning an OWS answer into a payload or a typed error, in the order the
//! notes give (opera.md §1.5, after MentatSystemsHospitality
//! `OperaBaseService.ParseAndCheckForFail`):
//!
//! 1. a SOAP `Fault` (checked first: SOAP 1.1 servers send faults with HTTP 500);
//! 2. HTTP status ≠ 200;
//! 3. a body that is not XML (WebLogic/HTML pages such as "Error 503--Service
//!    Unavailable" or a connection-pool timeout are transient);
//! 4. the expected response element missing;
//! 5. `Result resultStatusFlag="FAIL"` with `c:Text`, `c:OperaErrorCode`, `hc:GDSError`.
//!
//! Classification of FAIL codes and fault strings is by keyword, because
//! Oracle's code list is not public (opera.md §4.6, §8); unknown codes stay
//! [`ErrorKind::Vendor`].

use std::time::Duration;

use pms_core::{ErrorKind, Pii};

use crate::error::{GdsError, OperaError, ResultFailure, SoapFault};
use crate::xml::{self, Document, Element, Limits, ns};

/// Failure strings integrators scan raw bodies for (opera.md §1.5, §7.4).
const TRANSIENT_PAGES: &[&str] = &[
    "Error 503--Service Unavailable",
    "The timeout period elapsed prior to obtaining a connection from the pool",
    "Service Unavailable",
    "Bad Gateway",
    "Gateway Timeout",
];

/// What came back over HTTP.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawAnswer<'a> {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: &'a [u8],
}

/// Checks transport-level outcomes (1–3) and returns the parsed envelope.
pub(crate) fn check_answer<'a>(
    operation: &'static str,
    transaction_id: &str,
    answer: RawAnswer<'a>,
    limits: Limits,
) -> Result<Document<'a>, OperaError> {
    let parsed = xml::parse(answer.body, limits);
    if let Ok(doc) = &parsed
        && let Some(fault) = find_fault(doc)
    {
        return Err(OperaError::Fault {
            operation,
            fault: Box::new(fault),
            transaction_id: transaction_id.to_owned(),
        });
    }
    if answer.status != 200 {
        return Err(OperaError::Http {
            operation,
            status: answer.status,
            retry_after: answer.retry_after,
            transaction_id: transaction_id.to_owned(),
        });
    }
    match parsed {
        Ok(doc) => Ok(doc),
        Err(err) => {
            // Scan for the known error pages before anything else: a WebLogic
            // 503 page starts with a DOCTYPE, and it is transient, not hostile.
            let text = String::from_utf8_lossy(answer.body).to_ascii_lowercase();
            let transient = TRANSIENT_PAGES
                .iter()
                .any(|needle| text.contains(&needle.to_ascii_lowercase()));
            if transient {
                return Err(OperaError::NotXml {
                    operation,
                    transient,
                    reason: "a service-unavailable / pool-timeout error page".to_owned(),
                    transaction_id: transaction_id.to_owned(),
                });
            }
            match err {
                xml::XmlError::Doctype | xml::XmlError::UnknownEntity | xml::XmlError::TooLarge { .. } => {
                    Err(OperaError::Xml(err))
                }
                other => Err(OperaError::NotXml {
                    operation,
                    transient: false,
                    reason: other.to_string(),
                    transaction_id: transaction_id.to_owned(),
                }),
            }
        }
    }
}

/// The transport's status table for OWS reads: `Transient` when the answer
/// is a transient failure by steps 1-3 and 5 (a 5xx, a connection-pool
/// fault, a WebLogic 503 page, a transient `Result` FAIL in the first
/// element of the Body), so that it is sent again with the same
/// `transactionID`; anything else is `None`, final. A 429 is final too, as
/// it always was here: the sync layer waits out `Retry-After`. A 200 SOAP
/// answer that names neither `Fault` nor `FAIL` is a success or a decode
/// error: it is not parsed here (the client parses it once, right after).
pub(crate) fn read_failure(answer: &pms_http::Answer) -> Option<ErrorKind> {
    read_failure_kind(answer).filter(|kind| *kind == ErrorKind::Transient)
}

fn read_failure_kind(answer: &pms_http::Answer) -> Option<ErrorKind> {
    let body = &answer.bytes[..];
    let status = answer.code();
    if status == 200 && contains(body, b"Envelope") && !contains(body, b"Fault") && !contains(body, b"FAIL") {
        return None;
    }
    let raw = RawAnswer {
        status,
        retry_after: answer.retry_after,
        body,
    };
    // The transport has bounded the body already; the other limits are the defaults.
    let limits = Limits {
        max_bytes: usize::MAX,
        ..Limits::default()
    };
    let doc = match check_answer("read", "", raw, limits) {
        Ok(doc) => doc,
        Err(err) => return Some(err.kind()),
    };
    let first = soap_body(&doc).ok()?.elements().next()?;
    let ns = first.namespace()?;
    first.child(ns, "Result")?;
    check_result("read", "", first, &[ns]).err().map(|err| err.kind())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// The SOAP `Body` of an envelope (SOAP 1.1, or 1.2 on input).
pub(crate) fn soap_body<'d>(doc: &'d Document<'_>) -> Result<Element<'d>, OperaError> {
    let root = doc.root();
    if !root.is_any(&[ns::SOAP, ns::SOAP12], "Envelope") {
        return Err(OperaError::decode(
            root.local_name(),
            "expected a SOAP Envelope (http://schemas.xmlsoap.org/soap/envelope/)",
        ));
    }
    root.child_any(&[ns::SOAP, ns::SOAP12], "Body")
        .ok_or_else(|| OperaError::decode("Envelope", "no Body"))
}

/// Step 4: the response element `{one of nss}local` in the Body.
pub(crate) fn response_element<'d>(
    doc: &'d Document<'_>,
    nss: &[&str],
    local: &str,
) -> Result<Element<'d>, OperaError> {
    soap_body(doc)?
        .child_any(nss, local)
        .ok_or_else(|| OperaError::decode(format!("Envelope/Body/{local}"), "missing response element"))
}

/// Step 5: `Result` of a response element. `SUCCESS` (or no flag at all on a
/// `Result` that carries no error) is `Ok`.
pub(crate) fn check_result(
    operation: &'static str,
    transaction_id: &str,
    response: Element<'_>,
    nss: &[&str],
) -> Result<(), OperaError> {
    let result = response
        .child_any(nss, "Result")
        .ok_or_else(|| OperaError::decode(format!("{}/Result", response.local_name()), "missing Result"))?;
    match result.attr_value("resultStatusFlag") {
        Some("SUCCESS") => Ok(()),
        Some("FAIL") => Err(OperaError::Fail {
            operation,
            failure: Box::new(failure(result)),
            transaction_id: transaction_id.to_owned(),
        }),
        Some(_) => Err(OperaError::decode(
            format!("{}/Result/@resultStatusFlag", response.local_name()),
            "not SUCCESS or FAIL",
        )),
        None => Err(OperaError::decode(
            format!("{}/Result/@resultStatusFlag", response.local_name()),
            "missing",
        )),
    }
}

fn failure(result: Element<'_>) -> ResultFailure {
    let opera_error_code = result
        .child(ns::COMMON, "OperaErrorCode")
        .and_then(Element::text_value)
        .map(str::to_owned);
    let gds_error = result.child(ns::HOTEL_COMMON, "GDSError").and_then(|g| {
        let gds = GdsError {
            code: g.attr_value("errorCode").map(str::to_owned),
            element_id: g.attr_value("elementId").map(str::to_owned),
            value: g.text_value().map(str::to_owned),
        };
        (gds.code.is_some() || gds.element_id.is_some() || gds.value.is_some()).then_some(gds)
    });
    let text: Vec<&str> = result
        .children_any(&[ns::COMMON], "Text")
        .flat_map(|t| {
            let elements: Vec<&str> = t
                .children_any(&[ns::COMMON], "TextElement")
                .filter_map(Element::text_value)
                .collect();
            if elements.is_empty() {
                t.text_value().into_iter().collect()
            } else {
                elements
            }
        })
        .collect();
    let text = text.join(" ");
    let kind = classify_fail(
        opera_error_code.as_deref(),
        gds_error.as_ref().and_then(|g| g.value.as_deref()),
        &text,
    );
    ResultFailure {
        opera_error_code,
        gds_error,
        text: Pii::new(text),
        kind,
    }
}

/// Keyword classification of a FAIL result. The codes win over the text.
pub(crate) fn classify_fail(opera_code: Option<&str>, gds_value: Option<&str>, text: &str) -> ErrorKind {
    let codes = format!("{} {}", opera_code.unwrap_or(""), gds_value.unwrap_or("")).to_ascii_uppercase();
    let by_codes = classify_words(&codes);
    if by_codes != ErrorKind::Vendor {
        return by_codes;
    }
    classify_words(&text.to_ascii_uppercase())
}

fn classify_words(upper: &str) -> ErrorKind {
    const AUTH: &[&str] = &[
        "PROPERTY_RESTRICTED",
        "AUTHENTICAT",
        "UNAUTHORI",
        "NOT AUTHORIZED",
        "CREDENTIAL",
        "PASSWORD",
        "INVALID_USER",
        "INVALID USER",
        "ACCESS DENIED",
        "ACCESS_DENIED",
        "PERMISSION",
    ];
    const NOT_FOUND: &[&str] = &[
        "NOT_FOUND",
        "NOT FOUND",
        "NOTFOUND",
        "DOES NOT EXIST",
        "NO RESERVATION",
        "NO_RESERVATION",
        "INVALID_RESERVATION",
        "INVALID RESERVATION",
        "NO PROFILE",
        "NO RECORD",
    ];
    const TRANSIENT: &[&str] = &[
        "TIMEOUT",
        "TIMED OUT",
        "UNAVAILABLE",
        "TRY AGAIN",
        "CONNECTION POOL",
    ];
    const CONFLICT: &[&str] = &[
        "ALREADY",
        "CHECKED IN",
        "CHECKED_IN",
        "CHECKEDIN",
        "CHECKED OUT",
        "CHECKED_OUT",
        "NOT DUE",
        "NOT_DUE",
        "BALANCE",
        "CLOSED",
        "NOT READY",
        "NOT_READY",
        "NOT CLEAN",
        "OCCUPIED",
        "LOCKED",
        "NOT ALLOWED",
        "NOT_ALLOWED",
    ];
    const VALIDATION: &[&str] = &[
        "INVALID",
        "REQUIRED",
        "MISSING",
        "MANDATORY",
        "FORMAT",
        "TOO LONG",
    ];
    let has = |words: &[&str]| words.iter().any(|w| upper.contains(w));
    if has(AUTH) {
        ErrorKind::Auth
    } else if has(NOT_FOUND) {
        ErrorKind::NotFound
    } else if has(TRANSIENT) {
        ErrorKind::Transient
    } else if has(CONFLICT) {
        ErrorKind::Conflict
    } else if has(VALIDATION) {
        ErrorKind::Validation
    } else {
        ErrorKind::Vendor
    }
}

/// A SOAP 1.1 `Fault` in the Body (SOAP 1.2 `Code/Value` + `Reason/Text` accepted too).
pub(crate) fn find_fault(doc: &Document<'_>) -> Option<SoapFault> {
    let body = soap_body(doc).ok()?;
    let fault = body.child_any(&[ns::SOAP, ns::SOAP12], "Fault")?;
    // SOAP 1.1 `faultcode`/`faultstring` are unqualified children.
    let unqualified = |local: &str| {
        fault
            .elements()
            .find(|e| e.namespace().is_none() && e.local_name() == local)
            .map(|e| e.text().to_owned())
    };
    let code = unqualified("faultcode")
        .or_else(|| {
            fault
                .path_any(&[ns::SOAP12], &["Code", "Value"])
                .map(|e| e.text().to_owned())
        })
        .unwrap_or_default();
    let string = unqualified("faultstring")
        .or_else(|| {
            fault
                .path_any(&[ns::SOAP12], &["Reason", "Text"])
                .map(|e| e.text().to_owned())
        })
        .unwrap_or_default();
    let string_code = string
        .split_once(':')
        .map(|(head, _)| head.trim())
        .filter(|head| {
            !head.is_empty()
                && head.len() <= 40
                && head
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        .map(str::to_owned);
    let kind = classify_fault(&code, &string);
    Some(SoapFault {
        code,
        string_code,
        string: Pii::new(string),
        kind,
    })
}

/// Timestamp/security/credential faults are [`ErrorKind::Auth`] (an OPERA
/// Cloud `wsu:Timestamp` outside its window faults: opera.md §1.3); pool and
/// availability faults are transient; other `Client` faults are ours
/// (validation); the rest stay vendor errors.
pub(crate) fn classify_fault(code: &str, string: &str) -> ErrorKind {
    let all = format!("{code} {string}").to_ascii_uppercase();
    const AUTH: &[&str] = &[
        "SECURITY",
        "TIMESTAMP",
        "EXPIRED",
        "AUTHENTICAT",
        "UNAUTHORI",
        "NOT AUTHORIZED",
        "CREDENTIAL",
        "PASSWORD",
        "WSSE",
    ];
    const TRANSIENT: &[&str] = &[
        "TIMEOUT",
        "TIMED OUT",
        "UNAVAILABLE",
        "CONNECTION POOL",
        "TRY AGAIN",
    ];
    // Transient first: the .NET pool fault reads "Timeout expired. The timeout
    // period elapsed prior to obtaining a connection from the pool", and its
    // "expired" must not make a busy server look like bad credentials.
    if TRANSIENT.iter().any(|w| all.contains(w)) {
        return ErrorKind::Transient;
    }
    if AUTH.iter().any(|w| all.contains(w)) {
        return ErrorKind::Auth;
    }
    if all.contains("NOT FOUND") {
        return ErrorKind::NotFound;
    }
    let local = code.rsplit(':').next().unwrap_or(code);
    if local.eq_ignore_ascii_case("Client") || local.eq_ignore_ascii_case("Sender") {
        return ErrorKind::Validation;
    }
    ErrorKind::Vendor
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> RawAnswer<'_> {
        RawAnswer {
            status,
            retry_after: None,
            body: body.as_bytes(),
        }
    }

    #[test]
    fn cited_fail_examples_are_classified() {
        // opera.md §1.5, from MentatSystemsHospitality GdsError.cs doc comments.
        assert_eq!(classify_fail(None, Some("INVALIDGDS"), ""), ErrorKind::Validation);
        assert_eq!(
            classify_fail(Some("PROPERTY_RESTRICTED"), None, ""),
            ErrorKind::Auth
        );
        assert_eq!(
            classify_fail(Some("XYZ_123"), None, "something odd"),
            ErrorKind::Vendor
        );
        assert_eq!(
            classify_fail(None, None, "Reservation not found"),
            ErrorKind::NotFound
        );
    }

    #[test]
    fn faults_come_first_even_with_http_500() {
        let body = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Security: timestamp expired</faultstring></soap:Fault></soap:Body></soap:Envelope>"#;
        let err = check_answer("FetchBooking", "t1", answer(500, body), Limits::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth);
        assert_eq!(err.transaction_id(), Some("t1"));
    }

    fn read_answer(status: u16, body: &str) -> Option<ErrorKind> {
        read_failure(&pms_http::Answer {
            status: pms_http::StatusCode::from_u16(status).unwrap(),
            headers: pms_http::HeaderMap::new(),
            bytes: pms_http::Bytes::copy_from_slice(body.as_bytes()),
            request_id: None,
            retry_after: None,
        })
    }

    fn fetch_booking_fail(text: &str) -> String {
        format!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><FetchBookingResponse xmlns="http://webservices.micros.com/ows/5.1/Reservation.wsdl" xmlns:c="http://webservices.micros.com/og/4.3/Common/"><Result resultStatusFlag="FAIL"><c:Text><c:TextElement>{text}</c:TextElement></c:Text></Result></FetchBookingResponse></soap:Body></soap:Envelope>"#
        )
    }

    #[test]
    fn the_read_table_resends_transient_failures_only() {
        // A transient FAIL inside a 200, as the old per-call loop resent it.
        assert_eq!(
            read_answer(200, &fetch_booking_fail("Timeout expired, try again")),
            Some(ErrorKind::Transient)
        );
        assert_eq!(
            read_answer(200, &fetch_booking_fail("Reservation not found")),
            None
        );
        // WebLogic's page is not even well-formed (`<br>`): transient whatever the status.
        let page = "<html><head><title>Error 503--Service Unavailable</title></head><body><br></body></html>";
        assert_eq!(read_answer(503, page), Some(ErrorKind::Transient));
        assert_eq!(read_answer(200, page), Some(ErrorKind::Transient));
        assert_eq!(read_answer(502, ""), Some(ErrorKind::Transient));
        // Final: an auth fault in a 500, a 429 (the sync layer waits), a success.
        let fault = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Security: timestamp expired</faultstring></soap:Fault></soap:Body></soap:Envelope>"#;
        assert_eq!(read_answer(500, fault), None);
        assert_eq!(read_answer(429, ""), None);
        let ok = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><FetchBookingResponse xmlns="http://webservices.micros.com/ows/5.1/Reservation.wsdl"><Result resultStatusFlag="SUCCESS"/></FetchBookingResponse></soap:Body></soap:Envelope>"#;
        assert_eq!(read_answer(200, ok), None);
    }

    #[test]
    fn html_pages_are_transient_or_decode() {
        let page = "<html><head><title>Error 503--Service Unavailable</title></head><body><h2>Error 503--Service Unavailable</h2><p>From RFC 2068 <i>Hypertext</i>:<br></body></html>";
        let err = check_answer("FetchBooking", "t", answer(200, page), Limits::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transient);
        let err = check_answer("FetchBooking", "t", answer(503, page), Limits::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transient);
        let err = check_answer("FetchBooking", "t", answer(200, "hello"), Limits::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
    }
}
