//! The response objects as Python classes that hold the core's values.
//!
//! Decoding builds one small Python object per item around the Rust value it already has; the
//! costly Python values (`Decimal`, `datetime`, enum members) are made when an attribute is first
//! read, and `Charge` keeps them once made.

use compact_str::CompactString;
use crmcom_netflix::{
    Charge, ChargeStatus, ChargesPage, Currency, Date, Empty, FailedCharge, FailedCharges,
    LifeCycleState, LoginResult, Money, NetflixState, Price, Promotion, Subscription,
    SubscriptionCreated, Token,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};
use pyo3::{PyTraverseError, PyVisit};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::cache::{DECIMALS, ENUM_MEMBERS};
use crate::convert::{datetime, money_decimal, to_json, to_py, with_text};
use crate::errors::malformed;
use crate::token::PyToken;

/// A Python class that wraps a core response object.
pub trait Wrap: pyo3::PyClass + Into<pyo3::PyClassInitializer<Self>> + Sized {
    /// The core type.
    type Core: Serialize + DeserializeOwned + Clone + PartialEq;
    /// The Python class name.
    const PY_NAME: &'static str;
    /// `(attribute, wire name)` of every field, in documented order.
    const FIELDS: &'static [(&'static str, &'static str)];
    /// Wraps a core value.
    fn from_core(py: Python<'_>, core: Self::Core) -> PyResult<Self>;
    /// The whole core value back (nested objects included).
    fn to_core(&self, py: Python<'_>) -> PyResult<Self::Core>;
    /// Python objects for items decoded together.
    fn wrap_all(py: Python<'_>, items: Vec<Self::Core>) -> PyResult<Vec<Py<Self>>> {
        items
            .into_iter()
            .map(|item| Py::new(py, Self::from_core(py, item)?))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Field conversions

/// A field value as a Python object (`None` when absent).
pub trait ToPyField {
    /// Converts.
    fn to_py_field(&self, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

impl ToPyField for Option<String> {
    fn to_py_field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(match self {
            Some(s) => PyString::new(py, s).into_any().unbind(),
            None => py.None(),
        })
    }
}

impl ToPyField for Option<CompactString> {
    fn to_py_field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(match self {
            Some(s) => PyString::new(py, s).into_any().unbind(),
            None => py.None(),
        })
    }
}

impl ToPyField for Option<Currency> {
    fn to_py_field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(match self {
            Some(c) => PyString::new(py, c.code()).into_any().unbind(),
            None => py.None(),
        })
    }
}

impl ToPyField for Option<Date> {
    fn to_py_field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            Some(d) => datetime(py, d),
            None => Ok(py.None()),
        }
    }
}

impl ToPyField for Option<Money> {
    fn to_py_field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            Some(m) => {
                DECIMALS.get_or_make(py, (m.raw().to_bits(), m.minor_unit_exponent()), || {
                    money_decimal(py, m)
                })
            }
            None => Ok(py.None()),
        }
    }
}

impl ToPyField for Option<Token> {
    fn to_py_field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            Some(t) => Ok(Py::new(py, PyToken(t.clone()))?.into_any()),
            None => Ok(py.None()),
        }
    }
}

static CHARGE_STATUS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static NETFLIX_STATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static LIFE_CYCLE_STATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const ENUMS: &str = "crmcom_netflix._enums";

/// The member of a Python enum of `crmcom_netflix._enums` for a wire value; unknown values get a
/// member of their own (the enums' `_missing_`).
fn enum_member(
    py: Python<'_>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &'static str,
    wire: &str,
) -> PyResult<Py<PyAny>> {
    ENUM_MEMBERS.get_or_make(py, (name, CompactString::new(wire)), || {
        Ok(cell.import(py, ENUMS, name)?.call1((wire,))?.unbind())
    })
}

macro_rules! enum_field {
    ($ty:ty, $cell:ident, $name:literal) => {
        impl ToPyField for Option<$ty> {
            fn to_py_field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                match self {
                    Some(v) => enum_member(py, &$cell, $name, v.as_str()),
                    None => Ok(py.None()),
                }
            }
        }
    };
}
enum_field!(ChargeStatus, CHARGE_STATUS, "ChargeStatus");
enum_field!(NetflixState, NETFLIX_STATE, "NetflixState");
enum_field!(LifeCycleState, LIFE_CYCLE_STATE, "LifeCycleState");

