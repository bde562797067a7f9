//! `ChargeSync`: the core's sans-IO charge loop, with an iterator over its requests so that the
//! loop reads as a `for` loop.

use crmcom_netflix::{
    ChargeSync, FailedAcknowledgement, SyncOptions, SyncReport, SyncState, Token,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyType};
use pyo3::{PyTraverseError, PyVisit};
use serde_json::{Map, Value};

use crate::convert::{decimal, req_str, to_json, to_py, type_error, with_body, with_text};
use crate::errors::IntoPyResult;
use crate::functions::token_arg;
use crate::objects::PyCharge;
use crate::prepared::PyPreparedRequest;

static CHARGE_STATUS_FILTER: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The charge loop as a state machine: list charges 50 at a time, hand them to the billing
/// system, acknowledge the ones it confirms as taken; never skip or double-bill.
///
/// It does no I/O. `next_request(token)` gives the request to send, `feed(body)` takes the
/// response, `take_charges()` hands over the charges received, `confirm(numbers)` records which
/// ones the billing system took, `report()` sums up the run. `state_json()` is everything it
/// knows: save it after every step, before acting on what the step returned, and resume with
/// `ChargeSync.from_state(...)` after a crash (charges handed over and not confirmed come back
/// with `redelivered` set).
///
///     sync = ChargeSync()
///     for request in sync.requests(token):
///         sync.feed(send(request))
///         charges = sync.take_charges()
///         bill(charges)
///         sync.confirm(charges)
#[pyclass(module = "crmcom_netflix", name = "ChargeSync")]
pub struct PyChargeSync {
    sync: ChargeSync,
}

