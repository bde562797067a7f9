//! The fuzz targets of the SDK, as plain functions of the input bytes: each cargo-fuzz binary in
//! `fuzz_targets/` calls one, and the C crate's `fuzz_replay` test (stable, part of `make test`)
//! runs every committed corpus file and crash reproducer through the same function.
//!
//! A target panics when an invariant breaks; anything else it may return quietly. Input layouts:
//!
//! - `decode_json`, `c_decode`: byte 0 picks the method (`% 11`, in [`Method::ALL`] order); when
//!   its bit 0x80 is set, the text up to the first `\n` is the `fields_set` (comma-separated). The
//!   rest is the response body.
//! - `prepare_json`: byte 0 the method, byte 1 the release (`% 5`, 4 meaning the default) and the
//!   token (`/ 5 % 3`: a token, none, a blank one); the rest is the parameters' JSON text.
//! - `project`: byte 0 the method; the text up to the first `\n` the `fields_set`; the rest the
//!   `data` JSON text.
//! - `sync_state`: the whole input is a `SyncState` JSON text.
//! - `c_sync`: chunks separated by `\n--\n`: if the first starts with `{"format"`, it is a saved
//!   state to resume from; every other chunk is a response body fed to the sync in turn.
//! - `money`: byte 0 picks the currency; the rest is the text of a JSON number.

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use crmcom_netflix::{
    decode, decode_json as core_decode_json, decode_projected, prepare_json as core_prepare_json,
    project_json, validate_json, BillingAction, Charge, ChargeSync, Error, ListCharges, Method,
    ProjectedCharge, ProjectedChargesPage, SyncMode, SyncState, Token,
};
use serde_json::Value;

#[path = "../../crates/crmcom-netflix/tests/common/exact_decimal.rs"]
mod exact_decimal;
#[path = "seed.rs"]
mod seed;

pub use exact_decimal::round_half_away;
pub use seed::seeds;

/// The method a selector byte picks.
fn method_of(selector: u8) -> Method {
    Method::ALL[usize::from(selector & 0x7f) % Method::ALL.len()]
}

/// Splits off the text before the first `\n` (the `fields_set`), when `wanted`.
fn split_fields(wanted: bool, data: &[u8]) -> Option<(Option<Vec<String>>, &[u8])> {
    if !wanted {
        return Some((None, data));
    }
    let end = data.iter().position(|&b| b == b'\n')?;
    let names = std::str::from_utf8(&data[..end]).ok()?;
    let names = names
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    Some((Some(names), &data[end + 1..]))
}

/// An OK envelope around `data`, as a server would send it.
fn envelope(data: &Value) -> Vec<u8> {
    serde_json::json!({"status": {"code": "OK", "description": "", "message": ""}, "data": data})
        .to_string()
        .into_bytes()
}

fn has_control(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 || b == 0x7f)
}

/// What must hold of every charge that decoded: nothing a billing system reads later can fail.
fn check_charge(c: &Charge) {
    let projected = ProjectedCharge::from(c.clone());
    check_projected(&projected);
    assert_eq!(
        c.billing_action(),
        projected.billing_action(),
        "the two forms of a charge disagree on billing"
    );
    assert_eq!(c.is_final(), projected.is_final());
    assert_eq!(c.is_pending(), projected.is_pending());
}

/// [`check_charge`] on what a `fields_set` left of a charge.
fn check_projected(c: &ProjectedCharge) {
    for d in [
        c.paid_through_date,
        c.received_on,
        c.set_as_approved_on,
        c.set_as_declined_on,
        c.set_as_bad_request_on,
        c.set_as_rejected_request_on,
    ]
    .into_iter()
    .flatten()
    {
        let year = chrono::Datelike::year(&d.into_inner());
        assert!((1..=9999).contains(&year), "date {d} out of range");
        assert_eq!(
            crmcom_netflix::Date::parse(&d.to_string()).map(|p| p.to_string()),
            Some(d.to_string()),
            "a decoded date does not read back"
        );
    }
    for id in [
        c.number.as_deref(),
        c.billing_system_customer_identifier.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        assert!(!has_control(id), "control character in {id:?}");
    }
    if let Some(m) = c.amount {
        assert!(
            !negative_zero(&m.to_string()),
            "{m:?} written as a negative zero"
        );
        assert!(m.raw().is_finite());
    }
    let action = c.billing_action();
    assert_eq!(action == BillingAction::Bill, c.billable());
    if c.billable() {
        assert!(c.amount.is_some_and(|m| m.is_priced() && !m.is_negative()));
    }
}

