//! Housekeeping dispatch: room status changes become tasks (clean after
//! departure, inspect after clean, maintenance for out-of-order rooms),
//! routed to teams by floor/section rules, prioritised for early arrivals;
//! completing a task pushes the new state back to the PMS through the write
//! journal; overdue tasks raise notifications.
//!
//! A dispatcher made with [`Dispatcher::restore`] is durable: every task
//! change (created, routed, completed, superseded, overdue alerted) is
//! written through to the store's flow records, sealed, one record per
//! (room, task kind) slot with optimistic concurrency, and a restart (or a
//! second dispatcher on the same store) picks the open tasks up again: the
//! same room event twice, or after a restart, still yields one task.
//! [`Dispatcher::new`] keeps tasks in memory only; they are rebuilt from the
//! PMS's room states with [`Dispatcher::refresh`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use pms_core::{
    Capability, Change, DateRange, ErrorKind, ExternalRef, HousekeepingStatus, PmsEvent, RequestId,
    Reservation, Room, RoomNumber, RoomStatusUpdate, VendorId,
};
use pms_sync::{AuditAction, SetRoomStatus};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::FlowError;
use crate::context::FlowContext;
use crate::durable::{FlowStorage, Saved};
use crate::notify::Notification;

/// What a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Clean a dirty room.
    Clean,
    /// Inspect a cleaned room.
    Inspect,
    /// Fix an out-of-order / out-of-service room.
    Maintenance,
}

impl TaskKind {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Clean => "clean",
            TaskKind::Inspect => "inspect",
            TaskKind::Maintenance => "maintenance",
        }
    }
}

/// Task priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Routine.
    Normal,
    /// A guest is arriving early for this room.
    High,
}

/// Task states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// To do.
    Open,
    /// Done by staff (and pushed to the PMS where supported).
    Done,
    /// Overtaken by the PMS (the room changed state by another route).
    Superseded,
}

/// A housekeeping task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Id (derived from room, kind and creation instant).
    pub id: Uuid,
    /// The room in the PMS.
    pub room: ExternalRef,
    /// Its number.
    pub number: RoomNumber,
    /// Its floor, when known.
    pub floor: Option<String>,
    /// What to do.
    pub kind: TaskKind,
    /// Priority.
    pub priority: Priority,
    /// The team it is routed to.
    pub team: String,
    /// The arrival that made it urgent, if any (vendor reservation id).
    pub for_arrival: Option<VendorId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it is due.
    pub due_at: DateTime<Utc>,
    /// State.
    pub status: TaskStatus,
    /// Who completed it.
    pub completed_by: Option<String>,
    /// Whether the overdue alert went out.
    pub overdue_alerted: bool,
    /// Completions the PMS refused definitively so far. The room-status
    /// write of a completion is journaled under a request id derived from
    /// the task and this count: a retry after an ambiguous outcome reuses it
    /// (and is read back), a retry after a refusal is a new intent.
    #[serde(default)]
    pub completion_attempts: u32,
    /// The last definitive refusal of a completion, if any.
    #[serde(default)]
    pub last_refusal: Option<CompletionRefusal>,
}

/// A completion whose room-status write the PMS refused (definitively, e.g.
/// the room is still blocked): the task stayed open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionRefusal {
    /// The request id of the refused write.
    pub request_id: RequestId,
    /// The refusal's class.
    pub kind: ErrorKind,
    /// The PMS's message.
    pub message: String,
    /// Who tried to complete the task.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A routing rule: rooms on these floors or with these numbers go to `team`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionRule {
    /// The team (or section) name.
    pub team: String,
    /// Floors covered.
    pub floors: BTreeSet<String>,
    /// Rooms covered, whatever their floor.
    pub rooms: BTreeSet<RoomNumber>,
    /// Task kinds covered; empty for all.
    pub kinds: BTreeSet<TaskKind>,
}

impl SectionRule {
    /// A rule for whole floors.
    pub fn floors(team: impl Into<String>, floors: &[&str]) -> Self {
        SectionRule {
            team: team.into(),
            floors: floors.iter().map(|f| (*f).to_owned()).collect(),
            rooms: BTreeSet::new(),
            kinds: BTreeSet::new(),
        }
    }

    /// The same rule limited to some task kinds (e.g. maintenance to engineering).
    pub fn only(mut self, kinds: &[TaskKind]) -> Self {
        self.kinds = kinds.iter().copied().collect();
        self
    }

    fn matches(&self, number: &RoomNumber, floor: Option<&str>, kind: TaskKind) -> bool {
        let place = self.rooms.contains(number) || floor.is_some_and(|f| self.floors.contains(f));
        let kind_ok = self.kinds.is_empty() || self.kinds.contains(&kind);
        place && kind_ok
    }
}

