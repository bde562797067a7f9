//! The response objects as Python classes that hold the core's values.
//!
//! Decoding builds one small Python object per item around the Rust value it already has; the
//! costly Python values (`Decimal`, `datetime`, enum members) are made when an attribute is read.
//!
//! Objects that a `fields_set` applies to (charges, promotions, subscriptions) hold the core's
//! projected form and the `fields_set` they were decoded with: reading a field the `fields_set`
//! left out raises `FieldNotRequested`; decoded without one, every documented field is there.

use compact_str::CompactString;
use crmcom_netflix::{
    ChargeStatus, Currency, Date, Empty, FailedCharge, FailedCharges, FieldState, ItemCheck,
    LifeCycleState, LoginResult, Money, NetflixState, Price, ProjectedCharge, ProjectedChargesPage,
    ProjectedPromotion, ProjectedSubscription, ResponseObject, SubscriptionCreated, Token,
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

/// The `fields_set` objects were decoded with, shared by the objects of one decode.
pub type Fields = Arc<[String]>;

/// A Python class that wraps a core response object.
pub trait Wrap: pyo3::PyClass + Into<pyo3::PyClassInitializer<Self>> + Sized {
    /// What the class holds: the projected form for objects a `fields_set` applies to.
    type Core: Serialize + DeserializeOwned + Clone + PartialEq + ResponseObject + ItemCheck;
    /// The form decoded without a `fields_set`, where every documented field must be there.
    type Full: DeserializeOwned + ResponseObject + ItemCheck + Into<Self::Core>;
    /// The Python class name.
    const PY_NAME: &'static str;
    /// `(attribute, wire name)` of every field, in documented order.
    const FIELDS: &'static [(&'static str, &'static str)];
    /// Wraps a core value decoded with `fields_set` (or without one).
    fn from_core(py: Python<'_>, core: Self::Core, fields_set: Option<&Fields>) -> PyResult<Self>;
    /// The whole core value back (nested objects included).
    fn to_core(&self, py: Python<'_>) -> PyResult<Self::Core>;
    /// The `fields_set` the object was decoded with.
    fn fields_set(&self) -> Option<&[String]>;
    /// Python objects for items decoded together.
    fn wrap_all(
        py: Python<'_>,
        items: Vec<Self::Core>,
        fields_set: Option<&Fields>,
    ) -> PyResult<Vec<Py<Self>>> {
        items
            .into_iter()
            .map(|item| Py::new(py, Self::from_core(py, item, fields_set)?))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Field conversions

/// A value as a Python object.
pub trait ToPy {
    /// Converts.
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

impl ToPy for String {
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(PyString::new(py, self).into_any().unbind())
    }
}

impl ToPy for CompactString {
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(PyString::new(py, self).into_any().unbind())
    }
}

impl ToPy for Currency {
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(PyString::new(py, self.code()).into_any().unbind())
    }
}

impl ToPy for Date {
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        datetime(py, self)
    }
}

impl ToPy for Money {
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        DECIMALS.get_or_make(
            py,
            (self.raw().to_bits(), self.minor_unit_exponent()),
            || money_decimal(py, self),
        )
    }
}

impl ToPy for Token {
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, PyToken(self.clone()))?.into_any())
    }
}

/// A field as the core holds it: a plain value for a field that is always there, an `Option`
/// for one that may be absent.
pub trait FieldValue {
    /// The value's type.
    type Value: ToPy;
    /// The value, if there is one.
    fn value(&self) -> Option<&Self::Value>;
}

impl<T: ToPy> FieldValue for Option<T> {
    type Value = T;
    fn value(&self) -> Option<&T> {
        self.as_ref()
    }
}

macro_rules! plain_field {
    ($($ty:ty),*) => {$(
        impl FieldValue for $ty {
            type Value = $ty;
            fn value(&self) -> Option<&$ty> {
                Some(self)
            }
        }
    )*};
}
plain_field!(
    String,
    CompactString,
    Currency,
    Date,
    Money,
    Token,
    ChargeStatus,
    NetflixState,
    LifeCycleState
);

