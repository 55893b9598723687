//! `pms demo`: the whole system against the simulators, in one command.
//!
//! Starts one simulated hotel per vendor (see [`legs`]), an embedded SQLite
//! store in a temporary directory (random encryption key), and the webhook
//! receiver on `127.0.0.1:0` registered with every simulator that sends
//! webhooks; then, per hotel: initial sync, a burst of webhooks (some dropped,
//! some duplicated) drained through the inbox, a digital check-in (ID,
//! signature, card hold, key), housekeeping dispatch, room-service charges and
//! a tip, a check-out (key deactivated), and drift made in the PMS behind the
//! sync's back that a reconcile finds and repairs. Prints a short report, or
//! JSON with `--json`. Output carries ids, counts and statuses, never PII.

mod legs;
mod report;

use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use pms_core::secrecy::SecretString;
use pms_core::{
    CardToken, ChargeKind, Clock, Currency, DateRange, DocumentKind, HotelId, HousekeepingStatus,
    IdentityDocument, Money, Pii, PmsEvent, RequestId, Reservation, Room, RoomStatusUpdate, SystemClock,
    VendorId,
};
use pms_flows::{
    BalancePolicy, ChargeFlow, ChargeLine, CheckInFlow, CheckInInput, CheckOutFlow, CheckOutInput,
    Dispatcher, FlowContext, FlowStorage, FolioMismatch, Gratuity, HoldRequest, HousekeepingRules, IdCheck,
    KeyError, KeyGrant, KeyId, KeyService, MemoryNotifier, Posting, SignedCard, StepOutcome, TaskKind,
};
use pms_sim::{HotelSpec, ReservationState, RoomState, SimHandle, WebhookConfig};
use pms_sync::store::{RecordKind, Store};
use pms_sync::{
    AuditLog, Cipher, HotelSync, Mirror, PollSettings, SetRoomStatus, SqliteStore, TokioSleeper,
    WebhookRequest, WebhookSource, WriteJournal, webhook_router,
};
use tokio::sync::Notify;

use crate::runtime;
pub use report::DemoReport;
use report::*;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Smaller hotels and fewer charges (for CI: seconds instead of a minute).
    #[arg(long)]
    fast: bool,
    /// Print the report as JSON (no progress bars).
    #[arg(long)]
    json: bool,
}

/// Sizes of one run.
#[derive(Debug, Clone, Copy)]
struct Plan {
    mode: &'static str,
    spec: fn(u64) -> HotelSpec,
    room_changes: usize,
    postings: usize,
}

fn fast_spec(seed: u64) -> HotelSpec {
    HotelSpec::small(seed)
}

fn full_spec(seed: u64) -> HotelSpec {
    HotelSpec {
        rooms: 300,
        reservations: 6_000,
        guests: 4_000,
        agenda_items: 200,
        ..HotelSpec::small(seed)
    }
}

impl Plan {
    fn new(fast: bool) -> Plan {
        if fast {
            Plan {
                mode: "fast",
                spec: fast_spec,
                room_changes: 6,
                postings: 5,
            }
        } else {
            Plan {
                mode: "full",
                spec: full_spec,
                room_changes: 40,
                postings: 40,
            }
        }
    }
}

pub async fn run(args: &DemoArgs) -> Result<(), String> {
    let show_progress = !args.json && std::io::stdout().is_terminal();
    let report = run_demo(Plan::new(args.fast), show_progress).await?;
    if args.json {
        super::print_json(&report)?;
    } else {
        print!("{}", report.human());
    }
    if report.ok {
        Ok(())
    } else {
        Err("some demo steps failed (see the report)".into())
    }
}

/// A hotel of the demo: simulator, connector, sync and flow context.
struct Site {
    leg: legs::Leg,
    sim: SimHandle,
    sync: HotelSync,
    ctx: FlowContext,
    keys: Arc<MemoryKeys>,
    counter: Option<Arc<CountingSource>>,
    receiver_url: String,
    /// The flows' durable state, in the demo's store.
    flows: FlowStorage,
}

