//! Promotions and subscriptions: `promotions/list`, `subscriptions/show`, `create`, `suspend` and
//! `unsuspend`.

use chrono::Months;
use crmcom_netflix::{
    project_data, Channel, CreateSubscription, ListPromotions, Method, ShowSubscriptions,
};
use serde_json::{json, Map, Value};

use crate::wire::{date_or_null, date_value, naive, SplitMix64};
use crate::{codes, Refusal, Sim, DEFAULT_VALIDITY_DURATION};

/// A Netflix promotion on offer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PromotionSpec {
    /// The code `subscriptions/create` takes.
    pub code: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Start, in epoch seconds.
    pub effective_from: i64,
    /// End, in epoch seconds; open-ended when `None`.
    pub expires_on: Option<i64>,
}

impl PromotionSpec {
    /// An open-ended promotion without description.
    pub fn new(code: &str, name: &str, effective_from: i64) -> PromotionSpec {
        PromotionSpec {
            code: code.to_owned(),
            name: name.to_owned(),
            description: None,
            effective_from,
            expires_on: None,
        }
    }

    fn in_effect(&self, now: i64) -> bool {
        self.effective_from <= now && self.expires_on.is_none_or(|end| now < end)
    }

    fn to_json(&self) -> Value {
        json!({
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "effective_from": date_value(self.effective_from),
            "expires_on": date_or_null(self.expires_on),
        })
    }
}

/// A Netflix subscription held by the simulator.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SubscriptionRecord {
    /// CRM.COM subscription number (`NS000001`, ...).
    pub subscription_number: String,
    /// The customer's identifier in the operator's billing system.
    pub billing_system_customer_identifier: String,
    /// The Netflix partner account identifier, once the customer has signed up.
    pub netflix_customer_identifier: Option<String>,
    /// The promotion redeemed at creation.
    pub promotion_code: Option<String>,
    /// The sign-up channel.
    pub channel: Option<Channel>,
    /// When it was created, in epoch seconds.
    pub created_on: i64,
    /// The Netflix token returned by `create`.
    pub netflix_token: String,
    /// When that token expires, in epoch seconds (`created_on` + `validity_duration`).
    pub netflix_token_expires_on: i64,
    /// Whether the customer has finished the Netflix sign-up.
    pub signed_up: bool,
    /// Whether it is suspended.
    pub suspended: bool,
    /// Whether it is cancelled.
    pub cancelled: bool,
    /// The parameters of the `create` call, as checked by the core.
    pub parameters: Value,
}

impl SubscriptionRecord {
    /// The customer has finished the Netflix sign-up: the Netflix customer identifier (PAI).
    pub(crate) fn sign_up(&mut self) -> String {
        self.signed_up = true;
        let pai = format!("PAI{}", &self.subscription_number[2..]);
        self.netflix_customer_identifier = Some(pai.clone());
        pai
    }

    /// `netflix_sate`: `EFFECTIVE` once signed up, while neither suspended nor cancelled.
    pub fn netflix_state(&self) -> &'static str {
        if self.signed_up && !self.suspended && !self.cancelled {
            "EFFECTIVE"
        } else {
            "NOT_EFFECTIVE"
        }
    }

    /// `life_cycle_state`: `CANCELLED`, `NOT_EFFECTIVE` while suspended, `EFFECTIVE` otherwise.
    pub fn life_cycle_state(&self) -> &'static str {
        if self.cancelled {
            "CANCELLED"
        } else if self.suspended {
            "NOT_EFFECTIVE"
        } else {
            "EFFECTIVE"
        }
    }
}

impl Sim {
    /// Adds a promotion to the catalogue.
    pub fn add_promotion(&mut self, promotion: PromotionSpec) {
        self.promotions.push(promotion);
        self.changed();
    }

    /// The promotions of the catalogue, expired ones included.
    pub fn promotions(&self) -> &[PromotionSpec] {
        &self.promotions
    }

    /// The subscriptions, in the order created.
    pub fn subscriptions(&self) -> &[SubscriptionRecord] {
        &self.subscriptions
    }