/// A field without a value: `None`, or `FieldNotRequested` when the `fields_set` the object was
/// decoded with left it out (the core decides which).
fn absent<T: ResponseObject>(
    py: Python<'_>,
    core: &T,
    attr: &str,
    wire: &str,
    fields_set: Option<&[String]>,
) -> PyResult<Py<PyAny>> {
    match core.field_state(wire, fields_set) {
        Some(FieldState::NotRequested) => Err(crate::errors::field_not_requested(
            py,
            attr,
            fields_set.unwrap_or_default(),
        )),
        _ => Ok(py.None()),
    }
}

/// A field's value as a Python object, `None` or `FieldNotRequested` when it has none.
fn field_to_py<T: ResponseObject, F: FieldValue>(
    py: Python<'_>,
    core: &T,
    value: &F,
    attr: &str,
    wire: &str,
    fields_set: Option<&[String]>,
) -> PyResult<Py<PyAny>> {
    match value.value() {
        Some(v) => v.to_py(py),
        None => absent(py, core, attr, wire, fields_set),
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
        impl ToPy for $ty {
            fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                enum_member(py, &$cell, $name, self.as_str())
            }
        }
    };
}
enum_field!(ChargeStatus, CHARGE_STATUS, "ChargeStatus");
enum_field!(NetflixState, NETFLIX_STATE, "NetflixState");
enum_field!(LifeCycleState, LIFE_CYCLE_STATE, "LifeCycleState");

// ---------------------------------------------------------------------------------------------
// Shared machinery

/// A list field of a core object: `Vec` when the field is always there, `Option<Vec>` otherwise.
pub trait ListField {
    /// The item type.
    type Item;
    /// Takes the items out.
    fn take_items(&mut self) -> Option<Vec<Self::Item>>;
    /// Puts items back.
    fn put_items(&mut self, items: Option<Vec<Self::Item>>);
}

impl<T> ListField for Vec<T> {
    type Item = T;
    fn take_items(&mut self) -> Option<Vec<T>> {
        Some(std::mem::take(self))
    }
    fn put_items(&mut self, items: Option<Vec<T>>) {
        *self = items.unwrap_or_default();
    }
}

impl<T> ListField for Option<Vec<T>> {
    type Item = T;
    fn take_items(&mut self) -> Option<Vec<T>> {
        self.take()
    }
    fn put_items(&mut self, items: Option<Vec<T>>) {
        *self = items;
    }
}

/// A core object from JSON: the full form (every documented field required) without a
/// `fields_set`, the projected form with one.
fn core_from_value<T: Wrap>(
    value: Value,
    fields_set: Option<&Fields>,
) -> Result<T::Core, (String, String)> {
    core_from_bytes::<T>(value.to_string().as_bytes(), fields_set)
}

/// The core's one-object decode (`decode_object`): the rules a response is held to, with paths
/// rooted at the object.
fn core_from_bytes<T: Wrap>(
    bytes: &[u8],
    fields_set: Option<&Fields>,
) -> Result<T::Core, (String, String)> {
    let result = match fields_set {
        None => crmcom_netflix::decode_object::<T::Full>(bytes, None).map(Into::into),
        Some(names) => crmcom_netflix::decode_object::<T::Core>(bytes, Some(names)),
    };
    result.map_err(|e| match e {
        crmcom_netflix::Error::MalformedResponse(m) => (m.path, m.message),
        other => (String::new(), other.to_string()),
    })
}

/// Builds a core object from keyword arguments named after the Python attributes, plus `extra`
/// (unknown wire fields). A wrong type, an unknown keyword or a missing documented field is a
/// `TypeError`.
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
    core_from_value::<T>(Value::Object(map), None).map_err(|(path, message)| {
        let at = if path.is_empty() {
            String::new()
        } else {
            format!("{path}: ")
        };
        PyTypeError::new_err(format!("{}(): {at}{message}", T::PY_NAME))
    })
}

/// Decodes a core object from JSON, reporting the offending path as `MalformedResponse`.
fn from_value<T: Wrap>(
    py: Python<'_>,
    value: Value,
    fields_set: Option<&Fields>,
) -> PyResult<T::Core> {
    core_from_value::<T>(value, fields_set).map_err(|(path, message)| malformed(py, path, message))
}

