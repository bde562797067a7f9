//! The HTTP layer behind a trait: [`ReqwestTransport`] by default, [`SimTransport`] (feature
//! `sim`) for the simulator in-process, or the user's own stack.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crmcom_netflix::{Method, Verb};

use crate::error::redact;

/// A boxed future, as [`Transport::send`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One HTTP exchange for a transport to carry out. `Debug` shows neither the URL's query, nor the
/// body, nor the headers: they carry the token or the Web API key.
#[derive(Clone)]
pub struct HttpRequest {
    /// The API method.
    pub method: Method,
    /// GET or POST.
    pub verb: Verb,
    /// The full URL; a GET carries the token in its query string.
    pub url: String,
    /// The method path relative to `.../crmapi/rest/v2/` (`"netflix/charges/list"`).
    pub path: &'static str,
    /// The query pairs of a GET (decoded; token first), empty for a POST.
    pub query: Vec<(String, String)>,
    /// The JSON body of a POST (it carries the token), `None` for a GET.
    pub body: Option<Vec<u8>>,
    /// Headers to send, every one of them: `Accept`, `User-Agent`, `Content-Type` for a POST,
    /// and the core's (`Authorization` carries the Web API key of a key login: a secret).
    pub headers: Vec<(String, String)>,
    /// How long this attempt may take, connection included. The client enforces it too.
    pub timeout: Duration,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("verb", &self.verb)
            .field("path", &self.path)
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("<{} bytes>", b.len())),
            )
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What the server answered, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers (names in lower case).
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// An answer with a status and a body, without headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What went wrong in a transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportErrorKind {
    /// The connection could not be opened (refused, no route, DNS, TLS handshake): the request
    /// did not reach the server.
    Connect,
    /// Opening the connection took too long: the request did not reach the server.
    ConnectTimeout,
    /// The attempt took too long after the request went out.
    Timeout,
    /// The connection failed after the request went out (reset, closed early).
    Io,
    /// The response body was cut off or unreadable.
    Body,
}

/// A failed exchange: no (whole) answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// A sentence; never a URL with its query, never a secret.
    pub message: String,
}

impl TransportError {
    /// A failure of `kind`; URLs' query strings are removed from `message`.
    pub fn new(kind: TransportErrorKind, message: impl AsRef<str>) -> TransportError {
        TransportError {
            kind,
            message: redact(message.as_ref(), &[]),
        }
    }

