#![allow(clippy::unwrap_used)]
//! Store conformance: one set of checks, written against `Arc<dyn Store>`, run on
//! every backend: SQLite in memory, SQLite on a temporary file, and PostgreSQL.
//!
//! PostgreSQL comes from `PMS_TEST_DATABASE_URL` (for example
//! `postgres://postgres@127.0.0.1:5432/test`). Unset: each PostgreSQL test prints
//! "skipped: PMS_TEST_DATABASE_URL not set" and passes. Set but unreachable: the
//! tests fail. Each PostgreSQL test works in a fresh random schema, dropped at the end.
//!
//! Time is injected (`at(seconds)`), never read from the clock, and nothing sleeps.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use pms_core::{
    DocumentKind, ExternalRef, Guest, GuestId, HotelId, IdentityDocument, PersonName, Pii, PmsKind,
    RequestId, VendorId,
};
use pms_sync::store::{
    ApplyBatch, AuditEntry, AuditFilter, AuditStore, Cursor, GuardedWrite, InboxCounts, InboxEntry,
    InboxEvent, InboxFailure, InboxRedrive, InboxStore, JournalBegin, JournalEntry, JournalState,
    JournalStore, LeaseOwner, MirrorStore, MirrorWrite, NewAuditEntry, NewJournalEntry, RecordKind,
    SealedRecord, TakeBack,
};
use pms_sync::{Cipher, Mirror, PostgresStore, SqliteStore, Store, SyncError};
use serde_json::json;
use sqlx::Connection;

const DATABASE_URL_VAR: &str = "PMS_TEST_DATABASE_URL";
const CLAIM_TTL: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------- backends

/// Runs each named check on every backend: `sqlite_memory::name`,
/// `sqlite_file::name`, `postgres::name`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::sqlite_memory().await).await;
                }
            )*
        }
        mod sqlite_file {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::SqliteFile::new();
                    super::$name(db.open().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = super::PgSchema::new() else { return };
                    super::$name(db.open().await).await;
                }
            )*
        }
    };
}

conformance!(
    cursor_round_trip,
    records_upsert_replace_delete_and_order,
    apply_is_atomic_when_an_inbox_seq_is_unknown,
    apply_is_atomic_when_a_record_violates_a_constraint,
    apply_marks_inbox_events_processed,
    inbox_purge_deletes_only_applied_events_older_than_the_horizon,
    journal_started_then_settled_replays,
    journal_same_id_with_another_request_is_a_mismatch,
    journal_live_claim_is_busy_and_own_claim_resumes,
    journal_expired_claim_is_resumed_by_another_owner,
    journal_concurrent_begins_start_exactly_once,
    journal_settlement_rules,
    journal_unsettled_and_purge,
    inbox_dedupes_and_keeps_arrival_order,
    inbox_push_many_dedupes_within_and_across_batches,
    inbox_failed_events_back_off_then_dead_letter,
    inbox_dead_letters_are_redriven_merged_or_discarded,
    apply_guarded_writes_only_records_still_as_read,
    batches_larger_than_one_statement_keep_every_row,
    records_by_ids_finds_only_the_asked_ids_of_the_hotel_and_kind,
    audit_appends_and_filters,
    leases_two_owners_expiry_and_release,
);

#[path = "store_conformance/restarts.rs"]
mod restarts;

async fn sqlite_memory() -> Arc<dyn Store> {
    Arc::new(SqliteStore::in_memory().await.unwrap())
}

/// A SQLite database file in a temporary directory, removed on drop.
struct SqliteFile {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl SqliteFile {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        SqliteFile { _dir: dir, path }
    }

    /// A new handle (its own pool) on the file.
    async fn open(&self) -> Arc<dyn Store> {
        Arc::new(SqliteStore::open(&self.path).await.unwrap())
    }
}

/// A fresh PostgreSQL schema, dropped (with everything in it) on drop.
struct PgSchema {
    url: String,
    schema: String,
}

impl PgSchema {
    /// `None` (after saying so on stderr) when no server is configured.
    fn new() -> Option<Self> {
        let url = match std::env::var(DATABASE_URL_VAR) {
            Ok(url) if !url.trim().is_empty() => url,
            _ => {
                eprintln!("skipped: {DATABASE_URL_VAR} not set");
                return None;
            }
        };
        let schema = format!("pms_test_{}", uuid::Uuid::new_v4().simple());
        Some(PgSchema { url, schema })
    }

    /// A new handle (its own pool: a "worker") on the schema. Panics, failing the
    /// test, if the configured server cannot be reached.
    async fn open(&self) -> Arc<dyn Store> {
        match PostgresStore::connect_with_schema(&self.url, &self.schema).await {
            Ok(store) => Arc::new(store),
            Err(e) => panic!("{DATABASE_URL_VAR} is set but PostgreSQL is not usable: {e}"),
        }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let url = self.url.clone();
        // Generated above from a UUID: safe to format into SQL.
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema);
        // Its own thread and runtime: this also runs while a failed test unwinds.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let mut conn = sqlx::PgConnection::connect(&url).await?;
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test schema {}", self.schema);
        }
    }
}

// ---------------------------------------------------------------- helpers

fn hotel(id: &str) -> HotelId {
    HotelId::new(id).unwrap()
}

/// A fixed instant plus `seconds`; microseconds included to check they survive.
fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
        + TimeDelta::microseconds(123_456)
        + TimeDelta::seconds(seconds)
}

fn sealed(hotel_id: &str, kind: RecordKind, external_id: &str, fingerprint: &str) -> SealedRecord {
    SealedRecord {
        hotel: hotel(hotel_id),
        kind,
        external_id: external_id.to_owned(),
        fingerprint: fingerprint.to_owned(),
        key_id: "k1".to_owned(),
        sealed: [b"sealed:".as_slice(), fingerprint.as_bytes(), &[0, 255, 7]].concat(),
        updated_at: Some(at(-3600)),
    }
}

fn cursor(high_water: i64, token: Option<&str>) -> Cursor {
    Cursor {
        high_water: at(high_water),
        token: token.map(str::to_owned),
        updated_at: at(high_water + 1),
    }
}

fn upsert(records: Vec<SealedRecord>) -> ApplyBatch {
    ApplyBatch {
        upserts: records,
        ..ApplyBatch::default()
    }
}

fn intent(
    request_id: RequestId,
    hotel_id: &str,
    hash: &str,
    owner: &str,
    now: DateTime<Utc>,
) -> NewJournalEntry {
    NewJournalEntry {
        request_id,
        hotel: hotel(hotel_id),
        operation: "post_charge".to_owned(),
        request_hash: hash.to_owned(),
        sealed_request: vec![9, 8, 7, 0, 1],
        key_id: "k1".to_owned(),
        owner: owner.to_owned(),
        claim_ttl: CLAIM_TTL,
        now,
    }
}

fn event(hotel_id: &str, event_id: &str, received_at: DateTime<Utc>) -> InboxEvent {
    InboxEvent {
        seq: 0,
        hotel: hotel(hotel_id),
        event_id: event_id.to_owned(),
        payload: json!({"kind": "reservation_updated", "event": event_id, "ids": [1, 2]}),
        received_at,
    }
}

#[track_caller]
fn started(begin: JournalBegin) -> JournalEntry {
    match begin {
        JournalBegin::Started(entry) => entry,
        other => panic!("expected Started, got {other:?}"),
    }
}

#[track_caller]
fn resumed(begin: JournalBegin) -> JournalEntry {
    match begin {
        JournalBegin::Resumed(entry) => entry,
        other => panic!("expected Resumed, got {other:?}"),
    }
}

#[track_caller]
fn busy(begin: JournalBegin) -> JournalEntry {
    match begin {
        JournalBegin::Busy(entry) => entry,
        other => panic!("expected Busy, got {other:?}"),
    }
}

#[track_caller]
fn settled(begin: JournalBegin) -> JournalEntry {
    match begin {
        JournalBegin::Settled(entry) => entry,
        other => panic!("expected Settled, got {other:?}"),
    }
}

fn ids(records: &[SealedRecord]) -> Vec<&str> {
    records.iter().map(|r| r.external_id.as_str()).collect()
}

// ---------------------------------------------------------------- cursors and mirror

async fn cursor_round_trip(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    assert_eq!(store.cursor(&grand, "reservations").await.unwrap(), None);

    let first = cursor(0, None);
    store
        .apply(ApplyBatch {
            cursor: Some((grand.clone(), "reservations".into(), first.clone())),
            ..ApplyBatch::default()
        })
        .await
        .unwrap();
    assert_eq!(store.cursor(&grand, "reservations").await.unwrap(), Some(first));

    let second = cursor(60, Some("page:2|after:r-17"));
    store
        .apply(ApplyBatch {
            cursor: Some((grand.clone(), "reservations".into(), second.clone())),
            ..ApplyBatch::default()
        })
        .await
        .unwrap();
    assert_eq!(
        store.cursor(&grand, "reservations").await.unwrap(),
        Some(second.clone())
    );

    // Other streams and hotels are separate; an empty batch changes nothing.
    store.apply(ApplyBatch::default()).await.unwrap();
    assert_eq!(store.cursor(&grand, "rooms").await.unwrap(), None);
    assert_eq!(
        store.cursor(&hotel("harbor"), "reservations").await.unwrap(),
        None
    );
    assert_eq!(store.cursor(&grand, "reservations").await.unwrap(), Some(second));
}

