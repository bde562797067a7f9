//! `Journal`: the journal of the nightly charge job, the one implementation in
//! `crmcom-netflix-client`, for `Client.sync_charges`. A run begun here can be resumed by the
//! Rust client and the other way round.

use std::sync::Mutex;

use crmcom_netflix::SyncOptions;
use crmcom_netflix_client::{Error as ClientError, Journal, Start, Taken};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyString, PyType};

use crate::convert::with_body;
use crate::errors::to_py_err;
use crate::functions::token_arg;
use crate::objects::PyCharge;
use crate::prepared::PyPreparedRequest;
use crate::sync::PySyncReport;

static JOURNAL_LOCKED: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static JOURNAL_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const ERRORS: &str = "crmcom_netflix._errors";

/// The Python exception for a client error: `JournalLocked`, `JournalError`, or the core's.
fn journal_err(py: Python<'_>, error: ClientError) -> PyErr {
    let built = (|| -> PyResult<PyErr> {
        let message = error.to_string();
        let instance = match error {
            ClientError::JournalLocked { path, holder } => JOURNAL_LOCKED
                .import(py, ERRORS, "JournalLocked")?
                .call1((message, path, holder))?,
            ClientError::InvalidRequest(v) => {
                return Ok(to_py_err(py, crmcom_netflix::Error::InvalidRequest(v)))
            }
            ClientError::Api { error, .. } => {
                return Ok(to_py_err(py, crmcom_netflix::Error::Api(error)))
            }
            ClientError::MalformedResponse { error, .. } => {
                return Ok(to_py_err(
                    py,
                    crmcom_netflix::Error::MalformedResponse(error),
                ))
            }
            _ => JOURNAL_ERROR
                .import(py, ERRORS, "JournalError")?
                .call1((message,))?,
        };
        Ok(PyErr::from_value(instance))
    })();
    built.unwrap_or_else(|e| e)
}

/// The journal at `path` (created if missing; in memory when `None`), locked for this job: a
/// second job on the same file raises `JournalLocked` at once and changes nothing.
#[pyclass(module = "crmcom_netflix", name = "Journal")]
pub struct PyJournal {
    // Send + Sync for Python: one job drives it at a time anyway.
    inner: Mutex<Option<Journal>>,
    path: Option<String>,
}

impl PyJournal {
    fn with<T>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Journal) -> Result<T, ClientError>,
    ) -> PyResult<T> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let journal = guard
            .as_mut()
            .ok_or_else(|| PyValueError::new_err("the journal is closed"))?;
        f(journal).map_err(|e| journal_err(py, e))
    }
}

#[pymethods]
impl PyJournal {
    #[new]
    #[pyo3(signature = (path = None))]
    fn new(py: Python<'_>, path: Option<std::path::PathBuf>) -> PyResult<Self> {
        let journal = match &path {
            Some(p) => Journal::open(p),
            None => Journal::in_memory(),
        }
        .map_err(|e| journal_err(py, e))?;
        Ok(PyJournal {
            inner: Mutex::new(Some(journal)),
            path: path.map(|p| p.display().to_string()),
        })
    }

    /// The path (`None` in memory).
    #[getter]
    fn path(&self) -> Option<String> {
        self.path.clone()
    }

