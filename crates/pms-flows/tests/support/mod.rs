//! Shared test setup: a "vendor fixture" (a simulator, a connector built on
//! it, and inspection of what the simulated PMS holds) and a flow harness
//! (in-memory store, journal in virtual time, fake key system, notifier).
//!
//! Adding a vendor is one constructor in [`Vendor`] plus its arm in each
//! inspection method; [`vendors`] lists every vendor the flows run against.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use pms_cloudbeds::CloudbedsClient;
use pms_core::{
    Capabilities, Capability, CardHold, CardHoldRequest, CardHoldState, ChangeQuery, ChargeRequest,
    CheckInRequest, CheckOutRequest, Config, Currency, DateRange, Error, ExternalRef, Folio, FolioCharge,
    Guest, HealthReport, HotelConfig, HotelId, IdVerification, ManualClock, Page, PmsClient, PmsKind,
    PostedCharge, RateLimit, RequestId, Reservation, Room, RoomStatusReport, RoomStatusUpdate,
    SignatureCapture, VendorId, VoidChargeRequest,
};
use pms_flows::{FlowContext, KeyError, KeyGrant, KeyId, KeyService, MemoryNotifier, SideRetry};
use pms_mews::{ChargePricing, ChargeSettings, MewsClient, MewsConfig};
use pms_opera::{OperaClient, OperaOptions};
use pms_sim::{
    CloudbedsIds, CloudbedsSim, HotelSpec, MewsSim, OperaSim, ReservationState, RoomState, SimHandle,
    SimOptions,
};
use pms_sync::crypto::Cipher;
use pms_sync::store::Store;
use pms_sync::{
    AuditLog, JournalSettings, RateLimiter, RetryPolicy, SqliteStore, VirtualSleeper, WriteJournal,
};
use rust_decimal::Decimal;
use uuid::Uuid;

// ---- vendor fixtures ----

/// The simulator behind a fixture.
pub enum Front {
    Mews(SimHandle),
    Cloudbeds(SimHandle),
    Opera(SimHandle),
}

/// A simulated PMS with a connector on it.
pub struct Vendor {
    pub kind: PmsKind,
    pub client: Arc<dyn PmsClient>,
    pub front: Front,
}

/// Every vendor whose simulator front exists: Mews, Cloudbeds and OPERA,
/// each with the real connector in its default configuration.
pub async fn vendors() -> Vec<Vendor> {
    vec![
        Vendor::mews(7).await,
        Vendor::cloudbeds(7).await,
        Vendor::opera(7).await,
    ]
}

/// The vendors of [`vendors`], for tests that build their own fixture
/// (e.g. [`Vendor::with_timeout`]).
pub fn kinds() -> [PmsKind; 3] {
    [PmsKind::Mews, PmsKind::Cloudbeds, PmsKind::Opera]
}

/// Names the vendor under test when a test panics while it is alive
/// (any failed assertion or unwrap in a per-vendor loop): `let _scope = vendor.scope();`.
pub struct VendorScope(&'static str);

impl Drop for VendorScope {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("^^^ this failure happened testing vendor `{}`", self.0);
        }
    }
}

/// The `Transaction code` (`PostChargeRequest@Account`) the OPERA fixture
/// posts with when a line names none: the simulator's restaurant code
/// (`pms_sim` `opera::resv_advanced::TRANSACTION_CODES`).
pub const OPERA_TRANSACTION_CODE: &str = "2000";

impl Vendor {
    /// A Mews simulator (seeded hotel) and a `MewsClient` on it.
    pub async fn mews(seed: u64) -> Vendor {
        Vendor::mews_with_timeout(seed, Duration::from_secs(10)).await
    }

