//! Fixtures: the data a simulated server starts with, as JSON (users, promotions, prices,
//! subscriptions, charges), read strictly: an unknown key, a bad date or amount is an error
//! that names its path (`charges[3].received_on`).
//!
//! ```json
//! {
//!   "users": [{"username": "billing", "password": "secret", "organisation": "NETFLIXOP"}],
//!   "promotions": [{"code": "14", "name": "Welcome offer", "effective_from": "2024-01-01T00:00:00"}],
//!   "subscriptions": [{"billing_system_customer_identifier": "pci1", "promotion_code": "14"}],
//!   "charges": [
//!     {"billing_system_customer_identifier": "pci1", "amount": "8.99", "currency": "USD",
//!      "charge_status": "APPROVED", "received_on": "2024-03-01T01:00:00"},
//!     {"billing_system_customer_identifier": "pci1", "amount": "1490", "currency": "JPY",
//!      "charge_status": "PENDING", "processes_in": 3600, "processes_to": "APPROVED"}
//!   ]
//! }
//! ```

use crmcom_netflix::{Channel, ChargeStatus};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

use crate::{epoch_seconds, ChargeSpec, PromotionSpec, Sim, User, DEFAULT_VALIDITY_DURATION};

/// The data a simulated server starts with. Every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixtures {
    /// Users who can log in; the default user when none is given anywhere.
    #[serde(default)]
    pub users: Vec<User>,
    /// Promotions of the catalogue.
    #[serde(default)]
    pub promotions: Vec<PromotionFixture>,
    /// The `prices_set` of every subscription (Netflix Price objects, kept as given).
    #[serde(default)]
    pub prices: Option<Vec<Value>>,
    /// Subscriptions.
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionFixture>,
    /// Charges, in the order they were received (ties keep this order).
    #[serde(default)]
    pub charges: Vec<ChargeFixture>,
}

/// A promotion of [`Fixtures`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromotionFixture {
    /// The code `subscriptions/create` takes.
    pub code: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Start (`yyyy-MM-ddTHH:mm:ss`); the load time when absent.
    #[serde(default)]
    pub effective_from: Option<String>,
    /// End; open-ended when absent.
    #[serde(default)]
    pub expires_on: Option<String>,
}

/// A subscription of [`Fixtures`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionFixture {
    /// The customer's identifier in the operator's billing system.
    pub billing_system_customer_identifier: String,
    /// The promotion redeemed at creation (it must be among the promotions).
    #[serde(default)]
    pub promotion_code: Option<String>,
    /// The sign-up channel.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// When it was created; the load time when absent.
    #[serde(default)]
    pub created_on: Option<String>,
    /// Whether the customer finished the Netflix sign-up (default true).
    #[serde(default = "yes")]
    pub signed_up: bool,
    /// Whether it is suspended.
    #[serde(default)]
    pub suspended: bool,
    /// Whether it is cancelled.
    #[serde(default)]
    pub cancelled: bool,
}

fn yes() -> bool {
    true
}

/// A charge of [`Fixtures`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChargeFixture {
    /// The customer's identifier in the operator's billing system.
    pub billing_system_customer_identifier: String,
    /// The exact amount, as a string (`"8.99"`) or a number.
    pub amount: Value,
    /// ISO 4217 code (anything else makes a charge no client can price).
    pub currency: String,
    /// `PENDING`, `APPROVED`, `DECLINED`, `BAD_REQUEST`, `REJECTED` or any other value (kept).
    #[serde(default = "approved")]
    pub charge_status: ChargeStatus,
    /// When Netflix received it; the load time when absent.
    #[serde(default)]
    pub received_on: Option<String>,
    /// Paid-through date; 30 days after `received_on` when absent.
    #[serde(default)]
    pub paid_through_date: Option<String>,
    /// The amount in the operator's local currency.
    #[serde(default)]
    pub local_currency_amount: Option<Value>,
    /// The operator's local currency.
    #[serde(default)]
    pub local_currency: Option<String>,
    /// Already acknowledged (it no longer shows in lists).
    #[serde(default)]
    pub acknowledged: bool,
    /// A `PENDING` charge: when CRM.COM processes it (a date).
    #[serde(default)]
    pub processes_at: Option<String>,
    /// A `PENDING` charge: seconds after loading when CRM.COM processes it.
    #[serde(default)]
    pub processes_in: Option<i64>,
    /// What a scheduled `PENDING` charge becomes (default `APPROVED`).
    #[serde(default)]
    pub processes_to: Option<ChargeStatus>,
}

fn approved() -> ChargeStatus {
    ChargeStatus::Approved
}

/// Fixtures that cannot be loaded: the path of the offending value and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixturesError {
    /// Path into the fixtures (`charges[3].amount`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for FixturesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for FixturesError {}

fn error(path: impl Into<String>, message: impl Into<String>) -> FixturesError {
    FixturesError {
        path: path.into(),
        message: message.into(),
    }
}

fn date(path: String, text: &Option<String>, default: i64) -> Result<i64, FixturesError> {
    match text {
        None => Ok(default),
        Some(t) => epoch_seconds(t).ok_or_else(|| {
            error(
                path,
                format!("`{t}` is not a date of the form yyyy-MM-ddTHH:mm:ss"),
            )
        }),
    }
}

fn optional_date(path: String, text: &Option<String>) -> Result<Option<i64>, FixturesError> {
    text.as_ref().map(|_| date(path, text, 0)).transpose()
}

/// An exact amount from a JSON string or number (a number is read as the decimal it is
/// written as, so `8.99` is 8.99 exactly).
pub(crate) fn amount(path: String, value: &Value) -> Result<Decimal, FixturesError> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(error(
                path,
                "an amount is a string such as \"8.99\" or a number",
            ))
        }
    };
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| error(path, format!("`{text}` is not a decimal amount")))
}

