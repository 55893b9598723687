//! The official Cloudbeds Python SDK against `pms sim cloudbeds`.
//!
//! `PMS_CLOUDBEDS_SDK_PYTHON` names a Python with `cloudbeds-pms-v1-3`
//! installed from `tests/contract/requirements.txt` (`.ci/run` makes that
//! virtualenv). Unset: the test prints "skipped" and passes. Set: the
//! simulator is started on loopback, `tests/contract/cloudbeds_sdk.py`
//! drives it through every v1.3 call the connector makes with the SDK, and
//! any call that fails or whose answer does not round-trip through the
//! SDK's models fails this test, with the script's whole output.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pms_sim::{CloudbedsIds, CloudbedsSim, HotelSpec, ReservationState, RoomState, SimOptions};
use serde_json::json;

const PYTHON_VAR: &str = "PMS_CLOUDBEDS_SDK_PYTHON";

/// Every v1.3 call `pms-cloudbeds` makes (`grep -rn 'name: "'
/// crates/pms-cloudbeds/src`, and `access_token` in `auth.rs`), each of
/// which the script must report `ok`: `getTransactions` is left out (not in
/// the SDK: the connector's fallback when the Accounting API refuses), and
/// so is the Accounting API's `listTransactions` (not a v1.3 call).
/// `postWebhook` is sent both ways the connector subscribes (auth header
/// and URL token); `deleteAdjustment` is the SDK's POST, as the connector
/// sends it.
const CONNECTOR_CALLS: &[&str] = &[
    "getHotelDetails",
    "getHotels",
    "getReservations",
    "getReservationsWithRateDetails",
    "getReservation",
    "getGuest",
    "getRooms",
    "getHousekeepingStatus",
    "postHousekeepingStatus",
    "putReservation",
    "postRoomAssign",
    "postCustomItem",
    "postVoidItem",
    "postAdjustment",
    "deleteAdjustment",
    "postPayment",
    "postVoidPayment",
    "postWebhook",
    "postWebhook (URL token)",
    "getWebhooks",
    "deleteWebhook",
    "oauth/metadata",
    "access_token",
];
/// The script is given this long before it is killed.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_cloudbeds_sdk_reads_every_answer_of_the_simulator() {
    let Some(python) = std::env::var_os(PYTHON_VAR).filter(|v| !v.is_empty()) else {
        println!("skipped: {PYTHON_VAR} not set");
        return;
    };
    let sim = CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(85)))
        .await
        .unwrap();
    let tz = pms_sim::TIME_ZONE;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let config = sim.state().with_hotel(|h| {
        let in_house = h
            .reservations
            .iter()
            .find(|r| r.state == ReservationState::Started)
            .unwrap();
        let arriving = h
            .reservations
            .iter()
            .find(|r| {
                r.state == ReservationState::Confirmed
                    && h.business_date(r.scheduled_start) == today
                    && r.room_id.and_then(|id| h.room(id)).map(|x| x.state) == Some(RoomState::Inspected)
            })
            .unwrap();
        let leaving = h
            .reservations
            .iter()
            .find(|r| {
                r.state == ReservationState::Started
                    && r.id != in_house.id
                    && h.business_date(r.scheduled_end) == today
            })
            .unwrap();
        // A confirmed stay and a free room of its type to move it to.
        let (mover, target) = h
            .reservations
            .iter()
            .filter(|r| r.state == ReservationState::Confirmed && r.room_id.is_some() && r.id != arriving.id)
            .find_map(|r| {
                let free = h.rooms.iter().find(|room| {
                    room.category_id == r.category_id
                        && Some(room.id) != r.room_id
                        && !h.reservations.iter().any(|o| {
                            o.room_id == Some(room.id)
                                && !matches!(
                                    o.state,
                                    ReservationState::Canceled | ReservationState::Processed
                                )
                                && o.scheduled_start < r.scheduled_end
                                && o.scheduled_end > r.scheduled_start
                        })
                })?;
                Some((r, free))
            })
            .unwrap();
        let room_of = |id| CloudbedsIds::room_id(h, id).unwrap();
        json!({
            "base": format!("{}/api/v1.3", sim.base_url()),
            "api_key": sim.access_token(),
            "property_id": CloudbedsIds::property_id(h),
            "client_id": CloudbedsSim::CLIENT_ID,
            "client_secret": sim.client_token(),
            "refresh_token": CloudbedsSim::REFRESH_TOKEN,
            "in_house": {
                "reservation": CloudbedsIds::reservation_id(in_house),
                "guest": CloudbedsIds::guest_id(h.guest(in_house.guest_id).unwrap()),
            },
            "arriving": CloudbedsIds::reservation_id(arriving),
            "leaving": CloudbedsIds::reservation_id(leaving),
            "room": room_of(h.rooms[0].id),
            "move": {
                "reservation": CloudbedsIds::reservation_id(mover),
                "room": room_of(target.id),
                "room_type": CloudbedsIds::room_type_id(mover.category_id),
                "old_room": room_of(mover.room_id.unwrap()),
            },
        })
    });

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contract/cloudbeds_sdk.py");
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(&python)
        .arg(&script)
        .arg(config.to_string())
        .env("PYTHONUNBUFFERED", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(out.reopen().unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{PYTHON_VAR}={} cannot run: {e}", Path::new(&python).display()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > SCRIPT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let output = std::fs::read_to_string(out.path()).unwrap_or_default();
    println!("{output}");
    sim.shutdown().await;
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!("the Cloudbeds SDK contract script failed ({s}):\n{output}"),
        None => panic!("the Cloudbeds SDK contract script ran past {SCRIPT_TIMEOUT:?}:\n{output}"),
    }
    assert!(
        output.contains("cloudbeds sdk contract:"),
        "the script ended without its summary:\n{output}"
    );
    let missing: Vec<&str> = CONNECTOR_CALLS
        .iter()
        .copied()
        .filter(|name| !output.lines().any(|l| l == format!("ok {name}")))
        .collect();
    assert!(
        missing.is_empty(),
        "calls of the connector the SDK did not drive to `ok`: {missing:?}\n{output}"
    );
}