    /// The same, with a client timeout (for ambiguous-write tests).
    pub async fn mews_with_timeout(seed: u64, timeout: Duration) -> Vendor {
        let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(seed)))
            .await
            .unwrap();
        let restaurant = sim
            .state()
            .with_hotel(|h| {
                h.services
                    .iter()
                    .find(|s| s.name.starts_with("Restaurant"))
                    .map(|s| s.id)
            })
            .unwrap();
        let config = MewsConfig {
            hotel: hotel(),
            base_url: url::Url::parse(&sim.base_url()).unwrap(),
            client_token: secrecy::SecretString::from(sim.client_token().to_owned()),
            access_token: secrecy::SecretString::from(sim.access_token().to_owned()),
            client_name: "pms-flows tests 1.0".into(),
            enterprise_id: None,
            time_zone: pms_sim::TIME_ZONE,
            currency: Currency::EUR,
            timeout,
            page_size: 1000,
            rate_limit: pms_mews::MEWS_RATE_LIMIT,
            charges: ChargeSettings {
                service_id: Some(restaurant.to_string()),
                tax_codes: vec!["DE-2020-1-S".into()],
                pricing: ChargePricing::Gross,
            },
            child_age_category_ids: BTreeSet::new(),
            max_response_bytes: pms_mews::MAX_RESPONSE_BYTES,
        };
        Vendor {
            kind: PmsKind::Mews,
            client: Arc::new(MewsClient::builder(config).build().unwrap()),
            front: Front::Mews(sim),
        }
    }

    /// A Cloudbeds simulator (seeded hotel) and a `CloudbedsClient` on it
    /// (API key auth, configured through the environment-variable schema).
    pub async fn cloudbeds(seed: u64) -> Vendor {
        Vendor::cloudbeds_with_timeout(seed, Duration::from_secs(10)).await
    }

    /// The same, with a client timeout (for ambiguous-write tests).
    pub async fn cloudbeds_with_timeout(seed: u64, timeout: Duration) -> Vendor {
        let sim = CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(seed)))
            .await
            .unwrap();
        let property = sim.state().with_hotel(CloudbedsIds::property_id);
        let config = config_from(&[
            ("PMS", "cloudbeds".to_owned()),
            ("BASE_URL", CloudbedsSim::api_url(&sim)),
            ("CLOUDBEDS_PROPERTY_ID", property),
            ("CLOUDBEDS_API_KEY", sim.access_token().to_owned()),
        ]);
        let client = CloudbedsClient::builder(&config)
            .unwrap()
            .timeout(timeout)
            .build()
            .unwrap();
        Vendor {
            kind: PmsKind::Cloudbeds,
            client: Arc::new(client),
            front: Front::Cloudbeds(sim),
        }
    }

    /// An OPERA OWS simulator (seeded hotel) and an `OperaClient` on it
    /// (on-premise `.asmx` deployment, default options but a default
    /// transaction code: `charge_read_back` stays off, as shipped).
    pub async fn opera(seed: u64) -> Vendor {
        Vendor::opera_with_timeout(seed, Duration::from_secs(10)).await
    }

    /// The same, with a client timeout (for ambiguous-write tests).
    pub async fn opera_with_timeout(seed: u64, timeout: Duration) -> Vendor {
        let sim = OperaSim::start(SimOptions::with_hotel(HotelSpec::small(seed)))
            .await
            .unwrap();
        let config = config_from(&[
            ("PMS", "opera".to_owned()),
            ("BASE_URL", format!("{}/OWS_WS_51", sim.base_url())),
            ("OPERA_DEPLOYMENT", "on_premise".to_owned()),
            ("OPERA_HOTEL_CODE", OperaSim::HOTEL_CODE.to_owned()),
            ("OPERA_USERNAME", OperaSim::USER_NAME.to_owned()),
            ("OPERA_PASSWORD", sim.access_token().to_owned()),
            ("OPERA_ORIGIN_ENTITY_ID", "KIOSK".to_owned()),
            ("OPERA_ORIGIN_SYSTEM_TYPE", "WEB".to_owned()),
            ("OPERA_DESTINATION_ENTITY_ID", "TI".to_owned()),
            ("OPERA_DESTINATION_SYSTEM_TYPE", "PMS".to_owned()),
        ]);
        let options = OperaOptions {
            timeout,
            default_transaction_code: Some(OPERA_TRANSACTION_CODE.to_owned()),
            ..OperaOptions::default()
        };
        let client = OperaClient::builder(&config)
            .unwrap()
            .options(options)
            .build()
            .unwrap();
        Vendor {
            kind: PmsKind::Opera,
            client: Arc::new(client),
            front: Front::Opera(sim),
        }
    }

    /// The same vendor again on a new simulator, with a client timeout.
    pub async fn with_timeout(kind: PmsKind, seed: u64, timeout: Duration) -> Vendor {
        match kind {
            PmsKind::Mews => Vendor::mews_with_timeout(seed, timeout).await,
            PmsKind::Cloudbeds => Vendor::cloudbeds_with_timeout(seed, timeout).await,
            PmsKind::Opera => Vendor::opera_with_timeout(seed, timeout).await,
        }
    }

    pub fn sim(&self) -> &SimHandle {
        match &self.front {
            Front::Mews(sim) | Front::Cloudbeds(sim) | Front::Opera(sim) => sim,
        }
    }

    /// The vendor's name, for failure messages.
    pub fn name(&self) -> &'static str {
        match self.front {
            Front::Mews(_) => "mews",
            Front::Cloudbeds(_) => "cloudbeds",
            Front::Opera(_) => "opera",
        }
    }

    /// A guard naming this vendor in the output of a failure (see [`VendorScope`]).
    pub fn scope(&self) -> VendorScope {
        VendorScope(self.name())
    }

    /// Whether the connector advertises `capability`.
    pub fn supports(&self, capability: Capability) -> bool {
        self.client.capabilities().supports(capability)
    }

    /// The id the vendor's API gives the simulator's reservation `id`.
    fn reservation_wire_id(&self, h: &pms_sim::Hotel, id: Uuid) -> String {
        match self.front {
            Front::Mews(_) => id.to_string(),
            Front::Cloudbeds(_) => h.reservation(id).map(CloudbedsIds::reservation_id).unwrap(),
            Front::Opera(_) => OperaSim::resv_name_id(h, id).unwrap(),
        }
    }

    /// The simulator's reservation behind a vendor reservation id.
    pub fn reservation_uuid(&self, id: &VendorId) -> Uuid {
        match self.front {
            Front::Mews(_) => Uuid::parse_str(id.as_str()).unwrap(),
            Front::Cloudbeds(_) => self.sim().state().with_hotel(|h| {
                h.reservations
                    .iter()
                    .find(|r| CloudbedsIds::reservation_id(r) == id.as_str())
                    .map(|r| r.id)
                    .unwrap_or_else(|| panic!("cloudbeds: no reservation {id}"))
            }),
            Front::Opera(_) => self
                .sim()
                .state()
                .with_hotel(|h| OperaSim::reservation_id(h, id.as_str()))
                .unwrap_or_else(|| panic!("opera: no reservation {id}")),
        }
    }

    /// The id the vendor's API gives the simulator's room `id`
    /// (Mews: the resource id; Cloudbeds: `roomID`; OPERA: the room number).
    fn room_wire_id(&self, id: Uuid) -> VendorId {
        let wire = self.sim().state().with_hotel(|h| match self.front {
            Front::Mews(_) => id.to_string(),
            Front::Cloudbeds(_) => CloudbedsIds::room_id(h, id).unwrap(),
            Front::Opera(_) => h.room(id).unwrap().number.clone(),
        });
        VendorId::new(wire).unwrap()
    }

    /// The simulator's room behind a vendor room id.
    pub fn room_uuid(&self, room: &VendorId) -> Uuid {
        match self.front {
            Front::Mews(_) => Uuid::parse_str(room.as_str()).unwrap(),
            Front::Cloudbeds(_) => self.sim().state().with_hotel(|h| {
                CloudbedsIds::room_ids(h)
                    .into_iter()
                    .find_map(|(uuid, wire)| (wire == room.as_str()).then_some(uuid))
                    .unwrap_or_else(|| panic!("cloudbeds: no room {room}"))
            }),
            Front::Opera(_) => self.sim().state().with_hotel(|h| {
                h.rooms
                    .iter()
                    .find(|r| r.number == room.as_str())
                    .map(|r| r.id)
                    .unwrap_or_else(|| panic!("opera: no room {room}"))
            }),
        }
    }

    fn pick(&self, n: usize, keep: impl Fn(&pms_sim::Hotel, &pms_sim::Reservation) -> bool) -> VendorId {
        let id = self.sim().state().with_hotel(|h| {
            let mut found: Vec<_> = h
                .reservations
                .iter()
                .filter(|r| keep(h, r))
                .map(|r| r.id)
                .collect();
            found.sort();
            found.get(n).map(|id| self.reservation_wire_id(h, *id))
        });
        VendorId::new(id.expect("the generated hotel has such a reservation")).unwrap()
    }

    /// The n-th confirmed reservation arriving today whose room is inspected.
    pub fn arriving_ready(&self, n: usize) -> VendorId {
        self.pick(n, |h, r| {
            let today = h.business_date(Utc::now());
            r.state == ReservationState::Confirmed
                && h.business_date(r.scheduled_start) == today
                && r.room_id.and_then(|id| h.room(id)).map(|room| room.state) == Some(RoomState::Inspected)
        })
    }

    /// A room no in-house stay holds during this stay's dates (of its
    /// category when there is one), freed of the confirmed stays that were
    /// to use it and made inspected, by the number the front desk uses.
    /// (The small generated hotel is fully booked.)
    pub fn free_room_for(&self, id: &VendorId) -> pms_core::RoomNumber {
        let stay = self.reservation_uuid(id);
        let state = self.sim().state();
        let number = state
            .with_hotel_mut(|h| {
                let r = h.reservation(stay).unwrap().clone();
                let overlaps = |o: &pms_sim::Reservation| {
                    o.id != stay
                        && o.scheduled_start < r.scheduled_end
                        && r.scheduled_start < o.scheduled_end
                        && !matches!(o.state, ReservationState::Canceled)
                };
                let in_house: BTreeSet<Uuid> = h
                    .reservations
                    .iter()
                    .filter(|o| overlaps(o) && o.state != ReservationState::Confirmed)
                    .filter_map(|o| o.room_id)
                    .collect();
                let mut free: Vec<_> = h
                    .rooms
                    .iter()
                    .filter(|room| Some(room.id) != r.room_id && !in_house.contains(&room.id))
                    .map(|room| (room.category_id != r.category_id, room.number.clone(), room.id))
                    .collect();
                free.sort();
                let (_, number, room_id) = free.into_iter().next().expect("a room no guest is in");
                for other in h
                    .reservations
                    .iter_mut()
                    .filter(|o| overlaps(o) && o.room_id == Some(room_id))
                {
                    other.room_id = None;
                }
                h.set_room_states(&[(room_id, RoomState::Inspected)], Utc::now())
                    .map(|_| number)
            })
            .unwrap();
        pms_core::RoomNumber::new(number).unwrap()
    }

    /// The n-th in-house reservation departing today.
    pub fn departing_today(&self, n: usize) -> VendorId {
        self.pick(n, |h, r| {
            r.state == ReservationState::Started
                && h.business_date(r.scheduled_end) == h.business_date(Utc::now())
        })
    }

    /// The n-th in-house reservation departing after today (charges go here).
    pub fn in_house(&self, n: usize) -> VendorId {
        self.pick(n, |h, r| {
            r.state == ReservationState::Started
                && h.business_date(r.scheduled_end) > h.business_date(Utc::now())
        })
    }

    /// A reservation id in the vendor's format that names no reservation.
    pub fn missing_reservation(&self) -> VendorId {
        VendorId::new(match self.front {
            Front::Mews(_) => Uuid::from_u128(42).to_string(),
            // Cloudbeds reservation ids are digit strings (vendor notes §6).
            Front::Cloudbeds(_) => "9999999999999".to_owned(),
            // OWS resv_name_ids are numbers.
            Front::Opera(_) => "99999999".to_owned(),
        })
        .unwrap()
    }

    /// The reservation's state in the simulator, in the model's terms.
    pub fn status(&self, id: &VendorId) -> pms_core::ReservationStatus {
        let state = self
            .sim()
            .state()
            .reservation(self.reservation_uuid(id))
            .unwrap()
            .state;
        match state {
            ReservationState::Started => pms_core::ReservationStatus::CheckedIn,
            ReservationState::Processed => pms_core::ReservationStatus::CheckedOut,
            ReservationState::Confirmed => pms_core::ReservationStatus::Confirmed,
            ReservationState::Canceled => pms_core::ReservationStatus::Cancelled,
            other => pms_core::ReservationStatus::Other(other.as_str().into()),
        }
    }

    /// Sets the room of a reservation to a housekeeping state, bypassing the
    /// API, and returns the room's vendor id.
    pub fn set_room_of(&self, id: &VendorId, state: RoomState) -> VendorId {
        let sim = self.sim();
        let room = sim
            .state()
            .reservation(self.reservation_uuid(id))
            .unwrap()
            .room_id
            .unwrap();
        sim.state()
            .with_hotel_mut(|h| h.set_room_states(&[(room, state)], Utc::now()))
            .unwrap();
        self.room_wire_id(room)
    }

    /// A room's housekeeping state in the simulator.
    pub fn room_state(&self, room: &VendorId) -> RoomState {
        self.sim().state().room(self.room_uuid(room)).unwrap().state
    }

    /// A room's floor and number in the simulator.
    pub fn room_number(&self, room: &VendorId) -> (u8, String) {
        let r = self.sim().state().room(self.room_uuid(room)).unwrap();
        (r.floor, r.number)
    }

    /// What the simulator records as a folio line's external identifier
    /// for our request id: Mews `ExternalIdentifier` and Cloudbeds
    /// `referenceID` carry the request id; OPERA keeps `PostCharge`'s
    /// `LongInfo`, where the connector writes `PMSREQ:{32 hex}`.
    pub fn sim_reference(&self, request_id: RequestId) -> String {
        match self.front {
            Front::Mews(_) | Front::Cloudbeds(_) => request_id.to_string(),
            Front::Opera(_) => pms_opera::ops::post_charge::reference(request_id),
        }
    }

    /// Live (not voided) folio lines carrying our request id.
    pub fn live_lines(&self, request_id: RequestId) -> usize {
        self.sim()
            .state()
            .charges_with_external_id(&self.sim_reference(request_id))
            .iter()
            .filter(|c| c.canceled.is_none())
            .count()
    }

    /// Every folio line carrying our request id, voided or not.
    pub fn all_lines(&self, request_id: RequestId) -> usize {
        self.sim()
            .state()
            .charges_with_external_id(&self.sim_reference(request_id))
            .len()
    }

    /// Voids the lines carrying our request id directly in the PMS (a
    /// cashier's correction we were not told about).
    pub fn void_behind_our_back(&self, request_id: RequestId) {
        let ids: Vec<Uuid> = self
            .sim()
            .state()
            .charges_with_external_id(&self.sim_reference(request_id))
            .iter()
            .map(|c| c.id)
            .collect();
        assert!(
            !ids.is_empty(),
            "{}: nothing posted for {request_id}",
            self.name()
        );
        self.sim()
            .state()
            .with_hotel_mut(|hotel| hotel.void_charges(&ids, Utc::now()))
            .unwrap();
    }

    /// The outstanding balance of a stay, as the simulator computes it.
    pub fn stay_balance(&self, id: &VendorId) -> Decimal {
        let uuid = self.reservation_uuid(id);
        self.sim().state().with_hotel(|h| h.stay_balance(uuid))
    }

    /// Pays a stay's outstanding balance directly in the PMS (the guest
    /// settled at the desk), so the PMS accepts its check-out.
    pub fn settle(&self, id: &VendorId) {
        let stay = self.reservation_uuid(id);
        self.sim().state().with_hotel_mut(|h| {
            let amount = h.stay_balance(stay);
            let account_id = h.reservation(stay).unwrap().guest_id;
            h.add_external_payment(
                pms_sim::NewPayment {
                    account_id,
                    bill_id: None,
                    reservation_id: Some(stay),
                    amount,
                    external_identifier: None,
                    external_type: None,
                },
                Utc::now(),
            )
            .unwrap();
        });
        assert!(self.stay_balance(id).is_zero(), "{}: settled", self.name());
    }

    /// Write requests of one operation received so far (`check_in`,
    /// `check_out`, `post_charge`, `void_charge`, `set_room_status`).
    ///
    /// - Mews: the operation's path.
    /// - Cloudbeds: the method's path; check-in and check-out are both
    ///   `putReservation`, told apart by the `status` sent (`checked_in` /
    ///   `checked_out`).
    /// - OPERA: the SOAP operation the simulator journals (`CheckIn`,
    ///   `CheckOut`, `PostCharge` on ResvAdvanced, `UpdateRoomStatus` on
    ///   GuestServices). OWS has no void: `void_charge` counts every request
    ///   whose operation names a void, which must stay 0.
    pub fn write_calls(&self, operation: &str) -> usize {
        self.count_in(&self.sim().state().requests(), operation)
    }

    /// The requests of one write operation, oldest first (see [`Vendor::write_calls`]).
    pub fn write_outcomes(&self, operation: &str) -> Vec<pms_sim::Outcome> {
        self.sim()
            .state()
            .requests()
            .iter()
            .filter(|r| self.count_in(std::slice::from_ref(*r), operation) == 1)
            .map(|r| r.outcome)
            .collect()
    }

    fn count_in(&self, records: &[pms_sim::RequestRecord], operation: &str) -> usize {
        let matches = |r: &pms_sim::RequestRecord| -> bool {
            match self.front {
                Front::Mews(_) => r.path.ends_with(match operation {
                    "check_in" => "reservations/start",
                    "check_out" => "reservations/process",
                    "post_charge" => "orders/add",
                    "void_charge" => "orderItems/cancel",
                    "set_room_status" => "resources/update",
                    other => panic!("unknown operation {other}"),
                }),
                Front::Cloudbeds(_) => match operation {
                    "check_in" => {
                        r.path.ends_with("putReservation") && r.body["status"].as_str() == Some("checked_in")
                    }
                    "check_out" => {
                        r.path.ends_with("putReservation") && r.body["status"].as_str() == Some("checked_out")
                    }
                    "post_charge" => r.path.ends_with("postCustomItem"),
                    "void_charge" => r.path.ends_with("postVoidItem"),
                    "set_room_status" => r.path.ends_with("postHousekeepingStatus"),
                    other => panic!("unknown operation {other}"),
                },
                Front::Opera(_) => {
                    let op = r.body["operation"].as_str().unwrap_or_default();
                    match operation {
                        "check_in" => op == "CheckIn",
                        "check_out" => op == "CheckOut",
                        "post_charge" => op == "PostCharge",
                        "void_charge" => op.to_ascii_lowercase().contains("void"),
                        "set_room_status" => op == "UpdateRoomStatus",
                        other => panic!("unknown operation {other}"),
                    }
                }
            }
        };
        records.iter().filter(|r| matches(r)).count()
    }

    /// Writes from now on are applied, then their answer is withheld past the client timeout.
    pub fn timeout_after_write(&self, on: bool, hang: Duration) {
        self.sim().faults().update(|f| {
            f.timeout_after_write = if on { 1.0 } else { 0.0 };
            f.ambiguous_hang = hang;
        });
    }

    /// An outlet the Mews PMS does not know (a line posted there is refused).
    pub fn unknown_outlet(&self) -> String {
        Uuid::from_u128(0xdead_beef).to_string()
    }

    /// Makes `line` one the PMS refuses (a definitive validation error):
    /// Mews: an outlet (`ServiceId`) it does not know; Cloudbeds: a
    /// fractional quantity (`itemQuantity` is an integer, refused by the
    /// connector before sending); OPERA: a transaction code it does not know.
    pub fn make_refused(&self, line: &mut pms_flows::ChargeLine) {
        match self.front {
            Front::Mews(_) => line.outlet = Some(Uuid::from_u128(0xdead_beef).to_string()),
            Front::Cloudbeds(_) => line.quantity = Decimal::new(15, 1),
            Front::Opera(_) => line.transaction_code = Some("9999".into()),
        }
    }
}

