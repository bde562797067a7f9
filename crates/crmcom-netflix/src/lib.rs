//! # crmcom-netflix
//!
//! The sans-IO core of the SDK for the CRM.COM "netflix" Web API: the API through which an
//! operator bundles Netflix, creates subscribers, and pulls Netflix charges into its own bills.
//!
//! The core never opens a socket, a file or a clock. It turns typed requests into
//! [`PreparedRequest`]s ([`prepare`]) and response bytes into typed values ([`decode`]), and owns
//! every rule of the API: enums, bounds, set limits, semi-optional pairs, `fields_set`, releases,
//! exact money, dates and secrets. By-name variants ([`prepare_json`], [`decode_json`],
//! [`validate_json`]) serve the C library and the command line.
//!
//! ```
//! use crmcom_netflix::{decode, prepare, ChargeStatusFilter, ListCharges, Release, Token};
//!
//! let request = ListCharges::new(Some(ChargeStatusFilter::Processed));
//! let prepared = prepare(&request, Some(&Token::new("T")), Release::LATEST).unwrap();
//! assert_eq!(prepared.path, "netflix/charges/list");
//!
//! let body = br#"{"status":{"code":"OK","description":"","message":""},"data":{"charges_set":[
//!   {"number":"I00002776","billing_system_customer_identifier":"1pci30",
//!    "amount":5.989999771118164,"currency":"USD","charge_status":"APPROVED",
//!    "paid_through_date":"2017-02-19T02:00:00","received_on":"2017-02-21T10:07:23",
//!    "set_as_approved_on":"2017-02-21T10:38:58","set_as_declined_on":null,
//!    "set_as_bad_request_on":null,"set_as_rejected_request_on":null}]}}"#;
//! let page = decode::<ListCharges>(body, request.fields_set.as_ref().map(|f| f.names())).unwrap();
//! let charge = &page.charges()[0];
//! assert!(charge.billable());
//! assert_eq!(charge.amount.minor_units(), Some(599));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod batch;
mod date;
mod decode;
mod error;
mod json;
mod method;
pub mod methods;
mod money;
pub(crate) mod object;
mod prepare;
mod project;
mod release;
mod schema;
mod sync;
mod token;

pub use batch::{
    batch, items_from_charges, prepare_batch_json, try_batch, ChargeSetItem, ChargeSetRequest,
    MAX_SET_ITEMS,
};
pub use date::{Date, DATE_PATTERN};
pub use decode::{decode, decode_json, decode_object, decode_projected, ItemCheck, ResponseData};
pub use error::{in_json_terms, ApiError, Error, MalformedResponse, Violation, ViolationCode};
pub use method::{schema_of, ApiRequest, Method, UnknownMethod, Verb};
pub use methods::*;
pub use money::{add_to_total, minor_unit_exponent, total_by_currency, Currency, Money};
pub use object::{FieldInfo, FieldState, Path, Presence, ResponseObject};
pub use prepare::{
    is_secret_parameter, parse_params, prepare, prepare_json, prepare_value, redact_secrets,
    validate, validate_json, validate_value, PreparedRequest,
};
pub use project::{project, project_data, project_json};
pub use release::{Release, UnknownRelease};
pub use sync::{
    ChargeSync, DeliveredCharge, FailedAcknowledgement, SyncMode, SyncOptions, SyncReport,
    SyncState, CHARGE_ALREADY_ACKNOWLEDGED, INVALID_REQUEST, MAX_ACKNOWLEDGE_AFTER_PAGES,
    SYNC_STATE_FORMAT,
};
pub use token::{Secret, Token};

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
