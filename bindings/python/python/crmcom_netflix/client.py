"""`Client`: a small blocking client for the CRM.COM netflix API, built only from `prepare` and
`decode`, on the standard library.

It logs in, renews the token before it expires, retries GET calls (never POSTs) on network
failures and 5xx answers, and runs the nightly charge loop (`sync_charges`) with an optional
SQLite journal that makes a killed run resume without losing or double-billing a charge.

The HTTP layer is a `Transport`: `UrllibTransport` by default, `crmcom_netflix.testing.FakeCrm`
in tests, or a few lines around any HTTP library:

    class RequestsTransport:
        def __init__(self) -> None:
            self.session = requests.Session()

        def send(self, request: HttpRequest) -> HttpResponse:
            r = self.session.request(request.verb, request.url, data=request.body,
                                     headers=dict(request.headers), timeout=request.timeout)
            return HttpResponse(r.status_code, r.content)
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    Iterable,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    overload,
)

from . import _native
from ._base import Request
from ._enums import ChargeStatusFilter
from ._errors import ApiError, Error, MalformedResponse, TransportError
from ._models import (
    AcceptCharges,
    AcceptedCharge,
    AcknowledgeCharges,
    AcknowledgedCharge,
    CreateSubscription,
    DeclineCharges,
    DeclinedCharge,
    ListCharges,
    ListPromotions,
    LoginRequest,
    ReleaseToken,
    ShowSubscriptions,
    SuspendSubscription,
    UnsuspendSubscription,
    WebApiKeyLogin,
)
from ._native import (
    Charge,
    Journal,
    ChargesPage,
    Empty,
    FailedCharge,
    FailedCharges,
    LoginResult,
    PreparedRequest,
    Promotion,
    Subscription,
    SubscriptionCreated,
    SyncReport,
    Token,
)

__all__ = [
    "Client",
    "Transport",
    "HttpRequest",
    "HttpResponse",
    "UrllibTransport",
    "SyncResult",
    "ChargeSetItem",
]

log = logging.getLogger("crmcom_netflix")

_T = TypeVar("_T")

PathLike = Union[str, "os.PathLike[str]"]

ChargeSetItem = Union[
    Charge,
    AcknowledgedCharge,
    AcceptedCharge,
    DeclinedCharge,
    Mapping[str, Any],
    Tuple[str, str, Optional[str]],
]
"""What the acknowledge, accept and decline calls (and `batch`) take for one charge: a `Charge`,
a set item, a dict with `number`, `billing_system_customer_identifier` and
`reference_number`, or a `(number, customer, reference)` tuple."""

USER_AGENT = f"crmcom-netflix-python/{_native.VERSION}"

REDACTED = "<redacted>"

# `token=...` in any URL text, `"token": "..."` / `"password": "..."` / `"api_key": "..."` in any
# JSON text, and the credentials of an `Authorization: Basic` header: a
# library's error message may quote the request it failed on, with a token this client never saw
# (an earlier one) or in an encoding it did not expect.
_SECRET_IN_TEXT = (
    re.compile(r"(?i)(\btoken=)[^&#\s'\"<>]*"),
    re.compile(r'(?i)("(?:token|password|api_key)"\s*:\s*)"(?:[^"\\]|\\.)*"'),
    re.compile(r"(?i)(\bBasic\s+)[A-Za-z0-9+/=_-]+"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every `token=` value of a URL, every JSON `token`/`password` value and every
    one of `secrets` (also percent- or JSON-encoded) replaced by `<redacted>`."""
    for secret in secrets:
        if not secret:
            continue
        forms = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
        forms.add(json.dumps(secret)[1:-1])
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, REDACTED)
    text = _SECRET_IN_TEXT[0].sub(lambda m: m.group(1) + REDACTED, text)
    return _SECRET_IN_TEXT[1].sub(lambda m: m.group(1) + '"' + REDACTED + '"', text)