fn from_bytes<T: Wrap>(
    py: Python<'_>,
    bytes: &[u8],
    fields_set: Option<&Fields>,
) -> PyResult<T::Core> {
    core_from_bytes::<T>(bytes, fields_set).map_err(|(path, message)| malformed(py, path, message))
}

/// A dict given as an object's wire form, as JSON: a value no JSON text can hold (NaN, 10**400)
/// is malformed at its path, as it would be in JSON text given to `from_json`.
fn wire_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Value> {
    to_json(data, "").map_err(|e| {
        let errors = e.value(py).getattr("errors").ok();
        let first = errors.and_then(|list| list.get_item(0).ok());
        let Some(first) = first else { return e };
        let (Ok(loc), Ok(msg)) = (first.get_item("loc"), first.get_item("msg")) else {
            return e;
        };
        let mut path = String::new();
        for part in loc.try_iter().into_iter().flatten().flatten() {
            match part.extract::<usize>() {
                Ok(i) => path.push_str(&format!("[{i}]")),
                Err(_) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&part.str().map(|s| s.to_string()).unwrap_or_default());
                }
            }
        }
        malformed(
            py,
            path,
            msg.str().map(|s| s.to_string()).unwrap_or_default(),
        )
    })
}

fn fields_arg(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Fields>> {
    Ok(crate::convert::fields_set(value)?.map(Into::into))
}

fn dict_of<T: Serialize>(py: Python<'_>, core: &T) -> PyResult<Py<PyAny>> {
    let value = serde_json::to_value(core).map_err(|e| PyTypeError::new_err(e.to_string()))?;
    to_py(py, &value)
}

fn json_of<T: Serialize>(core: &T) -> PyResult<String> {
    serde_json::to_string(core).map_err(|e| PyTypeError::new_err(e.to_string()))
}

/// `Name(field=value, ...)` with the fields that have a value.
fn repr_of<T: Wrap>(obj: &Bound<'_, T>) -> PyResult<String> {
    let mut out = String::from(T::PY_NAME);
    out.push('(');
    let mut first = true;
    for (attr, _) in T::FIELDS {
        let value = match obj.as_any().getattr(*attr) {
            Ok(v) => v,
            // Left out by the fields_set: not shown.
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(obj.py()) => continue,
            Err(e) => return Err(e),
        };
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
            let same =
                this.to_core(py)? == other.to_core(py)? && this.fields_set() == other.fields_set();
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
    let text = json_of(&this.to_core(py)?)?.into_pyobject(py)?.into_any();
    let fields = match this.fields_set() {
        Some(names) => PyList::new(py, names)?.into_any(),
        None => py.None().into_bound(py),
    };
    Ok((from_json, PyTuple::new(py, [text, fields])?))
}

/// A Python list of wrapped items made from core items (converted to what the class holds).
fn list_of<T: Wrap, X: Into<T::Core>>(
    py: Python<'_>,
    items: Vec<X>,
    fields_set: Option<&Fields>,
) -> PyResult<Py<PyList>> {
    let items = items.into_iter().map(Into::into).collect();
    Ok(PyList::new(py, T::wrap_all(py, items, fields_set)?)?.unbind())
}

/// The core values of a Python list of wrapped items.
fn items_of<T: Wrap, X>(py: Python<'_>, list: &Py<PyList>, attr: &str) -> PyResult<Vec<X>>
where
    T::Core: TryInto<X>,
    <T::Core as TryInto<X>>::Error: std::fmt::Display,
{
    let list = list.bind(py);
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        match item.cast::<T>() {
            Ok(obj) => out.push(
                obj.borrow()
                    .to_core(py)?
                    .try_into()
                    .map_err(|e| PyTypeError::new_err(format!("{attr}[{i}]: {e}")))?,
            ),
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
                let core = core_from_value::<T>(json, None)
                    .map_err(|(_, e)| PyTypeError::new_err(format!("{attr}[{i}]: {e}")))?;
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
        class $py:ident = $name:literal wraps $core:ty, full $full:ty {
            fields { $($field:ident = $wire:literal),* $(,)? }
            lists { $($list:ident = $lwire:literal of $item:ty $(as $items_fields:ident)?),* $(,)? }
        }
    ) => {
        $(#[doc = $doc])*
        #[pyclass(frozen, module = "crmcom_netflix", name = $name)]
        pub struct $py {
            inner: $core,
            fields_set: Option<Fields>,
            $( $list: Option<Py<PyList>>, )*
        }

        impl Wrap for $py {
            type Core = $core;
            type Full = $full;
            const PY_NAME: &'static str = $name;
            const FIELDS: &'static [(&'static str, &'static str)] =
                &[$((stringify!($field), $wire),)* $((stringify!($list), $lwire),)*];

            #[allow(unused_mut, unused_variables)]
            fn from_core(py: Python<'_>, mut core: $core, fields_set: Option<&Fields>) -> PyResult<Self> {
                // Nested objects are not projected, except the items a `fields_set` applies to.
                $( let $list = match ListField::take_items(&mut core.$list) {
                    Some(items) => Some(list_of::<$item, _>(py, items, py_object!(@items $($items_fields)? fields_set))?),
                    None => None,
                }; )*
                Ok($py { inner: core, fields_set: fields_set.cloned(), $( $list, )* })
            }

            #[allow(unused_mut, unused_variables)]
            fn to_core(&self, py: Python<'_>) -> PyResult<$core> {
                let mut core = self.inner.clone();
                $( ListField::put_items(&mut core.$list, match &self.$list {
                    Some(list) => Some(items_of::<$item, _>(py, list, stringify!($list))?),
                    None => None,
                }); )*
                Ok(core)
            }

            fn fields_set(&self) -> Option<&[String]> {
                self.fields_set.as_deref()
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
                                // A placeholder, so that a required list counts as given.
                                rest.set_item(key, PyList::empty(py))?;
                            } )*
                            _ => rest.set_item(key, value)?,
                        }
                    }
                }
                let mut core: $core = from_kwargs::<$py>(Some(&rest))?;
                let mut this = Self::from_core(py, core, None)?;
                $( if let Some(items) = $list {
                    let items: Vec<<$item as Wrap>::Core> = items;
                    this.$list = Some(PyList::new(py, <$item as Wrap>::wrap_all(py, items, None)?)?.unbind());
                } )*
                Ok(this)
            }

            $(
                #[getter]
                fn $field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                    field_to_py(py, &self.inner, &self.inner.$field, stringify!($field), $wire, self.fields_set.as_deref())
                }
            )*

            $(
                #[getter]
                fn $list(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                    match &self.$list {
                        Some(list) => Ok(list.clone_ref(py).into_any()),
                        None => absent(py, &self.inner, stringify!($list), $lwire, self.fields_set.as_deref()),
                    }
                }
            )*

            /// Fields the server sent that this SDK does not know, as they came.
            #[getter]
            fn extra(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                to_py(py, &Value::Object(self.inner.extra.clone()))
            }

            /// The `fields_set` the object was decoded with (`None`: every documented field).
            #[getter]
            fn fields_set(&self) -> Option<Vec<String>> {
                self.fields_set.as_deref().map(<[String]>::to_vec)
            }

            /// The object in its wire form: JSON-ready values under the API's field names.
            fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                dict_of(py, &self.to_core(py)?)
            }

            /// The object as JSON text in its wire form.
            fn to_json(&self, py: Python<'_>) -> PyResult<String> {
                json_of(&self.to_core(py)?)
            }

            /// An object from its wire form (a dict); unknown fields are kept in `extra`. Without
            /// a `fields_set` every documented field must be there.
            #[classmethod]
            #[pyo3(signature = (data, fields_set = None))]
            fn from_dict(_cls: &Bound<'_, PyType>, py: Python<'_>, data: &Bound<'_, PyAny>, fields_set: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
                let fields = fields_arg(fields_set)?;
                let value = wire_json(py, data)?;
                Self::from_core(py, from_value::<$py>(py, value, fields.as_ref())?, fields.as_ref())
            }

            /// An object from JSON text in its wire form (as `from_dict`).
            #[classmethod]
            #[pyo3(signature = (text, fields_set = None))]
            fn from_json(_cls: &Bound<'_, PyType>, py: Python<'_>, text: &Bound<'_, PyAny>, fields_set: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
                let fields = fields_arg(fields_set)?;
                let core = with_text(text, |bytes| from_bytes::<$py>(py, bytes, fields.as_ref()))??;
                Self::from_core(py, core, fields.as_ref())
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
    (@items projected $fields:ident) => { $fields };
    (@items $fields:ident) => { None };
}

