//! The admin API under `/_mock/`: JSON in, JSON out, never faulted, never logged.
//!
//! | | |
//! |---|---|
//! | `GET health` | the server is up: release, time, counts |
//! | `POST reset` | back to the data, clock and faults it started with (`{"empty": true}`: no data, users kept) |
//! | `GET state` | every charge (status, acknowledged or not), subscription, user, promotion, fault rule |
//! | `GET requests` | the request log, secrets redacted (`?since=SEQ&method=PATH&limit=N`) |
//! | `POST charges` | adds charges (fixture form, or `{"generate": N, "seed": S}`) |
//! | `POST charges/process` | moves pending charges on (`{"numbers": [...], "status": "...", "count": N}`) |
//! | `POST clock/advance` | moves the clock on (`{"seconds": N}`, `minutes`, `hours`, `days`, or `{"to": DATE}`) |
//! | `POST faults` | sets the fault rules (`{"faults": [...], "append": false}`) |

use std::sync::Arc;

use crmcom_netflix::ChargeStatus;
use crmcom_netflix_sim::{date_text, epoch_seconds, FaultRule, Fixtures, Population, Sim};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Map, Value};

use crate::body::MockBody;
use crate::server::{decode_query, json_response, read_body};
use crate::{Inner, Shared};

const ENDPOINTS: [(&str, &str); 8] = [
    ("GET", "health"),
    ("POST", "reset"),
    ("GET", "state"),
    ("GET", "requests"),
    ("POST", "charges"),
    ("POST", "charges/process"),
    ("POST", "clock/advance"),
    ("POST", "faults"),
];

fn error(status: StatusCode, message: impl Into<String>) -> Response<MockBody> {
    json_response(status, &json!({"error": message.into()}))
}

fn bad(message: impl Into<String>) -> Response<MockBody> {
    error(StatusCode::BAD_REQUEST, message)
}

pub(crate) async fn handle(
    request: Request<Incoming>,
    path: &str,
    shared: Arc<Shared>,
) -> Response<MockBody> {
    let path = path.trim_end_matches('/');
    let Some((verb, _)) = ENDPOINTS.iter().find(|(_, p)| *p == path) else {
        let known: Vec<String> = ENDPOINTS
            .iter()
            .map(|(v, p)| format!("{v} /_mock/{p}"))
            .collect();
        return error(
            StatusCode::NOT_FOUND,
            format!(
                "no admin endpoint /_mock/{path}; there are: {}",
                known.join(", ")
            ),
        );
    };
    if request.method().as_str() != *verb {
        let mut r = error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("/_mock/{path} takes {verb}"),
        );
        if let Ok(v) = hyper::header::HeaderValue::from_str(verb) {
            r.headers_mut().insert(hyper::header::ALLOW, v);
        }
        return r;
    }
    let query = request.uri().query().map(decode_query).unwrap_or_default();
    let body = if request.method() == Method::POST {
        match read_body(request.into_body()).await {
            Ok(b) if b.iter().all(u8::is_ascii_whitespace) => Value::Null,
            Ok(b) => match serde_json::from_slice::<Value>(&b) {
                Ok(v) => v,
                Err(e) => return bad(format!("the body is not JSON: {e}")),
            },
            Err(response) => return response,
        }
    } else {
        Value::Null
    };
    let persist = shared.lock().store.is_some();
    let path = path.to_owned();
    let work = move || {
        let mut inner = shared.lock();
        let before = inner.sim.changes();
        let result = match path.as_str() {
            "health" => Ok(health(&inner)),
            "reset" => reset(&mut inner, &body),
            "state" => Ok(state(&inner)),
            "requests" => requests(&inner, &query),
            "charges" => add_charges(&mut inner, &body),
            "charges/process" => process(&mut inner, &body),
            "clock/advance" => advance(&mut inner, &body),
            _ => faults(&mut inner, &body),
        };
        let clock_moved = path == "clock/advance" || path == "reset";
        if result.is_ok() && (inner.sim.changes() != before || clock_moved) {
            if let Err(e) = inner.save() {
                return Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string()));
            }
        }
        result
    };
    let result = if persist {
        match tokio::task::spawn_blocking(work).await {
            Ok(r) => r,
            Err(_) => Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                "the admin call failed".into(),
            )),
        }
    } else {
        work()
    };
    match result {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err((status, message)) => error(status, message),
    }
}