async fn run_demo(plan: Plan, show_progress: bool) -> Result<DemoReport, String> {
    let started = Instant::now();
    let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("demo.db"))
            .await
            .map_err(|e| format!("store: {e}"))?,
    );
    // A fresh random key: nothing of this run is readable after it.
    let cipher = Arc::new(Cipher::random());
    let mirror = Mirror::new(store.clone(), cipher.clone());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let webhook_token = SecretString::from(format!("{}{}", RequestId::new_random(), RequestId::new_random()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("webhook receiver: {e}"))?;
    let receiver_addr = listener
        .local_addr()
        .map_err(|e| format!("webhook receiver: {e}"))?;

    // Start every simulator and connect to it as a deployment would.
    let legs = legs::legs();
    let mut sites = Vec::new();
    let mut sources: HashMap<HotelId, Arc<dyn WebhookSource>> = HashMap::new();
    for leg in &legs {
        let sim = leg.start((plan.spec)(leg.seed)).await?;
        let config = leg.config(&sim)?;
        let hotel = runtime::connect(&config).map_err(|e| format!("hotel {}: {e}", config.id))?;
        // As `pms sync` does: the simulator's property must report the
        // currency and time zone the hotel is configured with.
        runtime::check_profiles(std::slice::from_ref(&hotel)).await?;
        let counter = leg
            .webhook_source(&config, &webhook_token)?
            .map(|inner| Arc::new(CountingSource::new(inner)));
        if let Some(counter) = &counter {
            sources.insert(config.id.clone(), counter.clone() as Arc<dyn WebhookSource>);
        }
        let sync = HotelSync::new(
            config.id.clone(),
            hotel.client.clone(),
            mirror.clone(),
            clock.clone(),
            PollSettings {
                overlap: Duration::from_secs(60),
                page_size: 500,
                // The generated hotels' bookings were made over the last three years.
                initial_lookback: Duration::from_secs(4 * 366 * 24 * 3600),
            },
        );
        let journal: WriteJournal = runtime::journal(&hotel, store.clone(), cipher.clone());
        let ctx = FlowContext::new(
            config.id.clone(),
            hotel.client.clone(),
            Arc::new(journal),
            AuditLog::new(store.clone()),
            clock.clone(),
            Arc::new(TokioSleeper),
            Arc::new(MemoryNotifier::new()),
            config.time_zone,
        )
        .with_actor("demo-kiosk-1");
        sites.push(Site {
            leg: *leg,
            sim,
            sync,
            ctx,
            keys: Arc::new(MemoryKeys::default()),
            counter,
            receiver_url: format!("http://{receiver_addr}/webhooks/{}", config.id),
            flows: FlowStorage::new(store.clone(), cipher.clone()),
        });
    }
    let wake = Arc::new(Notify::new());
    let router = webhook_router(store.clone(), sources, clock.clone(), wake);
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let multi = MultiProgress::new();
    let mut hotels = Vec::new();
    for site in &sites {
        let bar = progress(
            &multi,
            show_progress,
            9,
            &format!("{} ({})", site.leg.hotel, site.leg.vendor),
        );
        let mut report = HotelReport {
            hotel: site.leg.hotel.to_owned(),
            pms: site.leg.vendor.to_string(),
            ..HotelReport::default()
        };
        if let Err(err) = run_site(
            site,
            plan,
            &webhook_token,
            (&bar, &multi),
            show_progress,
            &mut report,
        )
        .await
        {
            tracing::warn!(hotel = site.leg.hotel, "demo step failed");
            report.errors.push(err);
        }
        report.health = site.sync.health().snapshot().map(|h| HealthStep {
            status: format!("{:?}", h.status).to_lowercase(),
            calls: h.calls,
            failures: h.failures,
            lag_seconds: h.lag_seconds,
            circuit_open: h.circuit_open,
            webhook_seen: h.last_webhook.is_some(),
        });
        bar.finish_and_clear();
        hotels.push(report);
    }
    server.abort();
    for site in sites {
        site.sim.shutdown().await;
    }
    drop(dir);
    let ok = hotels.iter().all(|h| h.errors.is_empty());
    Ok(DemoReport {
        mode: plan.mode,
        wall_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        vendors: legs.len(),
        hotels_synced: hotels.iter().filter(|h| h.sync.is_some()).count(),
        webhook_receiver: receiver_addr.to_string(),
        hotels,
        ok,
    })
}

