//! One module per API method: its request, its response, its rules, side by side.

pub mod authentication_token;
pub mod authentication_token_release;
pub mod authentication_web_api_key_token;
pub mod charges_accept;
pub mod charges_acknowledge;
pub mod charges_decline;
pub mod charges_list;
pub mod objects;
pub mod promotions_list;
pub mod subscriptions_create;
pub mod subscriptions_show;
pub mod subscriptions_suspend;
pub mod subscriptions_unsuspend;

pub use authentication_token::{LoginRequest, LoginResult};
pub use authentication_token_release::ReleaseToken;
pub use authentication_web_api_key_token::WebApiKeyLogin;
pub use charges_accept::{AcceptCharges, AcceptedCharge};
pub use charges_acknowledge::{
    AcknowledgeCharges, AcknowledgedCharge, FailedCharge, FailedCharges,
};
pub use charges_decline::{DeclineCharges, DeclinedCharge};
pub use charges_list::{
    BillingAction, Charge, ChargeStatus, ChargeStatusFilter, ChargesPage, ListCharges,
    ProjectedCharge, ProjectedChargesPage,
};
pub use objects::{
    Address, AddressType, CountryIdentifier, Email, EmailType, Empty, FieldsSet, Phone, PhoneType,
};
pub use promotions_list::{ListPromotions, ProjectedPromotion, Promotion};
pub use subscriptions_create::{Channel, CreateSubscription, SubscriptionCreated};
pub use subscriptions_show::{
    LifeCycleState, NetflixState, Price, ProjectedSubscription, ShowSubscriptions, Subscription,
    Subscriptions,
};
pub use subscriptions_suspend::SuspendSubscription;
pub use subscriptions_unsuspend::UnsuspendSubscription;
