//! `Simulator`: the Rust simulator of the CRM.COM side (`crmcom-netflix-sim`), which
//! `crmcom_netflix.testing.FakeCrm` turns into a transport for the client.

use std::str::FromStr;

use crmcom_netflix::{ChargeStatus, Release};
use crmcom_netflix_sim::{ChargeSpec, LedgerCharge, PromotionSpec, Sim, SubscriptionRecord, User};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use rust_decimal::Decimal;

use crate::convert::{decimal, opt_str, req_str, to_json, to_py, type_error};
use crate::prepared::PyPreparedRequest;

/// The simulated CRM.COM server: a pure, deterministic model of every method with fault knobs.
/// `handle(request, now)` takes a prepared request and the time in epoch seconds and returns the
/// response body a server would send. See `crmcom_netflix.testing.FakeCrm` for the transport.
#[pyclass(module = "crmcom_netflix.testing", name = "Simulator")]
pub struct PySimulator {
    sim: Sim,
}

fn release_of(release: Option<&Bound<'_, PyAny>>) -> PyResult<Release> {
    match opt_str(release, "release")? {
        None => Ok(Release::LATEST),
        Some(name) => Release::from_name(&name)
            .ok_or_else(|| PyValueError::new_err(format!("unknown release `{name}`"))),
    }
}

