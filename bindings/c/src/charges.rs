//! Typed access to `netflix/charges/list` for billing code: the decoded page as a handle, each
//! charge with accessors for the values a bill needs.

use std::ffi::c_char;
use std::ptr::NonNull;
use std::sync::OnceLock;

use chrono::{Datelike, Timelike};
use crmcom_netflix::{
    decode, decode_projected, ChargeStatus, Date, FieldState, FieldsSet, ListCharges, Money,
    ProjectedCharge, ResponseObject,
};

use crate::boundary::{
    bytes_arg, fallible, free_box, guarded, opt_str_arg, out_arg, put, text_out, Fail, Text,
};
use crate::error::crmnf_error;
use crate::status::crmnf_status;

/// The status of a charge. A value this library does not know is `CRMNF_CHARGE_STATUS_UNKNOWN`
/// (its wire string is still available from `crmnf_charge_charge_status_text`) and is never
/// billable; `CRMNF_CHARGE_STATUS_ABSENT` means that a `fields_set` left the status out.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum crmnf_charge_status {
    /// Received, not yet processed by CRM.COM: must not be billed yet (R14.1.0).
    CRMNF_CHARGE_STATUS_PENDING = 0,
    /// Approved: bill the customer.
    CRMNF_CHARGE_STATUS_APPROVED = 1,
    /// Declined; the Netflix subscription will be terminated.
    CRMNF_CHARGE_STATUS_DECLINED = 2,
    /// Erroneous data; the subscription will be terminated.
    CRMNF_CHARGE_STATUS_BAD_REQUEST = 3,
    /// Rejected; the subscription will be terminated.
    CRMNF_CHARGE_STATUS_REJECTED = 4,
    /// A status this library does not know, kept as sent; never billable.
    CRMNF_CHARGE_STATUS_UNKNOWN = 5,
    /// The response had no status for this charge (a `fields_set` left it out).
    CRMNF_CHARGE_STATUS_ABSENT = 6,
}

/// What a billing system does with a charge it is handed (the core's `Charge::billing_action`):
/// only charges to bill or to record may be confirmed.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum crmnf_billing_action {
    /// Approved and priced: bill the customer, then confirm.
    CRMNF_BILLING_ACTION_BILL = 0,
    /// Declined, bad request or rejected: record that it is not billed, then confirm.
    CRMNF_BILLING_ACTION_RECORD = 1,
    /// Pending, an unknown status, or approved but not priceable or negative: do not confirm; it
    /// stays on the server and comes back (confirming it would lose it).
    CRMNF_BILLING_ACTION_LEAVE = 2,
}

/// What became of one field of a charge (`crmnf_charge_field`): the accessors return false or
/// NULL both for a `null` and for a field that a `fields_set` left out; this tells them apart.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum crmnf_field {
    /// The field came with a value: its accessor returns it.
    CRMNF_FIELD_VALUE = 0,
    /// The field came as `null`, or is absent though it was asked for (a nullable field, or one
    /// that a release after R12.0.0 introduced).
    CRMNF_FIELD_NULL = 1,
    /// The `fields_set` given to `crmnf_charges_decode` left the field out (and the server did
    /// not send it): reading it is a mistake of the caller, not a property of the charge.
    CRMNF_FIELD_NOT_REQUESTED = 2,
    /// Not a field of a charge (a wire name such as `"amount"` is expected), or a NULL argument.
    CRMNF_FIELD_UNKNOWN = 3,
}

/// A date and time as the API carries it: a wall-clock reading without a zone (a zone suffix the
/// server may add is dropped, the reading kept). The canonical text form is
/// `yyyy-MM-ddTHH:mm:ss`.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct crmnf_datetime {
    /// Year, 1 to 9999.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31.
    pub day: u32,
    /// Hour, 0 to 23.
    pub hour: u32,
    /// Minute, 0 to 59.
    pub minute: u32,
    /// Second, 0 to 59 (60 for a leap second).
    pub second: u32,
    /// Fractional seconds the server sent, in nanoseconds (0 for the canonical form).
    pub nanosecond: u32,
}