fn options_from(
    py: Python<'_>,
    given: &[(&str, Option<&Bound<'_, PyAny>>)],
) -> PyResult<SyncOptions> {
    let mut map = Map::new();
    for (name, value) in given {
        if let Some(v) = value.filter(|v| !v.is_none()) {
            map.insert((*name).to_owned(), to_json(v, name)?);
        }
    }
    SyncOptions::from_json(&Value::Object(map).to_string()).py_err(py)
}

/// A token given as a `Token`, a `str`, or a callable returning one (called now).
fn token_of(token: &Bound<'_, PyAny>) -> PyResult<Token> {
    let token = if token.is_callable() {
        token.call0()?
    } else {
        token.clone()
    };
    Ok(Token::new(token_arg(Some(&token))?.unwrap_or_default()))
}

#[pymethods]
impl PyChargeSync {
    /// A sync at the start of its first run. Options left out take the core's defaults:
    /// acknowledge mode, `PROCESSED` charges, pages of 50, 3 acknowledgement attempts per charge.
    /// Raises `ValidationError` if the options do not fit their release.
    #[new]
    #[pyo3(signature = (
        *,
        release = None,
        mode = None,
        charge_status = None,
        page_size = None,
        max_ack_attempts = None,
        max_pages_per_run = None,
        keep_unconfirmed_runs = None,
        already_acknowledged_codes = None,
        acknowledge_after_pages = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        release: Option<&Bound<'_, PyAny>>,
        mode: Option<&Bound<'_, PyAny>>,
        charge_status: Option<&Bound<'_, PyAny>>,
        page_size: Option<&Bound<'_, PyAny>>,
        max_ack_attempts: Option<&Bound<'_, PyAny>>,
        max_pages_per_run: Option<&Bound<'_, PyAny>>,
        keep_unconfirmed_runs: Option<&Bound<'_, PyAny>>,
        already_acknowledged_codes: Option<&Bound<'_, PyAny>>,
        acknowledge_after_pages: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let options = options_from(
            py,
            &[
                ("release", release),
                ("mode", mode),
                ("charge_status", charge_status),
                ("page_size", page_size),
                ("max_ack_attempts", max_ack_attempts),
                ("max_pages_per_run", max_pages_per_run),
                ("keep_unconfirmed_runs", keep_unconfirmed_runs),
                ("already_acknowledged_codes", already_acknowledged_codes),
                ("acknowledge_after_pages", acknowledge_after_pages),
            ],
        )?;
        Ok(PyChargeSync {
            sync: ChargeSync::new(options).py_err(py)?,
        })
    }

    /// Resumes from a saved `state_json()`. Charges handed over and not confirmed are handed over
    /// again, marked `redelivered`; a request in flight is handed out again.
    #[classmethod]
    fn from_state(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        state: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let state = with_text(state, |bytes| {
            std::str::from_utf8(bytes)
                .map_err(|e| PyTypeError::new_err(format!("state: {e}")))
                .map(SyncState::from_json)
        })??
        .py_err(py)?;
        Ok(PyChargeSync {
            sync: ChargeSync::from_state(state).py_err(py)?,
        })
    }

    /// Everything the sync knows, as JSON text (never the token).
    fn state_json(&self) -> String {
        self.sync.state().to_json()
    }

    /// The options, as a dict.
    #[getter]
    fn options(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(
            py,
            &serde_json::to_value(self.sync.options()).unwrap_or(Value::Null),
        )
    }

    /// The run number, from 1.
    #[getter]
    fn run(&self) -> u64 {
        self.sync.state().run()
    }

    /// The `offset` of the next page.
    #[getter]
    fn offset(&self) -> u64 {
        self.sync.state().offset()
    }

    /// Whether the run is over: nothing to send, nothing to take.
    #[getter]
    fn is_finished(&self) -> bool {
        self.sync.is_finished()
    }

    /// The next request to send, prepared with `token`; `None` when the run is over. While a
    /// request is in flight (not fed yet, or fed an error), it is that same request again.
    fn next_request(
        &mut self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
    ) -> PyResult<Option<PyPreparedRequest>> {
        let token = token_of(token)?;
        Ok(self
            .sync
            .next_request(&token)
            .py_err(py)?
            .map(PyPreparedRequest))
    }

    /// Iterates over the requests to send, each prepared with the token: a `Token`, a `str`, or
    /// a callable returning one (called for every request, so that a renewed token is used).
    fn requests(slf: Bound<'_, Self>, token: Bound<'_, PyAny>) -> SyncRequests {
        SyncRequests {
            sync: slf.unbind(),
            token: token.unbind(),
        }
    }

    /// Takes the response body of the request in flight. An `ApiError` or `MalformedResponse` is
    /// raised and changes nothing: the same request is handed out again.
    fn feed(&mut self, py: Python<'_>, body: &Bound<'_, PyAny>) -> PyResult<()> {
        let sync = &mut self.sync;
        with_body(body, |bytes| sync.feed(bytes))?.py_err(py)
    }

    /// Hands over the charges received and not yet handed over, in order; `redelivered` is set on
    /// those that may have been handed over before.
    fn take_charges(&mut self, py: Python<'_>) -> PyResult<Py<PyList>> {
        let delivered = self.sync.take_charges();
        let flags: Vec<bool> = delivered.iter().map(|d| d.redelivered).collect();
        let charges = delivered.into_iter().map(|d| d.charge.into()).collect();
        let objects = PyCharge::all(py, charges, None, |i| flags[i])?;
        Ok(PyList::new(py, objects)?.unbind())
    }

    /// Records that the billing system has taken these charges (numbers or `Charge` objects);
    /// they are acknowledged by the next requests. A number that was not handed over raises
    /// `ValidationError` and nothing is recorded. Returns how many were newly confirmed.
    fn confirm(&mut self, py: Python<'_>, numbers: &Bound<'_, PyAny>) -> PyResult<usize> {
        let mut list = Vec::new();
        for (i, item) in numbers.try_iter()?.enumerate() {
            let item = item?;
            if let Ok(charge) = item.cast::<PyCharge>() {
                list.push(charge.get().inner().number().unwrap_or_default().to_owned());
            } else if let Ok(s) = item.cast::<PyString>() {
                list.push(crate::convert::text(s, &format!("numbers[{i}]"))?.into_owned());
            } else {
                return Err(type_error(
                    &format!("numbers[{i}]"),
                    "a charge number or a Charge",
                    &item,
                ));
            }
        }
        self.sync.confirm(list).py_err(py)
    }

    /// Confirms one charge with the operator's reference number, sent with its acknowledgement.
    /// Returns whether it was newly confirmed.
    fn confirm_with_reference(
        &mut self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        reference_number: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let number = match number.cast::<PyCharge>() {
            Ok(c) => c.get().inner().number().unwrap_or_default().to_owned(),
            Err(_) => req_str(number, "number")?,
        };
        let reference = req_str(reference_number, "reference_number")?;
        self.sync
            .confirm_with_reference(&number, &reference)
            .py_err(py)
    }

    /// Starts the next run (the next night): the cursor goes back to 0, counters to zero;
    /// unfinished work is carried over.
    fn start_run(&mut self) {
        self.sync.start_run();
    }

    /// The summary of the current run.
    fn report(&self) -> PySyncReport {
        PySyncReport(self.sync.report())
    }

    fn __repr__(&self) -> String {
        let s = self.sync.state();
        format!(
            "ChargeSync(run={}, offset={}, finished={})",
            s.run(),
            s.offset(),
            if self.sync.is_finished() {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// The requests of a `ChargeSync`, one per step, until the run is over.
#[pyclass(module = "crmcom_netflix", name = "SyncRequests")]
pub struct SyncRequests {
    sync: Py<PyChargeSync>,
    token: Py<PyAny>,
}

#[pymethods]
impl SyncRequests {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyPreparedRequest>> {
        let token = token_of(self.token.bind(py))?;
        let mut sync = self.sync.bind(py).try_borrow_mut()?;
        Ok(sync
            .sync
            .next_request(&token)
            .py_err(py)?
            .map(PyPreparedRequest))
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.sync)?;
        visit.call(&self.token)?;
        Ok(())
    }
}

/// A charge whose acknowledgement failed and which is still not acknowledged.
#[pyclass(frozen, eq, module = "crmcom_netflix", name = "FailedAcknowledgement")]
#[derive(PartialEq)]
pub struct PyFailedAcknowledgement(FailedAcknowledgement);

#[pymethods]
impl PyFailedAcknowledgement {
    /// The charge number.
    #[getter]
    fn number(&self) -> &str {
        &self.0.number
    }
    /// The customer's identifier in the operator's billing system.
    #[getter]
    fn billing_system_customer_identifier(&self) -> &str {
        &self.0.billing_system_customer_identifier
    }
    /// The reference number sent with it, if any.
    #[getter]
    fn reference_number(&self) -> Option<&str> {
        self.0.reference_number.as_deref()
    }
    /// The last `error_code` (`INVALID_REQUEST` for an item that could not be sent).
    #[getter]
    fn error_code(&self) -> &str {
        &self.0.error_code
    }
    /// The last `error_description`.
    #[getter]
    fn error_description(&self) -> Option<&str> {
        self.0.error_description.as_deref()
    }
    /// Failed attempts in this run.
    #[getter]
    fn attempts(&self) -> u32 {
        self.0.attempts
    }
    /// Whether it has used up its attempts for this run (it is retried in the next run).
    #[getter]
    fn deferred(&self) -> bool {
        self.0.deferred
    }
    /// As a dict.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &serde_json::to_value(&self.0).unwrap_or(Value::Null))
    }
    fn __repr__(&self) -> String {
        format!(
            "FailedAcknowledgement(number={:?}, error_code={:?}, attempts={}, deferred={})",
            self.0.number,
            self.0.error_code,
            self.0.attempts,
            if self.0.deferred { "True" } else { "False" }
        )
    }
}

/// The summary of a sync run.
#[pyclass(frozen, eq, module = "crmcom_netflix", name = "SyncReport")]
#[derive(PartialEq)]
pub struct PySyncReport(pub SyncReport);

#[pymethods]
impl PySyncReport {
    /// The run number, from 1.
    #[getter]
    fn run(&self) -> u64 {
        self.0.run
    }
    /// `"acknowledge"` or `"read_only"`.
    #[getter]
    fn mode(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(
            py,
            &serde_json::to_value(self.0.mode).unwrap_or(Value::Null),
        )
    }
    /// The status filter sent (`None` before R14.1.0).
    #[getter]
    fn charge_status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match serde_json::to_value(self.0.charge_status).unwrap_or(Value::Null) {
            Value::String(s) => Ok(CHARGE_STATUS_FILTER
                .import(py, "crmcom_netflix._enums", "ChargeStatusFilter")?
                .call1((s,))?
                .unbind()),
            _ => Ok(py.None()),
        }
    }
    /// `charges/list` pages received.
    #[getter]
    fn pages(&self) -> u64 {
        self.0.pages
    }
    /// Charges received in those pages, repeats included.
    #[getter]
    fn listed(&self) -> u64 {
        self.0.listed
    }
    /// Charges handed over, redeliveries included.
    #[getter]
    fn handed_over(&self) -> u64 {
        self.0.handed_over
    }
    /// Charges handed over marked `redelivered`.
    #[getter]
    fn redelivered(&self) -> u64 {
        self.0.redelivered
    }
    /// Charges confirmed.
    #[getter]
    fn confirmed(&self) -> u64 {
        self.0.confirmed
    }
    /// Charges acknowledged (including ones the server reported already acknowledged).
    #[getter]
    fn acknowledged(&self) -> u64 {
        self.0.acknowledged
    }
    /// `charges/acknowledge` responses received.
    #[getter]
    fn acknowledge_requests(&self) -> u64 {
        self.0.acknowledge_requests
    }
    /// Charges handed over and not (yet) confirmed.
    #[getter]
    fn unconfirmed(&self) -> u64 {
        self.0.unconfirmed
    }
    /// Confirmed charges that are billable.
    #[getter]
    fn billable_confirmed(&self) -> u64 {
        self.0.billable_confirmed
    }
    /// The exact sum of the billable confirmed charges per currency code, as `Decimal`s.
    #[getter]
    fn billable_total(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        let out = PyDict::new(py);
        for (code, total) in &self.0.billable_total {
            out.set_item(code, decimal(py, &total.to_string())?)?;
        }
        Ok(out.unbind())
    }
    /// Confirmed charges not acknowledged because the server refused, with the reason.
    #[getter]
    fn failed(&self, py: Python<'_>) -> PyResult<Py<PyList>> {
        let items: Vec<PyFailedAcknowledgement> = self
            .0
            .failed
            .iter()
            .cloned()
            .map(PyFailedAcknowledgement)
            .collect();
        let mut objects = Vec::with_capacity(items.len());
        for item in items {
            objects.push(Py::new(py, item)?);
        }
        Ok(PyList::new(py, objects)?.unbind())
    }
    /// Whether the run stopped listing at `max_pages_per_run`.
    #[getter]
    fn page_limit_reached(&self) -> bool {
        self.0.page_limit_reached
    }
    /// Whether the run is over.
    #[getter]
    fn finished(&self) -> bool {
        self.0.finished
    }
    /// As a dict (totals as decimal strings).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &serde_json::to_value(&self.0).unwrap_or(Value::Null))
    }
    /// As JSON text.
    fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }
    fn __repr__(&self) -> String {
        format!(
            "SyncReport(run={}, pages={}, handed_over={}, confirmed={}, acknowledged={}, failed={}, finished={})",
            self.0.run,
            self.0.pages,
            self.0.handed_over,
            self.0.confirmed,
            self.0.acknowledged,
            self.0.failed.len(),
            if self.0.finished { "True" } else { "False" }
        )
    }
}
