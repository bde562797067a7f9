//! The nightly charge loop as a sans-IO state machine: list charges 50 at a time, hand them to
//! the billing system, acknowledge the ones it confirms as taken, and never skip or double-bill.
//!
//! [`ChargeSync`] does no I/O. It hands out the next request to send ([`ChargeSync::next_request`],
//! a prepared `charges/list` or `charges/acknowledge`), takes the response body back
//! ([`ChargeSync::feed`]), hands over charges ([`ChargeSync::take_charges`]), records which ones the
//! billing system has taken ([`ChargeSync::confirm`]) and sums up a run ([`ChargeSync::report`]).
//! Its whole state is a small serde value ([`SyncState`]) that a shell saves after every step.
//!
//! # Modes
//!
//! - [`SyncMode::Acknowledge`] (the billing loop): lists `PROCESSED` charges (no filter before
//!   R14.1.0, where the list holds only processed charges), acknowledges each confirmed charge, and
//!   carries unfinished work into the next run. Acknowledged charges drop out of later lists.
//! - [`SyncMode::ReadOnly`]: lists with either status filter and acknowledges nothing; every run is
//!   a fresh pass over the list.
//!
//! Acknowledge mode refuses the `NOT_PROCESSED` filter: an acknowledged charge never comes back,
//! and a `PENDING` charge must not be billed until it is processed, so acknowledging one would
//! lose it.
//!
//! # Invariants
//!
//! 1. **Nothing unconfirmed is acknowledged.** Acknowledge requests are built only from charges
//!    passed to [`ChargeSync::confirm`]. A charge handed over and never confirmed stays on the
//!    server and comes back in a later run.
//! 2. **Once per run.** Within a run a charge is handed over at most once, whatever order or
//!    overlap the server's pages have (charges are keyed by number). The one exception is a
//!    resume: [`ChargeSync::from_state`] hands over again, marked `redelivered`, every charge that
//!    had been handed over and not confirmed when the state was saved.
//! 3. **Never twice across runs.** A confirmed charge is never handed over again. It stays in the
//!    state until the server acknowledges it (or reports it already acknowledged). A failed
//!    acknowledgement (an entry of `failed_charges_set`) is reported with its error code, retried
//!    up to [`SyncOptions::max_ack_attempts`] times per run, and carried into the next run, where
//!    it is retried before the first page; if the charge shows up in a page meanwhile, it is
//!    recognised and not handed over. A charge handed over but not confirmed by the end of a run
//!    is handed over again, marked `redelivered`, when a later run lists it (within
//!    [`SyncOptions::keep_unconfirmed_runs`] runs).
//! 4. **The offset is a cursor.** `offset` is the number of charges in the server's list in front
//!    of the cursor. Each page moves it forward by the number of charges received; in acknowledge
//!    mode each charge acknowledged from in front of the cursor moves it back by one. So it
//!    always counts the charges of this run that are still in place: failed acknowledgements,
//!    charges not (yet) confirmed, and charges confirmed but not yet acknowledged. Charges that
//!    arrive during the run join the end of the list (it is oldest first) and are reached in the
//!    same run; a charge the server slips in front of the cursor is left for the next run, never
//!    lost, because nothing is acknowledged unseen.
//! 5. **One request at a time; errors change nothing.** While a request is in flight,
//!    [`ChargeSync::next_request`] returns that same request again (prepared with the token given
//!    now). A response that is an API error (an expired token, say) or malformed leaves the state
//!    as it was, so the request can be sent again after logging in again.
//! 6. **Only valid requests.** Every request goes through [`prepare`] for the target release: page
//!    size 1 to 50, the status filter from R14.1.0 only, acknowledge sets of 1 to 50 charges without
//!    a repeated charge or reference number. A confirmed charge that cannot make a valid item is
//!    reported with the error code `INVALID_REQUEST` instead of being sent (decoding refuses the
//!    blank numbers and customer identifiers that would make one, so this is a last guard).
//! 7. **A run ends.** A run ends when a page comes back shorter than the page size (or after
//!    [`SyncOptions::max_pages_per_run`] pages) and every confirmed charge has been acknowledged
//!    or has used up its attempts.
//!
//! # Saving the state: write ahead
//!
//! Save [`ChargeSync::state`] after every step, **before** acting on what the step returned: after
//! `next_request` and before sending; after `feed`; after `take_charges` and before billing; after
//! `confirm`. Then a crash at any point loses nothing: a request is sent again (listing is
//! harmless, and an acknowledgement the server already applied comes back as
//! `CHARGE_ALREADY_ACKNOWLEDGED`, counted as done), and a charge handed over but not confirmed is
//! handed over again marked `redelivered`, so a billing system keyed by charge number bills it
//! once.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::batch::batch;
use crate::decode::{decode, decode_counted};
use crate::error::{index, Error, Violation, ViolationCode, Violations};
use crate::methods::{
    AcknowledgeCharges, AcknowledgedCharge, BillingAction, Charge, ChargeStatus,
    ChargeStatusFilter, ChargesPage, ListCharges,
};
use crate::prepare::{prepare, validate, PreparedRequest};
use crate::release::Release;
use crate::token::Token;

/// The version of the [`SyncState`] layout this version writes. It reads this one and the ones
/// before (1: every charge kept whole; 2: a confirmed charge keeps only what its acknowledgement
/// needs); a state of another version is refused.
pub const SYNC_STATE_FORMAT: u32 = 2;

/// The error code (from the server or [`SyncOptions::already_acknowledged_codes`]) that means an
/// acknowledgement was already applied: after a lost response, the retry comes back with it.
pub const CHARGE_ALREADY_ACKNOWLEDGED: &str = "CHARGE_ALREADY_ACKNOWLEDGED";

/// The error code the sync reports for a confirmed charge that cannot make a valid acknowledge
/// item (the request would fail validation), so it is never sent.
pub const INVALID_REQUEST: &str = "INVALID_REQUEST";

/// What a run does with the charges it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// The billing loop: acknowledge every confirmed charge; acknowledged charges drop out of
    /// later lists. Lists `PROCESSED` charges only.
    #[default]
    Acknowledge,
    /// Page through the list without acknowledging anything (either status filter). Confirm
    /// what has been processed all the same: the state keeps each charge handed over and not
    /// confirmed (to hand it over again after a crash) until the run ends.
    ReadOnly,
}

