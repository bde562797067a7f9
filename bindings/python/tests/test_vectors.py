"""Every golden case of spec/vectors/, run through the Python package: the results must be the
ones the Rust core (and the C library) produce."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

import crmcom_netflix as nf
from crmcom_netflix import _native
from conftest import VECTORS

FILES = sorted(VECTORS.glob("*.json"))


def same(a: Any, b: Any) -> bool:
    """JSON equality where numbers compare by value (500 and 500.0 are the same amount)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    return bool(a == b)


def path_of(loc: tuple[Any, ...]) -> str:
    """A pydantic-style `loc` back as the core's path (`a.b[3].c`)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def outcome_of(error: nf.Error) -> Dict[str, Any]:
    if isinstance(error, nf.ValidationError):
        return {
            "violations": [{"path": path_of(e["loc"]), "code": e["type"]} for e in error.errors]
        }
    if isinstance(error, nf.ApiError):
        return {
            "api_error": {
                "code": error.code,
                "description": error.description,
                "message": error.message,
            }
        }
    assert isinstance(error, nf.MalformedResponse)
    return {"malformed": {"path": error.path}}


def normalized(result: Any) -> Any:
    """A typed decode result written back out, as the vectors' `decoded` data."""
    if isinstance(result, list):
        return [item.to_dict() for item in result]
    return result.to_dict()


def charge_facts(charges: List[nf.Charge]) -> List[Dict[str, Any]]:
    return [
        {
            "number": c.number,
            "exact_amount": None if c.amount is None else str(c.amount),
            "amount_minor": c.amount_minor,
            "minor_unit_exponent": c.minor_unit_exponent,
            "billable": c.billable,
            "final": c.is_final,
            "pending": c.is_pending,
        }
        for c in charges
    ]


def run(case: Dict[str, Any]) -> None:
    method = case["method"]
    release = case.get("release")
    expect = dict(case["expect"])
    if "request" in case:
        request = case["request"]
        try:
            # `params_text`: the parameters as JSON text (a key twice, which no dict can hold),
            # read as Params.from_json reads them.
            if "params_text" in request:
                params = _native.params_from_json(request["params_text"])
            else:
                params = request.get("params", {})
            prepared = nf.prepare(method, params, token=request.get("token"), release=release)
            got: Dict[str, Any] = {"prepared": prepared.to_dict()}
        except nf.Error as e:
            got = outcome_of(e)
        assert same(got, expect), f"expected {expect}\n     got {got}"
        # validate() agrees with prepare() on everything but the token.
        if "violations" in expect and "params_text" not in request:
            try:
                nf.validate(method, request.get("params", {}), release=release)
            except nf.ValidationError as e:
                assert all(v["loc"] != ("token",) for v in e.errors)
        return
    if "response" in case:
        body = json.dumps(case["response"]).encode()
    else:
        body = case["response_text"].encode()
    fields_set = case.get("fields_set")
    charges_expected = expect.pop("charges", None)
    try:
        result = nf.decode(method, body, fields_set=fields_set)
        got = {"decoded": normalized(result)}
    except nf.Error as e:
        got = outcome_of(e)
        result = None
    assert same(got, expect), f"expected {expect}\n     got {got}"
    if charges_expected is not None:
        assert isinstance(result, nf.ChargesPage)
        facts = charge_facts(result.charges_set)
        assert same(facts, charges_expected), f"charges expected {charges_expected}\n got {facts}"


def test_there_are_vectors() -> None:
    assert len(FILES) >= 200


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_vector(path: Path) -> None:
    run(json.loads(path.read_text()))
