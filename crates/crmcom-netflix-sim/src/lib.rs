//! # crmcom-netflix-sim
//!
//! A pure, deterministic, in-memory model of the CRM.COM side of the "netflix" Web API: what a
//! server does with each method, for tests, demos and the nightly-billing documentation.
//!
//! [`Sim::handle`] takes a [`PreparedRequest`] (or [`Sim::handle_http`] a verb, path, query pairs
//! and body bytes) and the current time in epoch seconds, and returns the response body bytes a
//! server would send, so that the core's `decode` reads them. It does no I/O and reads no clock:
//! the same calls give the same bytes.
//!
//! Every request rule is the core's: parameters are checked with
//! [`prepare_value`] for the simulated release and refused with an
//! error envelope that lists the core's violations; `fields_set` is applied with
//! [`project_data`](crmcom_netflix::project_data); dates are the core's [`Date`](crmcom_netflix::Date).
//!
//! # What it models
//!
//! - `authentication/token`: users (one by default: [`USERNAME`], [`PASSWORD`],
//!   [`ORGANISATION`]); `authentication/web_api_key/token`: Web API keys ([`API_KEY`] by default)
//!   read from the `Authorization: Basic` header. Each login issues a JWT whose `iat` and `exp`
//!   claims are strings of epoch seconds, two hours apart, as in the documentation. A token is
//!   refused with `TOKEN_EXPIRED` from `exp` on, and with `INVALID_TOKEN` once released by
//!   `authentication/token/release`.
//! - `promotions/list`: the promotions added with [`Sim::add_promotion`] that have not expired.
//! - `subscriptions/create`: one subscription per customer at a time (unless cancelled); an
//!   optional promotion must exist and be in effect. The response carries `netflix_token` and
//!   `expires_on`, `validity_duration` seconds later ([`DEFAULT_VALIDITY_DURATION`] when absent).
//!   [`Sim::complete_sign_up`] plays the customer finishing the Netflix sign-up with that token.
//! - `subscriptions/show`: by `billing_system_customer_identifier`, by
//!   `netflix_customer_identifier` (from R14.1.0), or by both (the subscriptions matching both);
//!   always an array, with the documented `netflix_sate` spelling, the promotion redeemed in the
//!   last ten months and the prices set with [`Sim::set_prices`]. `netflix_sate` is `EFFECTIVE`
//!   once signed up and while neither suspended nor cancelled; `life_cycle_state` is `CANCELLED`,
//!   `NOT_EFFECTIVE` while suspended, `EFFECTIVE` otherwise.
//! - `subscriptions/suspend` and `unsuspend`: flip the suspension of the customer's subscription.
//! - `charges/list`: the charges not yet acknowledged, oldest `received_on` first (ties in the
//!   order added), filtered by `charge_status` (`NOT_PROCESSED`: `PENDING`; `PROCESSED`: every
//!   other status, unknown ones included; before R14.1.0, with no filter, the processed ones),
//!   then `offset` and `number_of_results`. Amounts go out as single-precision floats widened to
//!   double, as in the documentation ([`Sim::set_single_precision_amounts`]);
//!   `local_currency_amount` and `local_currency` from R14.1.0, when the charge has them.
//! - `charges/acknowledge`: marks processed charges acknowledged; they leave later lists.
//!   `data` is `{"failed_charges_set": [...]}` (empty on full success).
//! - `charges/accept` and `charges/decline` (R14.1.0): turn `PENDING` charges `APPROVED` or
//!   `DECLINED`. `data` is `{}` on full success, as in the documentation's example.
//! - Reference numbers are unique per operator across acknowledge, accept and decline.
//!
//! The choices where the reference is silent are the simulator's, listed above and in
//! [`codes`], which holds every error code.
//!
//! # Fault knobs
//!
//! [`Sim::fail_acknowledgement`], [`Sim::fail_acknowledgements_at_rate`] (refuse chosen or random
//! acknowledgements), [`Sim::schedule_charge`] (a charge arrives before a given request),
//! [`Sim::reorder_next_page`] and [`Sim::shift_next_page`] (a page out of order),
//! [`Sim::expire_token`] and [`Sim::expire_all_tokens`], and [`Sim::fail_next_requests`].
//!
//! # Serving over HTTP
//!
//! What an HTTP shell (the mock server, `crates/crmcom-netflix-mock`) needs, still without I/O:
//!
//! - [`Sim::exchange`] answers an HTTP request with the status, headers, body and delivery of
//!   the answer ([`Exchange`]), applying the fault rules added with [`Sim::add_fault`]: per
//!   method, counted or drawn from a seeded generator ([`FaultRule`], [`FaultKind`]: HTTP
//!   statuses, API errors, latency, resets, truncated or malformed bodies, failed charges, pages
//!   shifted or reordered, a charge slipped in front of the cursor, an answer dropped after the
//!   request was applied).
//! - Time passes through the `now` of each call: [`Sim::schedule_processing`] makes a pending
//!   charge turn approved (or declined) at a given time, [`Sim::advance`] and every request
//!   process what is due, [`Sim::process_pending`] processes on demand.
//! - Data: [`Sim::populate`] generates an operator's customers and charges ([`Population`]),
//!   [`Sim::load_fixtures`] loads [`Fixtures`] read strictly from JSON.
//! - [`Sim::state`] and [`Sim::from_state`]: the whole data as a serde value ([`SimState`]),
//!   and [`Sim::changes`], which moves whenever it changes, so that a shell saves it when needed.
//!
//! ```
//! use crmcom_netflix::{decode, prepare, ChargeStatusFilter, ListCharges, LoginRequest, Release};
//! use crmcom_netflix_sim::{epoch_seconds, ChargeSpec, Sim};
//!
//! let now = epoch_seconds("2024-03-01T02:00:00").unwrap();
//! let mut sim = Sim::new(Release::LATEST);
//! sim.add_charge(ChargeSpec::approved("pci1", "5.99", "USD"), now - 3600);
//!
//! let login = prepare(&Sim::login_request(), None, Release::LATEST).unwrap();
//! let token = decode::<LoginRequest>(&sim.handle(&login, now), None).unwrap().token;
//!
//! let list = ListCharges::new(Some(ChargeStatusFilter::Processed));
//! let request = prepare(&list, Some(&token), Release::LATEST).unwrap();
//! let page = decode::<ListCharges>(&sim.handle(&request, now), None).unwrap();
//! assert_eq!(page.charges()[0].amount.to_string(), "5.99");
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod catalogue;
pub mod codes;
mod faults;
mod fixtures;
mod ledger;
mod population;
mod state;
mod wire;

