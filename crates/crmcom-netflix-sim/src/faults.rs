//! Fault rules: what goes wrong between a client and the server, per method, counted or drawn
//! from a seeded generator, and the HTTP-level answer ([`Exchange`]) a shell carries out.
//!
//! The simulator decides everything here (which rule fires, what is applied, what the answer
//! is); the shell only does what the [`Exchange`] says: wait `delay_ms`, then send the answer,
//! reset the connection, close it without an answer, or cut the body short.

use crmcom_netflix::{ChargeStatus, Method, Verb};
use serde_json::{json, Map, Value};

use crate::wire::SplitMix64;
use crate::{codes, ChargeSpec, Input, Sim};

/// One fault.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// An HTTP status without doing anything: 500, 502, 503, 429 (with `Retry-After` seconds)
    /// or any other 4xx/5xx. 502 and 504 come with an HTML body, as from a proxy; the others
    /// with an error envelope.
    HttpStatus {
        /// The HTTP status, 400 to 599.
        status: u16,
        /// Seconds for a `Retry-After` header (429 and 503 get 1 when `None`).
        retry_after: Option<u32>,
    },
    /// An error envelope with this code (`TOKEN_EXPIRED`, `INVALID_TOKEN`,
    /// `SERVICE_UNAVAILABLE`, ...) and HTTP 200, without doing anything.
    ApiError {
        /// `status.message` of the envelope.
        code: String,
    },
    /// The request is applied at once and answered `ms` milliseconds later.
    Latency {
        /// The delay.
        ms: u64,
    },
    /// The connection is reset before the request is applied; no answer.
    ConnectionReset,
    /// The request is applied; the answer announces its full length and sends half of it,
    /// then the connection closes.
    TruncatedBody,
    /// The request is applied; the answer is a complete HTTP response whose body is the first
    /// half of the JSON (not JSON any more).
    MalformedBody,
    /// Acknowledge, accept or decline: up to `items` items that would succeed are refused in
    /// `failed_charges_set` with `code` (`ACKNOWLEDGEMENT_FAILED` by default).
    FailedCharge {
        /// The `error_code`.
        code: String,
        /// How many items of the request to refuse.
        items: u32,
    },
    /// `charges/list`: the page is served from `offset + by` (at least 0).
    ShiftPage {
        /// The shift; negative repeats charges, positive skips some.
        by: i64,
    },
    /// `charges/list`: the page comes in reverse order.
    ReorderPage,
    /// `charges/list`: a new charge arrives at the front of the list, in front of any cursor
    /// (received one second before the oldest charge listed), just before the page is served.
    SlipCharge,
    /// The request is applied (an acknowledgement is committed) and the connection is closed
    /// without an answer: the case that shows whether a client bills twice.
    DropResponse,
}