// ---------------------------------------------------------------------------------------------
// Shared machinery

/// Builds a core object from keyword arguments named after the Python attributes, plus `extra`
/// (unknown wire fields). A wrong type or an unknown keyword is a `TypeError`.
fn from_kwargs<T: Wrap>(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<T::Core> {
    let mut map = Map::new();
    let mut extra = Map::new();
    if let Some(kwargs) = kwargs {
        for (key, value) in kwargs.iter() {
            let key: String = key.extract()?;
            if key == "extra" {
                if value.is_none() {
                    continue;
                }
                match to_json(&value, "extra")? {
                    Value::Object(m) => extra = m,
                    _ => return Err(crate::convert::type_error("extra", "a dict", &value)),
                }
                continue;
            }
            let Some((_, wire)) = T::FIELDS.iter().find(|(attr, _)| *attr == key) else {
                return Err(PyTypeError::new_err(format!(
                    "{}() got an unexpected keyword argument '{key}'",
                    T::PY_NAME
                )));
            };
            map.insert((*wire).to_owned(), to_json(&value, &key)?);
        }
    }
    for (k, v) in extra {
        map.entry(k).or_insert(v);
    }
    serde_json::from_value(Value::Object(map))
        .map_err(|e| PyTypeError::new_err(format!("{}(): {e}", T::PY_NAME)))
}

/// Decodes a core object from JSON, reporting the offending path as `MalformedResponse`.
fn from_value<T: DeserializeOwned>(py: Python<'_>, value: Value) -> PyResult<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        malformed(py, path, e.into_inner().to_string())
    })
}

fn from_bytes<T: DeserializeOwned>(py: Python<'_>, bytes: &[u8]) -> PyResult<T> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| malformed(py, String::new(), format!("not valid JSON: {e}")))?;
    from_value(py, value)
}

fn dict_of<T: Serialize>(py: Python<'_>, core: &T) -> PyResult<Py<PyAny>> {
    let value = serde_json::to_value(core).map_err(|e| PyTypeError::new_err(e.to_string()))?;
    to_py(py, &value)
}

fn json_of<T: Serialize>(core: &T) -> PyResult<String> {
    serde_json::to_string(core).map_err(|e| PyTypeError::new_err(e.to_string()))
}

/// `Name(field=value, ...)` with the fields that are set.
fn repr_of<T: Wrap>(obj: &Bound<'_, T>) -> PyResult<String> {
    let mut out = String::from(T::PY_NAME);
    out.push('(');
    let mut first = true;
    for (attr, _) in T::FIELDS {
        let value = obj.as_any().getattr(*attr)?;
        if value.is_none() {
            continue;
        }
        if !first {
            out.push_str(", ");
        }
        first = false;
        out.push_str(attr);
        out.push('=');
        out.push_str(&value.repr()?.to_cow()?);
    }
    let extra = obj.as_any().getattr("extra")?;
    if extra.is_truthy()? {
        if !first {
            out.push_str(", ");
        }
        out.push_str("extra=");
        out.push_str(&extra.repr()?.to_cow()?);
    }
    out.push(')');
    Ok(out)
}

fn eq_of<T: Wrap>(py: Python<'_>, this: &T, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    match other.cast::<T>() {
        Ok(other) => {
            let other = other.borrow();
            let same = this.to_core(py)? == other.to_core(py)?;
            Ok(pyo3::types::PyBool::new(py, same)
                .to_owned()
                .into_any()
                .unbind())
        }
        Err(_) => Ok(py.NotImplemented()),
    }
}

fn reduce_of<'py, T: Wrap>(
    py: Python<'py>,
    this: &T,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
    let from_json = py.get_type::<T>().getattr("from_json")?;
    let text = json_of(&this.to_core(py)?)?;
    Ok((from_json, PyTuple::new(py, [text])?))
}

/// A Python list of wrapped items.
fn list_of<T: Wrap>(py: Python<'_>, items: Vec<T::Core>) -> PyResult<Py<PyList>> {
    Ok(PyList::new(py, T::wrap_all(py, items)?)?.unbind())
}