async fn records_upsert_replace_delete_and_order(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    let mut batch = Vec::new();
    for id in ["b", "B", "10", "9", "a"] {
        batch.push(sealed("grand", RecordKind::Guest, id, &format!("fp-{id}")));
    }
    batch.push(sealed("grand", RecordKind::Room, "b", "room-b"));
    batch.push(sealed("harbor", RecordKind::Guest, "b", "harbor-b"));
    store.apply(upsert(batch)).await.unwrap();

    // Ordered by external id, byte-wise, on every backend.
    let guests = store.records(&grand, RecordKind::Guest).await.unwrap();
    assert_eq!(ids(&guests), ["10", "9", "B", "a", "b"]);
    assert_eq!(
        store.record(&grand, RecordKind::Guest, "b").await.unwrap(),
        Some(sealed("grand", RecordKind::Guest, "b", "fp-b"))
    );
    assert_eq!(store.record(&grand, RecordKind::Guest, "zz").await.unwrap(), None);
    assert_eq!(store.record(&grand, RecordKind::Folio, "b").await.unwrap(), None);

    // Upsert replaces every stored field.
    let mut replacement = sealed("grand", RecordKind::Guest, "b", "fp-b2");
    replacement.key_id = "k2".into();
    replacement.updated_at = None;
    store.apply(upsert(vec![replacement.clone()])).await.unwrap();
    assert_eq!(
        store.record(&grand, RecordKind::Guest, "b").await.unwrap(),
        Some(replacement)
    );
    assert_eq!(store.records(&grand, RecordKind::Guest).await.unwrap().len(), 5);

    // Deleting only touches (hotel, kind, id); a missing id is not an error.
    store
        .apply(ApplyBatch {
            deletes: vec![
                (grand.clone(), RecordKind::Guest, "b".into()),
                (grand.clone(), RecordKind::Guest, "missing".into()),
            ],
            ..ApplyBatch::default()
        })
        .await
        .unwrap();
    assert_eq!(store.record(&grand, RecordKind::Guest, "b").await.unwrap(), None);
    assert_eq!(
        ids(&store.records(&grand, RecordKind::Guest).await.unwrap()),
        ["10", "9", "B", "a"]
    );
    assert!(
        store
            .record(&grand, RecordKind::Room, "b")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .record(&hotel("harbor"), RecordKind::Guest, "b")
            .await
            .unwrap()
            .is_some()
    );
}

/// What `apply` may not have touched after a failed batch (see the two atomicity tests).
async fn assert_untouched(store: &Arc<dyn Store>, seq: i64, cursor_before: &Cursor) {
    let grand = hotel("grand");
    assert_eq!(
        store.record(&grand, RecordKind::Guest, "fresh").await.unwrap(),
        None
    );
    assert_eq!(
        store.record(&grand, RecordKind::Guest, "keep").await.unwrap(),
        Some(sealed("grand", RecordKind::Guest, "keep", "fp-keep"))
    );
    assert!(
        store
            .record(&grand, RecordKind::Room, "r1")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store.cursor(&grand, "reservations").await.unwrap().as_ref(),
        Some(cursor_before)
    );
    let pending = store.inbox_pending(&grand, 10).await.unwrap();
    assert_eq!(pending.iter().map(|e| e.seq).collect::<Vec<_>>(), [seq]);
}

/// State before a doomed batch: two records, a cursor, one pending event.
async fn atomicity_setup(store: &Arc<dyn Store>) -> (i64, Cursor) {
    let grand = hotel("grand");
    let before = cursor(0, Some("before"));
    store
        .apply(ApplyBatch {
            upserts: vec![
                sealed("grand", RecordKind::Guest, "keep", "fp-keep"),
                sealed("grand", RecordKind::Room, "r1", "fp-r1"),
            ],
            cursor: Some((grand.clone(), "reservations".into(), before.clone())),
            ..ApplyBatch::default()
        })
        .await
        .unwrap();
    assert!(store.inbox_push(&event("grand", "evt-1", at(0))).await.unwrap());
    let seq = store.inbox_pending(&grand, 10).await.unwrap()[0].seq;
    (seq, before)
}

/// Decision: `processed_inbox` naming an event the store does not hold is an error
/// (the caller's bookkeeping is wrong), and it fails the whole batch.
async fn apply_is_atomic_when_an_inbox_seq_is_unknown(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    let (seq, before) = atomicity_setup(&store).await;
    let doomed = ApplyBatch {
        upserts: vec![
            sealed("grand", RecordKind::Guest, "fresh", "fp-fresh"),
            sealed("grand", RecordKind::Guest, "keep", "fp-keep-changed"),
        ],
        deletes: vec![(grand.clone(), RecordKind::Room, "r1".into())],
        // The first seq exists and would be marked; the second does not.
        processed_inbox: vec![seq, seq + 1_000_000],
        cursor: Some((grand.clone(), "reservations".into(), cursor(60, None))),
    };
    let err = store.apply(doomed).await.unwrap_err();
    assert!(matches!(err, SyncError::Store(_)), "{err:?}");
    assert_untouched(&store, seq, &before).await;
}

/// A record the schema refuses (an empty external id) midway through a batch.
async fn apply_is_atomic_when_a_record_violates_a_constraint(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    let (seq, before) = atomicity_setup(&store).await;
    let doomed = ApplyBatch {
        upserts: vec![
            sealed("grand", RecordKind::Guest, "fresh", "fp-fresh"),
            sealed("grand", RecordKind::Guest, "keep", "fp-keep-changed"),
            sealed("grand", RecordKind::Guest, "", "fp-empty"),
        ],
        deletes: vec![(grand.clone(), RecordKind::Room, "r1".into())],
        processed_inbox: vec![seq],
        cursor: Some((grand.clone(), "reservations".into(), cursor(60, None))),
    };
    let err = store.apply(doomed).await.unwrap_err();
    assert!(matches!(err, SyncError::Store(_)), "{err:?}");
    assert_untouched(&store, seq, &before).await;
}

/// The ids of a hotel's pending inbox events, in arrival order.
async fn pending_ids(store: &Arc<dyn Store>, hotel: &HotelId) -> Vec<String> {
    store
        .inbox_pending(hotel, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_id)
        .collect()
}

async fn apply_marks_inbox_events_processed(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    for (n, id) in ["e1", "e2", "e3"].into_iter().enumerate() {
        assert!(store.inbox_push(&event("grand", id, at(n as i64))).await.unwrap());
    }
    let pending = store.inbox_pending(&grand, 10).await.unwrap();
    let seqs: Vec<i64> = pending.iter().map(|e| e.seq).collect();
    let processed = ApplyBatch {
        upserts: vec![sealed("grand", RecordKind::Reservation, "r-1", "fp")],
        processed_inbox: vec![seqs[1]],
        ..ApplyBatch::default()
    };
    store.apply(processed.clone()).await.unwrap();
    let left = pending_ids(&store, &grand).await;
    assert_eq!(left, ["e1", "e3"]);

    // Re-applying a batch after a crash is harmless.
    store.apply(processed).await.unwrap();
    assert_eq!(store.inbox_pending(&grand, 10).await.unwrap().len(), 2);
    // A pending event coalesces redeliveries; a processed one does not block a new hint.
    assert!(!store.inbox_push(&event("grand", "e1", at(9))).await.unwrap());
    assert!(store.inbox_push(&event("grand", "e2", at(9))).await.unwrap());
    assert!(!store.inbox_push(&event("grand", "e2", at(10))).await.unwrap());
}

async fn inbox_purge_deletes_only_applied_events_older_than_the_horizon(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    for (n, id) in ["old-applied", "old-pending", "new-applied"]
        .into_iter()
        .enumerate()
    {
        let received = if n == 2 { at(100) } else { at(n as i64) };
        assert!(store.inbox_push(&event("grand", id, received)).await.unwrap());
    }
    assert!(
        store
            .inbox_push(&event("harbor", "old-applied", at(0)))
            .await
            .unwrap()
    );
    let seq_of = |events: &[InboxEvent], id: &str| events.iter().find(|e| e.event_id == id).unwrap().seq;
    let pending = store.inbox_pending(&grand, 10).await.unwrap();
    let harbor = store.inbox_pending(&hotel("harbor"), 10).await.unwrap();
    store
        .apply(ApplyBatch {
            processed_inbox: vec![
                seq_of(&pending, "old-applied"),
                seq_of(&pending, "new-applied"),
                seq_of(&harbor, "old-applied"),
            ],
            ..ApplyBatch::default()
        })
        .await
        .unwrap();
    // Received before at(50) and applied: one per hotel. The pending one stays
    // however old it is, and so does the applied one received after the horizon.
    assert_eq!(store.inbox_purge(at(50)).await.unwrap(), 2);
    assert_eq!(store.inbox_purge(at(50)).await.unwrap(), 0);
    let left = pending_ids(&store, &grand).await;
    assert_eq!(left, ["old-pending"]);
    assert_eq!(store.inbox_purge(at(101)).await.unwrap(), 1);
    assert_eq!(store.inbox_pending(&grand, 10).await.unwrap().len(), 1);
    // A purged id is a new hint when it comes again.
    assert!(
        store
            .inbox_push(&event("grand", "old-applied", at(200)))
            .await
            .unwrap()
    );
}

// ---------------------------------------------------------------- write journal