use std::collections::{BTreeMap, HashMap};

use crmcom_netflix::{prepare_value, Method, PreparedRequest, Release, Verb};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub use auth::{ApiKey, User};
pub use catalogue::{PromotionSpec, SubscriptionRecord};
pub use faults::{Delivery, Exchange, FaultKind, FaultRule, FaultRuleStatus, HttpRequest};
pub use fixtures::{ChargeFixture, Fixtures, FixturesError, PromotionFixture, SubscriptionFixture};
pub use ledger::{ChargeSpec, LedgerCharge};
pub use population::Population;
pub use state::{SimState, StateError, SIM_STATE_FORMAT};

/// The default user's name.
pub const USERNAME: &str = "billing";
/// The default user's password.
pub const PASSWORD: &str = "secret";
/// The default user's organisation.
pub const ORGANISATION: &str = "NETFLIXOP";
/// The default Web API key (of [`ORGANISATION`]), for `authentication/web_api_key/token`.
pub const API_KEY: &str = "3F2504E04F8911D39A0C0305E82C3301";
/// A login token's lifetime: two hours from issue, used or not (R12.0.0 onwards).
pub const TOKEN_LIFETIME_SECONDS: i64 = 7200;
/// The Netflix token's lifetime when `validity_duration` is absent (undocumented; the maximum).
pub const DEFAULT_VALIDITY_DURATION: u32 = 86_400;

/// Epoch seconds of a date written `yyyy-MM-ddTHH:mm:ss` (read as UTC), with the core's parser.
///
/// ```
/// assert_eq!(crmcom_netflix_sim::epoch_seconds("1970-01-02T00:00:00"), Some(86_400));
/// ```
pub fn epoch_seconds(date: &str) -> Option<i64> {
    crmcom_netflix::Date::parse(date).map(|d| d.0.and_utc().timestamp())
}