/// How a [`ChargeSync`] runs. Every field has a default, so `{}` is a valid JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncOptions {
    /// The release the server runs; decides whether `charge_status` is sent (from R14.1.0).
    pub release: Release,
    /// Acknowledge confirmed charges, or only read.
    pub mode: SyncMode,
    /// Which charges to list from R14.1.0. Acknowledge mode needs `PROCESSED`; before R14.1.0 no
    /// filter is sent (and `NOT_PROCESSED` is refused as not in the release).
    pub charge_status: ChargeStatusFilter,
    /// Charges per page: 1 to 50.
    pub page_size: u32,
    /// Acknowledgement attempts per charge and run; at least 1.
    pub max_ack_attempts: u32,
    /// Pages per run at most, a guard against a server that never returns a short page.
    pub max_pages_per_run: u32,
    /// Runs for which a charge handed over and never confirmed is remembered while no page lists
    /// it (so that it is marked `redelivered` when it comes back); at least 1.
    pub keep_unconfirmed_runs: u32,
    /// `error_code`s of `failed_charges_set` that mean "already acknowledged" and so count as
    /// success.
    pub already_acknowledged_codes: Vec<String>,
    /// Pages listed before the charges confirmed from them are acknowledged: 1 (the default)
    /// acknowledges after every page; more groups the acknowledgements of several pages, so that
    /// a shell that must have the confirmations on disk before an acknowledgement goes out (a
    /// journal) writes to disk once per group instead of once per page. The end of the list (or
    /// of the run) acknowledges what is left at once. 1 to [`MAX_ACKNOWLEDGE_AFTER_PAGES`]; the
    /// state holds up to this many pages of confirmed charges.
    pub acknowledge_after_pages: u32,
}

/// The most pages [`SyncOptions::acknowledge_after_pages`] may group.
pub const MAX_ACKNOWLEDGE_AFTER_PAGES: u32 = 100;

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            release: Release::LATEST,
            mode: SyncMode::Acknowledge,
            charge_status: ChargeStatusFilter::Processed,
            page_size: 50,
            max_ack_attempts: 3,
            max_pages_per_run: 10_000,
            keep_unconfirmed_runs: 30,
            already_acknowledged_codes: vec![CHARGE_ALREADY_ACKNOWLEDGED.to_owned()],
            acknowledge_after_pages: 1,
        }
    }
}

impl SyncOptions {
    /// Options for the billing loop against a server of `release`.
    pub fn acknowledge(release: Release) -> Self {
        SyncOptions {
            release,
            ..SyncOptions::default()
        }
    }

    /// Options for a read-only pass with the given status filter.
    pub fn read_only(release: Release, charge_status: ChargeStatusFilter) -> Self {
        SyncOptions {
            release,
            mode: SyncMode::ReadOnly,
            charge_status,
            ..SyncOptions::default()
        }
    }

    /// Options from JSON (missing fields take their defaults).
    pub fn from_json(json: &str) -> Result<SyncOptions, Error> {
        // The path of the offending option (`page_size`), as for a request's parameters.
        let mut de = serde_json::Deserializer::from_str(json);
        let options = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let data = e.inner().classify() == serde_json::error::Category::Data;
            let path = if path == "." || !data {
                "options".to_owned()
            } else {
                path
            };
            invalid(&path, e.into_inner())
        })?;
        de.end().map_err(|e| invalid("options", e))?;
        Ok(options)
    }

    /// The status filter as sent: none before R14.1.0, where the list holds processed charges.
    pub fn status_filter(&self) -> Option<ChargeStatusFilter> {
        if self.release >= Release::R14_1_0 || self.charge_status != ChargeStatusFilter::Processed {
            Some(self.charge_status)
        } else {
            None
        }
    }

    fn list(&self, offset: u64) -> ListCharges {
        ListCharges {
            number_of_results: self.page_size,
            offset,
            charge_status: self.status_filter(),
            fields_set: None,
        }
    }

    /// Checks the options, with every violation at once (paths are option names).
    pub fn check(&self) -> Result<(), Error> {
        let mut out = Violations::default();
        if let Err(e) = validate(&self.list(0), self.release) {
            for v in e.violations() {
                let path = if v.path == "number_of_results" {
                    "page_size".to_owned()
                } else {
                    v.path.clone()
                };
                out.push(&path, v.code, v.message.clone());
            }
        }
        if self.mode == SyncMode::Acknowledge
            && self.charge_status == ChargeStatusFilter::NotProcessed
        {
            out.push(
                "charge_status",
                ViolationCode::InvalidEnum,
                "acknowledge mode lists PROCESSED charges: an acknowledged charge never comes \
                 back, and a PENDING charge must not be billed until it is processed",
            );
        }
        if self.max_ack_attempts == 0 {
            out.push(
                "max_ack_attempts",
                ViolationCode::OutOfRange,
                "must be at least 1",
            );
        }
        if self.max_pages_per_run == 0 {
            out.push(
                "max_pages_per_run",
                ViolationCode::OutOfRange,
                "must be at least 1",
            );
        }
        if self.keep_unconfirmed_runs == 0 {
            out.push(
                "keep_unconfirmed_runs",
                ViolationCode::OutOfRange,
                "must be at least 1",
            );
        }
        if !(1..=MAX_ACKNOWLEDGE_AFTER_PAGES).contains(&self.acknowledge_after_pages) {
            out.push(
                "acknowledge_after_pages",
                ViolationCode::OutOfRange,
                format!("must be 1 to {MAX_ACKNOWLEDGE_AFTER_PAGES}"),
            );
        }
        out.into_result()
    }
}

/// A charge handed to the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveredCharge {
    /// The charge as the server sent it.
    pub charge: Charge,
    /// Whether it may have been handed over before (after a resume, or in an earlier run without
    /// a confirmation). A billing system keyed by charge number bills it only if it has not yet.
    pub redelivered: bool,
}

/// Where a tracked charge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stage {
    /// Received, waiting for `take_charges`.
    Ready,
    /// Handed over, not confirmed.
    Handed,
    /// Confirmed, not yet acknowledged (acknowledge mode only).
    Confirmed,
}

/// The last acknowledgement error of a charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct AckError {
    code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What the acknowledgement of a confirmed charge needs, kept instead of the whole charge once it
/// is confirmed: the state stays small while a group of pages waits for its acknowledgements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChargeKey {
    number: String,
    billing_system_customer_identifier: String,
}

/// A charge the sync still has business with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Tracked {
    /// The charge as received: kept until it is confirmed (to hand it over again). Boxed, so
    /// that the map of tracked charges moves small entries.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked_charge"
    )]
    charge: Option<Box<Charge>>,
    /// What is kept of a confirmed charge instead.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked_key"
    )]
    key: Option<ChargeKey>,
    stage: Stage,
    /// Ready only: hand it over marked `redelivered`.
    #[serde(default, skip_serializing_if = "is_false")]
    redelivered: bool,
    /// Received in a page of this run, so it sits in front of the cursor.
    #[serde(default, skip_serializing_if = "is_false")]
    in_offset: bool,
    /// The last run in which a page held it.
    listed_in_run: u64,
    /// The last run in which it was handed over (0: never).
    #[serde(default)]
    handed_in_run: u64,
    /// Order of arrival (ready, handed) or of confirmation (confirmed).
    seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference_number: Option<String>,
    /// Acknowledgement attempts that failed in this run.
    #[serde(default, skip_serializing_if = "is_zero")]
    attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_error: Option<AckError>,
}