type Answer = Result<Value, (StatusCode, String)>;

fn invalid(message: impl Into<String>) -> (StatusCode, String) {
    (StatusCode::BAD_REQUEST, message.into())
}

fn object<'a>(
    body: &'a Value,
    what: &str,
) -> Result<Option<&'a Map<String, Value>>, (StatusCode, String)> {
    match body {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m)),
        _ => Err(invalid(format!("{what}: the body is a JSON object"))),
    }
}

fn only(
    map: Option<&Map<String, Value>>,
    keys: &[&str],
    what: &str,
) -> Result<(), (StatusCode, String)> {
    if let Some(k) = map.and_then(|m| m.keys().find(|k| !keys.contains(&k.as_str()))) {
        return Err(invalid(format!(
            "{what}: unknown key `{k}`; the keys are {}",
            keys.join(", ")
        )));
    }
    Ok(())
}

fn health(inner: &Inner) -> Value {
    let now = inner.clock.now();
    json!({
        "status": "ok",
        "release": inner.sim.release().as_str(),
        "now": date_text(now),
        "charges": inner.sim.charges().count(),
        "requests": inner.sim.stats().requests,
    })
}

fn reset(inner: &mut Inner, body: &Value) -> Answer {
    let map = object(body, "reset")?;
    only(map, &["empty"], "reset")?;
    let empty = match map.and_then(|m| m.get("empty")) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("reset.empty: true or false")),
    };
    let (state, clock) = inner.initial.clone();
    let mut sim =
        Sim::from_state(state).map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    if empty {
        let users = sim.users().to_vec();
        sim = Sim::new(sim.release());
        sim.set_users(users);
    }
    for rule in &inner.faults_at_start {
        sim.add_fault(rule.clone());
    }
    inner.sim = sim;
    inner.clock = clock;
    inner.log.clear();
    Ok(health(inner))
}

fn date_or_null(at: Option<i64>) -> Value {
    at.map_or(Value::Null, |t| Value::String(date_text(t)))
}

fn state(inner: &Inner) -> Value {
    let sim = &inner.sim;
    let mut acknowledged = 0;
    let mut by_status: Map<String, Value> = Map::new();
    let charges: Vec<Value> = sim
        .charges()
        .map(|c| {
            if c.acknowledged_on.is_some() {
                acknowledged += 1;
            }
            let n = by_status
                .entry(c.status.as_str().to_owned())
                .or_insert(json!(0));
            *n = json!(n.as_u64().unwrap_or(0) + 1);
            let processing = sim.scheduled_processing(&c.number);
            json!({
                "number": c.number,
                "billing_system_customer_identifier": c.billing_system_customer_identifier,
                "amount": c.amount.to_string(),
                "currency": c.currency,
                "local_currency_amount": c.local_currency_amount.map(|a| a.to_string()),
                "local_currency": c.local_currency,
                "charge_status": c.status.as_str(),
                "received_on": date_text(c.received_on),
                "paid_through_date": date_text(c.paid_through_date),
                "set_as_approved_on": date_or_null(c.set_as_approved_on),
                "set_as_declined_on": date_or_null(c.set_as_declined_on),
                "set_as_bad_request_on": date_or_null(c.set_as_bad_request_on),
                "set_as_rejected_request_on": date_or_null(c.set_as_rejected_request_on),
                "acknowledged": c.acknowledged_on.is_some(),
                "acknowledged_on": date_or_null(c.acknowledged_on),
                "acknowledge_attempts": c.acknowledge_attempts,
                "reference_number": c.reference_number,
                "processes_at": date_or_null(processing.map(|(at, _)| at)),
                "processes_to": processing.map(|(_, s)| s.as_str()),
            })
        })
        .collect();
    let subscriptions: Vec<Value> = sim
        .subscriptions()
        .iter()
        .map(|s| {
            json!({
                "subscription_number": s.subscription_number,
                "billing_system_customer_identifier": s.billing_system_customer_identifier,
                "netflix_customer_identifier": s.netflix_customer_identifier,
                "promotion_code": s.promotion_code,
                "channel": s.channel,
                "created_on": date_text(s.created_on),
                "netflix_state": s.netflix_state(),
                "life_cycle_state": s.life_cycle_state(),
                "signed_up": s.signed_up,
                "suspended": s.suspended,
                "cancelled": s.cancelled,
            })
        })
        .collect();
    let users: Vec<Value> = sim
        .users()
        .iter()
        .map(|u| json!({"username": u.username, "organisation": u.organisation, "units": u.units}))
        .collect();
    let promotions: Vec<Value> = sim
        .promotions()
        .iter()
        .map(|p| {
            json!({"code": p.code, "name": p.name, "description": p.description,
                   "effective_from": date_text(p.effective_from),
                   "expires_on": date_or_null(p.expires_on)})
        })
        .collect();
    let stats = sim.stats();
    json!({
        "release": sim.release().as_str(),
        "now": date_text(inner.clock.now()),
        "clock": {"frozen": matches!(inner.clock, crate::Clock::Frozen { .. }),
                  "ahead_seconds": inner.clock.ahead_seconds()},
        "summary": {
            "charges": charges.len(),
            "acknowledged": acknowledged,
            "unacknowledged": charges.len() - acknowledged,
            "by_status": by_status,
            "requests": stats.requests,
            "errors": stats.errors,
            "charge_refusals": stats.charge_refusals,
            "faults": stats.faults,
        },
        "charges": charges,
        "subscriptions": subscriptions,
        "users": users,
        "promotions": promotions,
        "faults": sim.fault_rules().iter().map(|r| r.to_json()).collect::<Vec<_>>(),
    })
}