    /// The customer finishes the Netflix sign-up with the token `create` returned; returns the
    /// Netflix customer identifier (PAI) now shown by `subscriptions/show`. Fails with
    /// [`codes::NETFLIX_TOKEN_NOT_FOUND`], [`codes::NETFLIX_TOKEN_EXPIRED`] or
    /// [`codes::SUBSCRIPTION_CANCELLED`].
    pub fn complete_sign_up(
        &mut self,
        netflix_token: &str,
        now: i64,
    ) -> Result<String, &'static str> {
        let s = self
            .subscriptions
            .iter_mut()
            .find(|s| s.netflix_token == netflix_token)
            .ok_or(codes::NETFLIX_TOKEN_NOT_FOUND)?;
        if s.cancelled {
            return Err(codes::SUBSCRIPTION_CANCELLED);
        }
        if now >= s.netflix_token_expires_on {
            return Err(codes::NETFLIX_TOKEN_EXPIRED);
        }
        let pai = s.sign_up();
        self.changed();
        Ok(pai)
    }

    /// Cancels the customer's current subscription (as CRM.COM would after a declined charge).
    /// Fails with [`codes::SUBSCRIPTION_NOT_FOUND`].
    pub fn cancel_subscription(
        &mut self,
        billing_system_customer_identifier: &str,
    ) -> Result<(), &'static str> {
        let s = self
            .subscriptions
            .iter_mut()
            .rev()
            .find(|s| {
                s.billing_system_customer_identifier == billing_system_customer_identifier
                    && !s.cancelled
            })
            .ok_or(codes::SUBSCRIPTION_NOT_FOUND)?;
        s.cancelled = true;
        self.changed();
        Ok(())
    }

    pub(crate) fn list_promotions(
        &self,
        request: ListPromotions,
        now: i64,
    ) -> Result<Value, Refusal> {
        let data = Value::Array(
            self.promotions
                .iter()
                .filter(|p| p.expires_on.is_none_or(|end| now < end))
                .map(PromotionSpec::to_json)
                .collect(),
        );
        Ok(match &request.fields_set {
            Some(f) => project_data(Method::PromotionsList, &data, f.names()),
            None => data,
        })
    }

    pub(crate) fn show_subscriptions(
        &self,
        request: ShowSubscriptions,
        now: i64,
    ) -> Result<Value, Refusal> {
        let billing = request.billing_system_customer_identifier.as_deref();
        let netflix = request.netflix_customer_identifier.as_deref();
        let found: Vec<&SubscriptionRecord> = self
            .subscriptions
            .iter()
            .filter(|s| {
                billing.is_none_or(|b| s.billing_system_customer_identifier == b)
                    && netflix.is_none_or(|n| s.netflix_customer_identifier.as_deref() == Some(n))
            })
            .collect();
        if found.is_empty() {
            return Err(Refusal::new(
                codes::SUBSCRIPTION_NOT_FOUND,
                "No Netflix subscription matches the given identifiers",
            ));
        }
        let ten_months_ago = naive(now)
            .checked_sub_months(Months::new(10))
            .map(|d| d.and_utc().timestamp())
            .unwrap_or(i64::MIN);
        let data = Value::Array(
            found
                .iter()
                .map(|s| {
                    let promotions: Vec<Value> = s
                        .promotion_code
                        .iter()
                        .filter(|_| s.created_on >= ten_months_ago)
                        .filter_map(|code| self.promotions.iter().find(|p| &p.code == code))
                        .map(PromotionSpec::to_json)
                        .collect();
                    json!({
                        "subscription_number": s.subscription_number,
                        "netflix_sate": s.netflix_state(),
                        "life_cycle_state": s.life_cycle_state(),
                        "promotions_set": promotions,
                        "prices_set": self.prices,
                    })
                })
                .collect(),
        );
        Ok(match &request.fields_set {
            Some(f) => project_data(Method::SubscriptionsShow, &data, f.names()),
            None => data,
        })
    }

    pub(crate) fn create_subscription(
        &mut self,
        request: CreateSubscription,
        parameters: Value,
        now: i64,
    ) -> Result<Value, Refusal> {
        let customer = &request.billing_system_customer_identifier;
        if self
            .subscriptions
            .iter()
            .any(|s| &s.billing_system_customer_identifier == customer && !s.cancelled)
        {
            return Err(Refusal::new(
                codes::SUBSCRIPTION_ALREADY_EXISTS,
                format!("Customer `{customer}` already has a Netflix subscription"),
            ));
        }
        if let Some(code) = &request.promotion_code {
            let promotion = self
                .promotions
                .iter()
                .find(|p| &p.code == code)
                .ok_or_else(|| {
                    Refusal::new(
                        codes::PROMOTION_NOT_FOUND,
                        format!("No promotion has code `{code}`"),
                    )
                })?;
            if !promotion.in_effect(now) {
                return Err(Refusal::new(
                    codes::PROMOTION_NOT_EFFECTIVE,
                    format!("Promotion `{code}` is not in effect"),
                ));
            }
        }
        let validity = request
            .validity_duration
            .unwrap_or(DEFAULT_VALIDITY_DURATION);
        let s = self.new_subscription(
            customer,
            request.promotion_code.clone(),
            request.channel,
            validity,
            parameters,
            now,
        );
        let mut data = Map::new();
        data.insert(
            "netflix_token".into(),
            Value::String(s.netflix_token.clone()),
        );
        data.insert("expires_on".into(), date_value(s.netflix_token_expires_on));
        Ok(Value::Object(data))
    }

    /// Records a new subscription created at `now`, not yet signed up.
    pub(crate) fn new_subscription(
        &mut self,
        customer: &str,
        promotion_code: Option<String>,
        channel: Option<Channel>,
        validity_duration: u32,
        parameters: Value,
        now: i64,
    ) -> &mut SubscriptionRecord {
        let sequence = self.subscriptions.len() as u64 + 1;
        let expires_on = now + i64::from(validity_duration);
        let netflix_token = format!(
            "NFT{:016X}{:08X}",
            SplitMix64(sequence ^ 0x4E46_4C58).next_u64(),
            sequence
        );
        self.subscriptions.push(SubscriptionRecord {
            subscription_number: format!("NS{sequence:06}"),
            billing_system_customer_identifier: customer.to_owned(),
            netflix_customer_identifier: None,
            promotion_code,
            channel,
            created_on: now,
            netflix_token,
            netflix_token_expires_on: expires_on,
            signed_up: false,
            suspended: false,
            cancelled: false,
            parameters,
        });
        self.changed();
        let last = self.subscriptions.len() - 1;
        &mut self.subscriptions[last]
    }

    pub(crate) fn set_suspended(
        &mut self,
        customer: &str,
        suspend: bool,
    ) -> Result<Value, Refusal> {
        let mut theirs = self
            .subscriptions
            .iter_mut()
            .rev()
            .filter(|s| s.billing_system_customer_identifier == customer)
            .peekable();
        if theirs.peek().is_none() {
            return Err(Refusal::new(
                codes::SUBSCRIPTION_NOT_FOUND,
                format!("Customer `{customer}` has no Netflix subscription"),
            ));
        }
        let Some(s) = theirs.find(|s| !s.cancelled) else {
            return Err(Refusal::new(
                codes::SUBSCRIPTION_CANCELLED,
                format!("The Netflix subscription of customer `{customer}` is cancelled"),
            ));
        };
        match (suspend, s.suspended) {
            (true, true) => Err(Refusal::new(
                codes::SUBSCRIPTION_ALREADY_SUSPENDED,
                format!("The Netflix subscription of customer `{customer}` is already suspended"),
            )),
            (false, false) => Err(Refusal::new(
                codes::SUBSCRIPTION_NOT_SUSPENDED,
                format!("The Netflix subscription of customer `{customer}` is not suspended"),
            )),
            _ => {
                s.suspended = suspend;
                Ok(json!({}))
            }
        }
    }
}