/// A saved charge is read back with the rules its page was decoded with, so that a state edited
/// or damaged on disk cannot hand over a charge that would fail later (a year-0 date, a NUL in
/// its number).
fn checked_charge<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Box<Charge>>, D::Error> {
    let charge = Charge::deserialize(d)?;
    crate::decode::check_object(&charge, None).map_err(|e| match e {
        Error::MalformedResponse(m) => serde::de::Error::custom(format_args!(
            "a saved charge is malformed at {}: {}",
            if m.path.is_empty() {
                "the charge"
            } else {
                &m.path
            },
            m.message
        )),
        other => serde::de::Error::custom(other),
    })?;
    Ok(Some(Box::new(charge)))
}

/// A saved key is held to the rules of the charge it comes from: not blank, no control
/// character.
fn checked_key<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ChargeKey>, D::Error> {
    let key = ChargeKey::deserialize(d)?;
    for (name, value) in [
        ("number", &key.number),
        (
            "billing_system_customer_identifier",
            &key.billing_system_customer_identifier,
        ),
    ] {
        if value.trim().is_empty() || crate::json::has_control(value) {
            return Err(serde::de::Error::custom(format_args!(
                "a saved charge key is malformed at {name}: it must not be blank nor hold a \
                 control character"
            )));
        }
    }
    Ok(Some(key))
}

impl Tracked {
    fn number(&self) -> &str {
        match (&self.charge, &self.key) {
            (Some(c), _) => c.number(),
            (None, Some(k)) => &k.number,
            (None, None) => "",
        }
    }

    fn ack_item(&self) -> AcknowledgedCharge {
        let billing_system_customer_identifier = match (&self.charge, &self.key) {
            (Some(c), _) => c.billing_system_customer_identifier.to_string(),
            (None, Some(k)) => k.billing_system_customer_identifier.clone(),
            (None, None) => String::new(),
        };
        AcknowledgedCharge {
            number: self.number().to_owned(),
            billing_system_customer_identifier,
            reference_number: self.reference_number.clone(),
        }
    }
}

/// The request waiting for its response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
enum InFlight {
    List { offset: u64 },
    Acknowledge { items: Vec<AcknowledgedCharge> },
}

/// Counters of the current run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Counters {
    pages: u64,
    listed: u64,
    handed_over: u64,
    redelivered: u64,
    confirmed: u64,
    acknowledged: u64,
    acknowledge_requests: u64,
    billable_confirmed: u64,
    billable_total: BTreeMap<String, Decimal>,
    page_limit_reached: bool,
}

/// Everything a [`ChargeSync`] knows: a plain serde value, saved by the shell after every step
/// (see the module documentation) and given back to [`ChargeSync::from_state`] to resume.
///
/// It holds the options, the cursor, the request in flight, the charges still in hand (received
/// but not taken, handed over but not confirmed, confirmed but not acknowledged, with their data
/// so that they can be handed over again) and the numbers finished in this run (about a dozen
/// bytes each; a shell that keeps them itself takes them out with
/// [`ChargeSync::forget_finished`]). It never holds the token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    format: u32,
    options: SyncOptions,
    run: u64,
    offset: u64,
    list_exhausted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    in_flight: Option<InFlight>,
    next_seq: u64,
    /// Pages received since the last acknowledgements: they are due once this reaches
    /// [`SyncOptions::acknowledge_after_pages`]. A state saved without it has them due.
    #[serde(default = "acknowledgements_due")]
    pages_since_acknowledgement: u32,
    charges: BTreeMap<String, Tracked>,
    /// Numbers finished in this run (acknowledged, or confirmed in read-only mode): never handed
    /// over again in this run.
    finished: BTreeSet<String>,
    counters: Counters,
}

impl SyncState {
    /// The state of a new sync, at the start of its first run.
    pub fn new(options: SyncOptions) -> SyncState {
        SyncState {
            format: SYNC_STATE_FORMAT,
            options,
            run: 1,
            offset: 0,
            list_exhausted: false,
            in_flight: None,
            next_seq: 0,
            pages_since_acknowledgement: 0,
            charges: BTreeMap::new(),
            finished: BTreeSet::new(),
            counters: Counters::default(),
        }
    }

    /// The options.
    pub fn options(&self) -> &SyncOptions {
        &self.options
    }

    /// The run number, from 1.
    pub fn run(&self) -> u64 {
        self.run
    }

    /// The `offset` of the next page.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The state as JSON text.
    pub fn to_json(&self) -> String {
        // Every part of the state is plain data with string keys: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A state from JSON text, as [`SyncState::to_json`] wrote it.
    pub fn from_json(json: &str) -> Result<SyncState, Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        let state: SyncState = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let at = crate::decode::path_string(e.path());
            let e = e.into_inner();
            if at.is_empty() || !e.is_data() {
                invalid("state", e)
            } else {
                invalid("state", format_args!("at {at}: {e}"))
            }
        })?;
        de.end().map_err(|e| invalid("state", e))?;
        Ok(state)
    }
}

fn acknowledgements_due() -> u32 {
    u32::MAX
}

fn invalid(path: &str, e: impl std::fmt::Display) -> Error {
    Error::InvalidRequest(vec![Violation::new(
        path,
        ViolationCode::InvalidFormat,
        crate::error::in_json_terms(&e.to_string()),
    )])
}

/// A charge whose acknowledgement failed and which is still not acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedAcknowledgement {
    /// The charge number.
    pub number: String,
    /// The customer's identifier in the operator's billing system.
    pub billing_system_customer_identifier: String,
    /// The reference number sent with it, if any.
    pub reference_number: Option<String>,
    /// The last `error_code` (or [`INVALID_REQUEST`] for an item that could not be sent).
    pub error_code: String,
    /// The last `error_description`.
    pub error_description: Option<String>,
    /// Failed attempts in this run.
    pub attempts: u32,
    /// Whether it has used up its attempts for this run (it is retried in the next run).
    pub deferred: bool,
}

/// The summary of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    /// The run number, from 1.
    pub run: u64,
    /// The mode.
    pub mode: SyncMode,
    /// The status filter sent (none before R14.1.0).
    pub charge_status: Option<ChargeStatusFilter>,
    /// `charges/list` pages received.
    pub pages: u64,
    /// Charges received in those pages, repeats included.
    pub listed: u64,
    /// Charges handed over, redeliveries included.
    pub handed_over: u64,
    /// Charges handed over marked `redelivered`.
    pub redelivered: u64,
    /// Charges confirmed.
    pub confirmed: u64,
    /// Charges acknowledged (including ones the server reported already acknowledged).
    pub acknowledged: u64,
    /// `charges/acknowledge` responses received.
    pub acknowledge_requests: u64,
    /// Charges handed over and not (yet) confirmed.
    pub unconfirmed: u64,
    /// Confirmed charges that are billable (approved, priced in a known currency).
    pub billable_confirmed: u64,
    /// The exact sum of the billable confirmed charges, per currency code: what was billed.
    pub billable_total: BTreeMap<String, Decimal>,
    /// Confirmed charges not acknowledged because the server refused, with the reason.
    pub failed: Vec<FailedAcknowledgement>,
    /// Whether the run stopped listing at [`SyncOptions::max_pages_per_run`].
    pub page_limit_reached: bool,
    /// Whether the run is over: nothing left to send and nothing left to take.
    pub finished: bool,
}

