//! SOAP 1.1 answers: the response envelope with the echoed `OGHeader`,
//! `Result` SUCCESS/FAIL, and SOAP Faults.
//!
//! - The response echoes the request's `OGHeader` with `Origin` and
//!   `Destination` swapped and the same `transactionID` (the captured OPERA
//!   Cloud FetchBooking response, opera.md §1.3/§1.6). The capture also echoes
//!   `Authentication/UserCredentials` with the password; the simulator leaves
//!   credentials out of the echo rather than reflect a secret.
//! - On the Cloud gateway path the response carries
//!   `wsse:Security soap:mustUnderstand="1"` with a `wsu:Timestamp`, as the
//!   capture does.
//! - `Result` carries `c:Text/c:TextElement`, `c:IDs`, `c:OperaErrorCode` and
//!   `hc:GDSError@errorCode@elementId` in that order (the SUCCESS capture,
//!   opera.md §1.5); prefixes are re-declared per element as in the capture.
//! - Faults are SOAP 1.1 `faultcode`/`faultstring`, HTTP 500 (SOAP 1.1 §6.2).
//!   No verbatim OPERA fault is public (opera.md §8): the faultstrings follow
//!   the "CODE: message" pattern the notes describe, and WS-Security failures
//!   use the OASIS WSS 1.0 fault codes (`wsse:FailedAuthentication`,
//!   `wsse:MessageExpired`, `wsse:InvalidSecurity`; SOAP Message Security 1.0 §12).

use std::io;

use chrono::{DateTime, Duration, Utc};

use super::xml::{Xml, ns};

/// What the response's `OGHeader` echoes.
#[derive(Debug, Clone, Default)]
pub struct Echo {
    pub transaction_id: String,
    pub origin: (String, String),
    pub destination: (String, String),
}

/// A business refusal: `Result resultStatusFlag="FAIL"` in an HTTP 200.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fail {
    /// `c:OperaErrorCode`: the simulator's own upper-case codes (Oracle's list
    /// is behind Oracle Support, opera.md §4.6).
    pub code: &'static str,
    /// `c:Text/c:TextElement`.
    pub text: String,
    /// `hc:GDSError` `(errorCode, elementId, value)`, when the error has one.
    pub gds: Option<(&'static str, &'static str, &'static str)>,
}

impl Fail {
    pub fn new(code: &'static str, text: impl Into<String>) -> Self {
        Fail {
            code,
            text: text.into(),
            gds: None,
        }
    }

    /// The hotel code is not the one this interface serves: the FAIL quoted in
    /// MentatSystemsHospitality `GdsError.cs` (opera.md §1.5).
    pub fn property_restricted(code: &str) -> Self {
        Fail {
            code: "PROPERTY_RESTRICTED",
            text: format!("Property {code} is not available to this interface user."),
            gds: Some(("25", "PID", "")),
        }
    }

    /// A request element is missing or unreadable.
    pub fn invalid(what: impl std::fmt::Display) -> Self {
        Fail::new("INVALID_REQUEST", format!("Invalid request: {what}"))
    }
}

/// A SOAP Fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// HTTP status (500 per SOAP 1.1; 413 for an oversized body).
    pub status: u16,
    /// `faultcode`, e.g. `soap:Client`, `wsse:FailedAuthentication`.
    pub code: &'static str,
    /// `faultstring`.
    pub string: String,
}

impl Fault {
    pub fn client(string: impl Into<String>) -> Self {
        Fault {
            status: 500,
            code: "soap:Client",
            string: string.into(),
        }
    }

    pub fn server(string: impl Into<String>) -> Self {
        Fault {
            status: 500,
            code: "soap:Server",
            string: string.into(),
        }
    }

    pub fn security(code: &'static str, string: impl Into<String>) -> Self {
        Fault {
            status: 500,
            code,
            string: string.into(),
        }
    }

    /// The envelope with this fault.
    pub fn render(&self) -> io::Result<Vec<u8>> {
        let mut w = Xml::new()?;
        w.start("soap:Envelope", &[("xmlns:soap", ns::SOAP)])?;
        w.start("soap:Body", &[])?;
        let mut attrs = Vec::new();
        if self.code.starts_with("wsse:") {
            attrs.push(("xmlns:wsse", ns::WSSE));
        }
        w.start("soap:Fault", &attrs)?;
        w.text("faultcode", &[], self.code)?;
        w.text("faultstring", &[], &self.string)?;
        w.end("soap:Fault")?;
        w.end("soap:Body")?;
        w.end("soap:Envelope")?;
        Ok(w.finish())
    }
}

