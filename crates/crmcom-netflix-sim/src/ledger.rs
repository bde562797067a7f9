//! The charge ledger: `charges/list`, `charges/acknowledge`, `charges/accept` and
//! `charges/decline`, and the knobs that add, process and disturb charges.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

use crmcom_netflix::{
    project_data, AcknowledgeCharges, ChargeSetItem, ChargeStatus, ChargeStatusFilter, ListCharges,
    Method, Release,
};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use crate::wire::{amount, date_or_null, date_value, SplitMix64};
use crate::{codes, Refusal, Sim};

/// A charge to add to the ledger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChargeSpec {
    /// The customer's identifier in the operator's billing system.
    pub billing_system_customer_identifier: String,
    /// The exact amount.
    #[serde(with = "crate::state::decimal")]
    pub amount: Decimal,
    /// ISO 4217 code (or anything else, to try an unknown currency).
    pub currency: String,
    /// Status on arrival. A processed status is dated at `received_on`.
    pub status: ChargeStatus,
    /// When Netflix received it, in epoch seconds; the arrival time when `None`.
    pub received_on: Option<i64>,
    /// Paid-through date in epoch seconds; 30 days after `received_on` when `None`.
    pub paid_through_date: Option<i64>,
    /// The amount in the operator's local currency (sent from R14.1.0).
    #[serde(with = "crate::state::optional_decimal")]
    pub local_currency_amount: Option<Decimal>,
    /// The operator's local currency (sent from R14.1.0).
    pub local_currency: Option<String>,
}

impl ChargeSpec {
    /// A charge with the given status, received on arrival.
    pub fn new(customer: &str, amount: Decimal, currency: &str, status: ChargeStatus) -> Self {
        ChargeSpec {
            billing_system_customer_identifier: customer.to_owned(),
            amount,
            currency: currency.to_owned(),
            status,
            received_on: None,
            paid_through_date: None,
            local_currency_amount: None,
            local_currency: None,
        }
    }

    /// An approved charge; `amount` is a decimal such as `"5.99"`.
    ///
    /// # Panics
    ///
    /// If `amount` is not a decimal number (a mistake in the test that builds it).
    pub fn approved(customer: &str, amount: &str, currency: &str) -> Self {
        ChargeSpec::new(customer, decimal(amount), currency, ChargeStatus::Approved)
    }

    /// A pending charge (R14.1.0 on); `amount` is a decimal such as `"5.99"`.
    ///
    /// # Panics
    ///
    /// If `amount` is not a decimal number.
    pub fn pending(customer: &str, amount: &str, currency: &str) -> Self {
        ChargeSpec::new(customer, decimal(amount), currency, ChargeStatus::Pending)
    }

    /// The same charge with another status.
    pub fn with_status(mut self, status: ChargeStatus) -> Self {
        self.status = status;
        self
    }

    /// The same charge received at another time (epoch seconds).
    pub fn received_at(mut self, received_on: i64) -> Self {
        self.received_on = Some(received_on);
        self
    }

    /// The same charge with an amount in the operator's local currency.
    pub fn with_local(mut self, amount: Decimal, currency: &str) -> Self {
        self.local_currency_amount = Some(amount);
        self.local_currency = Some(currency.to_owned());
        self
    }
}

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|_| panic!("`{text}` is not a decimal amount"))
}