/// The nightly charge loop as a sans-IO state machine: `next_request` → send → `feed` →
/// `take_charges` → bill → `confirm`, until `next_request` returns `None`; then `report`.
///
/// Its contract:
///
/// 1. Nothing unconfirmed is acknowledged; a charge not confirmed stays on the server.
/// 2. Within a run a charge is handed over once; after [`ChargeSync::from_state`] the charges
///    handed over and not confirmed are handed over again, marked `redelivered`.
/// 3. A confirmed charge is never handed over again; a failed acknowledgement (an entry of
///    `failed_charges_set`) is reported with its error code, retried up to
///    [`SyncOptions::max_ack_attempts`] times per run and carried into the next run.
/// 4. `offset` counts the charges of the run still in place on the server (failed
///    acknowledgements, charges not yet confirmed or acknowledged), so nothing is skipped;
///    charges arriving during the run are reached in the same run.
/// 5. One request in flight; an API error or a malformed response changes nothing, and
///    `next_request` hands out the same request again.
/// 6. Every request is prepared (validated) for the target release: pages of at most 50,
///    acknowledgements of at most 50, `charge_status` from R14.1.0 only.
/// 7. A run ends: at a page shorter than the page size (or [`SyncOptions::max_pages_per_run`]),
///    once every confirmed charge is acknowledged or out of attempts.
///
/// Save [`ChargeSync::state`] after every step, before acting on what it returned (before
/// sending, before billing): then a crash at any step loses no charge, and a billing system keyed
/// by charge number bills each charge once. `docs/nightly-billing.md` has a complete job.
///
/// ```
/// use crmcom_netflix::{ChargeSync, Method, SyncOptions, Token};
///
/// let mut sync = ChargeSync::new(SyncOptions::default()).unwrap();
/// let token = Token::new("T");
/// // The server: a page of two charges (shorter than 50: the end of the list), then the
/// // acknowledgement of both.
/// let page = br#"{"status":{"code":"OK","description":"","message":""},"data":{"charges_set":[
///   {"number":"I1","billing_system_customer_identifier":"pci1","amount":5.989999771118164,
///    "currency":"USD","charge_status":"APPROVED","paid_through_date":"2017-02-19T02:00:00",
///    "received_on":"2017-02-21T10:07:23","set_as_approved_on":"2017-02-21T10:38:58",
///    "set_as_declined_on":null,"set_as_bad_request_on":null,"set_as_rejected_request_on":null},
///   {"number":"I2","billing_system_customer_identifier":"pci2","amount":2.990000009536743,
///    "currency":"USD","charge_status":"APPROVED","paid_through_date":"2017-02-19T02:00:00",
///    "received_on":"2017-02-21T10:07:24","set_as_approved_on":"2017-02-21T10:38:58",
///    "set_as_declined_on":null,"set_as_bad_request_on":null,"set_as_rejected_request_on":null}]}}"#;
/// let acknowledged = br#"{"status":{"code":"OK","description":"","message":""},
///   "data":{"failed_charges_set":[]}}"#;
///
/// let mut bodies = vec![&page[..], &acknowledged[..]].into_iter();
/// while let Some(request) = sync.next_request(&token).unwrap() {
///     // A real shell sends `request` over HTTP here (and saves `sync.state()` first).
///     if request.method == Method::ChargesList {
///         assert!(request.query_string().contains("offset=0"));
///     }
///     sync.feed(bodies.next().unwrap()).unwrap();
///     let charges = sync.take_charges();
///     // The billing system takes the charges; confirm what it took.
///     sync.confirm(charges.iter().map(|c| c.charge.number())).unwrap();
/// }
/// let report = sync.report();
/// assert_eq!((report.handed_over, report.acknowledged), (2, 2));
/// assert_eq!(report.billable_total["USD"].to_string(), "8.98");
/// ```
#[derive(Debug, Clone)]
pub struct ChargeSync {
    state: SyncState,
    /// What the state says, kept so as not to look through every tracked charge at each step
    /// (derived, never saved; rebuilt from the state when unknown).
    cache: Cache,
}

/// What the state knows of a charge of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Tracked,
    Finished,
    Unknown,
}

/// Lists derived from the state, in seq order. Each entry is checked against the state when it
/// is used, so a list may hold charges that moved on; it must hold every charge of its kind.
#[derive(Debug, Clone, Default)]
struct Cache {
    /// The ready charges (to hand over), oldest first; `None`: not known.
    ready: Option<Vec<String>>,
    /// The confirmed charges still to acknowledge, the oldest last (taken from the end); `None`:
    /// not known. Only kept while the acknowledgements it was built for all succeed.
    due: Option<Vec<String>>,
}

/// The numbers of the tracked charges that `keep` keeps, in seq order (the scan that
/// [`Cache`] saves; also its check in debug builds).
fn in_seq_order(
    charges: &BTreeMap<String, Tracked>,
    keep: impl Fn(&Tracked) -> bool,
) -> Vec<&String> {
    let mut kept: Vec<(u64, &String)> = charges
        .iter()
        .filter(|(_, t)| keep(t))
        .map(|(n, t)| (t.seq, n))
        .collect();
    kept.sort_by_key(|(seq, _)| *seq);
    kept.into_iter().map(|(_, n)| n).collect()
}

impl ChargeSync {
    /// A sync at the start of its first run; fails if the options are invalid for their release.
    ///
    /// ```
    /// use crmcom_netflix::{ChargeStatusFilter, ChargeSync, Release, SyncOptions};
    /// let mut options = SyncOptions::acknowledge(Release::LATEST);
    /// options.charge_status = ChargeStatusFilter::NotProcessed;
    /// let err = ChargeSync::new(options).unwrap_err();
    /// assert_eq!(err.violations()[0].path, "charge_status");
    /// ```
    pub fn new(options: SyncOptions) -> Result<ChargeSync, Error> {
        options.check()?;
        Ok(ChargeSync {
            state: SyncState::new(options),
            cache: Cache {
                ready: Some(Vec::new()),
                due: None,
            },
        })
    }

