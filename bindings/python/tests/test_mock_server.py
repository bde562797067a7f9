"""The Python client over real HTTP (`UrllibTransport`) against the mock server `crmnf mock`: a
separate process on 127.0.0.1 with its own faults, clock and state.

`make test` builds `crmnf` first and passes its path in `CRMNF_BIN`; run by hand, the tests use
`target/debug/crmnf` (build it with `make crmnf-bin`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

import crmcom_netflix as nf

from conftest import ROOT

CRMNF = Path(os.environ.get("CRMNF_BIN", ROOT / "target" / "debug" / "crmnf"))

pytestmark = pytest.mark.skipif(
    not CRMNF.exists(), reason=f"{CRMNF} is not built (make crmnf-bin)"
)


class Mock:
    """A running `crmnf mock`."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.process = subprocess.Popen(
            [str(CRMNF), "mock", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.process.kill()
            raise RuntimeError(f"crmnf mock did not start: {self.process.stderr.read()!r}")  # type: ignore[union-attr]
        self.base_url = line
        self.api_url = line + "/crmapi/rest/v2"

    def admin(self, verb: str, path: str, body: Optional[Any] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base_url}/_mock/{path}",
            data=data,
            method=verb,
            headers={"Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as response:
            return json.loads(response.read())

    def state(self) -> Dict[str, Any]:
        result: Dict[str, Any] = self.admin("GET", "state")
        return result

    def faults(self, *rules: Dict[str, Any]) -> None:
        self.admin("POST", "faults", {"faults": list(rules)})

    def client(self, **options: Any) -> nf.Client:
        settings: Dict[str, Any] = dict(
            username="billing",
            password="secret",
            organisation="NETFLIXOP",
            timeout=10,
            backoff=0.01,
            transport=nf.UrllibTransport(proxies={}),
        )
        settings.update(options)
        return nf.Client(self.api_url, **settings)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=20)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return code


@pytest.fixture
def mock() -> Iterator[Mock]:
    server = Mock("--charges", "120", "--customers", "30", "--seed", "4")
    try:
        yield server
    finally:
        if server.process.poll() is None:
            assert server.stop() == 0


def acknowledged(state: Dict[str, Any]) -> List[str]:
    return sorted(c["number"] for c in state["charges"] if c["acknowledged"])


def test_a_nightly_run_over_http_acknowledges_exactly_what_it_billed_or_recorded(
    mock: Mock, tmp_path: Path
) -> None:
    with mock.client() as client:
        result = client.sync_charges(journal=tmp_path / "journal.sqlite")
    state = mock.state()
    processed = sorted(c["number"] for c in state["charges"] if c["charge_status"] != "PENDING")
    assert acknowledged(state) == processed == sorted(c.number for c in result.charges)
    billed = {c.number: c for c in result.billable}
    approved = {c["number"]: c for c in state["charges"] if c["charge_status"] == "APPROVED"}
    assert billed.keys() == approved.keys()
    # Money is exact in every currency, JPY (no minor digits) and KWD (three) included.
    for number, charge in billed.items():
        assert charge.amount == Decimal(approved[number]["amount"])
    assert {"JPY", "KWD"} <= {c.currency for c in result.billable}


def test_pending_charges_that_turn_approved_overnight_are_billed_the_next_night(
    mock: Mock, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite"
    with mock.client() as client:
        first = {c.number for c in client.sync_charges(journal=journal).billable}
    mock.admin("POST", "clock/advance", {"days": 2})
    with mock.client() as client:
        second = {c.number for c in client.sync_charges(journal=journal).billable}
    assert second and not first & second
    state = mock.state()
    assert not [c for c in state["charges"] if c["charge_status"] == "PENDING"]
    approved = {c["number"] for c in state["charges"] if c["charge_status"] == "APPROVED"}
    assert first | second == approved


def test_gets_are_retried_through_5xx_429_resets_and_truncated_bodies(mock: Mock) -> None:
    mock.faults(
        {"method": "netflix/promotions/list", "fault": "http_status", "status": 503},
        {"method": "netflix/promotions/list", "fault": "http_status", "status": 429,
         "retry_after": 1, "after": 1},
        {"method": "netflix/promotions/list", "fault": "connection_reset", "after": 2},
        {"method": "netflix/promotions/list", "fault": "truncated_body", "after": 3},
    )
    with mock.client(retries=4) as client:
        promotions = client.list_promotions()
    assert [p.code for p in promotions] == ["14", "15"]
    log = mock.admin("GET", "requests?method=netflix/promotions/list")["requests"]
    assert [r["fault"] for r in log] == [
        "http_status", "http_status", "connection_reset", "truncated_body", None,
    ]


def test_a_dropped_acknowledgement_is_resumed_from_the_journal_and_billed_once(
    mock: Mock, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite"
    mock.faults({"method": "netflix/charges/acknowledge", "fault": "drop_response", "after": 1})
    with mock.client() as client:
        with pytest.raises(nf.TransportError):
            client.sync_charges(journal=journal)
    # The acknowledgement was applied on the server, and its answer never came.
    applied = acknowledged(mock.state())
    assert applied
    with mock.client() as client:
        result = client.sync_charges(journal=journal)
    assert result.report.finished
    numbers = [c.number for c in result.charges]
    assert len(numbers) == len(set(numbers)), "a charge was taken twice"
    assert sorted(numbers) == acknowledged(mock.state())


def test_an_expired_token_is_renewed_and_an_api_error_fault_is_reported(mock: Mock) -> None:
    with mock.client() as client:
        client.list_promotions()
        logins = client.logins
        mock.admin("POST", "clock/advance", {"hours": 3})
        client.list_promotions()
        assert client.logins == logins + 1
        mock.faults({"method": "netflix/subscriptions/suspend", "fault": "api_error",
                     "code": "SERVICE_UNAVAILABLE"})
        with pytest.raises(nf.ApiError) as e:
            client.suspend_subscription("pci00001")
        assert e.value.message == "SERVICE_UNAVAILABLE"


def test_a_release_r12_server_refuses_what_r12_lacks(tmp_path: Path) -> None:
    server = Mock("--release", "R12.0.0", "--charges", "10")
    try:
        with server.client(release="R12.0.0") as client:
            result = client.sync_charges()
        assert result.report.finished and result.billable
        with server.client() as client:
            with pytest.raises(nf.ApiError) as e:
                client.accept_charges([nf.AcceptedCharge(number="I00000001",
                                                         billing_system_customer_identifier="x")])
            assert e.value.message == "INVALID_REQUEST"
    finally:
        assert server.stop() == 0

