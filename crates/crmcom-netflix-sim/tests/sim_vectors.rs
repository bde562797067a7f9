//! The simulator's response shapes as golden vectors in `spec/vectors/` (`*--sim-*.json`), run by
//! every language's vector runner. This test checks that each file's `response` is still exactly
//! what the simulator answers; with `CRMNF_WRITE_VECTORS=1` it writes the files instead, with
//! the expectations the core decodes (review them before committing).

use std::path::PathBuf;

#[path = "../../crmcom-netflix/tests/common/outcome.rs"]
mod outcome;

use outcome::{charges_outcome, error_outcome};

use crmcom_netflix::{
    decode, decode_json, prepare, AcceptCharges, AcceptedCharge, AcknowledgeCharges,
    AcknowledgedCharge, ApiRequest, ChargeStatus, ChargeStatusFilter, CreateSubscription, Error,
    FieldsSet, ListCharges, LoginRequest, Method, PreparedRequest, Release, Secret,
    ShowSubscriptions, SuspendSubscription, Token, WebApiKeyLogin,
};
use crmcom_netflix_sim::{epoch_seconds, ChargeSpec, PromotionSpec, Sim};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

struct Vector {
    name: &'static str,
    description: &'static str,
    method: Method,
    release: Option<Release>,
    fields_set: Option<Vec<String>>,
    body: Vec<u8>,
}

fn now() -> i64 {
    epoch_seconds("2024-03-01T01:00:00").unwrap()
}

fn token(sim: &mut Sim) -> Token {
    let login = prepare(&Sim::login_request(), None, sim.release()).unwrap();
    decode::<LoginRequest>(&sim.handle(&login, now()), None)
        .unwrap()
        .token
}

fn send<R: ApiRequest>(sim: &mut Sim, request: &R, token: &Token) -> Vec<u8> {
    let prepared: PreparedRequest = prepare(request, Some(token), sim.release()).unwrap();
    sim.handle(&prepared, now())
}

/// A ledger with one charge of each kind the vectors show.
fn ledger(release: Release) -> (Sim, Vec<String>) {
    let mut sim = Sim::new(release);
    let day = now() - 86_400;
    let numbers = vec![
        sim.add_charge(ChargeSpec::approved("pci150", "5.99", "USD"), day),
        sim.add_charge(
            ChargeSpec::approved("pci151", "1200", "JPY")
                .with_local(Decimal::new(799, 2), "EUR")
                .received_at(day + 60),
            day,
        ),
        sim.add_charge(
            ChargeSpec::approved("pci152", "1.235", "KWD")
                .with_status(ChargeStatus::Declined)
                .received_at(day + 120),
            day,
        ),
        sim.add_charge(
            ChargeSpec::pending("pci153", "2.99", "USD").received_at(day + 180),
            day,
        ),
    ];
    (sim, numbers)
}

