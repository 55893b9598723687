//! `Name.FetchProfile`.
//!
//! Request: `FetchProfileRequest/NameID type="INTERNAL"` in `ows/5.1/Name.wsdl`
//! (opera.md §1.4). Response: `FetchProfileResponse/{Result, ProfileDetails}`
//! with `ProfileIDs`, `Customer/PersonName/{firstName, lastName}`,
//! `Phones/NamePhone/PhoneNumber`, `EMails/NameEmail` and
//! `@nationality`/`@languageCode`: the containers in the Name namespace, the
//! name and phone parts in Common, as the captured FetchBooking answer's
//! `Profile` has them (`fixtures/opera/fetch_booking.response.xml`); the
//! `ProfileDetails` wrapper name is from a synthetic test, \[unverified\].

use super::soap::Fail;
use super::xml::{Element, Xml, ns};
use super::{OpResult, OperaState, guest_at, name_id, xml_fail};

pub(super) fn fetch_profile(state: &OperaState, request: &Element) -> OpResult {
    let id = request
        .child_any(&[ns::NAME_WSDL, ns::NAME], "NameID")
        .and_then(Element::text)
        .ok_or_else(|| Fail::invalid("NameID is required"))?;
    let hotel = state.core().read();
    let Some((position, guest)) = guest_at(&hotel, id) else {
        return Err(Fail::new("PROFILE_NOT_FOUND", "Profile not found."));
    };
    let mut w = Xml::fragment();
    let write = |w: &mut Xml| -> std::io::Result<()> {
        w.start(
            "s0:ProfileDetails",
            &[
                ("xmlns:n", ns::NAME),
                ("xmlns:c", ns::COMMON),
                ("nationality", guest.nationality),
                ("languageCode", guest.language),
            ],
        )?;
        w.start("n:ProfileIDs", &[])?;
        w.text("c:UniqueID", &[("type", "INTERNAL")], &name_id(position))?;
        w.end("n:ProfileIDs")?;
        w.start("n:Customer", &[])?;
        w.start("n:PersonName", &[])?;
        w.text("c:firstName", &[], &guest.first_name)?;
        w.text("c:lastName", &[], &guest.last_name)?;
        w.end("n:PersonName")?;
        w.end("n:Customer")?;
        if let Some(phone) = &guest.phone {
            w.start("n:Phones", &[])?;
            w.start(
                "n:NamePhone",
                &[
                    ("phoneType", "MOBILE"),
                    ("phoneRole", "PHONE"),
                    ("primary", "true"),
                ],
            )?;
            w.text("c:PhoneNumber", &[], phone)?;
            w.end("n:NamePhone")?;
            w.end("n:Phones")?;
        }
        if let Some(email) = &guest.email {
            w.start("n:EMails", &[])?;
            w.text(
                "n:NameEmail",
                &[("emailType", "EMAIL"), ("primary", "true")],
                email,
            )?;
            w.end("n:EMails")?;
        }
        w.end("s0:ProfileDetails")
    };
    write(&mut w).map_err(xml_fail)?;
    Ok(w.finish())
}
