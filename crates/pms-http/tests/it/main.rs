//! pms-http against a scripted loopback server: bounded and slow bodies,
//! `Retry-After` forms, the read-retry schedule in virtual time, writes
//! never resent, never-sent vs maybe-sent, the gate and the status table.
#![allow(clippy::unwrap_used)] // tests may unwrap, helpers included

mod server;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use futures::future::BoxFuture;
use pms_core::{Clock, ErrorKind, Gate, GateAnswer, ManualClock, PmsKind, RetryPolicy, VirtualSleeper};
use pms_http::{Answer, Body, Bytes, Call, Method, Rules, Transport, TransportError};
use pretty_assertions::assert_eq;

use server::{Reply, Server};

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
    ))
}

/// Five attempts, 100 ms doubling up to 1 s, two minutes in all.
fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(1),
        max_elapsed: Duration::from_secs(120),
    }
}

/// A transport in virtual time: real sockets and timeout, virtual waits.
fn transport(retry: RetryPolicy) -> (Transport, VirtualSleeper) {
    let clock = clock();
    let sleeper = VirtualSleeper::new(clock.clone());
    let transport = Transport::builder()
        .clock(clock)
        .sleeper(Arc::new(sleeper.clone()))
        .retry(retry)
        .seed(42)
        .timeout(Duration::from_secs(5))
        .rules(Rules::new(PmsKind::Mews, Some("Request-Id")))
        .build()
        .unwrap();
    (transport, sleeper)
}

fn read(server: &Server) -> Call {
    Call::new(
        "things/getAll",
        Method::GET,
        server.url.join("things").unwrap(),
        false,
    )
}

