//! `POST netflix/charges/acknowledge` (R12.0.0): tells CRM.COM the operator has taken the listed
//! charges; acknowledged charges drop out of later `charges/list` results. At most 50 per call.

// `#[derive(Validate)]` calls `validate()` on nested values: the trait must be in scope.
use validator::Validate as _;

use crate::decode::ResponseData;
use crate::Error;

super::objects::charge_set_request! {
    /// Parameters of `netflix/charges/acknowledge`.
    AcknowledgeCharges, AcknowledgedCharge, acknowledged_charges_set, ChargesAcknowledge,
    "A charge to acknowledge."
}

crate::object::response_object! {
    /// A charge that could not be acknowledged, accepted or declined.
    pub struct FailedCharge {
        /// The charge number that failed.
        number: String = "number", Required, identifier;
        /// The operator's reference, echoed back.
        reference_number: String = "reference_number", Nullable, identifier;
        /// Error code (vocabulary undocumented).
        error_code: String = "error_code", Required, identifier;
        /// Error text (documented as a Date by mistake).
        error_description: String = "error_description", Nullable;
    }
}

crate::object::response_object! {
    /// The data of acknowledge, accept and decline. `data: {}` and a missing or `null`
    /// `failed_charges_set` all mean that nothing failed.
    pub struct FailedCharges {
        /// The charges that failed; empty on full success.
        failed_charges_set: Vec<FailedCharge> = "failed_charges_set", Nullable;
    }
    finish = always_a_set;
}

fn always_a_set(data: &mut FailedCharges) {
    if data.failed_charges_set.is_none() {
        data.failed_charges_set = Some(Vec::new());
    }
}

impl FailedCharges {
    /// The failed charges (empty on full success).
    pub fn failed(&self) -> &[FailedCharge] {
        self.failed_charges_set.as_deref().unwrap_or(&[])
    }
}

impl ResponseData for FailedCharges {
    type Item = FailedCharges;
    const NULL_IS_EMPTY: bool = true;
    fn check(&self, _: Option<u64>) -> Result<(), Error> {
        self.check_fields(&crate::object::Path::Root("data"), None)
    }
}
