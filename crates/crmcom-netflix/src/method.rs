//! The API's methods: names, verbs, releases, and the dispatch from a method name to its types.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::decode::ResponseData;
use crate::methods::*;
use crate::release::Release;
use crate::schema::{compile, Node};

/// HTTP verb of a method: the API uses only GET and POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verb {
    /// Read-only; every parameter goes in the query string.
    Get,
    /// Acts; parameters go in a JSON body with the token.
    Post,
}

impl Verb {
    /// `"GET"` or `"POST"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
        }
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every method of the API this SDK covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `POST authentication/token`: log in, get a token.
    AuthenticationToken,
    /// `POST authentication/token/release`: invalidate a token.
    AuthenticationTokenRelease,
    /// `POST authentication/web_api_key/token`: log in with a Web API key, get a token.
    AuthenticationWebApiKeyToken,
    /// `GET netflix/promotions/list`.
    PromotionsList,
    /// `GET netflix/subscriptions/show`.
    SubscriptionsShow,
    /// `POST netflix/subscriptions/create`.
    SubscriptionsCreate,
    /// `POST netflix/subscriptions/suspend`.
    SubscriptionsSuspend,
    /// `POST netflix/subscriptions/unsuspend`.
    SubscriptionsUnsuspend,
    /// `GET netflix/charges/list`.
    ChargesList,
    /// `POST netflix/charges/acknowledge`.
    ChargesAcknowledge,
    /// `POST netflix/charges/accept` (R14.1.0).
    ChargesAccept,
    /// `POST netflix/charges/decline` (R14.1.0).
    ChargesDecline,
}

impl Method {
    /// Every method, in the order of the reference.
    pub const ALL: [Method; 12] = [
        Method::AuthenticationToken,
        Method::AuthenticationTokenRelease,
        Method::AuthenticationWebApiKeyToken,
        Method::PromotionsList,
        Method::SubscriptionsShow,
        Method::SubscriptionsCreate,
        Method::SubscriptionsSuspend,
        Method::SubscriptionsUnsuspend,
        Method::ChargesList,
        Method::ChargesAcknowledge,
        Method::ChargesAccept,
        Method::ChargesDecline,
    ];

