//! `POST netflix/charges/decline` (R14.1.0): declines charges not yet processed (still
//! `PENDING`). At most 50 per call.

// `#[derive(Validate)]` calls `validate()` on nested values: the trait must be in scope.
use validator::Validate as _;

super::objects::charge_set_request! {
    /// Parameters of `netflix/charges/decline`.
    DeclineCharges, DeclinedCharge, declined_charges_set, ChargesDecline,
    "A charge to decline; the customer must own it."
}