/// How tasks are routed and timed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HousekeepingRules {
    /// Rules in order; the first match wins.
    pub sections: Vec<SectionRule>,
    /// Team for rooms no rule matches.
    pub default_team: String,
    /// Time to clean, normal priority.
    pub clean_within: Duration,
    /// Time to clean for an early arrival.
    pub urgent_clean_within: Duration,
    /// Time to inspect.
    pub inspect_within: Duration,
    /// Time to fix an out-of-order room.
    pub maintenance_within: Duration,
    /// The standard check-in time (property-local); arrivals expected before it are early.
    pub standard_check_in: NaiveTime,
    /// Treat every arrival today as early (any arrival makes the room urgent).
    pub all_arrivals_urgent: bool,
}

impl Default for HousekeepingRules {
    fn default() -> Self {
        HousekeepingRules {
            sections: Vec::new(),
            default_team: "housekeeping".to_owned(),
            clean_within: Duration::from_secs(4 * 3600),
            urgent_clean_within: Duration::from_secs(3600),
            inspect_within: Duration::from_secs(3600),
            maintenance_within: Duration::from_secs(24 * 3600),
            standard_check_in: NaiveTime::from_hms_opt(15, 0, 0).unwrap_or(NaiveTime::MIN),
            all_arrivals_urgent: false,
        }
    }
}

impl HousekeepingRules {
    /// The team for a task.
    pub fn team_for(&self, number: &RoomNumber, floor: Option<&str>, kind: TaskKind) -> &str {
        self.sections
            .iter()
            .find(|rule| rule.matches(number, floor, kind))
            .map_or(self.default_team.as_str(), |rule| rule.team.as_str())
    }

    /// Whether `arrival` (arriving today) is early: expected before the standard check-in time.
    pub fn is_early(&self, arrival: &Reservation, tz: chrono_tz::Tz) -> bool {
        if self.all_arrivals_urgent {
            return true;
        }
        let standard = tz
            .from_local_datetime(&arrival.arrival.and_time(self.standard_check_in))
            .earliest()
            .map(|t| t.with_timezone(&Utc));
        match (arrival.eta, standard) {
            (Some(eta), Some(standard)) => eta < standard,
            _ => false,
        }
    }

    fn due(&self, kind: TaskKind, priority: Priority) -> Duration {
        match (kind, priority) {
            (TaskKind::Clean, Priority::High) => self.urgent_clean_within,
            (TaskKind::Clean, Priority::Normal) => self.clean_within,
            (TaskKind::Inspect, Priority::High) => self.inspect_within.min(self.urgent_clean_within),
            (TaskKind::Inspect, Priority::Normal) => self.inspect_within,
            (TaskKind::Maintenance, _) => self.maintenance_within,
        }
    }
}

/// Flow-record kind of a task slot (one per room and task kind).
const TASK_RECORDS: &str = "housekeeping_task";
/// Flow-record kind of "this arrival was told early check-in is possible".
const EARLY_NOTICE_RECORDS: &str = "housekeeping_early_check_in";
/// Conditional writes of one task before giving up (left pending, retried on the next change).
const SAVE_ATTEMPTS: usize = 4;

/// The store key of a task's slot: at most one open task per room and kind.
fn slot(room: &ExternalRef, kind: TaskKind) -> String {
    format!("{}:{}", kind.as_str(), room.id)
}

#[derive(Debug, Default)]
struct State {
    rooms: BTreeMap<VendorId, (RoomNumber, Option<String>)>,
    /// Today's arrivals by room number: (reservation, early?).
    arrivals: BTreeMap<RoomNumber, (VendorId, bool)>,
    tasks: Vec<Task>,
    /// Arrivals already told their room is ready.
    early_notified: BTreeSet<VendorId>,
    /// Stored version of each slot this dispatcher knows.
    versions: BTreeMap<String, i64>,
    /// Tasks whose latest state is not durable yet (the store failed): written on the next change.
    unsaved: BTreeSet<Uuid>,
}

