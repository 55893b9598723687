//! `configuration/get` (`operations/configuration.md`,
//! <https://docs.mews.com/connector-api/operations/configuration>): the
//! enterprise, its IANA time zone (needed to turn UTC instants into business
//! dates), pricing mode and editable history intervals.

use serde_json::{Value, json};

use super::OpResult;
use super::wire::ts;
use crate::server::SimCore;
use crate::state;

pub(super) fn get(core: &SimCore, _body: &Value) -> OpResult {
    let hotel = core.read();
    let p = &hotel.property;
    let history = format!("P0M{}DT0H0M0S", p.editable_history_days);
    // `Address`, `AddressId`, `GroupNames` and `Subscription` are required
    // (OpenAPI `Enterprise`); the address id derives from the enterprise id.
    let address_id = uuid::Uuid::from_u64_pair(p.id.as_u64_pair().0, 0xadd2);
    Ok((
        json!({
            "NowUtc": ts(state::now()),
            "Enterprise": {
                "Id": p.id,
                "ExternalIdentifier": null,
                "ChainId": p.chain_id,
                "ChainName": "Simulated Chain",
                "CreatedUtc": ts(p.created),
                "UpdatedUtc": ts(p.created),
                "Name": p.name,
                "TimeZoneIdentifier": p.time_zone.name(),
                "LegalEnvironmentCode": "DE",
                "AccommodationEnvironmentCode": "DE",
                "AccountingEnvironmentCode": "DE",
                "TaxEnvironmentCode": "DE-2020-1",
                "DefaultLanguageCode": "de-DE",
                "EditableHistoryInterval": history,
                "AccountingEditableHistoryInterval": history,
                "OperationalEditableHistoryInterval": history,
                "WebsiteUrl": null,
                "Email": "frontdesk@hotel.invalid",
                "Phone": null,
                "LogoImageId": null,
                "CoverImageId": null,
                "Pricing": "Gross",
                "TaxPrecision": null,
                "AddressId": address_id,
                "Address": {
                    "Id": address_id,
                    "Line1": "Simulatorstraße 1",
                    "Line2": null,
                    "City": "Berlin",
                    "PostalCode": "10115",
                    "CountryCode": "DE",
                    "CountrySubdivisionCode": "DE-BE",
                    "Latitude": null,
                    "Longitude": null
                },
                "GroupNames": [],
                "Subscription": { "TaxIdentifier": null },
                "Currencies": [{ "Currency": p.currency, "IsDefault": true, "IsEnabled": true }]
            },
            "Service": null,
            "PaymentCardStorage": null,
            "IsIdentityDocumentNumberRequired": false
        }),
        Vec::new(),
    ))
}