impl FaultKind {
    /// The kind's name in the JSON and text forms (`http_status`, `drop_response`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::HttpStatus { .. } => "http_status",
            FaultKind::ApiError { .. } => "api_error",
            FaultKind::Latency { .. } => "latency",
            FaultKind::ConnectionReset => "connection_reset",
            FaultKind::TruncatedBody => "truncated_body",
            FaultKind::MalformedBody => "malformed_body",
            FaultKind::FailedCharge { .. } => "failed_charge",
            FaultKind::ShiftPage { .. } => "shift_page",
            FaultKind::ReorderPage => "reorder_page",
            FaultKind::SlipCharge => "slip_charge",
            FaultKind::DropResponse => "drop_response",
        }
    }

    /// Every kind name.
    pub const NAMES: [&'static str; 11] = [
        "http_status",
        "api_error",
        "latency",
        "connection_reset",
        "truncated_body",
        "malformed_body",
        "failed_charge",
        "shift_page",
        "reorder_page",
        "slip_charge",
        "drop_response",
    ];

    /// Whether the fault means anything for a request of `method` (a page fault only for
    /// `charges/list`, a failed charge only for the three set methods). A rule for any method
    /// skips the requests its fault cannot touch, so that it does not spend its count on them.
    pub fn applies_to(&self, method: Method) -> bool {
        match self {
            FaultKind::FailedCharge { .. } => matches!(
                method,
                Method::ChargesAcknowledge | Method::ChargesAccept | Method::ChargesDecline
            ),
            FaultKind::ShiftPage { .. } | FaultKind::ReorderPage | FaultKind::SlipCharge => {
                method == Method::ChargesList
            }
            _ => true,
        }
    }

    fn parameters(&self) -> Map<String, Value> {
        let mut m = Map::new();
        match self {
            FaultKind::HttpStatus {
                status,
                retry_after,
            } => {
                m.insert("status".into(), json!(status));
                if let Some(r) = retry_after {
                    m.insert("retry_after".into(), json!(r));
                }
            }
            FaultKind::ApiError { code } => {
                m.insert("code".into(), json!(code));
            }
            FaultKind::Latency { ms } => {
                m.insert("ms".into(), json!(ms));
            }
            FaultKind::FailedCharge { code, items } => {
                m.insert("code".into(), json!(code));
                m.insert("items".into(), json!(items));
            }
            FaultKind::ShiftPage { by } => {
                m.insert("by".into(), json!(by));
            }
            _ => {}
        }
        m
    }
}

/// When a fault fires: for which method, after how many of its requests, how often.
///
/// JSON form (the admin API and fixture files): `{"method": "netflix/charges/acknowledge",
/// "fault": "drop_response", "after": 2, "count": 1}`, with the fault's own parameters beside
/// (`"status": 503`, `"retry_after": 2`, `"code": "TOKEN_EXPIRED"`, `"ms": 200`, `"items": 1`,
/// `"by": -3`). Text form (the command line): `METHOD:FAULT[:key=value,...]`, as in
/// `netflix/charges/acknowledge:drop_response:after=2,count=1` or `*:http_status:status=503,rate=0.1,seed=7`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// A method name, or `None` for every method (`"*"`).
    pub method: Option<Method>,
    /// What happens.
    pub kind: FaultKind,
    /// Matching requests let through before the rule may fire.
    pub after: u64,
    /// How many times it fires at most; `None` is without limit (only with a `rate`).
    pub count: Option<u64>,
    /// The chance (0 to 1) that it fires on each matching request; `None` is every time.
    pub rate: Option<f64>,
    /// The seed of the rule's generator for `rate`.
    pub seed: u64,
}

/// A rule with its counters, as [`Sim::fault_rules`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRuleStatus {
    /// The rule.
    pub rule: FaultRule,
    /// Matching requests seen.
    pub seen: u64,
    /// Times fired.
    pub fired: u64,
}

impl FaultRuleStatus {
    /// The rule's JSON form with `seen` and `fired`.
    pub fn to_json(&self) -> Value {
        let mut v = self.rule.to_json();
        if let Value::Object(m) = &mut v {
            m.insert("seen".into(), json!(self.seen));
            m.insert("fired".into(), json!(self.fired));
        }
        v
    }
}

fn bad(path: &str, message: impl std::fmt::Display) -> String {
    format!("{path}: {message}")
}

impl FaultRule {
    /// A rule that fires once on the next request of `method`.
    pub fn once(method: Method, kind: FaultKind) -> FaultRule {
        FaultRule {
            method: Some(method),
            kind,
            after: 0,
            count: Some(1),
            rate: None,
            seed: 0,
        }
    }