/// A charge in the simulator's ledger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LedgerCharge {
    /// The charge number (`I00000001`, ...).
    pub number: String,
    /// The customer's identifier in the operator's billing system.
    pub billing_system_customer_identifier: String,
    /// The exact amount.
    #[serde(with = "crate::state::decimal")]
    pub amount: Decimal,
    /// The currency code.
    pub currency: String,
    /// The amount in the operator's local currency.
    #[serde(with = "crate::state::optional_decimal")]
    pub local_currency_amount: Option<Decimal>,
    /// The operator's local currency.
    pub local_currency: Option<String>,
    /// The status.
    pub status: ChargeStatus,
    /// When Netflix received it (epoch seconds).
    pub received_on: i64,
    /// Paid-through date (epoch seconds).
    pub paid_through_date: i64,
    /// When approved (epoch seconds).
    pub set_as_approved_on: Option<i64>,
    /// When declined.
    pub set_as_declined_on: Option<i64>,
    /// When flagged as a bad request.
    pub set_as_bad_request_on: Option<i64>,
    /// When rejected.
    pub set_as_rejected_request_on: Option<i64>,
    /// When acknowledged; acknowledged charges leave `charges/list`.
    pub acknowledged_on: Option<i64>,
    /// The reference number of the acknowledge, accept or decline that applied to it.
    pub reference_number: Option<String>,
    /// Acknowledgement attempts received for it, refused ones included.
    pub acknowledge_attempts: u32,
}

impl LedgerCharge {
    fn set_status(&mut self, status: ChargeStatus, at: i64) {
        match status {
            ChargeStatus::Approved => self.set_as_approved_on = Some(at),
            ChargeStatus::Declined => self.set_as_declined_on = Some(at),
            ChargeStatus::BadRequest => self.set_as_bad_request_on = Some(at),
            ChargeStatus::Rejected => self.set_as_rejected_request_on = Some(at),
            _ => {}
        }
        self.status = status;
    }
}

/// The ledger, in list order: oldest `received_on` first, ties in the order added.
#[derive(Debug, Default, Clone)]
pub(crate) struct Ledger {
    pub(crate) by_order: BTreeMap<(i64, u64), LedgerCharge>,
    pub(crate) index: HashMap<String, (i64, u64)>,
    /// The keys of the charges not yet acknowledged, so that a list skips the acknowledged
    /// ones without walking past them (a long run acknowledges from the front).
    pub(crate) open: BTreeSet<(i64, u64)>,
    pub(crate) added: u64,
    /// Pending charges that CRM.COM will process at a given time: number to (when, status).
    pub(crate) processing: HashMap<String, (i64, ChargeStatus)>,
    /// The same schedule in time order.
    pub(crate) processing_queue: BTreeSet<(i64, String)>,
}

impl Ledger {
    /// Puts a charge into the ledger under its list key.
    pub(crate) fn insert(&mut self, key: (i64, u64), charge: LedgerCharge) {
        self.index.insert(charge.number.clone(), key);
        if charge.acknowledged_on.is_none() {
            self.open.insert(key);
        }
        self.by_order.insert(key, charge);
    }

    fn get(&self, number: &str) -> Option<&LedgerCharge> {
        self.index.get(number).and_then(|k| self.by_order.get(k))
    }

    fn get_mut(&mut self, number: &str) -> Option<&mut LedgerCharge> {
        self.index
            .get(number)
            .and_then(|k| self.by_order.get_mut(k))
    }
}

fn listed(filter: Option<ChargeStatusFilter>, status: &ChargeStatus) -> bool {
    let pending = *status == ChargeStatus::Pending;
    match filter {
        Some(ChargeStatusFilter::NotProcessed) => pending,
        // Unknown statuses count as processed: a client must see values it does not know.
        Some(ChargeStatusFilter::Processed) | None => !pending,
    }
}

fn failed(number: &str, reference: Option<&str>, code: &str) -> Value {
    let description = match code {
        codes::CHARGE_NOT_FOUND => "No charge has this number",
        codes::CUSTOMER_MISMATCH => "The charge belongs to another customer",
        codes::CHARGE_ALREADY_ACKNOWLEDGED => "The charge has already been acknowledged",
        codes::CHARGE_NOT_PROCESSED => "The charge is pending and cannot be acknowledged yet",
        codes::CHARGE_ALREADY_PROCESSED => "The charge has already been processed",
        codes::DUPLICATE_REFERENCE_NUMBER => "The reference number is already used",
        codes::ACKNOWLEDGEMENT_FAILED => "The charge could not be acknowledged; try again",
        _ => "The charge could not be processed; try again",
    };
    json!({
        "number": number,
        "reference_number": reference,
        "error_code": code,
        "error_description": description,
    })
}