/// The API date (`yyyy-MM-ddTHH:mm:ss`, UTC) of epoch seconds: the inverse of [`epoch_seconds`].
///
/// ```
/// assert_eq!(crmcom_netflix_sim::date_text(86_400), "1970-01-02T00:00:00");
/// ```
pub fn date_text(epoch: i64) -> String {
    wire::date(epoch).to_string()
}

/// Counters of what the simulator was asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SimStats {
    /// Requests handled.
    pub requests: u64,
    /// Requests per method path (unknown paths under their own name).
    pub by_method: BTreeMap<String, u64>,
    /// Requests refused with `INVALID_REQUEST`.
    pub invalid_requests: u64,
    /// Requests answered with an error envelope of any code.
    pub errors: u64,
    /// Entries of `failed_charges_set` sent, per `error_code`.
    pub charge_refusals: BTreeMap<String, u64>,
    /// Faults of the fault rules ([`Sim::add_fault`]) that fired, per kind.
    pub faults: BTreeMap<String, u64>,
}

/// Why a request was refused: a stable code (see [`codes`]) and a sentence.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub(crate) code: &'static str,
    pub(crate) description: String,
}

impl Refusal {
    pub(crate) fn new(code: &'static str, description: impl Into<String>) -> Refusal {
        Refusal {
            code,
            description: description.into(),
        }
    }
}

/// The query value type a GET parameter has in the core's request schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Number,
    Boolean,
    Text,
}

#[derive(Debug, Default)]
struct Faults {
    /// Charge number to the count of acknowledgement attempts still to refuse.
    acknowledgement_failures: HashMap<String, u32>,
    /// Refuse each acknowledgement item with this chance (per mille), from this generator.
    acknowledgement_failure_rate: Option<(u32, wire::SplitMix64)>,
    /// Charges that arrive just before the request with this index (1 = the first request).
    scheduled: BTreeMap<u64, Vec<ChargeSpec>>,
    reorder_next_page: bool,
    shift_next_page: Option<i64>,
    unavailable: u32,
    /// Error codes for the next items of this request's set that would otherwise succeed.
    failing_items: Vec<String>,
}

/// The simulated CRM.COM side. See the [crate documentation](crate).
#[derive(Debug)]
pub struct Sim {
    release: Release,
    users: Vec<User>,
    api_keys: Vec<ApiKey>,
    tokens: HashMap<String, auth::Issued>,
    issued: u64,
    promotions: Vec<PromotionSpec>,
    prices: Vec<Value>,
    subscriptions: Vec<SubscriptionRecord>,
    ledger: ledger::Ledger,
    references: HashMap<String, String>,
    faults: Faults,
    stats: SimStats,
    single_precision_amounts: bool,
    query_kinds: HashMap<Method, HashMap<String, Kind>>,
    rules: faults::FaultPlan,
    changes: u64,
}

impl Sim {
    /// A simulator of a server running `release`, with the default user and nothing else.
    pub fn new(release: Release) -> Sim {
        let query_kinds = Method::ALL
            .into_iter()
            .filter(|m| m.verb() == Verb::Get)
            .map(|m| (m, kinds_of(&m.request_schema())))
            .collect();
        Sim {
            release,
            users: vec![User::new(USERNAME, PASSWORD, ORGANISATION)],
            api_keys: vec![ApiKey::new(API_KEY, ORGANISATION)],
            tokens: HashMap::new(),
            issued: 0,
            promotions: Vec::new(),
            prices: vec![serde_json::json!({"FormattedPrice": "$9.99"})],
            subscriptions: Vec::new(),
            ledger: ledger::Ledger::default(),
            references: HashMap::new(),
            faults: Faults::default(),
            stats: SimStats::default(),
            single_precision_amounts: true,
            query_kinds,
            rules: faults::FaultPlan::default(),
            changes: 0,
        }
    }