    /// The JSON form.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert(
            "method".into(),
            json!(self.method.map_or("*", Method::name)),
        );
        m.insert("fault".into(), json!(self.kind.name()));
        m.extend(self.kind.parameters());
        m.insert("after".into(), json!(self.after));
        m.insert("count".into(), json!(self.count));
        m.insert("rate".into(), json!(self.rate));
        m.insert("seed".into(), json!(self.seed));
        Value::Object(m)
    }

    /// Reads the JSON form; an error names the offending key under `path` (`faults[2].status`).
    pub fn from_json(value: &Value, path: &str) -> Result<FaultRule, String> {
        let Value::Object(map) = value else {
            return Err(bad(path, "a fault rule is a JSON object"));
        };
        let at = |key: &str| format!("{path}.{key}");
        let text = |key: &str| -> Result<Option<String>, String> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(&at(key), "expected a string")),
            }
        };
        let unsigned = |key: &str| -> Result<Option<u64>, String> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| bad(&at(key), "expected a whole number of 0 or more")),
            }
        };
        let method = match text("method")?.as_deref() {
            None | Some("*") => None,
            Some(name) => Some(Method::from_name(name).ok_or_else(|| {
                bad(
                    &at("method"),
                    format!(
                        "unknown method `{name}`; use `*` or one of: {}",
                        Method::ALL.map(Method::name).join(", ")
                    ),
                )
            })?),
        };
        let name = text("fault")?.ok_or_else(|| {
            bad(
                &at("fault"),
                format!("required; one of {}", FaultKind::NAMES.join(", ")),
            )
        })?;
        let mut allowed = vec!["method", "fault", "after", "count", "rate", "seed"];
        let kind = match name.as_str() {
            "http_status" => {
                allowed.extend(["status", "retry_after"]);
                let status = unsigned("status")?
                    .ok_or_else(|| bad(&at("status"), "required (400 to 599)"))?;
                if !(400..=599).contains(&status) {
                    return Err(bad(&at("status"), "an error status, 400 to 599"));
                }
                let retry_after = unsigned("retry_after")?
                    .map(|r| u32::try_from(r).map_err(|_| bad(&at("retry_after"), "too large")))
                    .transpose()?;
                FaultKind::HttpStatus {
                    status: status as u16,
                    retry_after,
                }
            }
            "api_error" => {
                allowed.push("code");
                let code = text("code")?
                    .filter(|c| !c.trim().is_empty())
                    .ok_or_else(|| {
                        bad(
                            &at("code"),
                            "required, such as TOKEN_EXPIRED, INVALID_TOKEN or SERVICE_UNAVAILABLE",
                        )
                    })?;
                FaultKind::ApiError { code }
            }
            "latency" => {
                allowed.push("ms");
                let ms = unsigned("ms")?.ok_or_else(|| bad(&at("ms"), "required"))?;
                if ms > 600_000 {
                    return Err(bad(&at("ms"), "at most 600000 (ten minutes)"));
                }
                FaultKind::Latency { ms }
            }
            "connection_reset" => FaultKind::ConnectionReset,
            "truncated_body" => FaultKind::TruncatedBody,
            "malformed_body" => FaultKind::MalformedBody,
            "failed_charge" => {
                allowed.extend(["code", "items"]);
                let code = text("code")?
                    .filter(|c| !c.trim().is_empty())
                    .unwrap_or_else(|| codes::ACKNOWLEDGEMENT_FAILED.to_owned());
                let items = unsigned("items")?.unwrap_or(1);
                if !(1..=50).contains(&items) {
                    return Err(bad(&at("items"), "1 to 50"));
                }
                FaultKind::FailedCharge {
                    code,
                    items: items as u32,
                }
            }
            "shift_page" => {
                allowed.push("by");
                let by = match map.get("by") {
                    Some(v) => v
                        .as_i64()
                        .ok_or_else(|| bad(&at("by"), "expected a whole number"))?,
                    None => return Err(bad(&at("by"), "required")),
                };
                FaultKind::ShiftPage { by }
            }
            "reorder_page" => FaultKind::ReorderPage,
            "slip_charge" => FaultKind::SlipCharge,
            "drop_response" => FaultKind::DropResponse,
            other => {
                return Err(bad(
                    &at("fault"),
                    format!(
                        "unknown fault `{other}`; one of {}",
                        FaultKind::NAMES.join(", ")
                    ),
                ))
            }
        };
        if let Some(key) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(bad(
                &at(key),
                format!(
                    "unknown key for a `{name}` rule; its keys are {}",
                    allowed.join(", ")
                ),
            ));
        }
        if let Some(m) = method {
            if !kind.applies_to(m) {
                return Err(bad(
                    &at("method"),
                    format!("a `{name}` fault does not apply to {}", m.name()),
                ));
            }
        }
        let rate = match map.get("rate") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let r = v
                    .as_f64()
                    .ok_or_else(|| bad(&at("rate"), "expected a number from 0 to 1"))?;
                if !(0.0..=1.0).contains(&r) {
                    return Err(bad(&at("rate"), "a chance from 0 to 1"));
                }
                Some(r)
            }
        };
        let count = unsigned("count")?;
        Ok(FaultRule {
            method,
            kind,
            after: unsigned("after")?.unwrap_or(0),
            // Without a rate, a rule fires once unless told otherwise.
            count: count.or(if rate.is_none() { Some(1) } else { None }),
            rate,
            seed: unsigned("seed")?.unwrap_or(0),
        })
    }

    /// Reads the text form `METHOD:FAULT[:key=value,...]` (`*` for every method).
    ///
    /// ```
    /// use crmcom_netflix_sim::{FaultKind, FaultRule};
    /// let rule = FaultRule::parse("netflix/charges/acknowledge:drop_response:after=2").unwrap();
    /// assert_eq!(rule.kind, FaultKind::DropResponse);
    /// assert_eq!((rule.after, rule.count), (2, Some(1)));
    /// let rule = FaultRule::parse("*:http_status:status=429,retry_after=2,rate=0.5,seed=9").unwrap();
    /// assert_eq!(rule.rate, Some(0.5));
    /// ```
    pub fn parse(text: &str) -> Result<FaultRule, String> {
        let mut parts = text.splitn(3, ':');
        let method = parts.next().unwrap_or_default().trim();
        let fault = parts.next().map(str::trim).unwrap_or_default();
        if method.is_empty() || fault.is_empty() {
            return Err(format!(
                "`{text}`: a fault is METHOD:FAULT[:key=value,...], such as \
                 netflix/charges/list:http_status:status=503,count=2"
            ));
        }
        let mut map = Map::new();
        map.insert("method".into(), json!(method));
        map.insert("fault".into(), json!(fault));
        for pair in parts
            .next()
            .unwrap_or_default()
            .split(',')
            .filter(|p| !p.trim().is_empty())
        {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{text}`: `{pair}` is not key=value"))?;
            let value = value.trim();
            let parsed = if let Ok(i) = value.parse::<i64>() {
                json!(i)
            } else if let Ok(f) = value.parse::<f64>() {
                json!(f)
            } else {
                json!(value)
            };
            map.insert(key.trim().to_owned(), parsed);
        }
        FaultRule::from_json(&Value::Object(map), "fault").map_err(|e| format!("`{text}`: {e}"))
    }
}

#[derive(Debug, Clone)]
struct ActiveRule {
    rule: FaultRule,
    seen: u64,
    fired: u64,
    rng: SplitMix64,
}

/// The rules in force, in order. Every rule for a request's method counts it (so `after` counts
/// the method's requests); the first rule that fires takes it, and the rules after that one do
/// not fire on it (nor draw from their generator).
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultPlan {
    rules: Vec<ActiveRule>,
}

impl FaultPlan {
    fn pick(&mut self, method: Method) -> Option<FaultKind> {
        let mut picked = None;
        for r in &mut self.rules {
            if r.rule.method.is_some_and(|m| m != method) || !r.rule.kind.applies_to(method) {
                continue;
            }
            r.seen += 1;
            if picked.is_some()
                || r.seen <= r.rule.after
                || r.rule.count.is_some_and(|c| r.fired >= c)
            {
                continue;
            }
            if let Some(rate) = r.rule.rate {
                // A draw in [0, 1) with 53 bits, compared with the chance.
                let draw = (r.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                if draw >= rate {
                    continue;
                }
            }
            r.fired += 1;
            picked = Some(r.rule.kind.clone());
        }
        picked
    }
}

/// A request as HTTP parts, for [`Sim::exchange`].
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// `GET`, `POST`, or anything else a client sent.
    pub verb: &'a str,
    /// The method path relative to `.../crmapi/rest/v2/`.
    pub path: &'a str,
    /// Decoded query pairs.
    pub query: &'a [(String, String)],
    /// The body, if any.
    pub body: Option<&'a [u8]>,
    /// The request headers (names in any case).
    pub headers: &'a [(String, String)],
}

/// How the shell delivers an [`Exchange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Send the answer.
    Complete,
    /// Reset the connection (TCP RST) without answering.
    Reset,
    /// Close the connection without answering.
    Drop,
    /// Send the status, the headers (with the full `Content-Length`) and the first half of the
    /// body, then close the connection.
    Truncate,
}

/// The answer to an HTTP request: what to send and how.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The HTTP status.
    pub status: u16,
    /// Response headers beside `Content-Length` (`Content-Type`, `Retry-After`, `Allow`).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How to deliver it.
    pub delivery: Delivery,
    /// Milliseconds to wait before delivering.
    pub delay_ms: u64,
    /// The fault that fired, if any.
    pub fault: Option<FaultKind>,
    /// The method, when the path names one.
    pub method: Option<Method>,
    /// The envelope's error code (`status.message`) when the answer is an API error.
    pub error_code: Option<String>,
    /// Whether the server's data changed ([`Sim::changes`] moved): the shell saves its state.
    pub changed: bool,
}

