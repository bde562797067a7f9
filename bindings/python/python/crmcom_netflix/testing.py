"""Testing helpers: `FakeCrm`, the SDK's simulator of the CRM.COM side as an in-process
transport for `Client`, with the simulator's fault knobs, so that billing scripts can be tested
offline.

    from crmcom_netflix.testing import FakeCrm

    def test_nightly_billing() -> None:
        crm = FakeCrm(start="2024-03-01T02:00:00")
        crm.add_charge("pci1", "5.99", "USD")
        with crm.client() as client:
            result = client.sync_charges()
        assert [c.amount for c in result.billable] == [Decimal("5.99")]
        assert crm.unacknowledged() == []

With pytest, the `fake_crm` and `fake_crm_client` fixtures are available once the package is
installed (see `crmcom_netflix.pytest_plugin`). `FakeCrm.serve_http()` also puts the fake
behind a real HTTP server on 127.0.0.1, for scripts that bring their own HTTP library.

The simulator itself is Rust (`crmcom-netflix-sim`, exposed here as `Simulator`): it checks every
request with the core's rules and answers as CRM.COM does.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from ._enums import ChargeStatus
from ._native import Simulator, Token
from .client import Client, HttpRequest, HttpResponse

__all__ = ["FakeCrm", "Simulator", "TimeLike"]

TimeLike = Union[datetime, str, float, int]

BASE_PATH = "/crmapi/rest/v2"


def epoch(value: TimeLike) -> float:
    """Epoch seconds of a `datetime` (naive ones read as UTC), an API date string or a number."""
    if isinstance(value, bool):
        raise TypeError("a time is a datetime, an API date string or epoch seconds")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        from ._native import parse_date

        parsed = parse_date(value)
        if parsed is None:
            raise ValueError(f"{value!r} is not a date such as 2024-03-01T02:00:00")
        value = parsed
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    raise TypeError("a time is a datetime, an API date string or epoch seconds")


class FakeCrm:
    """A fake CRM.COM server in the process: a `Transport` for `Client` backed by the Rust
    simulator.

    The clock is real time by default; with `start` it is a manual clock that starts there, moves
    `tick` seconds per request and only otherwise with `advance()` (the client built by
    `client()` reads it too, and its back-off waits advance it instead of sleeping). `latency`
    sleeps that many real seconds per request.
    """

    BASE_URL = "https://fake-crm.invalid" + BASE_PATH
    USERNAME: str = Simulator.USERNAME
    PASSWORD: str = Simulator.PASSWORD
    ORGANISATION: str = Simulator.ORGANISATION
    API_KEY: str = Simulator.API_KEY

    def __init__(
        self,
        *,
        release: Optional[str] = None,
        start: Optional[TimeLike] = None,
        tick: float = 0.0,
        latency: float = 0.0,
    ) -> None:
        self.sim = Simulator(release)
        self._lock = threading.RLock()
        self._manual = start is not None
        self._now = epoch(start) if start is not None else 0.0
        self.tick = tick
        self.latency = latency
        self.requests: List[Tuple[str, str]] = []
        """`(verb, path)` of every request received, in order."""
        self._network_failures = 0
        self._http_statuses: List[int] = []

    def __repr__(self) -> str:
        return f"FakeCrm(release={self.release!r}, requests={len(self.requests)})"

    # -- time --------------------------------------------------------------------------------

    @property
    def release(self) -> str:
        """The release the fake server runs."""
        return self.sim.release

    def now(self) -> float:
        """The fake's clock, in epoch seconds."""
        return self._now if self._manual else time.time()

    def advance(self, seconds: float) -> None:
        """Moves a manual clock forward (does nothing on a real clock, which moves by itself)."""
        if self._manual:
            self._now += seconds

    def _at(self, when: Optional[TimeLike]) -> Optional[int]:
        return None if when is None else int(epoch(when))

    # -- the transport -----------------------------------------------------------------------

    def send(self, request: HttpRequest) -> HttpResponse:
        """Answers one request (the `Transport` protocol)."""
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.requests.append((request.verb, request.prepared.path))
            if self._network_failures:
                self._network_failures -= 1
                raise ConnectionError("fake CRM.COM: connection reset")
            if self._http_statuses:
                status = self._http_statuses.pop(0)
                return HttpResponse(status, b"<html><body>Bad gateway</body></html>")
            body = self.sim.handle(request.prepared, int(self.now()))
            if self._manual:
                self._now += self.tick
        return HttpResponse(self._status_of(body), body, {"Content-Type": "application/json"})

    @staticmethod
    def _status_of(body: bytes) -> int:
        # An unavailable server answers 503 (and clients retry GETs on it).
        if b"SERVICE_UNAVAILABLE" in body:
            try:
                if json.loads(body)["status"]["message"] == "SERVICE_UNAVAILABLE":
                    return 503
            except (ValueError, KeyError, TypeError):
                pass
        return 200

    def handle_http(
        self,
        verb: str,
        path: str,
        query: List[Tuple[str, str]],
        body: Optional[bytes],
        headers: Sequence[Tuple[str, str]] = (),
    ) -> Tuple[int, bytes]:
        """Answers a request given as HTTP parts (`path` relative to `.../crmapi/rest/v2/`);
        `headers` carry the `Authorization` of a Web API key login."""
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.requests.append((verb, path))
            if self._http_statuses:
                return self._http_statuses.pop(0), b"<html><body>Bad gateway</body></html>"
            out = self.sim.handle_http(
                verb, path, query, body, int(self.now()), headers=list(headers)
            )
            if self._manual:
                self._now += self.tick
        return self._status_of(out), out

    def client(self, **options: Any) -> Client:
        """A `Client` logged in as the default user through this fake, on its clock (with
        `api_key=fake.API_KEY`, by the default Web API key instead)."""
        if options.get("api_key") is None:
            options.setdefault("username", self.USERNAME)
            options.setdefault("password", self.PASSWORD)
            options.setdefault("organisation", self.ORGANISATION)
        options.setdefault("transport", self)
        options.setdefault("clock", self.now)
        if self._manual:
            options.setdefault("sleep", self.advance)
        return Client(self.BASE_URL, **options)

    @contextlib.contextmanager
    def serve_http(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serves the fake over HTTP on `host` (loopback by default) for the duration of the
        `with` block; yields the base URL (`http://127.0.0.1:PORT/crmapi/rest/v2`)."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, verb: str) -> None:
                url = urllib.parse.urlsplit(self.path)
                if not url.path.startswith(BASE_PATH + "/"):
                    self._reply(404, b"not found")
                    return
                path = url.path[len(BASE_PATH) + 1 :]
                query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                status, out = fake.handle_http(verb, path, query, body, list(self.headers.items()))
                self._reply(status, out)

            def _reply(self, status: int, out: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def do_GET(self) -> None:  # noqa: N802 - the http.server naming
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # the query string carries the token: never log it

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that went away mid-request (a killed job) is not our error

        server = Server((host, port), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://{host}:{server.server_address[1]}{BASE_PATH}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

    # -- data --------------------------------------------------------------------------------

    def add_charge(
        self,
        customer: str,
        amount: Union[Decimal, str, int],
        currency: str = "USD",
        status: Union[ChargeStatus, str] = ChargeStatus.APPROVED,
        *,
        received_on: Optional[TimeLike] = None,
        paid_through_date: Optional[TimeLike] = None,
        local_currency_amount: Union[Decimal, str, None] = None,
        local_currency: Optional[str] = None,
    ) -> str:
        """Adds a charge (received now unless `received_on` says otherwise); returns its number.
        `status` may be any wire string, to try values the SDK does not know."""
        with self._lock:
            return self.sim.add_charge(
                customer,
                amount,
                currency,
                status,
                now=int(self.now()),
                received_on=self._at(received_on),
                paid_through_date=self._at(paid_through_date),
                local_currency_amount=local_currency_amount,
                local_currency=local_currency,
            )

    def schedule_charge(
        self,
        requests_from_now: int,
        customer: str,
        amount: Union[Decimal, str, int],
        currency: str = "USD",
        status: Union[ChargeStatus, str] = ChargeStatus.APPROVED,
    ) -> None:
        """A charge arrives just before the `requests_from_now`-th request from now."""
        with self._lock:
            self.sim.schedule_charge(requests_from_now, customer, amount, currency, status)

    def process_charge(self, number: str, status: Union[ChargeStatus, str]) -> None:
        """CRM.COM processes a pending charge (now)."""
        with self._lock:
            self.sim.process_charge(number, status, int(self.now()))

    def seed(self, count: int = 120, *, seed: int = 7, customers: int = 80) -> List[str]:
        """Adds `count` realistic charges received over the last day: mostly approved plans in
        USD and EUR (EUR ones with a local amount), some declined, bad requests and rejected,
        a few pending, one in a currency the SDK does not know and one with a status it does not
        know. Returns their numbers."""
        rng = random.Random(seed)
        plans = {
            "USD": ["8.99", "12.99", "15.49", "17.99", "22.99"],
            "EUR": ["7.99", "11.99", "17.99"],
            "JPY": ["990", "1490"],
        }
        now = self.now()
        numbers = []
        for i in range(count):
            currency = rng.choices(["USD", "EUR", "JPY"], weights=[70, 25, 5])[0]
            amount = rng.choice(plans[currency])
            status: Union[ChargeStatus, str] = rng.choices(
                [
                    ChargeStatus.APPROVED,
                    ChargeStatus.DECLINED,
                    ChargeStatus.BAD_REQUEST,
                    ChargeStatus.REJECTED,
                    ChargeStatus.PENDING,
                ],
                weights=[84, 6, 2, 2, 6],
            )[0]
            if i == count // 2:
                currency, amount = "XTS", "9.99"  # a code the SDK does not know
            if i == count // 3:
                status = "ON_HOLD"  # a status the SDK does not know
            local = (
                (str((Decimal(amount) * Decimal("1.09")).quantize(Decimal("0.01"))), "USD")
                if currency == "EUR"
                else (None, None)
            )
            numbers.append(
                self.add_charge(
                    f"pci{rng.randrange(customers):05d}",
                    amount,
                    currency,
                    status,
                    received_on=now - 86_400 + i * (86_000 // max(count, 1)),
                    local_currency_amount=local[0],
                    local_currency=local[1],
                )
            )
        return numbers

    def charges(self) -> List[Dict[str, Any]]:
        """Every charge of the fake's ledger (acknowledged ones included) as dicts."""
        with self._lock:
            return list(self.sim.charges())

    def charge(self, number: str) -> Optional[Dict[str, Any]]:
        """One charge of the ledger as a dict, or None."""
        with self._lock:
            return self.sim.charge(number)

    def acknowledged(self) -> List[str]:
        """Numbers of the charges acknowledged so far."""
        return [c["number"] for c in self.charges() if c["acknowledged_on"] is not None]

    def unacknowledged(self, *, processed_only: bool = True) -> List[str]:
        """Numbers of the charges not acknowledged yet (processed ones only, by default)."""
        return [
            c["number"]
            for c in self.charges()
            if c["acknowledged_on"] is None and (not processed_only or c["status"] != "PENDING")
        ]

    def add_promotion(
        self,
        code: str,
        name: str,
        effective_from: TimeLike,
        *,
        description: Optional[str] = None,
        expires_on: Optional[TimeLike] = None,
    ) -> None:
        """Adds a promotion to the catalogue."""
        with self._lock:
            self.sim.add_promotion(
                code,
                name,
                int(epoch(effective_from)),
                description=description,
                expires_on=self._at(expires_on),
            )

    def subscriptions(self) -> List[Dict[str, Any]]:
        """The fake's subscriptions as dicts."""
        with self._lock:
            return list(self.sim.subscriptions())

    def complete_sign_up(self, netflix_token: str) -> str:
        """The customer finishes the Netflix sign-up; returns the Netflix customer identifier."""
        with self._lock:
            return self.sim.complete_sign_up(netflix_token, int(self.now()))

    def cancel_subscription(self, customer: str) -> None:
        """Cancels the customer's current subscription."""
        with self._lock:
            self.sim.cancel_subscription(customer)

    def add_user(self, username: str, password: str, organisation: str) -> None:
        """Adds a user who can log in."""
        with self._lock:
            self.sim.add_user(username, password, organisation)

    def stats(self) -> Dict[str, Any]:
        """What the simulator was asked: `requests`, `by_method`, `invalid_requests`, `errors`."""
        with self._lock:
            return dict(self.sim.stats())

    # -- fault knobs -------------------------------------------------------------------------

    def fail_acknowledgement(self, number: str, times: int = 1) -> None:
        """Refuses the next `times` acknowledgements of a charge (`ACKNOWLEDGEMENT_FAILED`)."""
        with self._lock:
            self.sim.fail_acknowledgement(number, times)

    def fail_acknowledgements_at_rate(self, per_mille: int, seed: int = 0) -> None:
        """Refuses each acknowledgement with probability `per_mille`/1000 (0 turns it off)."""
        with self._lock:
            self.sim.fail_acknowledgements_at_rate(per_mille, seed)

    def reorder_next_page(self) -> None:
        """Serves the next `charges/list` page newest first."""
        with self._lock:
            self.sim.reorder_next_page()

    def shift_next_page(self, by: int) -> None:
        """Serves the next `charges/list` page from `offset + by`."""
        with self._lock:
            self.sim.shift_next_page(by)

    def expire_token(self, token: Union[Token, str]) -> None:
        """Expires a login token now."""
        with self._lock:
            self.sim.expire_token(token)

    def expire_all_tokens(self) -> None:
        """Expires every login token issued so far."""
        with self._lock:
            self.sim.expire_all_tokens()

    def fail_next_requests(self, count: int) -> None:
        """Answers the next `count` requests `SERVICE_UNAVAILABLE` (HTTP 503), doing nothing."""
        with self._lock:
            self.sim.fail_next_requests(count)

    def clear_faults(self) -> None:
        """Turns every fault knob off, the simulator's and the transport's (scheduled charges
        still arrive)."""
        with self._lock:
            self.sim.clear_faults()
            self._network_failures = 0
            self._http_statuses.clear()

    def add_scheduled_charges(self) -> int:
        """Adds now every scheduled charge whose request has not come yet; returns how many."""
        with self._lock:
            return self.sim.add_scheduled_charges(int(self.now()))

    def fail_network(self, count: int) -> None:
        """The next `count` requests get no answer at all (the transport raises
        `ConnectionError`, as a reset connection would)."""
        with self._lock:
            self._network_failures = count

    def answer_http_status(self, *statuses: int) -> None:
        """The next requests get these HTTP statuses with an HTML body (a proxy in the way)."""
        with self._lock:
            self._http_statuses.extend(statuses)
