//! The simulator's stable error codes.
//!
//! An error response is `{"status": {"code": "ERROR", "description": <sentence>, "message": <code>},
//! "data": null}`: `status.code` is always `ERROR` and `status.message` carries one of the codes
//! below, so that a client can tell an expired token from an invalid request. Refusals of single
//! charges (acknowledge, accept, decline) are entries of `failed_charges_set` with one of the
//! charge codes as `error_code`.

/// The parameters break a rule of the core; `description` lists every violation as
/// `path: message (code)`, separated by `; `. Also a body that is not a JSON object, or a query
/// parameter given twice.
pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
/// The path is not a method of the API.
pub const UNKNOWN_METHOD: &str = "UNKNOWN_METHOD";
/// The method exists but not with this HTTP verb.
pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
/// `authentication/token` and `authentication/web_api_key/token`: wrong user name, password,
/// organisation, Web API key or unit, or an `Authorization` header that is not HTTP Basic.
pub const INVALID_LOGIN: &str = "INVALID_LOGIN";
/// The token was never issued or has been released.
pub const INVALID_TOKEN: &str = "INVALID_TOKEN";
/// The token is two hours old (or was expired by [`crate::Sim::expire_token`]).
pub const TOKEN_EXPIRED: &str = "TOKEN_EXPIRED";
/// Injected by [`crate::Sim::fail_next_requests`]; nothing was done.
pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
/// `subscriptions/create`: no promotion has this code.
pub const PROMOTION_NOT_FOUND: &str = "PROMOTION_NOT_FOUND";
/// `subscriptions/create`: the promotion has not started or has ended.
pub const PROMOTION_NOT_EFFECTIVE: &str = "PROMOTION_NOT_EFFECTIVE";
/// `subscriptions/create`: the customer already has a subscription that is not cancelled.
pub const SUBSCRIPTION_ALREADY_EXISTS: &str = "SUBSCRIPTION_ALREADY_EXISTS";
/// show, suspend, unsuspend: no subscription for the identifier(s).
pub const SUBSCRIPTION_NOT_FOUND: &str = "SUBSCRIPTION_NOT_FOUND";
/// suspend, unsuspend: the customer's subscription is cancelled.
pub const SUBSCRIPTION_CANCELLED: &str = "SUBSCRIPTION_CANCELLED";
/// suspend: already suspended.
pub const SUBSCRIPTION_ALREADY_SUSPENDED: &str = "SUBSCRIPTION_ALREADY_SUSPENDED";
/// unsuspend: not suspended.
pub const SUBSCRIPTION_NOT_SUSPENDED: &str = "SUBSCRIPTION_NOT_SUSPENDED";
/// [`crate::Sim::complete_sign_up`]: no subscription has this Netflix token.
pub const NETFLIX_TOKEN_NOT_FOUND: &str = "NETFLIX_TOKEN_NOT_FOUND";
/// [`crate::Sim::complete_sign_up`]: the Netflix token outlived its `validity_duration`.
pub const NETFLIX_TOKEN_EXPIRED: &str = "NETFLIX_TOKEN_EXPIRED";

/// Charge code: no charge has this number.
pub const CHARGE_NOT_FOUND: &str = "CHARGE_NOT_FOUND";
/// Charge code: the charge belongs to another customer.
pub const CUSTOMER_MISMATCH: &str = "CUSTOMER_MISMATCH";
/// Charge code (acknowledge): already acknowledged. The same code a retry of an applied
/// acknowledgement gets, which `ChargeSync` counts as done.
pub const CHARGE_ALREADY_ACKNOWLEDGED: &str = "CHARGE_ALREADY_ACKNOWLEDGED";
/// Charge code (acknowledge): the charge is still `PENDING`; it must be processed (or accepted or
/// declined) before it can be acknowledged.
pub const CHARGE_NOT_PROCESSED: &str = "CHARGE_NOT_PROCESSED";
/// Charge code (accept, decline): the charge is no longer `PENDING`.
pub const CHARGE_ALREADY_PROCESSED: &str = "CHARGE_ALREADY_PROCESSED";
/// Charge code: the reference number is already used for another charge of the operator.
pub const DUPLICATE_REFERENCE_NUMBER: &str = "DUPLICATE_REFERENCE_NUMBER";
/// Charge code (acknowledge): injected by [`crate::Sim::fail_acknowledgement`] or
/// [`crate::Sim::fail_acknowledgements_at_rate`]; the charge stays unacknowledged.
pub const ACKNOWLEDGEMENT_FAILED: &str = "ACKNOWLEDGEMENT_FAILED";