py_object! {
    /// A Netflix promotion (also the items of a subscription's `promotions_set`).
    class PyPromotion = "Promotion" wraps ProjectedPromotion, full crmcom_netflix::Promotion {
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
    class PyPrice = "Price" wraps Price, full Price {
        fields { formatted_price = "FormattedPrice" }
        lists {}
    }
}

py_object! {
    /// A Netflix subscription (`subscriptions/show`).
    class PySubscription = "Subscription" wraps ProjectedSubscription, full crmcom_netflix::Subscription {
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
    class PySubscriptionCreated = "SubscriptionCreated" wraps SubscriptionCreated, full SubscriptionCreated {
        fields { netflix_token = "netflix_token", expires_on = "expires_on" }
        lists {}
    }
}

py_object! {
    /// A charge that could not be acknowledged, accepted or declined.
    class PyFailedCharge = "FailedCharge" wraps FailedCharge, full FailedCharge {
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
    class PyFailedCharges = "FailedCharges" wraps FailedCharges, full FailedCharges {
        fields {}
        lists { failed_charges_set = "failed_charges_set" of PyFailedCharge }
    }
}

py_object! {
    /// The data of `authentication/token`: the token (a `Token`, which never shows in `repr`).
    class PyLoginResult = "LoginResult" wraps LoginResult, full LoginResult {
        fields { token = "token" }
        lists {}
    }
}

py_object! {
    /// The data of methods that return none (`data: {}`); anything the server adds is in `extra`.
    class PyEmpty = "Empty" wraps Empty, full Empty {
        fields {}
        lists {}
    }
}

py_object! {
    /// The data of `charges/list`: a page of charges, oldest first.
    class PyChargesPage = "ChargesPage" wraps ProjectedChargesPage, full crmcom_netflix::ChargesPage {
        fields {}
        lists { charges_set = "charges_set" of PyCharge as projected }
    }
}

// ---------------------------------------------------------------------------------------------
// Charge: the hot one. Its values are made when read (amounts shared through a value cache).

/// A Netflix charge.
///
/// `amount` is a `decimal.Decimal` rounded to the currency's minor unit (5.99 USD for the wire's
/// 5.989999771118164), `amount_minor` the same in integer minor units (599) and `amount_raw` the
/// wire number. Dates are naive `datetime.datetime` values. `billable` says whether to bill it.
#[pyclass(frozen, freelist = 256, module = "crmcom_netflix", name = "Charge")]
pub struct PyCharge {
    /// The charges decoded together (a page); this one is at `index`. Sharing them keeps each
    /// Python object small: decoding moves no charge.
    store: Arc<Vec<ProjectedCharge>>,
    index: usize,
    fields_set: Option<Fields>,
    /// Set on charges a sync hands out again after an interruption (they may have been billed).
    pub redelivered: bool,
}

impl PyCharge {
    /// Wraps a core charge.
    pub fn new_from(inner: ProjectedCharge, fields_set: Option<Fields>, redelivered: bool) -> Self {
        PyCharge {
            store: Arc::new(vec![inner]),
            index: 0,
            fields_set,
            redelivered,
        }
    }

    /// Python objects for charges decoded together, sharing one store.
    pub fn all(
        py: Python<'_>,
        charges: Vec<ProjectedCharge>,
        fields_set: Option<&Fields>,
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
                        fields_set: fields_set.cloned(),
                        redelivered: redelivered(index),
                    },
                )
            })
            .collect()
    }

    /// The core charge.
    pub fn inner(&self) -> &ProjectedCharge {
        &self.store[self.index]
    }

    fn field<F: FieldValue>(
        &self,
        py: Python<'_>,
        value: &F,
        attr: &str,
        wire: &str,
    ) -> PyResult<Py<PyAny>> {
        field_to_py(
            py,
            self.inner(),
            value,
            attr,
            wire,
            self.fields_set.as_deref(),
        )
    }

    /// The amount, or `FieldNotRequested` if the `fields_set` left it out.
    fn money(&self, py: Python<'_>, local: bool, attr: &str) -> PyResult<Option<Money>> {
        let (money, wire) = match local {
            false => (self.inner().amount, "amount"),
            true => (self.inner().local_currency_amount, "local_currency_amount"),
        };
        if money.is_none() {
            absent(py, self.inner(), attr, wire, self.fields_set.as_deref())?;
        }
        Ok(money)
    }
}

