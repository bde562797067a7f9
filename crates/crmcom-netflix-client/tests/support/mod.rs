//! Shared by the client's tests: the simulator in-process with faults at the HTTP level, a small
//! HTTP/1.1 server on 127.0.0.1 over the simulator, and a billing system keyed by charge number.

#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crmcom_netflix::Release;
use crmcom_netflix_client::{
    BoxError, BoxFuture, ChargeToBill, Clock, Credentials, HttpRequest, HttpResponse, ManualClock,
    RunSummary, SimTransport, SystemClock, Taken, Transport, TransportError, TransportErrorKind,
};
use crmcom_netflix_sim::{epoch_seconds, ChargeSpec, Sim, ORGANISATION, PASSWORD, USERNAME};

pub const BASE: &str = "https://crm.example/crmapi/rest/v2";

pub fn credentials() -> Credentials {
    Credentials::password(USERNAME, PASSWORD, ORGANISATION)
}

pub fn start_time() -> i64 {
    epoch_seconds("2024-03-01T02:00:00").unwrap()
}

/// What the fault layer does with one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status (and `Retry-After`, and this body) without asking the simulator.
    Status(u16, Option<String>, Vec<u8>),
    /// No answer: the connection could not be opened (the request did not reach the server).
    Refused,
    /// No answer after the request went out (the simulator does not see it).
    Reset,
    /// The simulator handles the request, and the answer is lost (a reset after it was applied).
    DropAnswer,
    /// The simulator's answer, cut to half its length, with status 200.
    Truncate,
    /// Wait this long before answering.
    Delay(Duration),
}

/// The simulator in-process behind faults chosen per method path (`""` for any method).
#[derive(Clone)]
pub struct Faulty {
    pub inner: SimTransport,
    faults: Arc<Mutex<VecDeque<(String, Fault)>>>,
    pub seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl Faulty {
    pub fn new(sim: Sim, clock: Arc<dyn Clock>) -> Faulty {
        Faulty {
            inner: SimTransport::new(sim, clock),
            faults: Arc::default(),
            seen: Arc::default(),
        }
    }

    /// Queues a fault for the next request of `path` (`""`: of any method).
    pub fn fault(&self, path: &str, fault: Fault) {
        self.faults
            .lock()
            .unwrap()
            .push_back((path.to_owned(), fault));
    }

    pub fn with_sim<T>(&self, f: impl FnOnce(&mut Sim) -> T) -> T {
        self.inner.with_sim(f)
    }

    /// Requests seen by the fault layer: (verb, path).
    pub fn seen(&self) -> Vec<(String, String)> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self, path: &str) -> usize {
        self.seen().iter().filter(|(_, p)| p == path).count()
    }

    fn next_fault(&self, path: &str) -> Option<Fault> {
        let mut faults = self.faults.lock().unwrap();
        let i = faults.iter().position(|(p, _)| p.is_empty() || p == path)?;
        faults.remove(i).map(|(_, f)| f)
    }
}

impl Transport for Faulty {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> BoxFuture<'a, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            self.seen
                .lock()
                .unwrap()
                .push((request.verb.to_string(), request.path.to_owned()));
            match self.next_fault(request.path) {
                None => self.inner.send(request).await,
                Some(Fault::Status(status, retry_after, body)) => Ok(HttpResponse {
                    status,
                    headers: retry_after
                        .map(|v| vec![("retry-after".to_owned(), v)])
                        .unwrap_or_default(),
                    body,
                }),
                Some(Fault::Refused) => Err(TransportError::new(
                    TransportErrorKind::Connect,
                    format!("cannot connect: connection refused ({})", request.url),
                )),
                Some(Fault::Reset) => Err(TransportError::new(
                    TransportErrorKind::Io,
                    format!("connection reset by peer for url ({})", request.url),
                )),
                Some(Fault::DropAnswer) => {
                    let _ = self.inner.send(request).await;
                    Err(TransportError::new(
                        TransportErrorKind::Io,
                        "connection reset by peer",
                    ))
                }
                Some(Fault::Truncate) => {
                    let mut answer = self.inner.send(request).await?;
                    let half = answer.body.len() / 2;
                    answer.body.truncate(half);
                    Ok(answer)
                }
                Some(Fault::Delay(d)) => {
                    tokio::time::sleep(d).await;
                    self.inner.send(request).await
                }
            }
        })
    }
}