impl From<Date> for crmnf_datetime {
    fn from(d: Date) -> Self {
        let t = d.into_inner();
        let nanos = t.nanosecond();
        crmnf_datetime {
            year: t.year(),
            month: t.month(),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
            // chrono keeps a leap second as nanoseconds past 1e9.
            second: t.second() + nanos / 1_000_000_000,
            nanosecond: nanos % 1_000_000_000,
        }
    }
}

/// One charge of a `crmnf_charges`. Borrowed from the list (`crmnf_charges_get`): valid until
/// `crmnf_charges_free`; never freed on its own. Its accessors may be called from several threads
/// at once. Strings it returns live as long as the list.
pub struct crmnf_charge {
    // Points into the `charges` of the list that owns this view, which never changes after the
    // list is built: decoding hands the core's charges over without moving them.
    charge: NonNull<ProjectedCharge>,
    // The `fields_set` of the list, owned by it like the charge.
    fields_set: Option<NonNull<[String]>>,
    redelivered: bool,
    // Built on first use, so that decoding costs what the Rust core costs.
    text: OnceLock<Box<ChargeText>>,
    json: OnceLock<Text>,
}

// SAFETY: `charge` points to data owned by the same list, immutable for the list's whole life; the
// lazily built parts are behind `OnceLock`s.
unsafe impl Send for crmnf_charge {}
// SAFETY: as above: shared access only ever reads the charge.
unsafe impl Sync for crmnf_charge {}

struct ChargeText {
    number: Option<Text>,
    customer: Option<Text>,
    currency: Option<Text>,
    local_currency: Option<Text>,
    status: Option<Text>,
    amount: Option<Text>,
    local_amount: Option<Text>,
}

impl crmnf_charge {
    pub(crate) fn charge(&self) -> &ProjectedCharge {
        // SAFETY: the list owning this view owns the charge and outlives every borrow of the view.
        unsafe { self.charge.as_ref() }
    }

    fn fields_set(&self) -> Option<&[String]> {
        // SAFETY: as for `charge`: owned by the list, never changed after it was built.
        self.fields_set.map(|f| unsafe { f.as_ref() })
    }

    fn text(&self) -> &ChargeText {
        self.text.get_or_init(|| {
            let c = self.charge();
            Box::new(ChargeText {
                number: c.number.as_deref().map(Text::new),
                customer: c
                    .billing_system_customer_identifier
                    .as_deref()
                    .map(Text::new),
                currency: c.currency.as_ref().map(|x| Text::new(x.code())),
                local_currency: c.local_currency.as_ref().map(|x| Text::new(x.code())),
                status: c.charge_status.as_ref().map(|s| Text::new(s.as_str())),
                amount: c.amount.map(|m| Text::new(&m.to_string())),
                local_amount: c.local_currency_amount.map(|m| Text::new(&m.to_string())),
            })
        })
    }
}

/// The charges of one `netflix/charges/list` response, oldest first. Immutable: it and its charges
/// may be read from several threads at once. Freed with `crmnf_charges_free`.
pub struct crmnf_charges {
    // Declared first so that the views, which point into `charges`, are dropped first.
    views: Box<[crmnf_charge]>,
    // Owns what the views point to; read only through them.
    // Charges decoded without a `fields_set` are held in the same form: every field optional,
    // the documented ones all there.
    #[allow(dead_code)]
    charges: Vec<ProjectedCharge>,
    #[allow(dead_code)]
    fields_set: Option<Box<[String]>>,
}

impl crmnf_charges {
    fn new(
        charges: Vec<ProjectedCharge>,
        fields_set: Option<Vec<String>>,
        redelivered: impl Fn(usize) -> bool,
    ) -> Self {
        let fields_set = fields_set.map(Vec::into_boxed_slice);
        let fields = fields_set.as_deref().map(NonNull::from);
        let views = charges
            .iter()
            .enumerate()
            .map(|(i, c)| crmnf_charge {
                charge: NonNull::from(c),
                fields_set: fields,
                redelivered: redelivered(i),
                text: OnceLock::new(),
                json: OnceLock::new(),
            })
            .collect();
        crmnf_charges {
            views,
            charges,
            fields_set,
        }
    }

