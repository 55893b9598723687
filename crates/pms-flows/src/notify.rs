//! Notifications: what staff and other systems are told, and how it reaches them.
//!
//! A [`Notification`] carries ids, room numbers, amounts and error kinds,
//! never a guest's name or contact data: a receiver that needs more looks the
//! reservation up with its own credentials.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pms_core::{Change, DateRange, ErrorKind, ExternalRef, HotelId, Money, PmsEvent, RoomNumber};
use pms_sync::{DriftReport, HotelSync, PollReport, SyncError};
use serde::{Deserialize, Serialize};

use crate::{FlowError, NotifyError};

/// Something worth telling someone about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
#[non_exhaustive]
pub enum Notification {
    /// A reservation was created in the PMS.
    ReservationCreated {
        /// The hotel.
        hotel: HotelId,
        /// The reservation.
        reservation: ExternalRef,
    },
    /// A reservation changed (dates, room, state).
    ReservationChanged {
        /// The hotel.
        hotel: HotelId,
        /// The reservation.
        reservation: ExternalRef,
    },
    /// A reservation was cancelled.
    ReservationCancelled {
        /// The hotel.
        hotel: HotelId,
        /// The reservation.
        reservation: ExternalRef,
    },
    /// A guest arriving today can check in early: their room is clean.
    EarlyCheckInAvailable {
        /// The hotel.
        hotel: HotelId,
        /// The reservation.
        reservation: ExternalRef,
        /// The room that is ready.
        room: RoomNumber,
    },
    /// A housekeeping task is past its due time.
    HousekeepingOverdue {
        /// The hotel.
        hotel: HotelId,
        /// The task.
        task: uuid::Uuid,
        /// The room.
        room: RoomNumber,
        /// What the task is (`clean`, `inspect`, `maintenance`).
        task_kind: String,
        /// When it was due.
        due_at: DateTime<Utc>,
    },
    /// Webhook delivery or polling of a PMS failed.
    IngestionFailed {
        /// The hotel.
        hotel: HotelId,
        /// `webhook`, `poll` or `reconcile`.
        channel: String,
        /// The failure's classification, when it came from the PMS.
        kind: Option<ErrorKind>,
        /// A short, PII-free description.
        detail: String,
    },
    /// Our view and the PMS's disagree.
    Drift {
        /// The hotel.
        hotel: HotelId,
        /// What drifted (`reservations`, `folio`, ...).
        scope: String,
        /// The reservation, when the drift is about one.
        reservation: Option<ExternalRef>,
        /// How many differences.
        count: usize,
        /// A short, PII-free summary.
        summary: String,
    },
    /// A digital key could not be deactivated after retries; a retry is pending.
    KeyDeactivationFailed {
        /// The hotel.
        hotel: HotelId,
        /// The reservation, by vendor id.
        reservation: String,
        /// The key.
        key_id: uuid::Uuid,
        /// Calls made.
        attempts: u32,
    },
    /// A digital key could not be activated after check-in.
    KeyActivationFailed {
        /// The hotel.
        hotel: HotelId,
        /// The reservation, by vendor id.
        reservation: String,
        /// The key.
        key_id: uuid::Uuid,
    },
    /// A guest was checked out with an open balance (policy "warn").
    OpenBalanceAtCheckOut {
        /// The hotel.
        hotel: HotelId,
        /// The reservation, by vendor id.
        reservation: String,
        /// What is still owed.
        outstanding: Money,
    },
}