/// A hotel configuration for the `grand` hotel from `PMS_HOTEL_GRAND_*`
/// variables (the documented configuration schema), Europe/Berlin, EUR.
fn config_from(vars: &[(&str, String)]) -> HotelConfig {
    let mut all: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (format!("PMS_HOTEL_GRAND_{k}"), v.clone()))
        .collect();
    all.insert("PMS_HOTELS".into(), "grand".into());
    all.insert("PMS_HOTEL_GRAND_TIME_ZONE".into(), "Europe/Berlin".into());
    all.insert("PMS_HOTEL_GRAND_CURRENCY".into(), "EUR".into());
    Config::from_lookup(|name| Ok(all.get(name).cloned()))
        .unwrap()
        .hotels
        .remove(0)
}

pub fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

// ---- the key system ----

#[derive(Debug, Default)]
pub struct KeysState {
    pub active: BTreeSet<KeyId>,
    pub activations: usize,
    pub deactivation_calls: usize,
    /// Deactivations still to fail (`usize::MAX`: always).
    pub failing_deactivations: usize,
    /// Activations refuse permanently while set.
    pub refuse_activations: bool,
}

/// A key system that records calls and fails when told to.
#[derive(Debug, Default)]
pub struct FakeKeys(pub Mutex<KeysState>);