fn vectors() -> Vec<Vector> {
    let mut out = Vec::new();

    let (mut sim, n) = ledger(Release::LATEST);
    let t = token(&mut sim);
    let processed = ListCharges::new(Some(ChargeStatusFilter::Processed));
    out.push(Vector {
        name: "netflix.charges.list--sim-page",
        description:
            "A page as the simulator sends it: status first, oldest first, single-precision \
                      amounts in USD, JPY and KWD, a local currency amount, a declined charge.",
        method: Method::ChargesList,
        release: None,
        fields_set: None,
        body: send(&mut sim, &processed, &t),
    });
    let projected = ListCharges {
        fields_set: Some(FieldsSet::new([
            "number",
            "amount",
            "currency",
            "charge_status",
        ])),
        ..processed.clone()
    };
    out.push(Vector {
        name: "netflix.charges.list--sim-fields-set",
        description:
            "The simulator projects each charge to the fields_set with the core's project; \
                      the page object itself is kept.",
        method: Method::ChargesList,
        release: None,
        fields_set: Some(
            ["number", "amount", "currency", "charge_status"]
                .map(String::from)
                .to_vec(),
        ),
        body: send(&mut sim, &projected, &t),
    });
    let mut with_reference = AcknowledgedCharge::new(&n[0], "pci150");
    with_reference.reference_number = Some("BILL-2024-0001".into());
    sim.fail_acknowledgement(&n[1], 1);
    let acknowledge = AcknowledgeCharges {
        acknowledged_charges_set: vec![
            with_reference,
            AcknowledgedCharge::new(&n[1], "pci151"),
            AcknowledgedCharge::new(&n[2], "pci999"),
            AcknowledgedCharge::new(&n[3], "pci153"),
            AcknowledgedCharge::new("I99999999", "pci150"),
        ],
    };
    out.push(Vector {
        name: "netflix.charges.acknowledge--sim-refusals",
        description:
            "An acknowledgement the simulator partly refuses: an injected failure, another \
                      customer's charge, a pending charge, an unknown charge; the accepted one is \
                      not listed.",
        method: Method::ChargesAcknowledge,
        release: None,
        fields_set: None,
        body: send(&mut sim, &acknowledge, &t),
    });
    let again = AcknowledgedCharge::new(&n[0], "pci150");
    let mut reused = AcknowledgedCharge::new(&n[1], "pci151");
    reused.reference_number = Some("BILL-2024-0001".into());
    let acknowledge = AcknowledgeCharges {
        acknowledged_charges_set: vec![again, reused],
    };
    out.push(Vector {
        name: "netflix.charges.acknowledge--sim-already-acknowledged",
        description: "A repeated acknowledgement comes back CHARGE_ALREADY_ACKNOWLEDGED (which \
                      ChargeSync counts as done); a reference number used for another charge is \
                      DUPLICATE_REFERENCE_NUMBER.",
        method: Method::ChargesAcknowledge,
        release: None,
        fields_set: None,
        body: send(&mut sim, &acknowledge, &t),
    });
    let accept = AcceptCharges {
        accepted_charges_set: vec![
            AcceptedCharge::new(&n[3], "pci153"),
            AcceptedCharge::new(&n[2], "pci152"),
        ],
    };
    out.push(Vector {
        name: "netflix.charges.accept--sim-already-processed",
        description: "Accepting a pending charge and a declined one: only the declined one fails, \
                      CHARGE_ALREADY_PROCESSED.",
        method: Method::ChargesAccept,
        release: None,
        fields_set: None,
        body: send(&mut sim, &accept, &t),
    });
    let mut bad = sim.handle_http(
        "GET",
        "netflix/charges/list",
        &[
            ("token".into(), t.expose().into()),
            ("number_of_results".into(), "51".into()),
            ("offset".into(), "-1".into()),
        ],
        None,
        now(),
    );
    out.push(Vector {
        name: "netflix.charges.list--sim-invalid-request",
        description:
            "The simulator refuses an invalid request with an error envelope: status.code \
                      ERROR, the core's violations in description, INVALID_REQUEST in message, \
                      data null.",
        method: Method::ChargesList,
        release: None,
        fields_set: None,
        body: std::mem::take(&mut bad),
    });
    sim.expire_all_tokens();
    out.push(Vector {
        name: "netflix.charges.list--sim-token-expired",
        description: "An expired login token: an API error with TOKEN_EXPIRED in message; log in \
                      again and send the same request.",
        method: Method::ChargesList,
        release: None,
        fields_set: None,
        body: send(&mut sim, &processed, &t),
    });

    let (mut sim, _) = ledger(Release::R12_0_0);
    let t = token(&mut sim);
    out.push(Vector {
        name: "netflix.charges.list--sim-page-r12",
        description:
            "An R12.0.0 page from the simulator: no status filter sent, processed charges \
                      only, no local currency fields.",
        method: Method::ChargesList,
        release: Some(Release::R12_0_0),
        fields_set: None,
        body: send(&mut sim, &ListCharges::new(None), &t),
    });

    let mut sim = Sim::new(Release::LATEST);
    sim.add_promotion(PromotionSpec {
        description: Some("Three months for the price of two".into()),
        expires_on: epoch_seconds("2024-12-31T23:59:59"),
        ..PromotionSpec::new("14", "Test", epoch_seconds("2024-01-01T00:00:00").unwrap())
    });
    let t = token(&mut sim);
    let create = CreateSubscription {
        promotion_code: Some("14".into()),
        validity_duration: Some(3600),
        ..CreateSubscription::new("pci150")
    };
    let created = send(&mut sim, &create, &t);
    out.push(Vector {
        name: "netflix.subscriptions.create--sim-created",
        description: "The simulator's create response: netflix_token and expires_on, \
                      validity_duration (3600 s) after the call.",
        method: Method::SubscriptionsCreate,
        release: None,
        fields_set: None,
        body: created.clone(),
    });
    let netflix_token = decode::<CreateSubscription>(&created, None)
        .unwrap()
        .netflix_token
        .unwrap();
    sim.complete_sign_up(&netflix_token, now() + 60).unwrap();
    let show = ShowSubscriptions {
        billing_system_customer_identifier: Some("pci150".into()),
        ..ShowSubscriptions::default()
    };
    out.push(Vector {
        name: "netflix.subscriptions.show--sim-signed-up",
        description: "The simulator's show response: an array, netflix_sate as documented, the \
                      promotion redeemed in the last ten months, prices_set with FormattedPrice.",
        method: Method::SubscriptionsShow,
        release: None,
        fields_set: None,
        body: send(&mut sim, &show, &t),
    });
    send(&mut sim, &SuspendSubscription::new("pci150"), &t);
    out.push(Vector {
        name: "netflix.subscriptions.suspend--sim-already-suspended",
        description:
            "Suspending twice: an API error with SUBSCRIPTION_ALREADY_SUSPENDED in message.",
        method: Method::SubscriptionsSuspend,
        release: None,
        fields_set: None,
        body: send(&mut sim, &SuspendSubscription::new("pci150"), &t),
    });

    let mut sim = Sim::new(Release::LATEST);
    let login = prepare(&Sim::api_key_login_request(), None, Release::LATEST).unwrap();
    out.push(Vector {
        name: "authentication.web_api_key.token--sim-login",
        description: "A Web API key login from the simulator: data holds a JWT login token, as \
                      authentication/token's does.",
        method: Method::AuthenticationWebApiKeyToken,
        release: None,
        fields_set: None,
        body: sim.handle(&login, now()),
    });
    let wrong = prepare(
        &WebApiKeyLogin::new(Secret::new("NOT-A-KEY")),
        None,
        Release::LATEST,
    )
    .unwrap();
    out.push(Vector {
        name: "authentication.web_api_key.token--sim-invalid-key",
        description: "A key the simulator does not know: an API error with INVALID_LOGIN in \
                      message, data null.",
        method: Method::AuthenticationWebApiKeyToken,
        release: None,
        fields_set: None,
        body: sim.handle(&wrong, now()),
    });
    out
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors")
}