fn requests(inner: &Inner, query: &[(String, String)]) -> Answer {
    let mut since = 0u64;
    let mut limit = usize::MAX;
    let mut method = None;
    for (k, v) in query {
        match k.as_str() {
            "since" => since = v.parse().map_err(|_| invalid("since: a request number"))?,
            "limit" => limit = v.parse().map_err(|_| invalid("limit: a count"))?,
            "method" => method = Some(v.trim_start_matches('/').to_owned()),
            other => {
                return Err(invalid(format!(
                    "unknown parameter `{other}`; the parameters are since, method, limit"
                )))
            }
        }
    }
    let records: Vec<Value> = inner
        .log
        .records()
        .filter(|r| r.seq > since && method.as_ref().is_none_or(|m| &r.path == m))
        .take(limit)
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    Ok(json!({ "requests": records }))
}

fn add_charges(inner: &mut Inner, body: &Value) -> Answer {
    let now = inner.clock.now();
    if let Some(map) = body.as_object().filter(|m| m.contains_key("generate")) {
        only(Some(map), &["generate", "seed", "customers"], "charges")?;
        let count = |key: &str, default: u64| -> Result<u64, (StatusCode, String)> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(default),
                Some(v) => v
                    .as_u64()
                    .ok_or_else(|| invalid(format!("charges.{key}: a whole number"))),
            }
        };
        let charges = count("generate", 0)?;
        let customers = count("customers", charges.div_ceil(4).max(1))?;
        let population = Population {
            seed: count("seed", 1)?,
            customers: u32::try_from(customers)
                .map_err(|_| invalid("charges.customers: too many"))?,
            charges: u32::try_from(charges).map_err(|_| invalid("charges.generate: too many"))?,
        };
        let numbers = inner.sim.populate(&population, now);
        return Ok(json!({ "added": numbers }));
    }
    let charges =
        match body {
            Value::Array(items) => Value::Array(items.clone()),
            Value::Object(m) if m.contains_key("charges") => {
                only(Some(m), &["charges"], "charges")?;
                m["charges"].clone()
            }
            Value::Object(_) => Value::Array(vec![body.clone()]),
            _ => return Err(invalid(
                "charges: a charge, an array of charges, {\"charges\": [...]} or {\"generate\": N}",
            )),
        };
    let fixtures = Fixtures::from_json(json!({ "charges": charges }).to_string().as_bytes())
        .map_err(|e| invalid(e.to_string()))?;
    let numbers = inner
        .sim
        .load_fixtures(&fixtures, now)
        .map_err(|e| invalid(e.to_string()))?;
    Ok(json!({ "added": numbers }))
}