/// `-0`, `-0.00`: a zero written with a sign.
fn negative_zero(text: &str) -> bool {
    text.strip_prefix('-')
        .is_some_and(|t| t.bytes().all(|b| b == b'0' || b == b'.'))
}

/// `decode_json` of every method, with and without a `fields_set`: no panic; what decodes is
/// stable (decode, encode, decode gives the same data); a page's charges pass [`check_charge`].
pub fn decode_json(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let method = method_of(selector);
    let Some((fields, body)) = split_fields(selector & 0x80 != 0, rest) else {
        return;
    };
    let fields = fields.as_deref();
    let decoded = core_decode_json(method.name(), body, fields);
    if let Ok(value) = &decoded {
        let again = core_decode_json(method.name(), &envelope(value), fields)
            .unwrap_or_else(|e| panic!("decoded data does not decode again: {e}\n{value}"));
        assert_eq!(&again, value, "decode, encode, decode is not stable");
    }
    if method == Method::ChargesList {
        // Without a `fields_set` the full form, with one the projected form.
        let typed: Result<Vec<ProjectedCharge>, Error> = match fields {
            None => decode::<ListCharges>(body, None).map(|page| {
                page.charges().iter().for_each(check_charge);
                ProjectedChargesPage::from(page).charges().to_vec()
            }),
            Some(names) => {
                decode_projected::<ListCharges>(body, names).map(|page| page.charges().to_vec())
            }
        };
        assert_eq!(
            typed.is_ok(),
            decoded.is_ok(),
            "typed and by-name decoding disagree"
        );
        if let Ok(charges) = typed {
            for c in &charges {
                check_projected(c);
            }
            let mut numbers: Vec<&str> =
                charges.iter().filter_map(ProjectedCharge::number).collect();
            numbers.retain(|n| !n.is_empty());
            let count = numbers.len();
            numbers.sort_unstable();
            numbers.dedup();
            assert_eq!(
                numbers.len(),
                count,
                "a charge number twice in a decoded page"
            );
        }
    }
}

/// `validate_json` and `prepare_json` of every method for every release: no panic; both agree;
/// violations are sorted and never repeat the password.
pub fn prepare_json(data: &[u8]) {
    let [selector, choice, rest @ ..] = data else {
        return;
    };
    let method = method_of(*selector);
    let release = ["R12.0.0", "R14.1.0", "R14.2.0", "R16.1.0"].get(usize::from(choice % 5));
    let token = match choice / 5 % 3 {
        0 => Some("737C2CC402644029BA7827E41B932C79"),
        1 => None,
        _ => Some(" "),
    };
    let Ok(params) = std::str::from_utf8(rest) else {
        return;
    };
    let validated = validate_json(method.name(), params, release.copied());
    let prepared = core_prepare_json(method.name(), params, token, release.copied());
    let token_ok = !method.takes_token() || token.is_some_and(|t| !t.trim().is_empty());
    if token_ok {
        assert_eq!(
            validated.is_ok(),
            prepared.is_ok(),
            "validate and prepare disagree"
        );
    }
    if let Err(e) = &prepared {
        let violations = e.violations();
        let mut sorted = violations.to_vec();
        sorted.sort_by(|a, b| a.path.cmp(&b.path).then(a.code.cmp(&b.code)));
        assert_eq!(sorted, violations, "violations not sorted");
        if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(params) {
            if let Some(Value::String(password)) = map.get("password") {
                if password.len() >= 12 {
                    assert!(
                        !e.to_string().contains(password.as_str()),
                        "password echoed"
                    );
                }
            }
        }
    }
    if let Ok(p) = prepared {
        let json = p.to_json();
        assert_eq!(json["path"], method.name());
        let _ = p.query_string();
        let _ = p.body_bytes();
    }
}