    /// Charges handed over by a `ChargeSync`, with their `redelivered` flags.
    pub(crate) fn delivered(delivered: Vec<crmcom_netflix::DeliveredCharge>) -> Self {
        let flags: Vec<bool> = delivered.iter().map(|d| d.redelivered).collect();
        let charges = delivered.into_iter().map(|d| d.charge.into()).collect();
        crmnf_charges::new(charges, None, |i| flags[i])
    }
}

fn with_charge<T: Copy>(
    charge: *const crmnf_charge,
    default: T,
    f: impl FnOnce(&crmnf_charge) -> T,
) -> T {
    // SAFETY: when not NULL, the caller promised a charge borrowed from a live list.
    match unsafe { charge.as_ref() } {
        Some(c) => guarded(default, || f(c)),
        None => default,
    }
}

/// Decodes a `netflix/charges/list` response body into typed charges.
///
/// - `body`, `body_len`: the response bytes (UTF-8 JSON, not NUL-terminated); `body` must not be
///   NULL. They need only live for the call.
/// - `fields_set`: the comma-separated `fields_set` that was sent (`crmnf_request_fields_set`), or
///   NULL when none was: then every documented non-nullable field must be present.
/// - `out`: receives a new `crmnf_charges` on success, owned by the caller
///   (`crmnf_charges_free`); must not be NULL.
/// - `err`: as for `crmnf_prepare`.
///
/// Returns `CRMNF_OK`; `CRMNF_API_ERROR` when the status code is not `OK`;
/// `CRMNF_MALFORMED_RESPONSE` with the path of the offending value (`data.charges_set[0].amount`);
/// `CRMNF_NULL_ARGUMENT` / `CRMNF_INVALID_UTF8` for a bad argument. `*out` is written only on
/// success. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charges_decode(
    body: *const u8,
    body_len: usize,
    fields_set: *const c_char,
    out: *mut *mut crmnf_charges,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_charges_decode", err, || {
        let out = out_arg(out, "out")?;
        let body = bytes_arg(body, body_len, "body")?;
        let fields = opt_str_arg(fields_set, "fields_set")?
            .map(|f| FieldsSet::<()>::from_query_value(f).names().to_vec());
        let charges = match fields {
            Some(fields) => {
                let page = decode_projected::<ListCharges>(body, &fields).map_err(Fail::Core)?;
                crmnf_charges::new(page.charges_set, Some(fields), |_| false)
            }
            None => {
                let page = decode::<ListCharges>(body, None).map_err(Fail::Core)?;
                let charges = page.charges_set.into_iter().map(Into::into).collect();
                crmnf_charges::new(charges, None, |_| false)
            }
        };
        *out = Box::into_raw(Box::new(charges));
        Ok(())
    })
}

/// The number of charges; 0 for NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charges_count(charges: *const crmnf_charges) -> usize {
    // SAFETY: when not NULL, the caller promised a live list from this library.
    match unsafe { charges.as_ref() } {
        Some(c) => guarded(0, || c.views.len()),
        None => 0,
    }
}

/// The `index`-th charge (0 is the oldest), or NULL when `charges` is NULL or `index` is out of
/// range. Borrowed: valid until `crmnf_charges_free`; do not free it. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charges_get(
    charges: *const crmnf_charges,
    index: usize,
) -> *const crmnf_charge {
    // SAFETY: when not NULL, the caller promised a live list from this library.
    match unsafe { charges.as_ref() } {
        Some(c) => guarded(std::ptr::null(), || {
            c.views
                .get(index)
                .map_or(std::ptr::null(), |c| c as *const crmnf_charge)
        }),
        None => std::ptr::null(),
    }
}

/// Frees a list of charges, its charges and every string they handed out. NULL is a no-op. Call it
/// once, when no other thread is reading the list or one of its charges.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charges_free(charges: *mut crmnf_charges) {
    free_box(charges);
}