    /// The current run (0 before `start`).
    #[getter]
    fn run(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |j| Ok(j.run()))
    }

    /// Starts the job with options as JSON (the `ChargeSync` options; a saved journal keeps its
    /// own): `"new"`, `"next_run"` or `"resumed"`.
    fn start(&self, py: Python<'_>, options_json: &str) -> PyResult<&'static str> {
        let options = SyncOptions::from_json(options_json).map_err(|e| to_py_err(py, e))?;
        let start = self.with(py, |j| j.start(options))?;
        Ok(match start {
            Start::New => "new",
            Start::NextRun => "next_run",
            Start::Resumed => "resumed",
        })
    }

    /// The next request to send, prepared with `token`; `None` when the run has nothing left.
    fn next_request(
        &self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
    ) -> PyResult<Option<PyPreparedRequest>> {
        let token = crmcom_netflix::Token::new(token_arg(Some(token))?.unwrap_or_default());
        Ok(self
            .with(py, |j| j.next_request(&token))?
            .map(PyPreparedRequest))
    }

    /// Takes the body of the request in flight and hands over a page's charges, in one
    /// transaction: `(charges, left)`, the charges for the billing (each with `redelivered`) and
    /// those left on the server. `ApiError` / `MalformedResponse` change nothing.
    #[pyo3(signature = (body, http_status = 200))]
    fn feed(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        http_status: u16,
    ) -> PyResult<(Py<PyList>, Py<PyList>)> {
        let handover = with_body(body, |bytes| self.with(py, |j| j.feed(bytes, http_status)))??;
        let flags: Vec<bool> = handover.charges.iter().map(|c| c.redelivered).collect();
        let charges = handover
            .charges
            .into_iter()
            .map(|c| c.charge.into())
            .collect();
        let taken = PyCharge::all(py, charges, None, |i| flags[i])?;
        let left = handover.left.into_iter().map(Into::into).collect();
        let left = PyCharge::all(py, left, None, |_| false)?;
        Ok((
            PyList::new(py, taken)?.unbind(),
            PyList::new(py, left)?.unbind(),
        ))
    }

    /// Records that the billing took these charges (numbers or `Charge` objects) and confirms
    /// them, in one transaction. Returns how many were newly confirmed.
    fn confirm(&self, py: Python<'_>, numbers: &Bound<'_, PyAny>) -> PyResult<usize> {
        let mut taken = Vec::new();
        for item in numbers.try_iter()? {
            let item = item?;
            if let Ok(charge) = item.cast::<PyCharge>() {
                taken.push(Taken::new(
                    charge.get().inner().number().unwrap_or_default(),
                ));
            } else if let Ok(s) = item.cast::<PyString>() {
                taken.push(Taken::new(s.to_cow()?.into_owned()));
            } else {
                return Err(pyo3::exceptions::PyTypeError::new_err(
                    "confirm() takes charge numbers or Charge objects",
                ));
            }
        }
        self.with(py, |j| j.confirm(&taken))
    }

    /// `(report, charges)`: the run's report and every charge taken in it, in order.
    fn summary(&self, py: Python<'_>) -> PyResult<(PySyncReport, Py<PyList>)> {
        let (summary, charges) = self.with(py, |j| {
            let summary = j.summary()?;
            let charges = j.charges(summary.run)?;
            Ok((summary, charges))
        })?;
        let charges = charges.into_iter().map(|e| e.charge.into()).collect();
        let list = PyCharge::all(py, charges, None, |_| false)?;
        Ok((
            PySyncReport(summary.report),
            PyList::new(py, list)?.unbind(),
        ))
    }

    /// Whether a page's handover is on disk before `feed` returns it (the default). Pass False
    /// when the billing only decides and the bills are written from the journal at the export,
    /// as `Client.sync_charges` does: the journal then writes to disk once per group of pages.
    fn set_durable_handover(&self, py: Python<'_>, durable: bool) -> PyResult<()> {
        self.with(py, |j| {
            j.set_durable_handover(durable);
            Ok(())
        })
    }

    /// Writes every step done since the last commit to disk now (the job commits by itself
    /// when it must; closing without it is the same as a crash at the last commit).
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |j| j.flush())
    }

    /// Marks the run complete (after its export).
    fn complete(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |j| j.complete())
    }

    /// Whether the ledger holds the charge as taken.
    fn has_taken(&self, py: Python<'_>, number: &str) -> PyResult<bool> {
        self.with(py, |j| j.has_taken(number))
    }

    /// Closes the journal and releases its lock (also when the object is collected).
    fn close(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(
        &self,
        _kind: &Bound<'_, PyAny>,
        _value: &Bound<'_, PyAny>,
        _traceback: &Bound<'_, PyAny>,
    ) {
        self.close();
    }

    fn __repr__(&self) -> String {
        format!("Journal({:?})", self.path.as_deref().unwrap_or(":memory:"))
    }
}