/// The core values of a Python list of wrapped items.
fn items_of<T: Wrap>(py: Python<'_>, list: &Py<PyList>, attr: &str) -> PyResult<Vec<T::Core>> {
    let list = list.bind(py);
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        match item.cast::<T>() {
            Ok(obj) => out.push(obj.borrow().to_core(py)?),
            Err(_) => {
                return Err(crate::convert::type_error(
                    &format!("{attr}[{i}]"),
                    T::PY_NAME,
                    &item,
                ))
            }
        }
    }
    Ok(out)
}

/// A list field given to a constructor: a list of objects of the item class, or of dicts.
fn list_arg<T: Wrap>(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    attr: &str,
) -> PyResult<Vec<T::Core>> {
    let mut out = Vec::new();
    for (i, item) in value.try_iter()?.enumerate() {
        let item = item?;
        match item.cast::<T>() {
            Ok(obj) => out.push(obj.borrow().to_core(py)?),
            Err(_) => {
                let json = to_json(&item, &format!("{attr}[{i}]"))?;
                let core: T::Core = serde_json::from_value(json)
                    .map_err(|e| PyTypeError::new_err(format!("{attr}[{i}]: {e}")))?;
                out.push(core);
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The classes

macro_rules! py_object {
    (
        $(#[doc = $doc:literal])*
        class $py:ident = $name:literal wraps $core:ty {
            fields { $($field:ident = $wire:literal),* $(,)? }
            lists { $($list:ident = $lwire:literal of $item:ty),* $(,)? }
        }
    ) => {
        $(#[doc = $doc])*
        #[pyclass(frozen, module = "crmcom_netflix", name = $name)]
        pub struct $py {
            inner: $core,
            $( $list: Option<Py<PyList>>, )*
        }

        impl Wrap for $py {
            type Core = $core;
            const PY_NAME: &'static str = $name;
            const FIELDS: &'static [(&'static str, &'static str)] =
                &[$((stringify!($field), $wire),)* $((stringify!($list), $lwire),)*];

            #[allow(unused_mut, unused_variables)]
            fn from_core(py: Python<'_>, mut core: $core) -> PyResult<Self> {
                $( let $list = match core.$list.take() {
                    Some(items) => Some(list_of::<$item>(py, items)?),
                    None => None,
                }; )*
                Ok($py { inner: core, $( $list, )* })
            }

            #[allow(unused_mut, unused_variables)]
            fn to_core(&self, py: Python<'_>) -> PyResult<$core> {
                let mut core = self.inner.clone();
                $( core.$list = match &self.$list {
                    Some(list) => Some(items_of::<$item>(py, list, stringify!($list))?),
                    None => None,
                }; )*
                Ok(core)
            }
        }

        #[pymethods]
        impl $py {
            #[new]
            #[pyo3(signature = (**kwargs))]
            #[allow(unused_mut, unused_variables)]
            fn new(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
                // List fields may hold objects of the item class: take them out before the rest
                // goes through JSON.
                let rest = PyDict::new(py);
                $( let mut $list: Option<Vec<<$item as Wrap>::Core>> = None; )*
                if let Some(kwargs) = kwargs {
                    for (key, value) in kwargs.iter() {
                        let name: String = key.extract()?;
                        match name.as_str() {
                            $( stringify!($list) if !value.is_none() => {
                                $list = Some(list_arg::<$item>(py, &value, stringify!($list))?);
                            } )*
                            _ => rest.set_item(key, value)?,
                        }
                    }
                }
                let mut core: $core = from_kwargs::<$py>(Some(&rest))?;
                $( if let Some(items) = $list { core.$list = Some(items); } )*
                Self::from_core(py, core)
            }

            $(
                #[getter]
                fn $field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                    self.inner.$field.to_py_field(py)
                }
            )*

            $(
                #[getter]
                fn $list(&self, py: Python<'_>) -> Py<PyAny> {
                    match &self.$list {
                        Some(list) => list.clone_ref(py).into_any(),
                        None => py.None(),
                    }
                }
            )*

            /// Fields the server sent that this SDK does not know, as they came.
            #[getter]
            fn extra(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                to_py(py, &Value::Object(self.inner.extra.clone()))
            }

            /// The object in its wire form: JSON-ready values under the API's field names.
            fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                dict_of(py, &self.to_core(py)?)
            }

            /// The object as JSON text in its wire form.
            fn to_json(&self, py: Python<'_>) -> PyResult<String> {
                json_of(&self.to_core(py)?)
            }

            /// An object from its wire form (a dict); unknown fields are kept in `extra`.
            #[classmethod]
            fn from_dict(_cls: &Bound<'_, PyType>, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
                let value = to_json(data, "")?;
                Self::from_core(py, from_value(py, value)?)
            }

            /// An object from JSON text in its wire form.
            #[classmethod]
            fn from_json(_cls: &Bound<'_, PyType>, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Self> {
                let core = with_text(text, |bytes| from_bytes::<$core>(py, bytes))??;
                Self::from_core(py, core)
            }

            fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
                eq_of(py, self, other)
            }

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                repr_of(slf)
            }

            fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
                reduce_of(py, self)
            }

            #[allow(unused_variables)]
            fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
                $( if let Some(list) = &self.$list { visit.call(list)?; } )*
                Ok(())
            }
        }
    };
}

