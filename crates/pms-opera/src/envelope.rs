//! SOAP 1.1 envelopes with the `OGHeader` (and, for OPERA Cloud, the
//! WS-Security header), written with quick-xml's [`Writer`]: every attribute
//! value and text node goes through quick-xml's escaping.
//!
//! Shapes follow opera.md §1.3 and MentatSystemsHospitality
//! `Msh.Opera.Ows/Services/Builders/SoapEnvelopeService.cs` (OPERA Cloud):
//!
//! - `OGHeader` (ns `og/4.3/Core/`) with `transactionID` (our [`RequestId`] in
//!   its 32-hex form, so a retry of one intent carries the same id and the PMS
//!   log lines up), `timeStamp` (UTC, millisecond precision), `primaryLangID="E"`,
//!   `Origin`/`Destination` `entityID`/`systemType` from configuration, and
//!   `Authentication/UserCredentials`.
//! - On-premise: `UserName`, `UserPassword`, `Domain` (hotel code).
//! - OPERA Cloud: `UserName` = `{user}@I{hotel}` (unless the configured name
//!   already holds an `@`) and `Domain`; the password travels only in
//!   `wsse:Security/wsse:UsernameToken`, next to a `wsu:Timestamp`
//!   (`Created`/`Expires`, a 3-minute window by default) whose `wsu:Id` is
//!   derived from the transactionID.
//!
//! [`RequestId`]: pms_core::RequestId

use std::io;

use chrono::{DateTime, Duration, Utc};
use pms_core::{OperaDeployment, OperaSettings};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use secrecy::ExposeSecret;

use crate::xml::ns;

/// A thin wrapper over quick-xml's writer: names are ours (static), values
/// are escaped by quick-xml.
pub struct XmlWriter {
    inner: Writer<Vec<u8>>,
}

impl std::fmt::Debug for XmlWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The buffer may hold a password: never print it.
        f.debug_struct("XmlWriter").finish_non_exhaustive()
    }
}

impl XmlWriter {
    fn new() -> Self {
        XmlWriter {
            inner: Writer::new(Vec::new()),
        }
    }

    /// `<name a="v"...>`
    pub fn start(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        let start = BytesStart::new(name).with_attributes(attrs.iter().copied());
        self.inner.write_event(Event::Start(start))
    }

    /// `</name>`
    pub fn end(&mut self, name: &str) -> io::Result<()> {
        self.inner.write_event(Event::End(BytesEnd::new(name)))
    }

    /// `<name a="v"/>`
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        let start = BytesStart::new(name).with_attributes(attrs.iter().copied());
        self.inner.write_event(Event::Empty(start))
    }

    /// `<name a="v">text</name>`, text escaped.
    pub fn text_element(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.start(name, attrs)?;
        self.inner.write_event(Event::Text(BytesText::new(text)))?;
        self.end(name)
    }

    fn finish(self) -> Vec<u8> {
        self.inner.into_inner()
    }
}

/// What goes into the header of one call.
#[derive(Debug, Clone, Copy)]
pub struct HeaderParams<'a> {
    /// `OGHeader/@transactionID`.
    pub transaction_id: &'a str,
    /// Now, from the injected clock.
    pub now: DateTime<Utc>,
    /// Credentials and OGHeader entities.
    pub settings: &'a OperaSettings,
    /// Lifetime of the WS-Security timestamp (OPERA Cloud).
    pub security_ttl: Duration,
}

/// Formats an instant as OWS timestamps are written (`2026-03-01T10:00:00.000Z`).
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The user name sent in `OGHeader/UserCredentials/UserName`.
pub fn og_user_name(settings: &OperaSettings) -> String {
    match settings.deployment {
        OperaDeployment::Cloud if !settings.username.contains('@') => {
            format!("{}@I{}", settings.username, settings.hotel_code)
        }
        _ => settings.username.clone(),
    }
}

/// A complete envelope: XML declaration, `soap:Header` and `soap:Body` with
/// whatever `body` writes. The body writer sees prefixes `c`
/// (Common) and `hc` (HotelCommon) declared on the envelope.
pub fn envelope<F>(params: &HeaderParams<'_>, body: F) -> io::Result<Vec<u8>>
where
    F: FnOnce(&mut XmlWriter) -> io::Result<()>,
{
    let mut w = XmlWriter::new();
    w.inner
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.start(
        "soap:Envelope",
        &[
            ("xmlns:soap", ns::SOAP),
            ("xmlns:c", ns::COMMON),
            ("xmlns:hc", ns::HOTEL_COMMON),
        ],
    )?;
    w.start("soap:Header", &[])?;
    if params.settings.deployment == OperaDeployment::Cloud {
        ws_security(&mut w, params)?;
    }
    og_header(&mut w, params)?;
    w.end("soap:Header")?;
    w.start("soap:Body", &[])?;
    body(&mut w)?;
    w.end("soap:Body")?;
    w.end("soap:Envelope")?;
    Ok(w.finish())
}

fn og_header(w: &mut XmlWriter, params: &HeaderParams<'_>) -> io::Result<()> {
    let settings = params.settings;
    let stamp = timestamp(params.now);
    w.start(
        "OGHeader",
        &[
            ("xmlns", ns::CORE),
            ("transactionID", params.transaction_id),
            ("timeStamp", &stamp),
            ("primaryLangID", "E"),
        ],
    )?;
    w.empty(
        "Origin",
        &[
            ("entityID", &settings.origin.entity_id),
            ("systemType", &settings.origin.system_type),
        ],
    )?;
    w.empty(
        "Destination",
        &[
            ("entityID", &settings.destination.entity_id),
            ("systemType", &settings.destination.system_type),
        ],
    )?;
    w.start("Authentication", &[])?;
    w.start("UserCredentials", &[])?;
    w.text_element("UserName", &[], &og_user_name(settings))?;
    if settings.deployment == OperaDeployment::OnPremise {
        w.text_element("UserPassword", &[], settings.password.expose_secret())?;
    }
    w.text_element("Domain", &[], &settings.hotel_code)?;
    w.end("UserCredentials")?;
    w.end("Authentication")?;
    w.end("OGHeader")
}

fn ws_security(w: &mut XmlWriter, params: &HeaderParams<'_>) -> io::Result<()> {
    let settings = params.settings;
    let created = timestamp(params.now);
    // `security_ttl` is configurable (`OperaOptions`): out of range is an
    // error for this call, not a panic.
    let expires = params
        .now
        .checked_add_signed(params.security_ttl)
        .map(timestamp)
        .ok_or_else(|| io::Error::other("the WS-Security timestamp lifetime is out of range"))?;
    let id = format!("TS-{}", params.transaction_id);
    w.start(
        "wsse:Security",
        &[("xmlns:wsse", ns::WSSE), ("xmlns:wsu", ns::WSU)],
    )?;
    w.start("wsu:Timestamp", &[("wsu:Id", &id)])?;
    w.text_element("wsu:Created", &[], &created)?;
    w.text_element("wsu:Expires", &[], &expires)?;
    w.end("wsu:Timestamp")?;
    w.start("wsse:UsernameToken", &[])?;
    w.text_element("wsse:Username", &[], &settings.username)?;
    w.text_element("wsse:Password", &[], settings.password.expose_secret())?;
    w.end("wsse:UsernameToken")?;
    w.end("wsse:Security")
}
