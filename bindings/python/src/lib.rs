//! The native module `crmcom_netflix._native`: the core's functions and response objects for
//! Python. The package `crmcom_netflix` re-exports it with the Python-side pieces (request
//! classes, enums, exceptions, the client and the fake CRM.COM).

#![forbid(unsafe_code)]

mod cache;
mod convert;
mod errors;
mod functions;
mod journal;
mod money;
mod objects;
mod prepared;
mod sim;
mod sync;
mod token;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("VERSION", crmcom_netflix::VERSION)?;
    m.add(
        "RELEASES",
        pyo3::types::PyTuple::new(py, crmcom_netflix::Release::ALL.map(|r| r.as_str()))?,
    )?;
    m.add("LATEST_RELEASE", crmcom_netflix::Release::LATEST.as_str())?;
    m.add(
        "METHODS",
        pyo3::types::PyTuple::new(py, crmcom_netflix::Method::ALL.map(|m| m.name()))?,
    )?;
    m.add("MAX_SET_ITEMS", crmcom_netflix::MAX_SET_ITEMS)?;

    m.add_function(wrap_pyfunction!(functions::prepare, m)?)?;
    m.add_function(wrap_pyfunction!(functions::validate, m)?)?;
    m.add_function(wrap_pyfunction!(functions::params_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(functions::check_types, m)?)?;
    m.add_function(wrap_pyfunction!(functions::decode, m)?)?;
    m.add_function(wrap_pyfunction!(functions::project_fields, m)?)?;
    m.add_function(wrap_pyfunction!(functions::batch_groups, m)?)?;
    m.add_function(wrap_pyfunction!(functions::py_minor_unit_exponent, m)?)?;
    m.add_function(wrap_pyfunction!(functions::parse_date, m)?)?;
    m.add_function(wrap_pyfunction!(functions::format_date, m)?)?;
    m.add_function(wrap_pyfunction!(functions::total_by_currency, m)?)?;
    m.add_function(wrap_pyfunction!(functions::request_schema, m)?)?;
    m.add_function(wrap_pyfunction!(functions::method_info, m)?)?;
    m.add_function(wrap_pyfunction!(functions::response_enum_values, m)?)?;

    m.add_class::<token::PyToken>()?;
    m.add_class::<money::PyMoney>()?;
    m.add_class::<prepared::PyPreparedRequest>()?;
    m.add_class::<objects::PyCharge>()?;
    m.add_class::<objects::PyChargesPage>()?;
    m.add_class::<objects::PyPromotion>()?;
    m.add_class::<objects::PySubscription>()?;
    m.add_class::<objects::PyPrice>()?;
    m.add_class::<objects::PySubscriptionCreated>()?;
    m.add_class::<objects::PyFailedCharge>()?;
    m.add_class::<objects::PyFailedCharges>()?;
    m.add_class::<objects::PyLoginResult>()?;
    m.add_class::<objects::PyEmpty>()?;
    m.add_class::<sync::PyChargeSync>()?;
    m.add_class::<journal::PyJournal>()?;
    m.add_class::<sync::SyncRequests>()?;
    m.add_class::<sync::PySyncReport>()?;
    m.add_class::<sync::PyFailedAcknowledgement>()?;
    m.add(
        "CHARGE_ALREADY_ACKNOWLEDGED",
        crmcom_netflix::CHARGE_ALREADY_ACKNOWLEDGED,
    )?;
    m.add("INVALID_REQUEST", crmcom_netflix::INVALID_REQUEST)?;
    m.add_class::<sim::PySimulator>()?;
    Ok(())
}
