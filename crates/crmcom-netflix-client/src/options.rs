//! The client's settings: credentials, time limits, the retry policy.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crmcom_netflix::methods::authentication_web_api_key_token::authorization;
use crmcom_netflix::{
    decode, prepare, LoginRequest, Method, PreparedRequest, Release, Secret, Verb, WebApiKeyLogin,
};

/// How the client logs in.
///
/// Either way the rest of the client is the same: the token is renewed before its `exp`, one new
/// login follows an API error answered to an older token, and the secret (password or key) is
/// redacted from every error, `Debug` output and log line.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// `authentication/token` with a user name, a password and an organisation (and a unit).
    Password {
        /// Login user name.
        username: String,
        /// Login password.
        password: Secret,
        /// The organisation to log into.
        organisation: String,
        /// The unit; the user's default unit when `None`.
        unit: Option<String>,
    },
    /// `authentication/web_api_key/token` with a Web API key (sent in the `Authorization`
    /// header, never in a URL or a body), and a unit.
    ApiKey {
        /// The Web API key.
        api_key: Secret,
        /// The unit; the key's default unit when `None`.
        unit: Option<String>,
    },
}

impl Credentials {
    /// User name, password and organisation.
    pub fn password(
        username: impl Into<String>,
        password: impl Into<String>,
        organisation: impl Into<String>,
    ) -> Credentials {
        Credentials::Password {
            username: username.into(),
            password: Secret::new(password),
            organisation: organisation.into(),
            unit: None,
        }
    }

    /// A Web API key (the key names its organisation).
    ///
    /// ```
    /// use crmcom_netflix_client::Credentials;
    /// let c = Credentials::api_key("3F2504E04F8911D39A0C0305E82C3301").with_unit("U1");
    /// assert_eq!(format!("{c:?}"), r#"ApiKey { api_key: "<redacted>", unit: Some("U1") }"#);
    /// ```
    pub fn api_key(api_key: impl Into<String>) -> Credentials {
        Credentials::ApiKey {
            api_key: Secret::new(api_key),
            unit: None,
        }
    }

    /// The same credentials logging into `unit`.
    pub fn with_unit(mut self, unit: impl Into<String>) -> Credentials {
        match &mut self {
            Credentials::Password { unit: u, .. } | Credentials::ApiKey { unit: u, .. } => {
                *u = Some(unit.into());
            }
        }
        self
    }

    /// The login method these credentials use.
    pub fn login_method(&self) -> Method {
        match self {
            Credentials::Password { .. } => Method::AuthenticationToken,
            Credentials::ApiKey { .. } => Method::AuthenticationWebApiKeyToken,
        }
    }

    /// The login request, prepared by the core.
    pub(crate) fn prepare_login(
        &self,
        release: Release,
    ) -> Result<PreparedRequest, crmcom_netflix::Error> {
        match self {
            Credentials::Password {
                username,
                password,
                organisation,
                unit,
            } => prepare(
                &LoginRequest {
                    username: username.clone(),
                    password: password.clone(),
                    organisation: organisation.clone(),
                    unit: unit.clone(),
                },
                None,
                release,
            ),
            Credentials::ApiKey { api_key, unit } => prepare(
                &WebApiKeyLogin {
                    api_key: api_key.clone(),
                    unit: unit.clone(),
                },
                None,
                release,
            ),
        }
    }

    /// Reads the login answer with the core's rules of the login method.
    pub(crate) fn decode_login(
        &self,
        body: &[u8],
    ) -> Result<crmcom_netflix::LoginResult, crmcom_netflix::Error> {
        match self {
            Credentials::Password { .. } => decode::<LoginRequest>(body, None),
            Credentials::ApiKey { .. } => decode::<WebApiKeyLogin>(body, None),
        }
    }

    /// The texts to redact: the secret itself and, for a key, the `Authorization` value that
    /// carries it (a server may echo either).
    pub(crate) fn secrets(&self) -> Vec<String> {
        match self {
            Credentials::Password { password, .. } => vec![password.expose().to_owned()],
            Credentials::ApiKey { api_key, .. } => {
                let header = authorization(api_key.expose());
                let encoded = header.trim_start_matches("Basic ").to_owned();
                vec![api_key.expose().to_owned(), encoded]
            }
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Password {
                username,
                organisation,
                unit,
                ..
            } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &"<redacted>")
                .field("organisation", organisation)
                .field("unit", unit)
                .finish(),
            Credentials::ApiKey { unit, .. } => f
                .debug_struct("ApiKey")
                .field("api_key", &"<redacted>")
                .field("unit", unit)
                .finish(),
        }
    }
}

/// Time limits. Every call is bounded by all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening a connection (TCP and TLS). Default 10 s.
    pub connect: Duration,
    /// One attempt: sending the request and reading the whole answer. Default 30 s.
    pub attempt: Duration,
    /// A whole call: logging in if needed, every attempt and the waits between them. Default 120 s.
    pub call: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            attempt: Duration::from_secs(30),
            call: Duration::from_secs(120),
        }
    }
}

