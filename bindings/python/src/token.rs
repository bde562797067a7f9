//! `Token`: the login token, which never shows in `repr` or `str`.

use crmcom_netflix::Token;
use pyo3::prelude::*;

/// The token returned by `authentication/token` and passed to every other method.
///
/// `repr()` and `str()` never show it; `expose()` returns the secret for putting on the wire.
#[pyclass(frozen, eq, hash, module = "crmcom_netflix", name = "Token")]
#[derive(PartialEq, Eq, Hash)]
pub struct PyToken(pub Token);

#[pymethods]
impl PyToken {
    #[new]
    fn new(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(token) = value.cast::<PyToken>() {
            return Ok(PyToken(token.get().0.clone()));
        }
        Ok(PyToken(Token::new(crate::convert::req_str(
            value, "value",
        )?)))
    }

    /// The secret itself, for putting on the wire.
    fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The JWT `exp` claim in epoch seconds, when the token is a JWT that carries one.
    #[getter]
    fn expires_at(&self) -> Option<i64> {
        self.0.expires_at()
    }

    /// Whether the token has expired at `now` (epoch seconds), counting a token that expires
    /// within `leeway_seconds` as expired; `None` when the expiry is unknown.
    #[pyo3(signature = (now, leeway_seconds = 0.0))]
    fn is_expired_at(&self, now: f64, leeway_seconds: f64) -> Option<bool> {
        self.0
            .is_expired_at(now.floor() as i64, leeway_seconds.ceil() as i64)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }
}
