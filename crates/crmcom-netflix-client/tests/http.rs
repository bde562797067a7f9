//! The client over real HTTP on 127.0.0.1 (reqwest, the default transport) against a small
//! server over the simulator: the nightly job, 5xx and Retry-After, resets, truncated bodies,
//! error envelopes with non-200 statuses, time-outs, refused connections, redaction.

mod support;

use std::time::{Duration, Instant};

use crmcom_netflix::{ChargeStatusFilter, ListCharges, Release, SyncOptions};
use crmcom_netflix_client::{
    Client, Credentials, Error, Journal, RetryPolicy, TimeoutKind, Timeouts,
};
use crmcom_netflix_sim::{Sim, API_KEY};
use support::{add_charges, credentials, HttpFault, Ledger, LoopbackServer};

fn server(charges: usize) -> LoopbackServer {
    let mut sim = Sim::new(Release::LATEST);
    let now = crmcom_netflix_client::Clock::now(&crmcom_netflix_client::SystemClock);
    add_charges(&mut sim, now, charges, "h");
    LoopbackServer::start(sim)
}

fn client(base_url: &str) -> Client {
    Client::builder(base_url, credentials())
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .timeouts(Timeouts {
            attempt: Duration::from_secs(2),
            call: Duration::from_secs(20),
            ..Timeouts::default()
        })
        .build()
        .unwrap()
}

fn processed() -> ListCharges {
    ListCharges::new(Some(ChargeStatusFilter::Processed))
}

const LIST: &str = "netflix/charges/list";