/// What became of the field `field` of the charge (its wire name: `"amount"`,
/// `"set_as_approved_on"`): `CRMNF_FIELD_VALUE`, `CRMNF_FIELD_NULL`, or
/// `CRMNF_FIELD_NOT_REQUESTED` when the `fields_set` given to `crmnf_charges_decode` left it out.
/// `CRMNF_FIELD_UNKNOWN` for a name that is not a field of a charge, invalid UTF-8, or a NULL
/// argument. Without a `fields_set` every documented non-nullable field is a `CRMNF_FIELD_VALUE`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_field(
    charge: *const crmnf_charge,
    field: *const c_char,
) -> crmnf_field {
    use crmnf_field::*;
    let Ok(Some(name)) = opt_str_arg(field, "field") else {
        return CRMNF_FIELD_UNKNOWN;
    };
    with_charge(charge, CRMNF_FIELD_UNKNOWN, |c| {
        match c.charge().field_state(name, c.fields_set()) {
            Some(FieldState::Value) => CRMNF_FIELD_VALUE,
            Some(FieldState::Null) => CRMNF_FIELD_NULL,
            Some(FieldState::NotRequested) => CRMNF_FIELD_NOT_REQUESTED,
            None => CRMNF_FIELD_UNKNOWN,
        }
    })
}

/// The CRM.COM charge number (the key for acknowledging, accepting and declining), its length in
/// `*len` when `len` is not NULL. NULL when absent (a `fields_set` left it out) or `charge` is
/// NULL. Owned by the list. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_number(
    charge: *const crmnf_charge,
    len: *mut usize,
) -> *const c_char {
    with_charge(charge, std::ptr::null(), |c| {
        text_out(c.text().number.as_ref(), len)
    })
}

/// The customer's identifier in the operator's billing system, its length in `*len` when `len` is
/// not NULL. NULL when absent or `charge` is NULL. Owned by the list. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_billing_system_customer_identifier(
    charge: *const crmnf_charge,
    len: *mut usize,
) -> *const c_char {
    with_charge(charge, std::ptr::null(), |c| {
        text_out(c.text().customer.as_ref(), len)
    })
}

/// The ISO 4217 code of the amount as sent (`"USD"`; an unknown code is kept as sent), its length
/// in `*len` when `len` is not NULL. NULL when absent or `charge` is NULL. Owned by the list.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_currency(
    charge: *const crmnf_charge,
    len: *mut usize,
) -> *const c_char {
    with_charge(charge, std::ptr::null(), |c| {
        text_out(c.text().currency.as_ref(), len)
    })
}

/// The operator's local currency (R14.1.0), its length in `*len` when `len` is not NULL. NULL when
/// absent or `null`, or `charge` is NULL. Owned by the list. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_local_currency(
    charge: *const crmnf_charge,
    len: *mut usize,
) -> *const c_char {
    with_charge(charge, std::ptr::null(), |c| {
        text_out(c.text().local_currency.as_ref(), len)
    })
}

fn minor_units(money: Option<Money>, out: *mut i64) -> bool {
    match money.and_then(|m| m.minor_units()) {
        Some(units) => {
            put(out, units);
            true
        }
        None => false,
    }
}

fn exponent(money: Option<Money>, out: *mut u32) -> bool {
    match money.and_then(|m| m.minor_unit_exponent()) {
        Some(e) => {
            put(out, e);
            true
        }
        None => false,
    }
}

fn raw(money: Option<Money>, out: *mut f64) -> bool {
    match money {
        Some(m) => {
            put(out, m.raw());
            true
        }
        None => false,
    }
}

/// The exact amount in integer minor units of its currency (599 for 5.99 USD, 500 for 500 JPY,
/// 1235 for 1.2345 KWD), written to `*out` when `out` is not NULL. Returns false, writing nothing,
/// when the amount is absent, its currency is unknown (such a charge is not billable), it does not
/// fit an `int64_t`, or `charge` is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_amount_minor_units(
    charge: *const crmnf_charge,
    out: *mut i64,
) -> bool {
    with_charge(charge, false, |c| minor_units(c.charge().amount, out))
}

/// The number of minor-unit digits of the amount's currency (2 for USD, 0 for JPY, 3 for KWD),
/// written to `*out` when `out` is not NULL: the amount is `minor_units / 10^exponent`. Returns
/// false, writing nothing, when the amount is absent, its currency is unknown, or `charge` is NULL.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_amount_minor_unit_exponent(
    charge: *const crmnf_charge,
    out: *mut u32,
) -> bool {
    with_charge(charge, false, |c| exponent(c.charge().amount, out))
}