def _describe(e: BaseException, secrets: Iterable[str]) -> str:
    """What went wrong, for a message: the exception's type and text, with secrets redacted."""
    text = str(e)
    name = type(e).__name__
    return redact(f"{name}: {text}" if text else name, secrets)


def _scrubbed(e: Error, secrets: Sequence[str]) -> Optional[Error]:
    """A copy of `e` without any secret in its text or attributes, or `None` if it holds none.
    (A server may echo what it was sent; the copy is raised without `e` in its chain.)"""
    texts = [str(e)] + [v for v in vars(e).values() if isinstance(v, str)]
    if not any(redact(t, secrets) != t for t in texts):
        return None

    def clean(value: Optional[str]) -> Optional[str]:
        return None if value is None else redact(value, secrets)

    text = redact(str(e), secrets)
    if isinstance(e, ApiError):
        return ApiError(text, redact(e.code, secrets), clean(e.description), clean(e.message))
    if isinstance(e, MalformedResponse):
        return MalformedResponse(text, e.path, redact(e.message, secrets))
    if isinstance(e, TransportError):
        return TransportError(text, e.status)
    return Error(text)


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP exchange for a transport to carry out."""

    verb: str
    """`"GET"` or `"POST"`."""
    url: str
    """The full URL; for a GET it carries the token in its query string."""
    headers: Mapping[str, str]
    body: Optional[bytes]
    """The JSON body of a POST (it carries the token); `None` for a GET."""
    timeout: float
    """Seconds to wait for the server."""
    prepared: PreparedRequest
    """The request as the core prepared it (what an in-process fake needs)."""

    def __repr__(self) -> str:
        # The URL and the body carry the token: show neither.
        return f"HttpRequest({self.verb} {self.prepared.path}, timeout={self.timeout})"


@dataclass(frozen=True)
class HttpResponse:
    """What the server answered."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


def _is_response(value: object) -> bool:
    """Whether a transport's answer can be read: an int HTTP status and a bytes body."""
    status = getattr(value, "status", None)
    body = getattr(value, "body", None)
    return (
        isinstance(status, int)
        and not isinstance(status, bool)
        and isinstance(body, (bytes, bytearray))
    )


class Transport(Protocol):
    """Carries out one HTTP exchange. Raise `OSError` (or `TransportError`) when no answer came;
    return any answer that came, whatever its status."""

    def send(self, request: HttpRequest) -> HttpResponse: ...


