//! Conversions between Python values and the JSON values, dates and amounts of the core.
//!
//! Parameters go in as plain Python (dicts, lists, strings, numbers, enum members, `datetime`,
//! request objects); anything else is a `TypeError` naming where it was found, never a crash.

use std::borrow::Cow;

use chrono::{Datelike, Timelike};
use crmcom_netflix::{Date, Violation, ViolationCode};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyMemoryView,
    PyString, PyTuple, PyType,
};
use serde_json::{Map, Value};

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ENUM: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `decimal.Decimal`.
pub fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// A `decimal.Decimal` from its text.
pub fn decimal(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    Ok(decimal_type(py)?.call1((text,))?.unbind())
}

/// The `decimal.Decimal` of an amount. A priced amount is written from its integer minor units
/// on the stack (`599`, 2 digits: `"5.99"`), which costs a fraction of formatting the decimal;
/// `Decimal(str)` is the cheapest constructor (cheaper than a digit tuple or `scaleb`).
pub fn money_decimal(py: Python<'_>, money: &crmcom_netflix::Money) -> PyResult<Py<PyAny>> {
    match (money.minor_units(), money.minor_unit_exponent()) {
        // Zero goes the long way: it keeps the sign of a rounded-away negative amount.
        (Some(minor), Some(exponent)) if minor != 0 => {
            let mut buf = [0u8; 48];
            let text = minor_units_text(minor, exponent, &mut buf);
            decimal(py, text)
        }
        _ => decimal(py, &money.to_string()),
    }
}

/// `minor` with `exponent` fraction digits (`-5`, 2: `"-0.05"`), written into `buf`.
fn minor_units_text(minor: i64, exponent: u32, buf: &mut [u8; 48]) -> &str {
    let mut digits = minor.unsigned_abs();
    let exponent = exponent as usize;
    let mut end = buf.len();
    let mut written = 0;
    while digits > 0 || written <= exponent {
        if written == exponent && exponent > 0 {
            end -= 1;
            buf[end] = b'.';
        }
        end -= 1;
        buf[end] = b'0' + (digits % 10) as u8;
        digits /= 10;
        written += 1;
    }
    if minor < 0 {
        end -= 1;
        buf[end] = b'-';
    }
    // Only ASCII digits, '.' and '-' were written.
    std::str::from_utf8(&buf[end..]).unwrap_or("0")
}

/// A naive `datetime.datetime` holding the wall-clock reading of a core date, made through the
/// C API of `datetime` (a direct call, no argument tuple, no text to parse).
pub fn datetime(py: Python<'_>, date: &Date) -> PyResult<Py<PyAny>> {
    let d = date.0;
    if !(1..=9999).contains(&d.year()) {
        return Err(PyValueError::new_err(format!(
            "the date {date} is outside the years Python's datetime can hold"
        )));
    }
    let micros = (d.nanosecond() / 1000).min(999_999);
    Ok(PyDateTime::new(
        py,
        d.year(),
        d.month() as u8,
        d.day() as u8,
        d.hour() as u8,
        d.minute() as u8,
        d.second() as u8,
        micros,
        None,
    )?
    .into_any()
    .unbind())
}

/// Reads a `datetime.datetime` through its ISO form, with the core's lenient date rules (a zone
/// is dropped and the wall-clock reading kept).
pub fn date_of(value: &Bound<'_, PyAny>, path: &str) -> PyResult<Date> {
    if !value.is_instance_of::<PyDateTime>() {
        return Err(type_error(path, "a datetime.datetime", value));
    }
    let iso = value.call_method0("isoformat")?;
    let iso = iso.cast::<PyString>()?.to_cow()?;
    Date::parse(&iso).ok_or_else(|| {
        PyValueError::new_err(format!(
            "{}: {iso} is not a date the API can carry",
            at(path)
        ))
    })
}

/// The text of a Python `str`. A `str` that is not Unicode text (it holds a lone surrogate, as
/// `os.fsdecode` makes of a non-UTF-8 byte) is an `invalid_format` violation at `path`: the
/// `UnicodeEncodeError` Python would raise holds the whole value, which may be a password.
pub fn text<'a>(s: &'a Bound<'_, PyString>, path: &str) -> PyResult<Cow<'a, str>> {
    s.to_cow().map_err(|_| {
        violation(
            s.py(),
            path,
            ViolationCode::InvalidFormat,
            "is not valid Unicode text (it holds a lone surrogate)",
        )
    })
}

