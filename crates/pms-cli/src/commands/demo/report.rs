//! The demo's report: a serde struct (`--json`) and its human rendering.
//! It holds ids, counts, dates and statuses only, never guest PII.

use std::fmt::Write as _;

use serde::Serialize;

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    /// `fast` or `full`.
    pub mode: &'static str,
    /// Wall time of the run (after the build), in milliseconds.
    pub wall_ms: u64,
    /// Simulated vendors (one hotel each).
    pub vendors: usize,
    /// Hotels whose initial sync succeeded.
    pub hotels_synced: usize,
    /// Where the webhook receiver listened.
    pub webhook_receiver: String,
    /// Per hotel.
    pub hotels: Vec<HotelReport>,
    /// Whether every step of every hotel succeeded.
    pub ok: bool,
}

/// One hotel's run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HotelReport {
    pub hotel: String,
    pub pms: String,
    pub sync: Option<SyncStep>,
    pub webhooks: Option<WebhookStep>,
    pub check_in: Option<CheckInStep>,
    pub housekeeping: Option<HousekeepingStep>,
    pub charges: Option<ChargesStep>,
    pub check_out: Option<CheckOutStep>,
    pub catch_up: Option<CatchUpStep>,
    pub drift: Option<DriftStep>,
    pub health: Option<HealthStep>,
    /// Failed steps (messages carry ids and error kinds, no PII).
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncStep {
    /// Reservations the PMS (simulator) holds.
    pub reservations_in_pms: usize,
    /// Reservations in the mirror after the initial sync.
    pub reservations_mirrored: usize,
    /// Rooms in the mirror after the initial sync.
    pub rooms_mirrored: usize,
    /// Pages read by the poll.
    pub pages: usize,
    pub millis: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WebhookStep {
    /// Room-status changes made through the PMS API (each makes a webhook).
    pub changes_triggered: usize,
    /// Messages the simulator produced / dropped on purpose / sent twice on purpose.
    pub emitted: usize,
    pub dropped: usize,
    pub duplicated: usize,
    /// Deliveries the receiver accepted and the events they carried.
    pub deliveries_received: usize,
    pub events_received: usize,
    /// Inbox events applied (each re-read from the PMS).
    pub applied: usize,
    /// Events that did not reach the inbox twice (duplicates and coalesced hints).
    pub duplicates_deduped: usize,
    /// Rooms whose mirrored status matches the PMS after the drain.
    pub rooms_current: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckInStep {
    pub reservation: String,
    pub room: String,
    pub id_check: String,
    pub signature: String,
    pub card_hold: String,
    pub keys_active: usize,
    /// The same check-in run again: no second key, no second PMS write.
    pub rerun_new_keys: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HousekeepingStep {
    pub tasks_created: usize,
    pub tasks_completed: usize,
    pub completed_room: String,
    pub pushed_to_pms: bool,
    /// The room's status as the PMS reports it afterwards.
    pub pms_status_after: String,
    pub follow_up_tasks: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ChargesStep {
    pub reservation: String,
    /// Room-service lines posted (one per posting).
    pub charges_posted: usize,
    pub tips_posted: usize,
    pub total: String,
    /// Postings sent again: answered by the journal with the same receipt.
    pub replayed_identical: usize,
    /// Whether the PMS can find our lines by request id (OPERA's Invoice
    /// does not echo it, so its folio cannot be matched line by line).
    pub folio_matchable: bool,
    pub folio_clean: bool,
    /// Kinds of folio mismatches, if any.
    pub folio_mismatches: Vec<String>,
    pub folio_live_lines: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckOutStep {
    pub reservation: String,
    pub keys_deactivated: usize,
    pub keys_active_after: usize,
    /// The balance the guest paid at the desk before leaving.
    pub settled_at_desk: Option<String>,
    pub open_balance: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CatchUpStep {
    pub inbox_applied: usize,
    pub reservations_changed: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DriftStep {
    /// The reservation changed in the PMS behind the sync's back.
    pub injected_reservation: String,
    pub compared: usize,
    pub found: usize,
    pub missing: usize,
    pub extra: usize,
    pub changed: usize,
    pub rooms: usize,
    pub reservations: usize,
    /// Whether the injected change was among the drift, and which fields.
    pub injected_found: bool,
    pub injected_fields: Vec<String>,
    /// Drift a second reconcile still finds (0: the mirror was repaired).
    pub after_repair: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HealthStep {
    pub status: String,
    pub calls: u64,
    pub failures: u64,
    pub lag_seconds: Option<i64>,
    pub circuit_open: bool,
    pub webhook_seen: bool,
}

impl DemoReport {
    /// The short readable form.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "pms demo ({}): {} simulated hotels, embedded SQLite store, webhook receiver on {}",
            self.mode, self.vendors, self.webhook_receiver
        );
        for h in &self.hotels {
            let _ = writeln!(out, "\n{} ({})", h.hotel, h.pms);
            if let Some(s) = &h.sync {
                line(
                    &mut out,
                    "initial sync",
                    format!(
                        "{} reservations mirrored (PMS has {}), {} rooms, {} page(s), {} ms",
                        s.reservations_mirrored, s.reservations_in_pms, s.rooms_mirrored, s.pages, s.millis
                    ),
                );
            }
            match &h.webhooks {
                Some(w) => line(
                    &mut out,
                    "webhooks",
                    format!(
                        "{} room changes via the API -> {} emitted ({} dropped, {} duplicated); received {} event(s), applied {}, deduped {}; mirror current for {}/{} rooms (the rest is left to reconcile)",
                        w.changes_triggered,
                        w.emitted,
                        w.dropped,
                        w.duplicated,
                        w.events_received,
                        w.applied,
                        w.duplicates_deduped,
                        w.rooms_current,
                        w.changes_triggered
                    ),
                ),
                None if h.sync.is_some() => line(
                    &mut out,
                    "webhooks",
                    "none (the vendor sends none: polling + reconcile)".into(),
                ),
                None => {}
            }
            if let Some(c) = &h.check_in {
                line(
                    &mut out,
                    "check-in",
                    format!(
                        "reservation {} room {}: ID {}, signature {}, card hold {}; {} key active (re-run: {} new)",
                        c.reservation,
                        c.room,
                        c.id_check,
                        c.signature,
                        c.card_hold,
                        c.keys_active,
                        c.rerun_new_keys
                    ),
                );
            }
            if let Some(k) = &h.housekeeping {
                line(
                    &mut out,
                    "housekeeping",
                    format!(
                        "{} task(s) dispatched; {} completed (room {}) -> PMS reports {}{}; {} follow-up",
                        k.tasks_created,
                        k.tasks_completed,
                        k.completed_room,
                        k.pms_status_after,
                        if k.pushed_to_pms { "" } else { " (not pushed)" },
                        k.follow_up_tasks
                    ),
                );
            }
            if let Some(c) = &h.charges {
                line(
                    &mut out,
                    "charges",
                    format!(
                        "{} room-service charge(s) + {} tip = {}; {} replayed without a PMS write; folio {} ({} live lines{})",
                        c.charges_posted,
                        c.tips_posted,
                        c.total,
                        c.replayed_identical,
                        match (c.folio_matchable, c.folio_clean) {
                            (_, true) => "reconciles",
                            (false, false) => "not matchable by request id (the PMS does not echo it)",
                            (true, false) => "MISMATCH",
                        },
                        c.folio_live_lines,
                        if c.folio_mismatches.is_empty() || !c.folio_matchable {
                            String::new()
                        } else {
                            format!("; {}", c.folio_mismatches.join(", "))
                        }
                    ),
                );
            }
            if let Some(c) = &h.check_out {
                line(
                    &mut out,
                    "check-out",
                    format!(
                        "reservation {} (left early{}): {} key(s) deactivated, {} active{}",
                        c.reservation,
                        c.settled_at_desk
                            .as_ref()
                            .map(|b| format!(", paid {b} at the desk"))
                            .unwrap_or_default(),
                        c.keys_deactivated,
                        c.keys_active_after,
                        c.open_balance
                            .as_ref()
                            .map(|b| format!("; open balance {b} (alerted)"))
                            .unwrap_or_default()
                    ),
                );
            }
            if let Some(c) = &h.catch_up {
                line(
                    &mut out,
                    "catch-up",
                    format!(
                        "{} webhook event(s) applied, {} reservation(s) changed by polling",
                        c.inbox_applied, c.reservations_changed
                    ),
                );
            }
            if let Some(d) = &h.drift {
                line(
                    &mut out,
                    "reconcile",
                    format!(
                        "{} compared, drift {} ({} rooms, {} reservations; missing {}, extra {}, changed {}); injected change {} [{}]; after repair {}",
                        d.compared,
                        d.found,
                        d.rooms,
                        d.reservations,
                        d.missing,
                        d.extra,
                        d.changed,
                        if d.injected_found { "found" } else { "NOT found" },
                        d.injected_fields.join(", "),
                        d.after_repair
                    ),
                );
            }
            if let Some(x) = &h.health {
                line(
                    &mut out,
                    "health",
                    format!(
                        "{}, {} call(s), {} failure(s), lag {}, circuit {}",
                        x.status,
                        x.calls,
                        x.failures,
                        x.lag_seconds
                            .map(|s| format!("{s} s"))
                            .unwrap_or_else(|| "-".into()),
                        if x.circuit_open { "open" } else { "closed" }
                    ),
                );
            }
            for e in &h.errors {
                line(&mut out, "FAILED", e.clone());
            }
        }
        let _ = writeln!(
            out,
            "\n{} of {} hotels synced; {}; {:.1} s",
            self.hotels_synced,
            self.vendors,
            if self.ok {
                "all steps ok"
            } else {
                "some steps FAILED"
            },
            self.wall_ms as f64 / 1000.0
        );
        out
    }
}

fn line(out: &mut String, step: &str, text: String) {
    let _ = writeln!(out, "  {step:<13} {text}");
}
