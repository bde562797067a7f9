//! `GET netflix/promotions/list` (R12.0.0): the Netflix promotions that apply to the operator.

// `#[derive(Validate)]` calls `validate()` on nested values: the trait must be in scope.
use validator::Validate as _;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::method::{ApiRequest, Method};
use crate::methods::objects::FieldsSet;

/// Parameters of `netflix/promotions/list`: no filters, no paging.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema, validator::Validate,
)]
#[serde(deny_unknown_fields)]
pub struct ListPromotions {
    /// Fields of each promotion to return; all when absent.
    #[validate(nested)]
    pub fields_set: Option<FieldsSet<Promotion>>,
}

impl ApiRequest for ListPromotions {
    const METHOD: Method = Method::PromotionsList;
    /// The data is a bare array of promotions.
    type Response = Vec<Promotion>;
    type Projected = Vec<ProjectedPromotion>;
    fn fields_set(&self) -> Option<&[String]> {
        self.fields_set.as_ref().map(FieldsSet::names)
    }
}

crate::object::response_object! {
    /// A Netflix promotion (also the items of a subscription's `promotions_set`).
    pub struct Promotion {
        /// Promotion code: the value to pass as `promotion_code` to `subscriptions/create`.
        code: String = "code", Required, identifier;
        /// Promotion name.
        name: String = "name", Required;
        /// Promotion description.
        description: String = "description", Nullable;
        /// When the promotion starts.
        effective_from: Date = "effective_from", Required;
        /// When the promotion ends; `None` when open-ended.
        expires_on: Date = "expires_on", Nullable;
    }
    projected ProjectedPromotion;
}