fn progress(multi: &MultiProgress, show: bool, steps: u64, name: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = multi.add(ProgressBar::new(steps));
    if let Ok(style) = ProgressStyle::with_template("{prefix:>20} [{bar:30}] {pos}/{len} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(name.to_owned());
    bar
}

fn step(bar: &ProgressBar, msg: &'static str) {
    bar.set_message(msg);
    bar.inc(1);
}

fn err<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> String {
    move |e| format!("{what}: {e}")
}

async fn run_site(
    site: &Site,
    plan: Plan,
    token: &SecretString,
    (bar, multi): (&ProgressBar, &MultiProgress),
    show_progress: bool,
    report: &mut HotelReport,
) -> Result<(), String> {
    let sync = &site.sync;
    let hotel = sync.hotel().clone();
    let sim = &site.sim;
    let today = sim.state().with_hotel(|h| h.business_date(Utc::now()));
    let window =
        DateRange::new(today - chrono::Days::new(3), today + chrono::Days::new(10)).map_err(err("window"))?;

    // 1. Initial sync: every reservation by polling, rooms by a first reconcile.
    step(bar, "initial sync");
    let t = Instant::now();
    let polled = sync.poll_reservations().await.map_err(err("initial poll"))?;
    sync.reconcile(window).await.map_err(err("initial reconcile"))?;
    let mirrored = sync
        .mirror()
        .all::<Reservation>(&hotel)
        .await
        .map_err(err("mirror"))?;
    let rooms = sync.mirror().all::<Room>(&hotel).await.map_err(err("mirror"))?;
    report.sync = Some(SyncStep {
        reservations_in_pms: sim.state().with_hotel(|h| h.reservations.len()),
        reservations_mirrored: mirrored.len(),
        rooms_mirrored: rooms.len(),
        pages: polled.pages,
        millis: u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    tracing::info!(hotel = %hotel, reservations = mirrored.len(), "initial sync done");

    // The guest who checks in: arriving today on an inspected room.
    let (arrival, arrival_room) = sim
        .state()
        .with_hotel(|h| {
            let mut found: Vec<(String, String)> = h
                .reservations
                .iter()
                .filter(|r| {
                    r.state == ReservationState::Confirmed
                        && h.business_date(r.scheduled_start) == today
                        && r.room_id.and_then(|id| h.room(id)).map(|room| room.state)
                            == Some(RoomState::Inspected)
                })
                .filter_map(|r| {
                    let room = r.room_id.and_then(|id| h.room(id))?.number.clone();
                    Some((site.leg.reservation_id(h, r)?, room))
                })
                .collect();
            found.sort();
            found.into_iter().next()
        })
        .ok_or("the generated hotel has no arrival on an inspected room today")?;
    let arrival = VendorId::new(arrival).map_err(err("reservation id"))?;

    // 2. A burst of webhooks: real room changes through the PMS API, some
    // messages dropped and some sent twice by the simulator.
    step(bar, "webhooks");
    if let Some(counter) = &site.counter {
        sim.webhooks().set(WebhookConfig {
            seed: site.leg.seed,
            drop: 0.15,
            duplicate: 0.4,
            ..sim.webhooks().config()
        });
        use pms_core::secrecy::ExposeSecret;
        sim.webhooks()
            .register(&site.receiver_url, token.expose_secret())
            .map_err(err("webhook registration"))?;
        let before = counter.snapshot();
        let stats_before = sim.webhooks().stats();
        let statuses = sync
            .client()
            .room_statuses()
            .await
            .map_err(err("room statuses"))?;
        let mut changed = Vec::new();
        for s in statuses.iter().filter(|s| {
            s.number.as_str() != arrival_room
                && matches!(
                    s.status.housekeeping,
                    HousekeepingStatus::Dirty | HousekeepingStatus::Clean | HousekeepingStatus::Inspected
                )
        }) {
            if changed.len() == plan.room_changes {
                break;
            }
            let target = if s.status.housekeeping == HousekeepingStatus::Dirty {
                HousekeepingStatus::Clean
            } else {
                HousekeepingStatus::Dirty
            };
            let op = SetRoomStatus(RoomStatusUpdate {
                request_id: RequestId::new_random(),
                room: s.room.id.clone(),
                status: target.clone(),
            });
            site.ctx
                .journal
                .execute(&hotel, sync.client().as_ref(), &op)
                .await
                .map_err(err("room status write"))?;
            changed.push((s.room.id.clone(), target));
        }
        sim.webhooks().settle(Duration::from_secs(20)).await;
        let applied = sync.drain_inbox(1000).await.map_err(err("inbox"))?.applied;
        let after = counter.snapshot();
        let stats = sim.webhooks().stats();
        let mut current = 0;
        for (room, target) in &changed {
            let mirrored: Option<Room> = sync
                .mirror()
                .get(&hotel, room.as_str())
                .await
                .map_err(err("mirror"))?;
            if mirrored.and_then(|r| r.status).map(|s| s.housekeeping).as_ref() == Some(target) {
                current += 1;
            }
        }
        let events = after.1 - before.1;
        report.webhooks = Some(WebhookStep {
            changes_triggered: changed.len(),
            emitted: stats.emitted - stats_before.emitted,
            dropped: stats.dropped - stats_before.dropped,
            duplicated: stats.duplicated - stats_before.duplicated,
            deliveries_received: after.0 - before.0,
            events_received: events,
            applied,
            duplicates_deduped: events.saturating_sub(applied),
            rooms_current: current,
        });
    }

    // 3. Digital check-in with ID, signature, card hold and a key.
    step(bar, "check-in");
    let check_in = CheckInFlow::new(site.ctx.clone(), site.keys.clone());
    let mut input = CheckInInput::new(arrival.clone());
    input.keys = 1;
    input.id_check = Some(IdCheck {
        guest: None,
        document: Pii::new(IdentityDocument {
            kind: DocumentKind::Passport,
            number: "X0000000".into(),
            issuing_country: Some("DE".into()),
            expires_on: None,
        }),
        verified_at: Utc::now(),
    });
    input.signature = Some(SignedCard {
        document_sha256: "5e".repeat(32),
        signed_at: Utc::now(),
    });
    input.card_hold = Some(HoldRequest {
        card: CardToken::new("tok_demo_visa"),
        amount: Money::parse("150.00", Currency::EUR).map_err(err("amount"))?,
    });
    let outcome = check_in.run(&input).await.map_err(err("check-in"))?;
    let rerun = check_in.run(&input).await.map_err(err("check-in re-run"))?;
    report.check_in = Some(CheckInStep {
        reservation: arrival.to_string(),
        room: outcome.room.to_string(),
        id_check: step_outcome(outcome.id_check),
        signature: step_outcome(outcome.signature),
        card_hold: step_outcome(outcome.card_hold),
        keys_active: site.keys.active(),
        rerun_new_keys: rerun.newly_activated.len(),
    });
    tracing::info!(hotel = %hotel, reservation = %arrival, "checked in");

    // 4. Housekeeping: dispatch, complete one cleaning, push the status.
    step(bar, "housekeeping");
    // Tasks live in the demo's store, sealed like the mirror, as a service would keep them.
    let dispatcher = Dispatcher::restore(site.ctx.clone(), HousekeepingRules::default(), site.flows.clone())
        .await
        .map_err(err("housekeeping restore"))?;
    let created = dispatcher.refresh().await.map_err(err("housekeeping refresh"))?;
    let task = dispatcher
        .open_tasks(None)
        .into_iter()
        .find(|t| t.kind == TaskKind::Clean)
        .ok_or("no cleaning task to dispatch")?;
    let follow_ups = dispatcher
        .complete(task.id, "housekeeper-7")
        .await
        .map_err(err("housekeeping complete"))?;
    let now_status = sync
        .client()
        .room_statuses()
        .await
        .map_err(err("room statuses"))?
        .into_iter()
        .find(|s| s.room == task.room)
        .map(|s| format!("{:?}", s.status.housekeeping).to_lowercase())
        .unwrap_or_else(|| "unknown".into());
    report.housekeeping = Some(HousekeepingStep {
        tasks_created: created.len(),
        tasks_completed: 1,
        completed_room: task.number.to_string(),
        pushed_to_pms: sync
            .client()
            .capabilities()
            .supports(pms_core::Capability::RoomStatusWrite),
        pms_status_after: now_status,
        follow_up_tasks: follow_ups.len(),
    });

    // 5. Room-service charges and a tip on the new stay.
    step(bar, "charges");
    let charges = ChargeFlow::new(site.ctx.clone());
    let code = site.leg.transaction_code.map(str::to_owned);
    let unit = Money::parse("12.50", Currency::EUR).map_err(err("amount"))?;
    let postings: Vec<Posting> = (0..plan.postings)
        .map(|i| Posting {
            key: format!("demo-room-service-{i}"),
            reservation: arrival.clone(),
            room: None,
            lines: vec![ChargeLine {
                kind: ChargeKind::RoomService,
                description: "Room service".into(),
                unit_amount: unit,
                quantity: 1.into(),
                transaction_code: code.clone(),
                outlet: None,
                consumed_at: Utc::now(),
            }],
            gratuity: (i + 1 == plan.postings).then(|| Gratuity {
                amount: Money::new(3.into(), Currency::EUR),
                transaction_code: code.clone(),
                outlet: None,
            }),
        })
        .collect();
    let charge_bar = progress(multi, show_progress, postings.len() as u64, "charges");
    charge_bar.set_message("posting");
    let mut receipts = Vec::new();
    for posting in &postings {
        receipts.push(charges.post(posting).await.map_err(err("charge"))?);
        charge_bar.inc(1);
    }
    charge_bar.finish_and_clear();
    let mut identical = 0;
    for (posting, receipt) in postings.iter().zip(&receipts) {
        if &charges.post(posting).await.map_err(err("charge replay"))? == receipt {
            identical += 1;
        }
    }
    let mut total = Money::new(0.into(), Currency::EUR);
    for r in &receipts {
        total = total.checked_add(r.total).map_err(err("total"))?;
    }
    let folio = charges
        .reconcile(&arrival)
        .await
        .map_err(err("folio reconciliation"))?;
    report.charges = Some(ChargesStep {
        reservation: arrival.to_string(),
        charges_posted: receipts
            .iter()
            .map(|r| r.lines.len())
            .sum::<usize>()
            .saturating_sub(1),
        tips_posted: 1,
        total: total.to_string(),
        replayed_identical: identical,
        folio_matchable: sync
            .client()
            .capabilities()
            .supports(pms_core::Capability::ChargeReadBack),
        folio_clean: folio.is_clean(),
        folio_mismatches: folio.mismatches.iter().map(mismatch_kind).collect(),
        folio_live_lines: folio.live,
    });

    // 6. The guest leaves early: the front desk shortens the stay in the PMS
    // (simulator), then the kiosk checks out and the key is deactivated.
    step(bar, "check-out");
    shorten_stay_to_today(site, &arrival)?;
    let settled = settle_at_desk(site, &arrival)?;
    let mut out = CheckOutInput::new(arrival.clone());
    out.policy = BalancePolicy::Warn;
    let checked_out = CheckOutFlow::new(site.ctx.clone(), site.keys.clone())
        .run(&out)
        .await
        .map_err(err("check-out"))?;
    report.check_out = Some(CheckOutStep {
        reservation: arrival.to_string(),
        keys_deactivated: checked_out
            .keys
            .iter()
            .filter(|k| matches!(k, pms_flows::Deactivation::Done { .. }))
            .count(),
        keys_active_after: site.keys.active(),
        settled_at_desk: settled,
        open_balance: checked_out.open_balance.map(|b| b.to_string()),
    });
    tracing::info!(hotel = %hotel, reservation = %arrival, "checked out");

    // 7. Catch up with what the flows changed (webhooks, then a poll).
    step(bar, "catch-up");
    if site.counter.is_some() {
        sim.webhooks().settle(Duration::from_secs(20)).await;
    }
    let inbox_applied = sync.drain_inbox(1000).await.map_err(err("inbox"))?.applied;
    let polled = sync.poll_reservations().await.map_err(err("poll"))?;
    report.catch_up = Some(CatchUpStep {
        inbox_applied,
        reservations_changed: polled.changed,
    });

    // 8. Drift behind the sync's back (no webhook, no modified timestamp),
    // found and repaired by a reconcile.
    step(bar, "reconcile");
    let injected = inject_drift(site, window, &arrival)?;
    let drift = sync.reconcile(window).await.map_err(err("reconcile"))?;
    let again = sync.reconcile(window).await.map_err(err("reconcile again"))?;
    let all: Vec<_> = drift
        .missing
        .iter()
        .chain(&drift.extra)
        .chain(&drift.changed)
        .collect();
    let injected_drift = drift.changed.iter().find(|d| d.external_id == injected);
    report.drift = Some(DriftStep {
        injected_reservation: injected.clone(),
        compared: drift.compared,
        found: drift.total(),
        missing: drift.missing.len(),
        extra: drift.extra.len(),
        changed: drift.changed.len(),
        rooms: all.iter().filter(|d| d.kind == RecordKind::Room).count(),
        reservations: all.iter().filter(|d| d.kind == RecordKind::Reservation).count(),
        injected_found: injected_drift.is_some(),
        injected_fields: injected_drift.map(|d| d.fields.clone()).unwrap_or_default(),
        after_repair: again.total(),
    });
    step(bar, "done");
    Ok(())
}

fn step_outcome(outcome: StepOutcome) -> String {
    match outcome {
        StepOutcome::NotProvided => "not provided",
        StepOutcome::StoredInPms => "stored in the PMS",
        StepOutcome::AuditOnly => "audit log only",
    }
    .to_owned()
}

/// The simulator's reservation behind a vendor id.
fn sim_reservation(site: &Site, id: &VendorId) -> Option<uuid::Uuid> {
    site.sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .find(|r| site.leg.reservation_id(h, r).as_deref() == Some(id.as_str()))
            .map(|r| r.id)
    })
}

fn shorten_stay_to_today(site: &Site, id: &VendorId) -> Result<(), String> {
    let target = sim_reservation(site, id).ok_or("reservation not in the simulator")?;
    site.sim.state().with_hotel_mut(|h| {
        let tz = h.property.time_zone;
        let now = Utc::now();
        let today = h.business_date(now);
        let Some(r) = h.reservations.iter_mut().find(|r| r.id == target) else {
            return Err("reservation not in the simulator".to_owned());
        };
        let local = r.scheduled_end.with_timezone(&tz).time();
        let end: DateTime<Utc> = tz
            .from_local_datetime(&today.and_time(local))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        r.scheduled_end = end.max(r.scheduled_start + chrono::Duration::hours(1));
        r.updated = now;
        Ok(())
    })
}

fn mismatch_kind(m: &FolioMismatch) -> String {
    match m {
        FolioMismatch::Missing { .. } => "missing",
        FolioMismatch::Duplicated { .. } => "duplicated",
        FolioMismatch::NotVoided { .. } => "not_voided",
        FolioMismatch::AmountDiffers { .. } => "amount_differs",
        FolioMismatch::BalanceInconsistent { .. } => "balance_inconsistent",
    }
    .to_owned()
}

/// The guest pays the balance at the desk terminal: a payment recorded in
/// the PMS outside our connectors (none of them takes payments).
fn settle_at_desk(site: &Site, id: &VendorId) -> Result<Option<String>, String> {
    let target = sim_reservation(site, id).ok_or("reservation not in the simulator")?;
    site.sim.state().with_hotel_mut(|h| {
        let balance = h.stay_balance(target);
        if balance.is_zero() || balance.is_sign_negative() {
            return Ok(None);
        }
        let guest = h
            .reservation(target)
            .map(|r| r.guest_id)
            .ok_or("reservation not in the simulator")?;
        h.add_external_payment(
            pms_sim::NewPayment {
                account_id: guest,
                bill_id: None,
                reservation_id: Some(target),
                amount: balance,
                external_identifier: Some("demo-desk-terminal".into()),
                external_type: Some("CreditCard".into()),
            },
            Utc::now(),
        )
        .map_err(|e| format!("desk payment: {e:?}"))?;
        Ok(Some(format!("{balance} {}", h.property.currency)))
    })
}

/// Changes a confirmed reservation in the window directly in the simulator,
/// leaving its modified time alone: no webhook, invisible to polling.
fn inject_drift(site: &Site, window: DateRange, skip: &VendorId) -> Result<String, String> {
    let skip = sim_reservation(site, skip);
    site.sim.state().with_hotel_mut(|h| {
        let tz = h.property.time_zone;
        let mut candidates: Vec<usize> = h
            .reservations
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let start = r.scheduled_start.with_timezone(&tz).date_naive();
                r.state == ReservationState::Confirmed
                    && Some(r.id) != skip
                    && start > window.first
                    && start < window.last
            })
            .map(|(i, _)| i)
            .collect();
        candidates.sort_by_key(|i| h.reservations[*i].id);
        let i = *candidates.first().ok_or("no reservation to drift")?;
        h.reservations[i].adults += 1;
        let r = &h.reservations[i];
        site.leg
            .reservation_id(h, r)
            .ok_or_else(|| "no vendor id for the drifted reservation".to_owned())
    })
}