impl Sim {
    /// Adds a charge, received at `now` unless the spec says otherwise; returns its number.
    pub fn add_charge(&mut self, spec: ChargeSpec, now: i64) -> String {
        let ledger = &mut self.ledger;
        ledger.added += 1;
        let number = format!("I{:08}", ledger.added);
        let received_on = spec.received_on.unwrap_or(now);
        let mut charge = LedgerCharge {
            number: number.clone(),
            billing_system_customer_identifier: spec.billing_system_customer_identifier,
            amount: spec.amount,
            currency: spec.currency,
            local_currency_amount: spec.local_currency_amount,
            local_currency: spec.local_currency,
            status: ChargeStatus::Pending,
            received_on,
            paid_through_date: spec.paid_through_date.unwrap_or(received_on + 30 * 86_400),
            set_as_approved_on: None,
            set_as_declined_on: None,
            set_as_bad_request_on: None,
            set_as_rejected_request_on: None,
            acknowledged_on: None,
            reference_number: None,
            acknowledge_attempts: 0,
        };
        charge.set_status(spec.status, received_on);
        ledger.insert((received_on, ledger.added), charge);
        self.changed();
        number
    }

    /// A charge of the ledger.
    pub fn charge(&self, number: &str) -> Option<&LedgerCharge> {
        self.ledger.get(number)
    }

    /// Every charge of the ledger, acknowledged ones included, in list order.
    pub fn charges(&self) -> impl Iterator<Item = &LedgerCharge> {
        self.ledger.by_order.values()
    }