/// The expectation the core decodes, in the vector format.
fn expectation(v: &Vector) -> Value {
    let mut expect = Map::new();
    match decode_json(v.method.name(), &v.body, v.fields_set.as_deref()) {
        Ok(data) => {
            expect.insert("decoded".into(), data);
        }
        Err(e @ Error::Api(_)) => {
            if let Value::Object(outcome) = error_outcome(&e) {
                expect.extend(outcome);
            }
        }
        Err(e) => panic!("{}: the simulator's response does not decode: {e}", v.name),
    }
    if v.method == Method::ChargesList && expect.contains_key("decoded") {
        let charges = charges_outcome(&v.body, v.fields_set.as_deref()).unwrap();
        expect.insert("charges".into(), charges);
    }
    Value::Object(expect)
}

#[test]
fn sim_vectors_match_what_the_simulator_answers() {
    let write = std::env::var_os("CRMNF_WRITE_VECTORS").is_some();
    for v in vectors() {
        let path = dir().join(format!("{}.json", v.name));
        let response: Value = serde_json::from_slice(&v.body).unwrap();
        if write {
            let mut file = Map::new();
            file.insert("description".into(), json!(v.description));
            file.insert("method".into(), json!(v.method.name()));
            if let Some(r) = v.release {
                file.insert("release".into(), json!(r.as_str()));
            }
            file.insert("response".into(), response);
            if let Some(f) = &v.fields_set {
                file.insert("fields_set".into(), json!(f));
            }
            file.insert("expect".into(), expectation(&v));
            let text = serde_json::to_string_pretty(&Value::Object(file)).unwrap() + "\n";
            std::fs::write(&path, text).unwrap();
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (write it with CRMNF_WRITE_VECTORS=1)", v.name));
        let file: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            file["response"], response,
            "{}: the simulator changed",
            v.name
        );
        assert_eq!(file["method"], v.method.name(), "{}", v.name);
        assert_eq!(file["expect"], expectation(&v), "{}", v.name);
    }
}
