//! Housekeeping dispatch against the simulators: routing, follow-up tasks,
//! status pushed back to the PMS, early check-in, overdue alerts.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use chrono::Utc;
use pms_core::ErrorKind;
use pms_core::{
    Capabilities, Change, ChangeQuery, ChargeRequest, CheckInRequest, CheckOutRequest, DateRange, Error,
    EventId, EventSource, ExternalRef, Folio, FolioCharge, Guest, HealthReport, HousekeepingStatus, Page,
    PmsClient, PmsEvent, PmsKind, PostedCharge, RequestId, Reservation, Room, RoomNumber, RoomStatusReport,
    RoomStatusUpdate, VendorId,
};
use pms_flows::{
    BalancePolicy, CheckOutFlow, CheckOutInput, Dispatcher, FlowError, FlowStorage, HousekeepingRules,
    Notification, Priority, SectionRule, TaskKind, TaskStatus,
};
use pms_sim::RoomState;
use pms_sync::AuditAction;
use pms_sync::crypto::Cipher;
use pms_sync::store::Store;
use support::{Harness, Vendor, vendors};

/// Floor rules, plus `first_floor` room numbers for vendors whose room lists
/// carry no floor (Cloudbeds `getRooms` and OPERA `FetchHouseKeepingRoomStatus`
/// have none, so their rooms route by number, as a property would configure them).
fn rules(suite: &str, first_floor: &[String]) -> HousekeepingRules {
    let numbers = || -> std::collections::BTreeSet<RoomNumber> {
        first_floor
            .iter()
            .map(|n| RoomNumber::new(n.as_str()).unwrap())
            .collect()
    };
    HousekeepingRules {
        sections: vec![
            SectionRule {
                rooms: numbers(),
                ..SectionRule::floors("engineering", &["1", "2"]).only(&[TaskKind::Maintenance])
            },
            SectionRule {
                rooms: [RoomNumber::new(suite).unwrap()].into_iter().collect(),
                ..SectionRule::floors("suites", &[])
            },
            SectionRule {
                rooms: numbers(),
                ..SectionRule::floors("north", &["1"])
            },
        ],
        ..HousekeepingRules::default()
    }
}

/// The first-floor room numbers to route by number, when the vendor's room
/// list has no floors (empty when it has: Mews routes by floor).
async fn first_floor_by_number(vendor: &Vendor) -> Vec<String> {
    let rooms = vendor.client.rooms().await.unwrap();
    if rooms.iter().any(|r| r.floor.is_some()) {
        return Vec::new();
    }
    vendor.sim().state().with_hotel(|h| {
        h.rooms
            .iter()
            .filter(|r| r.floor == 1)
            .map(|r| r.number.clone())
            .collect()
    })
}

/// The floor the dispatcher can know for a first-floor room.
async fn known_floor(vendor: &Vendor) -> Option<String> {
    let rooms = vendor.client.rooms().await.unwrap();
    rooms.iter().any(|r| r.floor.is_some()).then(|| "1".to_owned())
}

fn room_event(vendor: &Vendor, room: &pms_core::VendorId, status: HousekeepingStatus) -> PmsEvent {
    PmsEvent {
        id: EventId::new(format!("room:{room}:{status:?}")),
        hotel: support::hotel(),
        occurred_at: Utc::now(),
        source: EventSource::Webhook,
        change: Change::RoomStatusChanged {
            room: ExternalRef::new(vendor.kind, room.clone()),
            number: None,
            status: Some(status),
        },
    }
}