/// The exact amount as a decimal string, rounded to the currency's minor unit (`"5.99"`,
/// `"12.000"` KWD; unrounded for an unknown currency), its length in `*len` when `len` is not
/// NULL. NULL when absent or `charge` is NULL. Owned by the list. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_amount_exact(
    charge: *const crmnf_charge,
    len: *mut usize,
) -> *const c_char {
    with_charge(charge, std::ptr::null(), |c| {
        text_out(c.text().amount.as_ref(), len)
    })
}

/// The amount exactly as the wire number came (`5.989999771118164`), written to `*out` when `out`
/// is not NULL. Returns false, writing nothing, when absent or `charge` is NULL. Bill with the
/// minor units, not with this. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_amount_raw(
    charge: *const crmnf_charge,
    out: *mut f64,
) -> bool {
    with_charge(charge, false, |c| raw(c.charge().amount, out))
}

/// `crmnf_charge_amount_minor_units` for the amount in the operator's local currency (R14.1.0).
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_local_currency_amount_minor_units(
    charge: *const crmnf_charge,
    out: *mut i64,
) -> bool {
    with_charge(charge, false, |c| {
        minor_units(c.charge().local_currency_amount, out)
    })
}

/// `crmnf_charge_amount_minor_unit_exponent` for the amount in the local currency.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_local_currency_amount_minor_unit_exponent(
    charge: *const crmnf_charge,
    out: *mut u32,
) -> bool {
    with_charge(charge, false, |c| {
        exponent(c.charge().local_currency_amount, out)
    })
}

/// `crmnf_charge_amount_exact` for the amount in the local currency.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_local_currency_amount_exact(
    charge: *const crmnf_charge,
    len: *mut usize,
) -> *const c_char {
    with_charge(charge, std::ptr::null(), |c| {
        text_out(c.text().local_amount.as_ref(), len)
    })
}

/// `crmnf_charge_amount_raw` for the amount in the local currency.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_local_currency_amount_raw(
    charge: *const crmnf_charge,
    out: *mut f64,
) -> bool {
    with_charge(charge, false, |c| {
        raw(c.charge().local_currency_amount, out)
    })
}

/// The status of the charge; `CRMNF_CHARGE_STATUS_UNKNOWN` for a value this library does not know,
/// `CRMNF_CHARGE_STATUS_ABSENT` when absent or `charge` is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_charge_status(
    charge: *const crmnf_charge,
) -> crmnf_charge_status {
    use crmnf_charge_status::*;
    with_charge(charge, CRMNF_CHARGE_STATUS_ABSENT, |c| {
        match &c.charge().charge_status {
            None => CRMNF_CHARGE_STATUS_ABSENT,
            Some(ChargeStatus::Pending) => CRMNF_CHARGE_STATUS_PENDING,
            Some(ChargeStatus::Approved) => CRMNF_CHARGE_STATUS_APPROVED,
            Some(ChargeStatus::Declined) => CRMNF_CHARGE_STATUS_DECLINED,
            Some(ChargeStatus::BadRequest) => CRMNF_CHARGE_STATUS_BAD_REQUEST,
            Some(ChargeStatus::Rejected) => CRMNF_CHARGE_STATUS_REJECTED,
            Some(ChargeStatus::Unknown(_)) => CRMNF_CHARGE_STATUS_UNKNOWN,
        }
    })
}

/// The status as the wire string (`"APPROVED"`, or an unknown value exactly as sent), its length
/// in `*len` when `len` is not NULL. NULL when absent or `charge` is NULL. Owned by the list.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_charge_status_text(
    charge: *const crmnf_charge,
    len: *mut usize,
) -> *const c_char {
    with_charge(charge, std::ptr::null(), |c| {
        text_out(c.text().status.as_ref(), len)
    })
}

/// Whether the customer should be billed: `APPROVED`, with a number and an amount priced in a known
/// currency that is not negative (an amount that rounds to zero is billed as zero). Pending,
/// declined, unknown statuses, unpriceable and negative amounts are never billable. False for
/// NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_billable(charge: *const crmnf_charge) -> bool {
    with_charge(charge, false, |c| c.charge().billable())
}