async fn journal_started_then_settled_replays(store: Arc<dyn Store>) {
    let id = RequestId::new_random();
    let first = started(
        store
            .journal_begin(intent(id, "grand", "hash-1", "worker-a", at(0)))
            .await
            .unwrap(),
    );
    let expected = JournalEntry {
        request_id: id,
        hotel: hotel("grand"),
        operation: "post_charge".into(),
        request_hash: "hash-1".into(),
        sealed_request: vec![9, 8, 7, 0, 1],
        key_id: "k1".into(),
        state: JournalState::Pending,
        outcome: None,
        attempts: 0,
        owner: Some("worker-a".into()),
        claimed_until: Some(at(30)),
        created_at: at(0),
        updated_at: at(0),
    };
    assert_eq!(first, expected);
    assert_eq!(store.journal_get(id).await.unwrap(), Some(expected));
    assert_eq!(store.journal_get(RequestId::new_random()).await.unwrap(), None);

    store.journal_attempt(id, at(1)).await.unwrap();
    store.journal_attempt(id, at(2)).await.unwrap();
    let outcome = json!({"charge": "c-42", "amount": "12.50", "currency": "EUR"});
    store
        .journal_settle(id, JournalState::Succeeded, outcome.clone(), at(3))
        .await
        .unwrap();

    // Replays (by anyone, at any time) get the stored outcome and no claim.
    let replay = settled(
        store
            .journal_begin(intent(id, "grand", "hash-1", "worker-b", at(4)))
            .await
            .unwrap(),
    );
    assert_eq!(replay.state, JournalState::Succeeded);
    assert_eq!(replay.outcome, Some(outcome));
    assert_eq!(replay.attempts, 2);
    assert_eq!((replay.owner.as_deref(), replay.claimed_until), (None, None));
    assert_eq!((replay.created_at, replay.updated_at), (at(0), at(3)));
    assert_eq!(store.journal_get(id).await.unwrap(), Some(replay.clone()));
    let again = settled(
        store
            .journal_begin(intent(id, "grand", "hash-1", "worker-a", at(100_000)))
            .await
            .unwrap(),
    );
    assert_eq!(again, replay);
}

async fn journal_same_id_with_another_request_is_a_mismatch(store: Arc<dyn Store>) {
    let id = RequestId::new_random();
    let original = started(
        store
            .journal_begin(intent(id, "grand", "hash-1", "worker-a", at(0)))
            .await
            .unwrap(),
    );
    let mismatch = |result: Result<JournalBegin, SyncError>| match result {
        Err(SyncError::IdempotencyMismatch { request_id }) => assert_eq!(request_id, id),
        other => panic!("expected IdempotencyMismatch, got {other:?}"),
    };
    // While pending, by the owner or anyone else.
    mismatch(
        store
            .journal_begin(intent(id, "grand", "hash-2", "worker-a", at(1)))
            .await,
    );
    mismatch(
        store
            .journal_begin(intent(id, "grand", "hash-2", "worker-b", at(1)))
            .await,
    );
    // Another hotel or operation under the same id is another request too.
    mismatch(
        store
            .journal_begin(intent(id, "harbor", "hash-1", "worker-a", at(1)))
            .await,
    );
    let mut other_op = intent(id, "grand", "hash-1", "worker-a", at(1));
    other_op.operation = "void_charge".into();
    mismatch(store.journal_begin(other_op).await);
    assert_eq!(store.journal_get(id).await.unwrap(), Some(original));

    // And once settled.
    store
        .journal_settle(id, JournalState::Failed, json!({"error": "declined"}), at(2))
        .await
        .unwrap();
    mismatch(
        store
            .journal_begin(intent(id, "grand", "hash-2", "worker-c", at(3)))
            .await,
    );
    assert_eq!(
        store.journal_get(id).await.unwrap().unwrap().request_hash,
        "hash-1"
    );
}

async fn journal_live_claim_is_busy_and_own_claim_resumes(store: Arc<dyn Store>) {
    let id = RequestId::new_random();
    started(
        store
            .journal_begin(intent(id, "grand", "h", "worker-a", at(0)))
            .await
            .unwrap(),
    );
    store.journal_attempt(id, at(1)).await.unwrap();

    let seen = busy(
        store
            .journal_begin(intent(id, "grand", "h", "worker-b", at(10)))
            .await
            .unwrap(),
    );
    assert_eq!(seen.owner.as_deref(), Some("worker-a"));
    assert_eq!(seen.claimed_until, Some(at(30)));

    // The owner itself resumes, and its claim is renewed from now.
    let mine = resumed(
        store
            .journal_begin(intent(id, "grand", "h", "worker-a", at(20)))
            .await
            .unwrap(),
    );
    assert_eq!(mine.owner.as_deref(), Some("worker-a"));
    assert_eq!(mine.claimed_until, Some(at(50)));
    assert_eq!((mine.created_at, mine.updated_at), (at(0), at(20)));
    assert_eq!((mine.state, mine.attempts), (JournalState::Pending, 1));

    busy(
        store
            .journal_begin(intent(id, "grand", "h", "worker-b", at(49)))
            .await
            .unwrap(),
    );
    assert_eq!(store.journal_get(id).await.unwrap(), Some(mine));
}

async fn journal_expired_claim_is_resumed_by_another_owner(store: Arc<dyn Store>) {
    let id = RequestId::new_random();
    started(
        store
            .journal_begin(intent(id, "grand", "h", "worker-a", at(0)))
            .await
            .unwrap(),
    );
    store.journal_attempt(id, at(1)).await.unwrap();

    // A claim lasts until `claimed_until`, exclusive.
    busy(
        store
            .journal_begin(intent(id, "grand", "h", "worker-b", at(29)))
            .await
            .unwrap(),
    );
    let taken = resumed(
        store
            .journal_begin(intent(id, "grand", "h", "worker-b", at(30)))
            .await
            .unwrap(),
    );
    assert_eq!(taken.owner.as_deref(), Some("worker-b"));
    assert_eq!(taken.claimed_until, Some(at(60)));
    assert_eq!(taken.attempts, 1);

    // The previous owner has lost it.
    let lost = busy(
        store
            .journal_begin(intent(id, "grand", "h", "worker-a", at(31)))
            .await
            .unwrap(),
    );
    assert_eq!(lost.owner.as_deref(), Some("worker-b"));
}

async fn journal_concurrent_begins_start_exactly_once(store: Arc<dyn Store>) {
    for round in 0..3 {
        let id = RequestId::new_random();
        let tasks: Vec<_> = (0..8)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .journal_begin(intent(id, "grand", "h", &format!("worker-{n}"), at(round)))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut started_by = Vec::new();
        let mut busy_count = 0;
        for task in tasks {
            match task.await.unwrap() {
                JournalBegin::Started(entry) => started_by.push(entry.owner),
                JournalBegin::Busy(_) => busy_count += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(started_by.len(), 1, "exactly one Started");
        assert_eq!(busy_count, 7);
        assert_eq!(store.journal_get(id).await.unwrap().unwrap().owner, started_by[0]);
    }
}

/// Settlement rules (this implementation's reading of the contract): only a
/// pending or unknown entry settles; repeating a final settlement is a no-op;
/// changing it is refused; `Pending` is not a settlement; attempts stop once final.
async fn journal_settlement_rules(store: Arc<dyn Store>) {
    let missing = RequestId::new_random();
    assert!(store.journal_attempt(missing, at(0)).await.is_err());
    assert!(
        store
            .journal_settle(missing, JournalState::Succeeded, json!({}), at(0))
            .await
            .is_err()
    );

    let id = RequestId::new_random();
    started(
        store
            .journal_begin(intent(id, "grand", "h", "worker-a", at(0)))
            .await
            .unwrap(),
    );
    assert!(
        store
            .journal_settle(id, JournalState::Pending, json!({}), at(1))
            .await
            .is_err()
    );
    // Unknown (no answer, read-back inconclusive) is claimed by whoever begins it next.
    store
        .journal_settle(
            id,
            JournalState::Unknown,
            json!({"read_back": "inconclusive"}),
            at(2),
        )
        .await
        .unwrap();
    let JournalBegin::Resumed(resumed) = store
        .journal_begin(intent(id, "grand", "h", "worker-b", at(3)))
        .await
        .unwrap()
    else {
        panic!("an unknown entry must be resumable");
    };
    assert_eq!(resumed.state, JournalState::Pending);
    assert_eq!(resumed.owner.as_deref(), Some("worker-b"));
    // ... and while worker-b holds it, nobody else does.
    assert!(matches!(
        store
            .journal_begin(intent(id, "grand", "h", "worker-c", at(3)))
            .await
            .unwrap(),
        JournalBegin::Busy(_)
    ));
    store.journal_attempt(id, at(4)).await.unwrap();
    let outcome = json!({"charge": "c-1"});
    store
        .journal_settle(id, JournalState::Succeeded, outcome.clone(), at(5))
        .await
        .unwrap();
    // Same final state again: accepted, first outcome kept.
    store
        .journal_settle(id, JournalState::Succeeded, json!({"charge": "other"}), at(6))
        .await
        .unwrap();
    assert!(
        store
            .journal_settle(id, JournalState::Failed, json!({}), at(7))
            .await
            .is_err()
    );
    assert!(store.journal_attempt(id, at(8)).await.is_err());
    let entry = store.journal_get(id).await.unwrap().unwrap();
    assert_eq!(entry.state, JournalState::Succeeded);
    assert_eq!(entry.outcome, Some(outcome));
    assert_eq!((entry.attempts, entry.updated_at), (1, at(5)));
}

async fn journal_unsettled_and_purge(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    let begin = |id, hotel_id: &'static str, created: i64, ttl: u64| {
        let store = store.clone();
        async move {
            let mut entry = intent(id, hotel_id, "h", "worker-a", at(created));
            entry.claim_ttl = Duration::from_secs(ttl);
            started(store.journal_begin(entry).await.unwrap())
        }
    };
    let live = RequestId::new_random();
    let expired = RequestId::new_random();
    let unknown = RequestId::new_random();
    let succeeded = RequestId::new_random();
    let failed = RequestId::new_random();
    let elsewhere = RequestId::new_random();
    begin(live, "grand", 0, 30).await;
    begin(expired, "grand", 1, 5).await;
    begin(unknown, "grand", 2, 30).await;
    begin(succeeded, "grand", 3, 30).await;
    begin(failed, "grand", 4, 30).await;
    begin(elsewhere, "harbor", 0, 1).await;
    let settle = |id, state, when| store.journal_settle(id, state, json!({"s": "x"}), at(when));
    settle(unknown, JournalState::Unknown, 3).await.unwrap();
    settle(succeeded, JournalState::Succeeded, 4).await.unwrap();
    settle(failed, JournalState::Failed, 5).await.unwrap();

    let unsettled = |now| {
        let store = store.clone();
        let grand = grand.clone();
        async move {
            store
                .journal_unsettled(&grand, at(now))
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.request_id)
                .collect::<Vec<_>>()
        }
    };
    // Pending with an expired claim, or unknown; oldest first; this hotel only.
    assert_eq!(unsettled(10).await, [expired, unknown]);
    assert_eq!(unsettled(6).await, [expired, unknown]);
    assert_eq!(unsettled(5).await, [unknown]);
    assert_eq!(unsettled(40).await, [live, expired, unknown]);

    // Purge removes succeeded/failed entries last updated strictly before the horizon.
    assert_eq!(store.journal_purge(at(4)).await.unwrap(), 0);
    assert_eq!(store.journal_purge(at(5)).await.unwrap(), 1);
    assert_eq!(store.journal_get(succeeded).await.unwrap(), None);
    assert!(store.journal_get(failed).await.unwrap().is_some());
    assert_eq!(store.journal_purge(at(1_000_000)).await.unwrap(), 1);
    assert_eq!(store.journal_get(failed).await.unwrap(), None);
    // Unknown and pending entries are never purged: they still need an answer.
    for id in [live, expired, unknown, elsewhere] {
        assert!(store.journal_get(id).await.unwrap().is_some());
    }
    // A purged id starts afresh.
    started(
        store
            .journal_begin(intent(succeeded, "grand", "h", "worker-a", at(2_000_000)))
            .await
            .unwrap(),
    );
}