/// A simulator at `start_time()` with a manual clock shared with the client.
pub fn sim_at_start() -> (Sim, Arc<ManualClock>) {
    (
        Sim::new(Release::LATEST),
        Arc::new(ManualClock::new(start_time())),
    )
}

pub fn add_charges(sim: &mut Sim, now: i64, n: usize, prefix: &str) {
    for i in 0..n {
        let amount = format!("{}.99", 4 + i % 10);
        let currency = if i % 3 == 0 { "EUR" } else { "USD" };
        sim.add_charge(
            ChargeSpec::approved(&format!("{prefix}{i}"), &amount, currency),
            now - 3600 + i as i64,
        );
    }
}

/// A billing system keyed by charge number: bills each charge once, records every delivery.
#[derive(Debug, Default)]
pub struct Ledger {
    pub billed: BTreeMap<String, (String, String)>,
    pub recorded: BTreeMap<String, String>,
    pub deliveries: Vec<(String, bool)>,
    pub exports: Vec<(u64, Vec<String>)>,
    /// Charge numbers to refuse (not take) this many more times.
    pub refuse: BTreeMap<String, u32>,
    pub fail_export: u32,
}

impl crmcom_netflix_client::Billing for Ledger {
    fn take(&mut self, charges: &[ChargeToBill]) -> Result<Vec<Taken>, BoxError> {
        let mut taken = Vec::new();
        for c in charges {
            self.deliveries.push((c.number().to_owned(), c.redelivered));
            if let Some(n) = self.refuse.get_mut(c.number()) {
                if *n > 0 {
                    *n -= 1;
                    continue;
                }
            }
            match c.action {
                crmcom_netflix::BillingAction::Bill => {
                    let amount = c.charge.amount.to_string();
                    let currency = c.charge.currency.code().to_owned();
                    self.billed
                        .entry(c.idempotency_key().to_owned())
                        .or_insert((amount, currency));
                }
                _ => {
                    self.recorded
                        .entry(c.idempotency_key().to_owned())
                        .or_insert_with(|| format!("{:?}", c.charge.charge_status));
                }
            }
            taken.push(Taken::new(c.number()));
        }
        Ok(taken)
    }

    fn export(&mut self, run: &RunSummary) -> Result<(), BoxError> {
        if self.fail_export > 0 {
            self.fail_export -= 1;
            return Err("the billing file could not be written".into());
        }
        let numbers = run.billable().map(|c| c.number().to_owned()).collect();
        // Idempotent: a run exported again replaces its export.
        self.exports.retain(|(r, _)| *r != run.run);
        self.exports.push((run.run, numbers));
        Ok(())
    }
}

// -- a small HTTP/1.1 server on 127.0.0.1 over the simulator ------------------------------

/// What the loopback server does with the next request of a method path (`""`: any).
#[derive(Debug, Clone)]
pub enum HttpFault {
    /// Answer this status, with `Retry-After` when given, and this body.
    Status(u16, Option<String>, Vec<u8>),
    /// Close the connection without answering (the simulator does not see the request).
    Reset,
    /// The simulator handles it, then the connection closes without an answer.
    DropAnswer,
    /// The simulator's answer with a `Content-Length` of its whole body, and only half of it.
    Truncate,
    /// Wait this long before answering.
    Delay(Duration),
}

