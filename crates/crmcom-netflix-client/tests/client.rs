//! The client against the simulator in-process, through the `Transport` trait: login and
//! renewal, re-login, retries and their limits, time-outs, errors and redaction, every method.
//! Time is tokio's paused clock, so waits take no real time.

mod support;

use std::sync::Arc;
use std::time::Duration;

use crmcom_netflix::methods::authentication_web_api_key_token::authorization;
use crmcom_netflix::{
    AcceptedCharge, AcknowledgedCharge, BillingAction, Charge, ChargeStatusFilter,
    CreateSubscription, FieldState, FieldsSet, ListCharges, ListPromotions, Method,
    ProjectedChargesPage, Release, ResponseObject, ShowSubscriptions,
};
use crmcom_netflix_client::{
    blocking, Client, Credentials, Error, ManualClock, RetryPolicy, TimeoutKind, Timeouts,
};
use crmcom_netflix_sim::{ApiKey, ChargeSpec, PromotionSpec, API_KEY, TOKEN_LIFETIME_SECONDS};
use support::{add_charges, credentials, sim_at_start, Fault, Faulty, BASE};

fn client(transport: &Faulty, clock: &Arc<ManualClock>) -> Client {
    Client::builder(BASE, credentials())
        .transport(transport.clone())
        .clock(clock.clone())
        .build()
        .unwrap()
}

fn setup() -> (Faulty, Arc<ManualClock>, Client) {
    let (mut sim, clock) = sim_at_start();
    add_charges(&mut sim, clock.now_secs(), 3, "pci");
    let transport = Faulty::new(sim, clock.clone());
    let c = client(&transport, &clock);
    (transport, clock, c)
}

trait Now {
    fn now_secs(&self) -> i64;
}
impl Now for ManualClock {
    fn now_secs(&self) -> i64 {
        crmcom_netflix_client::Clock::now(self)
    }
}

fn processed() -> ListCharges {
    ListCharges::new(Some(ChargeStatusFilter::Processed))
}

#[tokio::test(start_paused = true)]
async fn the_client_logs_in_on_first_use_and_reuses_the_token() {
    let (t, _, c) = setup();
    assert_eq!(c.logins(), 0);
    let page = c.list_charges(&processed()).await.unwrap();
    assert_eq!(page.charges().len(), 3);
    c.list_promotions(&ListPromotions::default()).await.unwrap();
    assert_eq!(c.logins(), 1);
    assert_eq!(t.count("authentication/token"), 1);
    c.logout().await.unwrap();
    assert_eq!(t.count("authentication/token/release"), 1);
}

#[tokio::test(start_paused = true)]
async fn the_token_is_renewed_before_its_exp_with_the_margin() {
    let (t, clock, c) = setup();
    c.list_charges(&processed()).await.unwrap();
    clock.advance(TOKEN_LIFETIME_SECONDS - 61); // 61 s left: more than the 60 s margin
    c.list_charges(&processed()).await.unwrap();
    assert_eq!(c.logins(), 1);
    clock.advance(2); // 59 s left: renewed before use
    c.list_charges(&processed()).await.unwrap();
    assert_eq!(c.logins(), 2);
    // The server never saw an expired token.
    assert_eq!(t.with_sim(|s| s.stats().errors), 0);
}

#[tokio::test(start_paused = true)]
async fn a_token_refused_by_the_server_leads_to_one_new_login() {
    let (t, _, c) = setup();
    c.list_charges(&processed()).await.unwrap();
    t.with_sim(|s| s.expire_all_tokens());
    c.list_charges(&processed()).await.unwrap();
    assert_eq!(c.logins(), 2);

    // With a fresh token, an API error is the answer: no loop of logins.
    t.with_sim(|s| s.fail_next_requests(0));
    let strict = Client::builder(BASE, credentials())
        .transport(t.clone())
        .relogin_on_api_error(false)
        .clock(Arc::new(ManualClock::new(support::start_time())))
        .build()
        .unwrap();
    strict.list_charges(&processed()).await.unwrap();
    t.with_sim(|s| s.expire_all_tokens());
    let e = strict.list_charges(&processed()).await.unwrap_err();
    assert_eq!(
        e.api_error().unwrap().message.as_deref(),
        Some("TOKEN_EXPIRED")
    );
}