impl State {
    /// Settles a lost write race for `ours` against `theirs`, the slot's
    /// stored task: `Some` when their state stands (memory now holds it),
    /// `None` when ours is to be written again over the new version.
    fn settle_conflict(&mut self, ours: &Task, theirs: Task) -> Option<Durability> {
        let same_task = theirs.id == ours.id;
        // Another task holding the slot stands if it is open (ours is then a
        // duplicate, or stale); a closed one is overwritten.
        let theirs_stands = if same_task {
            covered_by(ours, &theirs)
        } else {
            theirs.status == TaskStatus::Open
        };
        if theirs_stands {
            self.unsaved.remove(&ours.id);
            if same_task {
                if let Some(t) = self.task_mut(ours.id) {
                    *t = theirs.clone();
                }
            } else {
                if ours.status == TaskStatus::Open {
                    self.tasks.retain(|t| t.id != ours.id);
                }
                if !self.tasks.iter().any(|t| t.id == theirs.id) {
                    self.tasks.push(theirs.clone());
                }
            }
            return Some(Durability::Replaced(Box::new(theirs)));
        }
        if same_task && let Some(t) = self.task_mut(ours.id) {
            // Keep what the other writer added (an overdue alert, a refused
            // completion) beside our change.
            t.overdue_alerted |= theirs.overdue_alerted;
            if theirs.completion_attempts > t.completion_attempts {
                t.completion_attempts = theirs.completion_attempts;
                t.last_refusal = theirs.last_refusal;
            }
        }
        None
    }

    fn task_mut(&mut self, id: Uuid) -> Option<&mut Task> {
        self.tasks.iter_mut().find(|t| t.id == id)
    }
}

/// What writing one task to the store came to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Durability {
    /// Stored as this dispatcher has it.
    Stored,
    /// Another writer's state of the slot stands (a task it created first, or
    /// the same task further along); memory now holds it.
    Replaced(Box<Task>),
    /// The store failed; kept in memory and retried on the next change.
    Pending,
}

/// Whether `stored` (same task, another writer) already covers `ours`:
/// a closed task stays closed, an alerted one stays alerted, a refused
/// completion stays counted.
fn covered_by(ours: &Task, stored: &Task) -> bool {
    match (ours.status == TaskStatus::Open, stored.status == TaskStatus::Open) {
        (_, false) => true,
        (false, true) => false,
        (true, true) => {
            (stored.overdue_alerted || !ours.overdue_alerted)
                && stored.completion_attempts >= ours.completion_attempts
        }
    }
}

/// The request id of a task's completion write, attempt `attempt` (the
/// number of definitive refusals before it). Attempt 0 keeps the id derived
/// from the task alone, so a completion journaled before attempts were
/// counted is still read back, never resent.
fn completion_request_id(ctx: &FlowContext, task_id: Uuid, attempt: u32) -> RequestId {
    let task = task_id.to_string();
    if attempt == 0 {
        ctx.request_id(&["room_status", &task])
    } else {
        ctx.request_id(&["room_status", &task, &attempt.to_string()])
    }
}

/// Turns room states into routed tasks and pushes completions to the PMS.
#[derive(Debug)]
pub struct Dispatcher {
    ctx: FlowContext,
    rules: HousekeepingRules,
    state: Mutex<State>,
    storage: Option<FlowStorage>,
    /// Serialises changes (decide, then write through) within this dispatcher.
    gate: tokio::sync::Mutex<()>,
}

impl Dispatcher {
    /// A dispatcher with `rules` that keeps tasks in memory only; call
    /// [`Dispatcher::refresh`] to load rooms and arrivals. See
    /// [`Dispatcher::restore`] for one that survives restarts.
    pub fn new(ctx: FlowContext, rules: HousekeepingRules) -> Self {
        Dispatcher {
            ctx,
            rules,
            state: Mutex::new(State::default()),
            storage: None,
            gate: tokio::sync::Mutex::new(()),
        }
    }

