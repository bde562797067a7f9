//! `POST netflix/charges/accept` (R14.1.0): accepts charges not yet processed (still `PENDING`).
//! At most 50 per call.

// `#[derive(Validate)]` calls `validate()` on nested values: the trait must be in scope.
use validator::Validate as _;

super::objects::charge_set_request! {
    /// Parameters of `netflix/charges/accept`.
    AcceptCharges, AcceptedCharge, accepted_charges_set, ChargesAccept,
    "A charge to accept; the customer must own it."
}
