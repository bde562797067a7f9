//! # crmcom-netflix-client
//!
//! The Rust client of the CRM.COM "netflix" Web API, and the journal of the nightly charge job.
//!
//! - [`Client`]: async on tokio, over reqwest with rustls (no OpenSSL). It logs in with user
//!   name, password and organisation (or with a Web API key), renews the token before its `exp`, logs in once more
//!   after an API error answered to an older token (concurrent calls share one renewal), bounds
//!   every call by [`Timeouts`] (connect, attempt, whole call) and sends calls again by a
//!   [`RetryPolicy`] (jittered, capped backoff, `Retry-After` honoured; only where sending again
//!   cannot do anything twice). Every method of the API is typed; [`Client::call_json`] calls one
//!   by name. [`blocking::Client`] is the same client for scripts and command-line tools.
//! - [`Transport`]: the HTTP layer, swappable: [`ReqwestTransport`] by default,
//!   [`SimTransport`] (the simulator in-process), or your own stack.
//! - [`Error`]: one error type with the core's kinds (invalid request, API error, malformed
//!   response) and the client's (HTTP status, transport, time-out, journal, billing). No error,
//!   `Debug` output or log line holds the password, the Web API key or a token.
//! - [`Client::sync_charges`]: the nightly job. The core's `ChargeSync` driven end to end with a
//!   [`Journal`] (SQLite, one transaction per step, one job at a time): each page's charges go to
//!   your [`Billing`], only what it took is acknowledged, and the run ends with an export.
//!
//! Everything the API means is the core's (`crmcom-netflix`): the client prepares every request
//! with `prepare` and reads every answer with `decode`, and adds I/O, never a rule.
//!
//! ```
//! use std::sync::Arc;
//! use crmcom_netflix::{ChargeStatusFilter, ListCharges, Release};
//! use crmcom_netflix_client::{blocking, Credentials, ManualClock, SimTransport};
//! use crmcom_netflix_sim::{epoch_seconds, ChargeSpec, Sim, ORGANISATION, PASSWORD, USERNAME};
//!
//! let now = epoch_seconds("2024-03-01T02:00:00").unwrap();
//! let clock = Arc::new(ManualClock::new(now));
//! let mut sim = Sim::new(Release::LATEST);
//! sim.add_charge(ChargeSpec::approved("pci1", "5.99", "USD"), now - 3600);
//!
//! let client = blocking::Client::builder(
//!     "https://crm.example/crmapi/rest/v2",
//!     Credentials::password(USERNAME, PASSWORD, ORGANISATION),
//! )
//! .transport(SimTransport::new(sim, clock.clone()))
//! .clock(clock)
//! .build()?;
//! let page = client.list_charges(&ListCharges::new(Some(ChargeStatusFilter::Processed)))?;
//! assert_eq!(page.charges()[0].amount.to_string(), "5.99");
//! # Ok::<(), crmcom_netflix_client::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub mod journal;

#[cfg(feature = "client")]
pub mod blocking;
#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod clock;
#[cfg(feature = "client")]
mod options;
#[cfg(feature = "client")]
mod sync;
#[cfg(feature = "client")]
mod transport;

pub use error::{BoxError, Error, TimeoutKind};
pub use journal::{
    ChargeToBill, Handover, Journal, LedgerEntry, RunExport, RunSummary, Start, Taken,
    JOURNAL_SCHEMA_VERSION,
};

#[cfg(feature = "client")]
pub use client::{Client, ClientBuilder, USER_AGENT};
#[cfg(feature = "client")]
pub use clock::{Clock, ManualClock, SystemClock};
#[cfg(feature = "client")]
pub use options::{Credentials, RetryPolicy, Timeouts};
#[cfg(feature = "client")]
pub use sync::{Billing, SyncOutcome};
#[cfg(feature = "sim")]
pub use transport::SimTransport;
#[cfg(feature = "client")]
pub use transport::{
    BoxFuture, HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportError,
    TransportErrorKind,
};
