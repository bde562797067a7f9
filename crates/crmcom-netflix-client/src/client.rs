//! The async client: login and token renewal, time limits, retries, and every method of the API
//! built from the core's `prepare` and `decode`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crmcom_netflix::{
    batch, decode, decode_json, decode_projected, prepare, prepare_value, AcceptCharges,
    AcceptedCharge, AcknowledgeCharges, AcknowledgedCharge, ApiRequest, ChargesPage,
    CreateSubscription, DeclineCharges, DeclinedCharge, Empty, FailedCharge, ListCharges,
    ListPromotions, Method, PreparedRequest, ProjectedChargesPage, Promotion, Release,
    ReleaseToken, ResponseData, ResponseObject, ShowSubscriptions, SubscriptionCreated,
    Subscriptions, SuspendSubscription, Token, UnsuspendSubscription,
};
use tokio::sync::Mutex;
use tracing::{debug, info, warn};

use crate::clock::{Clock, SystemClock};
use crate::error::{redact, Error, TimeoutKind};
use crate::options::{parse_retry_after, Credentials, RetryPolicy, Timeouts};
use crate::transport::{HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportError};

/// Refuses a request whose `fields_set` leaves out a field the full form of its answer must
/// have: the answer could only be malformed, after a request the server answered for nothing.
fn full_form_covers<R: ApiRequest>(request: &R) -> Result<(), Error> {
    let Some(names) = request.fields_set() else {
        return Ok(());
    };
    let left_out: Vec<&str> = <<R::Response as ResponseData>::Item as ResponseObject>::fields()
        .iter()
        .filter(|f| f.presence == crmcom_netflix::Presence::Required)
        .filter(|f| {
            !names
                .iter()
                .any(|n| n == f.name || f.aliases.contains(&n.as_str()))
        })
        .map(|f| f.name)
        .collect();
    if left_out.is_empty() {
        return Ok(());
    }
    Err(Error::Config(format!(
        "{}: the fields_set leaves out {}, which the full form of the answer must have; \
         `call_projected` (`list_charges_projected` for charges) gives the projected form, \
         where they may be absent",
        R::METHOD,
        left_out
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// The `User-Agent` the client sends.
pub const USER_AGENT: &str = concat!("crmcom-netflix-rust/", env!("CARGO_PKG_VERSION"));

/// Builds a [`Client`]. Only the base URL and the credentials are required.
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    credentials: Credentials,
    release: Release,
    timeouts: Timeouts,
    retry: RetryPolicy,
    renew_margin: Duration,
    token_lifetime: Duration,
    relogin_on_api_error: bool,
    transport: Option<Arc<dyn Transport>>,
    clock: Option<Arc<dyn Clock>>,
}

impl std::fmt::Debug for dyn Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transport")
    }
}

impl std::fmt::Debug for dyn Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

impl ClientBuilder {
    /// The release the server runs (the newest by default): requests are checked against it.
    pub fn release(mut self, release: Release) -> Self {
        self.release = release;
        self
    }

    /// The time limits.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How long before its `exp` a token is renewed (default 60 s: more than the clock skew
    /// between client and server usually is, and than a slow call takes).
    pub fn renew_margin(mut self, margin: Duration) -> Self {
        self.renew_margin = margin;
        self
    }

    /// How long a token without an `exp` claim (an opaque token) is used before a new login
    /// (default one hour; CRM.COM's JWTs live two).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Whether an API error answered to a token from an earlier call leads to one new login and
    /// one more try (default on: the error code of an expired or revoked token is not
    /// documented, and an error envelope means the server did nothing).
    pub fn relogin_on_api_error(mut self, on: bool) -> Self {
        self.relogin_on_api_error = on;
        self
    }

    /// The HTTP layer (default: [`ReqwestTransport`]).
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// The HTTP layer, shared.
    pub fn transport_arc(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The clock tokens are renewed by (default: the system's).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The client. Fails on a base URL that is not `http://` or `https://`, or on time limits of
    /// zero.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim().trim_end_matches('/').to_owned();
        let scheme_ok = ["http://", "https://"]
            .iter()
            .any(|s| base_url.len() > s.len() && base_url[..s.len()].eq_ignore_ascii_case(s));
        if !scheme_ok {
            return Err(Error::Config(format!(
                "base_url `{}` must be an http:// or https:// URL such as \
                 https://crm.example.com/crmapi/rest/v2",
                redact(&base_url, &[])
            )));
        }
        if base_url.contains('?') || base_url.contains('#') {
            return Err(Error::Config(
                "base_url must not have a query or a fragment".to_owned(),
            ));
        }
        let t = self.timeouts;
        for (name, d) in [
            ("connect", t.connect),
            ("attempt", t.attempt),
            ("call", t.call),
        ] {
            if d.is_zero() {
                return Err(Error::Config(format!(
                    "the {name} time-out must not be zero"
                )));
            }
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::Config(
                "retry.max_attempts must be at least 1".to_owned(),
            ));
        }
        let transport = match self.transport {
            Some(t) => t,
            None => Arc::new(
                ReqwestTransport::for_base_url(&base_url, t.connect)
                    .map_err(|e| Error::Config(format!("the HTTP client: {e}")))?,
            ),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                base_url,
                credential_secrets: self.credentials.secrets(),
                credentials: self.credentials,
                release: self.release,
                timeouts: self.timeouts,
                retry: self.retry,
                renew_margin: self.renew_margin,
                token_lifetime: self.token_lifetime,
                relogin_on_api_error: self.relogin_on_api_error,
                transport,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                session: Mutex::new(None),
                logins: AtomicU64::new(0),
                requests: AtomicU64::new(0),
                tokens: std::sync::Mutex::new(Vec::new()),
            }),
        })
    }
}