/// A `ValidationError` with one violation, made by the core so that it reads as every other.
pub fn violation(py: Python<'_>, path: &str, code: ViolationCode, message: &str) -> PyErr {
    crate::errors::to_py_err(
        py,
        crmcom_netflix::Error::InvalidRequest(vec![Violation::new(path, code, message)]),
    )
}

fn at(path: &str) -> &str {
    if path.is_empty() {
        "the value"
    } else {
        path
    }
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .qualname()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// A `TypeError` saying what was expected at `path` and what came.
pub fn type_error(path: &str, expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "{}: expected {expected}, got {}",
        at(path),
        type_name(got)
    ))
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// How deep parameters may nest: far beyond any request of the API, and well within the stack.
const MAX_DEPTH: usize = 128;

/// Converts a Python value to JSON. `path` names the value in error messages.
pub fn to_json(value: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    to_json_at(value, path, 0)
}

fn to_json_at(value: &Bound<'_, PyAny>, path: &str, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(violation(
            value.py(),
            path,
            ViolationCode::InvalidType,
            &format!("nests more than {MAX_DEPTH} levels deep"),
        ));
    }
    let to_json = |v: &Bound<'_, PyAny>, p: &str| to_json_at(v, p, depth + 1);
    let py = value.py();
    if value.is_none() {
        return Ok(Value::Null);
    }
    // Exact built-in types first: the common case, and cheap to test.
    if let Ok(s) = value.cast_exact::<PyString>() {
        return Ok(Value::String(text(s, path)?.into_owned()));
    }
    if let Ok(b) = value.cast_exact::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_exact_instance_of::<PyInt>() {
        return int_to_json(value, path);
    }
    if let Ok(f) = value.cast_exact::<PyFloat>() {
        return float_to_json(py, f.value(), path);
    }
    if let Ok(d) = value.cast_exact::<PyDict>() {
        return dict_to_json(d, path, depth);
    }
    if let Ok(l) = value.cast_exact::<PyList>() {
        let mut items = Vec::with_capacity(l.len());
        for (i, item) in l.iter().enumerate() {
            items.push(to_json(&item, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(t) = value.cast_exact::<PyTuple>() {
        let mut items = Vec::with_capacity(t.len());
        for (i, item) in t.iter().enumerate() {
            items.push(to_json(&item, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    // Enum members stand for their wire value.
    if value.is_instance(ENUM.import(py, "enum", "Enum")?)? {
        return to_json(&value.getattr("value")?, path);
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(text(s, path)?.into_owned()));
    }
    if value.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(value.is_truthy()?));
    }
    if value.is_instance_of::<PyInt>() {
        return int_to_json(value, path);
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return float_to_json(py, f.value(), path);
    }
    if value.is_instance(decimal_type(py)?)? {
        let f: f64 = value.extract()?;
        return float_to_json(py, f, path);
    }
    if value.is_instance_of::<PyDateTime>() {
        return Ok(Value::String(date_of(value, path)?.to_string()));
    }
    if value.is_instance(DATE.import(py, "datetime", "date")?)? {
        return Err(type_error(
            path,
            "a datetime.datetime (the API's dates carry a time)",
            value,
        ));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        return dict_to_json(d, path, depth);
    }
    if let Ok(l) = value.cast::<PyList>() {
        let mut items = Vec::with_capacity(l.len());
        for (i, item) in l.iter().enumerate() {
            items.push(to_json(&item, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(t) = value.cast::<PyTuple>() {
        let mut items = Vec::with_capacity(t.len());
        for (i, item) in t.iter().enumerate() {
            items.push(to_json(&item, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(token) = value.cast::<crate::token::PyToken>() {
        return Ok(Value::String(token.get().0.expose().to_owned()));
    }
    // Request and response objects of this package, and anything else that offers `to_dict()`.
    if value.hasattr("to_dict")? && !value.is_instance_of::<PyType>() {
        let dict = value.call_method0("to_dict")?;
        return to_json(&dict, path);
    }
    if value.hasattr("keys")? && value.hasattr("__getitem__")? {
        let dict = PyDict::new(py);
        for key in value.call_method0("keys")?.try_iter()? {
            let key = key?;
            dict.set_item(&key, value.get_item(&key)?)?;
        }
        return dict_to_json(&dict, path, depth);
    }
    Err(type_error(
        path,
        "a JSON-like value (dict, list, str, int, float, bool, None, enum member, datetime)",
        value,
    ))
}

fn dict_to_json(d: &Bound<'_, PyDict>, path: &str, depth: usize) -> PyResult<Value> {
    let mut map = Map::with_capacity(d.len());
    for (k, v) in d.iter() {
        let key = match k.cast::<PyString>() {
            Ok(s) => text(s, path)?.into_owned(),
            Err(_) => return Err(type_error(path, "str keys", &k)),
        };
        let value = to_json_at(&v, &child(path, &key), depth + 1)?;
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

fn int_to_json(value: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    if let Ok(i) = value.extract::<i64>() {
        return Ok(Value::from(i));
    }
    if let Ok(u) = value.extract::<u64>() {
        return Ok(Value::from(u));
    }
    // Beyond 64 bits JSON readers (the core's included) fall back to a double, which the core
    // reports as out of range where an integer is expected; beyond a double (10**400) there is
    // no JSON number at all.
    match value.extract::<f64>() {
        // -(2**63) - 1 rounds to -(2**63), an i64: the next double down keeps it out of range.
        Ok(f) if f == i64::MIN as f64 => float_to_json(value.py(), f * (1.0 + f64::EPSILON), path),
        Ok(f) => float_to_json(value.py(), f, path),
        Err(_) => Err(too_large(value.py(), path)),
    }
}

fn too_large(py: Python<'_>, path: &str) -> PyErr {
    violation(
        py,
        path,
        ViolationCode::OutOfRange,
        "is too large for a JSON number",
    )
}

fn float_to_json(py: Python<'_>, f: f64, path: &str) -> PyResult<Value> {
    match serde_json::Number::from_f64(f) {
        Some(n) => Ok(Value::Number(n)),
        None if f.is_nan() => Err(violation(
            py,
            path,
            ViolationCode::InvalidType,
            "must be a number, not NaN",
        )),
        None => Err(too_large(py, path)),
    }
}

/// Converts JSON to plain Python values (dict, list, str, int, float, bool, None).
pub fn to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                n.as_f64()
                    .unwrap_or(f64::NAN)
                    .into_pyobject(py)?
                    .into_any()
                    .unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// The bytes of a response body given as `bytes`, `bytearray`, `memoryview` or `str`.
pub fn with_body<R>(body: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(b) = body.cast::<PyBytes>() {
        return Ok(f(b.as_bytes()));
    }
    if let Ok(s) = body.cast::<PyString>() {
        let text = text(s, "body")?;
        return Ok(f(text.as_bytes()));
    }
    if let Ok(b) = body.cast::<PyByteArray>() {
        return Ok(f(&b.to_vec()));
    }
    if body.is_instance_of::<PyMemoryView>() {
        let bytes = body.call_method0("tobytes")?;
        let bytes = bytes.cast::<PyBytes>()?;
        return Ok(f(bytes.as_bytes()));
    }
    Err(type_error(
        "body",
        "bytes, bytearray, memoryview or str",
        body,
    ))
}

/// Text given as `str`, `bytes` or `bytearray` (JSON documents).
pub fn with_text<R>(text: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(s) = text.cast::<PyString>() {
        return Ok(f(self::text(s, "json")?.as_bytes()));
    }
    with_body(text, f).map_err(|_| type_error("json", "str or bytes", text))
}

/// A `fields_set` given as a sequence of names or as one comma-separated string.
pub fn fields_set(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<String>>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if let Ok(s) = value.cast::<PyString>() {
        let joined = text(s, "fields_set")?;
        let names: crmcom_netflix::FieldsSet<crmcom_netflix::Charge> =
            serde_json::from_value(Value::String(joined.into_owned())).map_err(|e| {
                PyValueError::new_err(crmcom_netflix::in_json_terms(&e.to_string()))
            })?;
        return Ok(Some(names.names().to_vec()));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let mut names = Vec::new();
        for (i, item) in value.try_iter()?.enumerate() {
            let item = item?;
            match item.cast::<PyString>() {
                Ok(s) => names.push(text(s, &format!("fields_set[{i}]"))?.into_owned()),
                Err(_) => return Err(type_error(&format!("fields_set[{i}]"), "str", &item)),
            }
        }
        return Ok(Some(names));
    }
    Err(type_error(
        "fields_set",
        "a list of field names or a comma-separated str",
        value,
    ))
}

/// An optional string argument.
pub fn opt_str(value: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<String>> {
    match value.filter(|v| !v.is_none()) {
        None => Ok(None),
        Some(v) => match v.cast::<PyString>() {
            Ok(s) => Ok(Some(text(s, name)?.into_owned())),
            Err(_) => Err(type_error(name, "str or None", v)),
        },
    }
}

/// A required string argument.
pub fn req_str(value: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(text(s, name)?.into_owned()),
        Err(_) => Err(type_error(name, "str", value)),
    }
}