/// What a billing system does with the charge: bill it, record it as not billed, or leave it on
/// the server. `CRMNF_BILLING_ACTION_LEAVE` for NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_billing_action(
    charge: *const crmnf_charge,
) -> crmnf_billing_action {
    use crmcom_netflix::BillingAction;
    use crmnf_billing_action::*;
    with_charge(charge, CRMNF_BILLING_ACTION_LEAVE, |c| {
        match c.charge().billing_action() {
            BillingAction::Bill => CRMNF_BILLING_ACTION_BILL,
            BillingAction::Record => CRMNF_BILLING_ACTION_RECORD,
            BillingAction::Leave => CRMNF_BILLING_ACTION_LEAVE,
        }
    })
}

/// Whether the charge may have been handed over before: set only on charges from
/// `crmnf_charge_sync_take_charges` (after a resume, or in an earlier run without a
/// confirmation). A billing system keyed by charge number bills it only if it has not yet. False
/// for charges from `crmnf_charges_decode` and for NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_redelivered(charge: *const crmnf_charge) -> bool {
    with_charge(charge, false, |c| c.redelivered)
}

/// Whether CRM.COM has processed the charge (approved, declined, bad request or rejected). False
/// for an unknown status and for NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_is_final(charge: *const crmnf_charge) -> bool {
    with_charge(charge, false, |c| c.charge().is_final())
}

/// Whether the charge still waits for processing (`PENDING`). False for NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_is_pending(charge: *const crmnf_charge) -> bool {
    with_charge(charge, false, |c| c.charge().is_pending())
}

fn date_out(date: Option<Date>, out: *mut crmnf_datetime) -> bool {
    match date {
        Some(d) => {
            put(out, crmnf_datetime::from(d));
            true
        }
        None => false,
    }
}

/// If approved, the date up to which Netflix service is paid, written to `*out` when `out` is not
/// NULL. Returns false, writing nothing, when absent or `charge` is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_paid_through_date(
    charge: *const crmnf_charge,
    out: *mut crmnf_datetime,
) -> bool {
    with_charge(charge, false, |c| {
        date_out(c.charge().paid_through_date, out)
    })
}

/// When Netflix received the charge; as `crmnf_charge_paid_through_date`.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_received_on(
    charge: *const crmnf_charge,
    out: *mut crmnf_datetime,
) -> bool {
    with_charge(charge, false, |c| date_out(c.charge().received_on, out))
}

/// When the charge was approved (false when `null`); as `crmnf_charge_paid_through_date`.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_set_as_approved_on(
    charge: *const crmnf_charge,
    out: *mut crmnf_datetime,
) -> bool {
    with_charge(charge, false, |c| {
        date_out(c.charge().set_as_approved_on, out)
    })
}

/// When the charge was declined (false when `null`); as `crmnf_charge_paid_through_date`.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_set_as_declined_on(
    charge: *const crmnf_charge,
    out: *mut crmnf_datetime,
) -> bool {
    with_charge(charge, false, |c| {
        date_out(c.charge().set_as_declined_on, out)
    })
}

/// When the charge was flagged as a bad request (false when `null`); as
/// `crmnf_charge_paid_through_date`.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_set_as_bad_request_on(
    charge: *const crmnf_charge,
    out: *mut crmnf_datetime,
) -> bool {
    with_charge(charge, false, |c| {
        date_out(c.charge().set_as_bad_request_on, out)
    })
}

/// When the charge was rejected (false when `null`); as `crmnf_charge_paid_through_date`.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_set_as_rejected_request_on(
    charge: *const crmnf_charge,
    out: *mut crmnf_datetime,
) -> bool {
    with_charge(charge, false, |c| {
        date_out(c.charge().set_as_rejected_request_on, out)
    })
}

/// The charge as normalized JSON (dates canonical, amounts as the wire number, unknown fields and
/// unknown status values kept as they came), for everything the accessors do not cover. Its length
/// in `*len` when `len` is not NULL. NULL for NULL. Owned by the list. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_json(
    charge: *const crmnf_charge,
    len: *mut usize,
) -> *const c_char {
    with_charge(charge, std::ptr::null(), |c| {
        c.json
            .get_or_init(|| {
                Text::new(&serde_json::to_string(c.charge()).unwrap_or_else(|_| "{}".into()))
            })
            .out(len)
    })
}