impl Notification {
    /// The notification's type name, as in its JSON `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Notification::ReservationCreated { .. } => "reservation_created",
            Notification::ReservationChanged { .. } => "reservation_changed",
            Notification::ReservationCancelled { .. } => "reservation_cancelled",
            Notification::EarlyCheckInAvailable { .. } => "early_check_in_available",
            Notification::HousekeepingOverdue { .. } => "housekeeping_overdue",
            Notification::IngestionFailed { .. } => "ingestion_failed",
            Notification::Drift { .. } => "drift",
            Notification::KeyDeactivationFailed { .. } => "key_deactivation_failed",
            Notification::KeyActivationFailed { .. } => "key_activation_failed",
            Notification::OpenBalanceAtCheckOut { .. } => "open_balance_at_check_out",
        }
    }

    /// The hotel it concerns.
    pub fn hotel(&self) -> &HotelId {
        match self {
            Notification::ReservationCreated { hotel, .. }
            | Notification::ReservationChanged { hotel, .. }
            | Notification::ReservationCancelled { hotel, .. }
            | Notification::EarlyCheckInAvailable { hotel, .. }
            | Notification::HousekeepingOverdue { hotel, .. }
            | Notification::IngestionFailed { hotel, .. }
            | Notification::Drift { hotel, .. }
            | Notification::KeyDeactivationFailed { hotel, .. }
            | Notification::KeyActivationFailed { hotel, .. }
            | Notification::OpenBalanceAtCheckOut { hotel, .. } => hotel,
        }
    }

    /// Whether someone must act (an alert) rather than merely know.
    pub fn is_alert(&self) -> bool {
        matches!(
            self,
            Notification::HousekeepingOverdue { .. }
                | Notification::IngestionFailed { .. }
                | Notification::Drift { .. }
                | Notification::KeyDeactivationFailed { .. }
                | Notification::KeyActivationFailed { .. }
                | Notification::OpenBalanceAtCheckOut { .. }
        )
    }

    /// The notification a PMS change event triggers, if any: reservation
    /// created, changed (including state changes) or cancelled.
    pub fn from_event(event: &PmsEvent) -> Option<Notification> {
        let hotel = event.hotel.clone();
        match &event.change {
            Change::ReservationCreated { reservation } => Some(Notification::ReservationCreated {
                hotel,
                reservation: reservation.clone(),
            }),
            Change::ReservationUpdated { reservation }
            | Change::ReservationStatusChanged { reservation, .. } => {
                Some(Notification::ReservationChanged {
                    hotel,
                    reservation: reservation.clone(),
                })
            }
            Change::ReservationCancelled { reservation } => Some(Notification::ReservationCancelled {
                hotel,
                reservation: reservation.clone(),
            }),
            _ => None,
        }
    }

    /// The alert for a failed webhook intake, poll or reconcile pass.
    pub fn ingestion_failed(hotel: &HotelId, channel: &str, error: &SyncError) -> Notification {
        Notification::IngestionFailed {
            hotel: hotel.clone(),
            channel: channel.to_owned(),
            kind: error.pms_kind(),
            // Connector and store messages are PII-free by contract.
            detail: error.to_string(),
        }
    }

    /// The alert for a reconciliation pass that found drift; `None` when clean.
    pub fn drift(hotel: &HotelId, report: &DriftReport) -> Option<Notification> {
        (report.total() > 0).then(|| Notification::Drift {
            hotel: hotel.clone(),
            scope: "mirror".to_owned(),
            reservation: None,
            count: report.total(),
            summary: format!(
                "{} missing, {} extra, {} changed of {} compared",
                report.missing.len(),
                report.extra.len(),
                report.changed.len(),
                report.compared
            ),
        })
    }
}

/// Delivers notifications.
#[async_trait]
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// Delivers one notification.
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError>;
}

/// Writes notifications to the log (`tracing`) and, optionally, as JSON lines to stdout.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogNotifier {
    /// Also print each notification as one JSON line on stdout.
    pub stdout: bool,
}

#[async_trait]
impl Notifier for LogNotifier {
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        let json = serde_json::to_string(notification).map_err(|e| NotifyError(e.to_string()))?;
        if notification.is_alert() {
            tracing::warn!(kind = notification.kind(), hotel = %notification.hotel(), body = %json, "alert");
        } else {
            tracing::info!(kind = notification.kind(), hotel = %notification.hotel(), body = %json, "notification");
        }
        if self.stdout {
            println!("{json}");
        }
        Ok(())
    }
}

/// Keeps notifications in memory: for tests, and for a UI that polls.
#[derive(Debug, Clone, Default)]
pub struct MemoryNotifier {
    sent: Arc<Mutex<Vec<Notification>>>,
}

impl MemoryNotifier {
    /// An empty notifier.
    pub fn new() -> Self {
        MemoryNotifier::default()
    }

    /// Everything notified so far, oldest first.
    pub fn sent(&self) -> Vec<Notification> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Notifications of one type (`Notification::kind`).
    pub fn of_kind(&self, kind: &str) -> Vec<Notification> {
        self.sent().into_iter().filter(|n| n.kind() == kind).collect()
    }
}

#[async_trait]
impl Notifier for MemoryNotifier {
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        self.sent
            .lock()
            .map_err(|_| NotifyError("memory notifier poisoned".into()))?
            .push(notification.clone());
        Ok(())
    }
}

/// Delivers to several notifiers; fails if any failed (after trying all).
#[derive(Debug, Clone, Default)]
pub struct FanOut(pub Vec<Arc<dyn Notifier>>);

