//! `Money`: an amount from the wire as an exact decimal in its currency's minor unit.

use crmcom_netflix::{Currency, Money};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::{decimal, opt_str, type_error};

/// An amount: the wire number as sent (`raw`), the exact `decimal.Decimal` it stands for rounded
/// to the currency's ISO 4217 minor unit (`exact`), and integer minor units (`minor_units`).
///
/// >>> Money(5.989999771118164, "USD").exact
/// Decimal('5.99')
#[pyclass(frozen, eq, module = "crmcom_netflix", name = "Money")]
#[derive(PartialEq, Clone)]
pub struct PyMoney {
    pub money: Money,
    pub currency: Option<String>,
}

/// The exact amount as Python text: rescaled to the minor unit when the currency is known.
pub fn exact_text(money: &Money) -> String {
    money.to_string()
}

#[pymethods]
impl PyMoney {
    #[new]
    #[pyo3(signature = (raw, currency = None))]
    fn new(raw: &Bound<'_, PyAny>, currency: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let value: f64 = match raw.extract() {
            Ok(v) => v,
            // An int beyond any double (10**400) is a number, just not one money can hold.
            Err(_) if raw.is_instance_of::<pyo3::types::PyInt>() => {
                return Err(PyValueError::new_err(
                    "raw: the int is too large for an amount money can hold",
                ))
            }
            Err(_) => return Err(type_error("raw", "a number (the wire amount)", raw)),
        };
        let code = opt_str(currency, "currency")?;
        let money =
            Money::new(value, code.as_deref().map(Currency::new).as_ref()).ok_or_else(|| {
                PyValueError::new_err(format!("{value} is not an amount money can hold"))
            })?;
        Ok(PyMoney {
            money,
            currency: code,
        })
    }

    /// The number exactly as it came over the wire.
    #[getter]
    fn raw(&self) -> f64 {
        self.money.raw()
    }

    /// The exact amount, rounded to the currency's minor unit when the currency is known.
    #[getter]
    fn exact(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        decimal(py, &exact_text(&self.money))
    }

    /// The amount in integer minor units (599 for 5.99 USD); `None` without a known currency.
    #[getter]
    fn minor_units(&self) -> Option<i64> {
        self.money.minor_units()
    }

    /// Minor-unit digits of the currency (2 for USD); `None` for an unknown currency.
    #[getter]
    fn minor_unit_exponent(&self) -> Option<u32> {
        self.money.minor_unit_exponent()
    }

    /// Whether the amount could be priced in a known currency.
    #[getter]
    fn is_priced(&self) -> bool {
        self.money.is_priced()
    }

    /// The currency code given, if any.
    #[getter]
    fn currency(&self) -> Option<&str> {
        self.currency.as_deref()
    }

    fn __str__(&self) -> String {
        exact_text(&self.money)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let raw = self.money.raw().into_pyobject(py)?.repr()?;
        let currency = self.currency.as_deref().into_pyobject(py)?.repr()?;
        Ok(format!(
            "Money({raw}, {currency}) exact={}",
            exact_text(&self.money)
        ))
    }
}