    /// Resumes from a saved state, after a crash or a restart. Every charge that had been handed
    /// over and not confirmed is handed over again by the next [`ChargeSync::take_charges`],
    /// marked `redelivered`; a request that was in flight is handed out again by
    /// [`ChargeSync::next_request`].
    pub fn from_state(mut state: SyncState) -> Result<ChargeSync, Error> {
        if !(1..=SYNC_STATE_FORMAT).contains(&state.format) {
            return Err(Error::InvalidRequest(vec![Violation::new(
                "format",
                ViolationCode::InvalidEnum,
                format!(
                    "state format {} is not supported (this version reads 1 to \
                     {SYNC_STATE_FORMAT})",
                    state.format
                ),
            )]));
        }
        // Saved again, it is in this version's layout.
        state.format = SYNC_STATE_FORMAT;
        state.options.check()?;
        // Every charge is tracked under its own number: acknowledgements and confirmations find
        // charges by number, and a charge filed under another would never be settled.
        let mut misfiled = Violations::default();
        for (number, t) in &state.charges {
            if t.charge.is_none() && (t.stage != Stage::Confirmed || t.key.is_none()) {
                misfiled.push(
                    &format!("charges.{number}"),
                    ViolationCode::Required,
                    "a charge of the state that is not confirmed must be kept whole",
                );
            } else if t.number() != number.as_str() {
                misfiled.push(
                    &format!("charges.{number}"),
                    ViolationCode::InvalidFormat,
                    "a charge of the state is not filed under its own number",
                );
            }
        }
        misfiled.into_result()?;
        for t in state.charges.values_mut() {
            if t.stage == Stage::Handed {
                t.stage = Stage::Ready;
                t.redelivered = true;
            }
        }
        Ok(ChargeSync {
            state,
            cache: Cache::default(),
        })
    }

    /// The state to save.
    pub fn state(&self) -> &SyncState {
        &self.state
    }

    /// The state, consuming the sync.
    pub fn into_state(self) -> SyncState {
        self.state
    }

    /// The options.
    pub fn options(&self) -> &SyncOptions {
        &self.state.options
    }

    /// Starts the next run (the next night): the cursor goes back to 0 and the counters to zero.
    /// Confirmed charges not yet acknowledged are carried over and acknowledged first; charges
    /// handed over and not confirmed are carried over and handed over again, marked
    /// `redelivered`, when a later run lists them (for [`SyncOptions::keep_unconfirmed_runs`]
    /// runs). Charges received but never taken are dropped: the new run lists them afresh. In
    /// read-only mode nothing is carried over.
    pub fn start_run(&mut self) {
        self.cache = Cache {
            ready: Some(Vec::new()),
            due: None,
        };
        let s = &mut self.state;
        let ended = s.run;
        let keep = u64::from(s.options.keep_unconfirmed_runs);
        if s.options.mode == SyncMode::ReadOnly {
            s.charges.clear();
        } else {
            s.charges.retain(|_, t| match t.stage {
                // Never taken: the new run lists it afresh.
                Stage::Ready if !t.redelivered => false,
                // Not listed for `keep_unconfirmed_runs` runs: most likely acknowledged
                // elsewhere; forget it rather than keep it for ever.
                Stage::Handed => ended - t.listed_in_run < keep,
                _ => true,
            });
            for t in s.charges.values_mut() {
                if t.stage == Stage::Ready {
                    t.stage = Stage::Handed;
                    t.redelivered = false;
                }
                t.in_offset = false;
                t.attempts = 0;
            }
        }
        s.run += 1;
        s.offset = 0;
        s.list_exhausted = false;
        s.in_flight = None;
        // What the last run could not acknowledge goes before the first page.
        s.pages_since_acknowledgement = acknowledgements_due();
        s.finished.clear();
        s.counters = Counters::default();
    }

    /// The next request to send, prepared with `token` for the target release; `None` when there
    /// is nothing to send (the run is over, unless charges are confirmed later). While a request
    /// is in flight (no [`ChargeSync::feed`] yet, or a failed one), it is that same request again.
    ///
    /// Acknowledgements of confirmed charges come before the next page, once
    /// [`SyncOptions::acknowledge_after_pages`] pages have been received since the last ones (or
    /// the list is at its end).
    pub fn next_request(&mut self, token: &Token) -> Result<Option<PreparedRequest>, Error> {
        // The token is checked even when there is nothing to send, so that a blank token is an
        // error at every call, not only at the calls that happen to send.
        crate::prepare::check_token(Some(token.expose()))?;
        if self.state.in_flight.is_none() {
            let s = &self.state;
            let due = s.list_exhausted
                || s.pages_since_acknowledgement >= s.options.acknowledge_after_pages;
            let batch = if due {
                self.acknowledge_batch(token)
            } else {
                None
            };
            if due && batch.is_none() {
                // Every due acknowledgement is done: the next group of pages begins.
                self.state.pages_since_acknowledgement = 0;
            }
            let (next, prepared) = match batch {
                // Prepared (and so validated) once, as its items were chosen.
                Some((items, prepared)) => (InFlight::Acknowledge { items }, prepared),
                None if !self.state.list_exhausted => {
                    let next = InFlight::List {
                        offset: self.state.offset,
                    };
                    let prepared = self.prepare(&next, token)?;
                    (next, prepared)
                }
                None => return Ok(None),
            };
            self.state.in_flight = Some(next);
            return Ok(Some(prepared));
        }
        let in_flight = self.state.in_flight.clone();
        in_flight.map(|f| self.prepare(&f, token)).transpose()
    }

    /// The page after the one in flight, when [`ChargeSync::next_request`] is sure to ask for
    /// it once that page comes back full (no acknowledgement falls due with it, no page limit is
    /// reached), prepared with `token`; `None` otherwise. A page changes nothing on the server,
    /// so a shell may send this one ahead while it feeds and bills the page in flight, and use
    /// its answer when `next_request` then gives the same request (it is not the same when the
    /// page in flight was the last, or failed; the answer is then dropped).
    pub fn page_ahead(&self, token: &Token) -> Option<PreparedRequest> {
        let s = &self.state;
        let Some(InFlight::List { offset }) = &s.in_flight else {
            return None;
        };
        let acknowledgements_due = s.options.mode == SyncMode::Acknowledge
            && s.pages_since_acknowledgement.saturating_add(1) >= s.options.acknowledge_after_pages;
        if s.list_exhausted
            || acknowledgements_due
            || s.counters.pages.saturating_add(1) >= u64::from(s.options.max_pages_per_run)
        {
            return None;
        }
        let next = InFlight::List {
            offset: offset.checked_add(u64::from(s.options.page_size))?,
        };
        self.prepare(&next, token).ok()
    }

    fn prepare(&self, request: &InFlight, token: &Token) -> Result<PreparedRequest, Error> {
        let release = self.state.options.release;
        match request {
            InFlight::List { offset } => {
                prepare(&self.state.options.list(*offset), Some(token), release)
            }
            InFlight::Acknowledge { items } => prepare(
                &AcknowledgeCharges {
                    acknowledged_charges_set: items.clone(),
                },
                Some(token),
                release,
            ),
        }
    }

    /// Up to 50 confirmed charges to acknowledge (fewer than `max` attempts), the oldest
    /// confirmations first, taken off the cached list (built from the state when unknown).
    fn oldest_due(&mut self, max: u32) -> Vec<AcknowledgedCharge> {
        let charges = &self.state.charges;
        let is_due = |t: &Tracked| t.stage == Stage::Confirmed && t.attempts < max;
        let due = self.cache.due.get_or_insert_with(|| {
            in_seq_order(charges, is_due)
                .into_iter()
                .rev()
                .cloned()
                .collect()
        });
        let mut items = Vec::with_capacity(crate::batch::MAX_SET_ITEMS.min(due.len()));
        while items.len() < crate::batch::MAX_SET_ITEMS {
            let Some(number) = due.pop() else { break };
            if let Some(t) = charges.get(&number).filter(|t| is_due(t)) {
                items.push(t.ack_item());
            }
        }
        items
    }