impl FakeKeys {
    pub fn activations(&self) -> usize {
        self.0.lock().unwrap().activations
    }
    pub fn active(&self) -> BTreeSet<KeyId> {
        self.0.lock().unwrap().active.clone()
    }
    pub fn deactivation_calls(&self) -> usize {
        self.0.lock().unwrap().deactivation_calls
    }
    pub fn fail_deactivations(&self, times: usize) {
        self.0.lock().unwrap().failing_deactivations = times;
    }
}

#[async_trait]
impl KeyService for FakeKeys {
    async fn activate(&self, grant: &KeyGrant) -> Result<(), KeyError> {
        let mut state = self.0.lock().unwrap();
        if state.refuse_activations {
            return Err(KeyError::permanent("room not provisioned in the lock system"));
        }
        state.activations += 1;
        state.active.insert(grant.key_id);
        Ok(())
    }

    async fn deactivate(&self, key_id: KeyId) -> Result<(), KeyError> {
        let mut state = self.0.lock().unwrap();
        state.deactivation_calls += 1;
        if state.failing_deactivations > 0 {
            if state.failing_deactivations != usize::MAX {
                state.failing_deactivations -= 1;
            }
            return Err(KeyError::transient("lock gateway offline"));
        }
        state.active.remove(&key_id);
        Ok(())
    }
}

