//! `serve_webhooks` against clients that hold connections: they open and
//! idle, trickle a head or a body, or open more connections than allowed.
//! Raw TCP, short configured timeouts, and assertions on the outcome (closed,
//! or answered with the right status). The outer timeouts only guard against
//! a hang; nothing here measures time.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use pms_sync::{ServeLimits, serve_webhooks};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest any test waits for the server to act before failing.
const HANG_GUARD: Duration = Duration::from_secs(60);

fn short_limits() -> ServeLimits {
    ServeLimits {
        header_read_timeout: Duration::from_millis(300),
        body_read_timeout: Duration::from_millis(300),
        max_body_bytes: 1024,
        max_connections: 64,
        shutdown_grace: Duration::from_secs(1),
    }
}

async fn server(limits: ServeLimits) -> SocketAddr {
    let router = Router::new().route("/echo", post(|body: Bytes| async move { body.len().to_string() }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_webhooks(listener, router, limits, std::future::pending()));
    addr
}

/// Reads until the server closes the connection; what it sent before.
/// A reset counts as closed too.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let read = async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(HANG_GUARD, read)
        .await
        .expect("the server never closed the connection");
    String::from_utf8_lossy(&seen).into_owned()
}

fn request(body: &str) -> String {
    format!(
        "POST /echo HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let addr = server(short_limits()).await;
    let mut idle = TcpStream::connect(addr).await.unwrap();
    assert_eq!(until_closed(&mut idle).await, "", "closed without an answer");
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_once_idle() {
    let addr = server(short_limits()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request("{}").as_bytes()).await.unwrap();
    let answered = until_closed(&mut stream).await;
    assert!(answered.starts_with("HTTP/1.1 200 "), "{answered}");
    assert!(
        answered.ends_with("\r\n\r\n2"),
        "one answer, then closed when idle: {answered}"
    );
}

#[tokio::test]
async fn a_trickled_request_head_is_cut_off() {
    let addr = server(short_limits()).await;
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(b"POST /echo HTTP/1.1\r\nhost: test\r\n")
        .await
        .unwrap();
    // One header byte every 50 ms, forever, until the server hangs up.
    let trickle = tokio::spawn(async move {
        loop {
            if writer.write_all(b"x").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut buf = [0u8; 256];
    let outcome = tokio::time::timeout(HANG_GUARD, reader.read(&mut buf))
        .await
        .expect("a trickled head kept the connection open");
    assert!(
        matches!(outcome, Ok(0) | Err(_)),
        "closed without an answer: {outcome:?}"
    );
    trickle.abort();
}

#[tokio::test]
async fn a_trickled_body_is_answered_408_and_closed() {
    let addr = server(short_limits()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 100\r\n\r\n{\"a\":")
        .await
        .unwrap();
    let answered = until_closed(&mut stream).await;
    assert!(answered.starts_with("HTTP/1.1 408 "), "{answered}");
}

#[tokio::test]
async fn bodies_over_the_limit_are_answered_413() {
    let addr = server(short_limits()).await;
    let big = "x".repeat(2000);
    let mut declared = TcpStream::connect(addr).await.unwrap();
    declared.write_all(request(&big).as_bytes()).await.unwrap();
    let answered = until_closed(&mut declared).await;
    assert!(answered.starts_with("HTTP/1.1 413 "), "{answered}");

    let mut chunked = TcpStream::connect(addr).await.unwrap();
    let head = "POST /echo HTTP/1.1\r\nhost: test\r\ntransfer-encoding: chunked\r\n\r\n";
    let body = format!("{:x}\r\n{big}\r\n0\r\n\r\n", big.len());
    chunked
        .write_all(format!("{head}{body}").as_bytes())
        .await
        .unwrap();
    let answered = until_closed(&mut chunked).await;
    assert!(answered.starts_with("HTTP/1.1 413 "), "{answered}");
}

#[tokio::test]
async fn connections_past_the_limit_are_refused_with_503() {
    let limits = ServeLimits {
        // Long enough that the held connections stay open for the whole test.
        header_read_timeout: Duration::from_secs(300),
        max_connections: 3,
        ..short_limits()
    };
    let addr = server(limits).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // Accepted in order: the fourth finds every slot taken.
    let mut extra = TcpStream::connect(addr).await.unwrap();
    let answered = until_closed(&mut extra).await;
    assert!(answered.starts_with("HTTP/1.1 503 "), "{answered}");
    assert!(
        answered.to_ascii_lowercase().contains("retry-after: 1"),
        "{answered}"
    );

    // The held ones are still served.
    held[0].write_all(request("{}").as_bytes()).await.unwrap();
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(HANG_GUARD, held[0].read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200 "));

    // A slot frees when a connection closes; a new one is then served.
    drop(held.remove(1));
    let served = async {
        loop {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(request("{}").as_bytes()).await.unwrap();
            let mut buf = [0u8; 512];
            let n = stream.read(&mut buf).await.unwrap_or(0);
            if String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200 ") {
                break;
            }
            // Refused: the server has not seen the close yet.
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(HANG_GUARD, served)
        .await
        .expect("no slot came free");
}

#[tokio::test]
async fn shutdown_stops_accepting_and_returns() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = Router::new().route("/echo", post(|body: Bytes| async move { body.len().to_string() }));
    let serving = tokio::spawn(serve_webhooks(listener, router, short_limits(), async move {
        let _ = stopped.await;
    }));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request("{}").as_bytes()).await.unwrap();
    let mut buf = [0u8; 512];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200 "));
    stop.send(()).unwrap();
    tokio::time::timeout(HANG_GUARD, serving)
        .await
        .expect("serve_webhooks did not return after shutdown")
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "the listener is closed");
}
