//! `SqliteStore::open_url`: a `sqlite:` URL's query is SQLite's URI options,
//! never part of the file name, and `mode=ro` opens the file read-only.
#![allow(clippy::unwrap_used)]

use chrono::Utc;
use pms_core::HotelId;
use pms_sync::SqliteStore;
use pms_sync::store::{AuditFilter, AuditStore, NewAuditEntry};

fn entry(action: &str) -> NewAuditEntry {
    NewAuditEntry {
        hotel: HotelId::new("grand").unwrap(),
        reservation: None,
        action: action.into(),
        actor: "test".into(),
        request_id: None,
        details: serde_json::json!({}),
        at: Utc::now(),
    }
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn mode_ro_opens_the_file_read_only_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pms.db");
    let rw = SqliteStore::open_url(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    rw.audit_append(&entry("key_activated")).await.unwrap();
    rw.close().await;

    let ro = SqliteStore::open_url(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let read = ro.audit_query(&AuditFilter::default()).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].entry.action, "key_activated");
    let err = ro.audit_append(&entry("charge_posted")).await.unwrap_err();
    assert!(err.to_string().contains("readonly"), "{err}");
    ro.close().await;

    // The query never became part of a file name.
    assert!(
        names(dir.path()).iter().all(|n| !n.contains('?')),
        "{:?}",
        names(dir.path())
    );
    // Nothing was written through the read-only handle.
    let rw = SqliteStore::open(&path).await.unwrap();
    assert_eq!(rw.audit_query(&AuditFilter::default()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_missing_file_in_mode_ro_or_rw_is_an_error_and_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    for mode in ["ro", "rw"] {
        let url = format!("sqlite://{}?mode={mode}", dir.path().join("absent.db").display());
        let err = SqliteStore::open_url(&url).await.unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{mode}: {err}");
        assert!(!err.to_string().contains("absent.db"), "{err}");
    }
    assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
}

#[tokio::test]
async fn mode_rwc_and_no_mode_create_the_file_and_bad_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, query) in [
        ("a.db", ""),
        ("b.db", "?mode=rwc"),
        ("c.db", "?mode=rwc&cache=private"),
    ] {
        let url = format!("sqlite://{}{query}", dir.path().join(name).display());
        let store = SqliteStore::open_url(&url).await.unwrap();
        store.audit_append(&entry("key_activated")).await.unwrap();
        store.close().await;
    }
    let files: Vec<String> = names(dir.path())
        .into_iter()
        .filter(|n| n.ends_with(".db"))
        .collect();
    assert_eq!(files, ["a.db", "b.db", "c.db"]);
    for query in ["?mode=memory", "?mode=rx", "?nosuch=1"] {
        let url = format!("sqlite://{}{query}", dir.path().join("d.db").display());
        assert!(SqliteStore::open_url(&url).await.is_err(), "{query}");
    }
    assert!(!dir.path().join("d.db").exists());
}

#[tokio::test]
async fn mode_ro_refuses_a_file_that_is_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    // An empty SQLite file: no pms-sync schema, and a read-only handle cannot add one.
    std::fs::write(&path, b"").unwrap();
    let err = SqliteStore::open_url(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a pms-sync store"), "{err}");
}