// ---------------------------------------------------------------- inbox

async fn inbox_dedupes_and_keeps_arrival_order(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    let first = event("grand", "evt-1", at(0));
    assert!(store.inbox_push(&first).await.unwrap());
    // A duplicate delivery (even with another body) is not stored again.
    let mut duplicate = event("grand", "evt-1", at(5));
    duplicate.payload = json!({"other": true});
    assert!(!store.inbox_push(&duplicate).await.unwrap());
    // Arrival order is push order, not received_at order.
    assert!(store.inbox_push(&event("grand", "evt-3", at(-10))).await.unwrap());
    assert!(store.inbox_push(&event("grand", "evt-2", at(2))).await.unwrap());
    // The same event id in another hotel is another event.
    assert!(store.inbox_push(&event("harbor", "evt-1", at(0))).await.unwrap());

    let pending = store.inbox_pending(&grand, 10).await.unwrap();
    let names: Vec<&str> = pending.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(names, ["evt-1", "evt-3", "evt-2"]);
    assert!(pending[0].seq > 0);
    assert!(pending.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(
        pending[0],
        InboxEvent {
            seq: pending[0].seq,
            ..first
        }
    );
    assert_eq!(pending[1].received_at, at(-10));

    let limited = store.inbox_pending(&grand, 2).await.unwrap();
    assert_eq!(limited, pending[..2]);
    assert_eq!(store.inbox_pending(&hotel("harbor"), 10).await.unwrap().len(), 1);
    assert!(
        store
            .inbox_pending(&hotel("nowhere"), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn inbox_push_many_dedupes_within_and_across_batches(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    assert!(store.inbox_push(&event("grand", "evt-0", at(0))).await.unwrap());
    let fresh = store
        .inbox_push_many(&[
            event("grand", "evt-1", at(1)),
            event("grand", "evt-0", at(1)),
            event("grand", "evt-2", at(1)),
            event("grand", "evt-1", at(2)),
            event("harbor", "evt-1", at(2)),
        ])
        .await
        .unwrap();
    assert_eq!(fresh, [true, false, true, false, true]);
    assert_eq!(store.inbox_push_many(&[]).await.unwrap(), Vec::<bool>::new());

    let pending = store.inbox_pending(&grand, 10).await.unwrap();
    let names: Vec<&str> = pending.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(names, ["evt-0", "evt-1", "evt-2"]);
    assert_eq!(pending[1].received_at, at(1), "the first of two copies is kept");
    assert_eq!(store.inbox_pending(&hotel("harbor"), 10).await.unwrap().len(), 1);
}

/// Seqs of the entries, in order.
fn seqs(entries: &[InboxEntry]) -> Vec<i64> {
    entries.iter().map(|e| e.event.seq).collect()
}

fn failure(seq: i64, error: &str, when: i64, retry_at: Option<i64>) -> InboxFailure {
    InboxFailure {
        seq,
        error: error.to_owned(),
        at: at(when),
        retry_at: retry_at.map(at),
    }
}

/// A failed event waits for its `next_attempt_at` without holding back the
/// events behind it; a dead letter is no longer due or pending, keeps its
/// history, leaves the dedupe index and is never purged.
async fn inbox_failed_events_back_off_then_dead_letter(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    for (n, id) in ["e1", "e2", "e3"].into_iter().enumerate() {
        assert!(store.inbox_push(&event("grand", id, at(n as i64))).await.unwrap());
    }
    assert!(store.inbox_push(&event("harbor", "e1", at(0))).await.unwrap());
    let due = store.inbox_due(&grand, at(10), 10).await.unwrap();
    let [e1, e2, e3] = seqs(&due)[..] else {
        panic!("{due:?}")
    };
    assert_eq!(
        due[0],
        InboxEntry {
            event: InboxEvent {
                seq: e1,
                ..event("grand", "e1", at(0))
            },
            attempts: 0,
            last_attempt_at: None,
            next_attempt_at: None,
            last_error: None,
            dead_at: None,
        }
    );
    assert_eq!(
        store.inbox_counts(&grand).await.unwrap(),
        InboxCounts {
            pending: 3,
            retrying: 0,
            dead: 0
        }
    );

    // e1 fails: it waits until at(70), and e2 and e3 are due without it.
    store
        .inbox_failed(&[failure(e1, "reservation read: Validation", 10, Some(70))])
        .await
        .unwrap();
    assert_eq!(
        seqs(&store.inbox_due(&grand, at(10), 10).await.unwrap()),
        [e2, e3]
    );
    assert_eq!(seqs(&store.inbox_due(&grand, at(69), 1).await.unwrap()), [e2]);
    let again = store.inbox_due(&grand, at(70), 10).await.unwrap();
    assert_eq!(seqs(&again), [e1, e2, e3]);
    assert_eq!(
        (
            again[0].attempts,
            again[0].last_attempt_at,
            again[0].next_attempt_at,
            again[0].last_error.as_deref(),
            again[0].dead_at
        ),
        (
            1,
            Some(at(10)),
            Some(at(70)),
            Some("reservation read: Validation"),
            None
        )
    );
    // Backing off is still pending.
    assert_eq!(pending_ids(&store, &grand).await, ["e1", "e2", "e3"]);
    assert_eq!(
        store.inbox_counts(&grand).await.unwrap(),
        InboxCounts {
            pending: 3,
            retrying: 1,
            dead: 0
        }
    );

    // Its last attempt fails: dead-lettered, with its history.
    store
        .inbox_failed(&[failure(e1, "reservation read: Validation (2)", 80, None)])
        .await
        .unwrap();
    assert_eq!(
        seqs(&store.inbox_due(&grand, at(100_000), 10).await.unwrap()),
        [e2, e3]
    );
    assert_eq!(pending_ids(&store, &grand).await, ["e2", "e3"]);
    let dead = store.inbox_dead(Some(&grand), 10).await.unwrap();
    assert_eq!(seqs(&dead), [e1]);
    assert_eq!(
        (
            dead[0].attempts,
            dead[0].last_attempt_at,
            dead[0].next_attempt_at,
            dead[0].last_error.as_deref(),
            dead[0].dead_at
        ),
        (
            2,
            Some(at(80)),
            None,
            Some("reservation read: Validation (2)"),
            Some(at(80))
        )
    );
    assert_eq!(dead[0].event.payload, event("grand", "e1", at(0)).payload);
    assert_eq!(
        store.inbox_counts(&grand).await.unwrap(),
        InboxCounts {
            pending: 2,
            retrying: 0,
            dead: 1
        }
    );
    // A dead letter takes no more failures.
    store
        .inbox_failed(&[failure(e1, "later", 90, Some(100))])
        .await
        .unwrap();
    assert_eq!(store.inbox_dead(Some(&grand), 10).await.unwrap(), dead);

    // Every hotel's dead letters, oldest first; one hotel's; a limit.
    let harbor = store.inbox_pending(&hotel("harbor"), 10).await.unwrap()[0].seq;
    store
        .inbox_failed(&[
            failure(e2, "guest read: Decode", 95, None),
            failure(harbor, "x", 95, None),
        ])
        .await
        .unwrap();
    let all = store.inbox_dead(None, 10).await.unwrap();
    assert_eq!(seqs(&all), [e1, e2, harbor]);
    assert_eq!(seqs(&store.inbox_dead(None, 1).await.unwrap()), [e1]);
    assert_eq!(
        seqs(&store.inbox_dead(Some(&hotel("harbor")), 10).await.unwrap()),
        [harbor]
    );
    assert!(
        store
            .inbox_dead(Some(&hotel("nowhere")), 10)
            .await
            .unwrap()
            .is_empty()
    );
    store.inbox_failed(&[]).await.unwrap();

    // A new hint for a dead letter's entity is a new pending event, which
    // coalesces its own redeliveries as before.
    assert!(store.inbox_push(&event("grand", "e1", at(200))).await.unwrap());
    assert!(!store.inbox_push(&event("grand", "e1", at(201))).await.unwrap());
    assert_eq!(pending_ids(&store, &grand).await, ["e3", "e1"]);

    // Dead letters are never purged, however old; applied events are.
    assert_eq!(store.inbox_purge(at(1_000_000)).await.unwrap(), 0);
    assert_eq!(store.inbox_dead(None, 10).await.unwrap().len(), 3);
}

async fn inbox_dead_letters_are_redriven_merged_or_discarded(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    for (n, id) in ["e1", "e2", "e3"].into_iter().enumerate() {
        assert!(store.inbox_push(&event("grand", id, at(n as i64))).await.unwrap());
    }
    let [e1, e2, e3] = seqs(&store.inbox_due(&grand, at(0), 10).await.unwrap())[..] else {
        panic!("three events")
    };
    let dead_letter = |seq| failure(seq, "rooms read: Transient", 50, None);
    store
        .inbox_failed(&[dead_letter(e1), dead_letter(e2), dead_letter(e3)])
        .await
        .unwrap();

    // Requeued: due at once, a fresh budget, its last error kept.
    assert_eq!(
        store.inbox_redrive(e1).await.unwrap(),
        Some(InboxRedrive::Requeued)
    );
    let due = store.inbox_due(&grand, at(0), 10).await.unwrap();
    assert_eq!(seqs(&due), [e1]);
    assert_eq!(
        (
            due[0].attempts,
            due[0].next_attempt_at,
            due[0].dead_at,
            due[0].last_error.as_deref()
        ),
        (0, None, None, Some("rooms read: Transient"))
    );
    // Not a dead letter (any more, or at all): nothing to do.
    assert_eq!(store.inbox_redrive(e1).await.unwrap(), None);
    assert_eq!(store.inbox_redrive(e1 + 1_000_000).await.unwrap(), None);

    // A newer hint for e2's entity waits already: the dead letter merges into it.
    assert!(store.inbox_push(&event("grand", "e2", at(60))).await.unwrap());
    assert_eq!(store.inbox_redrive(e2).await.unwrap(), Some(InboxRedrive::Merged));
    assert_eq!(pending_ids(&store, &grand).await, ["e1", "e2"]);
    assert_eq!(seqs(&store.inbox_dead(None, 10).await.unwrap()), [e3]);

    // Discarded: gone from the dead letters, purged like an applied event.
    assert!(!store.inbox_discard(e1).await.unwrap(), "e1 is pending, not dead");
    assert!(store.inbox_discard(e3).await.unwrap());
    assert!(!store.inbox_discard(e3).await.unwrap());
    assert!(store.inbox_dead(None, 10).await.unwrap().is_empty());
    assert_eq!(pending_ids(&store, &grand).await, ["e1", "e2"]);
    // The merged e2 and the discarded e3 (received before at(10)) go.
    assert_eq!(store.inbox_purge(at(10)).await.unwrap(), 2);
    assert_eq!(
        store.inbox_counts(&grand).await.unwrap(),
        InboxCounts {
            pending: 2,
            retrying: 0,
            dead: 0
        }
    );
}

async fn apply_guarded_writes_only_records_still_as_read(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    let room = |id: &str, fingerprint: &str| sealed("grand", RecordKind::Room, id, fingerprint);
    store
        .apply(upsert(vec![
            room("a", "fp-a"),
            room("b", "fp-b"),
            room("c", "fp-c"),
            room("d", "fp-d"),
            room("e", "fp-e"),
            room("y", "fp-y"),
            sealed("harbor", RecordKind::Room, "n", "harbor-n"),
        ]))
        .await
        .unwrap();
    let guarded = |write, expected: Option<&str>| GuardedWrite {
        write,
        expected: expected.map(str::to_owned),
    };
    let delete = |id: &str| MirrorWrite::Delete(grand.clone(), RecordKind::Room, id.to_owned());
    let writes = [
        // Still as read: written.
        guarded(MirrorWrite::Upsert(room("a", "fp-a2")), Some("fp-a")),
        // Changed since it was read: refused.
        guarded(MirrorWrite::Upsert(room("b", "fp-b2")), Some("fp-b-as-read")),
        // Read as absent, still absent: inserted (another hotel's "n" is another record).
        guarded(MirrorWrite::Upsert(room("n", "fp-n")), None),
        // Read as absent, inserted since: refused.
        guarded(MirrorWrite::Upsert(room("c", "fp-c2")), None),
        // Deletes, by the same rule.
        guarded(delete("d"), Some("fp-d")),
        guarded(delete("e"), Some("fp-e-as-read")),
        guarded(delete("z"), None),
        guarded(delete("y"), None),
    ];
    let applied = store.apply_guarded(&writes).await.unwrap();
    assert_eq!(applied, [true, false, true, false, true, false, true, false]);
    let fingerprints: Vec<(String, String)> = store
        .records(&grand, RecordKind::Room)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.external_id, r.fingerprint))
        .collect();
    let expected: Vec<(String, String)> = [
        ("a", "fp-a2"),
        ("b", "fp-b"),
        ("c", "fp-c"),
        ("e", "fp-e"),
        ("n", "fp-n"),
        ("y", "fp-y"),
    ]
    .into_iter()
    .map(|(id, fp)| (id.to_owned(), fp.to_owned()))
    .collect();
    assert_eq!(fingerprints, expected);
    // A written upsert replaces every field.
    assert_eq!(
        store.record(&grand, RecordKind::Room, "a").await.unwrap(),
        Some(room("a", "fp-a2"))
    );
    assert_eq!(
        store
            .record(&hotel("harbor"), RecordKind::Room, "n")
            .await
            .unwrap()
            .unwrap()
            .fingerprint,
        "harbor-n"
    );
    assert!(store.apply_guarded(&[]).await.unwrap().is_empty());
}

/// The SQLite store writes a batch in multi-row statements of at most 64
/// rows; 150 rows span several, and what a row-by-row store would keep must
/// not change: the last copy of a record, the first of an event.
async fn batches_larger_than_one_statement_keep_every_row(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    let reservation = |i: usize, fingerprint: &str| {
        sealed("grand", RecordKind::Reservation, &format!("r{i:03}"), fingerprint)
    };
    let mut records: Vec<_> = (0..150).map(|i| reservation(i, &format!("f{i}"))).collect();
    records.push(reservation(7, "f7-again"));
    store.apply(upsert(records)).await.unwrap();
    let stored = store.records(&grand, RecordKind::Reservation).await.unwrap();
    assert_eq!(stored.len(), 150);
    assert_eq!(stored[7], reservation(7, "f7-again"), "the later copy wins");
    assert_eq!(stored[6], reservation(6, "f6"));
    assert_eq!(stored[149], reservation(149, "f149"));

    assert!(store.inbox_push(&event("grand", "e000", at(0))).await.unwrap());
    // Every tenth event repeats its predecessor's id, as a redelivery would.
    let id = |i: usize| format!("e{:03}", if i % 10 == 9 { i - 1 } else { i });
    let events: Vec<_> = (0..150).map(|i| event("grand", &id(i), at(i as i64))).collect();
    let fresh = store.inbox_push_many(&events).await.unwrap();
    let expected: Vec<bool> = (0..150).map(|i| i != 0 && i % 10 != 9).collect();
    assert_eq!(fresh, expected);
    let pending = store.inbox_pending(&grand, 500).await.unwrap();
    let names: Vec<&str> = pending.iter().map(|e| e.event_id.as_str()).collect();
    let arrived: Vec<String> = (0..150).filter(|i| i % 10 != 9).map(id).collect();
    assert_eq!(names, arrived, "arrival order, one row per id");
    assert_eq!(pending[8].received_at, at(8), "the first of two copies is kept");
}

async fn records_by_ids_finds_only_the_asked_ids_of_the_hotel_and_kind(store: Arc<dyn Store>) {
    let grand = hotel("grand");
    store
        .apply(upsert(vec![
            sealed("grand", RecordKind::Reservation, "r1", "f1"),
            sealed("grand", RecordKind::Reservation, "r2", "f2"),
            sealed("grand", RecordKind::Reservation, "r3", "f3"),
            sealed("grand", RecordKind::Room, "r1", "room"),
            sealed("harbor", RecordKind::Reservation, "r2", "other hotel"),
        ]))
        .await
        .unwrap();
    let mut found = store
        .records_by_ids(&grand, RecordKind::Reservation, &["r3", "r1", "absent", "r1"])
        .await
        .unwrap();
    found.sort_by(|a, b| a.external_id.cmp(&b.external_id));
    assert_eq!(
        found,
        [
            sealed("grand", RecordKind::Reservation, "r1", "f1"),
            sealed("grand", RecordKind::Reservation, "r3", "f3"),
        ]
    );
    // Ids that look like SQL or JSON travel as data.
    let odd = ["r2' OR '1'='1", "\"]", "r2"];
    let found = store
        .records_by_ids(&grand, RecordKind::Reservation, &odd)
        .await
        .unwrap();
    assert_eq!(ids(&found), ["r2"]);
    assert!(
        store
            .records_by_ids(&grand, RecordKind::Reservation, &[])
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------- audit

async fn audit_appends_and_filters(store: Arc<dyn Store>) {
    let entry = |hotel_id: &str, reservation: Option<&str>, action: &str, when: i64| NewAuditEntry {
        hotel: hotel(hotel_id),
        reservation: reservation.map(str::to_owned),
        action: action.to_owned(),
        actor: "kiosk-3".to_owned(),
        request_id: None,
        details: json!({"document_kind": "passport", "n": when}),
        at: at(when),
    };
    let mut signed = entry("grand", Some("r1"), "signature_captured", 20);
    signed.request_id = Some(RequestId::new_random());
    let appended = [
        entry("grand", Some("r1"), "id_verified", 10),
        entry("grand", Some("r2"), "card_hold_placed", 5),
        signed,
        entry("harbor", Some("r1"), "id_verified", 15),
        entry("grand", None, "key_activated", 20),
    ];
    let mut stored = Vec::new();
    for new in &appended {
        let seq = store.audit_append(new).await.unwrap();
        if let Some(AuditEntry { seq: last, .. }) = stored.last() {
            assert!(seq > *last, "sequence numbers increase");
        }
        stored.push(AuditEntry {
            seq,
            entry: new.clone(),
        });
    }
    let query = |filter: AuditFilter| {
        let store = store.clone();
        async move { store.audit_query(&filter).await.unwrap() }
    };
    let pick = |indices: &[usize]| indices.iter().map(|&i| stored[i].clone()).collect::<Vec<_>>();

    // Oldest first by time, ties in append order.
    assert_eq!(query(AuditFilter::default()).await, pick(&[1, 0, 3, 2, 4]));
    let grand = Some(hotel("grand"));
    assert_eq!(
        query(AuditFilter {
            hotel: grand.clone(),
            ..AuditFilter::default()
        })
        .await,
        pick(&[1, 0, 2, 4])
    );
    assert_eq!(
        query(AuditFilter {
            hotel: grand.clone(),
            reservation: Some("r1".into()),
            ..AuditFilter::default()
        })
        .await,
        pick(&[0, 2])
    );
    assert_eq!(
        query(AuditFilter {
            action: Some("id_verified".into()),
            ..AuditFilter::default()
        })
        .await,
        pick(&[0, 3])
    );
    // `from` inclusive, `until` exclusive.
    assert_eq!(
        query(AuditFilter {
            from: Some(at(10)),
            until: Some(at(20)),
            ..AuditFilter::default()
        })
        .await,
        pick(&[0, 3])
    );
    assert_eq!(
        query(AuditFilter {
            from: Some(at(20)),
            ..AuditFilter::default()
        })
        .await,
        pick(&[2, 4])
    );
    assert_eq!(
        query(AuditFilter {
            limit: Some(2),
            ..AuditFilter::default()
        })
        .await,
        pick(&[1, 0])
    );
    assert_eq!(
        query(AuditFilter {
            hotel: grand,
            reservation: Some("r1".into()),
            action: Some("id_verified".into()),
            from: Some(at(0)),
            until: Some(at(11)),
            limit: Some(10),
        })
        .await,
        pick(&[0])
    );
    assert!(
        query(AuditFilter {
            hotel: Some(hotel("nowhere")),
            ..AuditFilter::default()
        })
        .await
        .is_empty()
    );
}

// ---------------------------------------------------------------- leases

/// A worker called `name` whose one instance is also called `name`.
fn owner(name: &str) -> LeaseOwner {
    LeaseOwner {
        name: name.into(),
        instance: name.into(),
    }
}

/// Whether `name` (one instance) holds `lease` after asking for it at `now`.
async fn take(store: &Arc<dyn Store>, lease: &str, name: &str, ttl: Duration, now: DateTime<Utc>) -> bool {
    store
        .lease_acquire(lease, &owner(name), TakeBack::Never, ttl, now)
        .await
        .unwrap()
        .granted()
}

async fn leases_two_owners_expiry_and_release(store: Arc<dyn Store>) {
    let ttl = Duration::from_secs(30);
    let lease = "sync:grand";
    assert!(take(&store, lease, "a", ttl, at(0)).await);
    assert!(!take(&store, lease, "b", ttl, at(10)).await);
    // The holder renews: now held until 50.
    assert!(take(&store, lease, "a", ttl, at(20)).await);
    assert!(!take(&store, lease, "b", ttl, at(49)).await);
    // Expired (at its expiry instant): taken over.
    assert!(take(&store, lease, "b", ttl, at(50)).await);
    assert!(!take(&store, lease, "a", ttl, at(51)).await);

    // A release by a non-owner is ignored.
    store.lease_release(lease, &owner("a")).await.unwrap();
    assert!(!take(&store, lease, "a", ttl, at(52)).await);
    assert!(take(&store, lease, "b", ttl, at(52)).await);
    // Releasing a lease that does not exist is fine too.
    store.lease_release("sync:nowhere", &owner("a")).await.unwrap();

    // The owner's release frees it at once.
    store.lease_release(lease, &owner("b")).await.unwrap();
    assert!(take(&store, lease, "a", ttl, at(53)).await);
    // Leases are independent.
    assert!(take(&store, "sync:harbor", "b", ttl, at(53)).await);
    // A ttl beyond any representable instant is an error, not a panic or a wrap-around.
    let forever = store
        .lease_acquire("sync:forever", &owner("a"), TakeBack::Never, Duration::MAX, at(0))
        .await;
    assert!(matches!(forever, Err(SyncError::Store(_))), "{forever:?}");
}

// ---------------------------------------------------------------- two workers

/// Two handles on one database (two "workers") race for leases and journal ids.
async fn two_workers_contend(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    let ttl = Duration::from_secs(30);
    for round in 0..5 {
        let lease = format!("sync:hotel_{round}");
        let (got_a, got_b) = {
            let (a, b) = (a.clone(), b.clone());
            let (la, lb) = (lease.clone(), lease.clone());
            let ta = tokio::spawn(async move { take(&a, &la, "worker-a", ttl, at(0)).await });
            let tb = tokio::spawn(async move { take(&b, &lb, "worker-b", ttl, at(0)).await });
            (ta.await.unwrap(), tb.await.unwrap())
        };
        assert!(got_a ^ got_b, "exactly one worker holds {lease}");
        let (winner, loser, loser_name) = if got_a {
            (&a, &b, "worker-b")
        } else {
            (&b, &a, "worker-a")
        };
        // The other worker sees the same lease as taken ...
        assert!(!take(loser, &lease, loser_name, ttl, at(10)).await);
        // ... until the winner dies and its lease expires.
        assert!(take(loser, &lease, loser_name, ttl, at(30)).await);
        assert!(
            !take(
                winner,
                &lease,
                if got_a { "worker-a" } else { "worker-b" },
                ttl,
                at(31)
            )
            .await
        );

        let id = RequestId::new_random();
        let ta = {
            let a = a.clone();
            tokio::spawn(async move { a.journal_begin(intent(id, "grand", "h", "worker-a", at(0))).await })
        };
        let tb = {
            let b = b.clone();
            tokio::spawn(async move { b.journal_begin(intent(id, "grand", "h", "worker-b", at(0))).await })
        };
        let outcomes = [ta.await.unwrap().unwrap(), tb.await.unwrap().unwrap()];
        let starts = outcomes
            .iter()
            .filter(|o| matches!(o, JournalBegin::Started(_)))
            .count();
        let busies = outcomes
            .iter()
            .filter(|o| matches!(o, JournalBegin::Busy(_)))
            .count();
        assert_eq!((starts, busies), (1, 1), "{outcomes:?}");
        let owner = store_owner(&a, id).await;
        let other = if owner == "worker-a" {
            "worker-b"
        } else {
            "worker-a"
        };
        let other_store = if owner == "worker-a" { &b } else { &a };
        // The owner dies; after its claim expires the other worker resumes the write.
        let taken = resumed(
            other_store
                .journal_begin(intent(id, "grand", "h", other, at(30)))
                .await
                .unwrap(),
        );
        assert_eq!(taken.owner.as_deref(), Some(other));
        assert_eq!(store_owner(&a, id).await, other);
        assert_eq!(store_owner(&b, id).await, other);
    }
}

async fn store_owner(store: &Arc<dyn Store>, id: RequestId) -> String {
    store.journal_get(id).await.unwrap().unwrap().owner.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_contend_on_postgres() {
    let Some(db) = PgSchema::new() else { return };
    // Both start at once on a schema that does not exist yet: creating it and
    // migrating happen once, under the migrator's lock.
    let (a, b) = tokio::join!(db.open(), db.open());
    two_workers_contend(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_contend_on_one_sqlite_file() {
    let db = SqliteFile::new();
    let (a, b) = tokio::join!(db.open(), db.open());
    two_workers_contend(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_contend_on_one_sqlite_memory_store() {
    let store = sqlite_memory().await;
    two_workers_contend(store.clone(), store).await;
}

// ---------------------------------------------------------------- backend-specific

fn raw_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Guest PII written through `Mirror` never reaches the database file or its WAL in plaintext.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirror_encrypts_pii_at_rest_in_a_sqlite_file() {
    let db = SqliteFile::new();
    let grand = hotel("grand");
    let cipher = Arc::new(Cipher::new("k1", [42; 32]));
    let external = ExternalRef::new(PmsKind::Mews, VendorId::new("g-ottoline-1").unwrap());
    let guest = Guest {
        id: GuestId::derive(&grand, &external),
        external,
        name: PersonName {
            title: Some(Pii::from("Dr")),
            first: Some(Pii::from("Ottoline")),
            middle: None,
            last: Some(Pii::from("Quaxworthington")),
        },
        email: Some(Pii::from("ottoline.quax@example.org")),
        phone: Some(Pii::from("+44 7700 900123")),
        address: None,
        nationality: Some(Pii::from("GB")),
        birth_date: None,
        language: Some("en".into()),
        loyalty_number: None,
        identity_document: Some(Pii::new(IdentityDocument {
            kind: DocumentKind::Passport,
            number: "XK4471923Q".into(),
            issuing_country: Some("GB".into()),
            expires_on: None,
        })),
        updated_at: Some(at(0)),
    };
    let secrets = [
        "Ottoline",
        "Quaxworthington",
        "ottoline.quax@example.org",
        "7700 900123",
        "XK4471923Q",
    ];

    let store = Arc::new(SqliteStore::open(&db.path).await.unwrap());
    let mirror = Mirror::new(store.clone(), cipher.clone());
    store
        .apply(upsert(vec![mirror.seal(&grand, &guest).unwrap()]))
        .await
        .unwrap();
    assert_eq!(
        mirror.get::<Guest>(&grand, "g-ottoline-1").await.unwrap(),
        Some(guest.clone())
    );

    // While open, the write sits in the WAL.
    let wal = wal_path(&db.path);
    let open_bytes = [raw_bytes(&db.path), raw_bytes(&wal)].concat();
    assert!(wal.exists(), "WAL journal mode");
    // The scan reads the right bytes: the (non-secret) vendor id is there.
    assert!(contains(&open_bytes, "g-ottoline-1"));
    for secret in secrets {
        assert!(
            !contains(&open_bytes, secret),
            "`{secret}` in plaintext while open"
        );
    }

    // Closed: checkpointed into the main file.
    store.close().await;
    drop(mirror);
    drop(store);
    let closed_bytes = [raw_bytes(&db.path), raw_bytes(&wal)].concat();
    assert!(contains(&closed_bytes, "g-ottoline-1"));
    for secret in secrets {
        assert!(
            !contains(&closed_bytes, secret),
            "`{secret}` in plaintext after close"
        );
    }

    // Reopened with the key, the exact record comes back.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db.path).await.unwrap());
    let mirror = Mirror::new(store, cipher);
    assert_eq!(
        mirror.get::<Guest>(&grand, "g-ottoline-1").await.unwrap(),
        Some(guest)
    );
    assert_eq!(mirror.all::<Guest>(&grand).await.unwrap().len(), 1);
}

/// Data survives closing and reopening a file; reopening re-runs migrations harmlessly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_survives_reopen() {
    let db = SqliteFile::new();
    let grand = hotel("grand");
    let id = RequestId::new_random();
    {
        let store = SqliteStore::open(&db.path).await.unwrap();
        store
            .apply(ApplyBatch {
                upserts: vec![sealed("grand", RecordKind::Folio, "f1", "fp")],
                cursor: Some((grand.clone(), "folios".into(), cursor(5, Some("t")))),
                ..ApplyBatch::default()
            })
            .await
            .unwrap();
        started(
            store
                .journal_begin(intent(id, "grand", "h", "worker-a", at(0)))
                .await
                .unwrap(),
        );
        store.close().await;
    }
    let store = SqliteStore::open(&db.path).await.unwrap();
    assert_eq!(
        store.record(&grand, RecordKind::Folio, "f1").await.unwrap(),
        Some(sealed("grand", RecordKind::Folio, "f1", "fp"))
    );
    assert_eq!(
        store.cursor(&grand, "folios").await.unwrap(),
        Some(cursor(5, Some("t")))
    );
    busy(
        store
            .journal_begin(intent(id, "grand", "h", "worker-b", at(1)))
            .await
            .unwrap(),
    );
}

/// Commits do not checkpoint the WAL themselves (the store's own task does,
/// beside them): written faster than it is looked at, the WAL still stays
/// near SQLite's default limit of 1,000 pages instead of growing with the data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_wal_is_checkpointed_beside_the_commits() {
    let db = SqliteFile::new();
    let store = SqliteStore::open(&db.path).await.unwrap();
    let wal = PathBuf::from(format!("{}-wal", db.path.display()));
    let blob = vec![7u8; 10_000];
    let mut largest = 0;
    // 24 MB in 24 commits, a pause after every fourth.
    for batch in 0..24 {
        let records = (0..100)
            .map(|i| SealedRecord {
                sealed: blob.clone(),
                ..sealed("grand", RecordKind::Reservation, &format!("r{batch}-{i}"), "fp")
            })
            .collect();
        store.apply(upsert(records)).await.unwrap();
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        if batch % 4 == 3 {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    let limit = 4_096_000;
    assert!(largest < 4 * limit, "the WAL grew to {largest} bytes");
    let all = store
        .records(&hotel("grand"), RecordKind::Reservation)
        .await
        .unwrap();
    assert_eq!(all.len(), 2_400);
    assert!(all.iter().all(|r| r.sealed == blob));
}

/// The audit log is append-only in the database itself, not just in the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_rows_cannot_be_changed_in_a_sqlite_file() {
    let db = SqliteFile::new();
    let store = SqliteStore::open(&db.path).await.unwrap();
    append_one_audit_entry(&store).await;
    store.close().await;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.path.display()))
        .await
        .unwrap();
    for sql in ["UPDATE audit SET actor = 'someone else'", "DELETE FROM audit"] {
        let err = sqlx::query(sql).execute(&mut conn).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_rows_cannot_be_changed_in_postgres() {
    let Some(db) = PgSchema::new() else { return };
    let store = db.open().await;
    append_one_audit_entry(store.as_ref()).await;
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    for sql in [
        "UPDATE {} SET actor = 'someone else'",
        "DELETE FROM {}",
        "TRUNCATE {}",
    ] {
        let sql = sql.replace("{}", &format!("{}.audit", db.schema));
        let err = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }
    conn.close().await.unwrap();
}

fn assert_corrupt(result: Result<(), SyncError>) {
    assert!(matches!(result, Err(SyncError::Corrupt { .. })), "{result:?}");
}

/// Rows the store cannot read back are `SyncError::Corrupt`, never a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_sqlite_rows_are_corrupt() {
    let db = SqliteFile::new();
    let store = SqliteStore::open(&db.path).await.unwrap();
    let id = RequestId::new_random();
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.path.display()))
        .await
        .unwrap();
    // An instant out of chrono's range, invalid JSON, a malformed hotel id.
    sqlx::query(
        "INSERT INTO records VALUES ('grand', 'guest', 'g1', 'fp', 'k1', x'00', 9223372036854775807)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO journal VALUES (?1, 'grand', 'post_charge', 'h', x'00', 'k1', 'succeeded', \
         '{not json', 1, NULL, NULL, 0, 0)",
    )
    .bind(id.to_string())
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query("INSERT INTO inbox (hotel, event_id, payload, received_at) VALUES ('grand', 'e1', '{', 0)")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO audit (hotel, action, actor, details, at) VALUES ('Not A Hotel', 'a', 'b', '{}', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();

    let grand = hotel("grand");
    assert_corrupt(store.record(&grand, RecordKind::Guest, "g1").await.map(drop));
    assert_corrupt(store.records(&grand, RecordKind::Guest).await.map(drop));
    assert_corrupt(store.journal_get(id).await.map(drop));
    assert_corrupt(
        store
            .journal_begin(intent(id, "grand", "h", "worker-a", at(0)))
            .await
            .map(drop),
    );
    assert_corrupt(store.inbox_pending(&grand, 10).await.map(drop));
    assert_corrupt(store.inbox_due(&grand, at(0), 10).await.map(drop));
    assert_corrupt(store.audit_query(&AuditFilter::default()).await.map(drop));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_postgres_rows_are_corrupt() {
    let Some(db) = PgSchema::new() else { return };
    let store = db.open().await;
    let id = RequestId::new_random();
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    // The schema name is generated by the test (a UUID): safe to format.
    let journal = format!(
        "INSERT INTO {}.journal VALUES ($1, 'Not A Hotel', 'post_charge', 'h', '\\x00', 'k1', \
         'succeeded', NULL, 1, NULL, NULL, now(), now())",
        db.schema
    );
    sqlx::query(sqlx::AssertSqlSafe(journal))
        .bind(id.as_uuid())
        .execute(&mut conn)
        .await
        .unwrap();
    let audit = format!(
        "INSERT INTO {}.audit (hotel, action, actor, details, at) \
         VALUES ('Not A Hotel', 'a', 'b', '{{}}', now())",
        db.schema
    );
    sqlx::query(sqlx::AssertSqlSafe(audit))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    assert_corrupt(store.journal_get(id).await.map(drop));
    assert_corrupt(store.audit_query(&AuditFilter::default()).await.map(drop));
}

async fn append_one_audit_entry(store: &dyn Store) {
    store
        .audit_append(&NewAuditEntry {
            hotel: hotel("grand"),
            reservation: Some("r1".into()),
            action: "id_verified".into(),
            actor: "kiosk-1".into(),
            request_id: None,
            details: json!({}),
            at: at(0),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn postgres_schema_name_is_validated_before_connecting() {
    // No server needed: the name is refused before any connection is made.
    for schema in ["Public", "x;drop table journal", "a-b", "1abc", ""] {
        let err = PostgresStore::connect_with_schema("postgres://nobody@127.0.0.1:1/none", schema)
            .await
            .unwrap_err();
        assert!(matches!(err, SyncError::Config { .. }), "{schema}: {err:?}");
    }
}

// ---------------------------------------------------------------- flow records
//
// The durable state of pms-flows (housekeeping tasks, internal agenda items):
// versioned records with optimistic concurrency and a list-open query.

/// [`conformance!`] for the flow-record checks (their own modules, so this block
/// stays separate from the list above).
macro_rules! flow_conformance {
    ($($name:ident),* $(,)?) => {
        mod flow_sqlite_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::sqlite_memory().await).await;
                }
            )*
        }
        mod flow_sqlite_file {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::SqliteFile::new();
                    super::$name(db.open().await).await;
                }
            )*
        }
        mod flow_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = super::PgSchema::new() else { return };
                    super::$name(db.open().await).await;
                }
            )*
        }
    };
}

flow_conformance!(
    flow_create_replace_conflict_and_delete,
    flow_list_is_scoped_ordered_and_filters_open,
    flow_concurrent_writers_of_one_version_win_once,
    flow_records_need_a_kind_and_a_key,
    flow_purge_drops_only_old_closed_records_of_the_hotel_and_kind,
);

fn flow_write(
    hotel_id: &str,
    kind: &str,
    key: &str,
    expected_version: Option<i64>,
    open: bool,
    payload: &[u8],
    now: DateTime<Utc>,
) -> pms_sync::store::FlowWrite {
    pms_sync::store::FlowWrite {
        hotel: hotel(hotel_id),
        kind: kind.to_owned(),
        key: key.to_owned(),
        expected_version,
        open,
        key_id: "k1".to_owned(),
        sealed: payload.to_vec(),
        now,
    }
}

#[track_caller]
fn written(put: pms_sync::store::FlowPut) -> pms_sync::store::FlowRecord {
    match put {
        pms_sync::store::FlowPut::Written(record) => record,
        other => panic!("expected Written, got {other:?}"),
    }
}

#[track_caller]
fn conflict(put: pms_sync::store::FlowPut) -> Option<pms_sync::store::FlowRecord> {
    match put {
        pms_sync::store::FlowPut::Conflict(current) => current,
        other => panic!("expected Conflict, got {other:?}"),
    }
}

async fn flow_create_replace_conflict_and_delete(store: Arc<dyn Store>) {
    let task = "housekeeping_task";
    let created = written(
        store
            .flow_put(&flow_write(
                "h1",
                task,
                "room-1:clean",
                None,
                true,
                &[1, 0, 255],
                at(0),
            ))
            .await
            .unwrap(),
    );
    assert_eq!(
        (created.version, created.open, created.sealed.as_slice()),
        (1, true, [1, 0, 255].as_slice())
    );
    assert_eq!((created.created_at, created.updated_at), (at(0), at(0)));
    assert_eq!(
        store.flow_get(&hotel("h1"), task, "room-1:clean").await.unwrap(),
        Some(created.clone())
    );

    // A second create of the same key is refused and shows what is there.
    let again = store
        .flow_put(&flow_write("h1", task, "room-1:clean", None, true, &[2], at(1)))
        .await
        .unwrap();
    assert_eq!(conflict(again), Some(created.clone()));

    // Replacing at the seen version moves the version and keeps the creation instant.
    let closed = written(
        store
            .flow_put(&flow_write(
                "h1",
                task,
                "room-1:clean",
                Some(1),
                false,
                &[3, 3],
                at(5),
            ))
            .await
            .unwrap(),
    );
    assert_eq!(
        (closed.version, closed.open, closed.sealed.as_slice()),
        (2, false, [3, 3].as_slice())
    );
    assert_eq!((closed.created_at, closed.updated_at), (at(0), at(5)));

    // A writer that saw version 1 lost: it is told the current record, nothing changes.
    let stale = store
        .flow_put(&flow_write(
            "h1",
            task,
            "room-1:clean",
            Some(1),
            true,
            &[4],
            at(6),
        ))
        .await
        .unwrap();
    assert_eq!(conflict(stale), Some(closed.clone()));
    assert_eq!(
        store.flow_get(&hotel("h1"), task, "room-1:clean").await.unwrap(),
        Some(closed.clone())
    );

    // Replacing a record that does not exist is a conflict with nothing.
    let missing = store
        .flow_put(&flow_write(
            "h1",
            task,
            "room-2:clean",
            Some(1),
            true,
            &[5],
            at(7),
        ))
        .await
        .unwrap();
    assert_eq!(conflict(missing), None);
    assert_eq!(
        store.flow_get(&hotel("h1"), task, "room-2:clean").await.unwrap(),
        None
    );

    // Deleting needs the current version.
    assert!(
        !store
            .flow_delete(&hotel("h1"), task, "room-1:clean", 1)
            .await
            .unwrap()
    );
    assert!(
        store
            .flow_get(&hotel("h1"), task, "room-1:clean")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .flow_delete(&hotel("h1"), task, "room-1:clean", 2)
            .await
            .unwrap()
    );
    assert_eq!(
        store.flow_get(&hotel("h1"), task, "room-1:clean").await.unwrap(),
        None
    );
    assert!(
        !store
            .flow_delete(&hotel("h1"), task, "room-1:clean", 2)
            .await
            .unwrap()
    );

    // Once deleted, the key can be created again from version 1.
    let reborn = written(
        store
            .flow_put(&flow_write("h1", task, "room-1:clean", None, true, &[6], at(9)))
            .await
            .unwrap(),
    );
    assert_eq!((reborn.version, reborn.created_at), (1, at(9)));
}

async fn flow_list_is_scoped_ordered_and_filters_open(store: Arc<dyn Store>) {
    let put = |hotel_id: &'static str, kind: &'static str, key: &'static str, open: bool, t: i64| {
        let store = store.clone();
        async move {
            written(
                store
                    .flow_put(&flow_write(
                        hotel_id,
                        kind,
                        key,
                        None,
                        open,
                        key.as_bytes(),
                        at(t),
                    ))
                    .await
                    .unwrap(),
            )
        }
    };
    // Created out of key order; "b" and "a" share an instant (ties break by key).
    put("h1", "task", "c", true, 10).await;
    put("h1", "task", "b", true, 5).await;
    put("h1", "task", "a", true, 5).await;
    put("h1", "task", "d", false, 1).await;
    put("h1", "agenda", "x", true, 0).await;
    put("h2", "task", "z", true, 0).await;

    let keys =
        |records: Vec<pms_sync::store::FlowRecord>| records.into_iter().map(|r| r.key).collect::<Vec<_>>();
    assert_eq!(
        keys(store.flow_list(&hotel("h1"), "task", true).await.unwrap()),
        ["a", "b", "c"]
    );
    assert_eq!(
        keys(store.flow_list(&hotel("h1"), "task", false).await.unwrap()),
        ["d", "a", "b", "c"]
    );
    assert_eq!(
        keys(store.flow_list(&hotel("h1"), "agenda", true).await.unwrap()),
        ["x"]
    );
    assert_eq!(
        keys(store.flow_list(&hotel("h2"), "task", true).await.unwrap()),
        ["z"]
    );
    assert!(
        store
            .flow_list(&hotel("h3"), "task", false)
            .await
            .unwrap()
            .is_empty()
    );

    // Closing "b" drops it from the open list, reopening "d" adds it (creation order kept).
    written(
        store
            .flow_put(&flow_write("h1", "task", "b", Some(1), false, b"b2", at(20)))
            .await
            .unwrap(),
    );
    written(
        store
            .flow_put(&flow_write("h1", "task", "d", Some(1), true, b"d2", at(21)))
            .await
            .unwrap(),
    );
    assert_eq!(
        keys(store.flow_list(&hotel("h1"), "task", true).await.unwrap()),
        ["d", "a", "c"]
    );
}

