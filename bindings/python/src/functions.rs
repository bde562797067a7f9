//! The core's functions by method name: prepare, validate, decode, project; batching; money and
//! date helpers; the schemas the Python request classes are generated from.

use crmcom_netflix::{
    batch, decode as core_decode, decode_json, decode_projected, minor_unit_exponent, prepare_json,
    project, project_data, try_batch, validate_json, AcceptCharges, AcknowledgeCharges,
    AcknowledgedCharge, ChargeSetItem, ChargeSetRequest, ChargeStatus, CreateSubscription,
    DeclineCharges, LifeCycleState, ListCharges, ListPromotions, LoginRequest, Method,
    NetflixState, ProjectedChargesPage, ReleaseToken, ShowSubscriptions, SuspendSubscription,
    UnsuspendSubscription, WebApiKeyLogin,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde_json::Value;

use crate::convert::{opt_str, req_str, to_json, to_py, type_error, with_body};
use crate::errors::IntoPyResult;
use crate::objects::{
    wrap, wrap_list, Fields, PyCharge, PyChargesPage, PyEmpty, PyFailedCharges, PyLoginResult,
    PyPromotion, PySubscription, PySubscriptionCreated,
};
use crate::prepared::PyPreparedRequest;
use crate::token::PyToken;

/// The token argument: a `Token`, a `str` or `None`.
pub fn token_arg(token: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    match token.filter(|t| !t.is_none()) {
        None => Ok(None),
        Some(t) => {
            if let Ok(token) = t.cast::<PyToken>() {
                return Ok(Some(token.get().0.expose().to_owned()));
            }
            match t.cast::<PyString>() {
                Ok(s) => Ok(Some(crate::convert::text(s, "token")?.into_owned())),
                Err(_) => Err(type_error("token", "a Token, a str or None", t)),
            }
        }
    }
}

fn params_text(params: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    let value = match params.filter(|p| !p.is_none()) {
        None => Value::Object(Default::default()),
        Some(p) => to_json(p, "")?,
    };
    Ok(value.to_string())
}

/// Prepares a request of `method` (`"netflix/charges/list"`) with parameters as a dict, for
/// `release` (the newest when `None`). Raises `ValidationError` with every violation.
#[pyfunction]
#[pyo3(signature = (method, params = None, *, token = None, release = None))]
pub fn prepare(
    py: Python<'_>,
    method: &Bound<'_, PyAny>,
    params: Option<&Bound<'_, PyAny>>,
    token: Option<&Bound<'_, PyAny>>,
    release: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyPreparedRequest> {
    let method = req_str(method, "method")?;
    let params = params_text(params)?;
    let token = token_arg(token)?;
    let release = opt_str(release, "release")?;
    let prepared =
        prepare_json(&method, &params, token.as_deref(), release.as_deref()).py_err(py)?;
    Ok(PyPreparedRequest(prepared))
}

/// Parameters from JSON text (`Params.from_json`), read as the by-name functions read them:
/// text that is not JSON, or nests too deep, raises `ValidationError`.
#[pyfunction]
pub fn params_from_json(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let value = crate::convert::with_text(text, |bytes| match std::str::from_utf8(bytes) {
        Ok(text) => crmcom_netflix::parse_params(text),
        Err(_) => Err(crmcom_netflix::Error::InvalidRequest(vec![
            crmcom_netflix::Violation::new(
                "",
                crmcom_netflix::ViolationCode::InvalidType,
                "the parameters are not UTF-8 text",
            ),
        ])),
    })?
    .py_err(py)?;
    to_py(py, &value)
}

/// The type checks of a request object when it is built: `values` (the object's fields) are
/// placed at `at` in the parameters of `method` (`"customer_address"`, or
/// `"acknowledged_charges_set[0]"` for a set item; `""` for the request itself) and checked by
/// the core; its `invalid_type` violations under `at` raise `ValidationError`, with paths
/// relative to the object. Every other rule waits for `prepare`.
#[pyfunction]
pub fn check_types(
    py: Python<'_>,
    method: &Bound<'_, PyAny>,
    at: &Bound<'_, PyAny>,
    values: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let name = req_str(method, "method")?;
    let at = req_str(at, "at")?;
    let method = Method::from_name(&name).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!("unknown method `{name}`"))
    })?;
    let params = embed(&at, to_json(values, "")?);
    let Err(crmcom_netflix::Error::InvalidRequest(violations)) =
        crmcom_netflix::validate_value(method, &params, crmcom_netflix::Release::LATEST)
    else {
        return Ok(());
    };
    let wrong_types: Vec<crmcom_netflix::Violation> = violations
        .into_iter()
        .filter(|v| v.code == crmcom_netflix::ViolationCode::InvalidType)
        .filter_map(|mut v| {
            let rest = v.path.strip_prefix(at.as_str())?;
            if !(at.is_empty() || rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
            {
                return None;
            }
            v.path = rest.strip_prefix('.').unwrap_or(rest).to_owned();
            Some(v)
        })
        .collect();
    if wrong_types.is_empty() {
        return Ok(());
    }
    Err(crate::errors::to_py_err(
        py,
        crmcom_netflix::Error::InvalidRequest(wrong_types),
    ))
}