    /// The method path relative to `.../crmapi/rest/v2/` (`"netflix/charges/list"`).
    pub const fn name(self) -> &'static str {
        match self {
            Method::AuthenticationToken => "authentication/token",
            Method::AuthenticationTokenRelease => "authentication/token/release",
            Method::AuthenticationWebApiKeyToken => "authentication/web_api_key/token",
            Method::PromotionsList => "netflix/promotions/list",
            Method::SubscriptionsShow => "netflix/subscriptions/show",
            Method::SubscriptionsCreate => "netflix/subscriptions/create",
            Method::SubscriptionsSuspend => "netflix/subscriptions/suspend",
            Method::SubscriptionsUnsuspend => "netflix/subscriptions/unsuspend",
            Method::ChargesList => "netflix/charges/list",
            Method::ChargesAcknowledge => "netflix/charges/acknowledge",
            Method::ChargesAccept => "netflix/charges/accept",
            Method::ChargesDecline => "netflix/charges/decline",
        }
    }

    /// The method for a path; `None` for a name the SDK does not know.
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.name() == name)
    }

    /// GET or POST.
    pub const fn verb(self) -> Verb {
        match self {
            Method::PromotionsList | Method::SubscriptionsShow | Method::ChargesList => Verb::Get,
            _ => Verb::Post,
        }
    }

    /// The release that introduced the method.
    pub const fn since(self) -> Release {
        match self {
            Method::ChargesAccept | Method::ChargesDecline => Release::R14_1_0,
            _ => Release::R12_0_0,
        }
    }

    /// Whether the method takes the login token (every method but the two logins,
    /// `authentication/token` and `authentication/web_api_key/token`).
    pub const fn takes_token(self) -> bool {
        !matches!(
            self,
            Method::AuthenticationToken | Method::AuthenticationWebApiKeyToken
        )
    }

    /// The parameter that travels in the `Authorization` header rather than the query or the
    /// body: `api_key` of `authentication/web_api_key/token`.
    pub const fn authorization_parameter(self) -> Option<&'static str> {
        match self {
            Method::AuthenticationWebApiKeyToken => {
                Some(crate::methods::authentication_web_api_key_token::API_KEY_PARAMETER)
            }
            _ => None,
        }
    }

    /// Whether the method takes a `fields_set`.
    pub fn takes_fields_set(self) -> bool {
        matches!(
            self,
            Method::PromotionsList | Method::SubscriptionsShow | Method::ChargesList
        )
    }

    /// The JSON Schema of the method's parameters (without `token`), derived from its request type.
    pub fn request_schema(self) -> serde_json::Value {
        match self {
            Method::AuthenticationToken => schema_of::<LoginRequest>(),
            Method::AuthenticationTokenRelease => schema_of::<ReleaseToken>(),
            Method::AuthenticationWebApiKeyToken => schema_of::<WebApiKeyLogin>(),
            Method::PromotionsList => schema_of::<ListPromotions>(),
            Method::SubscriptionsShow => schema_of::<ShowSubscriptions>(),
            Method::SubscriptionsCreate => schema_of::<CreateSubscription>(),
            Method::SubscriptionsSuspend => schema_of::<SuspendSubscription>(),
            Method::SubscriptionsUnsuspend => schema_of::<UnsuspendSubscription>(),
            Method::ChargesList => schema_of::<ListCharges>(),
            Method::ChargesAcknowledge => schema_of::<AcknowledgeCharges>(),
            Method::ChargesAccept => schema_of::<AcceptCharges>(),
            Method::ChargesDecline => schema_of::<DeclineCharges>(),
        }
    }

    /// The JSON Schema of the method's response `data`.
    pub fn response_schema(self) -> serde_json::Value {
        fn of<R: ApiRequest>() -> serde_json::Value
        where
            R::Response: schemars::JsonSchema,
        {
            schema_of::<R::Response>()
        }
        match self {
            Method::AuthenticationToken => of::<LoginRequest>(),
            Method::AuthenticationTokenRelease => of::<ReleaseToken>(),
            Method::AuthenticationWebApiKeyToken => of::<WebApiKeyLogin>(),
            Method::PromotionsList => of::<ListPromotions>(),
            Method::SubscriptionsShow => of::<ShowSubscriptions>(),
            Method::SubscriptionsCreate => of::<CreateSubscription>(),
            Method::SubscriptionsSuspend => of::<SuspendSubscription>(),
            Method::SubscriptionsUnsuspend => of::<UnsuspendSubscription>(),
            Method::ChargesList => of::<ListCharges>(),
            Method::ChargesAcknowledge => of::<AcknowledgeCharges>(),
            Method::ChargesAccept => of::<AcceptCharges>(),
            Method::ChargesDecline => of::<DeclineCharges>(),
        }
    }

    /// The compiled request rules, built once.
    pub(crate) fn request_node(self) -> &'static Node {
        static NODES: [OnceLock<Node>; Method::ALL.len()] =
            [const { OnceLock::new() }; Method::ALL.len()];
        let i = Method::ALL.iter().position(|m| *m == self).unwrap_or(0);
        NODES[i].get_or_init(|| compile(&self.request_schema()))
    }

    /// Decodes a response body of this method into normalized JSON `data`.
    pub(crate) fn decode_value(
        self,
        body: &[u8],
        fields_set: Option<&[String]>,
    ) -> Result<serde_json::Value, crate::Error> {
        fn go<R: ApiRequest>(
            body: &[u8],
            fields_set: Option<&[String]>,
        ) -> Result<serde_json::Value, crate::Error> {
            let data = match fields_set {
                Some(_) => serde_json::to_value(crate::decode::decode_data::<R::Projected>(
                    body, fields_set,
                )?),
                None => {
                    serde_json::to_value(crate::decode::decode_data::<R::Response>(body, None)?)
                }
            };
            data.map_err(|e| crate::Error::malformed("data", e.to_string()))
        }
        match self {
            Method::AuthenticationToken => go::<LoginRequest>(body, fields_set),
            Method::AuthenticationTokenRelease => go::<ReleaseToken>(body, fields_set),
            Method::AuthenticationWebApiKeyToken => go::<WebApiKeyLogin>(body, fields_set),
            Method::PromotionsList => go::<ListPromotions>(body, fields_set),
            Method::SubscriptionsShow => go::<ShowSubscriptions>(body, fields_set),
            Method::SubscriptionsCreate => go::<CreateSubscription>(body, fields_set),
            Method::SubscriptionsSuspend => go::<SuspendSubscription>(body, fields_set),
            Method::SubscriptionsUnsuspend => go::<UnsuspendSubscription>(body, fields_set),
            Method::ChargesList => go::<ListCharges>(body, fields_set),
            Method::ChargesAcknowledge => go::<AcknowledgeCharges>(body, fields_set),
            Method::ChargesAccept => go::<AcceptCharges>(body, fields_set),
            Method::ChargesDecline => go::<DeclineCharges>(body, fields_set),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown method name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMethod(pub String);

impl fmt::Display for UnknownMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown method `{}`; known methods: {}",
            self.0,
            method_names()
        )
    }
}

impl std::error::Error for UnknownMethod {}

pub(crate) fn method_names() -> String {
    Method::ALL.map(Method::name).join(", ")
}

impl FromStr for Method {
    type Err = UnknownMethod;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::from_name(s).ok_or_else(|| UnknownMethod(s.to_owned()))
    }
}

impl Serialize for Method {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Method {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Method::from_name(&name).ok_or_else(|| serde::de::Error::custom(UnknownMethod(name)))
    }
}

/// A typed request of one method: its parameters (without the token) and its response type.
pub trait ApiRequest: Serialize + schemars::JsonSchema {
    /// The method this request is for.
    const METHOD: Method;
    /// What the response's `data` decodes into without a `fields_set`: every documented
    /// non-nullable field is a plain value.
    type Response: ResponseData;
    /// What it decodes into with a `fields_set` ([`crate::decode_projected`]): the named fields
    /// are there and the others absent (`Response` itself for a method without a `fields_set`).
    type Projected: ResponseData;
    /// The `fields_set` this request asks for, if any (decoding needs it).
    fn fields_set(&self) -> Option<&[String]> {
        None
    }
}

/// The JSON Schema of a type, with subschemas inlined (the form the rules are read from).
pub fn schema_of<T: schemars::JsonSchema>() -> serde_json::Value {
    schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .for_deserialize()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}