#[tokio::test]
async fn the_nightly_job_runs_over_http_with_faults_on_the_way() {
    let s = server(95);
    s.with_sim(|sim| sim.fail_acknowledgements_at_rate(50, 3));
    s.fault(LIST, HttpFault::Status(503, Some("1".into()), Vec::new()));
    s.fault(LIST, HttpFault::Reset);
    s.fault(LIST, HttpFault::Truncate);
    s.fault("netflix/charges/acknowledge", HttpFault::DropAnswer);
    let c = client(&s.base_url);
    let dir = std::env::temp_dir().join(format!("crmnf-http-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut journal = Journal::open(dir.join("j.sqlite")).unwrap();
    let mut billing = Ledger::default();
    let options = SyncOptions {
        page_size: 25,
        ..SyncOptions::default()
    };
    let started = Instant::now();
    c.sync_charges(&mut journal, options.clone(), &mut billing)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    s.with_sim(|sim| sim.clear_faults());
    c.sync_charges(&mut journal, options, &mut billing)
        .await
        .unwrap();
    assert_eq!(billing.billed.len(), 95);
    let left = s.with_sim(|sim| {
        sim.charges()
            .filter(|c| c.acknowledged_on.is_none())
            .count()
    });
    assert_eq!(left, 0);
}

#[tokio::test]
async fn an_error_envelope_with_a_non_200_status_is_the_api_error_it_carries() {
    let s = server(1);
    let c = client(&s.base_url);
    c.login().await.unwrap();
    let envelope = br#"{"status":{"code":"ERROR","description":"Try later","message":"SERVICE_UNAVAILABLE"},"data":null}"#;
    for _ in 0..4 {
        s.fault(LIST, HttpFault::Status(503, None, envelope.to_vec()));
    }
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert_eq!(e.kind(), "api_error");
    assert_eq!(e.http_status(), Some(503));
    assert_eq!(
        e.to_string(),
        "netflix/charges/list: API error ERROR: Try later (SERVICE_UNAVAILABLE) [HTTP 503]"
    );
    // Without an envelope: the status, not "an error without a body".
    s.fault(
        LIST,
        HttpFault::Status(404, None, b"<html>not found</html>".to_vec()),
    );
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "netflix/charges/list: HTTP 404 without an API envelope"
    );
}

#[tokio::test]
async fn a_truncated_body_and_a_reset_are_transport_failures_retried_for_gets_only() {
    let s = server(3);
    let c = client(&s.base_url);
    c.login().await.unwrap();
    for _ in 0..4 {
        s.fault(LIST, HttpFault::Truncate);
    }
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Transport {
                reached_server: true,
                attempts: 4,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("cut off"), "{e}");
    s.fault(LIST, HttpFault::Reset);
    assert_eq!(
        c.list_charges(&processed()).await.unwrap().charges().len(),
        3
    );
    // suspend is not safe to repeat: one reset is the answer.
    s.fault("netflix/subscriptions/suspend", HttpFault::Reset);
    let before = s.requests.load(std::sync::atomic::Ordering::SeqCst);
    let e = c.suspend("h0").await.unwrap_err();
    assert_eq!(e.kind(), "transport");
    assert_eq!(
        s.requests.load(std::sync::atomic::Ordering::SeqCst) - before,
        1
    );
}

#[tokio::test]
async fn a_slow_answer_runs_out_the_attempt_time_limit_and_a_get_goes_again() {
    let s = server(2);
    let c = Client::builder(&s.base_url, credentials())
        .timeouts(Timeouts {
            attempt: Duration::from_millis(300),
            call: Duration::from_secs(10),
            ..Timeouts::default()
        })
        .build()
        .unwrap();
    c.login().await.unwrap();
    s.fault(LIST, HttpFault::Delay(Duration::from_millis(800)));
    assert_eq!(
        c.list_charges(&processed()).await.unwrap().charges().len(),
        2
    );
    s.fault(
        "netflix/subscriptions/suspend",
        HttpFault::Delay(Duration::from_millis(800)),
    );
    let e = c.suspend("h0").await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                kind: TimeoutKind::Attempt,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_never_reached_the_server_and_shows_no_token() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::builder(
        format!("http://127.0.0.1:{port}/crmapi/rest/v2"),
        credentials(),
    )
    .retry(RetryPolicy {
        max_attempts: 2,
        initial_backoff: Duration::from_millis(10),
        ..RetryPolicy::default()
    })
    .build()
    .unwrap();
    let e = c.suspend("x").await.unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Transport {
                reached_server: false,
                attempts: 2,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.method(),
        Some(crmcom_netflix::Method::AuthenticationToken)
    );
    let text = format!("{e} {e:?}");
    assert!(!text.contains("secret"), "{text}");

    // A GET's URL carries the token: the errors of a real stack never show it.
    let s = server(1);
    let c = client(&s.base_url);
    let token = c.login().await.unwrap();
    for _ in 0..4 {
        s.fault(LIST, HttpFault::Truncate);
    }
    let e = c.list_charges(&processed()).await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains(token.expose()), "{text}");
    assert!(!text.contains("token="), "{text}");
}

#[tokio::test]
async fn a_web_api_key_goes_in_the_authorization_header_and_nowhere_else() {
    let s = server(4);
    let c = Client::builder(&s.base_url, Credentials::api_key(API_KEY))
        .build()
        .unwrap();
    // The simulator reads the key from the `Authorization` header only: the login works
    // because the header went out.
    assert_eq!(
        c.list_charges(&processed()).await.unwrap().charges().len(),
        4
    );
    assert_eq!(c.logins(), 1);
    let seen = s.seen.lock().unwrap().clone();
    assert_eq!(
        seen[0], "POST /crmapi/rest/v2/authentication/web_api_key/token",
        "{seen:?}"
    );
    assert!(seen.iter().all(|line| !line.contains(API_KEY)), "{seen:?}");
    let login = s.with_sim(|sim| sim.stats().requests);
    assert_eq!(login, 2);

    // A wrong key: the server's refusal, without the key.
    let key = "NOT-THE-KEY-0123456789";
    let c = Client::builder(&s.base_url, Credentials::api_key(key))
        .build()
        .unwrap();
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert_eq!(
        e.api_error().unwrap().message.as_deref(),
        Some("INVALID_LOGIN"),
        "{e}"
    );
    assert!(!format!("{e} {e:?} {c:?}").contains(key));
}
