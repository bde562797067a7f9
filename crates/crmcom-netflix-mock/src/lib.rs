//! # crmcom-netflix-mock
//!
//! A stateful HTTP mock of the CRM.COM "netflix" Web API: the simulator
//! ([`crmcom_netflix_sim`]) behind a real HTTP/1.1 server on tokio and hyper, for testing any
//! client over real HTTP, in any language.
//!
//! - Every method at `/crmapi/rest/v2/<method>`, with the simulator's validation (the core's
//!   rules for the chosen release), tokens (two-hour JWTs) and error envelopes.
//! - Data: users, generated customers and charges ([`Population`]: mixed statuses, currencies
//!   with 0, 2 and 3 minor digits, pending charges that turn approved over time) or
//!   [`Fixtures`] from a JSON file.
//! - State that survives: with a state file, the data is loaded at start and saved atomically
//!   after every request that changes something, before the answer goes out, so that the
//!   server can be killed and started again without forgetting an acknowledgement.
//! - Faults per method, counted or seeded-random ([`FaultRule`]): HTTP statuses, API errors,
//!   latency, connection resets, truncated or malformed bodies, failed charges, pages shifted or
//!   reordered, a charge slipped in front of the cursor, and an acknowledgement applied whose
//!   answer is dropped.
//! - An admin API under `/_mock/` (`health`, `reset`, `state`, `requests`, `charges`,
//!   `charges/process`, `clock/advance`, `faults`).
//!
//! The HTTP layer only carries out what the simulator decides: the status, body and delivery of
//! each answer come from [`Sim::exchange`](crmcom_netflix_sim::Sim::exchange).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use crmcom_netflix_mock::{MockConfig, MockServer};
//!
//! let server = MockServer::start(MockConfig::default()).await.unwrap();
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! // Point a client at server.api_url() (`.../crmapi/rest/v2`); look behind the scenes with
//! // server.with_sim(|sim| ...) or the admin API at server.base_url() + "/_mock/state".
//! let charges = server.with_sim(|sim| sim.charges().count());
//! assert_eq!(charges, 30);
//! server.shutdown().await;
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
mod blocking;
mod body;
mod clock;
mod log;
mod server;
mod store;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use crmcom_netflix::Release;
use crmcom_netflix_sim::{ApiKey, Sim, SimState, User};

pub use blocking::BlockingMockServer;
pub use clock::Clock;
pub use crmcom_netflix_sim::{FaultKind, FaultRule, Fixtures, Population};
pub use log::RequestRecord;
pub use store::{write_atomically, write_atomically_with};

/// The path under which the API's methods are served.
pub const API_PATH: &str = "/crmapi/rest/v2";

/// The user who can log in when no user is configured: `billing` / `secret` / `NETFLIXOP`.
pub fn default_user() -> User {
    User::new(
        crmcom_netflix_sim::USERNAME,
        crmcom_netflix_sim::PASSWORD,
        crmcom_netflix_sim::ORGANISATION,
    )
}

/// How a mock server starts.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// The release the server runs (its rules and its answers).
    pub release: Release,
    /// Users who can log in, beside those of the fixtures; the [`default_user`] when there are
    /// none at all.
    pub users: Vec<User>,
    /// Web API keys that can log in (`authentication/web_api_key/token`); the simulator's
    /// default key (`crmcom_netflix_sim::API_KEY`, of `NETFLIXOP`) when there are none.
    pub api_keys: Vec<ApiKey>,
    /// Generated data; `None` for none.
    pub population: Option<Population>,
    /// Data from a fixtures file, loaded after the generated data.
    pub fixtures: Option<Fixtures>,
    /// The state file: loaded at start when it exists (the data options are then not used),
    /// written after every change.
    pub state_file: Option<PathBuf>,
    /// Fault rules in force from the start.
    pub faults: Vec<FaultRule>,
    /// The address to listen on (127.0.0.1 by default).
    pub host: IpAddr,
    /// The port; 0 for any free one.
    pub port: u16,
    /// The server's clock.
    pub clock: Clock,
    /// How many requests the request log keeps (the newest ones).
    pub request_log_size: usize,
}

impl Default for MockConfig {
    /// The newest release, the default user, [`Population::default`] (10 customers, 30
    /// charges, seed 1), no state file, no faults, 127.0.0.1 on a free port, the system clock,
    /// and a log of the last 10,000 requests.
    fn default() -> Self {
        MockConfig {
            release: Release::LATEST,
            users: Vec::new(),
            api_keys: Vec::new(),
            population: Some(Population::default()),
            fixtures: None,
            state_file: None,
            faults: Vec::new(),
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            clock: Clock::system(),
            request_log_size: 10_000,
        }
    }
}

/// Why a mock server could not start.
#[derive(Debug)]
pub enum MockError {
    /// The fixtures or the state file hold data that cannot be loaded.
    Data(String),
    /// A file could not be read or written, or the address could not be bound.
    Io(String),
}