/// `project_json`: no panic; projection keeps only named fields and is idempotent.
pub fn project(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let method = method_of(selector);
    let Some((Some(fields), json)) = split_fields(true, rest) else {
        return;
    };
    let Ok(json) = std::str::from_utf8(json) else {
        return;
    };
    let Ok(projected) = project_json(method.name(), json, &fields) else {
        return;
    };
    let again = project_json(method.name(), &projected.to_string(), &fields)
        .unwrap_or_else(|e| panic!("projected data does not project again: {e}"));
    assert_eq!(again, projected, "projection is not idempotent");
    let items: Vec<&Value> = match (method, &projected) {
        (Method::ChargesList, Value::Object(m)) => m
            .get("charges_set")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        (Method::PromotionsList | Method::SubscriptionsShow, Value::Array(a)) => a.iter().collect(),
        (Method::SubscriptionsShow, v @ Value::Object(_)) => vec![v],
        _ => vec![],
    };
    let state = ["netflix_state", "netflix_sate"];
    for item in items {
        if let Value::Object(m) = item {
            for k in m.keys() {
                let named = fields.iter().any(|f| {
                    f == k || (state.contains(&f.as_str()) && state.contains(&k.as_str()))
                });
                assert!(named, "projection kept `{k}`");
            }
        }
    }
}

/// `SyncState` loading: no panic; a state that loads is saved and loaded back as itself, and the
/// sync built from it can run a step.
pub fn sync_state(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(state) = SyncState::from_json(text) else {
        return;
    };
    let Ok(mut sync) = ChargeSync::from_state(state) else {
        return;
    };
    let saved = sync.state().to_json();
    let loaded = SyncState::from_json(&saved)
        .unwrap_or_else(|e| panic!("a saved state does not load: {e}\n{saved}"));
    assert_eq!(&loaded, sync.state(), "save and load changed the state");
    let _ = sync.report();
    let taken = sync.take_charges();
    for c in &taken {
        check_charge(&c.charge);
    }
    let numbers: Vec<&str> = taken.iter().map(|c| c.charge.number()).collect();
    let leaves = taken
        .iter()
        .any(|c| c.charge.billing_action() == BillingAction::Leave);
    let acknowledging = sync.state().options().mode == SyncMode::Acknowledge;
    if sync.confirm(&numbers).is_ok() && acknowledging {
        assert!(!leaves, "a charge to be left on the server was confirmed");
    }
    let _ = sync.next_request(&Token::new("T"));
    let _ = sync.is_finished();
    let _ = sync.report();
}

fn c_string(bytes: &[u8]) -> Option<CString> {
    CString::new(bytes).ok()
}

/// Reads a C string the library returned, checking its length agrees with `strlen`.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string of `len` bytes from the library.
unsafe fn c_text(p: *const c_char, len: usize) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: as promised by the caller.
    let s = unsafe { CStr::from_ptr(p) };
    assert_eq!(s.to_bytes().len(), len, "a string with a NUL inside");
    Some(s.to_string_lossy().into_owned())
}