/// `value` placed at a path such as `customer_address.country_identifier` or
/// `acknowledged_charges_set[0]` in an otherwise empty object.
fn embed(at: &str, value: Value) -> Value {
    let mut value = value;
    for segment in at.split('.').filter(|s| !s.is_empty()).rev() {
        let (name, indexed) = match segment.strip_suffix("[0]") {
            Some(name) => (name, true),
            None => (segment, false),
        };
        if indexed {
            value = Value::Array(vec![value]);
        }
        let mut map = serde_json::Map::new();
        map.insert(name.to_owned(), value);
        value = Value::Object(map);
    }
    value
}

/// Checks parameters of `method` against the rules of `release` without a token; raises
/// `ValidationError` with every violation.
#[pyfunction]
#[pyo3(signature = (method, params = None, *, release = None))]
pub fn validate(
    py: Python<'_>,
    method: &Bound<'_, PyAny>,
    params: Option<&Bound<'_, PyAny>>,
    release: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let method = req_str(method, "method")?;
    let params = params_text(params)?;
    let release = opt_str(release, "release")?;
    validate_json(&method, &params, release.as_deref()).py_err(py)
}

/// Decodes a response body of `method` into its typed result, given the `fields_set` that was
/// sent (if any). Raises `ApiError` for a status other than `OK` and `MalformedResponse` (with the
/// path of the offending value) for a body without the documented shape.
#[pyfunction]
#[pyo3(signature = (method, body, *, fields_set = None))]
pub fn decode(
    py: Python<'_>,
    method: &Bound<'_, PyAny>,
    body: &Bound<'_, PyAny>,
    fields_set: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let name = req_str(method, "method")?;
    let fields = crate::convert::fields_set(fields_set)?;
    let fields = fields.as_deref();
    let Some(method) = Method::from_name(&name) else {
        // The core words the unknown-method error.
        return match decode_json(&name, b"", fields) {
            Err(e) => Err(crate::errors::to_py_err(py, e)),
            Ok(_) => Err(type_error(
                "method",
                "a method name",
                &PyString::new(py, &name),
            )),
        };
    };
    with_body(body, |bytes| decode_typed(py, method, bytes, fields))?
}