const JSON: &str = "application/json";

impl Sim {
    /// Adds a fault rule after the ones in force.
    pub fn add_fault(&mut self, rule: FaultRule) {
        let rng = SplitMix64(rule.seed ^ 0x4641_554C_5453);
        self.rules.rules.push(ActiveRule {
            rule,
            seen: 0,
            fired: 0,
            rng,
        });
    }

    /// Removes every fault rule.
    pub fn clear_fault_rules(&mut self) {
        self.rules.rules.clear();
    }

    /// The fault rules in force, with their counters.
    pub fn fault_rules(&self) -> Vec<FaultRuleStatus> {
        self.rules
            .rules
            .iter()
            .map(|r| FaultRuleStatus {
                rule: r.rule.clone(),
                seen: r.seen,
                fired: r.fired,
            })
            .collect()
    }

    /// Answers an HTTP request at `now` (epoch seconds), with the fault rules applied: the
    /// status, headers and body to send, and how ([`Exchange`]). Envelopes go out with HTTP
    /// 200, errors included, as the API documents; an unknown method gets 404 and a known
    /// method asked with the wrong verb 405 (with `Allow`).
    pub fn exchange(&mut self, request: HttpRequest<'_>, now: i64) -> Exchange {
        let before = self.changes;
        let method = Method::from_name(request.path.trim_start_matches('/'));
        let fault = method.and_then(|m| self.rules.pick(m));
        if let Some(f) = &fault {
            *self.stats.faults.entry(f.name().to_owned()).or_insert(0) += 1;
        }
        let mut out = Exchange {
            status: 200,
            headers: vec![("Content-Type".into(), JSON.into())],
            body: Vec::new(),
            delivery: Delivery::Complete,
            delay_ms: 0,
            fault: fault.clone(),
            method,
            error_code: None,
            changed: false,
        };
        // Faults that answer without the request reaching the application.
        match &fault {
            Some(FaultKind::HttpStatus {
                status,
                retry_after,
            }) => {
                out.status = *status;
                let retry = retry_after.or(matches!(status, 429 | 503).then_some(1));
                if let Some(r) = retry {
                    out.headers.push(("Retry-After".into(), r.to_string()));
                }
                if matches!(status, 502 | 504) {
                    out.headers[0].1 = "text/html".into();
                    out.body = format!(
                        "<html><body><h1>{status} {}</h1></body></html>",
                        if *status == 502 {
                            "Bad Gateway"
                        } else {
                            "Gateway Timeout"
                        }
                    )
                    .into_bytes();
                } else {
                    let (code, text) = match status {
                        429 => ("TOO_MANY_REQUESTS", "Too many requests; slow down"),
                        503 => (
                            codes::SERVICE_UNAVAILABLE,
                            "The service is temporarily unavailable",
                        ),
                        _ => ("INTERNAL_ERROR", "The server failed to answer"),
                    };
                    out.body = crate::wire::error(code, text);
                    out.error_code = Some(code.to_owned());
                }
                return out;
            }
            Some(FaultKind::ApiError { code }) => {
                let text = match code.as_str() {
                    codes::TOKEN_EXPIRED => "The token has expired; log in again",
                    codes::INVALID_TOKEN => "The token is not valid; log in again",
                    codes::SERVICE_UNAVAILABLE => "The service is temporarily unavailable",
                    _ => "The request failed",
                };
                out.body = crate::wire::error(code, text);
                out.error_code = Some(code.clone());
                return out;
            }
            Some(FaultKind::ConnectionReset) => {
                out.delivery = Delivery::Reset;
                return out;
            }
            Some(FaultKind::FailedCharge { code, items }) => {
                self.faults.failing_items = vec![code.clone(); *items as usize];
            }
            Some(FaultKind::ShiftPage { by }) => self.shift_next_page(*by),
            Some(FaultKind::ReorderPage) => self.reorder_next_page(),
            Some(FaultKind::SlipCharge) => self.slip_charge(request.query, now),
            _ => {}
        }
        let post = request.verb.eq_ignore_ascii_case("POST");
        let input = if post {
            match request.body.map(serde_json::from_slice::<Value>) {
                Some(Ok(v)) => Input::Body(Some(v)),
                Some(Err(e)) => Input::BadBody(format!("the body is not JSON: {e}")),
                None => Input::Body(None),
            }
        } else {
            Input::Query(request.query)
        };
        let (body, refusal) =
            self.serve_coded(request.verb, request.path, request.headers, input, now);
        out.body = body;
        out.error_code = refusal.map(str::to_owned);
        match refusal {
            Some(codes::UNKNOWN_METHOD) => out.status = 404,
            Some(codes::METHOD_NOT_ALLOWED) => {
                out.status = 405;
                let allow = method.map_or(Verb::Get, Method::verb);
                out.headers.push(("Allow".into(), allow.as_str().into()));
            }
            _ => {}
        }
        match &fault {
            Some(FaultKind::Latency { ms }) => out.delay_ms = *ms,
            Some(FaultKind::TruncatedBody) => out.delivery = Delivery::Truncate,
            Some(FaultKind::MalformedBody) => {
                let half = out.body.len() / 2;
                out.body.truncate(half);
            }
            Some(FaultKind::DropResponse) => out.delivery = Delivery::Drop,
            _ => {}
        }
        out.changed = self.changes != before;
        out
    }

    /// A charge arrives in front of the list: received one second before the oldest charge of
    /// the list the request asks for (pending for `NOT_PROCESSED`, approved otherwise).
    fn slip_charge(&mut self, query: &[(String, String)], now: i64) {
        let pending = query
            .iter()
            .any(|(k, v)| k == "charge_status" && v == "NOT_PROCESSED");
        let status = if pending {
            ChargeStatus::Pending
        } else {
            ChargeStatus::Approved
        };
        let front = self
            .ledger
            .open
            .iter()
            .filter_map(|k| self.ledger.by_order.get(k))
            .find(|c| (c.status == ChargeStatus::Pending) == pending)
            .map(|c| {
                (
                    c.received_on,
                    c.billing_system_customer_identifier.clone(),
                    c.amount,
                    c.currency.clone(),
                )
            });
        let spec = match front {
            Some((received_on, customer, amount, currency)) => {
                ChargeSpec::new(&customer, amount, &currency, status).received_at(received_on - 1)
            }
            None => ChargeSpec::new("slipped", rust_decimal::Decimal::new(599, 2), "USD", status)
                .received_at(now - 1),
        };
        self.add_charge(spec, now);
    }
}