    /// A count that moves whenever the simulated server's data changes (a login, an
    /// acknowledgement, a charge added or processed, ...), so that a shell saving the state
    /// knows when it must. Reading calls leave it as it was.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    pub(crate) fn changed(&mut self) {
        self.changes += 1;
    }

    /// The release the simulated server runs.
    pub fn release(&self) -> Release {
        self.release
    }

    /// The login parameters of the default user.
    pub fn login_request() -> crmcom_netflix::LoginRequest {
        crmcom_netflix::LoginRequest {
            username: USERNAME.to_owned(),
            password: crmcom_netflix::Secret::new(PASSWORD),
            organisation: ORGANISATION.to_owned(),
            unit: None,
        }
    }

    /// The login parameters of the default Web API key.
    pub fn api_key_login_request() -> crmcom_netflix::WebApiKeyLogin {
        crmcom_netflix::WebApiKeyLogin::new(crmcom_netflix::Secret::new(API_KEY))
    }

    /// Adds a user who can log in.
    pub fn add_user(&mut self, user: User) {
        self.users.push(user);
        self.changed();
    }

    /// Replaces the users who can log in (the default user included).
    pub fn set_users(&mut self, users: Vec<User>) {
        self.users = users;
        self.changed();
    }

    /// The users who can log in.
    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// Sets the `prices_set` that `subscriptions/show` returns for every subscription.
    pub fn set_prices(&mut self, prices: Vec<Value>) {
        self.prices = prices;
        self.changed();
    }

    /// The `prices_set` of every subscription.
    pub fn prices(&self) -> &[Value] {
        &self.prices
    }

    /// Whether amounts go out as single-precision floats widened to double (the default, as in
    /// the documentation) or as the shortest double of the exact amount.
    pub fn set_single_precision_amounts(&mut self, on: bool) {
        self.single_precision_amounts = on;
    }

    /// What the simulator was asked so far.
    pub fn stats(&self) -> &SimStats {
        &self.stats
    }

    /// Handles a prepared request at `now` (epoch seconds) and returns the response body.
    pub fn handle(&mut self, request: &PreparedRequest, now: i64) -> Vec<u8> {
        let input = match request.verb {
            Verb::Get => Input::Query(&request.query),
            Verb::Post => Input::Body(request.body.clone()),
        };
        self.serve(
            request.verb.as_str(),
            request.path,
            &request.headers,
            input,
            now,
        )
    }

    /// Handles a request given as HTTP parts: verb, path relative to `.../crmapi/rest/v2/`,
    /// decoded query pairs (GET) and body bytes (POST), without headers (see
    /// [`Sim::handle_http_with_headers`]).
    pub fn handle_http(
        &mut self,
        verb: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&[u8]>,
        now: i64,
    ) -> Vec<u8> {
        self.handle_http_with_headers(verb, path, &[], query, body, now)
    }

    /// [`Sim::handle_http`] with the request's headers (name, value): the `Authorization` header
    /// carries the key of `authentication/web_api_key/token`; other headers are ignored.
    pub fn handle_http_with_headers(
        &mut self,
        verb: &str,
        path: &str,
        headers: &[(String, String)],
        query: &[(String, String)],
        body: Option<&[u8]>,
        now: i64,
    ) -> Vec<u8> {
        let input = if verb.eq_ignore_ascii_case("POST") {
            match body.map(serde_json::from_slice::<Value>) {
                Some(Ok(v)) => Input::Body(Some(v)),
                Some(Err(e)) => Input::BadBody(format!("the body is not JSON: {e}")),
                None => Input::Body(None),
            }
        } else {
            Input::Query(query)
        };
        self.serve(verb, path, headers, input, now)
    }

    fn serve(
        &mut self,
        verb: &str,
        path: &str,
        headers: &[(String, String)],
        input: Input<'_>,
        now: i64,
    ) -> Vec<u8> {
        self.serve_coded(verb, path, headers, input, now).0
    }

    /// Serves a request; returns the body and the refusal's code, if it was refused.
    pub(crate) fn serve_coded(
        &mut self,
        verb: &str,
        path: &str,
        headers: &[(String, String)],
        input: Input<'_>,
        now: i64,
    ) -> (Vec<u8>, Option<&'static str>) {
        self.advance(now);
        self.stats.requests += 1;
        if let Some(arrivals) = self.faults.scheduled.remove(&self.stats.requests) {
            for spec in arrivals {
                self.add_charge(spec, now);
            }
        }
        if verb.eq_ignore_ascii_case("POST") {
            // Every POST may act (a login issues a token, a refused item still counts an
            // attempt): the shell saves after each.
            self.changed();
        }
        let result = self.answer(verb, path, headers, input, now);
        self.faults.failing_items.clear();
        match result {
            Ok(data) => (wire::ok(data), None),
            Err(refusal) => {
                self.stats.errors += 1;
                if refusal.code == codes::INVALID_REQUEST {
                    self.stats.invalid_requests += 1;
                }
                (
                    wire::error(refusal.code, refusal.description),
                    Some(refusal.code),
                )
            }
        }
    }

    fn answer(
        &mut self,
        verb: &str,
        path: &str,
        headers: &[(String, String)],
        input: Input<'_>,
        now: i64,
    ) -> Result<Value, Refusal> {
        let name = path.trim_start_matches('/');
        *self.stats.by_method.entry(name.to_owned()).or_insert(0) += 1;
        if self.faults.unavailable > 0 {
            self.faults.unavailable -= 1;
            return Err(Refusal::new(
                codes::SERVICE_UNAVAILABLE,
                "The service is temporarily unavailable",
            ));
        }
        let method = Method::from_name(name).ok_or_else(|| {
            Refusal::new(codes::UNKNOWN_METHOD, format!("Unknown method `{name}`"))
        })?;
        if !method.verb().as_str().eq_ignore_ascii_case(verb) {
            return Err(Refusal::new(
                codes::METHOD_NOT_ALLOWED,
                format!("{name} takes {}, not {verb}", method.verb()),
            ));
        }
        let (token, mut params) = match input {
            Input::Query(pairs) => self.params_from_query(method, pairs)?,
            Input::Body(body) => params_from_body(body)?,
            Input::BadBody(message) => return Err(Refusal::new(codes::INVALID_REQUEST, message)),
        };
        if let Some(name) = method.authorization_parameter() {
            authorization_into_params(name, headers, &mut params)?;
        }
        if let Err(e) = prepare_value(method, &params, token.as_deref(), self.release) {
            let listed: Vec<String> = e.violations().iter().map(ToString::to_string).collect();
            let description = if listed.is_empty() {
                e.to_string()
            } else {
                listed.join("; ")
            };
            return Err(Refusal::new(codes::INVALID_REQUEST, description));
        }
        let token = token.unwrap_or_default();
        if method.takes_token() {
            self.authorize(&token, now)?;
        }
        match method {
            Method::AuthenticationToken => self.login(typed(params)?, now),
            Method::AuthenticationTokenRelease => self.release_token(&token),
            Method::AuthenticationWebApiKeyToken => self.login_with_api_key(typed(params)?, now),
            Method::PromotionsList => self.list_promotions(typed(params)?, now),
            Method::SubscriptionsShow => self.show_subscriptions(typed(params)?, now),
            Method::SubscriptionsCreate => {
                self.create_subscription(typed(params.clone())?, params, now)
            }
            Method::SubscriptionsSuspend => {
                let r: crmcom_netflix::SuspendSubscription = typed(params)?;
                self.set_suspended(&r.billing_system_customer_identifier, true)
            }
            Method::SubscriptionsUnsuspend => {
                let r: crmcom_netflix::UnsuspendSubscription = typed(params)?;
                self.set_suspended(&r.billing_system_customer_identifier, false)
            }
            Method::ChargesList => self.list_charges(typed(params)?),
            Method::ChargesAcknowledge => self.acknowledge(typed(params)?, now),
            Method::ChargesAccept => {
                let r: crmcom_netflix::AcceptCharges = typed(params)?;
                self.settle(r.accepted_charges_set, true, now)
            }
            Method::ChargesDecline => {
                let r: crmcom_netflix::DeclineCharges = typed(params)?;
                self.settle(r.declined_charges_set, false, now)
            }
        }
    }

    /// GET parameters as the JSON the core checks: each value typed as the core's request schema
    /// declares it (`offset=5` is the integer 5; `fields_set` stays comma-separated).
    fn params_from_query(
        &self,
        method: Method,
        pairs: &[(String, String)],
    ) -> Result<(Option<String>, Value), Refusal> {
        let kinds = self.query_kinds.get(&method);
        let mut token = None;
        let mut params = Map::new();
        for (key, text) in pairs {
            if key == "token" {
                if token.replace(text.clone()).is_some() {
                    return Err(twice(key));
                }
                continue;
            }
            let kind = kinds
                .and_then(|k| k.get(key))
                .copied()
                .unwrap_or(Kind::Text);
            let value = match kind {
                Kind::Integer | Kind::Number => text
                    .parse::<i64>()
                    .map(Value::from)
                    .or_else(|_| text.parse::<u64>().map(Value::from))
                    .ok()
                    .or_else(|| {
                        text.parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map(Value::Number)
                    })
                    .unwrap_or_else(|| Value::String(text.clone())),
                Kind::Boolean => match text.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::String(text.clone()),
                },
                Kind::Text => Value::String(text.clone()),
            };
            if params.insert(key.clone(), value).is_some() {
                return Err(twice(key));
            }
        }
        Ok((token, Value::Object(params)))
    }
}