#[tokio::test(start_paused = true)]
async fn concurrent_calls_share_one_renewal() {
    let (t, clock, c) = setup();
    c.list_charges(&processed()).await.unwrap();
    clock.advance(TOKEN_LIFETIME_SECONDS);
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.list_charges(&processed()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(c.logins(), 2);
    assert_eq!(t.count("authentication/token"), 2);

    // Eight calls that all see their token refused share one new login too.
    t.with_sim(|s| s.expire_all_tokens());
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.list_charges(&processed()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(c.logins(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_wrong_password_is_an_api_error_that_never_shows_it() {
    let (sim, clock) = sim_at_start();
    let t = Faulty::new(sim, clock.clone());
    let c = Client::builder(
        BASE,
        Credentials::password("billing", "not-the-password", "NETFLIXOP"),
    )
    .transport(t.clone())
    .clock(clock)
    .build()
    .unwrap();
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert_eq!(e.kind(), "api_error");
    assert_eq!(
        e.api_error().unwrap().message.as_deref(),
        Some("INVALID_LOGIN")
    );
    for text in [e.to_string(), format!("{e:?}"), format!("{c:?}")] {
        assert!(!text.contains("not-the-password"), "{text}");
    }
    assert_eq!(c.logins(), 0);
}

#[tokio::test(start_paused = true)]
async fn gets_are_retried_on_5xx_resets_and_truncated_bodies_with_growing_waits() {
    let (t, _, c) = setup();
    c.list_charges(&processed()).await.unwrap();
    let path = "netflix/charges/list";
    t.fault(
        path,
        Fault::Status(502, None, b"<html>bad gateway</html>".to_vec()),
    );
    t.fault(path, Fault::Reset);
    t.fault(path, Fault::Status(503, None, Vec::new()));
    let before = tokio::time::Instant::now();
    assert_eq!(
        c.list_charges(&processed()).await.unwrap().charges().len(),
        3
    );
    // Three waits: between 100-200 ms, 200-400 ms and 400-800 ms.
    let waited = before.elapsed();
    assert!(
        waited >= Duration::from_millis(700) && waited <= Duration::from_millis(1400),
        "{waited:?}"
    );

    // A body cut short inside a complete HTTP answer (a server's fault, not the network's) is
    // a malformed response, with the path of the body itself. (Cut short by the network, it is
    // a transport failure and retried: see the loopback tests.)
    t.fault(path, Fault::Truncate);
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert!(
        matches!(&e, Error::MalformedResponse { error, http_status: 200, .. } if error.path.is_empty()),
        "{e:?}"
    );
    assert!(e.to_string().contains("the body is not valid JSON"), "{e}");
    // ... but not forever.
    for _ in 0..4 {
        t.fault(path, Fault::Status(500, None, Vec::new()));
    }
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert_eq!(e.kind(), "http_status");
    assert_eq!(e.http_status(), Some(500));
    assert_eq!(
        e.to_string(),
        "netflix/charges/list: HTTP 500 without an API envelope, after 4 attempts"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_and_a_longer_one_than_allowed_ends_the_call() {
    let (t, _, c) = setup();
    c.list_charges(&processed()).await.unwrap();
    let path = "netflix/charges/list";
    t.fault(path, Fault::Status(429, Some("7".into()), Vec::new()));
    let before = tokio::time::Instant::now();
    c.list_charges(&processed()).await.unwrap();
    let waited = before.elapsed();
    assert!(
        waited >= Duration::from_secs(7) && waited < Duration::from_secs(8),
        "{waited:?}"
    );

    t.fault(path, Fault::Status(503, Some("3600".into()), Vec::new()));
    let before = tokio::time::Instant::now();
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert_eq!(e.http_status(), Some(503));
    assert!(before.elapsed() < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn an_error_envelope_with_a_5xx_status_is_an_api_error_not_a_bare_status() {
    let (t, _, c) = setup();
    c.list_charges(&processed()).await.unwrap();
    // The simulator answers SERVICE_UNAVAILABLE envelopes with HTTP 503: retried, then reported
    // as what the server said.
    t.with_sim(|s| s.fail_next_requests(1));
    c.list_charges(&processed()).await.unwrap();
    t.with_sim(|s| s.fail_next_requests(10));
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert_eq!(e.kind(), "api_error");
    assert_eq!(e.http_status(), Some(503));
    assert_eq!(
        e.api_error().unwrap().message.as_deref(),
        Some("SERVICE_UNAVAILABLE")
    );
    assert!(e.to_string().ends_with("[HTTP 503]"), "{e}");

    // A 4xx with an envelope is not retried, and says what the server said (after the one new
    // login an API error to an older token gets).
    let envelope =
        br#"{"status":{"code":"ERROR","description":"Bad things","message":"NOPE"},"data":null}"#;
    t.with_sim(|s| s.clear_faults());
    t.fault(
        "netflix/promotions/list",
        Fault::Status(400, None, envelope.to_vec()),
    );
    t.fault(
        "netflix/promotions/list",
        Fault::Status(400, None, envelope.to_vec()),
    );
    let logins = c.logins();
    let e = c
        .list_promotions(&ListPromotions::default())
        .await
        .unwrap_err();
    assert_eq!(c.logins(), logins + 1);
    assert_eq!(t.count("netflix/promotions/list"), 2);
    assert_eq!((e.kind(), e.http_status()), ("api_error", Some(400)));
    assert_eq!(
        e.to_string(),
        "netflix/promotions/list: API error ERROR: Bad things (NOPE) [HTTP 400]"
    );
}

#[tokio::test(start_paused = true)]
async fn posts_that_are_not_safe_to_repeat_are_sent_once_and_a_refused_connection_is_retried() {
    let (t, clock, c) = setup();
    t.with_sim(|s| s.add_promotion(PromotionSpec::new("14", "Test", clock.now_secs() - 10)));
    let create = || CreateSubscription {
        billing_system_customer_identifier: "cust1".into(),
        ..serde_json::from_value(serde_json::json!({
            "billing_system_customer_identifier": "cust1"
        }))
        .unwrap()
    };
    c.login().await.unwrap();
    t.fault(
        "netflix/subscriptions/create",
        Fault::Status(502, None, Vec::new()),
    );
    let e = c.create_subscription(&create()).await.unwrap_err();
    assert_eq!(e.http_status(), Some(502));
    assert_eq!(t.count("netflix/subscriptions/create"), 1);

    t.fault("netflix/subscriptions/create", Fault::Reset);
    let e = c.create_subscription(&create()).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                reached_server: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(t.count("netflix/subscriptions/create"), 2);

    // Nothing reached the server: safe to send again, whatever the method.
    t.fault("netflix/subscriptions/create", Fault::Refused);
    let created = c.create_subscription(&create()).await.unwrap();
    assert!(created.netflix_token.is_some());
    assert_eq!(t.count("netflix/subscriptions/create"), 4);
}

#[tokio::test(start_paused = true)]
async fn an_acknowledgement_whose_answer_was_lost_is_sent_again_and_reported_already_done() {
    let (t, _, c) = setup();
    let page = c.list_charges(&processed()).await.unwrap();
    let items: Vec<AcknowledgedCharge> = crmcom_netflix::items_from_charges(page.charges());
    t.fault("netflix/charges/acknowledge", Fault::DropAnswer);
    let failed = c.acknowledge_charges(items).await.unwrap();
    assert_eq!(failed.len(), 3);
    assert!(failed
        .iter()
        .all(|f| f.error_code == "CHARGE_ALREADY_ACKNOWLEDGED"));
    assert!(c
        .list_charges(&processed())
        .await
        .unwrap()
        .charges()
        .is_empty());

    let strict = Client::builder(BASE, credentials())
        .transport(t.clone())
        .retry(RetryPolicy {
            retry_safe_posts: false,
            ..RetryPolicy::default()
        })
        .clock(Arc::new(ManualClock::new(support::start_time())))
        .build()
        .unwrap();
    t.fault("netflix/charges/acknowledge", Fault::Reset);
    let e = strict
        .acknowledge_charges([AcknowledgedCharge::new("I00000001", "pci0")])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "transport");
}

#[tokio::test(start_paused = true)]
async fn each_time_limit_ends_the_call_with_its_own_error() {
    let (t, clock, _) = setup();
    let c = Client::builder(BASE, credentials())
        .transport(t.clone())
        .clock(clock)
        .timeouts(Timeouts {
            attempt: Duration::from_secs(2),
            call: Duration::from_secs(5),
            ..Timeouts::default()
        })
        .build()
        .unwrap();
    c.login().await.unwrap();
    // One slow attempt, then a good one.
    t.fault("netflix/charges/list", Fault::Delay(Duration::from_secs(3)));
    c.list_charges(&processed()).await.unwrap();
    // Every attempt slow: the whole call's limit ends it.
    for _ in 0..4 {
        t.fault("netflix/charges/list", Fault::Delay(Duration::from_secs(3)));
    }
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                kind: TimeoutKind::Attempt | TimeoutKind::Call,
                ..
            }
        ),
        "{e:?}"
    );
    // A POST that is not safe to repeat is not sent again after its attempt ran out.
    t.fault(
        "netflix/subscriptions/suspend",
        Fault::Delay(Duration::from_secs(3)),
    );
    let e = c.suspend("pci0").await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                kind: TimeoutKind::Attempt,
                method: Method::SubscriptionsSuspend,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "netflix/subscriptions/suspend: the attempt time-out of 2 s ran out"
    );
}

#[tokio::test(start_paused = true)]
async fn no_error_shows_the_token_or_the_password_even_when_the_network_stack_quotes_the_url() {
    let (t, _, _) = setup();
    let c = Client::builder(BASE, credentials())
        .transport(t.clone())
        .relogin_on_api_error(false)
        .clock(Arc::new(ManualClock::new(support::start_time())))
        .build()
        .unwrap();
    let token = c.login().await.unwrap();
    let secret = token.expose().to_owned();
    for _ in 0..4 {
        t.fault("netflix/charges/list", Fault::Reset);
    }
    let e = c.list_charges(&processed()).await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(text.contains("connection reset"), "{text}");
    assert!(!text.contains(&secret), "{text}");
    assert!(!text.contains("token="), "{text}");
    // A server that echoes the token and the password back in its error text.
    let echo = format!(
        r#"{{"status":{{"code":"ERROR","description":"bad token {secret} for secret","message":"X"}},"data":null}}"#
    );
    t.fault(
        "netflix/charges/list",
        Fault::Status(200, None, echo.into_bytes()),
    );
    let e = c.list_charges(&processed()).await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains(&secret), "{text}");
    assert!(
        !text.contains("for secret"),
        "the password `secret` is redacted too: {text}"
    );
    assert!(
        text.contains("bad token <redacted> for <redacted>"),
        "{text}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_bad_request_fails_before_anything_is_sent() {
    let (t, _, c) = setup();
    let mut request = processed();
    request.number_of_results = 51;
    let e = c.list_charges(&request).await.unwrap_err();
    assert_eq!(e.kind(), "invalid_request");
    assert_eq!(e.violations()[0].path, "number_of_results");
    let e = c
        .call_json("netflix/charges/list", &serde_json::json!({"offset": 0, "number_of_results": 5, "charge_status": "PROCESSED", "billing_system_customer_identifer": "x"}))
        .await
        .unwrap_err();
    assert_eq!(
        e.violations()[0].code,
        crmcom_netflix::ViolationCode::UnknownField
    );
    let e = c
        .call_json("netflix/charges/lst", &serde_json::json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.violations()[0].path, "method");
    assert!(t.seen().is_empty(), "nothing went out, not even a login");
}

#[tokio::test(start_paused = true)]
async fn every_method_is_typed_and_callable_by_name() {
    let (t, clock, c) = setup();
    let now = clock.now_secs();
    t.with_sim(|s| {
        s.add_promotion(PromotionSpec::new("14", "Test", now - 10));
        s.add_charge(ChargeSpec::pending("pci9", "3.99", "USD"), now - 5);
        s.add_charge(ChargeSpec::pending("pci10", "3.99", "USD"), now - 4);
    });
    assert_eq!(
        c.list_promotions(&ListPromotions::default())
            .await
            .unwrap()
            .len(),
        1
    );
    let create: CreateSubscription = serde_json::from_value(serde_json::json!({
        "billing_system_customer_identifier": "cust1", "promotion_code": "14"
    }))
    .unwrap();
    c.create_subscription(&create).await.unwrap();
    let shown = c
        .show_subscriptions(&ShowSubscriptions {
            billing_system_customer_identifier: Some("cust1".into()),
            ..ShowSubscriptions::default()
        })
        .await
        .unwrap();
    assert_eq!(shown.len(), 1);
    c.suspend("cust1").await.unwrap();
    let e = c.suspend("cust1").await.unwrap_err();
    assert_eq!(
        e.api_error().unwrap().message.as_deref(),
        Some("SUBSCRIPTION_ALREADY_SUSPENDED")
    );
    c.unsuspend("cust1").await.unwrap();
    let pending = c
        .list_charges(&ListCharges::new(Some(ChargeStatusFilter::NotProcessed)))
        .await
        .unwrap();
    let numbers: Vec<String> = pending
        .charges()
        .iter()
        .map(|c| c.number().to_owned())
        .collect();
    assert_eq!(numbers.len(), 2);
    let failed = c
        .accept_charges([AcceptedCharge::new(numbers[0].clone(), "pci9")])
        .await
        .unwrap();
    assert!(failed.is_empty());
    let failed = c
        .decline_charges([crmcom_netflix::DeclinedCharge::new(
            numbers[1].clone(),
            "pci10",
        )])
        .await
        .unwrap();
    assert!(failed.is_empty());
    let data = c
        .call_json(
            "netflix/charges/list",
            &serde_json::json!({"offset": 0, "number_of_results": 50, "charge_status": "PROCESSED", "fields_set": ["number", "amount"]}),
        )
        .await
        .unwrap();
    let set = data["charges_set"].as_array().unwrap();
    assert_eq!(set.len(), 5); // three approved, one accepted, one declined
    assert_eq!(set[0].as_object().unwrap().len(), 2, "{}", set[0]);
    let login = c
        .call_json("authentication/token", &serde_json::json!({}))
        .await
        .unwrap();
    assert!(login["token"].as_str().unwrap().starts_with("eyJ"));
    c.call_json("authentication/token/release", &serde_json::json!({}))
        .await
        .unwrap();
    assert_eq!(c.release(), Release::LATEST);
}

#[test]
fn the_blocking_client_is_the_same_client_and_refuses_to_run_inside_a_runtime() {
    let (mut sim, clock) = sim_at_start();
    add_charges(&mut sim, clock.now_secs(), 2, "pci");
    let t = Faulty::new(sim, clock.clone());
    let c = blocking::Client::builder(BASE, credentials())
        .transport(t.clone())
        .clock(clock)
        .build()
        .unwrap();
    assert_eq!(c.list_charges(&processed()).unwrap().charges().len(), 2);
    assert_eq!(c.logins(), 1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let e = rt
        .block_on(async { c.list_charges(&processed()) })
        .unwrap_err();
    assert_eq!(e.kind(), "config");
}

#[test]
fn bad_settings_are_refused_with_a_clear_error() {
    let e = Client::new("crm.example/crmapi", credentials()).unwrap_err();
    assert!(
        e.to_string().contains("must be an http:// or https:// URL"),
        "{e}"
    );
    let e = Client::builder(BASE, credentials())
        .timeouts(Timeouts {
            attempt: Duration::ZERO,
            ..Timeouts::default()
        })
        .build()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "client settings: the attempt time-out must not be zero"
    );
}

// -- login with a Web API key --------------------------------------------------------------

fn key_client(t: &Faulty, clock: &Arc<ManualClock>, credentials: Credentials) -> Client {
    Client::builder(BASE, credentials)
        .transport(t.clone())
        .clock(clock.clone())
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_web_api_key_logs_in_through_its_own_method_and_is_renewed_like_a_password() {
    let (t, clock, _) = setup();
    let c = key_client(&t, &clock, Credentials::api_key(API_KEY));
    assert_eq!(
        c.list_charges(&processed()).await.unwrap().charges().len(),
        3
    );
    assert_eq!(c.logins(), 1);
    assert_eq!(t.count("authentication/web_api_key/token"), 1);
    assert_eq!(t.count("authentication/token"), 0);

    // Renewed before its `exp`, with the margin.
    clock.advance(TOKEN_LIFETIME_SECONDS - 61);
    c.list_charges(&processed()).await.unwrap();
    assert_eq!(c.logins(), 1);
    clock.advance(2);
    c.list_charges(&processed()).await.unwrap();
    assert_eq!(c.logins(), 2);
    assert_eq!(t.with_sim(|s| s.stats().errors), 0);

    // One new login, with the key, after the server refused the token.
    t.with_sim(|s| s.expire_all_tokens());
    c.list_charges(&processed()).await.unwrap();
    assert_eq!(c.logins(), 3);
    assert_eq!(t.count("authentication/web_api_key/token"), 3);

    // Concurrent calls share one renewal.
    clock.advance(TOKEN_LIFETIME_SECONDS);
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.list_charges(&processed()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(c.logins(), 4);
    c.logout().await.unwrap();
    assert_eq!(t.count("authentication/token/release"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_web_api_key_logs_into_the_unit_asked_for() {
    let (t, clock, _) = setup();
    t.with_sim(|s| {
        s.add_api_key(ApiKey {
            units: vec!["EU".into()],
            ..ApiKey::new("UNITKEY0123456789", "NETFLIXOP")
        })
    });
    let c = key_client(
        &t,
        &clock,
        Credentials::api_key("UNITKEY0123456789").with_unit("EU"),
    );
    c.list_charges(&processed()).await.unwrap();
    let c = key_client(
        &t,
        &clock,
        Credentials::api_key("UNITKEY0123456789").with_unit("US"),
    );
    let e = c.login().await.unwrap_err();
    assert_eq!(
        e.method(),
        Some(Method::AuthenticationWebApiKeyToken),
        "{e}"
    );
    assert_eq!(
        e.api_error().unwrap().message.as_deref(),
        Some("INVALID_LOGIN")
    );
    assert!(!e.to_string().contains("UNITKEY0123456789"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn a_wrong_web_api_key_is_an_api_error_that_never_shows_the_key() {
    let (sim, clock) = sim_at_start();
    let t = Faulty::new(sim, clock.clone());
    let key = "WRONGKEY-0123456789";
    let c = key_client(&t, &clock, Credentials::api_key(key));
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert_eq!(e.kind(), "api_error");
    assert_eq!(
        e.api_error().unwrap().message.as_deref(),
        Some("INVALID_LOGIN")
    );
    assert_eq!(
        e.to_string(),
        "authentication/web_api_key/token: API error ERROR: Invalid Web API key (INVALID_LOGIN)"
    );
    assert_eq!(c.logins(), 0);
    let header = authorization(key);
    let encoded = header.trim_start_matches("Basic ");
    for text in [e.to_string(), format!("{e:?}"), format!("{c:?}")] {
        assert!(!text.contains(key), "{text}");
        assert!(!text.contains(encoded), "{text}");
    }
    assert!(format!("{c:?}").contains("ApiKey"));
}

#[tokio::test(start_paused = true)]
async fn a_server_that_echoes_the_key_or_its_authorization_header_has_both_redacted() {
    let (t, clock, _) = setup();
    let c = key_client(&t, &clock, Credentials::api_key(API_KEY));
    let header = authorization(API_KEY);
    let encoded = header.trim_start_matches("Basic ").to_owned();
    let echo = format!(
        r#"{{"status":{{"code":"ERROR","description":"bad key {API_KEY}","message":"header {header}"}},"data":null}}"#
    );
    t.fault(
        "authentication/web_api_key/token",
        Fault::Status(200, None, echo.into_bytes()),
    );
    let e = c.login().await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains(API_KEY), "{text}");
    assert!(!text.contains(&encoded), "{text}");
    assert!(text.contains("bad key <redacted>"), "{text}");
    assert!(text.contains("header Basic <redacted>"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn a_malformed_web_api_key_fails_before_anything_is_sent_and_is_not_quoted() {
    let (t, clock, _) = setup();
    for key in ["KEY:WITH-COLON-SECRET", "", "KEY WITH SPACES-SECRET"] {
        let c = key_client(&t, &clock, Credentials::api_key(key));
        let e = c.list_charges(&processed()).await.unwrap_err();
        assert_eq!(e.kind(), "invalid_request", "{key:?}: {e}");
        assert_eq!(e.violations()[0].path, "api_key", "{e}");
        let text = format!("{e} {e:?}");
        assert!(key.is_empty() || !text.contains("SECRET"), "{text}");
    }
    assert!(t.seen().is_empty(), "nothing went out");
}

#[tokio::test(start_paused = true)]
async fn the_login_method_of_the_credentials_is_callable_by_name_and_the_other_is_refused() {
    let (t, clock, _) = setup();
    let c = key_client(&t, &clock, Credentials::api_key(API_KEY));
    let login = c
        .call_json("authentication/web_api_key/token", &serde_json::json!({}))
        .await
        .unwrap();
    assert!(login["token"].as_str().unwrap().starts_with("eyJ"));
    let e = c
        .call_json("authentication/token", &serde_json::json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "config");
    assert_eq!(
        e.to_string(),
        "client settings: authentication/token cannot log in with this client's credentials, \
         which log in with authentication/web_api_key/token"
    );
    let password = client(&t, &clock);
    let e = password
        .call_json("authentication/web_api_key/token", &serde_json::json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "config");
    assert_eq!(t.count("authentication/token"), 0);
}

#[test]
fn the_blocking_client_logs_in_with_a_web_api_key_too() {
    let (mut sim, clock) = sim_at_start();
    add_charges(&mut sim, clock.now_secs(), 2, "pci");
    let t = Faulty::new(sim, clock.clone());
    let c = blocking::Client::builder(BASE, Credentials::api_key(API_KEY))
        .transport(t.clone())
        .clock(clock)
        .build()
        .unwrap();
    assert_eq!(c.list_charges(&processed()).unwrap().charges().len(), 2);
    assert_eq!(t.count("authentication/web_api_key/token"), 1);
    assert!(!format!("{c:?}").contains(API_KEY));
}

fn fields(names: &[&str]) -> Option<FieldsSet<Charge>> {
    Some(FieldsSet::new(names.iter().copied()))
}

#[tokio::test(start_paused = true)]
async fn a_fields_set_gives_the_projected_page_with_the_named_fields_only() {
    let (t, _, c) = setup();
    let request = ListCharges {
        fields_set: fields(&["number", "amount", "currency"]),
        ..processed()
    };
    let names = request.fields_set.as_ref().map(|f| f.names().to_vec());
    let page: ProjectedChargesPage = c.list_charges_projected(&request).await.unwrap();
    assert_eq!(page.charges().len(), 3);
    for charge in page.charges() {
        assert!(charge.number().is_some_and(|n| n.starts_with('I')));
        // Priced in its currency, as in the full form.
        let currency = charge.currency.as_ref().unwrap();
        assert!(currency.is_known(), "{}", currency.code());
        assert_eq!(
            charge.amount.unwrap().minor_unit_exponent(),
            currency.minor_unit_exponent()
        );
        assert!(charge.received_on.is_none() && charge.charge_status.is_none());
        assert_eq!(
            charge.field_state("received_on", names.as_deref()),
            Some(FieldState::NotRequested)
        );
        // Without its status a projected charge is never billed.
        assert_eq!(charge.billing_action(), BillingAction::Leave);
    }
    // The generic call gives the same page.
    assert_eq!(c.call_projected(&request).await.unwrap(), page);
    assert_eq!(t.count("netflix/charges/list"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_fields_set_that_leaves_out_a_required_field_is_refused_by_the_full_form_call() {
    let (t, _, c) = setup();
    let request = ListCharges {
        fields_set: fields(&["number", "amount"]),
        ..processed()
    };
    let e = c.list_charges(&request).await.unwrap_err();
    assert_eq!(e.kind(), "config");
    let text = e.to_string();
    assert!(
        text.contains("`billing_system_customer_identifier`"),
        "{text}"
    );
    assert!(
        text.contains("`received_on`") && text.contains("list_charges_projected"),
        "{text}"
    );
    assert!(!text.contains("`amount`"), "{text}");
    let e = c.call(&request).await.unwrap_err();
    assert_eq!(e.kind(), "config");
    // Refused before anything was sent, before a login too.
    assert!(t.seen().is_empty());
    assert_eq!(c.logins(), 0);
    // A fields_set naming every field the full form needs decodes in the full form.
    let all = ListCharges {
        fields_set: fields(&[
            "number",
            "billing_system_customer_identifier",
            "amount",
            "currency",
            "paid_through_date",
            "charge_status",
            "received_on",
        ]),
        ..processed()
    };
    let page = c.list_charges(&all).await.unwrap();
    assert_eq!(page.charges().len(), 3);
    assert!(page.charges()[0].set_as_approved_on.is_none());
}

#[tokio::test(start_paused = true)]
async fn the_projected_call_needs_a_fields_set() {
    let (t, _, c) = setup();
    let e = c.list_charges_projected(&processed()).await.unwrap_err();
    assert_eq!(e.kind(), "config");
    assert!(e.to_string().contains("`call` gives the full form"), "{e}");
    assert!(t.seen().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_named_field_missing_from_the_answer_is_malformed_never_a_default() {
    let (t, _, c) = setup();
    let request = ListCharges {
        fields_set: fields(&["number", "amount", "currency"]),
        ..processed()
    };
    let body = r#"{"status":{"code":"OK","description":"","message":""},
        "data":{"charges_set":[{"number":"I1","currency":"USD"}]}}"#;
    t.fault(
        "netflix/charges/list",
        Fault::Status(200, None, body.as_bytes().to_vec()),
    );
    let e = c.list_charges_projected(&request).await.unwrap_err();
    assert_eq!(e.kind(), "malformed_response");
    assert!(e.to_string().contains("data.charges_set[0].amount"), "{e}");
}

#[test]
fn the_blocking_client_has_the_projected_calls() {
    let (mut sim, clock) = sim_at_start();
    add_charges(&mut sim, clock.now_secs(), 2, "pci");
    let t = Faulty::new(sim, clock.clone());
    let c = blocking::Client::builder(BASE, credentials())
        .transport(t)
        .clock(clock)
        .build()
        .unwrap();
    let request = ListCharges {
        fields_set: fields(&["number"]),
        ..processed()
    };
    let page = c.list_charges_projected(&request).unwrap();
    assert_eq!(page.charges().len(), 2);
    assert!(page.charges()[0].amount.is_none());
    assert_eq!(c.call_projected(&request).unwrap(), page);
    assert_eq!(c.list_charges(&request).unwrap_err().kind(), "config");
}
