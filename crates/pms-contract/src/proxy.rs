//! A recording HTTP proxy on loopback: a client under test is pointed at
//! it, it forwards every request unchanged to the real server (a
//! simulator), and it keeps each request with its answer for the schema
//! checks. Bodies are held whole (bounded by [`MAX_BODY`]).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response as AxumResponse;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::http::{Exchange, Request, Response};

/// Largest request or answer body the proxy forwards.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// Hop-by-hop headers and those the forwarding recomputes.
const NOT_FORWARDED: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "keep-alive",
];

struct Shared {
    upstream: String,
    http: reqwest::Client,
    exchanges: Mutex<Vec<Exchange>>,
}

/// A running recording proxy.
pub struct Recorder {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("addr", &self.addr)
            .field("upstream", &self.shared.upstream)
            .finish_non_exhaustive()
    }
}

fn origin(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split('/').next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        None => url.trim_end_matches('/').to_owned(),
    }
}

impl Recorder {
    /// Starts a proxy on `127.0.0.1` forwarding to the origin of `upstream`
    /// (`http://127.0.0.1:PORT`; any path in it is ignored: paths are
    /// forwarded as requested).
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            upstream: origin(upstream),
            http,
            exchanges: Mutex::new(Vec::new()),
        });
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let app = Router::new().fallback(forward).with_state(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Recorder {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `url` (a base URL of the upstream) with the proxy's origin instead.
    pub fn rebase(&self, url: &str) -> String {
        let upstream = origin(url);
        format!("{}{}", self.origin(), &url[upstream.len()..])
    }

    /// Every exchange recorded so far, oldest first; the log is emptied.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.shared.exchanges.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Stops the proxy.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn headers_of(map: &http::HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn bad_gateway(message: String) -> AxumResponse {
    let mut response = AxumResponse::new(Body::from(message));
    *response.status_mut() = http::StatusCode::BAD_GATEWAY;
    response
}

async fn forward(State(shared): State<Arc<Shared>>, request: axum::extract::Request) -> AxumResponse {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return bad_gateway(format!("request body: {e}")),
    };
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("{}{path_and_query}", shared.upstream);
    let mut outgoing = shared.http.request(parts.method.clone(), &url);
    for (name, value) in &parts.headers {
        if !NOT_FORWARDED.contains(&name.as_str()) {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = match outgoing.body(body.clone()).send().await {
        Ok(a) => a,
        Err(e) => return bad_gateway(format!("upstream: {e}")),
    };
    let status = answer.status();
    let answer_headers = answer.headers().clone();
    let answer_body = match answer.bytes().await {
        Ok(b) if b.len() <= MAX_BODY => b,
        Ok(_) => return bad_gateway("upstream answer too large".into()),
        Err(e) => return bad_gateway(format!("upstream body: {e}")),
    };
    let exchange = Exchange {
        request: Request {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().unwrap_or_default().to_owned(),
            headers: headers_of(&parts.headers),
            body: body.to_vec(),
        },
        response: Response {
            status: status.as_u16(),
            headers: headers_of(&answer_headers),
            body: answer_body.to_vec(),
        },
    };
    shared
        .exchanges
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(exchange);
    let mut response = AxumResponse::new(Body::from(answer_body));
    *response.status_mut() = status;
    for (name, value) in &answer_headers {
        if !NOT_FORWARDED.contains(&name.as_str()) {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}