#[tokio::test]
async fn a_departure_becomes_a_routed_cleaning_and_completions_are_pushed_to_the_pms() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.departing_today(0);
        let room = vendor.set_room_of(&reservation, RoomState::Inspected);
        let (floor, number) = vendor.room_number(&room);
        assert_eq!(floor, 1);
        let dispatcher = Dispatcher::new(h.ctx.clone(), rules("999", &first_floor_by_number(&vendor).await));
        dispatcher.refresh().await.unwrap();
        assert!(dispatcher.open_tasks(None).iter().all(|t| t.room.id != room));

        // The guest pays and leaves; the PMS marks the room dirty and says so.
        vendor.settle(&reservation);
        let mut out = CheckOutInput::new(reservation.clone());
        out.policy = BalancePolicy::Warn;
        CheckOutFlow::new(h.ctx.clone(), h.keys.clone())
            .run(&out)
            .await
            .unwrap();
        assert_eq!(vendor.room_state(&room), RoomState::Dirty);
        let created = dispatcher
            .handle_event(&room_event(&vendor, &room, HousekeepingStatus::Dirty))
            .await;
        assert_eq!(created.len(), 1);
        let clean = &created[0];
        assert_eq!((clean.kind, clean.team.as_str()), (TaskKind::Clean, "north"));
        assert_eq!(clean.number.as_str(), number);
        assert_eq!(clean.floor, known_floor(&vendor).await);
        // The same event again (a webhook and a poll) creates nothing.
        assert!(
            dispatcher
                .handle_event(&room_event(&vendor, &room, HousekeepingStatus::Dirty))
                .await
                .is_empty()
        );

        // Cleaned: the PMS learns it, and an inspection follows.
        let next = dispatcher.complete(clean.id, "staff-17").await.unwrap();
        assert_eq!(vendor.room_state(&room), RoomState::Clean);
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].kind, TaskKind::Inspect);
        // Completing it twice does nothing more.
        assert!(
            dispatcher
                .complete(clean.id, "staff-17")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(vendor.write_calls("set_room_status"), 1);

        assert!(
            dispatcher
                .complete(next[0].id, "supervisor-2")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(vendor.room_state(&room), RoomState::Inspected);
        assert!(dispatcher.open_tasks(None).iter().all(|t| t.room.id != room));
        let statuses: Vec<_> = h
            .store
            .audit_query(&pms_sync::store::AuditFilter {
                action: Some(AuditAction::RoomStatusChanged.as_str().into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.entry.details["status"].clone())
            .collect();
        assert_eq!(
            statuses,
            [serde_json::json!("clean"), serde_json::json!("inspected")]
        );
        let tasks = dispatcher.tasks();
        assert_eq!(
            tasks
                .iter()
                .find(|t| t.id == clean.id)
                .unwrap()
                .completed_by
                .as_deref(),
            Some("staff-17")
        );
    }
}

#[tokio::test]
async fn an_early_arrival_makes_cleaning_urgent_and_announces_early_check_in() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let h = Harness::new(vendor.client.clone()).await;
        let arriving = vendor.arriving_ready(0);
        let room = vendor.set_room_of(&arriving, RoomState::Dirty);
        let (_, number) = vendor.room_number(&room);
        let dispatcher = Dispatcher::new(
            h.ctx.clone(),
            HousekeepingRules {
                all_arrivals_urgent: true,
                ..rules(&number, &first_floor_by_number(&vendor).await)
            },
        );
        dispatcher.refresh().await.unwrap();
        let open = dispatcher.open_tasks(None);
        let task = open.iter().find(|t| t.room.id == room).unwrap();
        assert_eq!(task.priority, Priority::High);
        assert_eq!(task.team, "suites", "the room rule comes before the floor rule");
        assert_eq!(task.for_arrival.as_ref(), Some(&arriving));
        assert_eq!(open[0].priority, Priority::High, "urgent tasks first");
        assert_eq!(task.due_at - task.created_at, chrono::Duration::hours(1));

        // Rooms already ready for today's arrivals were announced by the refresh.
        let for_us = |n: &Notification| matches!(n, Notification::EarlyCheckInAvailable { reservation, .. } if reservation.id == arriving);
        let announced = h.notifier.of_kind("early_check_in_available");
        assert!(!announced.is_empty());
        assert!(!announced.iter().any(for_us));
        dispatcher.complete(task.id, "staff-3").await.unwrap();
        let early: Vec<_> = h
            .notifier
            .of_kind("early_check_in_available")
            .into_iter()
            .filter(for_us)
            .collect();
        assert_eq!(early.len(), 1);
        match &early[0] {
            Notification::EarlyCheckInAvailable {
                reservation, room, ..
            } => {
                assert_eq!(reservation.id, arriving);
                assert_eq!(room.as_str(), number);
            }
            other => panic!("{other:?}"),
        }
        // Inspected later: the guest was already told.
        let inspect = dispatcher.open_tasks(Some("suites"));
        dispatcher.complete(inspect[0].id, "supervisor-2").await.unwrap();
        let total = h.notifier.of_kind("early_check_in_available");
        assert_eq!(total.iter().filter(|n| for_us(n)).count(), 1);
    }
}