    /// Up to 50 confirmed charges to acknowledge, oldest confirmation first, each a valid item,
    /// with their request prepared with `token`. Charges that cannot make a valid item are set
    /// aside with the error `INVALID_REQUEST`.
    fn acknowledge_batch(
        &mut self,
        token: &Token,
    ) -> Option<(Vec<AcknowledgedCharge>, PreparedRequest)> {
        if self.state.options.mode != SyncMode::Acknowledge {
            return None;
        }
        let max = self.state.options.max_ack_attempts;
        let release = self.state.options.release;
        loop {
            let items = self.oldest_due(max);
            #[cfg(debug_assertions)]
            {
                let charges = &self.state.charges;
                let scanned: Vec<AcknowledgedCharge> =
                    in_seq_order(charges, |t| t.stage == Stage::Confirmed && t.attempts < max)
                        .into_iter()
                        .take(crate::batch::MAX_SET_ITEMS)
                        .map(|n| charges[n].ack_item())
                        .collect();
                debug_assert_eq!(
                    items, scanned,
                    "the cached acknowledgements depart from the state"
                );
            }
            if items.is_empty() {
                return None;
            }
            let taken = items.len();
            let first: Option<AcknowledgeCharges> = batch(items).into_iter().next();
            let first = first?;
            if first.acknowledged_charges_set.len() < taken {
                // Two charges with one reference number: the rest goes into later requests,
                // chosen from the state again.
                self.cache.due = None;
            }
            if let Ok(prepared) = crate::batch::prepare_set(&first, Some(token), release) {
                return Some((first.acknowledged_charges_set, prepared));
            }
            self.cache.due = None;
            // Rare: find the items that cannot be sent and set them aside.
            let bad: Vec<(String, String)> = first
                .acknowledged_charges_set
                .iter()
                .filter_map(|item| {
                    let single = AcknowledgeCharges {
                        acknowledged_charges_set: vec![item.clone()],
                    };
                    validate(&single, release)
                        .err()
                        .map(|e| (item.number.clone(), e.to_string()))
                })
                .collect();
            if bad.is_empty() {
                // The set itself broke a rule its items do not: should not happen with `batch`;
                // send one at a time rather than never.
                let single = AcknowledgeCharges {
                    acknowledged_charges_set: first
                        .acknowledged_charges_set
                        .into_iter()
                        .take(1)
                        .collect(),
                };
                let prepared = prepare(&single, Some(token), release).ok()?;
                return Some((single.acknowledged_charges_set, prepared));
            }
            let mut set_aside = 0;
            for (number, message) in bad {
                if let Some(t) = self.state.charges.get_mut(&number) {
                    t.attempts = max;
                    t.last_error = Some(AckError {
                        code: INVALID_REQUEST.to_owned(),
                        description: Some(message),
                    });
                    set_aside += 1;
                }
            }
            if set_aside == 0 {
                // Nothing could be set aside: stop here rather than look at the same items again.
                return None;
            }
        }
    }

    /// Takes the response body of the request in flight. An API error or a malformed response is
    /// returned and changes nothing: the same request is handed out again.
    pub fn feed(&mut self, body: &[u8]) -> Result<(), Error> {
        self.feed_with(body, |numbers| vec![false; numbers.len()])
    }

    /// [`ChargeSync::feed`] for a shell that keeps the numbers finished in this run itself (see
    /// [`ChargeSync::forget_finished`]): `finished(numbers)` says, for each of the numbers
    /// given, whether that charge was finished in this run (a missing answer is `false`), and
    /// such a charge is not handed over again, as one the state remembers is not. It is asked
    /// once per page, about the charges of the page that the state does not know, and not at
    /// all when the response is an error.
    pub fn feed_with(
        &mut self,
        body: &[u8],
        finished: impl FnOnce(&[&str]) -> Vec<bool>,
    ) -> Result<(), Error> {
        let Some(in_flight) = &self.state.in_flight else {
            return Err(Error::InvalidRequest(vec![Violation::new(
                "request",
                ViolationCode::Required,
                "no request is waiting for a response: call next_request first",
            )]));
        };
        match in_flight {
            InFlight::List { .. } => {
                let (page, merged) = decode_counted::<ChargesPage>(body, None)?;
                self.state.in_flight = None;
                self.cache.due = None;
                let charges = page.charges_set;
                // The cursor and the end of the list count what the server sent, identical
                // repeats included.
                let sent = (charges.len() + merged) as u64;
                self.apply_page(charges, sent, finished);
            }
            InFlight::Acknowledge { items } => {
                let data = decode::<AcknowledgeCharges>(body, None)?;
                let items = items.clone();
                self.state.in_flight = None;
                if !data.failed().is_empty() {
                    // A failed charge is due again (or not) in its place: choose afresh.
                    self.cache.due = None;
                }
                self.apply_acknowledgement(&items, data.failed());
            }
        }
        Ok(())
    }

    fn apply_page(
        &mut self,
        charges: Vec<Charge>,
        n: u64,
        finished: impl FnOnce(&[&str]) -> Vec<bool>,
    ) {
        let s = &mut self.state;
        let ready = &mut self.cache.ready;
        // What the state knows of each charge, looked up once; the shell is asked once about
        // the charges the state does not know.
        let known: Vec<Known> = charges
            .iter()
            .map(|c| {
                if s.charges.contains_key(c.number()) {
                    Known::Tracked
                } else if s.finished.contains(c.number()) {
                    Known::Finished
                } else {
                    Known::Unknown
                }
            })
            .collect();
        let unknown: Vec<&str> = charges
            .iter()
            .zip(&known)
            .filter(|(_, k)| **k == Known::Unknown)
            .map(|(c, _)| c.number())
            .collect();
        let mut answers = if unknown.is_empty() {
            Vec::new()
        } else {
            finished(&unknown)
        }
        .into_iter();
        // In the order asked; a missing answer is `false` (see `feed_with`).
        let mut finished_elsewhere = || answers.next().unwrap_or(false);
        s.counters.pages += 1;
        s.pages_since_acknowledgement = s.pages_since_acknowledgement.saturating_add(1);
        s.counters.listed += n;
        s.offset += n;
        if n < u64::from(s.options.page_size) {
            s.list_exhausted = true;
        } else if s.counters.pages >= u64::from(s.options.max_pages_per_run) {
            s.list_exhausted = true;
            s.counters.page_limit_reached = true;
        }
        for (charge, known) in charges.into_iter().zip(known) {
            if known == Known::Finished || (known == Known::Unknown && finished_elsewhere()) {
                continue;
            }
            let number = charge.number().to_owned();
            if let Some(t) = s.charges.get_mut(&number) {
                t.in_offset = true;
                t.listed_in_run = s.run;
                if t.stage == Stage::Handed && t.handed_in_run < s.run {
                    // Handed over in an earlier run and never confirmed.
                    if let Some(ready) = ready.as_mut() {
                        ready.push(number.clone());
                    }
                    t.stage = Stage::Ready;
                    t.redelivered = true;
                    t.charge = Some(Box::new(charge));
                    t.seq = s.next_seq;
                    s.next_seq += 1;
                }
                continue;
            }
            if let Some(ready) = ready.as_mut() {
                ready.push(number.clone());
            }
            s.charges.insert(
                number,
                Tracked {
                    charge: Some(Box::new(charge)),
                    key: None,
                    stage: Stage::Ready,
                    redelivered: false,
                    in_offset: true,
                    listed_in_run: s.run,
                    handed_in_run: 0,
                    seq: s.next_seq,
                    reference_number: None,
                    attempts: 0,
                    last_error: None,
                },
            );
            s.next_seq += 1;
        }
    }