// ---- the flow harness ----

pub struct Harness {
    pub ctx: FlowContext,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub sleeper: VirtualSleeper,
    pub notifier: MemoryNotifier,
    pub keys: Arc<FakeKeys>,
}

impl Harness {
    pub async fn new(client: Arc<dyn PmsClient>) -> Harness {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let sleeper = VirtualSleeper::new(clock.clone());
        let limiter = Arc::new(RateLimiter::new(
            RateLimit {
                requests: 1000,
                window: Duration::from_secs(30),
            },
            200,
            clock.clone(),
            Arc::new(sleeper.clone()),
        ));
        let journal = WriteJournal::new(
            store.clone(),
            Arc::new(Cipher::random()),
            limiter,
            JournalSettings {
                credential: "sim-access-token-1".into(),
                retry: RetryPolicy::default(),
                owner: "flows-test".into(),
                claim_ttl: Duration::from_secs(60),
            },
            clock.clone(),
            Arc::new(sleeper.clone()),
        );
        let notifier = MemoryNotifier::new();
        let ctx = FlowContext::new(
            hotel(),
            client,
            Arc::new(journal),
            AuditLog::new(store.clone()),
            clock.clone(),
            Arc::new(sleeper.clone()),
            Arc::new(notifier.clone()),
            pms_sim::TIME_ZONE,
        )
        .with_actor("frontdesk-kiosk-1")
        .with_side_retry(SideRetry {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
        });
        Harness {
            ctx,
            store,
            clock,
            sleeper,
            notifier,
            keys: Arc::new(FakeKeys::default()),
        }
    }