#[tokio::test]
async fn overdue_tasks_are_alerted_once_in_virtual_time() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let h = Harness::new(vendor.client.clone()).await;
        let dispatcher = Dispatcher::new(h.ctx.clone(), rules("999", &first_floor_by_number(&vendor).await));
        let created = dispatcher.refresh().await.unwrap();
        assert!(!created.is_empty(), "the generated hotel has dirty rooms");
        assert!(dispatcher.check_overdue().await.is_empty());

        h.clock.advance(chrono::Duration::minutes(61));
        let overdue = dispatcher.check_overdue().await;
        assert!(overdue.iter().all(|t| t.kind == TaskKind::Inspect));
        let inspections = created.iter().filter(|t| t.kind == TaskKind::Inspect).count();
        assert_eq!(overdue.len(), inspections);

        h.clock.advance(chrono::Duration::hours(4));
        let later = dispatcher.check_overdue().await;
        let cleanings = created.iter().filter(|t| t.kind == TaskKind::Clean).count();
        assert_eq!(
            later.len(),
            cleanings,
            "cleanings are due within 4 hours, maintenance within 24"
        );
        assert!(later.iter().all(|t| t.kind == TaskKind::Clean));
        assert!(dispatcher.check_overdue().await.is_empty(), "alerted once");
        assert_eq!(
            h.notifier.of_kind("housekeeping_overdue").len(),
            overdue.len() + later.len()
        );
    }
}

#[tokio::test]
async fn an_out_of_order_room_goes_to_maintenance_and_back_to_cleaning() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.departing_today(1);
        let room = vendor.set_room_of(&reservation, RoomState::Dirty);
        let dispatcher = Dispatcher::new(h.ctx.clone(), rules("999", &first_floor_by_number(&vendor).await));
        dispatcher.refresh().await.unwrap();
        let clean = dispatcher
            .open_tasks(None)
            .into_iter()
            .find(|t| t.room.id == room)
            .unwrap();
        assert_eq!(clean.kind, TaskKind::Clean);

        vendor.set_room_of(&reservation, RoomState::OutOfOrder);
        let created = dispatcher
            .handle_event(&room_event(&vendor, &room, HousekeepingStatus::OutOfOrder))
            .await;
        assert_eq!(created.len(), 1);
        assert_eq!(
            (created[0].kind, created[0].team.as_str()),
            (TaskKind::Maintenance, "engineering")
        );
        let superseded = dispatcher.tasks().into_iter().find(|t| t.id == clean.id).unwrap();
        assert_eq!(superseded.status, TaskStatus::Superseded);

        // Fixed: the room goes back to dirty in the PMS and gets a cleaning.
        let done = dispatcher.complete(created[0].id, "engineer-1").await;
        if vendor.kind == pms_core::PmsKind::Cloudbeds {
            // Cloudbeds keeps out-of-order as a room block, apart from the
            // condition: postHousekeepingStatus is refused while the room is
            // blocked, and the flow reports it (the block is lifted in Cloudbeds).
            assert!(
                matches!(
                    done,
                    Err(FlowError::Refused {
                        operation: "set_room_status",
                        kind: ErrorKind::Conflict,
                        ..
                    })
                ),
                "{}: {done:?}",
                vendor.name()
            );
            assert_eq!(vendor.room_state(&room), RoomState::OutOfOrder);
            assert!(
                dispatcher
                    .open_tasks(Some("engineering"))
                    .iter()
                    .any(|t| t.id == created[0].id),
                "still open"
            );
            assert_eq!(vendor.write_calls("set_room_status"), 1);
            continue;
        }
        let next = done.unwrap();
        assert_eq!(vendor.room_state(&room), RoomState::Dirty);
        assert_eq!(vendor.write_calls("set_room_status"), 1);
        assert_eq!(next.len(), 1);
        assert_eq!((next[0].kind, next[0].team.as_str()), (TaskKind::Clean, "north"));
    }
}