class UrllibTransport:
    """A transport on `urllib.request` (standard library only). `context` is the TLS context for
    HTTPS; `proxies` maps schemes to proxy URLs (`{}` for none; the environment's by default)."""

    def __init__(
        self,
        *,
        context: Optional[ssl.SSLContext] = None,
        proxies: Optional[Mapping[str, str]] = None,
    ) -> None:
        handlers: List[urllib.request.BaseHandler] = []
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        if proxies is not None:
            handlers.append(urllib.request.ProxyHandler(dict(proxies)))
        self._opener = urllib.request.build_opener(*handlers)

    def send(self, request: HttpRequest) -> HttpResponse:
        """Carries out the exchange. Every failure to get a whole answer (refused or reset
        connections, time-outs, TLS errors, a truncated body, a bad status line, oversized or
        too many headers) is a `TransportError`, with the exception's type and text (any token
        redacted) and no chain, since the exceptions of `urllib` and `http.client` may quote the
        URL."""
        failure = self._send(request)
        if isinstance(failure, HttpResponse):
            return failure
        raise TransportError(failure)

    def _send(self, request: HttpRequest) -> Union[HttpResponse, str]:
        secrets = request.prepared.secret_values()
        try:
            http_request = urllib.request.Request(
                request.url, data=request.body, method=request.verb, headers=dict(request.headers)
            )
            with self._opener.open(http_request, timeout=request.timeout) as response:
                return HttpResponse(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as e:
            # An answer with an error status: its body (an API envelope, or a proxy's page).
            try:
                body = e.read() if e.fp is not None else b""
                return HttpResponse(e.code, body, dict(e.headers or {}))
            except (OSError, http.client.HTTPException, ValueError) as inner:
                return _describe(inner, secrets)
            finally:
                e.close()
        except (OSError, http.client.HTTPException, ValueError) as e:
            return _describe(e, secrets)


@dataclass(frozen=True)
class SyncResult:
    """What `Client.sync_charges` did in one run."""

    run: int
    """The run number (one per completed night, from 1)."""
    report: SyncReport
    """The core's summary of the run."""
    charges: List[Charge]
    """Every charge the billing took in this run, in order, from the journal (so including the
    ones taken before an interruption)."""
    left: List[Charge]
    """Charges handed over in this process and left on the server for a person to look at:
    not processed (`PENDING` or a status this SDK does not know), or approved with an amount
    it cannot price. They come back in a later run."""

    @property
    def billable(self) -> List[Charge]:
        """The charges to bill: approved, priced in a known currency."""
        return [c for c in self.charges if c.billable]


_Response = Union[
    ChargesPage,
    List[Promotion],
    List[Subscription],
    SubscriptionCreated,
    Empty,
    FailedCharges,
    LoginResult,
]


class Client:
    """A blocking client for one CRM.COM server.

    `base_url` is the Web API root, `https://host/crmapi/rest/v2`. It logs in with a user
    (`username`, `password`, `organisation`) or with a Web API key (`api_key`, sent by
    `authentication/web_api_key/token` as HTTP Basic authentication); `unit` applies to either.
    The client logs in on first use and again shortly before the token expires (a JWT's `exp`, or `token_lifetime` seconds
    after login for an opaque token), retries GET calls up to `retries` times on network failures
    and 5xx/429 answers (POSTs are never retried), and targets `release` (the newest by default).

        with Client("https://crm.example/crmapi/rest/v2", username="u", password="p",
                    organisation="ORG") as client:
            page = client.list_charges(charge_status=ChargeStatusFilter.PROCESSED)

        client = Client("https://crm.example/crmapi/rest/v2", api_key=os.environ["CRM_API_KEY"])
    """

    def __init__(
        self,
        base_url: str,
        *,
        username: Optional[str] = None,
        password: Optional[str] = None,
        organisation: Optional[str] = None,
        api_key: Optional[str] = None,
        unit: Optional[str] = None,
        release: Optional[str] = None,
        transport: Optional[Transport] = None,
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.5,
        renew_margin: float = 300.0,
        token_lifetime: float = 3600.0,
        relogin_on_api_error: bool = True,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not isinstance(base_url, str):
            raise TypeError(f"base_url: expected str, got {type(base_url).__name__}")
        self.base_url = base_url.rstrip("/")
        self.release = release
        self.transport: Transport = transport if transport is not None else UrllibTransport()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.renew_margin = renew_margin
        self.token_lifetime = token_lifetime
        self.relogin_on_api_error = relogin_on_api_error
        self._clock = clock
        self._sleep = sleep
        self._login: Union[LoginRequest, WebApiKeyLogin]
        if api_key is not None:
            if username is not None or password is not None or organisation is not None:
                raise TypeError("give either api_key or username, password and organisation")
            self._login = WebApiKeyLogin(api_key=api_key, unit=unit)
        elif username is None or password is None or organisation is None:
            raise TypeError("username, password and organisation are needed (or api_key)")
        else:
            self._login = LoginRequest(
                username=username, password=password, organisation=organisation, unit=unit
            )
        self._token: Optional[Token] = None
        self._issued_at = 0.0
        # Threads sharing the client share its token: one login serves every thread that found
        # the token missing or expiring at the same time.
        self._token_lock = threading.RLock()
        self.logins = 0
        """How many times the client has logged in (renewals included)."""

    def __repr__(self) -> str:
        if isinstance(self._login, WebApiKeyLogin):
            return f"Client({self.base_url!r}, api_key=<redacted>)"
        return (
            f"Client({self.base_url!r}, username={self._login.username!r}, "
            f"organisation={self._login.organisation!r})"
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- tokens ------------------------------------------------------------------------------

    @property
    def token(self) -> Optional[Token]:
        """The current token, if logged in."""
        return self._token

    def login(self) -> Token:
        """Logs in (again) and returns the new token."""
        with self._token_lock:
            prepared = self._login.prepare(release=self.release)
            result = self._send(prepared)
            assert isinstance(result, LoginResult)
            token = result.token
            if token is None:
                raise MalformedResponse("the login response has no token", "data.token", "missing")
            self._token = token
            self._issued_at = self._clock()
            self.logins += 1
            log.debug("logged in (login %d)", self.logins)
            return token

    def _needs_renewal(self, token: Token) -> bool:
        now = self._clock()
        expired = token.is_expired_at(now, self.renew_margin)
        if expired is None:
            return now + self.renew_margin >= self._issued_at + self.token_lifetime
        return expired

    def _current_token(self) -> Token:
        token = self._token
        if token is not None and not self._needs_renewal(token):
            return token
        with self._token_lock:
            # Another thread may have renewed it while this one waited.
            token = self._token
            if token is None or self._needs_renewal(token):
                token = self.login()
            return token

    def _renew(self, refused: Token) -> Token:
        """A new token after the server refused `refused`; if another thread already replaced
        it, that thread's token."""
        with self._token_lock:
            token = self._token
            if token is not None and token != refused:
                return token
            return self.login()

    def logout(self) -> None:
        """Releases the token (the server forgets it)."""
        with self._token_lock:
            token, self._token = self._token, None
        if token is not None:
            self._send(ReleaseToken().prepare(token=token, release=self.release))

    def close(self) -> None:
        """Releases the token if logged in; errors are logged, not raised."""
        try:
            self.logout()
        except Exception as e:  # noqa: BLE001 - closing must not fail
            log.warning("releasing the token failed: %s", _describe(e, [self._login_secret()]))

    # -- calls -------------------------------------------------------------------------------

    def _http_request(self, prepared: PreparedRequest) -> HttpRequest:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        headers.update(prepared.headers)  # the Authorization of a Web API key login
        body = prepared.body_bytes()
        if body is not None:
            headers["Content-Type"] = "application/json"
        return HttpRequest(
            verb=prepared.verb,
            url=prepared.url(self.base_url),
            headers=headers,
            body=body,
            timeout=self.timeout,
            prepared=prepared,
        )

    def _login_secret(self) -> str:
        """The password, or the Web API key."""
        if isinstance(self._login, WebApiKeyLogin):
            return self._login.api_key
        return self._login.password

    def _secrets(self, prepared: PreparedRequest) -> List[str]:
        secrets = prepared.secret_values() + [self._login_secret()]
        token = self._token
        if token is not None:
            secrets.append(token.expose())
        return [s for s in secrets if isinstance(s, str) and s]

    def _attempts(self, prepared: PreparedRequest) -> int:
        """How many times a request may be sent: a GET `retries` more times, a POST once."""
        return 1 + (max(0, self.retries) if prepared.verb == "GET" else 0)

    def exchange(self, prepared: PreparedRequest) -> bytes:
        """Sends a prepared request and returns the response body: GETs are retried on network
        failures and 5xx/429 answers; an answer with another HTTP error status and no API
        envelope raises `TransportError`.

        Whatever the transport raises (any `Exception`) becomes a `TransportError` whose text
        names the exception's type, with every token and password redacted and without the
        original in its chain (HTTP libraries quote the URL, and a GET's URL carries the token).
        Only `OSError` and `TransportError` (network failures) are retried."""
        attempts = self._attempts(prepared)
        request = self._http_request(prepared)
        secrets = self._secrets(prepared)
        for attempt in range(attempts):
            last = attempt + 1 == attempts
            failure: Optional[str] = None
            retryable = True
            try:
                response = self.transport.send(request)
            except TransportError as e:
                failure = redact(str(e), secrets)
            except (OSError, http.client.HTTPException) as e:
                failure = _describe(e, secrets)
            except Exception as e:  # noqa: BLE001 - a transport's own exception may quote the URL
                failure, retryable = _describe(e, secrets), False
            if failure is None and not _is_response(response):
                # A custom transport that returns something else: a failure of the transport, not
                # retried (it would answer the same way), never an AttributeError further on.
                failure, retryable = (
                    f"the transport returned {type(response).__name__}, not an HttpResponse "
                    "with an int status and bytes body",
                    False,
                )
            if failure is not None:
                if last or not retryable:
                    # Raised outside the `except` block, so the original is not its context.
                    raise TransportError(f"{prepared.verb} {prepared.path}: {failure}")
                log.info("%s %s failed (%s); retrying", prepared.verb, prepared.path, failure)
                self._sleep(self.backoff * 2**attempt)
                continue
            if (response.status >= 500 or response.status == 429) and not last:
                log.info("%s %s: HTTP %d; retrying", prepared.verb, prepared.path, response.status)
                self._sleep(self.backoff * 2**attempt)
                continue
            if 200 <= response.status < 300:
                return response.body
            try:
                _native.decode(prepared.method, response.body, fields_set=prepared.fields_set)
            except ApiError:
                return response.body  # the envelope says what went wrong: decode reports it
            except (MalformedResponse, TypeError):
                pass
            raise TransportError(
                f"{prepared.verb} {prepared.path}: HTTP {response.status}", response.status
            )
        raise AssertionError("unreachable")

    def _send(self, prepared: PreparedRequest) -> Any:
        body = self.exchange(prepared)
        return self._decoding(
            prepared,
            lambda: _native.decode(prepared.method, body, fields_set=prepared.fields_set),
        )

    def _decoding(self, prepared: PreparedRequest, decode: Callable[[], _T]) -> _T:
        """`decode()` of the answer to `prepared`, its errors without a secret of it."""
        try:
            return decode()
        except Error as e:
            clean = _scrubbed(e, self._secrets(prepared))
            if clean is None:
                raise
        # A server that echoed a secret: the copy without it, raised outside the `except`.
        raise clean

    def send(self, prepared: PreparedRequest) -> Any:
        """Sends a request prepared by `prepare` (with its own token) and decodes the answer."""
        return self._send(prepared)

    @overload
    def call(self, request: ListCharges) -> ChargesPage: ...
    @overload
    def call(self, request: ListPromotions) -> List[Promotion]: ...
    @overload
    def call(self, request: ShowSubscriptions) -> List[Subscription]: ...
    @overload
    def call(self, request: CreateSubscription) -> SubscriptionCreated: ...
    @overload
    def call(self, request: Union[SuspendSubscription, UnsuspendSubscription, ReleaseToken]) -> Empty: ...
    @overload
    def call(self, request: Union[AcknowledgeCharges, AcceptCharges, DeclineCharges]) -> FailedCharges: ...
    @overload
    def call(self, request: Union[LoginRequest, WebApiKeyLogin]) -> LoginResult: ...
    @overload
    def call(self, request: Request) -> Any: ...

    def call(self, request: Request) -> Any:
        """Prepares `request` with the current token (logging in or renewing it first), sends it
        and decodes the answer. After an `ApiError` on a GET the client logs in again and retries
        once (the token may have been revoked or expired early), unless `relogin_on_api_error`
        is off; a POST is never sent twice."""
        if not isinstance(request, Request):
            raise TypeError(f"call() takes a request object, not {type(request).__name__}")
        logins = self.logins
        token = self._current_token()
        fresh = self.logins != logins
        prepared = request.prepare(token=token, release=self.release)
        try:
            return self._send(prepared)
        except ApiError:
            if fresh or not self.relogin_on_api_error or prepared.verb != "GET":
                raise
            log.info("%s: API error; logging in again and retrying once", request.METHOD)
        token = self._renew(token)
        return self._send(request.prepare(token=token, release=self.release))

    # -- methods -----------------------------------------------------------------------------

    def list_promotions(self, *, fields_set: Optional[Sequence[str]] = None) -> List[Promotion]:
        """The Netflix promotions that apply to the operator."""
        return self.call(ListPromotions(fields_set=fields_set))

    def show_subscriptions(
        self,
        *,
        billing_system_customer_identifier: Optional[str] = None,
        netflix_customer_identifier: Optional[str] = None,
        fields_set: Optional[Sequence[str]] = None,
    ) -> List[Subscription]:
        """The Netflix subscriptions of a customer."""
        return self.call(
            ShowSubscriptions(
                billing_system_customer_identifier=billing_system_customer_identifier,
                netflix_customer_identifier=netflix_customer_identifier,
                fields_set=fields_set,
            )
        )

    def create_subscription(self, request: CreateSubscription) -> SubscriptionCreated:
        """Creates a Netflix subscriber; the result carries the Netflix sign-up token."""
        return self.call(request)

    def suspend_subscription(self, billing_system_customer_identifier: str) -> Empty:
        """Suspends a Netflix subscriber."""
        return self.call(
            SuspendSubscription(billing_system_customer_identifier=billing_system_customer_identifier)
        )

    def unsuspend_subscription(self, billing_system_customer_identifier: str) -> Empty:
        """Reverses the suspension of a Netflix subscriber."""
        return self.call(
            UnsuspendSubscription(
                billing_system_customer_identifier=billing_system_customer_identifier
            )
        )

    def list_charges(
        self,
        *,
        charge_status: Union[ChargeStatusFilter, str, None] = None,
        offset: int = 0,
        number_of_results: int = 50,
        fields_set: Optional[Sequence[str]] = None,
    ) -> ChargesPage:
        """One page of the operator's Netflix charges not yet acknowledged."""
        return self.call(
            ListCharges(
                charge_status=charge_status,
                offset=offset,
                number_of_results=number_of_results,
                fields_set=fields_set,
            )
        )

    def _charge_sets(
        self, request_type: Type[Any], items: Iterable[ChargeSetItem]
    ) -> List[FailedCharge]:
        from . import batch

        failed: List[FailedCharge] = []
        for request in batch(request_type, items):
            result = self.call(request)
            failed.extend(result.failed_charges_set or [])
        return failed

    def acknowledge_charges(self, items: Iterable[ChargeSetItem]) -> List[FailedCharge]:
        """Acknowledges charges (`Charge` objects, set items, dicts or `(number, customer,
        reference)` tuples), 50 per call; returns the ones that failed. Acknowledge only what the
        billing took: `charge.billing_action` is `"bill"` or `"record"`, never `"leave"`."""
        return self._charge_sets(AcknowledgeCharges, items)

    def accept_charges(self, items: Iterable[ChargeSetItem]) -> List[FailedCharge]:
        """Accepts pending charges, 50 per call; returns the ones that failed."""
        return self._charge_sets(AcceptCharges, items)

    def decline_charges(self, items: Iterable[ChargeSetItem]) -> List[FailedCharge]:
        """Declines pending charges, 50 per call; returns the ones that failed."""
        return self._charge_sets(DeclineCharges, items)

    # -- the charge loop ---------------------------------------------------------------------

    def sync_charges(
        self,
        *,
        journal: Optional[PathLike] = None,
        export: Optional[Callable[[SyncResult], None]] = None,
        page_size: Optional[int] = None,
        max_ack_attempts: Optional[int] = None,
        max_pages_per_run: Optional[int] = None,
        already_acknowledged_codes: Optional[Sequence[str]] = None,
        acknowledge_after_pages: Optional[int] = None,
    ) -> SyncResult:
        """Runs the charge loop (`ChargeSync`) to the end of a run: lists the processed charges,
        records the ones the billing takes, acknowledges them, page after page.

        With a `journal` path the sync state and the ledger of taken charges are kept in SQLite
        (the journal every language uses: a run begun here can be finished by the Rust client,
        and the other way round), on disk before every acknowledgement that acts on it: a run
        killed at any point resumes on the next call, without losing a charge or taking one twice. One job at a time: a second
        job on the same journal raises `JournalLocked` at once and changes nothing.
        `export(result)` runs before the run is marked complete (write the billing file there):
        if it fails or the process dies, the next call finishes the same run and exports again.
        The options apply to a new journal; a resumed one keeps its own.
        `acknowledge_after_pages` groups the acknowledgements of that many pages, so the journal
        writes to disk once per group instead of once per page (`crmnf sync` uses 50).
        """
        options = {
            "release": self.release,
            "page_size": page_size,
            "max_ack_attempts": max_ack_attempts,
            "max_pages_per_run": max_pages_per_run,
            "already_acknowledged_codes": (
                None if already_acknowledged_codes is None else list(already_acknowledged_codes)
            ),
            "acknowledge_after_pages": acknowledge_after_pages,
        }
        store = Journal(None if journal is None else os.fspath(journal))
        try:
            return self._sync(
                store, export, json.dumps({k: v for k, v in options.items() if v is not None})
            )
        finally:
            store.close()

    def _sync(
        self,
        store: Journal,
        export: Optional[Callable[[SyncResult], None]],
        options: str,
    ) -> SyncResult:
        if store.start(options) == "resumed":
            log.info("resuming run %d", store.run)
        # The billing takes every charge it is handed and bills from the ledger at the export:
        # a crash undoes a handover and its take together, so a handover need not be on disk
        # before it is taken.
        store.set_durable_handover(False)
        left: List[Charge] = []
        try:
            self._sync_steps(store, left)
        except BaseException:
            # Between steps the journal agrees with itself: keep what was done. (A journal error
            # has already gone back to the last commit.)
            try:
                store.flush()
            except Exception:  # noqa: BLE001 - the first error is the one to report
                pass
            raise
        report, charges = store.summary()
        result = SyncResult(run=store.run, report=report, charges=charges, left=left)
        if export is not None:
            export(result)
        store.complete()
        return result

    def _sync_steps(self, store: Journal, left: List[Charge]) -> None:
        relogged = False
        malformed = 0  # the answers to the request in flight that came back malformed
        while True:
            token = self._current_token()
            request = store.next_request(token)
            if request is None:
                break
            body = self.exchange(request)
            try:
                # The page and its handover are one transaction of the journal.
                taken, left_here = self._decoding(request, lambda: store.feed(body))
            except MalformedResponse:
                # A body garbled on the way: the state is unchanged, so the same request goes
                # again as a failed attempt would, within the same attempts.
                if malformed + 1 >= self._attempts(request):
                    raise
                log.info("%s: malformed answer; sending the request again", request.path)
                self._sleep(self.backoff * 2**malformed)
                malformed += 1
                continue
            except ApiError:
                # The state is unchanged: the same request goes again with a new token, once.
                if relogged or not self.relogin_on_api_error:
                    raise
                relogged = True
                log.info("%s: API error; logging in again", request.path)
                self._renew(token)
                continue
            relogged = False
            malformed = 0
            left.extend(left_here)
            if taken:
                # The billing takes every charge it is handed: the journal's ledger is what the
                # export bills from.
                store.confirm(taken)