fn amount_of(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Decimal> {
    // Through text, so that Decimal("5.99") stays exact.
    let text = if value.is_instance_of::<PyString>() {
        req_str(value, name)?
    } else if value.is_instance(crate::convert::decimal_type(value.py())?)?
        || value.extract::<i64>().is_ok()
    {
        value.str()?.to_cow()?.into_owned()
    } else {
        return Err(type_error(
            name,
            "a Decimal, an int or a decimal str",
            value,
        ));
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| PyValueError::new_err(format!("{name}: `{text}` is not a decimal amount")))
}

fn status_of(value: Option<&Bound<'_, PyAny>>) -> PyResult<ChargeStatus> {
    match value.filter(|v| !v.is_none()) {
        None => Ok(ChargeStatus::Approved),
        Some(v) => match to_json(v, "status")? {
            serde_json::Value::String(s) => Ok(ChargeStatus::from_wire(&s)),
            _ => Err(type_error("status", "a ChargeStatus or its wire str", v)),
        },
    }
}

fn code_error(code: &str) -> PyErr {
    PyValueError::new_err(code.to_owned())
}

fn ledger_dict(py: Python<'_>, c: &LedgerCharge) -> PyResult<Py<PyAny>> {
    let d = PyDict::new(py);
    d.set_item("number", &c.number)?;
    d.set_item(
        "billing_system_customer_identifier",
        &c.billing_system_customer_identifier,
    )?;
    d.set_item("amount", decimal(py, &c.amount.to_string())?)?;
    d.set_item("currency", &c.currency)?;
    d.set_item(
        "local_currency_amount",
        match &c.local_currency_amount {
            Some(a) => decimal(py, &a.to_string())?,
            None => py.None(),
        },
    )?;
    d.set_item("local_currency", c.local_currency.as_deref())?;
    d.set_item("status", c.status.as_str())?;
    d.set_item("received_on", c.received_on)?;
    d.set_item("paid_through_date", c.paid_through_date)?;
    d.set_item("set_as_approved_on", c.set_as_approved_on)?;
    d.set_item("set_as_declined_on", c.set_as_declined_on)?;
    d.set_item("set_as_bad_request_on", c.set_as_bad_request_on)?;
    d.set_item("set_as_rejected_request_on", c.set_as_rejected_request_on)?;
    d.set_item("acknowledged_on", c.acknowledged_on)?;
    d.set_item("reference_number", c.reference_number.as_deref())?;
    d.set_item("acknowledge_attempts", c.acknowledge_attempts)?;
    Ok(d.into_any().unbind())
}

fn subscription_dict(py: Python<'_>, s: &SubscriptionRecord) -> PyResult<Py<PyAny>> {
    let d = PyDict::new(py);
    d.set_item("subscription_number", &s.subscription_number)?;
    d.set_item(
        "billing_system_customer_identifier",
        &s.billing_system_customer_identifier,
    )?;
    d.set_item(
        "netflix_customer_identifier",
        s.netflix_customer_identifier.as_deref(),
    )?;
    d.set_item("promotion_code", s.promotion_code.as_deref())?;
    d.set_item("created_on", s.created_on)?;
    d.set_item("netflix_token", &s.netflix_token)?;
    d.set_item("netflix_token_expires_on", s.netflix_token_expires_on)?;
    d.set_item("signed_up", s.signed_up)?;
    d.set_item("suspended", s.suspended)?;
    d.set_item("cancelled", s.cancelled)?;
    d.set_item("netflix_state", s.netflix_state())?;
    d.set_item("life_cycle_state", s.life_cycle_state())?;
    d.set_item("parameters", to_py(py, &s.parameters)?)?;
    Ok(d.into_any().unbind())
}

#[allow(clippy::too_many_arguments)]
fn spec_of(
    customer: &Bound<'_, PyAny>,
    amount: &Bound<'_, PyAny>,
    currency: &Bound<'_, PyAny>,
    status: Option<&Bound<'_, PyAny>>,
    received_on: Option<i64>,
    paid_through_date: Option<i64>,
    local_currency_amount: Option<&Bound<'_, PyAny>>,
    local_currency: Option<&Bound<'_, PyAny>>,
) -> PyResult<ChargeSpec> {
    let mut spec = ChargeSpec::new(
        &req_str(customer, "customer")?,
        amount_of(amount, "amount")?,
        &req_str(currency, "currency")?,
        status_of(status)?,
    );
    spec.received_on = received_on;
    spec.paid_through_date = paid_through_date;
    if let Some(a) = local_currency_amount.filter(|v| !v.is_none()) {
        let code = opt_str(local_currency, "local_currency")?
            .ok_or_else(|| PyValueError::new_err("local_currency_amount needs local_currency"))?;
        spec = spec.with_local(amount_of(a, "local_currency_amount")?, &code);
    }
    Ok(spec)
}

#[pymethods]
impl PySimulator {
    /// A simulator of a server running `release` (the newest by default), with the default user
    /// (`USERNAME`, `PASSWORD`, `ORGANISATION`) and nothing else.
    #[new]
    #[pyo3(signature = (release = None))]
    fn new(release: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(PySimulator {
            sim: Sim::new(release_of(release)?),
        })
    }

    /// The default user's name.
    #[classattr]
    const USERNAME: &'static str = crmcom_netflix_sim::USERNAME;
    /// The default user's password.
    #[classattr]
    const PASSWORD: &'static str = crmcom_netflix_sim::PASSWORD;
    /// The default user's organisation.
    #[classattr]
    const ORGANISATION: &'static str = crmcom_netflix_sim::ORGANISATION;
    /// The default Web API key (of `ORGANISATION`).
    #[classattr]
    const API_KEY: &'static str = crmcom_netflix_sim::API_KEY;
    /// A login token's lifetime in seconds (two hours).
    #[classattr]
    const TOKEN_LIFETIME_SECONDS: i64 = crmcom_netflix_sim::TOKEN_LIFETIME_SECONDS;

    /// The release the simulated server runs.
    #[getter]
    fn release(&self) -> &'static str {
        self.sim.release().as_str()
    }

    /// Handles a prepared request at `now` (epoch seconds); returns the response body.
    fn handle<'py>(
        &mut self,
        py: Python<'py>,
        request: &Bound<'_, PyAny>,
        now: i64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let request = request
            .cast::<PyPreparedRequest>()
            .map_err(|_| type_error("request", "a PreparedRequest", request))?;
        let body = self.sim.handle(request.get().inner(), now);
        Ok(PyBytes::new(py, &body))
    }

    /// Handles a request given as HTTP parts: verb, path relative to `.../crmapi/rest/v2/`,
    /// decoded query pairs and body bytes, and the request's headers as (name, value) pairs
    /// (`Authorization` carries a Web API key).
    #[pyo3(signature = (verb, path, query, body, now, *, headers = Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn handle_http<'py>(
        &mut self,
        py: Python<'py>,
        verb: &Bound<'_, PyAny>,
        path: &Bound<'_, PyAny>,
        query: Vec<(String, String)>,
        body: Option<Vec<u8>>,
        now: i64,
        headers: Vec<(String, String)>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let out = self.sim.handle_http_with_headers(
            &req_str(verb, "verb")?,
            &req_str(path, "path")?,
            &headers,
            &query,
            body.as_deref(),
            now,
        );
        Ok(PyBytes::new(py, &out))
    }

    /// Adds a charge received at `now` (unless `received_on` says otherwise); returns its number.
    /// `amount` is exact (`Decimal` or `"5.99"`); `status` a `ChargeStatus` or any wire string.
    #[pyo3(signature = (
        customer, amount, currency, status = None, *, now, received_on = None,
        paid_through_date = None, local_currency_amount = None, local_currency = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn add_charge(
        &mut self,
        customer: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        currency: &Bound<'_, PyAny>,
        status: Option<&Bound<'_, PyAny>>,
        now: i64,
        received_on: Option<i64>,
        paid_through_date: Option<i64>,
        local_currency_amount: Option<&Bound<'_, PyAny>>,
        local_currency: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let spec = spec_of(
            customer,
            amount,
            currency,
            status,
            received_on,
            paid_through_date,
            local_currency_amount,
            local_currency,
        )?;
        Ok(self.sim.add_charge(spec, now))
    }

    /// A charge arrives just before the `requests_from_now`-th request from now (1: the next).
    #[pyo3(signature = (
        requests_from_now, customer, amount, currency, status = None, *, received_on = None,
        paid_through_date = None, local_currency_amount = None, local_currency = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn schedule_charge(
        &mut self,
        requests_from_now: u64,
        customer: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        currency: &Bound<'_, PyAny>,
        status: Option<&Bound<'_, PyAny>>,
        received_on: Option<i64>,
        paid_through_date: Option<i64>,
        local_currency_amount: Option<&Bound<'_, PyAny>>,
        local_currency: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let spec = spec_of(
            customer,
            amount,
            currency,
            status,
            received_on,
            paid_through_date,
            local_currency_amount,
            local_currency,
        )?;
        self.sim.schedule_charge(requests_from_now, spec);
        Ok(())
    }

    /// CRM.COM processes a pending charge into `status`, dated `now`. Raises `ValueError` with
    /// the simulator's code (`CHARGE_NOT_FOUND`, `CHARGE_ALREADY_PROCESSED`).
    fn process_charge(
        &mut self,
        number: &Bound<'_, PyAny>,
        status: &Bound<'_, PyAny>,
        now: i64,
    ) -> PyResult<()> {
        let status = status_of(Some(status))?;
        self.sim
            .process_charge(&req_str(number, "number")?, status, now)
            .map_err(code_error)
    }

    /// A charge of the ledger as a dict (acknowledged ones included), or `None`.
    fn charge(&self, py: Python<'_>, number: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
        self.sim
            .charge(&req_str(number, "number")?)
            .map(|c| ledger_dict(py, c))
            .transpose()
    }

    /// Every charge of the ledger as dicts, in list order.
    fn charges(&self, py: Python<'_>) -> PyResult<Py<PyList>> {
        let items: Vec<Py<PyAny>> = self
            .sim
            .charges()
            .map(|c| ledger_dict(py, c))
            .collect::<PyResult<_>>()?;
        Ok(PyList::new(py, items)?.unbind())
    }

    /// Adds a promotion (dates in epoch seconds).
    #[pyo3(signature = (code, name, effective_from, *, description = None, expires_on = None))]
    fn add_promotion(
        &mut self,
        code: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        effective_from: i64,
        description: Option<&Bound<'_, PyAny>>,
        expires_on: Option<i64>,
    ) -> PyResult<()> {
        let mut p = PromotionSpec::new(
            &req_str(code, "code")?,
            &req_str(name, "name")?,
            effective_from,
        );
        p.description = opt_str(description, "description")?;
        p.expires_on = expires_on;
        self.sim.add_promotion(p);
        Ok(())
    }

    /// The subscriptions as dicts, in the order created.
    fn subscriptions(&self, py: Python<'_>) -> PyResult<Py<PyList>> {
        let items: Vec<Py<PyAny>> = self
            .sim
            .subscriptions()
            .iter()
            .map(|s| subscription_dict(py, s))
            .collect::<PyResult<_>>()?;
        Ok(PyList::new(py, items)?.unbind())
    }

    /// The customer finishes the Netflix sign-up with the token `create` returned; returns the
    /// Netflix customer identifier. Raises `ValueError` with the simulator's code.
    fn complete_sign_up(&mut self, netflix_token: &Bound<'_, PyAny>, now: i64) -> PyResult<String> {
        self.sim
            .complete_sign_up(&req_str(netflix_token, "netflix_token")?, now)
            .map_err(code_error)
    }

    /// Cancels the customer's current subscription.
    fn cancel_subscription(&mut self, customer: &Bound<'_, PyAny>) -> PyResult<()> {
        self.sim
            .cancel_subscription(&req_str(customer, "customer")?)
            .map_err(code_error)
    }

    /// Sets the `prices_set` that `subscriptions/show` returns.
    fn set_prices(&mut self, prices: &Bound<'_, PyAny>) -> PyResult<()> {
        match to_json(prices, "prices")? {
            serde_json::Value::Array(items) => {
                self.sim.set_prices(items);
                Ok(())
            }
            _ => Err(type_error("prices", "a list of dicts", prices)),
        }
    }

    /// Whether amounts go out as single-precision floats widened to double (the default).
    fn set_single_precision_amounts(&mut self, on: bool) {
        self.sim.set_single_precision_amounts(on);
    }

    /// Adds a user who can log in (into any unit when `units` is empty).
    #[pyo3(signature = (username, password, organisation, units = Vec::new()))]
    fn add_user(
        &mut self,
        username: &Bound<'_, PyAny>,
        password: &Bound<'_, PyAny>,
        organisation: &Bound<'_, PyAny>,
        units: Vec<String>,
    ) -> PyResult<()> {
        let mut user = User::new(
            &req_str(username, "username")?,
            &req_str(password, "password")?,
            &req_str(organisation, "organisation")?,
        );
        user.units = units;
        self.sim.add_user(user);
        Ok(())
    }

    /// Refuses the next `times` acknowledgements of a charge (`ACKNOWLEDGEMENT_FAILED`).
    fn fail_acknowledgement(&mut self, number: &Bound<'_, PyAny>, times: u32) -> PyResult<()> {
        self.sim
            .fail_acknowledgement(&req_str(number, "number")?, times);
        Ok(())
    }

    /// Refuses each acknowledgement with probability `per_mille` / 1000 (0 turns it off).
    fn fail_acknowledgements_at_rate(&mut self, per_mille: u32, seed: u64) {
        self.sim.fail_acknowledgements_at_rate(per_mille, seed);
    }

    /// Returns the next `charges/list` page newest first.
    fn reorder_next_page(&mut self) {
        self.sim.reorder_next_page();
    }

    /// Serves the next `charges/list` page from `offset + by`.
    fn shift_next_page(&mut self, by: i64) {
        self.sim.shift_next_page(by);
    }

    /// Expires a login token now.
    fn expire_token(&mut self, token: &Bound<'_, PyAny>) -> PyResult<()> {
        let token = crate::functions::token_arg(Some(token))?.unwrap_or_default();
        self.sim.expire_token(&token);
        Ok(())
    }

    /// Expires every login token issued so far.
    fn expire_all_tokens(&mut self) {
        self.sim.expire_all_tokens();
    }

    /// Refuses the next `count` requests with `SERVICE_UNAVAILABLE`.
    fn fail_next_requests(&mut self, count: u32) {
        self.sim.fail_next_requests(count);
    }

    /// Turns every fault knob off (scheduled charges still arrive).
    fn clear_faults(&mut self) {
        self.sim.clear_faults();
    }

    /// Adds now every scheduled charge whose request has not come yet; returns how many.
    fn add_scheduled_charges(&mut self, now: i64) -> usize {
        self.sim.add_scheduled_charges(now)
    }

    /// What the simulator was asked: `requests`, `by_method`, `invalid_requests`, `errors`.
    fn stats(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let s = self.sim.stats();
        let d = PyDict::new(py);
        d.set_item("requests", s.requests)?;
        let by = PyDict::new(py);
        for (k, v) in &s.by_method {
            by.set_item(k, v)?;
        }
        d.set_item("by_method", by)?;
        d.set_item("invalid_requests", s.invalid_requests)?;
        d.set_item("errors", s.errors)?;
        Ok(d.into_any().unbind())
    }

    fn __repr__(&self) -> String {
        format!(
            "Simulator(release={:?}, requests={})",
            self.sim.release().as_str(),
            self.sim.stats().requests
        )
    }
}