#[tokio::test]
async fn without_room_status_writes_a_completion_is_audited_but_not_pushed() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let client = std::sync::Arc::new(
            support::WithCompliance::new(vendor.client.clone())
                .without(&[pms_core::Capability::RoomStatusWrite]),
        );
        let h = Harness::new(client).await;
        let reservation = vendor.departing_today(2);
        let room = vendor.set_room_of(&reservation, RoomState::Dirty);
        let dispatcher = Dispatcher::new(h.ctx.clone(), rules("999", &first_floor_by_number(&vendor).await));
        dispatcher.refresh().await.unwrap();
        let clean = dispatcher
            .open_tasks(Some("north"))
            .into_iter()
            .find(|t| t.room.id == room)
            .unwrap();
        let next = dispatcher.complete(clean.id, "staff-1").await.unwrap();
        assert_eq!(next[0].kind, TaskKind::Inspect, "the follow-up still comes");
        assert_eq!(
            vendor.room_state(&room),
            RoomState::Dirty,
            "nothing written to the PMS"
        );
        assert_eq!(vendor.write_calls("set_room_status"), 0);
        let audited = h
            .store
            .audit_query(&pms_sync::store::AuditFilter {
                action: Some(AuditAction::RoomStatusChanged.as_str().into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(audited.len(), 1);
        assert_eq!(audited[0].entry.details["pushed_to_pms"], false);
    }
}

/// Taking a room out of order/service through the write path the flows use
/// (the journal's `SetRoomStatus`): Mews writes out-of-service
/// (`resources/update`) but derives out-of-order from resource blocks only;
/// Cloudbeds keeps both as room blocks, not housekeeping conditions; OPERA's
/// `UpdateRoomStatus` takes neither. Where unsupported the answer is a typed
/// `Unsupported`, nothing is sent and the room is unchanged.
#[tokio::test]
async fn out_of_order_and_out_of_service_writes_per_vendor() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let name = vendor.name();
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.departing_today(3);
        let room = vendor.set_room_of(&reservation, RoomState::Dirty);
        for (n, status, state) in [
            (0u8, HousekeepingStatus::OutOfOrder, RoomState::OutOfOrder),
            (1, HousekeepingStatus::OutOfService, RoomState::OutOfService),
        ] {
            let written = h
                .ctx
                .journal
                .execute(
                    &support::hotel(),
                    vendor.client.as_ref(),
                    &pms_sync::SetRoomStatus(pms_core::RoomStatusUpdate {
                        request_id: h.ctx.request_id(&["ooo-test", &n.to_string()]),
                        room: room.clone(),
                        status: status.clone(),
                    }),
                )
                .await;
            let supported = vendor.kind == pms_core::PmsKind::Mews && state == RoomState::OutOfService;
            if supported {
                written.unwrap_or_else(|e| panic!("{name} {status:?}: {e:?}"));
                assert_eq!(vendor.room_state(&room), state, "{name}");
            } else {
                let err = written.unwrap_err();
                assert_eq!(
                    err.pms_kind(),
                    Some(ErrorKind::Unsupported),
                    "{name} {status:?}: {err:?}"
                );
                assert_ne!(vendor.room_state(&room), state, "{name} {status:?}: unchanged");
            }
        }
        let sent = if vendor.kind == pms_core::PmsKind::Mews {
            1
        } else {
            0
        };
        assert_eq!(vendor.write_calls("set_room_status"), sent, "{name}");
    }
}

/// A durable dispatcher over the harness's store.
async fn durable(h: &Harness, rules: HousekeepingRules, cipher: &Arc<Cipher>) -> Dispatcher {
    let store: Arc<dyn Store> = h.store.clone();
    Dispatcher::restore(h.ctx.clone(), rules, FlowStorage::new(store, cipher.clone()))
        .await
        .unwrap()
}