impl std::fmt::Display for MockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MockError::Data(m) | MockError::Io(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for MockError {}

/// What every connection shares: the simulator and everything around it, behind one lock so
/// that requests are applied (and saved) one at a time, in order.
pub(crate) struct Shared {
    pub(crate) inner: Mutex<Inner>,
}

pub(crate) struct Inner {
    pub(crate) sim: Sim,
    pub(crate) clock: Clock,
    pub(crate) log: log::RequestLog,
    /// The data as it was at start, for `POST /_mock/reset`.
    pub(crate) initial: (SimState, Clock),
    pub(crate) store: Option<store::Store>,
    pub(crate) faults_at_start: Vec<FaultRule>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves data that was consistent before the request;
        // keep serving rather than fail every later request.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    /// Saves the state file, if there is one.
    pub(crate) fn save(&mut self) -> Result<(), MockError> {
        match &self.store {
            Some(store) => store.save(&self.sim, &self.clock),
            None => Ok(()),
        }
    }
}

/// A running mock server. Dropping it stops it abruptly; [`MockServer::shutdown`] stops it
/// cleanly (requests in flight are answered).
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Builds the simulator a configuration describes (or the one its state file holds).
pub(crate) fn build(config: &MockConfig) -> Result<(Inner, bool), MockError> {
    let store = config.state_file.clone().map(store::Store::new);
    let loaded = match &store {
        Some(s) => s.load()?,
        None => None,
    };
    let (sim, clock, restored) = match loaded {
        Some((state, clock)) => {
            let sim = Sim::from_state(state)
                .map_err(|e| MockError::Data(format!("{}: {e}", config.state_file_display())))?;
            (sim, clock, true)
        }
        None => {
            let clock = config.clock.clone();
            let now = clock.now();
            let mut sim = Sim::new(config.release);
            let mut users = config.users.clone();
            if let Some(f) = &config.fixtures {
                users.extend(f.users.iter().cloned());
            }
            if users.is_empty() {
                users.push(default_user());
            }
            sim.set_users(users);
            if !config.api_keys.is_empty() {
                sim.set_api_keys(config.api_keys.clone());
            }
            if let Some(p) = &config.population {
                sim.populate(p, now);
            }
            if let Some(f) = &config.fixtures {
                // Users are set above, with the configured ones.
                let data = Fixtures {
                    users: Vec::new(),
                    ..f.clone()
                };
                sim.load_fixtures(&data, now)
                    .map_err(|e| MockError::Data(format!("fixtures: {e}")))?;
            }
            (sim, clock, false)
        }
    };
    if restored && sim.release() != config.release {
        return Err(MockError::Data(format!(
            "{}: the saved server runs {}, not {}; start it with --release {} or use another state file",
            config.state_file_display(),
            sim.release(),
            config.release,
            sim.release()
        )));
    }
    let mut sim = sim;
    for rule in &config.faults {
        sim.add_fault(rule.clone());
    }
    let initial = (sim.state(), clock.clone());
    let mut inner = Inner {
        sim,
        clock,
        log: log::RequestLog::new(config.request_log_size),
        initial,
        store,
        faults_at_start: config.faults.clone(),
    };
    if !restored {
        inner.save()?;
    }
    Ok((inner, restored))
}

impl MockConfig {
    fn state_file_display(&self) -> String {
        self.state_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }
}

impl MockServer {
    /// Builds the data, binds the address and starts serving on the current tokio runtime.
    pub async fn start(config: MockConfig) -> Result<MockServer, MockError> {
        let (inner, _) = build(&config)?;
        let listener = tokio::net::TcpListener::bind((config.host, config.port))
            .await
            .map_err(|e| {
                MockError::Io(format!(
                    "cannot listen on {}:{}: {e}",
                    config.host, config.port
                ))
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| MockError::Io(format!("cannot read the bound address: {e}")))?;
        let shared = Arc::new(Shared {
            inner: Mutex::new(inner),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(server::serve(listener, shared.clone(), stopped));
        Ok(MockServer {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`, the server's root (the admin API is under `/_mock/`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://HOST:PORT/crmapi/rest/v2`, the base of every API method.
    pub fn api_url(&self) -> String {
        format!("{}{API_PATH}", self.base_url())
    }

    /// The server's current time (epoch seconds).
    pub fn now(&self) -> i64 {
        self.shared.lock().clock.now()
    }

    /// Runs `f` on the simulator between requests (to look at charges, add faults, ...); the
    /// state file is saved afterwards if anything changed.
    pub fn with_sim<R>(&self, f: impl FnOnce(&mut Sim) -> R) -> R {
        let mut inner = self.shared.lock();
        let before = inner.sim.changes();
        let out = f(&mut inner.sim);
        if inner.sim.changes() != before {
            // The closure's changes stay in memory even if the file cannot be written.
            let _ = inner.save();
        }
        out
    }

    /// Moves the server's clock forward by `seconds` (pending charges due by then are processed
    /// on the next request).
    pub fn advance_clock(&self, seconds: i64) {
        let mut inner = self.shared.lock();
        inner.clock.advance(seconds);
        let now = inner.clock.now();
        inner.sim.advance(now);
        let _ = inner.save();
    }

    /// The requests received so far (the newest, up to the log's size), secrets redacted.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().log.records().cloned().collect()
    }

    /// Stops accepting connections, answers the requests in flight (for up to five seconds),
    /// and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