    fn apply_acknowledgement(
        &mut self,
        items: &[AcknowledgedCharge],
        failed: &[crate::methods::FailedCharge],
    ) {
        let s = &mut self.state;
        s.counters.acknowledge_requests += 1;
        let failed: HashMap<&str, &crate::methods::FailedCharge> =
            failed.iter().map(|f| (f.number.as_str(), f)).collect();
        for item in items {
            let refusal = failed
                .get(item.number.as_str())
                .filter(|f| !s.options.already_acknowledged_codes.contains(&f.error_code));
            match refusal {
                Some(f) => {
                    if let Some(t) = s.charges.get_mut(&item.number) {
                        t.attempts += 1;
                        t.last_error = Some(AckError {
                            code: f.error_code.clone(),
                            description: f.error_description.clone(),
                        });
                    }
                }
                None => {
                    if let Some(t) = s.charges.remove(&item.number) {
                        if t.in_offset {
                            s.offset = s.offset.saturating_sub(1);
                        }
                        s.counters.acknowledged += 1;
                        s.finished.insert(item.number.clone());
                    }
                }
            }
        }
    }

    /// Hands over the charges received and not yet handed over, in the order received. A charge
    /// is marked `redelivered` when it may have been handed over before.
    pub fn take_charges(&mut self) -> Vec<DeliveredCharge> {
        let s = &mut self.state;
        let is_ready = |t: &Tracked| t.stage == Stage::Ready;
        let numbers: Vec<String> = match self.cache.ready.replace(Vec::new()) {
            // In seq order, as listed.
            Some(numbers) => numbers,
            None => in_seq_order(&s.charges, is_ready)
                .into_iter()
                .cloned()
                .collect(),
        };
        #[cfg(debug_assertions)]
        {
            let mut seen = std::collections::HashSet::new();
            let listed: Vec<&String> = numbers
                .iter()
                .filter(|n| s.charges.get(*n).is_some_and(is_ready))
                .filter(|n| seen.insert(*n))
                .collect();
            let scanned = in_seq_order(&s.charges, is_ready);
            debug_assert_eq!(
                listed, scanned,
                "the cached ready charges depart from the state"
            );
        }
        let mut out = Vec::with_capacity(numbers.len());
        for number in &numbers {
            // One that moved on since it was listed (confirmed) is not ready.
            let Some(t) = s.charges.get_mut(number).filter(|t| is_ready(t)) else {
                continue;
            };
            // A ready charge is kept whole (`from_state` refuses one that is not).
            let Some(charge) = t.charge.as_deref().cloned() else {
                continue;
            };
            t.stage = Stage::Handed;
            t.handed_in_run = s.run;
            s.counters.handed_over += 1;
            if t.redelivered {
                s.counters.redelivered += 1;
            }
            out.push(DeliveredCharge {
                charge,
                redelivered: std::mem::take(&mut t.redelivered),
            });
        }
        out
    }