    pub async fn audit(
        &self,
        reservation: &VendorId,
        action: pms_sync::AuditAction,
    ) -> Vec<serde_json::Value> {
        self.store
            .audit_query(&pms_sync::store::AuditFilter {
                reservation: Some(reservation.to_string()),
                action: Some(action.as_str().into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.entry.details)
            .collect()
    }
}

// ---- a connector that can also hold cards and store documents ----

/// Wraps a connector and adds the optional compliance writes (as OPERA has
/// them), counting calls, to test the "pushed to the PMS" path on any vendor.
pub struct WithCompliance {
    pub inner: Arc<dyn PmsClient>,
    pub holds: Mutex<Vec<CardHoldRequest>>,
    pub documents: Mutex<usize>,
    pub signatures: Mutex<usize>,
    /// When set, `check_in` answers "outcome unknown" (without applying) and
    /// every later reservation read fails: the journal cannot settle it.
    pub lose_check_in: std::sync::atomic::AtomicBool,
    lost: std::sync::atomic::AtomicBool,
    /// Capabilities to hide (to test the "not supported" paths).
    pub without: Vec<Capability>,
}

impl std::fmt::Debug for WithCompliance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithCompliance")
            .field("pms", &self.inner.kind())
            .finish()
    }
}

impl WithCompliance {
    pub fn new(inner: Arc<dyn PmsClient>) -> Self {
        WithCompliance {
            inner,
            holds: Mutex::default(),
            documents: Mutex::default(),
            signatures: Mutex::default(),
            lose_check_in: Default::default(),
            lost: Default::default(),
            without: Vec::new(),
        }
    }
    pub fn without(mut self, capabilities: &[Capability]) -> Self {
        self.without = capabilities.to_vec();
        self
    }
    pub fn holds(&self) -> usize {
        self.holds.lock().unwrap().len()
    }
}

