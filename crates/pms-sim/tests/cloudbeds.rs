//! The Cloudbeds front's `postRoomAssign` over HTTP: the form the SDK
//! documents, refusals as `success: false` in HTTP 200, and the change read
//! back by `getReservation`.
#![allow(clippy::unwrap_used)]

use pms_sim::{CloudbedsIds, CloudbedsSim, HotelSpec, ReservationState, RoomState, SimHandle, SimOptions};
use serde_json::Value;

async fn post(sim: &SimHandle, method: &str, form: &[(&str, String)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{method}", CloudbedsSim::api_url(sim)))
        .header("x-api-key", sim.access_token())
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json::<Value>().await.unwrap())
}

fn refused(answer: &(u16, Value), needle: &str) {
    assert_eq!(answer.0, 200, "{answer:?}");
    assert_eq!(answer.1["success"], false, "{answer:?}");
    let message = answer.1["message"].as_str().unwrap();
    assert!(message.contains(needle), "{message}");
}

#[tokio::test]
async fn post_room_assign_moves_a_stay_and_refuses_what_cloudbeds_would() {
    let sim = CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(31)))
        .await
        .unwrap();
    let (property, res, uuid, old, free, free_type, processed) = sim.state().with_hotel(|h| {
        let ids = CloudbedsIds::room_ids(h);
        let active = |s| {
            matches!(
                s,
                ReservationState::Inquired
                    | ReservationState::Optional
                    | ReservationState::Confirmed
                    | ReservationState::Started
            )
        };
        let (r, free) = h
            .reservations
            .iter()
            .filter(|r| r.state == ReservationState::Confirmed && r.room_id.is_some())
            .find_map(|r| {
                let free = h.rooms.iter().find(|room| {
                    Some(room.id) != r.room_id
                        && !matches!(room.state, RoomState::OutOfOrder | RoomState::OutOfService)
                        && !h.reservations.iter().any(|o| {
                            o.id != r.id
                                && active(o.state)
                                && o.room_id == Some(room.id)
                                && o.scheduled_start < r.scheduled_end
                                && r.scheduled_start < o.scheduled_end
                        })
                })?;
                Some((r, free))
            })
            .unwrap();
        let processed = h
            .reservations
            .iter()
            .find(|r| r.state == ReservationState::Processed)
            .map(CloudbedsIds::reservation_id)
            .unwrap();
        (
            CloudbedsIds::property_id(h),
            CloudbedsIds::reservation_id(r),
            r.id,
            ids[&r.room_id.unwrap()].clone(),
            (free.id, ids[&free.id].clone()),
            CloudbedsIds::room_type_id(free.category_id),
            processed,
        )
    });
    let (p, r) = (property.as_str(), res.as_str());
    let (new, ty) = (free.1.as_str(), free_type.as_str());
    let assign = |extra: &[(&'static str, &str)]| {
        let mut form = vec![("propertyID", p.to_owned()), ("reservationID", r.to_owned())];
        form.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        form
    };
    // A reassignment without oldRoomID, a wrong type, an unknown room: refused.
    let answer = post(
        &sim,
        "postRoomAssign",
        &assign(&[("newRoomID", new), ("roomTypeID", ty)]),
    )
    .await;
    refused(&answer, "oldRoomID");
    let answer = post(
        &sim,
        "postRoomAssign",
        &assign(&[("newRoomID", new), ("roomTypeID", "1"), ("oldRoomID", &old)]),
    )
    .await;
    refused(&answer, "roomTypeID");
    let answer = post(
        &sim,
        "postRoomAssign",
        &assign(&[("newRoomID", "999999-9"), ("roomTypeID", ty), ("oldRoomID", &old)]),
    )
    .await;
    refused(&answer, "not found");
    assert_ne!(sim.state().reservation(uuid).unwrap().room_id, Some(free.0));

    // A stay that is over cannot be moved.
    let answer = post(
        &sim,
        "postRoomAssign",
        &[
            ("propertyID", p.to_owned()),
            ("reservationID", processed.clone()),
            ("newRoomID", new.to_owned()),
            ("roomTypeID", ty.to_owned()),
        ],
    )
    .await;
    refused(&answer, "cannot be changed");

    // The documented reassignment: applied, answered `{success: true}`.
    let answer = post(
        &sim,
        "postRoomAssign",
        &assign(&[("newRoomID", new), ("roomTypeID", ty), ("oldRoomID", &old)]),
    )
    .await;
    assert_eq!(answer, (200, serde_json::json!({ "success": true })));
    assert_eq!(sim.state().reservation(uuid).unwrap().room_id, Some(free.0));
    let read = reqwest::Client::new()
        .get(format!("{}getReservation", CloudbedsSim::api_url(&sim)))
        .header("x-api-key", sim.access_token())
        .query(&[("propertyID", p), ("reservationID", r)])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(read["data"]["assigned"][0]["roomID"], free.1.as_str());
    sim.shutdown().await;
}