/// The simulator behind a loopback HTTP server, on the system clock. Stops when dropped.
pub struct LoopbackServer {
    pub base_url: String,
    pub sim: Arc<Mutex<Sim>>,
    faults: Arc<Mutex<VecDeque<(String, HttpFault)>>>,
    pub requests: Arc<AtomicU64>,
    /// Request lines seen ("POST /crmapi/rest/v2/authentication/token").
    pub seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
}

impl LoopbackServer {
    pub fn start(sim: Sim) -> LoopbackServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = LoopbackServer {
            base_url: format!("http://{addr}/crmapi/rest/v2"),
            sim: Arc::new(Mutex::new(sim)),
            faults: Arc::default(),
            requests: Arc::default(),
            seen: Arc::default(),
            stop: Arc::default(),
            addr,
        };
        let (sim, faults, requests, seen, stop) = (
            server.sim.clone(),
            server.faults.clone(),
            server.requests.clone(),
            server.seen.clone(),
            server.stop.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (sim, faults, requests, seen) =
                    (sim.clone(), faults.clone(), requests.clone(), seen.clone());
                std::thread::spawn(move || serve(stream, &sim, &faults, &requests, &seen));
            }
        });
        server
    }

    pub fn fault(&self, path: &str, fault: HttpFault) {
        self.faults
            .lock()
            .unwrap()
            .push_back((path.to_owned(), fault));
    }

    pub fn with_sim<T>(&self, f: impl FnOnce(&mut Sim) -> T) -> T {
        f(&mut self.sim.lock().unwrap())
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(
    stream: TcpStream,
    sim: &Mutex<Sim>,
    faults: &Mutex<VecDeque<(String, HttpFault)>>,
    requests: &AtomicU64,
    seen: &Mutex<Vec<String>>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    // Keep-alive: serve requests until the client closes.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let verb = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let mut length = 0usize;
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        requests.fetch_add(1, Ordering::SeqCst);
        seen.lock().unwrap().push(format!("{verb} {target}"));
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let path = path.trim_start_matches("/crmapi/rest/v2/").to_owned();
        let query: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        let fault = {
            let mut f = faults.lock().unwrap();
            f.iter()
                .position(|(p, _)| p.is_empty() || *p == path)
                .and_then(|i| f.remove(i))
                .map(|(_, fault)| fault)
        };
        let handle = || {
            let now = SystemClock.now();
            let body = (verb == "POST").then_some(&body[..]);
            sim.lock()
                .unwrap()
                .handle_http_with_headers(&verb, &path, &headers, &query, body, now)
        };
        let (status, retry_after, answer, truncate) = match fault {
            Some(HttpFault::Reset) => {
                let _ = out.shutdown(Shutdown::Both);
                return;
            }
            Some(HttpFault::DropAnswer) => {
                handle();
                let _ = out.shutdown(Shutdown::Both);
                return;
            }
            Some(HttpFault::Status(status, retry_after, body)) => {
                (status, retry_after, body, false)
            }
            Some(HttpFault::Truncate) => (200, None, handle(), true),
            Some(HttpFault::Delay(d)) => {
                std::thread::sleep(d);
                (200, None, handle(), false)
            }
            None => (200, None, handle(), false),
        };
        let status = if status == 200 && is_unavailable(&answer) {
            503
        } else {
            status
        };
        let mut head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            answer.len()
        );
        if let Some(r) = retry_after {
            head.push_str(&format!("retry-after: {r}\r\n"));
        }
        head.push_str("\r\n");
        let sent = if truncate {
            &answer[..answer.len() / 2]
        } else {
            &answer[..]
        };
        if out.write_all(head.as_bytes()).is_err() || out.write_all(sent).is_err() {
            return;
        }
        let _ = out.flush();
        if truncate {
            let _ = out.shutdown(Shutdown::Both);
            return;
        }
    }
}

fn is_unavailable(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.pointer("/status/message")?.as_str().map(str::to_owned))
        .is_some_and(|m| m == crmcom_netflix_sim::codes::SERVICE_UNAVAILABLE)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