    /// CRM.COM processes a pending charge: it becomes `status` (approved, declined, bad request,
    /// rejected or an unknown value), dated `now`. Fails with [`codes::CHARGE_NOT_FOUND`] or
    /// [`codes::CHARGE_ALREADY_PROCESSED`] (also when `status` is `PENDING`).
    pub fn process_charge(
        &mut self,
        number: &str,
        status: ChargeStatus,
        now: i64,
    ) -> Result<(), &'static str> {
        let charge = self.ledger.get_mut(number).ok_or(codes::CHARGE_NOT_FOUND)?;
        if charge.status != ChargeStatus::Pending || status == ChargeStatus::Pending {
            return Err(codes::CHARGE_ALREADY_PROCESSED);
        }
        charge.set_status(status, now);
        self.unschedule_processing(number);
        self.changed();
        Ok(())
    }

    /// CRM.COM will process a pending charge at `at` (epoch seconds): from the first request (or
    /// [`Sim::advance`]) at or after that time, it is `status`, dated `at`. So a pending charge
    /// turns approved over time, whatever the clock's steps. Replaces an earlier schedule of the
    /// charge. Fails like [`Sim::process_charge`] for a charge that is unknown or not pending.
    pub fn schedule_processing(
        &mut self,
        number: &str,
        at: i64,
        status: ChargeStatus,
    ) -> Result<(), &'static str> {
        let charge = self.ledger.get(number).ok_or(codes::CHARGE_NOT_FOUND)?;
        if charge.status != ChargeStatus::Pending || status == ChargeStatus::Pending {
            return Err(codes::CHARGE_ALREADY_PROCESSED);
        }
        self.unschedule_processing(number);
        self.ledger
            .processing
            .insert(number.to_owned(), (at, status));
        self.ledger.processing_queue.insert((at, number.to_owned()));
        self.changed();
        Ok(())
    }

    /// When and to what a pending charge is scheduled to be processed.
    pub fn scheduled_processing(&self, number: &str) -> Option<(i64, &ChargeStatus)> {
        self.ledger.processing.get(number).map(|(at, s)| (*at, s))
    }

    fn unschedule_processing(&mut self, number: &str) {
        if let Some((at, _)) = self.ledger.processing.remove(number) {
            self.ledger
                .processing_queue
                .remove(&(at, number.to_owned()));
        }
    }

    /// Processes every pending charge whose scheduled time has come by `now`; returns how many.
    /// Every request does this first, with its own time.
    pub fn advance(&mut self, now: i64) -> usize {
        let mut done = 0;
        while let Some((at, number)) = self.ledger.processing_queue.first().cloned() {
            if at > now {
                break;
            }
            self.ledger.processing_queue.pop_first();
            if let Some((at, status)) = self.ledger.processing.remove(&number) {
                if let Some(c) = self.ledger.get_mut(&number) {
                    if c.status == ChargeStatus::Pending {
                        c.set_status(status, at);
                        done += 1;
                    }
                }
            }
        }
        if done > 0 {
            self.changed();
        }
        done
    }

    /// Processes pending charges now: each becomes the status it was scheduled to turn to
    /// (`APPROVED` when it had no schedule), or `status` when given. `numbers` picks the
    /// charges (every pending one when `None`); `limit` caps how many, oldest first. Returns
    /// the numbers processed; unknown or processed numbers are skipped.
    pub fn process_pending(
        &mut self,
        numbers: Option<&[String]>,
        status: Option<ChargeStatus>,
        limit: Option<usize>,
        now: i64,
    ) -> Vec<String> {
        let chosen: Vec<String> = match numbers {
            Some(n) => n.to_vec(),
            None => self
                .ledger
                .open
                .iter()
                .filter_map(|k| self.ledger.by_order.get(k))
                .filter(|c| c.status == ChargeStatus::Pending)
                .map(|c| c.number.clone())
                .collect(),
        };
        let mut done = Vec::new();
        for number in chosen {
            if limit.is_some_and(|l| done.len() >= l) {
                break;
            }
            let to = status.clone().unwrap_or_else(|| {
                self.ledger
                    .processing
                    .get(&number)
                    .map_or(ChargeStatus::Approved, |(_, s)| s.clone())
            });
            if to == ChargeStatus::Pending {
                continue;
            }
            if self.process_charge(&number, to, now).is_ok() {
                done.push(number);
            }
        }
        done
    }

    /// A charge arrives just before the `requests_from_now`-th request from now (1: the next
    /// one), received at that request's time unless the spec says otherwise.
    pub fn schedule_charge(&mut self, requests_from_now: u64, spec: ChargeSpec) {
        let at = self.stats.requests + requests_from_now.max(1);
        self.faults.scheduled.entry(at).or_default().push(spec);
    }

    /// Adds now every scheduled charge whose request has not come yet; returns how many.
    pub fn add_scheduled_charges(&mut self, now: i64) -> usize {
        let scheduled = std::mem::take(&mut self.faults.scheduled);
        let mut added = 0;
        for spec in scheduled.into_values().flatten() {
            self.add_charge(spec, now);
            added += 1;
        }
        added
    }

    /// Refuses the next `times` acknowledgements of a charge with
    /// [`codes::ACKNOWLEDGEMENT_FAILED`].
    pub fn fail_acknowledgement(&mut self, number: &str, times: u32) {
        self.faults
            .acknowledgement_failures
            .insert(number.to_owned(), times);
    }

    /// Refuses each acknowledgement of a charge (that would otherwise succeed) with probability
    /// `per_mille` / 1000, drawn from a generator seeded with `seed`; 0 turns it off.
    pub fn fail_acknowledgements_at_rate(&mut self, per_mille: u32, seed: u64) {
        self.faults.acknowledgement_failure_rate =
            (per_mille > 0).then_some((per_mille, SplitMix64(seed)));
    }

    /// Returns the next `charges/list` page in reverse order (newest first).
    pub fn reorder_next_page(&mut self) {
        self.faults.reorder_next_page = true;
    }

    /// Serves the next `charges/list` page from `offset + by` instead of `offset` (at least 0):
    /// a negative shift repeats charges already listed, a positive one skips some.
    pub fn shift_next_page(&mut self, by: i64) {
        self.faults.shift_next_page = Some(by);
    }

    /// Turns every fault knob off: acknowledgement failures (chosen and random), page faults
    /// not yet used, and unavailability. Scheduled charges still arrive.
    pub fn clear_faults(&mut self) {
        let scheduled = std::mem::take(&mut self.faults.scheduled);
        self.faults = crate::Faults {
            scheduled,
            ..crate::Faults::default()
        };
    }

    /// Refuses the next `count` requests with [`codes::SERVICE_UNAVAILABLE`], doing nothing.
    pub fn fail_next_requests(&mut self, count: u32) {
        self.faults.unavailable = count;
    }

    fn charge_json(&self, c: &LedgerCharge) -> Value {
        let mut m = Map::new();
        m.insert("number".into(), json!(c.number));
        m.insert(
            "billing_system_customer_identifier".into(),
            json!(c.billing_system_customer_identifier),
        );
        m.insert(
            "amount".into(),
            amount(c.amount, self.single_precision_amounts),
        );
        m.insert("currency".into(), json!(c.currency));
        if self.release >= Release::R14_1_0 {
            if let (Some(a), Some(cur)) = (c.local_currency_amount, &c.local_currency) {
                m.insert(
                    "local_currency_amount".into(),
                    amount(a, self.single_precision_amounts),
                );
                m.insert("local_currency".into(), json!(cur));
            }
        }
        m.insert("paid_through_date".into(), date_value(c.paid_through_date));
        m.insert("charge_status".into(), json!(c.status.as_str()));
        m.insert("received_on".into(), date_value(c.received_on));
        m.insert(
            "set_as_approved_on".into(),
            date_or_null(c.set_as_approved_on),
        );
        m.insert(
            "set_as_declined_on".into(),
            date_or_null(c.set_as_declined_on),
        );
        m.insert(
            "set_as_bad_request_on".into(),
            date_or_null(c.set_as_bad_request_on),
        );
        m.insert(
            "set_as_rejected_request_on".into(),
            date_or_null(c.set_as_rejected_request_on),
        );
        Value::Object(m)
    }

    pub(crate) fn list_charges(&mut self, request: ListCharges) -> Result<Value, Refusal> {
        let shift = self.faults.shift_next_page.take().unwrap_or(0);
        let offset = i128::from(request.offset) + i128::from(shift);
        let offset = usize::try_from(offset.max(0)).unwrap_or(usize::MAX);
        let filter = request.charge_status;
        let mut page: Vec<Value> = self
            .ledger
            .open
            .iter()
            .filter_map(|k| self.ledger.by_order.get(k))
            .filter(|c| listed(filter, &c.status))
            .skip(offset)
            .take(request.number_of_results as usize)
            .map(|c| self.charge_json(c))
            .collect();
        if std::mem::take(&mut self.faults.reorder_next_page) {
            page.reverse();
        }
        let data = json!({ "charges_set": page });
        Ok(match &request.fields_set {
            Some(f) => project_data(Method::ChargesList, &data, f.names()),
            None => data,
        })
    }

    /// The refusal (a charge error code) of one item of a set, if any.
    fn refusal_of<I: ChargeSetItem>(&self, item: &I) -> Option<&'static str> {
        let Some(c) = self.ledger.get(item.number()) else {
            return Some(codes::CHARGE_NOT_FOUND);
        };
        if c.billing_system_customer_identifier != item.billing_system_customer_identifier() {
            return Some(codes::CUSTOMER_MISMATCH);
        }
        let reference = item.reference_number().filter(|r| !r.trim().is_empty());
        if reference
            .and_then(|r| self.references.get(r))
            .is_some_and(|owner| owner != item.number())
        {
            return Some(codes::DUPLICATE_REFERENCE_NUMBER);
        }
        None
    }

    fn record_reference<I: ChargeSetItem>(&mut self, item: &I) {
        if let Some(r) = item.reference_number().filter(|r| !r.trim().is_empty()) {
            self.references
                .insert(r.to_owned(), item.number().to_owned());
            if let Some(c) = self.ledger.get_mut(item.number()) {
                c.reference_number = Some(r.to_owned());
            }
        }
    }

    pub(crate) fn acknowledge(
        &mut self,
        request: AcknowledgeCharges,
        now: i64,
    ) -> Result<Value, Refusal> {
        let mut refused = Vec::new();
        for item in &request.acknowledged_charges_set {
            if let Some(c) = self.ledger.get_mut(&item.number) {
                c.acknowledge_attempts += 1;
            }
            let code = self.refusal_of(item).or_else(|| {
                let c = self.ledger.get(&item.number)?;
                if c.acknowledged_on.is_some() {
                    Some(codes::CHARGE_ALREADY_ACKNOWLEDGED)
                } else if c.status == ChargeStatus::Pending {
                    Some(codes::CHARGE_NOT_PROCESSED)
                } else {
                    None
                }
            });
            let code = code
                .map(str::to_owned)
                .or_else(|| self.injected_failure(&item.number))
                .or_else(|| self.faults.failing_items.pop());
            match code {
                Some(code) => {
                    self.count_refusal(&code);
                    refused.push(failed(
                        &item.number,
                        item.reference_number.as_deref(),
                        &code,
                    ))
                }
                None => {
                    self.record_reference(item);
                    self.mark_acknowledged(&item.number, now);
                }
            }
        }
        Ok(json!({ "failed_charges_set": refused }))
    }

    /// The charge is acknowledged at `at`: it leaves the lists.
    pub(crate) fn mark_acknowledged(&mut self, number: &str, at: i64) {
        if let Some(c) = self.ledger.get_mut(number) {
            c.acknowledged_on = Some(at);
        }
        if let Some(key) = self.ledger.index.get(number) {
            self.ledger.open.remove(key);
        }
    }

    fn count_refusal(&mut self, code: &str) {
        *self
            .stats
            .charge_refusals
            .entry(code.to_owned())
            .or_insert(0) += 1;
    }

    fn injected_failure(&mut self, number: &str) -> Option<String> {
        if let Some(left) = self.faults.acknowledgement_failures.get_mut(number) {
            if *left > 0 {
                *left -= 1;
                return Some(codes::ACKNOWLEDGEMENT_FAILED.to_owned());
            }
        }
        let (per_mille, rng) = self.faults.acknowledgement_failure_rate.as_mut()?;
        rng.chance(*per_mille)
            .then(|| codes::ACKNOWLEDGEMENT_FAILED.to_owned())
    }

    /// Accept (`approve`) or decline pending charges.
    pub(crate) fn settle<I: ChargeSetItem>(
        &mut self,
        items: Vec<I>,
        approve: bool,
        now: i64,
    ) -> Result<Value, Refusal> {
        let mut refused = Vec::new();
        for item in &items {
            let code = self.refusal_of(item).or_else(|| {
                let c = self.ledger.get(item.number())?;
                (c.status != ChargeStatus::Pending).then_some(codes::CHARGE_ALREADY_PROCESSED)
            });
            let code = code
                .map(str::to_owned)
                .or_else(|| self.faults.failing_items.pop());
            match code {
                Some(code) => {
                    self.count_refusal(&code);
                    refused.push(failed(item.number(), item.reference_number(), &code))
                }
                None => {
                    self.record_reference(item);
                    if let Some(c) = self.ledger.get_mut(item.number()) {
                        let status = if approve {
                            ChargeStatus::Approved
                        } else {
                            ChargeStatus::Declined
                        };
                        c.set_status(status, now);
                    }
                    self.unschedule_processing(item.number());
                }
            }
        }
        Ok(if refused.is_empty() {
            json!({})
        } else {
            json!({ "failed_charges_set": refused })
        })
    }
}
