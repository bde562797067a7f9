//! `GET netflix/subscriptions/show` (R12.0.0, revised): state and billing information of the
//! Netflix subscriptions of a customer.

// `#[derive(Validate)]` calls `validate()` on nested values: the trait must be in scope.
use validator::Validate as _;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::decode::{ItemCheck, ResponseData};
use crate::method::{ApiRequest, Method};
use crate::methods::objects::FieldsSet;
use crate::methods::promotions_list::Promotion;
use crate::Error;

/// Parameters of `netflix/subscriptions/show`. Before R14.1.0 the billing system identifier is
/// mandatory; from R14.1.0 (inferred) at least one of the two identifiers is.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema, validator::Validate,
)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-one-of-required" = [["billing_system_customer_identifier", "netflix_customer_identifier"]]))]
#[validate(schema(function = "crate::schema::extension_rules"))]
pub struct ShowSubscriptions {
    /// The customer's identifier in the operator's billing system.
    #[schemars(extend("x-required-until" = "R14.1.0"))]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub billing_system_customer_identifier: Option<String>,
    /// The customer's identifier on Netflix (the PAI).
    #[schemars(extend("x-since" = "R14.1.0"))]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub netflix_customer_identifier: Option<String>,
    /// Fields of each subscription to return; all when absent.
    #[validate(nested)]
    pub fields_set: Option<FieldsSet<Subscription>>,
}

impl ApiRequest for ShowSubscriptions {
    const METHOD: Method = Method::SubscriptionsShow;
    type Response = Subscriptions;
    type Projected = Subscriptions<ProjectedSubscription>;
    fn fields_set(&self) -> Option<&[String]> {
        self.fields_set.as_ref().map(FieldsSet::names)
    }
}

crate::object::wire_enum! {
    /// State of the subscription on Netflix.
    pub enum NetflixState {
        /// Active on Netflix.
        Effective = "EFFECTIVE",
        /// Not active on Netflix.
        NotEffective = "NOT_EFFECTIVE",
    }
}

crate::object::wire_enum! {
    /// Life-cycle state of the CRM.COM subscription.
    pub enum LifeCycleState {
        /// Active.
        Effective = "EFFECTIVE",
        /// Not yet or no longer active.
        NotEffective = "NOT_EFFECTIVE",
        /// Cancelled.
        Cancelled = "CANCELLED",
    }
}

crate::object::response_object! {
    /// A Netflix price applied to the subscriber. Only `FormattedPrice` is documented; every other
    /// key is kept in `extra`.
    pub struct Price {
        /// The price with its currency, formatted for display.
        formatted_price: String = "FormattedPrice", Nullable;
    }
}

crate::object::response_object! {
    /// A Netflix subscription.
    pub struct Subscription {
        /// CRM.COM subscription number.
        subscription_number: String = "subscription_number", Required, identifier;
        /// State on Netflix. Documented as `netflix_sate`; both spellings are read.
        netflix_state: NetflixState = "netflix_state" | "netflix_sate", Required;
        /// Life-cycle state of the CRM.COM subscription.
        life_cycle_state: LifeCycleState = "life_cycle_state", Required;
        /// Promotions redeemed in the last 10 months.
        promotions_set: Vec<Promotion> = "promotions_set", Nullable;
        /// Netflix prices applied to the subscriber.
        prices_set: Vec<Price> = "prices_set", Nullable;
    }
    projected ProjectedSubscription;
}

/// The data of `subscriptions/show`: one subscription object or an array of them, always read as
/// a list (and written back as one). `Subscriptions<ProjectedSubscription>` is the data decoded
/// with a `fields_set`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Subscriptions<S = Subscription>(
    pub Vec<S>,
    /// Whether the server sent a single object, so that error paths point into it.
    #[serde(skip)]
    bool,
);

impl<S> Default for Subscriptions<S> {
    fn default() -> Self {
        Subscriptions(Vec::new(), false)
    }
}

impl<S> std::ops::Deref for Subscriptions<S> {
    type Target = Vec<S>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<'de, S: Deserialize<'de>> Deserialize<'de> for Subscriptions<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<S>(std::marker::PhantomData<S>);
        impl<'de, S: Deserialize<'de>> serde::de::Visitor<'de> for V<S> {
            type Value = Subscriptions<S>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a subscription object or an array of them")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Subscriptions<S>, A::Error> {
                Vec::<S>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(|items| Subscriptions(items, false))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Subscriptions<S>, A::Error> {
                S::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|s| Subscriptions(vec![s], true))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl JsonSchema for Subscriptions {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Subscriptions".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let item = generator.subschema_for::<Subscription>();
        schemars::json_schema!({"oneOf": [item, {"type": "array", "items": item}]})
    }
}

impl<S> ResponseData for Subscriptions<S>
where
    S: crate::object::ResponseObject + ItemCheck + Serialize + serde::de::DeserializeOwned,
{
    type Item = S;
    fn check(&self, named: Option<u64>) -> Result<(), Error> {
        let data = crate::object::Path::Root("data");
        for (i, s) in self.0.iter().enumerate() {
            if self.1 {
                s.check_item(&data, named)?;
            } else {
                s.check_item(&crate::object::Path::Index(&data, i), named)?;
            }
        }
        Ok(())
    }
}

impl<S> From<Vec<S>> for Subscriptions<S> {
    fn from(items: Vec<S>) -> Self {
        Subscriptions(items, false)
    }
}
