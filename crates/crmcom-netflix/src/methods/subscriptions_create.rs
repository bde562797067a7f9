//! `POST netflix/subscriptions/create` (R12.0.0): creates a Netflix subscriber and returns the
//! Netflix token that sends the subscriber to the Netflix sign-up page.

// `#[derive(Validate)]` calls `validate()` on nested values: the trait must be in scope.
use validator::Validate as _;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::decode::ResponseData;
use crate::method::{ApiRequest, Method};
use crate::methods::objects::{Address, Email, Phone};
use crate::Error;

/// The channel through which the customer signs up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[allow(missing_docs)]
pub enum Channel {
    Web,
    Store,
    Mobile,
    Broadband,
    Other,
}

/// Parameters of `netflix/subscriptions/create`; one subscription per call.
///
/// ```
/// use crmcom_netflix::{prepare, Channel, CreateSubscription, Release, Token};
/// let mut request = CreateSubscription::new("pci150");
/// request.channel = Some(Channel::Broadband);
/// request.validity_duration = Some(86_400);
/// let prepared = prepare(&request, Some(&Token::new("T")), Release::LATEST).unwrap();
/// assert_eq!(prepared.path, "netflix/subscriptions/create");
///
/// request.validity_duration = Some(86_401);
/// let err = prepare(&request, Some(&Token::new("T")), Release::LATEST).unwrap_err();
/// assert_eq!(err.violations()[0].path, "validity_duration");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateSubscription {
    /// The customer's identifier in the operator's billing system.
    #[validate(length(min = 1), regex(path = *crate::schema::NON_BLANK))]
    pub billing_system_customer_identifier: String,
    /// Promotion to apply at sign-up (a `code` from `promotions/list`).
    #[validate(regex(path = *crate::schema::TEXT))]
    pub promotion_code: Option<String>,
    /// Sign-up channel.
    pub channel: Option<Channel>,
    /// Lifetime of the returned Netflix token in seconds: 1 to 86400 (24 hours).
    #[validate(range(min = 1, max = 86400))]
    pub validity_duration: Option<u32>,
    /// Customer's first name.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub customer_first_name: Option<String>,
    /// Customer's last name.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub customer_last_name: Option<String>,
    /// Customer's address (a single object).
    #[validate(nested)]
    pub customer_address: Option<Address>,
    /// Customer's email (a single object).
    #[validate(nested)]
    pub customer_email: Option<Email>,
    /// Customer's phone (a single object).
    #[validate(nested)]
    pub customer_phone: Option<Phone>,
}

impl CreateSubscription {
    /// A request for a customer with every optional parameter unset.
    pub fn new(billing_system_customer_identifier: impl Into<String>) -> Self {
        CreateSubscription {
            billing_system_customer_identifier: billing_system_customer_identifier.into(),
            promotion_code: None,
            channel: None,
            validity_duration: None,
            customer_first_name: None,
            customer_last_name: None,
            customer_address: None,
            customer_email: None,
            customer_phone: None,
        }
    }
}

impl ApiRequest for CreateSubscription {
    const METHOD: Method = Method::SubscriptionsCreate;
    type Response = SubscriptionCreated;
    type Projected = SubscriptionCreated;
}

crate::object::response_object! {
    /// The data of `subscriptions/create`. The reference lost its field table: `netflix_token` and
    /// `expires_on` are inferred, both may be absent, and every other key is kept in `extra`.
    pub struct SubscriptionCreated {
        /// The Netflix token that sends the subscriber to the Netflix sign-up page.
        netflix_token: String = "netflix_token", Nullable, identifier;
        /// When the Netflix token expires (after `validity_duration`).
        expires_on: Date = "expires_on", Nullable;
    }
}

impl ResponseData for SubscriptionCreated {
    type Item = SubscriptionCreated;
    fn check(&self, _: Option<u64>) -> Result<(), Error> {
        self.check_fields(&crate::object::Path::Root("data"), None)
    }
}