impl Fixtures {
    /// Reads fixtures from JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Fixtures, FixturesError> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let fixtures: Fixtures = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            error(path, e.into_inner().to_string())
        })?;
        de.end()
            .map_err(|e| error("", format!("after the fixtures: {e}")))?;
        Ok(fixtures)
    }
}

impl Sim {
    /// Loads fixtures at `now` (epoch seconds): their users are added, their promotions,
    /// subscriptions and charges join the ones there. Checks everything before changing
    /// anything; returns the numbers of the charges added, in order.
    pub fn load_fixtures(
        &mut self,
        fixtures: &Fixtures,
        now: i64,
    ) -> Result<Vec<String>, FixturesError> {
        let mut promotions = Vec::new();
        for (i, p) in fixtures.promotions.iter().enumerate() {
            let at = |k: &str| format!("promotions[{i}].{k}");
            if p.code.trim().is_empty() {
                return Err(error(at("code"), "a promotion code must not be blank"));
            }
            promotions.push(PromotionSpec {
                code: p.code.clone(),
                name: p.name.clone(),
                description: p.description.clone(),
                effective_from: date(at("effective_from"), &p.effective_from, now)?,
                expires_on: optional_date(at("expires_on"), &p.expires_on)?,
            });
        }
        let mut subscriptions = Vec::new();
        for (i, s) in fixtures.subscriptions.iter().enumerate() {
            let at = |k: &str| format!("subscriptions[{i}].{k}");
            if s.billing_system_customer_identifier.trim().is_empty() {
                return Err(error(
                    at("billing_system_customer_identifier"),
                    "must not be blank",
                ));
            }
            if let Some(code) = &s.promotion_code {
                let known = promotions.iter().any(|p| &p.code == code)
                    || self.promotions.iter().any(|p| &p.code == code);
                if !known {
                    return Err(error(
                        at("promotion_code"),
                        format!("no promotion has code `{code}`"),
                    ));
                }
            }
            subscriptions.push((s, date(at("created_on"), &s.created_on, now)?));
        }
        let mut charges = Vec::new();
        for (i, c) in fixtures.charges.iter().enumerate() {
            let at = |k: &str| format!("charges[{i}].{k}");
            if c.billing_system_customer_identifier.trim().is_empty() {
                return Err(error(
                    at("billing_system_customer_identifier"),
                    "must not be blank",
                ));
            }
            let received_on = date(at("received_on"), &c.received_on, now)?;
            let mut spec = ChargeSpec::new(
                &c.billing_system_customer_identifier,
                amount(at("amount"), &c.amount)?,
                &c.currency,
                c.charge_status.clone(),
            )
            .received_at(received_on);
            spec.paid_through_date = optional_date(at("paid_through_date"), &c.paid_through_date)?;
            match (&c.local_currency_amount, &c.local_currency) {
                (Some(a), Some(cur)) => {
                    spec = spec.with_local(amount(at("local_currency_amount"), a)?, cur);
                }
                (None, None) => {}
                (Some(_), None) => {
                    return Err(error(
                        at("local_currency"),
                        "required with local_currency_amount",
                    ))
                }
                (None, Some(_)) => {
                    return Err(error(
                        at("local_currency_amount"),
                        "required with local_currency",
                    ))
                }
            }
            let processes_at = match (&c.processes_at, c.processes_in) {
                (Some(_), Some(_)) => {
                    return Err(error(
                        at("processes_in"),
                        "give processes_at or processes_in, not both",
                    ))
                }
                (Some(_), None) => Some(date(at("processes_at"), &c.processes_at, now)?),
                (None, Some(seconds)) => Some(now.saturating_add(seconds)),
                (None, None) => None,
            };
            let to = c.processes_to.clone().unwrap_or(ChargeStatus::Approved);
            if processes_at.is_some() || c.processes_to.is_some() {
                if c.charge_status != ChargeStatus::Pending {
                    return Err(error(
                        at("processes_at"),
                        "only a PENDING charge is processed later",
                    ));
                }
                if to == ChargeStatus::Pending {
                    return Err(error(at("processes_to"), "a processed status, not PENDING"));
                }
            }
            if c.acknowledged && c.charge_status == ChargeStatus::Pending {
                return Err(error(
                    at("acknowledged"),
                    "a PENDING charge cannot be acknowledged",
                ));
            }
            charges.push((spec, processes_at.map(|t| (t, to)), c.acknowledged));
        }

        for u in &fixtures.users {
            self.users.push(u.clone());
        }
        for p in promotions {
            self.add_promotion(p);
        }
        if let Some(prices) = &fixtures.prices {
            self.set_prices(prices.clone());
        }
        for (s, created_on) in subscriptions {
            let record = self.new_subscription(
                &s.billing_system_customer_identifier,
                s.promotion_code.clone(),
                s.channel,
                DEFAULT_VALIDITY_DURATION,
                Value::Object(Default::default()),
                created_on,
            );
            if s.signed_up {
                record.sign_up();
            }
            record.suspended = s.suspended;
            record.cancelled = s.cancelled;
        }
        let mut numbers = Vec::new();
        for (spec, processing, acknowledged) in charges {
            let received_on = spec.received_on.unwrap_or(now);
            let number = self.add_charge(spec, now);
            if let Some((at, to)) = processing {
                // Checked above: a pending charge and a processed target.
                let _ = self.schedule_processing(&number, at, to);
            }
            if acknowledged {
                self.mark_acknowledged(&number, received_on.max(now));
            }
            numbers.push(number);
        }
        self.changed();
        Ok(numbers)
    }
}
