//! `customers/getAll` (`operations/customers.md`,
//! <https://docs.mews.com/connector-api/operations/customers>). `Extent` is
//! required; `CustomerIds` is "Required if no other filter is provided". The
//! `Cursor` comes back even when the extent asks for no customers, as the
//! docs promise.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::OpResult;
use super::error::MewsError;
use super::wire::{
    Limitation, TimeInterval, check_intervals, check_len, cursor_key, decode, listed, paginate, ts, within,
};
use crate::model::Guest;
use crate::server::SimCore;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Extent {
    #[serde(default)]
    customers: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetAll {
    limitation: Limitation,
    extent: Extent,
    #[serde(default)]
    customer_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    emails: Option<Vec<String>>,
    #[serde(default)]
    first_names: Option<Vec<String>>,
    #[serde(default)]
    last_names: Option<Vec<String>>,
    #[serde(default)]
    loyalty_codes: Option<Vec<String>>,
    #[serde(default)]
    created_utc: Option<TimeInterval>,
    #[serde(default)]
    updated_utc: Option<TimeInterval>,
}

pub(super) fn get_all(core: &SimCore, body: &Value) -> OpResult {
    let q: GetAll = decode(body)?;
    q.limitation.check()?;
    check_len("CustomerIds", q.customer_ids.as_ref(), 1000)?;
    check_len("Emails", q.emails.as_ref(), 1000)?;
    check_intervals(&[
        ("CreatedUtc", q.created_utc.as_ref()),
        ("UpdatedUtc", q.updated_utc.as_ref()),
    ])?;
    let has_filter = q.customer_ids.is_some()
        || q.emails.is_some()
        || q.first_names.is_some()
        || q.last_names.is_some()
        || q.loyalty_codes.is_some()
        || q.created_utc.is_some()
        || q.updated_utc.is_some();
    if !has_filter {
        return Err(MewsError::invalid(
            "CustomerIds",
            "required if no other filter is provided",
        ));
    }
    let hotel = core.read();
    let cursor = cursor_key(&q.limitation, |id| hotel.guest(id).map(|g| (g.created, g.id)))?;
    let rows = hotel
        .guests
        .iter()
        .filter(|g| {
            listed(q.customer_ids.as_ref(), g.id)
                && q.emails
                    .as_ref()
                    .is_none_or(|e| g.email.as_ref().is_some_and(|m| e.contains(m)))
                && q.first_names
                    .as_ref()
                    .is_none_or(|n| n.iter().any(|x| *x == g.first_name))
                && q.last_names
                    .as_ref()
                    .is_none_or(|n| n.iter().any(|x| *x == g.last_name))
                // Simulated guests have no loyalty codes.
                && q.loyalty_codes.as_ref().is_none_or(Vec::is_empty)
                && within(q.created_utc.as_ref(), g.created)
                && within(q.updated_utc.as_ref(), g.updated)
        })
        .map(|g| ((g.created, g.id), g))
        .collect();
    let (page, next) = paginate(rows, &q.limitation, cursor);
    let chain_id = hotel.property.chain_id;
    let customers: Vec<Value> = if q.extent.customers {
        page.into_iter().map(|g| render(chain_id, g)).collect()
    } else {
        Vec::new()
    };
    Ok((
        json!({ "Customers": customers, "Documents": null, "Cursor": next }),
        Vec::new(),
    ))
}

fn render(chain_id: Uuid, g: &Guest) -> Value {
    json!({
        "Id": g.id,
        "ChainId": chain_id,
        "Number": g.number,
        "Title": null,
        "Sex": null,
        "FirstName": g.first_name,
        "LastName": g.last_name,
        "SecondLastName": null,
        "NationalityCode": g.nationality,
        "PreferredLanguageCode": g.language,
        "LanguageCode": g.language,
        "BirthDate": g.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
        "BirthPlace": null,
        "Occupation": null,
        "Email": g.email,
        "HasOtaEmail": false,
        "Phone": g.phone,
        "TaxIdentificationNumber": null,
        "LoyaltyCode": null,
        "AccountingCode": null,
        "BillingCode": null,
        "Notes": null,
        "CarRegistrationNumber": null,
        "DietaryRequirements": null,
        "CreatedUtc": ts(g.created),
        "UpdatedUtc": ts(g.updated),
        "ItalianDestinationCode": null,
        "ItalianFiscalCode": null,
        "MergeTargetId": null,
        "PreferredSpaceFeatures": [],
        "Passport": null,
        "IdentityCard": null,
        "Visa": null,
        "DriversLicense": null,
        "CompanyId": null,
        "AddressId": null,
        "Address": null,
        "Classifications": [],
        "Options": [],
        "CreatorProfileId": chain_id,
        "UpdaterProfileId": chain_id,
        "ActivityState": "Active",
        "IsActive": true
    })
}
