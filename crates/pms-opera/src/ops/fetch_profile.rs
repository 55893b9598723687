//! `Name.FetchProfile`.
//!
//! Request: `FetchProfileRequest/NameID type="INTERNAL"` in
//! `ows/5.1/Name.wsdl` (opera.md §1.4; the one test file seen used `oqq/5.1`,
//! which the notes read as a typo). Response: `FetchProfileResponse/{Result,
//! ProfileDetails}` with the profile parts named in opera.md §1.6
//! (`Customer/PersonName`, `Phones/NamePhone`, `EMails/NameEmail`,
//! `Addresses/NameAddress`); the wrapper name `ProfileDetails` is from a
//! synthetic test (find_string id 70494717242) and `Profile` is accepted too.

use std::io;

use pms_core::Guest;

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::map::{self, MapContext};
use crate::ops::{Operation, Service, open};
use crate::xml::{Document, ns};

/// The operation.
pub const OP: Operation = Operation {
    service: Service::Name,
    name: "FetchProfile",
    request_ns: ns::NAME_WSDL,
    response_ns: &[ns::NAME_WSDL, ns::NAME],
    write: false,
};

/// Writes the request body.
pub fn write(w: &mut XmlWriter, name_id: &str) -> io::Result<()> {
    w.start("FetchProfileRequest", &[("xmlns", OP.request_ns)])?;
    w.text_element("NameID", &[("type", "INTERNAL")], name_id)?;
    w.end("FetchProfileRequest")
}

/// Reads the response for profile `name_id`.
pub fn parse(
    doc: &Document<'_>,
    name_id: &str,
    ctx: &MapContext,
    transaction_id: &str,
) -> Result<Guest, OperaError> {
    let response = open(doc, &OP, transaction_id)?;
    let details = response
        .child_any(ns::NAME_ANY, "ProfileDetails")
        .or_else(|| response.child_any(ns::NAME_ANY, "Profile"))
        .ok_or_else(|| OperaError::decode("FetchProfileResponse/ProfileDetails", "missing"))?;
    map::profile(details, name_id, ctx)
}