    /// A durable dispatcher: loads the hotel's open tasks from `storage` and
    /// writes every later change through to it. Call [`Dispatcher::refresh`]
    /// afterwards to load rooms and arrivals; tasks already open are not
    /// opened twice.
    pub async fn restore(
        ctx: FlowContext,
        rules: HousekeepingRules,
        storage: FlowStorage,
    ) -> Result<Self, FlowError> {
        let stored = storage.load::<Task>(&ctx.hotel, TASK_RECORDS, true).await?;
        let mut state = State::default();
        for record in stored {
            state.versions.insert(record.key, record.version);
            state.tasks.push(record.value);
        }
        state.tasks.sort_by_key(|t| (t.created_at, t.id));
        Ok(Dispatcher {
            ctx,
            rules,
            state: Mutex::new(state),
            storage: Some(storage),
            gate: tokio::sync::Mutex::new(()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The rules.
    pub fn rules(&self) -> &HousekeepingRules {
        &self.rules
    }

    /// Whether every task change so far is durable (always true in memory-only mode).
    pub fn is_durable(&self) -> bool {
        self.lock().unsaved.is_empty()
    }

    /// Writes the changes a failing store left pending; errors if the store still fails.
    pub async fn flush(&self) -> Result<(), FlowError> {
        let _gate = self.gate.lock().await;
        let pending: Vec<Uuid> = self.lock().unsaved.iter().copied().collect();
        for id in pending {
            if self.save(id).await == Durability::Pending {
                return Err(FlowError::Sync(pms_sync::SyncError::Store(format!(
                    "housekeeping task {id} could not be written"
                ))));
            }
        }
        Ok(())
    }

    /// Writes one task (by id) through to the store, settling races with other
    /// writers of its slot. Call with the gate held.
    async fn save(&self, id: Uuid) -> Durability {
        let Some(storage) = &self.storage else {
            return Durability::Stored;
        };
        for _ in 0..SAVE_ATTEMPTS {
            let (task, key, expected) = {
                let state = self.lock();
                let Some(task) = state.tasks.iter().find(|t| t.id == id).cloned() else {
                    return Durability::Stored;
                };
                let key = slot(&task.room, task.kind);
                let expected = state.versions.get(&key).copied();
                (task, key, expected)
            };
            let open = task.status == TaskStatus::Open;
            let saved = storage
                .save(
                    &self.ctx.hotel,
                    TASK_RECORDS,
                    &key,
                    expected,
                    open,
                    &task,
                    self.ctx.clock.now(),
                )
                .await;
            let mut state = self.lock();
            match saved {
                Ok(Saved::Written(version)) => {
                    state.versions.insert(key, version);
                    state.unsaved.remove(&id);
                    return Durability::Stored;
                }
                Ok(Saved::Conflict(None)) => {
                    // The slot was deleted under us: create it afresh.
                    state.versions.remove(&key);
                }
                Ok(Saved::Conflict(Some(stored))) => {
                    state.versions.insert(key, stored.version);
                    if let Some(settled) = state.settle_conflict(&task, stored.value) {
                        return settled;
                    }
                }
                Err(err) => {
                    tracing::warn!(task = %id, error = %err, "housekeeping task not written; will retry");
                    state.unsaved.insert(id);
                    return Durability::Pending;
                }
            }
        }
        tracing::warn!(task = %id, "housekeeping task kept losing write races; will retry");
        self.lock().unsaved.insert(id);
        Durability::Pending
    }

    /// Writes `changed` tasks (and anything left pending) through; returns what each came to.
    async fn save_all(&self, changed: &[Uuid]) -> BTreeMap<Uuid, Durability> {
        let pending: Vec<Uuid> = self.lock().unsaved.iter().copied().collect();
        for id in pending.iter().filter(|id| !changed.contains(id)) {
            self.save(*id).await;
        }
        let mut out = BTreeMap::new();
        for id in changed {
            out.insert(*id, self.save(*id).await);
        }
        out
    }

    /// Forgets what no longer matters: closed tasks and early check-in notices
    /// last written before `before` leave the store, closed tasks created
    /// before it leave memory. Open tasks stay. Returns the records deleted.
    pub async fn purge_closed(&self, before: DateTime<Utc>) -> Result<u64, FlowError> {
        let _gate = self.gate.lock().await;
        self.lock()
            .tasks
            .retain(|t| t.status == TaskStatus::Open || t.created_at >= before);
        let Some(storage) = &self.storage else {
            return Ok(0);
        };
        let mut purged = 0;
        for kind in [TASK_RECORDS, EARLY_NOTICE_RECORDS] {
            purged += storage.purge_closed(&self.ctx.hotel, kind, before).await?;
        }
        Ok(purged)
    }

    /// Loads rooms (numbers, floors) and today's arrivals from the PMS, then
    /// ingests every room's current state, so tasks exist for every dirty,
    /// clean or out-of-order room. Safe to call repeatedly.
    pub async fn refresh(&self) -> Result<Vec<Task>, FlowError> {
        let rooms = self.ctx.client.rooms().await?;
        self.set_rooms(&rooms);
        self.refresh_arrivals().await?;
        let statuses = self.ctx.client.room_statuses().await?;
        let mut created = Vec::new();
        for report in statuses {
            created.extend(
                self.on_room_status(&report.room, Some(&report.number), &report.status.housekeeping)
                    .await,
            );
        }
        Ok(created)
    }

    /// Sets the known rooms (numbers and floors for routing).
    pub fn set_rooms(&self, rooms: &[Room]) {
        let mut state = self.lock();
        for room in rooms {
            state.rooms.insert(
                room.external.id.clone(),
                (room.number.clone(), room.floor.clone()),
            );
        }
    }

    /// Reloads today's arrivals (civil day in the property's time zone).
    pub async fn refresh_arrivals(&self) -> Result<(), FlowError> {
        let today = self
            .ctx
            .clock
            .now()
            .with_timezone(&self.ctx.time_zone)
            .date_naive();
        let arrivals = self.ctx.client.arrivals(DateRange::day(today)).await?;
        self.set_arrivals(&arrivals);
        Ok(())
    }

    /// Sets today's arrivals: a room with an arrival gets priority when it is early.
    pub fn set_arrivals(&self, arrivals: &[Reservation]) {
        let mut state = self.lock();
        state.arrivals = arrivals
            .iter()
            .filter(|r| r.status.is_arriving())
            .filter_map(|r| {
                r.room_number.clone().map(|room| {
                    (
                        room,
                        (r.external.id.clone(), self.rules.is_early(r, self.ctx.time_zone)),
                    )
                })
            })
            .collect();
    }

    /// Handles a PMS change event; room status changes create or close tasks.
    pub async fn handle_event(&self, event: &PmsEvent) -> Vec<Task> {
        match &event.change {
            Change::RoomStatusChanged {
                room,
                number,
                status: Some(status),
            } => self.on_room_status(room, number.as_ref(), status).await,
            _ => Vec::new(),
        }
    }

    /// Ingests a room's new housekeeping state; returns the tasks created.
    ///
    /// - dirty: a clean task (priority if an early arrival is due in the room);
    /// - clean: the clean task is done, an inspect task is created, and an
    ///   arriving guest is told early check-in may be possible;
    /// - inspected: open clean/inspect tasks are closed; arrival notified;
    /// - out of order / out of service: clean and inspect tasks are
    ///   superseded and a maintenance task is created.
    ///
    /// On a durable dispatcher every change is written through before this
    /// returns; a task another dispatcher already opened for the slot is
    /// adopted, not created twice.
    pub async fn on_room_status(
        &self,
        room: &ExternalRef,
        number: Option<&RoomNumber>,
        status: &HousekeepingStatus,
    ) -> Vec<Task> {
        let _gate = self.gate.lock().await;
        self.apply_room_status(room, number, status).await
    }

    async fn apply_room_status(
        &self,
        room: &ExternalRef,
        number: Option<&RoomNumber>,
        status: &HousekeepingStatus,
    ) -> Vec<Task> {
        let now = self.ctx.clock.now();
        let (created, changed, ready_for) = {
            let mut state = self.lock();
            let known = state.rooms.get(&room.id).cloned();
            let Some(number) = number.cloned().or_else(|| known.as_ref().map(|k| k.0.clone())) else {
                tracing::warn!(room = %room, "room status for an unknown room without a number");
                return Vec::new();
            };
            let floor = known.and_then(|k| k.1);
            let arrival = state.arrivals.get(&number).cloned();
            let mut created = Vec::new();
            let mut changed = Vec::new();
            let mut ready_for = None;
            match status {
                HousekeepingStatus::Dirty | HousekeepingStatus::Pickup => {
                    changed.extend(supersede(
                        &mut state.tasks,
                        room,
                        &[TaskKind::Inspect, TaskKind::Maintenance],
                    ));
                    created.extend(self.open_task(&mut state, room, &number, &floor, TaskKind::Clean, now));
                }
                HousekeepingStatus::Clean => {
                    changed.extend(supersede(
                        &mut state.tasks,
                        room,
                        &[TaskKind::Clean, TaskKind::Maintenance],
                    ));
                    created.extend(self.open_task(&mut state, room, &number, &floor, TaskKind::Inspect, now));
                    ready_for = arrival.map(|a| (a.0, number.clone()));
                }
                HousekeepingStatus::Inspected => {
                    changed.extend(supersede(
                        &mut state.tasks,
                        room,
                        &[TaskKind::Clean, TaskKind::Inspect, TaskKind::Maintenance],
                    ));
                    ready_for = arrival.map(|a| (a.0, number.clone()));
                }
                HousekeepingStatus::OutOfOrder | HousekeepingStatus::OutOfService => {
                    changed.extend(supersede(
                        &mut state.tasks,
                        room,
                        &[TaskKind::Clean, TaskKind::Inspect],
                    ));
                    created.extend(self.open_task(
                        &mut state,
                        room,
                        &number,
                        &floor,
                        TaskKind::Maintenance,
                        now,
                    ));
                }
                HousekeepingStatus::Other(_) => {}
            }
            changed.extend(created.iter().map(|t| t.id));
            let ready_for =
                ready_for.filter(|(reservation, _)| state.early_notified.insert(reservation.clone()));
            (created, changed, ready_for)
        };
        let outcomes = self.save_all(&changed).await;
        // A task another dispatcher had already opened for the slot was adopted, not created.
        let created: Vec<Task> = created
            .into_iter()
            .filter(|t| !matches!(outcomes.get(&t.id), Some(Durability::Replaced(_))))
            .collect();
        if let Some((reservation, room_number)) = ready_for
            && self.first_early_notice(&reservation).await
        {
            self.ctx
                .alert(Notification::EarlyCheckInAvailable {
                    hotel: self.ctx.hotel.clone(),
                    reservation: ExternalRef::new(self.ctx.client.kind(), reservation),
                    room: room_number,
                })
                .await;
        }
        created
    }

    /// Whether this dispatcher is the first to tell `reservation` its room is
    /// ready (across restarts and dispatchers, when durable). A failing store
    /// answers yes: a repeated notice beats a lost one.
    async fn first_early_notice(&self, reservation: &VendorId) -> bool {
        let Some(storage) = &self.storage else {
            return true;
        };
        let saved = storage
            .save(
                &self.ctx.hotel,
                EARLY_NOTICE_RECORDS,
                reservation.as_str(),
                None,
                false,
                &self.ctx.clock.now(),
                self.ctx.clock.now(),
            )
            .await;
        match saved {
            Ok(Saved::Written(_)) => true,
            Ok(Saved::Conflict(_)) => false,
            Err(err) => {
                tracing::warn!(error = %err, "early check-in notice not recorded; notifying anyway");
                true
            }
        }
    }

    fn open_task(
        &self,
        state: &mut State,
        room: &ExternalRef,
        number: &RoomNumber,
        floor: &Option<String>,
        kind: TaskKind,
        now: DateTime<Utc>,
    ) -> Option<Task> {
        let exists = state
            .tasks
            .iter()
            .any(|t| t.room == *room && t.kind == kind && t.status == TaskStatus::Open);
        if exists {
            return None;
        }
        let arrival = state.arrivals.get(number);
        let (priority, for_arrival) = match arrival {
            Some((reservation, true)) if kind != TaskKind::Maintenance => {
                (Priority::High, Some(reservation.clone()))
            }
            _ => (Priority::Normal, None),
        };
        let due =
            chrono::Duration::from_std(self.rules.due(kind, priority)).unwrap_or(chrono::Duration::zero());
        let task = Task {
            // Random, not derived: a task reopened for the same room and kind at
            // the same instant (a frozen or coarse clock) is a new task, not
            // the closed one. One open task per room and kind is kept by the
            // check above and by the durable record's key, not by the id.
            id: Uuid::new_v4(),
            room: room.clone(),
            number: number.clone(),
            floor: floor.clone(),
            kind,
            priority,
            team: self.rules.team_for(number, floor.as_deref(), kind).to_owned(),
            for_arrival,
            created_at: now,
            due_at: now + due,
            status: TaskStatus::Open,
            completed_by: None,
            overdue_alerted: false,
            completion_attempts: 0,
            last_refusal: None,
        };
        state.tasks.push(task.clone());
        Some(task)
    }

    /// Open tasks, most urgent first (priority, then due time); `team` narrows them.
    pub fn open_tasks(&self, team: Option<&str>) -> Vec<Task> {
        let mut tasks: Vec<Task> = self
            .lock()
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Open && team.is_none_or(|team| t.team == team))
            .cloned()
            .collect();
        tasks.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.due_at.cmp(&b.due_at)));
        tasks
    }

    /// Every task, in creation order.
    pub fn tasks(&self) -> Vec<Task> {
        self.lock().tasks.clone()
    }

    /// Completes a task: pushes the room's new state to the PMS through the
    /// journal (clean → `Clean`, inspect → `Inspected`, maintenance → `Dirty`)
    /// where the connector can write room states, audits it, and opens the
    /// follow-up task (inspect after clean). Completing a done task again is a no-op.
    ///
    /// A write the PMS refuses definitively ([`FlowError::Refused`], e.g. the
    /// room is still blocked) leaves the task open with the refusal recorded
    /// ([`Task::last_refusal`]) and its attempt counted durably, so completing
    /// it again once the cause is gone is a new write, not a replay of the
    /// journaled refusal. After an ambiguous outcome
    /// ([`FlowError::OutcomeUnknown`]) the count stays: completing again
    /// reuses the request id, and the journal reads the room back before
    /// sending anything.
    pub async fn complete(&self, task_id: Uuid, by: &str) -> Result<Vec<Task>, FlowError> {
        let _gate = self.gate.lock().await;
        let known = self.lock().tasks.iter().find(|t| t.id == task_id).cloned();
        let task = match known {
            Some(task) => task,
            None => return self.complete_unknown(task_id).await,
        };
        if task.status != TaskStatus::Open {
            return Ok(Vec::new());
        }
        let new_state = match task.kind {
            TaskKind::Clean => HousekeepingStatus::Clean,
            TaskKind::Inspect => HousekeepingStatus::Inspected,
            TaskKind::Maintenance => HousekeepingStatus::Dirty,
        };
        let ctx = &self.ctx;
        // Derived from the task and its refused attempts: a completion retried
        // after a crash or an ambiguous answer replays (reads back), never
        // pushes twice; one retried after a refusal is a new intent.
        let attempt = task.completion_attempts;
        let request_id = completion_request_id(ctx, task_id, attempt);
        let pushed = ctx.client.capabilities().supports(Capability::RoomStatusWrite);
        if pushed {
            let op = SetRoomStatus(RoomStatusUpdate {
                request_id,
                room: task.room.id.clone(),
                status: new_state.clone(),
            });
            if let Err(err) = ctx.journal.execute(&ctx.hotel, ctx.client.as_ref(), &op).await {
                let err = FlowError::from_write("set_room_status", request_id, err);
                if let FlowError::Refused { kind, message, .. } = &err {
                    self.record_refusal(task_id, attempt, request_id, *kind, message, by)
                        .await;
                }
                return Err(err);
            }
        }
        ctx.audit(
            None,
            AuditAction::RoomStatusChanged,
            Some(request_id),
            json!({
                "room": task.number.as_str(),
                "room_ref": task.room.to_string(),
                "task": task.id,
                "task_kind": task.kind,
                "status": new_state,
                "pushed_to_pms": pushed,
                "by": by,
            }),
        )
        .await?;
        {
            let mut state = self.lock();
            if let Some(t) = state.tasks.iter_mut().find(|t| t.id == task_id) {
                t.status = TaskStatus::Done;
                t.completed_by = Some(by.to_owned());
            }
        }
        self.save_all(&[task_id]).await;
        // The follow-up as if the PMS had told us (its own event will then find it exists).
        Ok(self
            .apply_room_status(&task.room, Some(&task.number), &new_state)
            .await)
    }

    /// Counts a definitive refusal of attempt `attempt` of a task's completion
    /// and writes it through (a store failure leaves it pending; a lost count
    /// only costs one more replayed refusal, which counts it then).
    async fn record_refusal(
        &self,
        task_id: Uuid,
        attempt: u32,
        request_id: RequestId,
        kind: ErrorKind,
        message: &str,
        by: &str,
    ) {
        let now = self.ctx.clock.now();
        {
            let mut state = self.lock();
            let Some(t) = state.tasks.iter_mut().find(|t| t.id == task_id) else {
                return;
            };
            t.completion_attempts = t.completion_attempts.max(attempt.saturating_add(1));
            t.last_refusal = Some(CompletionRefusal {
                request_id,
                kind,
                message: message.to_owned(),
                by: by.to_owned(),
                at: now,
            });
        }
        tracing::info!(task = %task_id, %request_id, ?kind, "PMS refused a housekeeping completion; the task stays open");
        self.save_all(&[task_id]).await;
    }

    /// `complete` of a task this dispatcher does not hold: a closed task in the
    /// store (completed before a restart, or by another dispatcher) is a no-op.
    async fn complete_unknown(&self, task_id: Uuid) -> Result<Vec<Task>, FlowError> {
        if let Some(storage) = &self.storage {
            let stored = storage.load::<Task>(&self.ctx.hotel, TASK_RECORDS, false).await?;
            if let Some(found) = stored.into_iter().find(|r| r.value.id == task_id) {
                if found.value.status != TaskStatus::Open {
                    return Ok(Vec::new());
                }
                return Err(FlowError::NotFound(format!(
                    "task {task_id} is open in another dispatcher; restore to take it over"
                )));
            }
        }
        Err(FlowError::NotFound(format!("task {task_id}")))
    }

    /// Alerts every open task past its due time once; returns them. On a
    /// durable dispatcher the alert is recorded before it is sent, so a
    /// restart (or another dispatcher) does not alert the same task again.
    pub async fn check_overdue(&self) -> Vec<Task> {
        let _gate = self.gate.lock().await;
        let now = self.ctx.clock.now();
        let overdue: Vec<Task> = {
            let mut state = self.lock();
            state
                .tasks
                .iter_mut()
                .filter(|t| t.status == TaskStatus::Open && t.due_at < now && !t.overdue_alerted)
                .map(|t| {
                    t.overdue_alerted = true;
                    t.clone()
                })
                .collect()
        };
        let ids: Vec<Uuid> = overdue.iter().map(|t| t.id).collect();
        let outcomes = self.save_all(&ids).await;
        // Another writer's state stands for a replaced task: it alerted it, or closed it.
        let overdue: Vec<Task> = overdue
            .into_iter()
            .filter(|t| !matches!(outcomes.get(&t.id), Some(Durability::Replaced(_))))
            .collect();
        for task in &overdue {
            self.ctx
                .alert(Notification::HousekeepingOverdue {
                    hotel: self.ctx.hotel.clone(),
                    task: task.id,
                    room: task.number.clone(),
                    task_kind: task.kind.as_str().to_owned(),
                    due_at: task.due_at,
                })
                .await;
        }
        overdue
    }

    /// Feeds change events into the dispatcher until the channel closes:
    /// run it as a task over [`pms_sync::HotelSync::subscribe`].
    pub async fn run(&self, mut events: tokio::sync::broadcast::Receiver<PmsEvent>) {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(event) => {
                    self.handle_event(&event).await;
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "housekeeping missed events; refreshing from the PMS");
                    if let Err(err) = self.refresh().await {
                        tracing::warn!(error = %err, "housekeeping refresh failed");
                    }
                }
                Err(RecvError::Closed) => return,
            }
        }
    }
}

