//! The HTTP layer: the accept loop, one hyper HTTP/1.1 connection per client, routing to the
//! API (`/crmapi/rest/v2/<method>`) or the admin API (`/_mock/`), and the delivery of each
//! answer as the simulator's [`Exchange`] says (in full, after a delay, reset, dropped or cut).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use crmcom_netflix_sim::{Delivery, Exchange, HttpRequest};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::body::MockBody;
use crate::log::{redact_body, redact_query, RequestRecord};
use crate::{admin, Shared, API_PATH};

/// The largest request body accepted (a set of 50 charges is a few kilobytes).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// How long a clean stop waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(5);

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
pub(crate) struct Abort(&'static str);

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Abort {}

/// A client connection that can be reset (closed with TCP RST) instead of closed.
struct Connection {
    stream: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            // A zero linger makes the close send RST: the client sees "connection reset".
            let _ = self.stream.set_zero_linger();
        }
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait a little and go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let reset = Arc::new(AtomicBool::new(false));
        let io = TokioIo::new(Connection {
            stream,
            reset: reset.clone(),
        });
        let shared = shared.clone();
        let service = service_fn(move |request| {
            let shared = shared.clone();
            let reset = reset.clone();
            async move { route(request, shared, reset).await }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .serve_connection(io, service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}

/// A JSON answer.
pub(crate) fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<MockBody> {
    let mut response = Response::new(MockBody::full(value.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn route(
    request: Request<Incoming>,
    shared: Arc<Shared>,
    reset: Arc<AtomicBool>,
) -> Result<Response<MockBody>, Abort> {
    let path = request.uri().path().to_owned();
    if let Some(admin_path) = path.strip_prefix("/_mock/") {
        let admin_path = admin_path.to_owned();
        return Ok(admin::handle(request, &admin_path, shared).await);
    }
    match path
        .strip_prefix(API_PATH)
        .and_then(|p| p.strip_prefix('/'))
    {
        Some(method) => {
            let method = method.to_owned();
            api(request, &method, shared, reset).await
        }
        None => Ok(json_response(
            StatusCode::NOT_FOUND,
            &json!({
                "status": {
                    "code": "ERROR",
                    "description": format!(
                        "Nothing at {path}: the API is under {API_PATH}/<method>, the mock's admin API under /_mock/"
                    ),
                    "message": "NOT_FOUND"
                },
                "data": null
            }),
        )),
    }
}

/// Reads a request body, at most [`MAX_BODY`] bytes.
pub(crate) async fn read_body(body: Incoming) -> Result<Bytes, Response<MockBody>> {
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) => {
            let too_large = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            let (status, text) = if too_large {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body is larger than {MAX_BODY} bytes"),
                )
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    format!("the body could not be read: {e}"),
                )
            };
            Err(json_response(
                status,
                &json!({"status": {"code": "ERROR", "description": text, "message": "INVALID_REQUEST"},
                        "data": null}),
            ))
        }
    }
}

async fn api(
    request: Request<Incoming>,
    method: &str,
    shared: Arc<Shared>,
    reset: Arc<AtomicBool>,
) -> Result<Response<MockBody>, Abort> {
    let verb = request.method().as_str().to_owned();
    let query = request.uri().query().map(decode_query).unwrap_or_default();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match read_body(request.into_body()).await {
        Ok(b) => b,
        Err(response) => return Ok(response),
    };
    let has_body = !body.is_empty() || verb == "POST";
    let method = method.to_owned();
    let persist = shared.lock().store.is_some();
    let step = move || -> Exchange {
        let mut inner = shared.lock();
        let now = inner.clock.now();
        let seq = inner.log.next_seq();
        let exchange = inner.sim.exchange(
            HttpRequest {
                verb: &verb,
                path: &method,
                query: &query,
                body: has_body.then_some(&body[..]),
                headers: &headers,
            },
            now,
        );
        if exchange.changed {
            // Saved before the answer leaves: an acknowledgement the client hears of is on disk.
            if let Err(e) = inner.save() {
                eprintln!("crmnf mock: {e}");
            }
        }
        let status = match exchange.delivery {
            Delivery::Reset | Delivery::Drop => 0,
            _ => exchange.status,
        };
        let record = RequestRecord {
            seq,
            at: crmcom_netflix_sim::date_text(now),
            verb: verb.clone(),
            path: method.clone(),
            query: redact_query(&query),
            body: if has_body {
                redact_body(Some(&body))
            } else {
                serde_json::Value::Null
            },
            status,
            error_code: exchange.error_code.clone(),
            fault: exchange.fault.as_ref().map(|f| f.name().to_owned()),
        };
        inner.log.push(record);
        exchange
    };
    // Writing the state file blocks: keep it off the threads that serve connections.
    let exchange = if persist {
        tokio::task::spawn_blocking(step)
            .await
            .map_err(|_| Abort("the request could not be served"))?
    } else {
        step()
    };
    deliver(exchange, &reset).await
}

async fn deliver(exchange: Exchange, reset: &AtomicBool) -> Result<Response<MockBody>, Abort> {
    if exchange.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(exchange.delay_ms)).await;
    }
    let body = Bytes::from(exchange.body);
    let full_length = body.len();
    let mut response = match exchange.delivery {
        Delivery::Complete => Response::new(MockBody::Full(Some(body))),
        Delivery::Reset => {
            reset.store(true, Ordering::SeqCst);
            return Err(Abort("connection_reset fault"));
        }
        Delivery::Drop => return Err(Abort("drop_response fault")),
        Delivery::Truncate => {
            let half = body.slice(..full_length / 2);
            Response::new(MockBody::cut(half))
        }
    };
    *response.status_mut() =
        StatusCode::from_u16(exchange.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in &exchange.headers {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(n, v);
        }
    }
    headers.insert(CONTENT_LENGTH, HeaderValue::from(full_length));
    Ok(response)
}

/// Decodes a query string into pairs (`+` is a space, `%XX` a byte; bad escapes kept as sent).
pub(crate) fn decode_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                });
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_as_browsers_and_the_core_encode_them() {
        assert_eq!(
            decode_query("token=a%2Bb&fields_set=number%2Camount&x=a+b&bad=%zz&flag"),
            vec![
                ("token".to_owned(), "a+b".to_owned()),
                ("fields_set".to_owned(), "number,amount".to_owned()),
                ("x".to_owned(), "a b".to_owned()),
                ("bad".to_owned(), "%zz".to_owned()),
                ("flag".to_owned(), String::new()),
            ]
        );
        assert_eq!(percent_decode("%C3%A9%"), "é%");
    }
}
