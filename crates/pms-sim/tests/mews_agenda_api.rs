//! The Mews front's agenda: hourly bookable services in `services/getAll`,
//! their reservations in `reservations/getAll/2023-06-06` for queries that
//! name them in `ServiceIds` or name no service at all ("If not provided, all
//! bookable services are used"), paged like everything else.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{get_all, start};
use serde_json::{Value, json};

fn ids(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|i| i["Id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn hourly_services_hold_the_agenda_and_queries_naming_them_or_no_service_see_it() {
    let sim = start().await;
    let services = get_all(&sim, "services/getAll", "Services", json!({}), 2).await;
    let hourly: Vec<&Value> = services
        .iter()
        .filter(|s| s["Data"]["Value"]["TimeUnitPeriod"] == "Hour")
        .collect();
    let names: BTreeSet<&str> = hourly.iter().map(|s| s["Name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Activities", "Restaurant tables", "Spa treatments"]
            .into_iter()
            .collect()
    );
    assert!(hourly.iter().all(|s| s["Data"]["Discriminator"] == "Bookable"));
    let hourly_ids: Vec<Value> = hourly.iter().map(|s| s["Id"].clone()).collect();

    let (agenda, stays) = sim.state().with_hotel(|h| {
        (
            h.agenda.iter().map(|a| a.id.to_string()).collect::<BTreeSet<_>>(),
            h.reservations
                .iter()
                .map(|r| r.id.to_string())
                .collect::<BTreeSet<_>>(),
        )
    });
    assert_eq!(agenda.len(), 20);

    // Named: every agenda item, paged in threes, nothing else.
    let bookings = get_all(
        &sim,
        "reservations/getAll/2023-06-06",
        "Reservations",
        json!({ "ServiceIds": hourly_ids }),
        3,
    )
    .await;
    assert_eq!(ids(&bookings), agenda);
    assert!(bookings.iter().all(|b| hourly_ids.contains(&b["ServiceId"])));

    // The stay service only: stays only.
    let stay_service = services
        .iter()
        .find(|s| s["Data"]["Value"]["TimeUnitPeriod"] == "Day")
        .unwrap()["Id"]
        .clone();
    let by_stay_service = get_all(
        &sim,
        "reservations/getAll/2023-06-06",
        "Reservations",
        json!({ "ServiceIds": [stay_service] }),
        1000,
    )
    .await;
    assert_eq!(ids(&by_stay_service), stays);
    // No ServiceIds: every bookable service, the hourly bookings included.
    let unfiltered = get_all(
        &sim,
        "reservations/getAll/2023-06-06",
        "Reservations",
        json!({}),
        1000,
    )
    .await;
    assert_eq!(ids(&unfiltered), &stays | &agenda);

    // Filters apply to bookings too: one guest's, by scheduled start.
    let sample = bookings[0].clone();
    let one = get_all(
        &sim,
        "reservations/getAll/2023-06-06",
        "Reservations",
        json!({
            "ServiceIds": hourly_ids,
            "AccountIds": [sample["AccountId"]],
            "ScheduledStartUtc": { "StartUtc": sample["ScheduledStartUtc"], "EndUtc": sample["ScheduledEndUtc"] }
        }),
        1000,
    )
    .await;
    assert!(ids(&one).contains(sample["Id"].as_str().unwrap()));
    assert!(one.iter().all(|b| b["AccountId"] == sample["AccountId"]));
}