py_object! {
    /// A Netflix promotion (also the items of a subscription's `promotions_set`).
    class PyPromotion = "Promotion" wraps Promotion {
        fields {
            code = "code",
            name = "name",
            description = "description",
            effective_from = "effective_from",
            expires_on = "expires_on",
        }
        lists {}
    }
}

py_object! {
    /// A Netflix price applied to the subscriber; every key besides `FormattedPrice` is in `extra`.
    class PyPrice = "Price" wraps Price {
        fields { formatted_price = "FormattedPrice" }
        lists {}
    }
}

py_object! {
    /// A Netflix subscription (`subscriptions/show`).
    class PySubscription = "Subscription" wraps Subscription {
        fields {
            subscription_number = "subscription_number",
            netflix_state = "netflix_state",
            life_cycle_state = "life_cycle_state",
        }
        lists {
            promotions_set = "promotions_set" of PyPromotion,
            prices_set = "prices_set" of PyPrice,
        }
    }
}

py_object! {
    /// The data of `subscriptions/create`: the Netflix sign-up token and when it expires.
    class PySubscriptionCreated = "SubscriptionCreated" wraps SubscriptionCreated {
        fields { netflix_token = "netflix_token", expires_on = "expires_on" }
        lists {}
    }
}

py_object! {
    /// A charge that could not be acknowledged, accepted or declined.
    class PyFailedCharge = "FailedCharge" wraps FailedCharge {
        fields {
            number = "number",
            reference_number = "reference_number",
            error_code = "error_code",
            error_description = "error_description",
        }
        lists {}
    }
}

py_object! {
    /// The data of acknowledge, accept and decline: the charges that failed (empty on success).
    class PyFailedCharges = "FailedCharges" wraps FailedCharges {
        fields {}
        lists { failed_charges_set = "failed_charges_set" of PyFailedCharge }
    }
}

py_object! {
    /// The data of `authentication/token`: the token (a `Token`, which never shows in `repr`).
    class PyLoginResult = "LoginResult" wraps LoginResult {
        fields { token = "token" }
        lists {}
    }
}

py_object! {
    /// The data of methods that return none (`data: {}`); anything the server adds is in `extra`.
    class PyEmpty = "Empty" wraps Empty {
        fields {}
        lists {}
    }
}

py_object! {
    /// The data of `charges/list`: a page of charges, oldest first.
    class PyChargesPage = "ChargesPage" wraps ChargesPage {
        fields {}
        lists { charges_set = "charges_set" of PyCharge }
    }
}

// ---------------------------------------------------------------------------------------------
// Charge: the hot one. Its values are made on first read (and shared through the value caches).

/// A Netflix charge.
///
/// `amount` is a `decimal.Decimal` rounded to the currency's minor unit (5.99 USD for the wire's
/// 5.989999771118164), `amount_minor` the same in integer minor units (599) and `amount_raw` the
/// wire number. Dates are naive `datetime.datetime` values. `billable` says whether to bill it.
#[pyclass(frozen, freelist = 256, module = "crmcom_netflix", name = "Charge")]
pub struct PyCharge {
    /// The charges decoded together (a page); this one is at `index`. Sharing them keeps each
    /// Python object small: decoding moves no charge.
    store: Arc<Vec<Charge>>,
    index: usize,
    /// Set on charges a sync hands out again after an interruption (they may have been billed).
    pub redelivered: bool,
}