fn write(server: &Server) -> Call {
    Call::new(
        "things/add",
        Method::POST,
        server.url.join("things").unwrap(),
        true,
    )
    .with_body(Body::Json(Bytes::from_static(br#"{"Name":"x"}"#)))
}

#[tokio::test]
async fn an_answer_comes_back_whole_with_its_request_id() {
    let server = Server::start(vec![
        Reply::body(200, r#"{"Things":[]}"#).header("Request-Id", "req-1"),
    ])
    .await;
    let (transport, sleeper) = transport(policy());
    let answer = transport.send(read(&server)).await.unwrap();
    assert_eq!(answer.code(), 200);
    assert_eq!(&answer.bytes[..], br#"{"Things":[]}"#);
    assert_eq!(answer.request_id.as_deref(), Some("req-1"));
    assert_eq!(answer.retry_after, None);
    assert_eq!(server.hits(), 1);
    assert!(sleeper.slept().is_empty());
}

#[tokio::test]
async fn bodies_carry_their_content_type_unless_the_call_names_one() {
    let server = Server::start(vec![Reply::status(200), Reply::status(200), Reply::status(200)]).await;
    let (transport, _) = transport(policy());
    transport.send(write(&server)).await.unwrap();
    let form = Call::new("f", Method::POST, server.url.clone(), true).with_body(Body::form([("a", "b c")]));
    transport.send(form).await.unwrap();
    let mut soap = Call::new("s", Method::POST, server.url.clone(), true)
        .with_body(Body::Xml(Bytes::from_static(b"<x/>")));
    soap.headers
        .insert("content-type", "application/soap+xml".parse().unwrap());
    transport.send(soap).await.unwrap();
    let seen = server.seen();
    assert_eq!(
        seen[0].header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(seen[0].body, br#"{"Name":"x"}"#);
    assert_eq!(
        seen[1].header("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(seen[1].body, b"a=b+c");
    assert_eq!(
        seen[2].header("content-type").as_deref(),
        Some("application/soap+xml")
    );
}

#[tokio::test]
async fn an_oversized_content_length_is_refused_before_the_body() {
    // 1 MiB announced against a 1 KiB limit: refused on the headers, and
    // not resent (the answer will not shrink).
    let server = Server::start(vec![Reply::Trickle {
        status: 200,
        length: Some(1 << 20),
        pieces: vec![vec![b'x'; 16]],
        pause: Duration::ZERO,
    }])
    .await;
    let clock = clock();
    let transport = Transport::builder()
        .clock(clock.clone())
        .sleeper(Arc::new(VirtualSleeper::new(clock)))
        .retry(policy())
        .body_limit(1024)
        .build()
        .unwrap();
    let err = transport.send(read(&server)).await.unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::TooLarge {
                limit: 1024,
                status: 200,
                write: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Vendor);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_chunked_body_is_cut_at_the_limit() {
    // No Content-Length: the body is counted while it streams.
    let server = Server::start(vec![Reply::Trickle {
        status: 200,
        length: None,
        pieces: vec![vec![b'x'; 600], vec![b'y'; 600]],
        pause: Duration::ZERO,
    }])
    .await;
    let transport = Transport::builder().body_limit(1000).build().unwrap();
    let err = transport.send(write(&server)).await.unwrap_err();
    assert!(
        matches!(err, TransportError::TooLarge { write: true, .. }),
        "{err:?}"
    );
    // A write answered 2xx that we cannot read was applied: outcome unknown.
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
}

#[tokio::test]
async fn a_body_at_the_limit_is_read() {
    let body = "z".repeat(1000);
    let server = Server::start(vec![Reply::body(200, &body)]).await;
    let transport = Transport::builder().body_limit(1000).build().unwrap();
    let answer = transport.send(read(&server)).await.unwrap();
    assert_eq!(answer.bytes.len(), 1000);
}

#[tokio::test]
async fn a_slow_body_times_out_and_a_write_is_maybe_sent() {
    // Headers at once, then the body slower than the timeout: the write
    // reached the vendor, whose answer never completed.
    let server = Server::start(vec![Reply::Trickle {
        status: 200,
        length: Some(20),
        pieces: vec![b"0123456789".to_vec(), b"0123456789".to_vec()],
        pause: Duration::from_secs(3),
    }])
    .await;
    let transport = Transport::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = transport.send(write(&server)).await.unwrap_err();
    let TransportError::MaybeSent {
        write,
        status,
        reason,
        ..
    } = &err
    else {
        panic!("maybe sent: {err:?}");
    };
    assert!(write);
    assert_eq!(*status, Some(200));
    assert!(reason.contains("timed out"), "{reason}");
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_slow_read_is_sent_again_then_answers() {
    let server = Server::start(vec![
        Reply::Trickle {
            status: 200,
            length: Some(4),
            pieces: vec![b"ab".to_vec(), b"cd".to_vec()],
            pause: Duration::from_secs(3),
        },
        Reply::body(200, "done"),
    ])
    .await;
    let clock = clock();
    let sleeper = VirtualSleeper::new(clock.clone());
    let transport = Transport::builder()
        .clock(clock)
        .sleeper(Arc::new(sleeper.clone()))
        .retry(policy())
        .seed(1)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let answer = transport.send(read(&server)).await.unwrap();
    assert_eq!(&answer.bytes[..], b"done");
    assert_eq!(server.hits(), 2);
    assert_eq!(sleeper.slept().len(), 1);
}

#[tokio::test]
async fn retry_after_in_seconds_and_as_an_http_date_on_the_injected_clock() {
    // The transport's clock says 2026-03-01 12:00:00 UTC.
    let server = Server::start(vec![
        Reply::status(429).header("Retry-After", "7"),
        Reply::status(429).header("Retry-After", "Sun, 01 Mar 2026 12:00:30 GMT"),
        Reply::status(429).header("Retry-After", "Sunday, 01-Mar-26 12:00:10 GMT"),
        Reply::status(429).header("Retry-After", "Sun Mar  1 11:00:00 2026"),
        Reply::status(429).header("Retry-After", "later"),
    ])
    .await;
    let (transport, _) = transport(RetryPolicy::never());
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(transport.send(read(&server)).await.unwrap().retry_after);
    }
    assert_eq!(
        got,
        [
            Some(Duration::from_secs(7)),
            Some(Duration::from_secs(30)),
            Some(Duration::from_secs(10)),
            Some(Duration::ZERO),
            None,
        ]
    );
}

#[tokio::test]
async fn the_read_retry_schedule_runs_in_virtual_time() {
    // 503, 502, 429 (Retry-After 5), then 200: three waits, each within
    // its doubling cap (100, 200, 400 ms), the 429's at least 5 s.
    let server = Server::start(vec![
        Reply::status(503),
        Reply::status(502),
        Reply::status(429).header("Retry-After", "5"),
        Reply::body(200, "ok"),
    ])
    .await;
    let (first, sleeper) = transport(policy());
    let started = sleeper.clock().now();
    let answer = first.send(read(&server)).await.unwrap();
    assert_eq!(answer.code(), 200);
    assert_eq!(server.hits(), 4);
    let slept = sleeper.slept();
    assert_eq!(slept.len(), 3, "{slept:?}");
    assert!(slept[0] <= Duration::from_millis(100), "{slept:?}");
    assert!(slept[1] <= Duration::from_millis(200), "{slept:?}");
    assert!(slept[2] >= Duration::from_secs(5), "{slept:?}");
    // Virtual: the clock moved by exactly the waits, no real time was spent on them.
    let moved = (sleeper.clock().now() - started).to_std().unwrap();
    assert_eq!(moved, slept.iter().sum::<Duration>());

    // The same seed gives the same schedule.
    let again = Server::start(vec![
        Reply::status(503),
        Reply::status(502),
        Reply::status(429).header("Retry-After", "5"),
        Reply::body(200, "ok"),
    ])
    .await;
    let (second, replay) = transport(policy());
    second.send(read(&again)).await.unwrap();
    assert_eq!(replay.slept(), slept);
}

#[tokio::test]
async fn a_read_that_keeps_failing_returns_its_last_answer_after_max_attempts() {
    let server = Server::start(vec![Reply::status(500); 8]).await;
    let (transport, sleeper) = transport(policy());
    let answer = transport.send(read(&server)).await.unwrap();
    assert_eq!(answer.code(), 500);
    assert_eq!(server.hits(), 5);
    assert_eq!(sleeper.slept().len(), 4);
}

#[tokio::test]
async fn the_retry_budget_stops_a_retry_after_past_it() {
    // Retry-After 600 s against a two-minute budget: no wait, one attempt.
    let server = Server::start(vec![Reply::status(429).header("Retry-After", "600")]).await;
    let (transport, sleeper) = transport(policy());
    let answer = transport.send(read(&server)).await.unwrap();
    assert_eq!(answer.code(), 429);
    assert_eq!(answer.retry_after, Some(Duration::from_secs(600)));
    assert_eq!(server.hits(), 1);
    assert!(sleeper.slept().is_empty());
}

#[tokio::test]
async fn final_statuses_are_not_resent() {
    for status in [400, 401, 403, 404, 409, 422] {
        let server = Server::start(vec![Reply::status(status)]).await;
        let (transport, sleeper) = transport(policy());
        let answer = transport.send(read(&server)).await.unwrap();
        assert_eq!(answer.code(), status);
        assert_eq!(server.hits(), 1, "{status}");
        assert!(sleeper.slept().is_empty());
    }
}

#[tokio::test]
async fn writes_are_never_resent() {
    // A 503, a reset after the request left, and a timeout: each sent once.
    let server = Server::start(vec![
        Reply::status(503),
        Reply::Close,
        Reply::Trickle {
            status: 200,
            length: Some(2),
            pieces: vec![b"ok".to_vec()],
            pause: Duration::from_secs(3),
        },
    ])
    .await;
    let clock = clock();
    let sleeper = VirtualSleeper::new(clock.clone());
    let transport = Transport::builder()
        .clock(clock)
        .sleeper(Arc::new(sleeper.clone()))
        .retry(policy())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    assert_eq!(transport.send(write(&server)).await.unwrap().code(), 503);
    assert_eq!(server.hits(), 1);
    let reset = transport.send(write(&server)).await.unwrap_err();
    assert!(
        matches!(
            reset,
            TransportError::MaybeSent {
                write: true,
                status: None,
                ..
            }
        ),
        "{reset:?}"
    );
    assert_eq!(reset.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(server.hits(), 2);
    let timeout = transport.send(write(&server)).await.unwrap_err();
    assert_eq!(timeout.kind(), ErrorKind::OutcomeUnknown, "{timeout:?}");
    assert_eq!(server.hits(), 3);
    assert!(sleeper.slept().is_empty());
}

#[tokio::test]
async fn a_connection_refused_is_never_sent() {
    // Bind and drop: nothing listens on the port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}/api/things")).unwrap();
    let (transport, sleeper) = transport(policy());
    let write = Call::new("things/add", Method::POST, url.clone(), true);
    let err = transport.send(write).await.unwrap_err();
    assert!(err.never_sent(), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(
        sleeper.slept().is_empty(),
        "a write is not resent even when it never left"
    );

    // A read is: five attempts, four waits.
    let err = transport
        .send(Call::new("things/getAll", Method::GET, url, false))
        .await
        .unwrap_err();
    assert!(err.never_sent(), "{err:?}");
    assert_eq!(sleeper.slept().len(), 4);
}

#[tokio::test]
async fn a_reset_read_is_maybe_sent_and_transient() {
    let server = Server::start(vec![Reply::Close, Reply::Close]).await;
    let (transport, sleeper) = transport(RetryPolicy {
        max_attempts: 2,
        ..policy()
    });
    let err = transport.send(read(&server)).await.unwrap_err();
    assert!(
        matches!(err, TransportError::MaybeSent { write: false, .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert_eq!(server.hits(), 2);
    assert_eq!(sleeper.slept().len(), 1);
}

/// A 200 whose body says "busy" is a transient failure of this vendor.
fn busy_is_transient(answer: &Answer) -> Option<ErrorKind> {
    if &answer.bytes[..] == b"busy" {
        return Some(ErrorKind::Transient);
    }
    match answer.code() {
        // This vendor's 503 is a maintenance page that lasts hours.
        503 => None,
        _ => pms_http::standard_read_failure(answer),
    }
}

#[tokio::test]
async fn the_connector_status_table_decides_what_is_resent() {
    let server = Server::start(vec![
        Reply::body(200, "busy"),
        Reply::body(200, "fine"),
        Reply::status(503),
    ])
    .await;
    let (transport, sleeper) = transport(policy());
    let transport =
        transport.with_rules(Rules::new(PmsKind::Cloudbeds, None).read_failure(busy_is_transient));
    let answer = transport.send(read(&server)).await.unwrap();
    assert_eq!(&answer.bytes[..], b"fine");
    assert_eq!(server.hits(), 2);
    assert_eq!(sleeper.slept().len(), 1);
    let answer = transport.send(read(&server)).await.unwrap();
    assert_eq!(answer.code(), 503);
    assert_eq!(server.hits(), 3);
}

/// A gate that records what it is asked and told.
#[derive(Debug, Default)]
struct Recording {
    admitted: Mutex<Vec<bool>>,
    answered: Mutex<Vec<GateAnswer>>,
}

impl Gate for Recording {
    fn admit(&self, write: bool) -> BoxFuture<'_, ()> {
        self.admitted.lock().unwrap().push(write);
        Box::pin(async {})
    }

    fn answered(&self, answer: GateAnswer) {
        self.answered.lock().unwrap().push(answer);
    }
}

#[tokio::test]
async fn the_gate_admits_every_attempt_and_hears_every_answer() {
    let server = Server::start(vec![
        Reply::status(429).header("Retry-After", "2"),
        Reply::body(200, "ok"),
        Reply::Close,
    ])
    .await;
    let gate = Arc::new(Recording::default());
    let clock = clock();
    let transport = Transport::builder()
        .clock(clock.clone())
        .sleeper(Arc::new(VirtualSleeper::new(clock)))
        .retry(policy())
        .gate(gate.clone())
        .build()
        .unwrap();
    transport.send(read(&server)).await.unwrap();
    transport.send(write(&server)).await.unwrap_err();
    assert_eq!(*gate.admitted.lock().unwrap(), [false, false, true]);
    assert_eq!(
        *gate.answered.lock().unwrap(),
        [
            GateAnswer {
                status: Some(429),
                retry_after: Some(Duration::from_secs(2)),
            },
            GateAnswer {
                status: Some(200),
                retry_after: None,
            },
            GateAnswer::default(),
        ]
    );
}

#[tokio::test]
async fn a_shared_client_keeps_the_transport_timeout() {
    // The caller's client has no timeout; the transport's applies per request.
    let server = Server::start(vec![Reply::Trickle {
        status: 200,
        length: Some(2),
        pieces: vec![b"ok".to_vec()],
        pause: Duration::from_secs(3),
    }])
    .await;
    let transport = Transport::builder()
        .http_client(reqwest::Client::new())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = transport.send(write(&server)).await.unwrap_err();
    assert!(err.reason().contains("timed out"), "{err:?}");
}
