//! The OHIP cashiering path against the simulator's OHIP front, configured
//! the way an operator does (`PMS_HOTEL_<ID>_OPERA_OHIP_*`): a charge posted
//! with its reference is read back by it, an ambiguous charge is found after
//! the fact instead of left unknown, and OWS calls keep working beside it.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use pms_core::*;
use pms_opera::{OperaClient, OperaOptions};
use pms_sim::{FaultConfig, HotelSpec, OperaSim, ReservationState, SimHandle, SimOptions};

const APP_KEY: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

fn config(sim: &SimHandle, password: &str) -> HotelConfig {
    let vars = HashMap::from([
        ("PMS_HOTELS", "grand".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "opera".to_owned()),
        (
            "PMS_HOTEL_GRAND_BASE_URL",
            format!("{}/OWS_WS_51", sim.base_url()),
        ),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DEPLOYMENT", "on_premise".to_owned()),
        (
            "PMS_HOTEL_GRAND_OPERA_HOTEL_CODE",
            OperaSim::HOTEL_CODE.to_owned(),
        ),
        ("PMS_HOTEL_GRAND_OPERA_USERNAME", OperaSim::USER_NAME.to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_PASSWORD", password.to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_ENTITY_ID", "KIOSK".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_SYSTEM_TYPE", "WEB".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_ENTITY_ID", "TI".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_SYSTEM_TYPE", "PMS".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_OHIP_URL", sim.base_url()),
        ("PMS_HOTEL_GRAND_OPERA_OHIP_APP_KEY", APP_KEY.to_owned()),
        (
            "PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_ID",
            OperaSim::OHIP_CLIENT_ID.to_owned(),
        ),
        ("PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_SECRET", password.to_owned()),
        (
            "PMS_HOTEL_GRAND_OPERA_OHIP_USERNAME",
            OperaSim::USER_NAME.to_owned(),
        ),
        ("PMS_HOTEL_GRAND_OPERA_OHIP_PASSWORD", password.to_owned()),
    ]);
    Config::from_lookup(|name| Ok(vars.get(name).cloned()))
        .unwrap()
        .hotels
        .remove(0)
}

fn client(sim: &SimHandle, options: OperaOptions) -> OperaClient {
    OperaClient::builder(&config(sim, sim.access_token()))
        .unwrap()
        .options(options)
        .build()
        .unwrap()
}

/// Two in-house stays: (resv_name_id, sim id).
fn in_house(sim: &SimHandle) -> Vec<(VendorId, uuid::Uuid)> {
    sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .filter(|r| r.state == ReservationState::Started)
            .take(2)
            .map(|r| {
                (
                    VendorId::new(OperaSim::resv_name_id(h, r.id).unwrap()).unwrap(),
                    r.id,
                )
            })
            .collect()
    })
}

fn charge(reservation: &VendorId) -> ChargeRequest {
    ChargeRequest {
        request_id: RequestId::new_random(),
        reservation: reservation.clone(),
        kind: ChargeKind::Spa,
        description: "Hot stone massage".into(),
        unit_amount: Money::parse("30.25", Currency::EUR).unwrap(),
        quantity: 2.into(),
        transaction_code: Some("3000".into()),
        outlet: None,
        consumed_at: Utc::now(),
    }
}

fn held(sim: &SimHandle, request_id: RequestId) -> usize {
    let reference = pms_opera::ohip::posting_reference(request_id);
    sim.state()
        .with_hotel(|h| OperaSim::postings_with_long_info(h, &reference))
}

#[tokio::test]
async fn a_charge_is_posted_through_ohip_and_read_back_by_its_reference() {
    let sim = OperaSim::start(SimOptions::with_hotel(HotelSpec::small(61)))
        .await
        .unwrap();
    let client = client(&sim, OperaOptions::default());
    assert!(client.capabilities().supports(Capability::ChargeReadBack));
    let stays = in_house(&sim);
    let (stay, other) = (&stays[0].0, &stays[1].0);
    let request = charge(stay);
    let posted = client.post_charge(&request).await.unwrap();
    assert_eq!(held(&sim, request.request_id), 1);

    let found = client
        .find_charge(stay, request.request_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.request_id, Some(request.request_id));
    assert_eq!(
        found.external, posted.external,
        "the transactionNo of the 201 and of the read agree"
    );
    assert_eq!(found.total, Money::parse("60.50", Currency::EUR).unwrap());
    assert_eq!(found.transaction_code.as_deref(), Some("3000"));
    // Another stay, another request: nothing.
    assert_eq!(client.find_charge(other, request.request_id).await.unwrap(), None);
    assert_eq!(
        client.find_charge(stay, RequestId::new_random()).await.unwrap(),
        None
    );
    // OWS reads still work beside OHIP, and the folio shows the line.
    let folio = client.folio(stay).await.unwrap();
    assert!(
        folio
            .charges
            .iter()
            .any(|c| c.total == found.total && c.description == "Hot stone massage")
    );
    // Only OHIP and OWS reads went out: no OWS PostCharge.
    assert!(
        sim.state()
            .requests()
            .iter()
            .all(|r| r.body["operation"] != "PostCharge")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_ambiguous_ohip_charge_is_found_not_left_unknown() {
    let sim = OperaSim::start(SimOptions::with_hotel(HotelSpec::small(62)))
        .await
        .unwrap();
    let client = client(
        &sim,
        OperaOptions {
            timeout: Duration::from_millis(300),
            ..OperaOptions::default()
        },
    );
    let stay = in_house(&sim).remove(0).0;
    let request = charge(&stay);
    sim.faults().set(FaultConfig {
        timeout_after_write: 1.0,
        ambiguous_hang: Duration::from_millis(800),
        ..FaultConfig::default()
    });
    let err = client.post_charge(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    sim.faults().clear();
    assert_eq!(
        held(&sim, request.request_id),
        1,
        "applied before the answer was lost"
    );
    let found = client.find_charge(&stay, request.request_id).await.unwrap();
    assert_eq!(found.map(|c| c.request_id), Some(Some(request.request_id)));
    sim.shutdown().await;
}

#[tokio::test]
async fn refusals_come_back_as_spec_errors() {
    let sim = OperaSim::start(SimOptions::with_hotel(HotelSpec::small(63)))
        .await
        .unwrap();
    let stay = in_house(&sim).remove(0).0;
    let wrong = OperaClient::builder(&config(&sim, "not-the-secret"))
        .unwrap()
        .options(OperaOptions::default())
        .build()
        .unwrap();
    assert_eq!(
        wrong.post_charge(&charge(&stay)).await.unwrap_err().kind(),
        ErrorKind::Auth
    );

    let client = client(&sim, OperaOptions::default());
    let mut bad_code = charge(&stay);
    bad_code.transaction_code = Some("7777".into());
    let err = client.post_charge_request(&bad_code).await.unwrap_err();
    assert!(
        matches!(&err, pms_core::Error::Vendor { code, .. } if code == "INVALID_TRANSACTION_CODE")
            && err.to_string().contains("HTTP 400"),
        "{err:?}"
    );
    let unknown = VendorId::new("99999999").unwrap();
    assert_eq!(
        client.post_charge(&charge(&unknown)).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    sim.shutdown().await;
}