impl PyCharge {
    /// Wraps a core charge.
    pub fn new_from(inner: Charge, redelivered: bool) -> Self {
        PyCharge {
            store: Arc::new(vec![inner]),
            index: 0,
            redelivered,
        }
    }

    /// Python objects for charges decoded together, sharing one store.
    pub fn all(
        py: Python<'_>,
        charges: Vec<Charge>,
        redelivered: impl Fn(usize) -> bool,
    ) -> PyResult<Vec<Py<PyCharge>>> {
        let store = Arc::new(charges);
        (0..store.len())
            .map(|index| {
                Py::new(
                    py,
                    PyCharge {
                        store: Arc::clone(&store),
                        index,
                        redelivered: redelivered(index),
                    },
                )
            })
            .collect()
    }

    /// The core charge.
    pub fn inner(&self) -> &Charge {
        &self.store[self.index]
    }
}

impl Wrap for PyCharge {
    type Core = Charge;
    const PY_NAME: &'static str = "Charge";
    const FIELDS: &'static [(&'static str, &'static str)] = &[
        ("number", "number"),
        (
            "billing_system_customer_identifier",
            "billing_system_customer_identifier",
        ),
        ("amount", "amount"),
        ("currency", "currency"),
        ("local_currency_amount", "local_currency_amount"),
        ("local_currency", "local_currency"),
        ("paid_through_date", "paid_through_date"),
        ("charge_status", "charge_status"),
        ("received_on", "received_on"),
        ("set_as_approved_on", "set_as_approved_on"),
        ("set_as_declined_on", "set_as_declined_on"),
        ("set_as_bad_request_on", "set_as_bad_request_on"),
        ("set_as_rejected_request_on", "set_as_rejected_request_on"),
    ];

    fn from_core(_py: Python<'_>, core: Charge) -> PyResult<Self> {
        Ok(PyCharge::new_from(core, false))
    }

    fn to_core(&self, _py: Python<'_>) -> PyResult<Charge> {
        Ok(self.inner().clone())
    }

    fn wrap_all(py: Python<'_>, items: Vec<Charge>) -> PyResult<Vec<Py<Self>>> {
        PyCharge::all(py, items, |_| false)
    }
}

#[pymethods]
impl PyCharge {
    #[new]
    #[pyo3(signature = (**kwargs))]
    fn new(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Ok(PyCharge::new_from(from_kwargs::<PyCharge>(kwargs)?, false))
    }

    /// CRM.COM charge number: the key for acknowledging, accepting and declining.
    #[getter]
    fn number(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().number.to_py_field(py)
    }

    /// The customer's identifier in the operator's billing system.
    #[getter]
    fn billing_system_customer_identifier(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner()
            .billing_system_customer_identifier
            .to_py_field(py)
    }

    /// The amount as a `Decimal` rounded to the currency's minor unit.
    #[getter]
    fn amount(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().amount.to_py_field(py)
    }

    /// The amount in integer minor units (599 for 5.99 USD); `None` for an unknown currency.
    #[getter]
    fn amount_minor(&self) -> Option<i64> {
        self.inner().amount.and_then(|m| m.minor_units())
    }

    /// The amount exactly as the wire carried it (a float artefact such as 5.989999771118164).
    #[getter]
    fn amount_raw(&self) -> Option<f64> {
        self.inner().amount.map(|m| m.raw())
    }

    /// Minor-unit digits of `currency` (2 for USD); `None` for a code the SDK does not know.
    #[getter]
    fn minor_unit_exponent(&self) -> Option<u32> {
        self.inner().amount.and_then(|m| m.minor_unit_exponent())
    }

    /// ISO 4217 code of `amount`.
    #[getter]
    fn currency(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().currency.to_py_field(py)
    }

    /// The amount in the operator's local currency, as a `Decimal`.
    #[getter]
    fn local_currency_amount(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().local_currency_amount.to_py_field(py)
    }