fn process(inner: &mut Inner, body: &Value) -> Answer {
    let map = object(body, "charges/process")?;
    only(map, &["numbers", "status", "count"], "charges/process")?;
    let get = |k: &str| map.and_then(|m| m.get(k)).filter(|v| !v.is_null());
    let numbers: Option<Vec<String>> = get("numbers")
        .map(|v| {
            serde_json::from_value(v.clone())
                .map_err(|_| invalid("charges/process.numbers: an array of charge numbers"))
        })
        .transpose()?;
    let status = get("status")
        .map(|v| {
            v.as_str()
                .map(ChargeStatus::from_wire)
                .filter(|s| *s != ChargeStatus::Pending)
                .ok_or_else(|| {
                    invalid("charges/process.status: a processed status such as APPROVED")
                })
        })
        .transpose()?;
    let count = get("count")
        .map(|v| {
            v.as_u64()
                .map(|c| c as usize)
                .ok_or_else(|| invalid("charges/process.count: a whole number"))
        })
        .transpose()?;
    let now = inner.clock.now();
    let done = inner
        .sim
        .process_pending(numbers.as_deref(), status, count, now);
    Ok(json!({ "processed": done }))
}

fn advance(inner: &mut Inner, body: &Value) -> Answer {
    let map = object(body, "clock/advance")?.ok_or_else(|| {
        invalid("clock/advance: give {\"seconds\": N} (or minutes, hours, days), or {\"to\": DATE}")
    })?;
    only(
        Some(map),
        &["seconds", "minutes", "hours", "days", "to"],
        "clock/advance",
    )?;
    let mut seconds: i64 = 0;
    for (key, unit) in [
        ("seconds", 1),
        ("minutes", 60),
        ("hours", 3600),
        ("days", 86_400),
    ] {
        if let Some(v) = map.get(key).filter(|v| !v.is_null()) {
            let n = v.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
                invalid(format!("clock/advance.{key}: a whole number of 0 or more"))
            })?;
            seconds = seconds.saturating_add(n.saturating_mul(unit));
        }
    }
    if let Some(to) = map.get("to").filter(|v| !v.is_null()) {
        let at = to
            .as_str()
            .and_then(epoch_seconds)
            .ok_or_else(|| invalid("clock/advance.to: a date yyyy-MM-ddTHH:mm:ss"))?;
        let now = inner.clock.now();
        if at < now {
            return Err(invalid(format!(
                "clock/advance.to: {} is before the server's time {}; the clock only moves forward",
                date_text(at),
                date_text(now)
            )));
        }
        seconds = seconds.saturating_add(at - now);
    }
    inner.clock.advance(seconds);
    let now = inner.clock.now();
    let processed = inner.sim.advance(now);
    Ok(json!({"now": date_text(now), "advanced_seconds": seconds, "processed": processed}))
}

fn faults(inner: &mut Inner, body: &Value) -> Answer {
    let (rules, append) = match body {
        Value::Array(items) => (items.clone(), false),
        Value::Object(m) if m.contains_key("faults") => {
            only(Some(m), &["faults", "append"], "faults")?;
            let items = m["faults"]
                .as_array()
                .cloned()
                .ok_or_else(|| invalid("faults.faults: an array of fault rules"))?;
            let append = match m.get("append") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(invalid("faults.append: true or false")),
            };
            (items, append)
        }
        Value::Object(_) => (vec![body.clone()], true),
        _ => return Err(invalid(
            "faults: {\"faults\": [...], \"append\": false}, an array of rules, or one rule to add",
        )),
    };
    let parsed = rules
        .iter()
        .enumerate()
        .map(|(i, r)| FaultRule::from_json(r, &format!("faults[{i}]")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    if !append {
        inner.sim.clear_fault_rules();
    }
    for r in parsed {
        inner.sim.add_fault(r);
    }
    Ok(json!({"faults": inner.sim.fault_rules().iter().map(|r| r.to_json()).collect::<Vec<_>>()}))
}
