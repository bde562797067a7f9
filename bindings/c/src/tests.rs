//! Rust-side checks of the boundary itself; the C and C++ tests exercise the whole API.

use std::ffi::CStr;
use std::ptr;

use crate::boundary::{fallible, Fail};
use crate::error::*;
use crate::status::crmnf_status;

fn text(p: *const std::ffi::c_char) -> String {
    assert!(!p.is_null());
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

#[test]
fn a_panic_inside_a_function_becomes_a_panic_status_and_an_error() {
    let mut err: *mut crmnf_error = ptr::null_mut();
    let status = fallible("crmnf_test", &mut err, || -> Result<(), Fail> {
        panic!("boom");
    });
    assert_eq!(status, crmnf_status::CRMNF_PANIC);
    // SAFETY: `err` is the error the boundary just made; it is freed once.
    unsafe {
        assert_eq!(crmnf_error_code(err), crmnf_status::CRMNF_PANIC);
        assert!(text(crmnf_error_message(err)).contains("crmnf_test"));
        crmnf_error_free(err);
    }
}

#[test]
fn a_failure_without_an_error_pointer_still_returns_its_status() {
    let status = fallible("crmnf_test", ptr::null_mut(), || {
        Err(Fail::Null("x".into()))
    });
    assert_eq!(status, crmnf_status::CRMNF_NULL_ARGUMENT);
}

#[test]
fn success_leaves_the_error_pointer_untouched() {
    let sentinel = ptr::dangling_mut::<crmnf_error>();
    let mut err = sentinel;
    let status = fallible("crmnf_test", &mut err, || Ok(()));
    assert_eq!(status, crmnf_status::CRMNF_OK);
    assert_eq!(err, sentinel);
}

#[test]
fn status_names_cover_every_code_and_unknown_values() {
    for (code, name) in [
        (0, "CRMNF_OK"),
        (1, "CRMNF_INVALID_REQUEST"),
        (6, "CRMNF_PANIC"),
        (7, "CRMNF_UNKNOWN"),
        (-1, "CRMNF_UNKNOWN"),
    ] {
        assert_eq!(text(crate::status::crmnf_status_name(code)), name);
    }
}

#[test]
fn the_version_is_the_crate_version() {
    assert_eq!(text(crate::crmnf_version()), env!("CARGO_PKG_VERSION"));
}

const PAGE: &str = r#"{"status":{"code":"OK","description":"","message":""},"data":{"charges_set":[
  {"number":"I1","billing_system_customer_identifier":"pci1","amount":5.989999771118164,
   "currency":"USD","charge_status":"APPROVED","paid_through_date":"2017-02-19T02:00:00",
   "received_on":"2017-02-21T10:07:23.5","set_as_approved_on":"2017-02-21T10:38:58",
   "set_as_declined_on":null,"set_as_bad_request_on":null,"set_as_rejected_request_on":null},
  {"number":"I2","billing_system_customer_identifier":"pci2","amount":-2.99,
   "currency":"USD","charge_status":"APPROVED","paid_through_date":"2017-02-19T02:00:00",
   "received_on":"2017-02-21T10:07:24","set_as_approved_on":"2017-02-21T10:38:58",
   "set_as_declined_on":null,"set_as_bad_request_on":null,"set_as_rejected_request_on":null}]}}"#;

/// Decoded charges are views into the list that owns them: every accessor reads through them, from
/// this thread and another, and the list frees them all (what Miri checks for aliasing and leaks).
#[test]
fn charge_views_read_their_list_and_are_freed_with_it() {
    use crate::charges::*;
    let mut list: *mut crmnf_charges = ptr::null_mut();
    let mut err: *mut crmnf_error = ptr::null_mut();
    // SAFETY: valid pointers for the call; the list is freed at the end, its views before.
    unsafe {
        let status =
            crmnf_charges_decode(PAGE.as_ptr(), PAGE.len(), ptr::null(), &mut list, &mut err);
        assert_eq!(status, crmnf_status::CRMNF_OK);
        assert_eq!(crmnf_charges_count(list), 2);
        let first = crmnf_charges_get(list, 0);
        let mut len = 0;
        assert_eq!(text(crmnf_charge_number(first, &mut len)), "I1");
        assert_eq!(len, 2);
        assert_eq!(
            text(crmnf_charge_amount_exact(first, ptr::null_mut())),
            "5.99"
        );
        let mut minor = 0;
        assert!(crmnf_charge_amount_minor_units(first, &mut minor) && minor == 599);
        let mut when = crmnf_datetime::default();
        assert!(crmnf_charge_received_on(first, &mut when));
        assert_eq!(
            (when.year, when.second, when.nanosecond),
            (2017, 23, 500_000_000)
        );
        assert!(text(crmnf_charge_json(first, ptr::null_mut())).contains("\"I1\""));
        let second = crmnf_charges_get(list, 1) as usize;
        let reader = std::thread::spawn(move || {
            let c = second as *const crmnf_charge;
            (crmnf_charge_billable(c), crmnf_charge_billing_action(c))
        });
        assert_eq!(
            reader.join().unwrap(),
            (false, crmnf_billing_action::CRMNF_BILLING_ACTION_LEAVE)
        );
        assert!(crmnf_charges_get(list, 2).is_null());
        crmnf_charges_free(list);
    }
}

