//! `POST netflix/subscriptions/unsuspend` (R12.0.0): reverses the suspension of a Netflix subscriber; one per call.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::method::{ApiRequest, Method};
use crate::methods::objects::Empty;

/// Parameters of `netflix/subscriptions/unsuspend`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct UnsuspendSubscription {
    /// The customer's identifier in the operator's billing system.
    #[validate(length(min = 1), regex(path = *crate::schema::NON_BLANK))]
    pub billing_system_customer_identifier: String,
}

impl UnsuspendSubscription {
    /// The request for a customer.
    pub fn new(billing_system_customer_identifier: impl Into<String>) -> Self {
        UnsuspendSubscription {
            billing_system_customer_identifier: billing_system_customer_identifier.into(),
        }
    }
}

impl ApiRequest for UnsuspendSubscription {
    const METHOD: Method = Method::SubscriptionsUnsuspend;
    /// No data: `data` is `{}`.
    type Response = Empty;
    type Projected = Empty;
}