/// The C API's decode entry points (`crmnf_decode`, `crmnf_charges_decode` and every charge
/// accessor): no panic status, no crash, strings as long as they say, years 1 to 9999.
pub fn c_decode(data: &[u8]) {
    use crmnf::charges::*;
    use crmnf::json::{crmnf_decode, crmnf_string_free};
    use crmnf::{crmnf_error, crmnf_status};
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let method = method_of(selector);
    let Some((fields, body)) = split_fields(selector & 0x80 != 0, rest) else {
        return;
    };
    let fields = match fields.map(|f| c_string(f.join(",").as_bytes())) {
        Some(None) => return,
        Some(Some(c)) => Some(c),
        None => None,
    };
    let fields_ptr = fields.as_ref().map_or(ptr::null(), |c| c.as_ptr());
    let name = CString::new(method.name()).unwrap_or_default();
    let mut out: *mut c_char = ptr::null_mut();
    let mut err: *mut crmnf_error = ptr::null_mut();
    // SAFETY: every pointer is valid for the call; outputs are freed below.
    let status = unsafe {
        crmnf_decode(
            name.as_ptr(),
            body.as_ptr(),
            body.len(),
            fields_ptr,
            &mut out,
            &mut err,
        )
    };
    assert_ne!(status, crmnf_status::CRMNF_PANIC);
    // SAFETY: each is NULL or owned by us.
    unsafe {
        crmnf_string_free(out);
        crmnf::error::crmnf_error_free(err);
    }
    if method != Method::ChargesList {
        return;
    }
    let mut charges: *mut crmnf_charges = ptr::null_mut();
    let mut err: *mut crmnf_error = ptr::null_mut();
    // SAFETY: as above.
    let status = unsafe {
        crmnf_charges_decode(
            body.as_ptr(),
            body.len(),
            fields_ptr,
            &mut charges,
            &mut err,
        )
    };
    assert_ne!(status, crmnf_status::CRMNF_PANIC);
    // SAFETY: `charges` is NULL or a live list; every charge is borrowed from it until it is
    // freed at the end.
    unsafe {
        crmnf::error::crmnf_error_free(err);
        for i in 0..crmnf_charges_count(charges) {
            read_charge(crmnf_charges_get(charges, i));
        }
        crmnf_charges_free(charges);
    }
}

/// Calls every accessor of a charge.
///
/// # Safety
/// `c` is a charge borrowed from a live list.
unsafe fn read_charge(c: *const crmnf::crmnf_charge) {
    use crmnf::charges::*;
    // SAFETY: `c` is live; every output points to a local.
    unsafe {
        for f in [
            crmnf_charge_number,
            crmnf_charge_billing_system_customer_identifier,
            crmnf_charge_currency,
            crmnf_charge_local_currency,
            crmnf_charge_charge_status_text,
            crmnf_charge_json,
        ] {
            let mut len = 0usize;
            let p = f(c, &mut len);
            let _ = c_text(p, len);
        }
        for f in [
            crmnf_charge_amount_exact,
            crmnf_charge_local_currency_amount_exact,
        ] {
            let mut len = 0usize;
            let p = f(c, &mut len);
            if let Some(text) = c_text(p, len) {
                assert!(!negative_zero(&text), "{text}");
            }
        }
        let mut minor = 0i64;
        let _ = crmnf_charge_amount_minor_units(c, &mut minor);
        let _ = crmnf_charge_local_currency_amount_minor_units(c, &mut minor);
        let mut exponent = 0u32;
        let _ = crmnf_charge_amount_minor_unit_exponent(c, &mut exponent);
        let _ = crmnf_charge_local_currency_amount_minor_unit_exponent(c, &mut exponent);
        let mut raw = 0f64;
        if crmnf_charge_amount_raw(c, &mut raw) {
            assert!(raw.is_finite());
        }
        let _ = crmnf_charge_local_currency_amount_raw(c, &mut raw);
        let _ = crmnf_charge_charge_status(c);
        let billable = crmnf_charge_billable(c);
        let action = crmnf_charge_billing_action(c);
        assert_eq!(
            billable,
            action == crmnf_billing_action::CRMNF_BILLING_ACTION_BILL
        );
        let _ = (
            crmnf_charge_redelivered(c),
            crmnf_charge_is_final(c),
            crmnf_charge_is_pending(c),
        );
        for f in [
            crmnf_charge_paid_through_date,
            crmnf_charge_received_on,
            crmnf_charge_set_as_approved_on,
            crmnf_charge_set_as_declined_on,
            crmnf_charge_set_as_bad_request_on,
            crmnf_charge_set_as_rejected_request_on,
        ] {
            let mut d = crmnf_datetime::default();
            if f(c, &mut d) {
                assert!((1..=9999).contains(&d.year), "year {}", d.year);
                assert!((1..=12).contains(&d.month) && (1..=31).contains(&d.day));
                assert!(d.hour < 24 && d.minute < 60 && d.second < 61);
            }
        }
    }
}