/// A sync run through the C functions: list, take, confirm, acknowledge, save and resume.
#[test]
fn a_sync_runs_saves_and_resumes_through_the_c_functions() {
    use crate::charges::*;
    use crate::json::crmnf_string_free;
    use crate::request::crmnf_request_free;
    use crate::sync::*;
    let acknowledged = r#"{"status":{"code":"OK"},"data":{"failed_charges_set":[]}}"#;
    let mut sync: *mut crmnf_charge_sync = ptr::null_mut();
    // SAFETY: valid pointers for every call; everything made is freed.
    unsafe {
        assert_eq!(
            crmnf_charge_sync_new(ptr::null(), &mut sync, ptr::null_mut()),
            crmnf_status::CRMNF_OK
        );
        let token = c"T".as_ptr();
        let mut request = ptr::null_mut();
        assert_eq!(
            crmnf_charge_sync_next_request(sync, token, &mut request, ptr::null_mut()),
            crmnf_status::CRMNF_OK
        );
        crmnf_request_free(request);
        assert_eq!(
            crmnf_charge_sync_feed(sync, PAGE.as_ptr(), PAGE.len(), ptr::null_mut()),
            crmnf_status::CRMNF_OK
        );
        let mut taken = ptr::null_mut();
        assert_eq!(
            crmnf_charge_sync_take_charges(sync, &mut taken, ptr::null_mut()),
            crmnf_status::CRMNF_OK
        );
        let first = crmnf_charge_number(crmnf_charges_get(taken, 0), ptr::null_mut());
        let mut newly = 0;
        assert_eq!(
            crmnf_charge_sync_confirm(sync, &first, 1, &mut newly, ptr::null_mut()),
            crmnf_status::CRMNF_OK
        );
        assert_eq!(newly, 1);
        crmnf_charges_free(taken);
        let mut saved = ptr::null_mut();
        assert_eq!(
            crmnf_charge_sync_save(sync, &mut saved, ptr::null_mut()),
            crmnf_status::CRMNF_OK
        );
        crmnf_charge_sync_free(sync);
        sync = ptr::null_mut();
        assert_eq!(
            crmnf_charge_sync_resume(saved, &mut sync, ptr::null_mut()),
            crmnf_status::CRMNF_OK
        );
        crmnf_string_free(saved);
        request = ptr::null_mut();
        assert_eq!(
            crmnf_charge_sync_next_request(sync, token, &mut request, ptr::null_mut()),
            crmnf_status::CRMNF_OK
        );
        assert!(!request.is_null());
        crmnf_request_free(request);
        assert_eq!(
            crmnf_charge_sync_feed(
                sync,
                acknowledged.as_ptr(),
                acknowledged.len(),
                ptr::null_mut()
            ),
            crmnf_status::CRMNF_OK
        );
        let mut err: *mut crmnf_error = ptr::null_mut();
        request = ptr::null_mut();
        assert_eq!(
            crmnf_charge_sync_next_request(sync, c"".as_ptr(), &mut request, &mut err),
            crmnf_status::CRMNF_INVALID_REQUEST
        );
        assert!(request.is_null());
        assert_eq!(crmnf_error_code(err), crmnf_status::CRMNF_INVALID_REQUEST);
        crmnf_error_free(err);
        crmnf_charge_sync_free(sync);
    }
}
