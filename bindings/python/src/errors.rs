//! The core's errors as the Python exceptions of `crmcom_netflix._errors`: `ValidationError`
//! (with pydantic-style `errors`), `ApiError` and `MalformedResponse`.

use crmcom_netflix::Error;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

static VALIDATION_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static API_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static MALFORMED_RESPONSE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const ERRORS: &str = "crmcom_netflix._errors";

/// A violation path (`acknowledged_charges_set[3].number`) as a pydantic `loc` tuple
/// (`("acknowledged_charges_set", 3, "number")`); the empty path is `()`.
pub fn loc<'py>(py: Python<'py>, path: &str) -> PyResult<Bound<'py, PyTuple>> {
    let mut parts: Vec<Py<PyAny>> = Vec::new();
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (name, mut rest) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if !name.is_empty() {
            parts.push(name.into_pyobject(py)?.into_any().unbind());
        }
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(end) = inner.find(']') else { break };
            let index = &inner[..end];
            match index.parse::<u64>() {
                Ok(i) => parts.push(i.into_pyobject(py)?.into_any().unbind()),
                Err(_) => parts.push(index.into_pyobject(py)?.into_any().unbind()),
            }
            rest = &inner[end + 1..];
        }
    }
    PyTuple::new(py, parts)
}

/// The Python exception for a core error.
pub fn to_py_err(py: Python<'_>, error: Error) -> PyErr {
    match build(py, &error) {
        Ok(err) => err,
        Err(e) => e,
    }
}

fn build(py: Python<'_>, error: &Error) -> PyResult<PyErr> {
    let message = error.to_string();
    let instance = match error {
        Error::InvalidRequest(violations) => {
            let errors = PyList::empty(py);
            for v in violations {
                let item = PyDict::new(py);
                item.set_item("loc", loc(py, &v.path)?)?;
                item.set_item("type", v.code.as_str())?;
                item.set_item("msg", &v.message)?;
                errors.append(item)?;
            }
            VALIDATION_ERROR
                .import(py, ERRORS, "ValidationError")?
                .call1((message, errors))?
        }
        Error::Api(api) => API_ERROR.import(py, ERRORS, "ApiError")?.call1((
            message,
            &api.code,
            api.description.as_deref(),
            api.message.as_deref(),
        ))?,
        Error::MalformedResponse(m) => MALFORMED_RESPONSE
            .import(py, ERRORS, "MalformedResponse")?
            .call1((message, &m.path, &m.message))?,
    };
    Ok(PyErr::from_value(instance))
}

/// Converts a core result, raising the matching Python exception.
pub trait IntoPyResult<T> {
    /// The value, or the core error as a Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py_err(py, e))
    }
}

static FIELD_NOT_REQUESTED: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `FieldNotRequested` for reading `attr` of an object that `fields_set` projected.
pub fn field_not_requested(py: Python<'_>, attr: &str, fields_set: &[String]) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let names = PyTuple::new(py, fields_set)?;
        let message = format!(
            "`{attr}` was not requested: the object was decoded with fields_set={}",
            names.repr()?
        );
        let cls = FIELD_NOT_REQUESTED.import(py, ERRORS, "FieldNotRequested")?;
        Ok(PyErr::from_value(cls.call1((message, attr, names))?))
    })();
    made.unwrap_or_else(|e| e)
}

/// A malformed-response error built in the binding (object decoding outside an envelope).
pub fn malformed(py: Python<'_>, path: String, message: String) -> PyErr {
    to_py_err(
        py,
        Error::MalformedResponse(crmcom_netflix::MalformedResponse { path, message }),
    )
}