impl Wrap for PyCharge {
    type Core = ProjectedCharge;
    type Full = crmcom_netflix::Charge;
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

    fn from_core(
        _py: Python<'_>,
        core: ProjectedCharge,
        fields_set: Option<&Fields>,
    ) -> PyResult<Self> {
        Ok(PyCharge::new_from(core, fields_set.cloned(), false))
    }

    fn to_core(&self, _py: Python<'_>) -> PyResult<ProjectedCharge> {
        Ok(self.inner().clone())
    }

    fn fields_set(&self) -> Option<&[String]> {
        self.fields_set.as_deref()
    }

    fn wrap_all(
        py: Python<'_>,
        items: Vec<ProjectedCharge>,
        fields_set: Option<&Fields>,
    ) -> PyResult<Vec<Py<Self>>> {
        PyCharge::all(py, items, fields_set, |_| false)
    }
}

#[pymethods]
impl PyCharge {
    #[new]
    #[pyo3(signature = (**kwargs))]
    fn new(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Ok(PyCharge::new_from(
            from_kwargs::<PyCharge>(kwargs)?,
            None,
            false,
        ))
    }

    /// CRM.COM charge number: the key for acknowledging, accepting and declining.
    #[getter]
    fn number(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, &self.inner().number, "number", "number")
    }

    /// The customer's identifier in the operator's billing system.
    #[getter]
    fn billing_system_customer_identifier(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = self.inner();
        let wire = "billing_system_customer_identifier";
        self.field(py, &c.billing_system_customer_identifier, wire, wire)
    }

    /// The amount as a `Decimal` rounded to the currency's minor unit.
    #[getter]
    fn amount(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, &self.inner().amount, "amount", "amount")
    }

    /// The amount in integer minor units (599 for 5.99 USD); `None` for an unknown currency.
    #[getter]
    fn amount_minor(&self, py: Python<'_>) -> PyResult<Option<i64>> {
        Ok(self
            .money(py, false, "amount_minor")?
            .and_then(|m| m.minor_units()))
    }

    /// The amount exactly as the wire carried it (a float artefact such as 5.989999771118164).
    #[getter]
    fn amount_raw(&self, py: Python<'_>) -> PyResult<Option<f64>> {
        Ok(self.money(py, false, "amount_raw")?.map(|m| m.raw()))
    }

    /// Minor-unit digits of `currency` (2 for USD); `None` for a code the SDK does not know.
    #[getter]
    fn minor_unit_exponent(&self, py: Python<'_>) -> PyResult<Option<u32>> {
        Ok(self
            .money(py, false, "minor_unit_exponent")?
            .and_then(|m| m.minor_unit_exponent()))
    }

    /// ISO 4217 code of `amount`.
    #[getter]
    fn currency(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, &self.inner().currency, "currency", "currency")
    }

    /// The amount in the operator's local currency, as a `Decimal`.
    #[getter]
    fn local_currency_amount(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let wire = "local_currency_amount";
        self.field(py, &self.inner().local_currency_amount, wire, wire)
    }

    /// The local amount in integer minor units.
    #[getter]
    fn local_currency_amount_minor(&self, py: Python<'_>) -> PyResult<Option<i64>> {
        Ok(self
            .money(py, true, "local_currency_amount_minor")?
            .and_then(|m| m.minor_units()))
    }

    /// The local amount exactly as the wire carried it.
    #[getter]
    fn local_currency_amount_raw(&self, py: Python<'_>) -> PyResult<Option<f64>> {
        Ok(self
            .money(py, true, "local_currency_amount_raw")?
            .map(|m| m.raw()))
    }

    /// The operator's local currency.
    #[getter]
    fn local_currency(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let wire = "local_currency";
        self.field(py, &self.inner().local_currency, wire, wire)
    }

    /// If approved, Netflix service is paid up to this date.
    #[getter]
    fn paid_through_date(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let wire = "paid_through_date";
        self.field(py, &self.inner().paid_through_date, wire, wire)
    }

    /// Status of the charge, a `ChargeStatus` (unknown values keep their wire text).
    #[getter]
    fn charge_status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let wire = "charge_status";
        self.field(py, &self.inner().charge_status, wire, wire)
    }

    /// When Netflix received the charge.
    #[getter]
    fn received_on(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, &self.inner().received_on, "received_on", "received_on")
    }

    /// When the charge was approved.
    #[getter]
    fn set_as_approved_on(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let wire = "set_as_approved_on";
        self.field(py, &self.inner().set_as_approved_on, wire, wire)
    }

    /// When the charge was declined.
    #[getter]
    fn set_as_declined_on(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let wire = "set_as_declined_on";
        self.field(py, &self.inner().set_as_declined_on, wire, wire)
    }

    /// When the charge was flagged as a bad request.
    #[getter]
    fn set_as_bad_request_on(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let wire = "set_as_bad_request_on";
        self.field(py, &self.inner().set_as_bad_request_on, wire, wire)
    }

    /// When the charge was rejected.
    #[getter]
    fn set_as_rejected_request_on(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let wire = "set_as_rejected_request_on";
        self.field(py, &self.inner().set_as_rejected_request_on, wire, wire)
    }

    /// Fields the server sent that this SDK does not know, as they came.
    #[getter]
    fn extra(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &Value::Object(self.inner().extra.clone()))
    }

    /// The `fields_set` the charge was decoded with (`None`: every documented field).
    #[getter]
    fn fields_set(&self) -> Option<Vec<String>> {
        self.fields_set.as_deref().map(<[String]>::to_vec)
    }

    /// Whether to bill the customer: `APPROVED`, with an amount priced in a known currency that
    /// is not negative (an amount that rounds to zero is billed as zero).
    #[getter]
    fn billable(&self) -> bool {
        self.inner().billable()
    }

    /// What a billing system does with the charge: `"bill"` it, `"record"` it as not billed
    /// (declined, bad request, rejected), or `"leave"` it on the server (pending, an unknown
    /// status, or approved but not priceable or negative). Only billed or recorded charges may
    /// be confirmed.
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

    /// A charge from its wire form (a dict); unknown fields are kept in `extra`. Without a
    /// `fields_set` every documented field must be there.
    #[classmethod]
    #[pyo3(signature = (data, fields_set = None))]
    fn from_dict(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        fields_set: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let fields = fields_arg(fields_set)?;
        let value = wire_json(py, data)?;
        let core = from_value::<PyCharge>(py, value, fields.as_ref())?;
        Ok(PyCharge::new_from(core, fields, false))
    }

    /// A charge from JSON text in its wire form (as `from_dict`).
    #[classmethod]
    #[pyo3(signature = (text, fields_set = None))]
    fn from_json(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        fields_set: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let fields = fields_arg(fields_set)?;
        let core = with_text(text, |bytes| {
            from_bytes::<PyCharge>(py, bytes, fields.as_ref())
        })??;
        Ok(PyCharge::new_from(core, fields, false))
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

/// Builds a Python list of wrapped objects decoded with `fields_set` (or without one).
pub fn wrap_list<T: Wrap, X: Into<T::Core>>(
    py: Python<'_>,
    items: Vec<X>,
    fields_set: Option<&Fields>,
) -> PyResult<Py<PyList>> {
    list_of::<T, X>(py, items, fields_set)
}

/// Wraps one core object.
pub fn wrap<T: Wrap, X: Into<T::Core>>(
    py: Python<'_>,
    core: X,
    fields_set: Option<&Fields>,
) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, T::from_core(py, core.into(), fields_set)?)?.into_any())
}