#[async_trait]
impl PmsClient for WithCompliance {
    fn kind(&self) -> PmsKind {
        self.inner.kind()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner
            .capabilities()
            .iter()
            .chain([
                Capability::CardHold,
                Capability::IdVerification,
                Capability::Signature,
            ])
            .filter(|c| !self.without.contains(c))
            .collect()
    }
    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
        if self.lost.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::transient("503 Service Unavailable"));
        }
        self.inner.reservation(id).await
    }
    async fn reservations_modified(&self, query: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        self.inner.reservations_modified(query).await
    }
    async fn arrivals(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        self.inner.arrivals(range).await
    }
    async fn departures(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        self.inner.departures(range).await
    }
    async fn guest(&self, id: &VendorId) -> Result<Guest, Error> {
        self.inner.guest(id).await
    }
    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        self.inner.rooms().await
    }
    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error> {
        self.inner.room_statuses().await
    }
    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error> {
        self.inner.folio(reservation).await
    }
    async fn set_room_status(&self, update: &RoomStatusUpdate) -> Result<(), Error> {
        self.inner.set_room_status(update).await
    }
    async fn check_in(&self, request: &CheckInRequest) -> Result<(), Error> {
        if self.lose_check_in.load(std::sync::atomic::Ordering::SeqCst) {
            self.lost.store(true, std::sync::atomic::Ordering::SeqCst);
            return Err(Error::OutcomeUnknown {
                operation: "check_in",
                message: "connection reset after send".into(),
                vendor_request_id: None,
            });
        }
        self.inner.check_in(request).await
    }
    async fn check_out(&self, request: &CheckOutRequest) -> Result<(), Error> {
        self.inner.check_out(request).await
    }
    async fn post_charge(&self, charge: &ChargeRequest) -> Result<PostedCharge, Error> {
        self.inner.post_charge(charge).await
    }
    async fn find_charge(
        &self,
        reservation: &VendorId,
        request_id: RequestId,
    ) -> Result<Option<FolioCharge>, Error> {
        self.inner.find_charge(reservation, request_id).await
    }
    async fn void_charge(&self, request: &VoidChargeRequest) -> Result<(), Error> {
        self.inner.void_charge(request).await
    }
    async fn attach_id_verification(&self, _: &IdVerification) -> Result<(), Error> {
        *self.documents.lock().unwrap() += 1;
        Ok(())
    }
    async fn attach_signature(&self, _: &SignatureCapture) -> Result<(), Error> {
        *self.signatures.lock().unwrap() += 1;
        Ok(())
    }
    async fn place_card_hold(&self, request: &CardHoldRequest) -> Result<CardHold, Error> {
        let mut holds = self.holds.lock().unwrap();
        holds.push(request.clone());
        Ok(CardHold {
            request_id: request.request_id,
            external: Some(ExternalRef::new(
                self.kind(),
                VendorId::new(format!("hold-{}", holds.len())).unwrap(),
            )),
            card: request.card.clone(),
            amount: request.amount,
            state: CardHoldState::Authorized,
        })
    }
    async fn health(&self) -> HealthReport {
        self.inner.health().await
    }
}

