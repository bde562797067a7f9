"""schemathesis drives the running mock server (`crmnf mock`) from `spec/openapi.yaml`.

Every operation of the spec gets a bounded number of generated requests (`CRMNF_SCHEMATHESIS_CASES`
per operation, 20 by default), each sent with a valid token, so that the server's answers go past
the token check. No answer may be a server error; every answer must have a status and content type
the spec allows, and a body valid for the spec's response schema.

An OK answer to a request with a `fields_set` is projected: it is checked against the response
schema with only the named fields of the item object required (`relax_item_objects` of
tests/conformance/spec_tools.py, as the conformance check reads projected response vectors); the
spec's `required` lists describe an answer without a `fields_set`.

An answer that is an API error (`status.code` other than `OK`) is checked against the spec's
schema only when the spec describes error envelopes (the check finds out by validating a known
error answer first); until it does, such an answer is checked for the envelope's own shape here,
and the module says so once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, Iterator

import jsonschema_rs
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

ROOT = Path(__file__).resolve().parents[2]
CRMNF = os.environ.get("CRMNF_BIN", str(ROOT / "target" / "debug" / "crmnf"))
CASES = int(os.environ.get("CRMNF_SCHEMATHESIS_CASES", "20"))

# Answers per operation, OK and API error, for the summary at the end.
SEEN: dict[str, list[int]] = {}

schema = schemathesis.openapi.from_path(ROOT / "spec" / "openapi.yaml")

sys.path.insert(0, str(ROOT / "tests" / "conformance"))
import spec_tools  # noqa: E402 - the conformance check's reading of the spec

# The mock serves the newest release.
_SPEC = spec_tools.load_spec()
SPEC_LATEST = spec_tools.for_release(_SPEC, spec_tools.LATEST, spec_tools.non_blank_pattern(_SPEC))


def fields_set_of(case: Any) -> list[str] | None:
    """The names of the `fields_set` a generated GET request sends, if it sends one."""
    value = (case.query or {}).get("fields_set")
    if value is None:
        return None
    names = value if isinstance(value, list) else str(value).split(",")
    # A name sent twice is one name (a schema's `required` holds each name once).
    return list(dict.fromkeys(str(n).strip() for n in names if str(n).strip()))


def check_projected(case: Any, body: Any, fields_set: list[str]) -> None:
    """An OK answer to a request with a `fields_set` against the projected response schema."""
    operation = SPEC_LATEST["paths"][case.operation.path][case.method.lower()]
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    projected = spec_tools.strip_vendor_keys(
        spec_tools.relax_item_objects(spec_tools.inline(response, SPEC_LATEST), fields_set)
    )
    validator = jsonschema_rs.Draft202012Validator(projected)
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, f"fields_set={fields_set}: {errors[:3]} in {json.dumps(body)[:300]}"


class Mock:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [CRMNF, "mock", "--port", "0", "--customers", "20", "--charges", "200", "--seed", "3"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().decode().strip()
        assert self.base_url.startswith("http://127.0.0.1:"), self.process.stderr.read()  # type: ignore[union-attr]
        self.api_url = self.base_url + "/crmapi/rest/v2"
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only, never a proxy
        self.token = self.login()

    def login(self) -> str:
        r = self.session.post(
            self.api_url + "/authentication/token",
            json={"username": "billing", "password": "secret", "organisation": "NETFLIXOP"},
            timeout=10,
        )
        token: str = r.json()["data"]["token"]
        return token

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=20)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return code


@pytest.fixture(scope="module")
def mock() -> Iterator[Mock]:
    server = Mock()
    yield server
    assert server.stop() == 0, "crmnf mock did not stop cleanly"


def spec_describes_error_envelopes(mock: Mock) -> bool:
    """Whether the spec's response schema accepts an error envelope (a refused login)."""
    case = schema["/authentication/token"]["POST"].Case(
        body={"username": "billing", "password": "wrong", "organisation": "NETFLIXOP"}
    )
    response = case.call(base_url=mock.api_url, session=mock.session)
    assert response.json()["status"]["code"] == "ERROR"
    try:
        case.validate_response(response, checks=[response_schema_conformance])
    except (Exception, BaseExceptionGroup):  # noqa: BLE001 - any failure: "not described"
        return False
    return True


@pytest.fixture(scope="module")
def errors_described(mock: Mock) -> bool:
    described = spec_describes_error_envelopes(mock)
    if not described:
        warnings.warn(
            "spec/openapi.yaml does not describe error envelopes yet: API errors are checked "
            "for the envelope's shape only, OK answers against the spec's schemas",
            stacklevel=1,
        )
    return described


def with_token(case: Any, mock: Mock) -> None:
    if case.operation.path == "/authentication/token":
        return
    # A release invalidates its token: give it one of its own.
    token = mock.login() if case.operation.path == "/authentication/token/release" else mock.token
    if case.method.upper() == "GET":
        case.query = dict(case.query or {}, token=token)
    elif isinstance(case.body, dict):
        case.body = dict(case.body, token=token)


def check_error_envelope(body: Any) -> None:
    assert isinstance(body, dict) and set(body) == {"status", "data"}, body
    status = body["status"]
    assert set(status) == {"code", "description", "message"}, status
    assert status["code"] == "ERROR" and body["data"] is None, body
    assert isinstance(status["message"], str) and status["message"].isupper(), status
    assert isinstance(status["description"], str) and status["description"], status


@schema.parametrize()
@settings(
    max_examples=CASES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_every_answer_is_valid_for_the_spec(case: Any, mock: Mock, errors_described: bool) -> None:
    with_token(case, mock)
    response = case.call(base_url=mock.api_url, session=mock.session, timeout=30)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance]
    body = json.loads(response.content)
    ok = body.get("status", {}).get("code") == "OK"
    SEEN.setdefault(f"{case.method.upper()} {case.operation.path}", [0, 0])[0 if ok else 1] += 1
    fields_set = fields_set_of(case)
    if ok and fields_set is not None:
        check_projected(case, body, fields_set)
    elif ok or errors_described:
        checks.append(response_schema_conformance)
    else:
        check_error_envelope(body)
    case.validate_response(response, checks=checks)


def test_the_generated_requests_reached_every_operation_and_got_ok_answers() -> None:
    print("\nschemathesis against crmnf mock (OK answers, API errors):")
    for operation, (ok, error) in sorted(SEEN.items()):
        print(f"  {operation}: {ok}, {error}")
    operations = {
        f"{o.ok().method.upper()} {o.ok().path}" for o in schema.get_all_operations()
    }
    assert operations <= SEEN.keys(), operations - SEEN.keys()
    # Requests the spec calls valid must mostly pass the server's checks where nothing but the
    # parameters can make them fail.
    for operation in ["GET /netflix/promotions/list", "GET /netflix/charges/list"]:
        ok, _ = SEEN[operation]
        assert ok > 0, f"{operation}: no OK answer"
