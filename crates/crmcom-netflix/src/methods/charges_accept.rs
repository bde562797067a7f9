//! `POST netflix/charges/accept` (R14.1.0): accepts charges not yet processed (still `PENDING`).
//! At most 50 per call.

super::objects::charge_set_request! {
    /// Parameters of `netflix/charges/accept`.
    AcceptCharges, AcceptedCharge, accepted_charges_set, ChargesAccept,
    "A charge to accept; the customer must own it."
}