/// When and how often a call is sent again.
///
/// A call is sent again, up to `max_attempts` in all, after a failure where no whole answer
/// came (connection refused or reset, a time-out, a truncated body) or an answer of HTTP 408,
/// 429 or 5xx — but only when sending it again cannot do anything twice:
///
/// - always when the request did not reach the server (the connection could not be opened);
/// - for GETs (`charges/list`, `promotions/list`, `subscriptions/show`): they change nothing;
/// - for the POSTs that are safe to repeat, when `retry_safe_posts` is on (the default):
///   `authentication/token` and `authentication/web_api_key/token` (a second login only
///   issues another token),
///   `authentication/token/release` (releasing a released token changes nothing) and
///   `charges/acknowledge` (a charge already acknowledged is answered in `failed_charges_set`
///   with `CHARGE_ALREADY_ACKNOWLEDGED`, which the charge loop counts as done, see
///   `SyncOptions::already_acknowledged_codes`);
/// - never for the other POSTs: a second `subscriptions/create` could fail as a duplicate and
///   lose the Netflix token of the first; a second `suspend`/`unsuspend` answers
///   "already suspended"/"not suspended" for a call that worked; a second `accept`/`decline`
///   reports charges already settled as failed.
///
/// The wait before attempt n+1 is drawn at random between half and all of
/// `min(max_backoff, initial_backoff × 2ⁿ⁻¹)` ("equal jitter": clients that failed together do
/// not come back together). A `Retry-After` answer (seconds or an HTTP date) waits at least
/// that long; one longer than `max_retry_after`, or past the call's time limit, ends the call
/// with the error at once instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included; 1 never retries. Default 4.
    pub max_attempts: u32,
    /// The first wait's upper bound. Default 200 ms.
    pub initial_backoff: Duration,
    /// The cap of a wait. Default 10 s.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured. Default 60 s.
    pub max_retry_after: Duration,
    /// Whether the POSTs that are safe to repeat are retried after the request reached the server.
    pub retry_safe_posts: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            retry_safe_posts: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never sends a call twice.
    pub fn never() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Whether `method` is a POST that can be sent twice without doing anything twice.
    pub fn is_safe_to_repeat(method: Method) -> bool {
        method.verb() == Verb::Get
            || matches!(
                method,
                Method::AuthenticationToken
                    | Method::AuthenticationWebApiKeyToken
                    | Method::AuthenticationTokenRelease
                    | Method::ChargesAcknowledge
            )
    }

    /// Whether a failed attempt of `method` may be sent again.
    pub(crate) fn may_repeat(&self, method: Method, reached_server: bool) -> bool {
        !reached_server
            || method.verb() == Verb::Get
            || (self.retry_safe_posts && Self::is_safe_to_repeat(method))
    }

    /// The wait after the `retry`-th failure (1 for the first).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let cap = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let half = cap / 2;
        let spread = (cap - half).as_nanos() as u64;
        let jitter = if spread == 0 {
            0
        } else {
            random() % (spread + 1)
        };
        half + Duration::from_nanos(jitter)
    }
}

/// A random number from the standard library's per-process hash keys (no extra dependency;
/// jitter needs spread, not cryptographic quality).
fn random() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    h.finish()
}

/// A `Retry-After` value: delay seconds or an HTTP date (relative to `now`, epoch seconds).
pub(crate) fn parse_retry_after(value: &str, now: i64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let seconds = date.timestamp() - now;
    Some(Duration::from_secs(seconds.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_doubles_and_stays_under_its_cap_with_jitter() {
        let policy = RetryPolicy::default();
        for retry in 1..40 {
            let cap = Duration::from_millis(200)
                .saturating_mul(1 << (retry - 1).min(30))
                .min(Duration::from_secs(10));
            for _ in 0..20 {
                let wait = policy.backoff(retry);
                assert!(wait >= cap / 2 && wait <= cap, "{retry}: {wait:?}");
            }
        }
        let waits: std::collections::BTreeSet<Duration> =
            (0..50).map(|_| policy.backoff(3)).collect();
        assert!(waits.len() > 10, "the waits are jittered");
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = 1_445_412_480; // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn only_gets_and_the_safe_posts_are_repeated_after_reaching_the_server() {
        let policy = RetryPolicy::default();
        for method in Method::ALL {
            assert!(
                policy.may_repeat(method, false),
                "{method}: nothing reached the server"
            );
        }
        let repeated: Vec<&str> = Method::ALL
            .into_iter()
            .filter(|m| policy.may_repeat(*m, true))
            .map(Method::name)
            .collect();
        assert_eq!(
            repeated,
            [
                "authentication/token",
                "authentication/token/release",
                "authentication/web_api_key/token",
                "netflix/promotions/list",
                "netflix/subscriptions/show",
                "netflix/charges/list",
                "netflix/charges/acknowledge"
            ]
        );
        let strict = RetryPolicy {
            retry_safe_posts: false,
            ..policy
        };
        assert!(!strict.may_repeat(Method::ChargesAcknowledge, true));
        assert!(strict.may_repeat(Method::ChargesList, true));
    }

    #[test]
    fn credentials_never_show_the_password() {
        let c = Credentials::password("u", "hunter2-secret", "ORG").with_unit("U1");
        let text = format!("{c:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("U1"));
        let c = Credentials::api_key("K3Y-very-secret").with_unit("U2");
        let text = format!("{c:?}");
        assert!(!text.contains("very-secret"), "{text}");
        assert!(text.contains("U2"));
        assert_eq!(c.login_method(), Method::AuthenticationWebApiKeyToken);
        // The key and the header value that carries it are both redacted.
        assert_eq!(c.secrets(), ["K3Y-very-secret", "SzNZLXZlcnktc2VjcmV0Og=="]);
    }
}