    /// Records that the billing system has taken these charges; in acknowledge mode they are
    /// acknowledged by the next requests. Confirming a charge again is harmless. A number that
    /// was not handed over fails the whole call (`invalid_enum` at `numbers[i]`) and nothing is
    /// recorded. Returns how many charges were newly confirmed.
    pub fn confirm<I, S>(&mut self, numbers: I) -> Result<usize, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let numbers: Vec<S> = numbers.into_iter().collect();
        let items: Vec<(&str, Option<&str>)> = numbers.iter().map(|n| (n.as_ref(), None)).collect();
        self.confirm_all(&items, |i| (index("numbers", i), String::new()), |_| false)
    }

    /// Confirms one charge with the operator's reference number, sent with its acknowledgement
    /// (unique per operator; a reference already given to another confirmed charge is a
    /// `duplicate` violation). Returns whether it was newly confirmed; confirming again keeps the
    /// first reference.
    pub fn confirm_with_reference(
        &mut self,
        number: &str,
        reference_number: &str,
    ) -> Result<bool, Error> {
        let paths = |_| ("number".to_owned(), "reference_number".to_owned());
        let newly = self.confirm_all(&[(number, Some(reference_number))], paths, |_| false)?;
        Ok(newly == 1)
    }

    /// Confirms several charges at once, each with or without a reference number, all or nothing:
    /// every item is checked as [`ChargeSync::confirm`] and [`ChargeSync::confirm_with_reference`]
    /// check it (paths `taken[i].number` and `taken[i].reference_number`; a reference given twice
    /// in the call is a `duplicate` too), and only then is anything recorded. `finished(number)`
    /// answers for a shell that keeps the numbers finished in this run itself (see
    /// [`ChargeSync::forget_finished`]): confirming such a charge again is harmless, as for one
    /// the state remembers; pass `|_| false` otherwise. Returns how many charges were newly
    /// confirmed.
    pub fn confirm_items<'a, I>(
        &mut self,
        taken: I,
        finished: impl FnMut(&str) -> bool,
    ) -> Result<usize, Error>
    where
        I: IntoIterator<Item = (&'a str, Option<&'a str>)>,
    {
        let taken: Vec<(&str, Option<&str>)> = taken.into_iter().collect();
        let paths = |i| {
            let at = index("taken", i);
            (format!("{at}.number"), format!("{at}.reference_number"))
        };
        self.confirm_all(&taken, paths, finished)
    }

    /// The confirmations, all or nothing: every item checked (`paths(i)`: where its number and
    /// its reference are, in the violations), then every item recorded. How many were newly
    /// confirmed.
    fn confirm_all(
        &mut self,
        items: &[(&str, Option<&str>)],
        paths: impl Fn(usize) -> (String, String),
        mut finished: impl FnMut(&str) -> bool,
    ) -> Result<usize, Error> {
        let mut out = Violations::default();
        let mut references: Vec<(&str, &str)> = Vec::new();
        for (i, (number, reference)) in items.iter().enumerate() {
            let (number_at, reference_at) = paths(i);
            self.check_confirmable(number, &number_at, &mut out, &mut finished);
            if let Some(r) = reference {
                self.check_reference(number, r, &reference_at, &references, &mut out);
                references.push((number, r));
            }
        }
        out.into_result()?;
        let newly = items
            .iter()
            .filter(|(number, reference)| self.confirm_checked(number, *reference))
            .count();
        if newly > 0 {
            self.cache.due = None;
        }
        Ok(newly)
    }

    /// Takes the numbers finished in this run out of the state and returns them, for a shell that
    /// keeps them itself (a journal has them in a table) so that the state does not grow with the
    /// run. From then on the shell answers for them: pass its answer to
    /// [`ChargeSync::feed_with`] and [`ChargeSync::confirm_items`], or a forgotten charge that a
    /// page lists again in the same run is handed over again.
    pub fn forget_finished(&mut self) -> Vec<String> {
        std::mem::take(&mut self.state.finished)
            .into_iter()
            .collect()
    }

    /// Checks a reference number for `number`: not blank, no control character, not given to
    /// another confirmed charge nor to another item of the same call (`earlier`).
    fn check_reference(
        &self,
        number: &str,
        reference_number: &str,
        path: &str,
        earlier: &[(&str, &str)],
        out: &mut Violations,
    ) {
        if reference_number.trim().is_empty() {
            out.push(
                path,
                ViolationCode::Required,
                "a reference number must not be blank",
            );
        } else if crate::json::has_control(reference_number) {
            out.push(
                path,
                ViolationCode::InvalidFormat,
                crate::json::CONTROL_MESSAGE,
            );
        } else if earlier
            .iter()
            .any(|(n, r)| *n != number && *r == reference_number)
            || self.state.charges.iter().any(|(n, t)| {
                n != number
                    && t.stage == Stage::Confirmed
                    && t.reference_number.as_deref() == Some(reference_number)
            })
        {
            out.push(
                path,
                ViolationCode::Duplicate,
                format!("reference number `{reference_number}` is used by another charge"),
            );
        }
    }

    fn check_confirmable(
        &self,
        number: &str,
        path: &str,
        out: &mut Violations,
        finished: &mut dyn FnMut(&str) -> bool,
    ) {
        let ok = match self.state.charges.get(number) {
            Some(t) => match t.stage {
                Stage::Ready => t.redelivered,
                Stage::Handed | Stage::Confirmed => true,
            },
            None => self.state.finished.contains(number) || finished(number),
        };
        if !ok {
            out.push(
                path,
                ViolationCode::InvalidEnum,
                format!("charge `{number}` has not been handed over"),
            );
            return;
        }
        // Acknowledging a charge to be left (pending, of an unknown status, or approved but not
        // priceable or negative) would take it off the server without a bill.
        if self.state.options.mode == SyncMode::Acknowledge {
            let charge = self
                .state
                .charges
                .get(number)
                .filter(|t| t.stage != Stage::Confirmed)
                .and_then(|t| t.charge.as_deref());
            if let Some(c) = charge.filter(|c| c.billing_action() == BillingAction::Leave) {
                out.push(
                    path,
                    ViolationCode::InvalidEnum,
                    format!(
                        "charge `{number}` is to be left on the server (billing action \
                         `leave`: {}); confirming it would acknowledge it without a bill",
                        leave_reason(c)
                    ),
                );
            }
        }
    }

    fn confirm_checked(&mut self, number: &str, reference_number: Option<&str>) -> bool {
        let s = &mut self.state;
        let Some(t) = s.charges.get_mut(number) else {
            return false;
        };
        if t.stage == Stage::Confirmed {
            return false;
        }
        s.counters.confirmed += 1;
        if let Some(c) = t.charge.as_ref().filter(|c| c.billable()) {
            s.counters.billable_confirmed += 1;
            crate::money::add_to_total(&mut s.counters.billable_total, &c.currency, &c.amount);
        }
        if s.options.mode == SyncMode::ReadOnly {
            s.charges.remove(number);
            s.finished.insert(number.to_owned());
            return true;
        }
        t.stage = Stage::Confirmed;
        t.redelivered = false;
        t.seq = s.next_seq;
        s.next_seq += 1;
        t.reference_number = reference_number.map(str::to_owned);
        // From now on only its acknowledgement matters: keep what that needs.
        if let Some(c) = t.charge.take() {
            t.key = Some(ChargeKey {
                number: c.number().to_owned(),
                billing_system_customer_identifier: c
                    .billing_system_customer_identifier
                    .to_string(),
            });
        }
        true
    }

    /// Whether the run is over: nothing to send, nothing to take.
    pub fn is_finished(&self) -> bool {
        let s = &self.state;
        let max = s.options.max_ack_attempts;
        s.in_flight.is_none()
            && s.list_exhausted
            && !s.charges.values().any(|t| {
                t.stage == Stage::Ready
                    || (s.options.mode == SyncMode::Acknowledge
                        && t.stage == Stage::Confirmed
                        && t.attempts < max)
            })
    }

    /// The summary of the current run.
    pub fn report(&self) -> SyncReport {
        let s = &self.state;
        let c = &s.counters;
        let max = s.options.max_ack_attempts;
        let mut failed: Vec<(&Tracked, FailedAcknowledgement)> = s
            .charges
            .values()
            .filter(|t| t.stage == Stage::Confirmed)
            .filter_map(|t| {
                let e = t.last_error.as_ref()?;
                let item = t.ack_item();
                Some((
                    t,
                    FailedAcknowledgement {
                        number: item.number,
                        billing_system_customer_identifier: item.billing_system_customer_identifier,
                        reference_number: item.reference_number,
                        error_code: e.code.clone(),
                        error_description: e.description.clone(),
                        attempts: t.attempts,
                        deferred: t.attempts >= max,
                    },
                ))
            })
            .collect();
        failed.sort_by_key(|(t, _)| t.seq);
        SyncReport {
            run: s.run,
            mode: s.options.mode,
            charge_status: s.options.status_filter(),
            pages: c.pages,
            listed: c.listed,
            handed_over: c.handed_over,
            redelivered: c.redelivered,
            confirmed: c.confirmed,
            acknowledged: c.acknowledged,
            acknowledge_requests: c.acknowledge_requests,
            unconfirmed: s
                .charges
                .values()
                .filter(|t| t.stage == Stage::Handed)
                .count() as u64,
            billable_confirmed: c.billable_confirmed,
            billable_total: c.billable_total.clone(),
            failed: failed.into_iter().map(|(_, f)| f).collect(),
            page_limit_reached: c.page_limit_reached,
            finished: self.is_finished(),
        }
    }
}

/// Why a charge's billing action is `leave`, in the words of an error message.
fn leave_reason(charge: &Charge) -> &'static str {
    match charge.charge_status {
        ChargeStatus::Approved if !charge.amount.is_priced() => {
            "approved, but its amount cannot be priced in its currency"
        }
        ChargeStatus::Approved => "approved with a negative amount",
        ChargeStatus::Pending => "pending",
        _ => "its status is not one the SDK knows",
    }
}
