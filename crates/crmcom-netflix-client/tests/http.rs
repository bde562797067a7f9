//! The client over real HTTP on 127.0.0.1 (reqwest, the default transport) against the mock
//! server over the simulator: the nightly job, 5xx and Retry-After, resets, truncated bodies,
//! error envelopes with non-200 statuses, time-outs, refused connections, redaction.

mod support;

use std::time::{Duration, Instant};

use crmcom_netflix::{ChargeStatusFilter, ListCharges, Release, SyncOptions};
use crmcom_netflix_client::{
    Client, Credentials, Error, Journal, RetryPolicy, TimeoutKind, Timeouts,
};
use crmcom_netflix_sim::{FaultKind, Sim, API_KEY};
use support::{add_charges, credentials, Ledger, LoopbackServer};

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
    s.fault(
        LIST,
        FaultKind::HttpStatus {
            status: 503,
            retry_after: Some(1),
        },
    );
    s.fault(LIST, FaultKind::ConnectionReset);
    s.fault(LIST, FaultKind::TruncatedBody);
    s.fault("netflix/charges/acknowledge", FaultKind::DropResponse);
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
    // Every attempt answered 503 with the server's error envelope.
    for _ in 0..4 {
        s.fault(
            LIST,
            FaultKind::HttpStatus {
                status: 503,
                retry_after: Some(0),
            },
        );
    }
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert_eq!(e.kind(), "api_error");
    assert_eq!(e.http_status(), Some(503));
    assert_eq!(
        e.to_string(),
        "netflix/charges/list: API error ERROR: The service is temporarily unavailable \
         (SERVICE_UNAVAILABLE) [HTTP 503]"
    );
    // Without an envelope (a proxy's HTML page): the status, not "an error without a body".
    for _ in 0..4 {
        s.fault(
            LIST,
            FaultKind::HttpStatus {
                status: 502,
                retry_after: None,
            },
        );
    }
    let e = c.list_charges(&processed()).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "netflix/charges/list: HTTP 502 without an API envelope, after 4 attempts"
    );
}

#[tokio::test]
async fn a_truncated_body_and_a_reset_are_transport_failures_retried_for_gets_only() {
    let s = server(3);
    let c = client(&s.base_url);
    c.login().await.unwrap();
    for _ in 0..4 {
        s.fault(LIST, FaultKind::TruncatedBody);
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
    s.fault(LIST, FaultKind::ConnectionReset);
    assert_eq!(
        c.list_charges(&processed()).await.unwrap().charges().len(),
        3
    );
    // suspend is not safe to repeat: one reset is the answer.
    s.fault("netflix/subscriptions/suspend", FaultKind::ConnectionReset);
    let before = s.requests().len();
    let e = c.suspend("h0").await.unwrap_err();
    assert_eq!(e.kind(), "transport");
    assert_eq!(s.requests().len() - before, 1);
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
    s.fault(LIST, FaultKind::Latency { ms: 800 });
    assert_eq!(
        c.list_charges(&processed()).await.unwrap().charges().len(),
        2
    );
    s.fault(
        "netflix/subscriptions/suspend",
        FaultKind::Latency { ms: 800 },
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
        s.fault(LIST, FaultKind::TruncatedBody);
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
    let seen = s.requests();
    assert_eq!(
        (seen[0].verb.as_str(), seen[0].path.as_str()),
        ("POST", "authentication/web_api_key/token"),
        "{seen:?}"
    );
    // Nothing in the URL or the body: the log shows a secret it redacted as `<redacted>`.
    assert!(seen[0].query.is_empty(), "{seen:?}");
    let logged = format!("{seen:?}");
    assert!(!logged.contains(API_KEY), "{logged}");
    assert!(
        seen.iter()
            .all(|r| r.query.iter().all(|(k, _)| k != "api_key")
                && !r.body.to_string().contains("<redacted>")),
        "{logged}"
    );
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

/// A server on 127.0.0.1 that answers every request with `302 Found` to `location`.
fn redirecting_to(location: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n"
            );
        }
    });
    format!("http://127.0.0.1:{port}/crmapi/rest/v2")
}

/// The error of one login attempt (no retries) against `base_url`.
async fn login_once(base_url: String) -> Error {
    let c = Client::builder(base_url, credentials())
        .retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    c.login().await.unwrap_err()
}

#[tokio::test]
async fn a_plain_http_base_url_refuses_a_redirect_to_https_and_says_what_to_do() {
    // An http:// client has no root certificates (it never needs them): a redirect to https://
    // is an error that names the fix, not a certificate error, and the token is not sent on.
    let e = login_once(redirecting_to("https://127.0.0.1:9/elsewhere")).await;
    let text = format!("{e}");
    assert!(
        text.contains("give the https:// URL as the base URL"),
        "{text}"
    );
    assert!(!text.contains("secret"), "{text}");

    // A loop of plain redirects stops.
    let e = login_once(redirecting_to("/crmapi/rest/v2/authentication/token")).await;
    assert!(format!("{e}").contains("too many redirects"), "{e}");
}