// ---- agenda items the PMS manages ----

/// Serves the simulator's agenda (spa, dining, activities) as a connector
/// adapter would, with internal ids derived from the vendor ids.
#[derive(Debug, Clone)]
pub struct SimAgendaFeed {
    pub inspector: pms_sim::Inspector,
    pub kind: PmsKind,
}

impl SimAgendaFeed {
    pub fn new(vendor: &Vendor) -> Self {
        SimAgendaFeed {
            inspector: vendor.sim().state(),
            kind: vendor.kind,
        }
    }
}

fn external(kind: PmsKind, id: Uuid) -> ExternalRef {
    ExternalRef::new(kind, VendorId::new(id.to_string()).unwrap())
}

#[async_trait]
impl pms_flows::AgendaFeed for SimAgendaFeed {
    fn source(&self) -> pms_core::AgendaSource {
        pms_core::AgendaSource::Pms(self.kind)
    }

    async fn items(&self, range: DateRange) -> Result<Vec<pms_core::AgendaItem>, Error> {
        let hotel = hotel();
        let kind = self.kind;
        Ok(self.inspector.with_hotel(|h| {
            h.agenda
                .iter()
                .filter(|a| range.contains(h.business_date(a.starts)))
                .map(|a| pms_core::AgendaItem {
                    id: pms_core::AgendaItemId::derive(&hotel, &external(kind, a.id)),
                    external: Some(external(kind, a.id)),
                    kind: match a.kind {
                        pms_sim::AgendaKind::Spa => pms_core::AgendaKind::Spa,
                        pms_sim::AgendaKind::Dining => pms_core::AgendaKind::Dining,
                        pms_sim::AgendaKind::Activity => pms_core::AgendaKind::Activity,
                    },
                    title: a.title.clone(),
                    starts_at: a.starts,
                    ends_at: a.ends,
                    location: None,
                    guest: Some(pms_core::GuestId::derive(&hotel, &external(kind, a.guest_id))),
                    reservation: Some(pms_core::ReservationId::derive(
                        &hotel,
                        &external(kind, a.reservation_id),
                    )),
                    status: pms_core::AgendaStatus::Confirmed,
                    source: pms_core::AgendaSource::Pms(kind),
                })
                .collect()
        }))
    }
}