/// A completion refused while the room is still blocked (the Cloudbeds
/// simulator refuses `postHousekeepingStatus` on a blocked room, a definitive
/// `Conflict`) stays open with the refusal recorded in the durable task;
/// completing it again is a new write, not the journaled refusal replayed,
/// and once the block is lifted it is pushed and the task closes.
#[tokio::test]
async fn a_refused_completion_stays_open_and_is_pushed_once_the_cause_is_gone() {
    let vendor = Vendor::cloudbeds(41).await;
    let _scope = vendor.scope();
    let h = Harness::new(vendor.client.clone()).await;
    let cipher = Arc::new(Cipher::random());
    let reservation = vendor.departing_today(1);
    let room = vendor.set_room_of(&reservation, RoomState::Dirty);
    let rules = rules("999", &first_floor_by_number(&vendor).await);
    let dispatcher = durable(&h, rules.clone(), &cipher).await;
    dispatcher.refresh().await.unwrap();
    vendor.set_room_of(&reservation, RoomState::OutOfOrder);
    let created = dispatcher
        .handle_event(&room_event(&vendor, &room, HousekeepingStatus::OutOfOrder))
        .await;
    let task = created
        .iter()
        .find(|t| t.kind == TaskKind::Maintenance)
        .unwrap()
        .clone();

    // Still blocked: refused, the task stays open and says why.
    let refused = dispatcher.complete(task.id, "engineer-1").await;
    let Err(FlowError::Refused {
        operation: "set_room_status",
        kind: ErrorKind::Conflict,
        request_id: first_id,
        ..
    }) = refused
    else {
        panic!("{refused:?}");
    };
    assert_eq!(vendor.write_calls("set_room_status"), 1);
    let open = dispatcher.tasks().into_iter().find(|t| t.id == task.id).unwrap();
    assert_eq!(open.status, TaskStatus::Open);
    assert_eq!(open.completion_attempts, 1);
    let refusal = open.last_refusal.clone().unwrap();
    assert_eq!(
        (refusal.request_id, refusal.kind, refusal.by.as_str()),
        (first_id, ErrorKind::Conflict, "engineer-1")
    );
    assert!(dispatcher.is_durable());

    // A restart keeps the refusal and its count (the durable task record).
    drop(dispatcher);
    let dispatcher = durable(&h, rules, &cipher).await;
    assert_eq!(
        dispatcher.tasks().into_iter().find(|t| t.id == task.id),
        Some(open)
    );

    // Tried again while still blocked: a new intent that reaches the PMS
    // (and is refused again), not the stored refusal replayed.
    let again = dispatcher.complete(task.id, "engineer-1").await;
    let Err(FlowError::Refused {
        kind: ErrorKind::Conflict,
        request_id: second_id,
        ..
    }) = again
    else {
        panic!("{again:?}");
    };
    assert_ne!(second_id, first_id);
    assert_eq!(vendor.write_calls("set_room_status"), 2);

    // The block is lifted: completing again pushes the state and closes the
    // task. The clock has not moved since the first cleaning task was opened
    // (and superseded), so the follow-up cleaning is opened at the same
    // instant: it must still be a task of its own.
    vendor.set_room_of(&reservation, RoomState::Clean);
    let next = dispatcher.complete(task.id, "engineer-2").await.unwrap();
    assert_eq!(vendor.write_calls("set_room_status"), 3);
    assert_eq!(vendor.room_state(&room), RoomState::Dirty);
    let done = dispatcher.tasks().into_iter().find(|t| t.id == task.id).unwrap();
    assert_eq!(done.status, TaskStatus::Done);
    assert_eq!(done.completed_by.as_deref(), Some("engineer-2"));
    assert_eq!(done.completion_attempts, 2);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].kind, TaskKind::Clean);
    assert_eq!(next[0].status, TaskStatus::Open);
    let follow_up = dispatcher.tasks().into_iter().find(|t| t.id == next[0].id);
    assert_eq!(
        follow_up.map(|t| t.status),
        Some(TaskStatus::Open),
        "the follow-up is a task of its own"
    );
    // Done is done: a further completion sends nothing.
    assert!(
        dispatcher
            .complete(task.id, "engineer-2")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(vendor.write_calls("set_room_status"), 3);
}