/// The C API's sync entry points: resume from a saved state or start anew, then feed each chunk
/// as a response, take the charges, confirm those whose action confirms, save and resume again.
pub fn c_sync(data: &[u8]) {
    use crmnf::charges::*;
    use crmnf::json::crmnf_string_free;
    use crmnf::sync::*;
    use crmnf::{crmnf_request, crmnf_status};
    let chunks: Vec<&[u8]> = split_chunks(data);
    let mut sync: *mut crmnf_charge_sync = ptr::null_mut();
    let mut bodies = chunks.as_slice();
    // SAFETY: every pointer passed is valid for the call; every output is freed below.
    unsafe {
        if let Some(first) = chunks.first().filter(|c| c.starts_with(b"{\"format\"")) {
            bodies = &chunks[1..];
            let Some(state) = c_string(first) else {
                return;
            };
            let status = crmnf_charge_sync_resume(state.as_ptr(), &mut sync, ptr::null_mut());
            assert_ne!(status, crmnf_status::CRMNF_PANIC);
            if status != crmnf_status::CRMNF_OK {
                return;
            }
        } else {
            let status =
                crmnf_charge_sync_new(c"{\"page_size\":3}".as_ptr(), &mut sync, ptr::null_mut());
            assert_eq!(status, crmnf_status::CRMNF_OK);
        }
        for body in bodies {
            let mut request: *mut crmnf_request = ptr::null_mut();
            let status =
                crmnf_charge_sync_next_request(sync, c"T".as_ptr(), &mut request, ptr::null_mut());
            assert_ne!(status, crmnf_status::CRMNF_PANIC);
            crmnf::request::crmnf_request_free(request);
            let status = crmnf_charge_sync_feed(sync, body.as_ptr(), body.len(), ptr::null_mut());
            assert_ne!(status, crmnf_status::CRMNF_PANIC);
            let mut taken: *mut crmnf_charges = ptr::null_mut();
            let status = crmnf_charge_sync_take_charges(sync, &mut taken, ptr::null_mut());
            assert_eq!(status, crmnf_status::CRMNF_OK);
            let mut numbers: Vec<*const c_char> = Vec::new();
            for i in 0..crmnf_charges_count(taken) {
                let c = crmnf_charges_get(taken, i);
                read_charge(c);
                if crmnf_charge_billing_action(c)
                    != crmnf_billing_action::CRMNF_BILLING_ACTION_LEAVE
                {
                    let n = crmnf_charge_number(c, ptr::null_mut());
                    if !n.is_null() {
                        numbers.push(n);
                    }
                }
            }
            let status = crmnf_charge_sync_confirm(
                sync,
                numbers.as_ptr(),
                numbers.len(),
                ptr::null_mut(),
                ptr::null_mut(),
            );
            assert_ne!(status, crmnf_status::CRMNF_PANIC);
            crmnf_charges_free(taken);
            let mut saved: *mut c_char = ptr::null_mut();
            let status = crmnf_charge_sync_save(sync, &mut saved, ptr::null_mut());
            assert_eq!(status, crmnf_status::CRMNF_OK);
            let mut resumed: *mut crmnf_charge_sync = ptr::null_mut();
            let status = crmnf_charge_sync_resume(saved, &mut resumed, ptr::null_mut());
            assert_eq!(
                status,
                crmnf_status::CRMNF_OK,
                "a saved state does not resume"
            );
            crmnf_string_free(saved);
            crmnf_charge_sync_free(sync);
            sync = resumed;
        }
        let mut request: *mut crmnf_request = ptr::null_mut();
        let status =
            crmnf_charge_sync_next_request(sync, c"".as_ptr(), &mut request, ptr::null_mut());
        assert_eq!(
            status,
            crmnf_status::CRMNF_INVALID_REQUEST,
            "an empty token passed"
        );
        let mut report: *mut c_char = ptr::null_mut();
        let status = crmnf_charge_sync_report(sync, &mut report, ptr::null_mut());
        assert_eq!(status, crmnf_status::CRMNF_OK);
        crmnf_string_free(report);
        let _ = crmnf_charge_sync_is_finished(sync);
        crmnf_charge_sync_free(sync);
    }
}