fn decode_typed(
    py: Python<'_>,
    method: Method,
    body: &[u8],
    fields: Option<&[String]>,
) -> PyResult<Py<PyAny>> {
    // With a `fields_set`, the objects it applies to are decoded in the core's projected form
    // and keep the `fields_set`, so that reading a field it left out says so.
    let shared: Option<Fields> = fields.map(Into::into);
    let shared = shared.as_ref();
    match method {
        Method::ChargesList => match fields {
            Some(names) => {
                let page = decode_projected::<ListCharges>(body, names).py_err(py)?;
                wrap::<PyChargesPage, _>(py, page, shared)
            }
            None => {
                let page = core_decode::<ListCharges>(body, None).py_err(py)?;
                wrap::<PyChargesPage, _>(py, ProjectedChargesPage::from(page), None)
            }
        },
        Method::PromotionsList => match fields {
            Some(names) => {
                let items = decode_projected::<ListPromotions>(body, names).py_err(py)?;
                Ok(wrap_list::<PyPromotion, _>(py, items, shared)?.into_any())
            }
            None => {
                let items = core_decode::<ListPromotions>(body, None).py_err(py)?;
                Ok(wrap_list::<PyPromotion, _>(py, items, None)?.into_any())
            }
        },
        Method::SubscriptionsShow => match fields {
            Some(names) => {
                let items = decode_projected::<ShowSubscriptions>(body, names).py_err(py)?;
                Ok(wrap_list::<PySubscription, _>(py, items.0, shared)?.into_any())
            }
            None => {
                let items = core_decode::<ShowSubscriptions>(body, None).py_err(py)?;
                Ok(wrap_list::<PySubscription, _>(py, items.0, None)?.into_any())
            }
        },
        Method::SubscriptionsCreate => {
            let data = core_decode::<CreateSubscription>(body, fields).py_err(py)?;
            wrap::<PySubscriptionCreated, _>(py, data, None)
        }
        Method::SubscriptionsSuspend => wrap::<PyEmpty, _>(
            py,
            core_decode::<SuspendSubscription>(body, fields).py_err(py)?,
            None,
        ),
        Method::SubscriptionsUnsuspend => wrap::<PyEmpty, _>(
            py,
            core_decode::<UnsuspendSubscription>(body, fields).py_err(py)?,
            None,
        ),
        Method::AuthenticationTokenRelease => wrap::<PyEmpty, _>(
            py,
            core_decode::<ReleaseToken>(body, fields).py_err(py)?,
            None,
        ),
        Method::AuthenticationToken => wrap::<PyLoginResult, _>(
            py,
            core_decode::<LoginRequest>(body, fields).py_err(py)?,
            None,
        ),
        Method::AuthenticationWebApiKeyToken => wrap::<PyLoginResult, _>(
            py,
            core_decode::<WebApiKeyLogin>(body, fields).py_err(py)?,
            None,
        ),
        Method::ChargesAcknowledge => wrap::<PyFailedCharges, _>(
            py,
            core_decode::<AcknowledgeCharges>(body, fields).py_err(py)?,
            None,
        ),
        Method::ChargesAccept => wrap::<PyFailedCharges, _>(
            py,
            core_decode::<AcceptCharges>(body, fields).py_err(py)?,
            None,
        ),
        Method::ChargesDecline => wrap::<PyFailedCharges, _>(
            py,
            core_decode::<DeclineCharges>(body, fields).py_err(py)?,
            None,
        ),
    }
}

/// Keeps only the named fields of `data` (what the server does with a `fields_set`). With a
/// `method`, projects at the level the method's `fields_set` applies to (each charge of
/// `charges/list`, each promotion, each subscription).
#[pyfunction(name = "project")]
#[pyo3(signature = (data, fields_set, *, method = None))]
pub fn project_fields(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    fields_set: &Bound<'_, PyAny>,
    method: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let value = to_json(data, "data")?;
    let names = crate::convert::fields_set(Some(fields_set))?.unwrap_or_default();
    let projected = match opt_str(method, "method")? {
        None => project(&value, &names),
        Some(name) => match Method::from_name(&name) {
            Some(m) => project_data(m, &value, &names),
            None => {
                return Err(crate::errors::to_py_err(
                    py,
                    decode_json(&name, b"", None)
                        .err()
                        .unwrap_or_else(|| crmcom_netflix::Error::InvalidRequest(Vec::new())),
                ))
            }
        },
    };
    to_py(py, &projected)
}

/// A charge-set item given to `batch`: a `Charge`, or `(number, customer, reference)`.
fn batch_items(items: &Bound<'_, PyAny>) -> PyResult<Vec<AcknowledgedCharge>> {
    let mut out = Vec::new();
    for (i, item) in items.try_iter()?.enumerate() {
        let item = item?;
        if let Ok(charge) = item.cast::<PyCharge>() {
            let c = charge.get().inner();
            match (&c.number, &c.billing_system_customer_identifier) {
                (Some(number), Some(customer)) => out.push(AcknowledgedCharge::new_item(
                    number.to_string(),
                    customer.to_string(),
                    None,
                )),
                _ => {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "items[{i}]: the charge has no number or no \
                         billing_system_customer_identifier (a fields_set left it out)"
                    )))
                }
            }
            continue;
        }
        let path = format!("items[{i}]");
        let Ok(tuple) = item.cast::<PyTuple>() else {
            return Err(type_error(
                &path,
                "a Charge or a (number, customer, reference) tuple",
                &item,
            ));
        };
        if tuple.len() != 3 {
            return Err(type_error(
                &path,
                "a (number, customer, reference) tuple",
                &item,
            ));
        }
        out.push(AcknowledgedCharge::new_item(
            req_str(&tuple.get_item(0)?, &format!("{path}[0]"))?,
            req_str(&tuple.get_item(1)?, &format!("{path}[1]"))?,
            opt_str(Some(&tuple.get_item(2)?), &format!("{path}[2]"))?,
        ));
    }
    Ok(out)
}