/// Wraps a connector: while `lose` is set, a room-status write is applied
/// by the PMS but its answer is lost (`OutcomeUnknown`), and room-status
/// reads then fail until `restore` (the journal cannot read it back).
struct LosesRoomWrites {
    inner: Arc<dyn PmsClient>,
    lose: AtomicBool,
    blind: AtomicBool,
}

impl std::fmt::Debug for LosesRoomWrites {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LosesRoomWrites").finish_non_exhaustive()
    }
}

impl LosesRoomWrites {
    fn restore(&self) {
        self.lose.store(false, Ordering::SeqCst);
        self.blind.store(false, Ordering::SeqCst);
    }
}

#[async_trait]
impl PmsClient for LosesRoomWrites {
    fn kind(&self) -> PmsKind {
        self.inner.kind()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
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
        if self.blind.load(Ordering::SeqCst) {
            return Err(Error::transient("503 Service Unavailable"));
        }
        self.inner.room_statuses().await
    }
    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error> {
        self.inner.folio(reservation).await
    }
    async fn set_room_status(&self, update: &RoomStatusUpdate) -> Result<(), Error> {
        let result = self.inner.set_room_status(update).await;
        if self.lose.load(Ordering::SeqCst) {
            self.blind.store(true, Ordering::SeqCst);
            return Err(Error::OutcomeUnknown {
                operation: "set_room_status",
                message: "connection reset after send".into(),
                vendor_request_id: None,
            });
        }
        result
    }
    async fn check_in(&self, request: &CheckInRequest) -> Result<(), Error> {
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
    async fn health(&self) -> HealthReport {
        self.inner.health().await
    }
}

/// A completion whose write was applied but answered ambiguously (and could
/// not be read back) stays open, uncounted; completing it again reuses the
/// request id, reads the room back and closes the task without a second write.
#[tokio::test]
async fn an_ambiguous_completion_retried_is_read_back_not_written_twice() {
    let vendor = Vendor::mews(43).await;
    let _scope = vendor.scope();
    let client = Arc::new(LosesRoomWrites {
        inner: vendor.client.clone(),
        lose: AtomicBool::new(false),
        blind: AtomicBool::new(false),
    });
    let h = Harness::new(client.clone()).await;
    let cipher = Arc::new(Cipher::random());
    let reservation = vendor.departing_today(2);
    let room = vendor.set_room_of(&reservation, RoomState::Dirty);
    let dispatcher = durable(&h, rules("999", &first_floor_by_number(&vendor).await), &cipher).await;
    dispatcher.refresh().await.unwrap();
    let clean = dispatcher
        .open_tasks(None)
        .into_iter()
        .find(|t| t.room.id == room)
        .unwrap();

    client.lose.store(true, Ordering::SeqCst);
    let lost = dispatcher.complete(clean.id, "staff-5").await;
    let Err(FlowError::OutcomeUnknown {
        operation: "set_room_status",
        request_id: first_id,
    }) = lost
    else {
        panic!("{lost:?}");
    };
    assert_eq!(vendor.room_state(&room), RoomState::Clean, "applied in the PMS");
    assert_eq!(vendor.write_calls("set_room_status"), 1);
    let open = dispatcher.tasks().into_iter().find(|t| t.id == clean.id).unwrap();
    assert_eq!(open.status, TaskStatus::Open);
    assert_eq!((open.completion_attempts, open.last_refusal), (0, None));

    // The PMS answers again: the retry reads the room back, sends nothing.
    client.restore();
    let next = dispatcher.complete(clean.id, "staff-5").await.unwrap();
    assert_eq!(vendor.write_calls("set_room_status"), 1, "not written twice");
    let done = dispatcher.tasks().into_iter().find(|t| t.id == clean.id).unwrap();
    assert_eq!(done.status, TaskStatus::Done);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].kind, TaskKind::Inspect);
    let audited = h
        .store
        .audit_query(&pms_sync::store::AuditFilter {
            action: Some(AuditAction::RoomStatusChanged.as_str().into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].entry.request_id, Some(first_id));
}
