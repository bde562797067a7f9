//! `PreparedRequest`: what `prepare` returns, ready for any HTTP library.

use crmcom_netflix::PreparedRequest;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use crate::convert::{req_str, to_py};

/// A request ready to send: `verb`, `path` relative to `{server}/crmapi/rest/v2/`, `query` pairs
/// (GET) or a JSON `body` (POST), and the `fields_set` that decoding the response needs.
///
/// `repr()` hides the token, the password and the `Authorization` header; `to_dict()`, `url()`,
/// `body_bytes()` and `headers` carry them, since they are what goes on the wire.
#[pyclass(frozen, eq, module = "crmcom_netflix", name = "PreparedRequest")]
#[derive(PartialEq)]
pub struct PyPreparedRequest(pub PreparedRequest);

#[pymethods]
impl PyPreparedRequest {
    /// The method name (`"netflix/charges/list"`).
    #[getter]
    fn method(&self) -> &'static str {
        self.0.method.name()
    }

    /// `"GET"` or `"POST"`.
    #[getter]
    fn verb(&self) -> &'static str {
        self.0.verb.as_str()
    }

    /// Path relative to `.../crmapi/rest/v2/` (`"netflix/charges/list"`).
    #[getter]
    fn path(&self) -> &'static str {
        self.0.path
    }

    /// Query pairs of a GET, token first; empty for a POST.
    #[getter]
    fn query(&self, py: Python<'_>) -> PyResult<Py<PyList>> {
        let list = PyList::empty(py);
        for (k, v) in &self.0.query {
            list.append((k.as_str(), v.as_str()))?;
        }
        Ok(list.unbind())
    }

    /// The JSON body of a POST as a dict, token first; `None` for a GET.
    #[getter]
    fn body(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match &self.0.body {
            Some(b) => to_py(py, b),
            None => Ok(py.None()),
        }
    }

    /// HTTP headers to send besides `Content-Type` and `Accept`, as (name, value) pairs:
    /// `Authorization` for `authentication/web_api_key/token` (a secret), none otherwise.
    #[getter]
    fn headers(&self, py: Python<'_>) -> PyResult<Py<PyList>> {
        let list = PyList::empty(py);
        for (k, v) in &self.0.headers {
            list.append((k.as_str(), v.as_str()))?;
        }
        Ok(list.unbind())
    }

    /// The `fields_set` sent, which decoding the response needs; `None` when none was.
    #[getter]
    fn fields_set(&self) -> Option<Vec<String>> {
        self.0.fields_set.clone()
    }

    /// The percent-encoded query string (without `?`; empty for a POST).
    #[getter]
    fn query_string(&self) -> String {
        self.0.query_string()
    }

    /// The body as UTF-8 JSON bytes; `None` for a GET.
    fn body_bytes<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.0.body_bytes().map(|b| PyBytes::new(py, &b))
    }

    /// The full URL under a base such as `https://host/crmapi/rest/v2`.
    fn url(&self, base: &Bound<'_, PyAny>) -> PyResult<String> {
        Ok(self.0.url(&req_str(base, "base")?))
    }

    /// `{"verb", "path", "query", "body"}`, secrets included: the form the vectors compare.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.0.to_json())
    }

    /// The secret values the request carries (the token, the password): what a transport or a
    /// log must never show.
    fn secret_values(&self) -> Vec<String> {
        self.0
            .secret_values()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// `PreparedRequest(verb='GET', path='...', query=[...])` (or `body={...}` for a POST), with
    /// the token and the password shown as `<redacted>`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let shown = self.0.redacted();
        let (name, value) = match &shown.body {
            Some(body) => ("body", to_py(py, body)?),
            None => {
                let list = PyList::empty(py);
                for (k, v) in &shown.query {
                    list.append((k.as_str(), v.as_str()))?;
                }
                ("query", list.into_any().unbind())
            }
        };
        Ok(format!(
            "PreparedRequest(verb='{}', path='{}', {name}={})",
            shown.verb.as_str(),
            shown.path,
            value.bind(py).repr()?
        ))
    }
}

impl PyPreparedRequest {
    /// The core value.
    #[allow(dead_code)]
    pub fn inner(&self) -> &PreparedRequest {
        &self.0
    }
}