/// `2026-03-01T10:00:00Z`.
pub fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn result(w: &mut Xml, fail: Option<&Fail>) -> io::Result<()> {
    let flag = if fail.is_some() { "FAIL" } else { "SUCCESS" };
    w.start("s0:Result", &[("resultStatusFlag", flag)])?;
    let common = [("xmlns:s2", ns::COMMON)];
    match fail {
        Some(fail) => {
            w.start("s2:Text", &common)?;
            w.text("s2:TextElement", &[], &fail.text)?;
            w.end("s2:Text")?;
            w.empty("s2:IDs", &common)?;
            w.text("s2:OperaErrorCode", &common, fail.code)?;
            let (error_code, element_id, value) = fail.gds.unwrap_or(("", "", ""));
            w.text(
                "s1:GDSError",
                &[
                    ("xmlns:s1", ns::HOTEL_COMMON),
                    ("errorCode", error_code),
                    ("elementId", element_id),
                ],
                value,
            )?;
        }
        None => {
            w.empty("s2:Text", &common)?;
            w.empty("s2:IDs", &common)?;
            w.empty("s2:OperaErrorCode", &common)?;
            w.empty(
                "s1:GDSError",
                &[
                    ("xmlns:s1", ns::HOTEL_COMMON),
                    ("errorCode", ""),
                    ("elementId", ""),
                ],
            )?;
        }
    }
    w.end("s0:Result")
}

/// A complete response envelope: echoed header, then
/// `<s0:{operation}Response xmlns:s0="{response_ns}">` with `Result` and,
/// on success, `content` (written by the operation with its own prefixes).
pub fn response(
    echo: &Echo,
    cloud: bool,
    now: DateTime<Utc>,
    operation: &str,
    response_ns: &str,
    outcome: Result<&[u8], &Fail>,
) -> io::Result<Vec<u8>> {
    let mut w = Xml::new()?;
    w.start(
        "soap:Envelope",
        &[
            ("xmlns:soap", ns::SOAP),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xmlns:xsd", "http://www.w3.org/2001/XMLSchema"),
        ],
    )?;
    w.start("soap:Header", &[])?;
    let stamp = utc_stamp(now);
    w.start(
        "s6:OGHeader",
        &[
            ("xmlns:s6", ns::CORE),
            ("soap:mustUnderstand", "0"),
            ("transactionID", &echo.transaction_id),
            ("timeStamp", &stamp),
            ("primaryLangID", "E"),
        ],
    )?;
    // Swapped: the PMS answers as the request's destination.
    w.empty(
        "s6:Origin",
        &[
            ("entityID", &echo.destination.0),
            ("systemType", &echo.destination.1),
        ],
    )?;
    w.empty(
        "s6:Destination",
        &[("entityID", &echo.origin.0), ("systemType", &echo.origin.1)],
    )?;
    w.end("s6:OGHeader")?;
    if cloud {
        let expires = utc_stamp(now + Duration::minutes(5));
        let id = format!("Timestamp-{}", echo.transaction_id);
        w.start(
            "wsse:Security",
            &[("xmlns:wsse", ns::WSSE), ("soap:mustUnderstand", "1")],
        )?;
        w.start("wsu:Timestamp", &[("xmlns:wsu", ns::WSU), ("wsu:Id", &id)])?;
        w.text("wsu:Created", &[], &stamp)?;
        w.text("wsu:Expires", &[], &expires)?;
        w.end("wsu:Timestamp")?;
        w.end("wsse:Security")?;
    }
    w.end("soap:Header")?;
    w.start("soap:Body", &[])?;
    let element = format!("s0:{operation}Response");
    w.start(&element, &[("xmlns:s0", response_ns)])?;
    match outcome {
        Ok(content) => {
            result(&mut w, None)?;
            w.raw(content);
        }
        Err(fail) => result(&mut w, Some(fail))?,
    }
    w.end(&element)?;
    w.end("soap:Body")?;
    w.end("soap:Envelope")?;
    Ok(w.finish())
}
