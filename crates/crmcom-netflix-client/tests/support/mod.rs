//! Shared by the client's tests: the simulator in-process with faults at the HTTP level, the
//! mock server on 127.0.0.1 over a simulator, and a billing system keyed by charge number.

#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crmcom_netflix::Method;
use crmcom_netflix::Release;
use crmcom_netflix_client::{
    BoxError, BoxFuture, ChargeToBill, Clock, Credentials, HttpRequest, HttpResponse, ManualClock,
    RunExport, SimTransport, Taken, Transport, TransportError, TransportErrorKind,
};
use crmcom_netflix_mock::{BlockingMockServer, MockConfig, RequestRecord};
use crmcom_netflix_sim::{
    epoch_seconds, ChargeSpec, FaultKind, FaultRule, Sim, ORGANISATION, PASSWORD, USERNAME,
};

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

    fn export(&mut self, run: &RunExport<'_>) -> Result<(), BoxError> {
        if self.fail_export > 0 {
            self.fail_export -= 1;
            return Err("the billing file could not be written".into());
        }
        let mut numbers = Vec::new();
        run.for_each_billable(|e| {
            numbers.push(e.charge.number().to_owned());
            Ok(())
        })?;
        // Idempotent: a run exported again replaces its export.
        self.exports.retain(|(r, _)| *r != run.run());
        self.exports.push((run.run(), numbers));
        Ok(())
    }
}

// -- the mock server (crates/crmcom-netflix-mock) over a given simulator -------------------

/// The simulator behind the mock server on 127.0.0.1 (real HTTP, keep-alive, faults delivered
/// as the mock delivers them), on the system clock. Stops when dropped.
pub struct LoopbackServer {
    /// The API root, `http://127.0.0.1:PORT/crmapi/rest/v2`.
    pub base_url: String,
    mock: Option<BlockingMockServer>,
}

impl LoopbackServer {
    /// Serves `sim` (its data, users and release) as it is.
    pub fn start(sim: Sim) -> LoopbackServer {
        let config = MockConfig {
            release: sim.release(),
            population: None,
            ..MockConfig::default()
        };
        // The server's runtime is started (and stopped) off the test's own, which may be one.
        let mock = std::thread::spawn(move || BlockingMockServer::start(config).unwrap())
            .join()
            .unwrap();
        mock.with_sim(|s| *s = sim);
        LoopbackServer {
            base_url: mock.api_url(),
            mock: Some(mock),
        }
    }

    /// `kind` on the next request of `method` (`"netflix/charges/list"`); several rules of one
    /// method fire one after the other.
    pub fn fault(&self, method: &str, kind: FaultKind) {
        let method = Method::from_name(method).expect("a method name");
        self.with_sim(|sim| sim.add_fault(FaultRule::once(method, kind)));
    }

    pub fn with_sim<T>(&self, f: impl FnOnce(&mut Sim) -> T) -> T {
        self.mock().with_sim(f)
    }

    fn mock(&self) -> &BlockingMockServer {
        self.mock.as_ref().expect("running until dropped")
    }

    /// The requests received so far (those reset or left unanswered included), secrets
    /// redacted.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.mock().requests()
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        if let Some(mock) = self.mock.take() {
            let _ = std::thread::spawn(move || drop(mock)).join();
        }
    }
}
