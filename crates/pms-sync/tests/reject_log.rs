//! Rejected deliveries are logged at most once per hotel and reason per
//! interval (on the receiver's injected clock), each line counting the ones
//! it stands for, so a vendor retrying with a stale token cannot flood the logs.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use pms_core::{HotelId, ManualClock, PmsKind};
use pms_sync::store::Store;
use pms_sync::{FnWebhookSource, SqliteStore, WebhookReceiver, WebhookRequest, WebhookSource};
use secrecy::SecretString;

const TOKEN: &str = "reject-log-test-token-77a1";

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

/// Collects what the fmt subscriber writes.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn matching(&self, needle: &str) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

// Current-thread runtime: the server task runs on this thread, under the
// thread-local subscriber set below.
#[tokio::test]
async fn rejections_log_one_line_per_hotel_and_reason_per_interval() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let clock = Arc::new(ManualClock::new(Utc::now()));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let token = SecretString::from(TOKEN.to_owned());
    let source = FnWebhookSource::new(PmsKind::Mews, move |request: &WebhookRequest, at| {
        pms_mews::verify_token(request.query.as_deref(), &token)?;
        Ok(pms_mews::parse_webhook(&request.body, &hotel(), at)?
            .events()
            .to_vec())
    });
    let router = WebhookReceiver::new(
        store,
        HashMap::from([(hotel(), Arc::new(source) as Arc<dyn WebhookSource>)]),
        clock.clone(),
        Arc::new(tokio::sync::Notify::new()),
    )
    .reject_log_interval(Duration::from_secs(60))
    .router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();
    let post = |query: &'static str, content_type: &'static str| {
        client
            .post(format!("{base}/webhooks/grand?{query}"))
            .header("content-type", content_type)
            .body(r#"{"Events":[]}"#)
            .send()
    };

    for _ in 0..50 {
        assert_eq!(
            post("Token=stale", "application/json").await.unwrap().status(),
            401
        );
    }
    for _ in 0..5 {
        assert_eq!(post("Token=stale", "text/plain").await.unwrap().status(), 415);
    }
    let rejected = lines.matching("webhook rejected");
    assert_eq!(rejected.len(), 2, "one line per reason: {rejected:#?}");
    assert!(
        rejected[0].contains("reason=\"auth\"") && rejected[0].contains("suppressed=0"),
        "{}",
        rejected[0]
    );
    assert!(rejected[1].contains("reason=\"content_type\""), "{}", rejected[1]);

    // Within the interval: still nothing new.
    clock.advance(chrono::Duration::seconds(59));
    post("Token=stale", "application/json").await.unwrap();
    assert_eq!(lines.matching("webhook rejected").len(), 2);
    // After it: one line standing for the 50 not logged.
    clock.advance(chrono::Duration::seconds(1));
    post("Token=stale", "application/json").await.unwrap();
    let rejected = lines.matching("webhook rejected");
    assert_eq!(rejected.len(), 3, "{rejected:#?}");
    assert!(
        rejected[2].contains("reason=\"auth\"") && rejected[2].contains("suppressed=50"),
        "{}",
        rejected[2]
    );
    assert!(
        !rejected.iter().any(|l| l.contains("stale")),
        "the presented token is never logged"
    );
}