    /// Whether the request may have reached the server (`false`: it certainly did not, so
    /// sending it again cannot do anything twice).
    pub fn reached_server(&self) -> bool {
        !matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::ConnectTimeout
        )
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {}

/// Carries out one HTTP exchange. Return every answer that came, whatever its status (the
/// client reads error envelopes of 4xx and 5xx answers); return a [`TransportError`] when no
/// whole answer came, saying whether the request may have reached the server.
///
/// A blocking stack can implement it too: do the blocking work inside the future (the blocking
/// [`Client`](crate::blocking::Client) runs on a runtime of its own).
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` and reads the whole answer.
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> BoxFuture<'a, Result<HttpResponse, TransportError>>;
}

/// The default transport: reqwest with rustls (the platform's root certificates), HTTP/1.1 and
/// HTTP/2, no proxy unless configured on the `reqwest::Client` given to
/// [`ReqwestTransport::with_client`].
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport whose connections open within `connect_timeout`.
    pub fn new(connect_timeout: Duration) -> Result<ReqwestTransport, TransportError> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .no_proxy()
            .build()
            .map_err(|e| TransportError::new(TransportErrorKind::Connect, describe(&e)))?;
        Ok(ReqwestTransport { client })
    }

    /// The transport [`ClientBuilder::build`](crate::ClientBuilder::build) makes for
    /// `base_url`: [`ReqwestTransport::new`] for an https:// URL. For a plain http:// URL (a
    /// mock server, a server on loopback or behind a local TLS proxy) it loads no root
    /// certificates, which takes a few tens of milliseconds at start for nothing, and it refuses
    /// a redirect to https:// with an error that says to give the https:// URL instead.
    pub fn for_base_url(
        base_url: &str,
        connect_timeout: Duration,
    ) -> Result<ReqwestTransport, TransportError> {
        let https = base_url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        if https {
            return ReqwestTransport::new(connect_timeout);
        }
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.url().scheme() != "http" {
                attempt.error(
                    "the server redirects to https://: give the https:// URL as the base URL",
                )
            } else if attempt.previous().len() >= 10 {
                attempt.error("too many redirects")
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .no_proxy()
            .tls_built_in_root_certs(false)
            .redirect(redirects)
            .build()
            .map_err(|e| TransportError::new(TransportErrorKind::Connect, describe(&e)))?;
        Ok(ReqwestTransport { client })
    }

    /// A transport over a `reqwest::Client` set up by the caller (proxies, root certificates,
    /// client certificates, ...).
    pub fn with_client(client: reqwest::Client) -> ReqwestTransport {
        ReqwestTransport { client }
    }
}

/// The error and its causes, without the URL (a GET's URL carries the token).
fn describe(e: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        source = s.source();
    }
    if text.is_empty() {
        text = e.to_string();
    }
    redact(&text, &[])
}

fn classify(e: &reqwest::Error, sent: bool) -> TransportError {
    let kind = if e.is_connect() && e.is_timeout() {
        TransportErrorKind::ConnectTimeout
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if sent || e.is_body() || e.is_decode() {
        TransportErrorKind::Body
    } else {
        TransportErrorKind::Io
    };
    let what = match kind {
        TransportErrorKind::Connect => "cannot connect",
        TransportErrorKind::ConnectTimeout => "connecting timed out",
        TransportErrorKind::Timeout => "timed out",
        TransportErrorKind::Io => "the connection failed",
        TransportErrorKind::Body => "the response body was cut off",
    };
    TransportError::new(kind, format!("{what}: {}", describe(e)))
}

impl Transport for ReqwestTransport {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> BoxFuture<'a, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let mut builder = match request.verb {
                Verb::Get => self.client.get(&request.url),
                Verb::Post => self.client.post(&request.url),
            };
            for (name, value) in &request.headers {
                builder = builder.header(name.as_str(), value);
            }
            if let Some(body) = &request.body {
                builder = builder.body(body.clone());
            }
            let response = builder
                .timeout(request.timeout)
                .send()
                .await
                .map_err(|e| classify(&e, false))?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect();
            let body = response.bytes().await.map_err(|e| classify(&e, true))?;
            Ok(HttpResponse {
                status,
                headers,
                body: body.to_vec(),
            })
        })
    }
}

#[cfg(feature = "sim")]
pub use sim::SimTransport;

#[cfg(feature = "sim")]
mod sim {
    use std::sync::{Arc, Mutex};

    use crmcom_netflix_sim::Sim;

    use super::{BoxFuture, HttpRequest, HttpResponse, Transport, TransportError};
    use crate::clock::Clock;

    /// The simulator as an in-process server: each request, headers included, is handled by
    /// [`Sim::handle_http_with_headers`] at the clock's time. An answer whose error code is
    /// `SERVICE_UNAVAILABLE` comes with HTTP 503, as a real server's would; every other answer
    /// with 200.
    #[derive(Clone)]
    pub struct SimTransport {
        sim: Arc<Mutex<Sim>>,
        clock: Arc<dyn Clock>,
    }

    impl std::fmt::Debug for SimTransport {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("SimTransport").finish_non_exhaustive()
        }
    }

    impl SimTransport {
        /// A transport to `sim`, at the time `clock` tells (give the client the same clock, so
        /// that it renews tokens on the simulator's time).
        pub fn new(sim: Sim, clock: Arc<dyn Clock>) -> SimTransport {
            SimTransport {
                sim: Arc::new(Mutex::new(sim)),
                clock,
            }
        }

        /// The simulator, to add charges or set faults while a client uses it.
        pub fn sim(&self) -> Arc<Mutex<Sim>> {
            Arc::clone(&self.sim)
        }

        /// Runs `f` on the simulator.
        pub fn with_sim<T>(&self, f: impl FnOnce(&mut Sim) -> T) -> T {
            let mut sim = self.sim.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut sim)
        }
    }

    impl Transport for SimTransport {
        fn send<'a>(
            &'a self,
            request: &'a HttpRequest,
        ) -> BoxFuture<'a, Result<HttpResponse, TransportError>> {
            let now = self.clock.now();
            let body = self.with_sim(|sim| {
                sim.handle_http_with_headers(
                    request.verb.as_str(),
                    request.path,
                    &request.headers,
                    &request.query,
                    request.body.as_deref(),
                    now,
                )
            });
            let unavailable = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.pointer("/status/message")?.as_str().map(str::to_owned))
                .is_some_and(|m| m == crmcom_netflix_sim::codes::SERVICE_UNAVAILABLE);
            let status = if unavailable { 503 } else { 200 };
            Box::pin(async move { Ok(HttpResponse::new(status, body)) })
        }
    }
}