/// Splits charge-set items into groups of at most 50, in order, without a repeated charge
/// number or reference number (the core's `batch`). Items are `Charge` objects or
/// `(number, billing_system_customer_identifier, reference_number)` tuples; groups come back as
/// lists of such tuples.
///
/// With `strict`, input that `batch` would have to work around (a reference number on two
/// charges, a charge given twice with different data) raises `ValidationError` instead.
#[pyfunction]
#[pyo3(signature = (items, *, strict = false))]
pub fn batch_groups(
    py: Python<'_>,
    items: &Bound<'_, PyAny>,
    strict: bool,
) -> PyResult<Py<PyList>> {
    let items = batch_items(items)?;
    let requests: Vec<AcknowledgeCharges> = if strict {
        try_batch(items).py_err(py)?
    } else {
        batch(items)
    };
    let groups = PyList::empty(py);
    for request in requests {
        let group = PyList::empty(py);
        for item in request.items() {
            group.append((
                item.number.as_str(),
                item.billing_system_customer_identifier.as_str(),
                item.reference_number.as_deref(),
            ))?;
        }
        groups.append(group)?;
    }
    Ok(groups.unbind())
}

/// Minor-unit digits of an ISO 4217 currency (2 for USD, 0 for JPY, 3 for KWD); `None` for a
/// code the SDK does not know.
#[pyfunction(name = "minor_unit_exponent")]
pub fn py_minor_unit_exponent(code: &Bound<'_, PyAny>) -> PyResult<Option<u32>> {
    Ok(minor_unit_exponent(&req_str(code, "code")?))
}

/// Reads an API date (`yyyy-MM-ddTHH:mm:ss`, with optional fraction and zone, the zone dropped);
/// `None` if it is not a real date.
#[pyfunction]
pub fn parse_date(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
    match crmcom_netflix::Date::parse(&req_str(text, "text")?) {
        Some(d) => Ok(Some(crate::convert::datetime(py, &d)?)),
        None => Ok(None),
    }
}

/// Writes a `datetime` in the API's canonical form `yyyy-MM-ddTHH:mm:ss`.
#[pyfunction]
pub fn format_date(value: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(crate::convert::date_of(value, "value")?.to_string())
}

/// Adds up the exact amounts of charges per currency code.
#[pyfunction]
pub fn total_by_currency(py: Python<'_>, charges: &Bound<'_, PyAny>) -> PyResult<Py<PyDict>> {
    let mut held = Vec::new();
    for (i, item) in charges.try_iter()?.enumerate() {
        let item = item?;
        let charge = item
            .cast::<PyCharge>()
            .map_err(|_| type_error(&format!("charges[{i}]"), "a Charge", &item))?;
        held.push(charge.clone().unbind());
    }
    let pairs = held.iter().filter_map(|c| {
        let c = c.get();
        Some((c.inner().currency.as_ref()?, c.inner().amount.as_ref()?))
    });
    let totals = crmcom_netflix::total_by_currency(pairs);
    let out = PyDict::new(py);
    for (code, total) in totals {
        out.set_item(code, crate::convert::decimal(py, &total.to_string())?)?;
    }
    Ok(out.unbind())
}

/// The JSON Schema of a method's parameters (without `token`), as the core derives it.
#[pyfunction]
pub fn request_schema(py: Python<'_>, method: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let name = req_str(method, "method")?;
    let m = Method::from_name(&name).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!("unknown method `{name}`"))
    })?;
    to_py(py, &m.request_schema())
}

/// Facts about a method: `verb`, `since`, `takes_token`, `takes_fields_set`.
#[pyfunction]
pub fn method_info(py: Python<'_>, method: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let name = req_str(method, "method")?;
    let m = Method::from_name(&name).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!("unknown method `{name}`"))
    })?;
    to_py(
        py,
        &serde_json::json!({
            "verb": m.verb().as_str(),
            "since": m.since().as_str(),
            "takes_token": m.takes_token(),
            "takes_fields_set": m.takes_fields_set(),
        }),
    )
}

/// The known wire values of the response enums (`ChargeStatus`, `NetflixState`,
/// `LifeCycleState`).
#[pyfunction]
pub fn response_enum_values(py: Python<'_>) -> PyResult<Py<PyAny>> {
    to_py(
        py,
        &serde_json::json!({
            "ChargeStatus": ChargeStatus::KNOWN,
            "NetflixState": NetflixState::KNOWN,
            "LifeCycleState": LifeCycleState::KNOWN,
        }),
    )
}