#[async_trait]
impl Notifier for FanOut {
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        let mut failures = Vec::new();
        for target in &self.0 {
            if let Err(err) = target.notify(notification).await {
                failures.push(err.0);
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(NotifyError(failures.join("; ")))
        }
    }
}

/// The body a [`WebhookNotifier`] POSTs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEnvelope {
    /// Deterministic id of this notification (same content, same id), for the receiver to dedupe.
    pub id: uuid::Uuid,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// Whether someone must act.
    pub alert: bool,
    /// The notification.
    pub notification: Notification,
}

/// POSTs each notification as JSON ([`WebhookEnvelope`]) to a URL. A non-2xx
/// answer or a transport failure is an error; the caller decides whether to retry.
#[derive(Clone)]
pub struct WebhookNotifier {
    url: String,
    http: reqwest::Client,
    bearer: Option<String>,
}

impl std::fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookNotifier")
            .field("url", &self.url)
            .field("bearer", &self.bearer.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl WebhookNotifier {
    /// A notifier posting to `url` with a 10-second timeout.
    pub fn new(url: impl Into<String>) -> Result<Self, NotifyError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| NotifyError(format!("cannot build the HTTP client: {e}")))?;
        Ok(WebhookNotifier {
            url: url.into(),
            http,
            bearer: None,
        })
    }

    /// Sends `Authorization: Bearer <token>` with every request.
    pub fn with_bearer(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(token.into());
        self
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        let content = serde_json::to_string(notification).map_err(|e| NotifyError(e.to_string()))?;
        let envelope = WebhookEnvelope {
            id: crate::context::derive_uuid(&["notification", &content]),
            sent_at: Utc::now(),
            alert: notification.is_alert(),
            notification: notification.clone(),
        };
        let mut request = self.http.post(&self.url).json(&envelope);
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| NotifyError(format!("webhook delivery failed: {}", e.without_url())))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(NotifyError(format!("webhook answered HTTP {}", status.as_u16())))
        }
    }
}

/// Turns PMS change events into notifications until the channel closes:
/// run it as a task over [`pms_sync::HotelSync::subscribe`]. Events lost to a
/// lagging receiver are reported as drift (reconciliation will catch them up).
pub async fn forward_events(
    mut events: tokio::sync::broadcast::Receiver<PmsEvent>,
    hotel: HotelId,
    notifier: Arc<dyn Notifier>,
) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        let notification = match events.recv().await {
            Ok(event) => Notification::from_event(&event),
            Err(RecvError::Lagged(missed)) => Some(Notification::Drift {
                hotel: hotel.clone(),
                scope: "events".to_owned(),
                reservation: None,
                count: usize::try_from(missed).unwrap_or(usize::MAX),
                summary: format!("{missed} change events missed by a slow consumer"),
            }),
            Err(RecvError::Closed) => return,
        };
        if let Some(notification) = notification
            && let Err(err) = notifier.notify(&notification).await
        {
            tracing::warn!(kind = notification.kind(), error = %err, "notification not delivered");
        }
    }
}

/// Polls a hotel's reservations once; a failure is alerted
/// ([`Notification::IngestionFailed`], channel `poll`) before it is returned.
pub async fn poll_with_alerts(sync: &HotelSync, notifier: &dyn Notifier) -> Result<PollReport, FlowError> {
    match sync.poll_reservations().await {
        Ok(report) => Ok(report),
        Err(err) => {
            deliver(
                notifier,
                Notification::ingestion_failed(sync.hotel(), "poll", &err),
            )
            .await;
            Err(err.into())
        }
    }
}

/// Reconciles a window; drift is alerted ([`Notification::Drift`]) and a
/// failure too (channel `reconcile`).
pub async fn reconcile_with_alerts(
    sync: &HotelSync,
    window: DateRange,
    notifier: &dyn Notifier,
) -> Result<DriftReport, FlowError> {
    match sync.reconcile(window).await {
        Ok(report) => {
            if let Some(drift) = Notification::drift(sync.hotel(), &report) {
                deliver(notifier, drift).await;
            }
            Ok(report)
        }
        Err(err) => {
            deliver(
                notifier,
                Notification::ingestion_failed(sync.hotel(), "reconcile", &err),
            )
            .await;
            Err(err.into())
        }
    }
}

async fn deliver(notifier: &dyn Notifier, notification: Notification) {
    if let Err(err) = notifier.notify(&notification).await {
        tracing::warn!(kind = notification.kind(), error = %err, "notification not delivered");
    }
}