    /// The local amount in integer minor units.
    #[getter]
    fn local_currency_amount_minor(&self) -> Option<i64> {
        self.inner()
            .local_currency_amount
            .and_then(|m| m.minor_units())
    }

    /// The local amount exactly as the wire carried it.
    #[getter]
    fn local_currency_amount_raw(&self) -> Option<f64> {
        self.inner().local_currency_amount.map(|m| m.raw())
    }

    /// The operator's local currency.
    #[getter]
    fn local_currency(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().local_currency.to_py_field(py)
    }

    /// If approved, Netflix service is paid up to this date.
    #[getter]
    fn paid_through_date(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().paid_through_date.to_py_field(py)
    }

    /// Status of the charge, a `ChargeStatus` (unknown values keep their wire text).
    #[getter]
    fn charge_status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().charge_status.to_py_field(py)
    }

    /// When Netflix received the charge.
    #[getter]
    fn received_on(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().received_on.to_py_field(py)
    }

    /// When the charge was approved.
    #[getter]
    fn set_as_approved_on(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().set_as_approved_on.to_py_field(py)
    }

    /// When the charge was declined.
    #[getter]
    fn set_as_declined_on(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().set_as_declined_on.to_py_field(py)
    }

    /// When the charge was flagged as a bad request.
    #[getter]
    fn set_as_bad_request_on(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().set_as_bad_request_on.to_py_field(py)
    }

    /// When the charge was rejected.
    #[getter]
    fn set_as_rejected_request_on(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner().set_as_rejected_request_on.to_py_field(py)
    }

    /// Fields the server sent that this SDK does not know, as they came.
    #[getter]
    fn extra(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &Value::Object(self.inner().extra.clone()))
    }

    /// Whether to bill the customer: `APPROVED`, with an amount priced in a known currency.
    #[getter]
    fn billable(&self) -> bool {
        self.inner().billable()
    }

    /// What a billing system does with the charge: `"bill"` it, `"record"` it as not billed
    /// (declined, bad request, rejected), or `"leave"` it on the server (pending, an unknown
    /// status, or approved but not priceable). Only billed or recorded charges may be confirmed.
    #[getter]
    fn billing_action(&self) -> &'static str {
        self.inner().billing_action().as_str()
    }

    /// Whether CRM.COM has processed the charge (approved, declined, bad request or rejected).
    #[getter]
    fn is_final(&self) -> bool {
        self.inner().is_final()
    }

    /// Whether the charge still waits for processing (`PENDING`).
    #[getter]
    fn is_pending(&self) -> bool {
        self.inner().is_pending()
    }

    /// Whether a sync handed this charge out before, in a run that was interrupted.
    #[getter]
    fn redelivered(&self) -> bool {
        self.redelivered
    }

    /// The charge in its wire form: JSON-ready values under the API's field names.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        dict_of(py, self.inner())
    }

    /// The charge as JSON text in its wire form.
    fn to_json(&self) -> PyResult<String> {
        json_of(self.inner())
    }

    /// A charge from its wire form (a dict); unknown fields are kept in `extra`.
    #[classmethod]
    fn from_dict(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let value = to_json(data, "")?;
        Ok(PyCharge::new_from(from_value(py, value)?, false))
    }

    /// A charge from JSON text in its wire form.
    #[classmethod]
    fn from_json(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let core = with_text(text, |bytes| from_bytes::<Charge>(py, bytes))??;
        Ok(PyCharge::new_from(core, false))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        eq_of(py, self, other)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        repr_of(slf)
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        reduce_of(py, self)
    }
}

/// Builds the Python list of charges of a decoded page.
pub fn charges_page(py: Python<'_>, page: ChargesPage) -> PyResult<PyChargesPage> {
    PyChargesPage::from_core(py, page)
}

/// Builds a Python list of wrapped objects.
pub fn wrap_list<T: Wrap>(py: Python<'_>, items: Vec<T::Core>) -> PyResult<Py<PyList>> {
    list_of::<T>(py, items)
}

/// Wraps one core object.
pub fn wrap<T: Wrap>(py: Python<'_>, core: T::Core) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, T::from_core(py, core)?)?.into_any())
}