fn supersede(tasks: &mut [Task], room: &ExternalRef, kinds: &[TaskKind]) -> Vec<Uuid> {
    let mut changed = Vec::new();
    for task in tasks
        .iter_mut()
        .filter(|t| t.room == *room && t.status == TaskStatus::Open && kinds.contains(&t.kind))
    {
        task.status = TaskStatus::Superseded;
        changed.push(task.id);
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(n: &str) -> RoomNumber {
        RoomNumber::new(n).unwrap()
    }

    #[test]
    fn the_first_matching_section_wins_and_unmatched_rooms_go_to_the_default_team() {
        let rules = HousekeepingRules {
            sections: vec![
                SectionRule::floors("engineering", &["1", "2"]).only(&[TaskKind::Maintenance]),
                SectionRule::floors("north", &["1"]),
                SectionRule {
                    rooms: [room("205")].into_iter().collect(),
                    ..SectionRule::floors("suites", &[])
                },
                SectionRule::floors("south", &["2"]),
            ],
            ..HousekeepingRules::default()
        };
        assert_eq!(rules.team_for(&room("101"), Some("1"), TaskKind::Clean), "north");
        assert_eq!(
            rules.team_for(&room("101"), Some("1"), TaskKind::Maintenance),
            "engineering"
        );
        assert_eq!(rules.team_for(&room("205"), Some("2"), TaskKind::Clean), "suites");
        assert_eq!(
            rules.team_for(&room("204"), Some("2"), TaskKind::Inspect),
            "south"
        );
        assert_eq!(
            rules.team_for(&room("301"), Some("3"), TaskKind::Clean),
            "housekeeping"
        );
        assert_eq!(
            rules.team_for(&room("999"), None, TaskKind::Clean),
            "housekeeping"
        );
    }

    fn arrival(eta: Option<DateTime<Utc>>) -> Reservation {
        let hotel = pms_core::HotelId::new("grand").unwrap();
        let external = ExternalRef::new(pms_core::PmsKind::Mews, VendorId::new("r1").unwrap());
        Reservation {
            id: pms_core::ReservationId::derive(&hotel, &external),
            external,
            hotel,
            confirmation_number: None,
            status: pms_core::ReservationStatus::Confirmed,
            arrival: chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
            departure: chrono::NaiveDate::from_ymd_opt(2026, 7, 3).unwrap(),
            eta,
            etd: None,
            room_number: Some(room("101")),
            room_type: None,
            adults: 2,
            children: 0,
            primary_guest: None,
            companions: Vec::new(),
            rate_plan_code: None,
            total: None,
            balance: None,
            created_at: None,
            updated_at: None,
            source: None,
            channel: None,
            raw: None,
        }
    }

    #[test]
    fn an_arrival_is_early_when_expected_before_the_local_check_in_time() {
        let rules = HousekeepingRules::default();
        let berlin = chrono_tz::Europe::Berlin;
        // 15:00 in Berlin on 1 July (CEST) is 13:00 UTC.
        let at = |h, m| Utc.with_ymd_and_hms(2026, 7, 1, h, m, 0).unwrap();
        assert!(rules.is_early(&arrival(Some(at(12, 59))), berlin));
        assert!(!rules.is_early(&arrival(Some(at(13, 0))), berlin));
        assert!(!rules.is_early(&arrival(None), berlin));
        let all = HousekeepingRules {
            all_arrivals_urgent: true,
            ..HousekeepingRules::default()
        };
        assert!(all.is_early(&arrival(None), berlin));
    }

    #[test]
    fn urgent_cleaning_is_due_sooner() {
        let rules = HousekeepingRules::default();
        assert!(rules.due(TaskKind::Clean, Priority::High) < rules.due(TaskKind::Clean, Priority::Normal));
    }
}