async fn flow_concurrent_writers_of_one_version_win_once(store: Arc<dyn Store>) {
    // Eight creators of one key: one record, at version 1.
    let creates = (0..8u8).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .flow_put(&flow_write(
                    "h1",
                    "task",
                    "room-9:clean",
                    None,
                    true,
                    &[n],
                    at(i64::from(n)),
                ))
                .await
                .unwrap()
        })
    });
    let mut winners = Vec::new();
    for handle in creates {
        if let pms_sync::store::FlowPut::Written(record) = handle.await.unwrap() {
            winners.push(record);
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(
        store
            .flow_get(&hotel("h1"), "task", "room-9:clean")
            .await
            .unwrap(),
        Some(winners[0].clone())
    );

    // Eight writers who all saw version 1: one moves it to 2, the others conflict.
    let updates = (0..8u8).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .flow_put(&flow_write(
                    "h1",
                    "task",
                    "room-9:clean",
                    Some(1),
                    false,
                    &[100 + n],
                    at(50),
                ))
                .await
                .unwrap()
        })
    });
    let mut updated = 0;
    for handle in updates {
        match handle.await.unwrap() {
            pms_sync::store::FlowPut::Written(record) => {
                assert_eq!(record.version, 2);
                updated += 1;
            }
            pms_sync::store::FlowPut::Conflict(current) => {
                assert_eq!(current.map(|c| c.version), Some(2));
            }
        }
    }
    assert_eq!(updated, 1);
}