// ---- webhook counting ----

/// Counts deliveries and events the receiver accepted for one hotel.
struct CountingSource {
    inner: Arc<dyn WebhookSource>,
    deliveries: AtomicUsize,
    events: AtomicUsize,
}

impl CountingSource {
    fn new(inner: Arc<dyn WebhookSource>) -> Self {
        CountingSource {
            inner,
            deliveries: AtomicUsize::new(0),
            events: AtomicUsize::new(0),
        }
    }

    fn snapshot(&self) -> (usize, usize) {
        (
            self.deliveries.load(Ordering::SeqCst),
            self.events.load(Ordering::SeqCst),
        )
    }
}

impl WebhookSource for CountingSource {
    fn pms(&self) -> pms_core::PmsKind {
        self.inner.pms()
    }

    fn accept(&self, request: &WebhookRequest, at: DateTime<Utc>) -> Result<Vec<PmsEvent>, pms_core::Error> {
        let events = self.inner.accept(request, at)?;
        self.deliveries.fetch_add(1, Ordering::SeqCst);
        self.events.fetch_add(events.len(), Ordering::SeqCst);
        Ok(events)
    }
}

// ---- an in-memory key system ----

/// A digital-key system kept in memory: the demo's lock vendor.
#[derive(Debug, Default)]
struct MemoryKeys {
    active: Mutex<BTreeSet<KeyId>>,
}

impl MemoryKeys {
    fn active(&self) -> usize {
        self.active.lock().map(|a| a.len()).unwrap_or(0)
    }
}

#[async_trait]
impl KeyService for MemoryKeys {
    async fn activate(&self, grant: &KeyGrant) -> Result<(), KeyError> {
        self.active
            .lock()
            .map_err(|_| KeyError::transient("key store poisoned"))?
            .insert(grant.key_id);
        Ok(())
    }

    async fn deactivate(&self, key_id: KeyId) -> Result<(), KeyError> {
        self.active
            .lock()
            .map_err(|_| KeyError::transient("key store poisoned"))?
            .remove(&key_id);
        Ok(())
    }
}