fn split_chunks(data: &[u8]) -> Vec<&[u8]> {
    let sep = b"\n--\n";
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(sep.len()).position(|w| w == sep) {
        out.push(&rest[..i]);
        rest = &rest[i + sep.len()..];
    }
    out.push(rest);
    out
}

/// The currencies the money target prices in, with their minor-unit digits (`None`: unknown).
const CURRENCIES: [(&str, Option<u32>); 6] = [
    ("USD", Some(2)),
    ("JPY", Some(0)),
    ("KWD", Some(3)),
    ("CLF", Some(4)),
    ("EUR", Some(2)),
    ("XYZ", None),
];

/// Differential: the amount priced by the core against an exact decimal reading of the number's
/// text. The double must be the one nearest to the text (Rust's own correctly rounded parse); the
/// price must be the exact decimal of the double's shortest text rounded half away from zero; and
/// for a text of at most 15 significant digits (which a double always holds exactly as written)
/// the price must be the text's own exact rounding.
pub fn money(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (code, exponent) = CURRENCIES[usize::from(selector) % CURRENCIES.len()];
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if text.is_empty() || !text.bytes().all(|b| b"0123456789.eE+-".contains(&b)) {
        return;
    }
    let body = format!(
        r#"{{"status":{{"code":"OK"}},"data":{{"charges_set":[{{"number":"I1",
        "billing_system_customer_identifier":"c","amount":{text},"currency":"{code}",
        "charge_status":"APPROVED","paid_through_date":"2017-02-19T02:00:00",
        "received_on":"2017-02-21T10:07:23","set_as_approved_on":null,"set_as_declined_on":null,
        "set_as_bad_request_on":null,"set_as_rejected_request_on":null}}]}}}}"#
    );
    let page = match decode::<ListCharges>(body.as_bytes(), None) {
        Ok(page) => page,
        Err(Error::MalformedResponse(_)) => return,
        Err(e) => panic!("unexpected error {e}"),
    };
    let charge = &page.charges()[0];
    check_charge(charge);
    let money = charge.amount;
    let nearest: f64 = text.parse().expect("a JSON number Rust cannot parse");
    assert_eq!(money.raw().to_bits(), nearest.to_bits(), "{text} misread");
    let Some(e) = exponent else {
        assert!(!money.is_priced() && !charge.billable());
        return;
    };
    let shortest = format!("{:e}", money.raw());
    if let Some(want) = round_half_away(&shortest, e, 14) {
        assert!(money.is_priced(), "{text} {code} not priced");
        assert_eq!(
            money.to_string(),
            want,
            "{text} {code} (shortest {shortest})"
        );
        let digits: String = want.chars().filter(|c| *c != '.').collect();
        assert_eq!(money.minor_units(), digits.parse::<i64>().ok());
        assert_eq!(charge.billable(), !want.starts_with('-'));
    }
    let significant = text
        .split(['e', 'E'])
        .next()
        .unwrap_or("")
        .bytes()
        .filter(u8::is_ascii_digit)
        .skip_while(|&b| b == b'0')
        .count();
    if significant <= 15 {
        if let (Some(want), Some(from_double)) = (
            round_half_away(text, e, 14),
            round_half_away(&shortest, e, 14),
        ) {
            assert_eq!(
                want, from_double,
                "{text} {code}: the text and its double disagree"
            );
        }
    }
}