enum Input<'a> {
    Query(&'a [(String, String)]),
    Body(Option<Value>),
    BadBody(String),
}

fn twice(key: &str) -> Refusal {
    Refusal::new(
        codes::INVALID_REQUEST,
        format!("{key}: the parameter is given twice"),
    )
}

/// POST parameters: the body object without its `token`.
fn params_from_body(body: Option<Value>) -> Result<(Option<String>, Value), Refusal> {
    match body {
        Some(Value::Object(mut map)) => {
            let token = match map.remove("token") {
                Some(Value::String(t)) => Some(t),
                _ => None,
            };
            Ok((token, Value::Object(map)))
        }
        Some(_) => Err(Refusal::new(
            codes::INVALID_REQUEST,
            "the body is not a JSON object",
        )),
        None => Err(Refusal::new(codes::INVALID_REQUEST, "the body is missing")),
    }
}

/// Puts the key an `Authorization: Basic` header carries among the parameters, where the core's
/// rules check it. A key in the body, or a header that is not Basic with an empty password, is
/// refused; a missing header leaves the key missing, which the core reports as `required`.
fn authorization_into_params(
    name: &str,
    headers: &[(String, String)],
    params: &mut Value,
) -> Result<(), Refusal> {
    let Value::Object(map) = params else {
        return Ok(());
    };
    if map.contains_key(name) {
        return Err(Refusal::new(
            codes::INVALID_REQUEST,
            format!("{name}: the key goes in the Authorization header, not in the body"),
        ));
    }
    let Some((_, value)) = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
    else {
        return Ok(());
    };
    let key =
        crmcom_netflix::methods::authentication_web_api_key_token::api_key_from_authorization(
            value,
        )
        .ok_or_else(|| {
            Refusal::new(
                codes::INVALID_LOGIN,
                "The Authorization header is not HTTP Basic with a key and an empty password",
            )
        })?;
    map.insert(name.to_owned(), Value::String(key.expose().to_owned()));
    Ok(())
}

/// Typed parameters, once the core has accepted them.
fn typed<T: DeserializeOwned>(params: Value) -> Result<T, Refusal> {
    serde_json::from_value(params).map_err(|e| Refusal::new(codes::INVALID_REQUEST, e.to_string()))
}

/// The query value kinds of a GET method's parameters, read from the core's request schema.
fn kinds_of(schema: &Value) -> HashMap<String, Kind> {
    fn kind(schema: &Value) -> Kind {
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                if let Some(b) = branches
                    .iter()
                    .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                {
                    return kind(b);
                }
            }
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        match types.into_iter().find(|t| *t != "null") {
            Some("integer") => Kind::Integer,
            Some("number") => Kind::Number,
            Some("boolean") => Kind::Boolean,
            _ => Kind::Text,
        }
    }
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| props.iter().map(|(k, s)| (k.clone(), kind(s))).collect())
        .unwrap_or_default()
}