struct Session {
    token: Token,
    /// Epoch seconds from which the token is renewed before use.
    renew_at: i64,
}

struct Inner {
    base_url: String,
    credentials: Credentials,
    /// What to redact of the credentials (see `Credentials::secrets`).
    credential_secrets: Vec<String>,
    release: Release,
    timeouts: Timeouts,
    retry: RetryPolicy,
    renew_margin: Duration,
    token_lifetime: Duration,
    relogin_on_api_error: bool,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    // Held across a login, so that concurrent calls share one renewal.
    session: Mutex<Option<Session>>,
    logins: AtomicU64,
    requests: AtomicU64,
    /// The last tokens issued, to redact from error texts.
    tokens: std::sync::Mutex<Vec<Token>>,
}

/// The async client of one CRM.COM server. Cheap to clone (the clones share the login).
///
/// It logs in on first use and again before the token's `exp` (see
/// [`ClientBuilder::renew_margin`]), once more after an API error answered to an older token,
/// bounds every call by [`Timeouts`], and sends calls again by its [`RetryPolicy`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .field("release", &self.inner.release)
            .finish_non_exhaustive()
    }
}

/// What one exchange brought back: the HTTP status and the body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Client {
    /// A builder for a client of the server whose Web API root is `base_url`
    /// (`https://crm.example.com/crmapi/rest/v2`).
    pub fn builder(base_url: impl Into<String>, credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            credentials,
            release: Release::LATEST,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            renew_margin: Duration::from_secs(60),
            token_lifetime: Duration::from_secs(3600),
            relogin_on_api_error: true,
            transport: None,
            clock: None,
        }
    }

    /// A client with the default settings.
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> Result<Client, Error> {
        Client::builder(base_url, credentials).build()
    }

    /// The release requests are prepared for.
    pub fn release(&self) -> Release {
        self.inner.release
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// How many times the client has logged in.
    pub fn logins(&self) -> u64 {
        self.inner.logins.load(Ordering::Relaxed)
    }

    /// How many HTTP attempts the client has made.
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    pub(crate) fn relogin_on_api_error(&self) -> bool {
        self.inner.relogin_on_api_error
    }

    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    // -- tokens ----------------------------------------------------------------------------

    /// Logs in now (again, if logged in) and returns the new token.
    pub async fn login(&self) -> Result<Token, Error> {
        self.bounded(self.inner.credentials.login_method(), async {
            let mut session = self.inner.session.lock().await;
            self.login_locked(&mut session).await
        })
        .await
    }

    async fn login_locked(&self, session: &mut Option<Session>) -> Result<Token, Error> {
        let credentials = &self.inner.credentials;
        let method = credentials.login_method();
        let prepared = credentials
            .prepare_login(self.inner.release)
            .map_err(|e| self.core(e, method, 0))?;
        let answer = self.exchange(&prepared, None).await?;
        let result = credentials
            .decode_login(&answer.body)
            .map_err(|e| self.core(e, method, answer.status))?;
        // Decoding has checked that the token is there.
        let token = result.token;
        let now = self.now();
        let margin = self.inner.renew_margin.as_secs() as i64;
        let renew_at = match token.expires_at() {
            // A token that lives less than the margin is used until its `exp`.
            Some(exp) if exp - margin > now => exp - margin,
            Some(exp) => exp,
            None => now + (self.inner.token_lifetime.as_secs() as i64 - margin).max(1),
        };
        {
            let mut tokens = self.inner.tokens.lock().unwrap_or_else(|p| p.into_inner());
            tokens.push(token.clone());
            let excess = tokens.len().saturating_sub(3);
            tokens.drain(..excess);
        }
        let n = self.inner.logins.fetch_add(1, Ordering::Relaxed) + 1;
        debug!(logins = n, renew_in = renew_at - now, "logged in");
        *session = Some(Session {
            token: token.clone(),
            renew_at,
        });
        Ok(token)
    }

    /// The token to use now, logging in first when there is none or it is due for renewal.
    /// Returns whether it was issued just now.
    pub(crate) async fn token(&self) -> Result<(Token, bool), Error> {
        let mut session = self.inner.session.lock().await;
        if let Some(s) = session.as_ref() {
            if self.now() < s.renew_at {
                return Ok((s.token.clone(), false));
            }
            debug!("the token is due for renewal");
        }
        let token = self.login_locked(&mut session).await?;
        Ok((token, true))
    }

    /// Forgets `used` if it is still the current token (so that concurrent callers who all saw
    /// it refused share one new login).
    pub(crate) async fn forget(&self, used: &Token) {
        let mut session = self.inner.session.lock().await;
        if session.as_ref().is_some_and(|s| &s.token == used) {
            *session = None;
        }
    }

    /// Releases the token (`authentication/token/release`), if logged in.
    pub async fn logout(&self) -> Result<(), Error> {
        let token = self.inner.session.lock().await.take().map(|s| s.token);
        let Some(token) = token else {
            return Ok(());
        };
        self.bounded(Method::AuthenticationTokenRelease, async {
            let prepared = prepare(&ReleaseToken::default(), Some(&token), self.inner.release)
                .map_err(|e| self.core(e, Method::AuthenticationTokenRelease, 0))?;
            let answer = self.exchange(&prepared, Some(&token)).await?;
            decode::<ReleaseToken>(&answer.body, None)
                .map(|_| ())
                .map_err(|e| self.core(e, Method::AuthenticationTokenRelease, answer.status))
        })
        .await
    }

    // -- calls -----------------------------------------------------------------------------

    /// Prepares `request` with the current token, sends it and decodes the answer. A request
    /// that breaks a rule fails before anything is sent (before logging in, too).
    ///
    /// The answer is the full form, where every documented non-nullable field is a plain value:
    /// a request whose `fields_set` leaves one of them out is an [`Error::Config`] before
    /// anything is sent, since no answer to it could fill that field. Such a request is for
    /// [`Client::call_projected`].
    pub async fn call<R: ApiRequest>(&self, request: &R) -> Result<R::Response, Error> {
        full_form_covers::<R>(request)?;
        self.execute(
            R::METHOD,
            |token| prepare(request, token, self.inner.release),
            |body, fields_set| decode::<R>(body, fields_set),
        )
        .await
    }

    /// As [`Client::call`], for a request with a `fields_set`: the answer is the projected form
    /// (the core's `decode_projected`), where each field is an `Option`, there when the
    /// `fields_set` named it. A named field missing from the answer is a malformed response,
    /// never a default. A request without a `fields_set` is an [`Error::Config`] (its answer
    /// is the full form: [`Client::call`]).
    pub async fn call_projected<R: ApiRequest>(&self, request: &R) -> Result<R::Projected, Error> {
        if request.fields_set().is_none() {
            return Err(Error::Config(format!(
                "{}: the projected form is for a request with a fields_set; without one every \
                 documented field comes, and `call` gives the full form",
                R::METHOD
            )));
        }
        self.execute(
            R::METHOD,
            |token| prepare(request, token, self.inner.release),
            |body, fields_set| decode_projected::<R>(body, fields_set.unwrap_or_default()),
        )
        .await
    }

    /// Calls a method by name with JSON parameters (without the token) and returns the answer's
    /// normalized `data` as JSON: the form tools and scripts use. The login method of the
    /// client's credentials (`authentication/token` for a password,
    /// `authentication/web_api_key/token` for a Web API key) logs the client in (with its
    /// credentials; `params` are not used) and returns `{"token": ...}`; the other login method
    /// is an [`Error::Config`], since the client has no credentials for it.
    pub async fn call_json(
        &self,
        method: &str,
        params: &serde_json::Value,
    ) -> Result<serde_json::Value, Error> {
        let Some(m) = Method::from_name(method) else {
            return Err(Error::InvalidRequest(vec![crmcom_netflix::Violation::new(
                "method",
                crmcom_netflix::ViolationCode::InvalidEnum,
                crmcom_netflix::UnknownMethod(method.to_owned()).to_string(),
            )]));
        };
        if !m.takes_token() {
            let ours = self.inner.credentials.login_method();
            if m != ours {
                return Err(Error::Config(format!(
                    "{m} cannot log in with this client's credentials, which log in with {ours}"
                )));
            }
            let token = self.login().await?;
            return Ok(serde_json::json!({ "token": token.expose() }));
        }
        self.execute(
            m,
            |token| prepare_value(m, params, token.map(Token::expose), self.inner.release),
            |body, fields_set| decode_json(m.name(), body, fields_set),
        )
        .await
    }

    /// Sends a request prepared elsewhere (with its own token) and returns the HTTP status and
    /// the body, after the client's retries: for shells that drive the core themselves.
    pub async fn send_prepared(&self, prepared: &PreparedRequest) -> Result<(u16, Vec<u8>), Error> {
        self.bounded(prepared.method, async {
            let answer = self.exchange(prepared, None).await?;
            Ok((answer.status, answer.body))
        })
        .await
    }

    /// A call with the current token: one new login and one more try after an API error
    /// answered to a token from an earlier call.
    pub(crate) async fn execute<T>(
        &self,
        method: Method,
        build: impl Fn(Option<&Token>) -> Result<PreparedRequest, crmcom_netflix::Error>,
        decode: impl Fn(&[u8], Option<&[String]>) -> Result<T, crmcom_netflix::Error>,
    ) -> Result<T, Error> {
        // Bad input fails here, before a login or anything else goes out.
        let placeholder = Token::new("-");
        build(method.takes_token().then_some(&placeholder)).map_err(|e| self.core(e, method, 0))?;
        self.bounded(method, async {
            let (mut token, mut fresh) = if method.takes_token() {
                let (t, f) = self.token().await?;
                (Some(t), f)
            } else {
                (None, true)
            };
            loop {
                let prepared = build(token.as_ref()).map_err(|e| self.core(e, method, 0))?;
                let answer = self.exchange(&prepared, token.as_ref()).await?;
                match decode(&answer.body, prepared.fields_set.as_deref()) {
                    Ok(value) => return Ok(value),
                    // Not after a 5xx: the server is in trouble, the token is not the question.
                    Err(crmcom_netflix::Error::Api(e))
                        if !fresh && self.inner.relogin_on_api_error && answer.status < 500 =>
                    {
                        info!(
                            method = method.name(),
                            code = %e.code,
                            message = e.message.as_deref().unwrap_or(""),
                            "API error with a token from an earlier call; logging in again"
                        );
                        if let Some(used) = token.take() {
                            self.forget(&used).await;
                        }
                        let (t, _) = self.token().await?;
                        token = Some(t);
                        fresh = true;
                    }
                    Err(e) => return Err(self.core(e, method, answer.status)),
                }
            }
        })
        .await
    }

    /// Runs `f` within the whole-call time limit.
    pub(crate) async fn bounded<T>(
        &self,
        method: Method,
        f: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let limit = self.inner.timeouts.call;
        match tokio::time::timeout(limit, f).await {
            Ok(result) => result,
            Err(_) => {
                warn!(method = method.name(), "the call time-out ran out");
                Err(Error::Timeout {
                    method,
                    kind: TimeoutKind::Call,
                    after: limit,
                })
            }
        }
    }

    /// A core error of `method`, with every secret the client knows redacted.
    fn core(&self, e: crmcom_netflix::Error, method: Method, status: u16) -> Error {
        self.scrub(Error::from_core(e, method, status))
    }

    /// Redacts every secret the client knows (the password, the tokens it was issued) from the
    /// texts of an error: a server may echo what it was sent.
    pub(crate) fn scrub(&self, mut e: Error) -> Error {
        let tokens = self
            .inner
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut secrets: Vec<&str> = tokens.iter().map(Token::expose).collect();
        secrets.extend(self.inner.credential_secrets.iter().map(String::as_str));
        match &mut e {
            Error::Api { error, .. } => {
                for text in [&mut error.description, &mut error.message]
                    .into_iter()
                    .flatten()
                {
                    *text = redact(text, &secrets);
                }
                error.code = redact(&error.code, &secrets);
            }
            Error::MalformedResponse { error, .. } => {
                error.message = redact(&error.message, &secrets);
            }
            Error::Transport { message, .. } => *message = redact(message, &secrets),
            _ => {}
        }
        e
    }

    /// The retry policy of every call.
    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Sends one prepared request with the retry policy. Returns any 2xx answer, and any other
    /// answer that carries an API error envelope; other answers and failures are errors.
    pub(crate) async fn exchange(
        &self,
        prepared: &PreparedRequest,
        token: Option<&Token>,
    ) -> Result<Answer, Error> {
        let method = prepared.method;
        let policy = &self.inner.retry;
        let started = Instant::now();
        let deadline = started + self.inner.timeouts.call;
        let request = self.http_request(prepared);
        let secrets: Vec<&str> = token
            .map(Token::expose)
            .into_iter()
            .chain(self.inner.credential_secrets.iter().map(String::as_str))
            .collect();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.inner.requests.fetch_add(1, Ordering::Relaxed);
            let sent_at = Instant::now();
            let outcome = tokio::time::timeout(
                self.inner.timeouts.attempt,
                self.inner.transport.send(&request),
            )
            .await;
            let last = attempt >= policy.max_attempts;
            // What to do with this attempt: return, fail, or wait and go again.
            let (failure, retry_after): (Error, Option<Duration>) = match outcome {
                Ok(Ok(response)) => {
                    let status = response.status;
                    debug!(
                        method = method.name(),
                        attempt,
                        status,
                        elapsed_ms = sent_at.elapsed().as_millis() as u64,
                        "answer"
                    );
                    if (200..300).contains(&status) {
                        return Ok(Answer {
                            status,
                            body: response.body,
                        });
                    }
                    let retry_after = response
                        .header("retry-after")
                        .and_then(|v| parse_retry_after(v, self.now()));
                    let retryable = status == 408 || status == 429 || status >= 500;
                    let envelope = is_api_error(method, &response);
                    if !retryable || last || !policy.may_repeat(method, true) {
                        if envelope {
                            return Ok(Answer {
                                status,
                                body: response.body,
                            });
                        }
                        return Err(Error::HttpStatus {
                            method,
                            status,
                            attempts: attempt,
                        });
                    }
                    let failure = if envelope {
                        self.core(
                            decode_json(method.name(), &response.body, None)
                                .err()
                                .unwrap_or(crmcom_netflix::Error::InvalidRequest(Vec::new())),
                            method,
                            status,
                        )
                    } else {
                        Error::HttpStatus {
                            method,
                            status,
                            attempts: attempt,
                        }
                    };
                    // Keep the last answer to return it when the retries run out.
                    if envelope && (last || retry_after.is_some_and(|d| d > policy.max_retry_after))
                    {
                        return Ok(Answer {
                            status,
                            body: response.body,
                        });
                    }
                    (failure, retry_after)
                }
                Ok(Err(e)) => {
                    let failure = self.transport_error(method, &e, attempt, &secrets);
                    if last || !policy.may_repeat(method, e.reached_server()) {
                        return Err(failure);
                    }
                    (failure, None)
                }
                Err(_) => {
                    let failure = Error::Timeout {
                        method,
                        kind: TimeoutKind::Attempt,
                        after: self.inner.timeouts.attempt,
                    };
                    if last || !policy.may_repeat(method, true) {
                        return Err(failure);
                    }
                    (failure, None)
                }
            };
            let backoff = policy.backoff(attempt);
            let wait = match retry_after {
                Some(d) if d > policy.max_retry_after => {
                    info!(
                        method = method.name(),
                        retry_after_s = d.as_secs(),
                        "Retry-After is longer than the longest wait allowed; giving up"
                    );
                    return Err(failure);
                }
                Some(d) => d.max(backoff),
                None => backoff,
            };
            if Instant::now() + wait >= deadline {
                info!(
                    method = method.name(),
                    "no time left in the call for another attempt"
                );
                return Err(failure);
            }
            info!(
                method = method.name(),
                attempt,
                wait_ms = wait.as_millis() as u64,
                error = %failure,
                "retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    fn transport_error(
        &self,
        method: Method,
        e: &TransportError,
        attempts: u32,
        secrets: &[&str],
    ) -> Error {
        use crate::transport::TransportErrorKind as K;
        match e.kind {
            K::ConnectTimeout => Error::Timeout {
                method,
                kind: TimeoutKind::Connect,
                after: self.inner.timeouts.connect,
            },
            K::Timeout => Error::Timeout {
                method,
                kind: TimeoutKind::Attempt,
                after: self.inner.timeouts.attempt,
            },
            _ => Error::Transport {
                method,
                message: redact(&e.message, secrets),
                reached_server: e.reached_server(),
                attempts,
            },
        }
    }

    fn http_request(&self, prepared: &PreparedRequest) -> HttpRequest {
        let body = prepared.body_bytes();
        let mut headers = vec![
            ("accept".to_owned(), "application/json".to_owned()),
            ("user-agent".to_owned(), USER_AGENT.to_owned()),
        ];
        if body.is_some() {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
        // The core's own headers: `Authorization` for a Web API key login.
        headers.extend(prepared.headers.iter().cloned());
        HttpRequest {
            method: prepared.method,
            verb: prepared.verb,
            url: prepared.url(&self.inner.base_url),
            path: prepared.path,
            query: prepared.query.clone(),
            body,
            headers,
            timeout: self.inner.timeouts.attempt,
        }
    }

    // -- methods ---------------------------------------------------------------------------

    /// `netflix/promotions/list`: the Netflix promotions that apply to the operator.
    pub async fn list_promotions(&self, request: &ListPromotions) -> Result<Vec<Promotion>, Error> {
        self.call(request).await
    }

    /// `netflix/subscriptions/show`: the Netflix subscriptions of a customer.
    pub async fn show_subscriptions(
        &self,
        request: &ShowSubscriptions,
    ) -> Result<Subscriptions, Error> {
        self.call(request).await
    }

    /// `netflix/subscriptions/create`: creates a Netflix subscriber; the answer carries the
    /// Netflix sign-up token. Never sent twice by the retry policy.
    pub async fn create_subscription(
        &self,
        request: &CreateSubscription,
    ) -> Result<SubscriptionCreated, Error> {
        self.call(request).await
    }

    /// `netflix/subscriptions/suspend`.
    pub async fn suspend(&self, billing_system_customer_identifier: &str) -> Result<Empty, Error> {
        self.call(&SuspendSubscription {
            billing_system_customer_identifier: billing_system_customer_identifier.to_owned(),
        })
        .await
    }

    /// `netflix/subscriptions/unsuspend`.
    pub async fn unsuspend(
        &self,
        billing_system_customer_identifier: &str,
    ) -> Result<Empty, Error> {
        self.call(&UnsuspendSubscription {
            billing_system_customer_identifier: billing_system_customer_identifier.to_owned(),
        })
        .await
    }

    /// `netflix/charges/list`: one page of the charges not yet acknowledged, every documented
    /// field of each charge there. A `fields_set` that leaves one out is for
    /// [`Client::list_charges_projected`] (an [`Error::Config`] here, before anything is sent).
    pub async fn list_charges(&self, request: &ListCharges) -> Result<ChargesPage, Error> {
        self.call(request).await
    }

    /// `netflix/charges/list` with the `fields_set` of `request` (which must have one): each
    /// charge holds the fields named ([`ProjectedCharge`](crmcom_netflix::ProjectedCharge),
    /// every field an `Option`).
    pub async fn list_charges_projected(
        &self,
        request: &ListCharges,
    ) -> Result<ProjectedChargesPage, Error> {
        self.call_projected(request).await
    }

    /// `netflix/charges/acknowledge`, 50 charges per call (repeats merged); returns the charges
    /// that failed. After a retry, a charge the first attempt acknowledged comes back failed
    /// with `CHARGE_ALREADY_ACKNOWLEDGED`: count it as done.
    pub async fn acknowledge_charges(
        &self,
        items: impl IntoIterator<Item = AcknowledgedCharge>,
    ) -> Result<Vec<FailedCharge>, Error> {
        self.charge_sets(batch::<AcknowledgeCharges>(items)).await
    }

    /// `netflix/charges/accept` (R14.1.0), 50 per call; returns the charges that failed.
    pub async fn accept_charges(
        &self,
        items: impl IntoIterator<Item = AcceptedCharge>,
    ) -> Result<Vec<FailedCharge>, Error> {
        self.charge_sets(batch::<AcceptCharges>(items)).await
    }

    /// `netflix/charges/decline` (R14.1.0), 50 per call; returns the charges that failed.
    pub async fn decline_charges(
        &self,
        items: impl IntoIterator<Item = DeclinedCharge>,
    ) -> Result<Vec<FailedCharge>, Error> {
        self.charge_sets(batch::<DeclineCharges>(items)).await
    }

    async fn charge_sets<R>(&self, requests: Vec<R>) -> Result<Vec<FailedCharge>, Error>
    where
        R: ApiRequest<Response = crmcom_netflix::FailedCharges>,
    {
        let mut failed = Vec::new();
        for request in &requests {
            failed.extend(self.call(request).await?.failed().iter().cloned());
        }
        Ok(failed)
    }
}

/// Whether a non-2xx answer carries an API error envelope (what the server meant to say).
fn is_api_error(method: Method, response: &HttpResponse) -> bool {
    matches!(
        decode_json(method.name(), &response.body, None),
        Err(crmcom_netflix::Error::Api(_))
    )
}