async fn flow_records_need_a_kind_and_a_key(store: Arc<dyn Store>) {
    for (kind, key) in [("", "k"), ("task", "")] {
        let refused = store
            .flow_put(&flow_write("h1", kind, key, None, true, &[1], at(0)))
            .await;
        assert!(matches!(refused, Err(SyncError::Store(_))), "{refused:?}");
    }
    assert!(
        store
            .flow_list(&hotel("h1"), "task", false)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn flow_purge_drops_only_old_closed_records_of_the_hotel_and_kind(store: Arc<dyn Store>) {
    let put = |hotel_id: &'static str, kind: &'static str, key: &'static str, open: bool, t: i64| {
        let store = store.clone();
        async move {
            written(
                store
                    .flow_put(&flow_write(
                        hotel_id,
                        kind,
                        key,
                        None,
                        open,
                        key.as_bytes(),
                        at(t),
                    ))
                    .await
                    .unwrap(),
            )
        }
    };
    put("h1", "task", "old-closed", false, 0).await;
    put("h1", "task", "old-open", true, 0).await;
    put("h1", "task", "new-closed", false, 100).await;
    put("h1", "notice", "old-closed", false, 0).await;
    put("h2", "task", "old-closed", false, 0).await;

    assert_eq!(store.flow_purge(&hotel("h1"), "task", at(50)).await.unwrap(), 1);
    let keys =
        |records: Vec<pms_sync::store::FlowRecord>| records.into_iter().map(|r| r.key).collect::<Vec<_>>();
    assert_eq!(
        keys(store.flow_list(&hotel("h1"), "task", false).await.unwrap()),
        ["old-open", "new-closed"]
    );
    assert_eq!(
        keys(store.flow_list(&hotel("h1"), "notice", false).await.unwrap()),
        ["old-closed"]
    );
    assert_eq!(
        keys(store.flow_list(&hotel("h2"), "task", false).await.unwrap()),
        ["old-closed"]
    );
    // The cutoff is exclusive and a second purge finds nothing more.
    assert_eq!(store.flow_purge(&hotel("h1"), "task", at(100)).await.unwrap(), 0);
    assert_eq!(store.flow_purge(&hotel("h1"), "task", at(101)).await.unwrap(), 1);
}
