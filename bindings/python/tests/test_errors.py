"""Exceptions as DESIGN.md gives them, and bad arguments: a TypeError, never a crash."""

from __future__ import annotations

import pickle
from datetime import date, datetime
from typing import Any

import pytest

import crmcom_netflix as nf
from conftest import envelope


def test_validation_errors_list_every_violation_as_pydantic_does() -> None:
    with pytest.raises(nf.ValidationError) as e:
        nf.prepare(
            "netflix/charges/acknowledge",
            {"acknowledged_charges_set": [{"number": "I1", "billing_system_customer_identifier": ""}] * 2},
            token="T",
        )
    err = e.value
    assert isinstance(err, nf.Error) and isinstance(err, ValueError)
    assert err.errors == [
        {
            "loc": ("acknowledged_charges_set", 0, "billing_system_customer_identifier"),
            "type": "required",
            "msg": err.errors[0]["msg"],
        },
        {
            "loc": ("acknowledged_charges_set", 1, "billing_system_customer_identifier"),
            "type": "required",
            "msg": err.errors[1]["msg"],
        },
        {
            "loc": ("acknowledged_charges_set", 1, "number"),
            "type": "duplicate",
            "msg": err.errors[2]["msg"],
        },
    ]
    assert all(set(item) == {"loc", "type", "msg"} for item in err.errors)
    assert "acknowledged_charges_set[1].number" in str(err)


def test_errors_of_the_parameters_themselves_have_an_empty_loc() -> None:
    with pytest.raises(nf.ValidationError) as e:
        nf.prepare("netflix/subscriptions/suspend", ["pci1"], token="T")
    assert e.value.errors[0]["loc"] == () and e.value.errors[0]["type"] == "invalid_type"


def test_unknown_method_and_release_names() -> None:
    with pytest.raises(nf.ValidationError) as e:
        nf.prepare("netflix/charges/cancel", {}, token="T", release="R99")
    assert [v["loc"] for v in e.value.errors] == [("method",), ("release",)]
    with pytest.raises(nf.ValidationError) as e:
        nf.decode("netflix/charges/cancel", b"{}")
    assert e.value.errors[0]["type"] == "invalid_enum"


def test_token_is_required_and_never_echoed() -> None:
    with pytest.raises(nf.ValidationError) as e:
        nf.prepare("netflix/subscriptions/suspend", {"billing_system_customer_identifier": "p"})
    assert e.value.errors[0]["loc"] == ("token",)
    with pytest.raises(nf.ValidationError) as e:
        nf.prepare(
            "authentication/token",
            {"username": "u", "password": "hunter2", "organisation": 5},
        )
    assert "hunter2" not in str(e.value) and "hunter2" not in repr(e.value.errors)


def test_api_errors_carry_the_status() -> None:
    body = b'{"status":{"code":"ERROR","description":"Token expired","message":"TOKEN_EXPIRED"},"data":null}'
    with pytest.raises(nf.ApiError) as e:
        nf.decode("netflix/charges/list", body)
    assert not isinstance(e.value, ValueError)
    assert (e.value.code, e.value.description, e.value.message) == ("ERROR", "Token expired", "TOKEN_EXPIRED")
    assert "Token expired" in str(e.value)


def test_malformed_responses_carry_the_path() -> None:
    bad = envelope({"charges_set": [{"number": "I1", "amount": "5.99"}]})
    with pytest.raises(nf.MalformedResponse) as e:
        nf.decode("netflix/charges/list", bad)
    assert isinstance(e.value, ValueError)
    assert e.value.path == "data.charges_set[0].amount"
    with pytest.raises(nf.MalformedResponse) as e:
        nf.decode("netflix/charges/list", b"<html>")
    assert e.value.path == ""
    with pytest.raises(nf.MalformedResponse) as e:
        nf.Charge.from_json('{"amount": "lots"}')
    assert e.value.path == "amount"


@pytest.mark.parametrize(
    "error",
    [
        nf.ValidationError("m", [{"loc": ("a", 1), "type": "required", "msg": "x"}]),
        nf.ApiError("m", "ERROR", None, "X"),
        nf.MalformedResponse("m", "data", "x"),
        nf.TransportError("m", 503),
    ],
)
def test_exceptions_pickle(error: nf.Error) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and vars(again) == vars(error) and str(again) == str(error)


BAD_CALLS: list[tuple[str, Any]] = [
    ("decode method", lambda: nf.decode(42, b"{}")),
    ("decode body", lambda: nf.decode("netflix/charges/list", 42)),
    ("decode body list", lambda: nf.decode("netflix/charges/list", [1, 2])),
    ("decode fields_set", lambda: nf.decode("netflix/charges/list", b"{}", fields_set=42)),
    ("decode fields_set item", lambda: nf.decode("netflix/charges/list", b"{}", fields_set=[1])),
    ("prepare method", lambda: nf.prepare(None, {}, token="T")),
    ("prepare params object", lambda: nf.prepare("netflix/charges/list", object(), token="T")),
    ("prepare params set", lambda: nf.prepare("netflix/charges/list", {"offset": {1}}, token="T")),
    ("prepare params key", lambda: nf.prepare("netflix/charges/list", {1: 2}, token="T")),
    ("prepare params bytes", lambda: nf.prepare("netflix/charges/list", {"a": b"x"}, token="T")),
    ("prepare params date", lambda: nf.prepare("netflix/charges/list", {"a": date(2024, 1, 1)}, token="T")),
    ("prepare token", lambda: nf.prepare("netflix/charges/list", {}, token=123)),
    ("prepare release", lambda: nf.prepare("netflix/charges/list", {}, token="T", release=14)),
    ("validate params", lambda: nf.validate("netflix/charges/list", object())),
    ("project fields", lambda: nf.project({}, 5)),
    ("project data", lambda: nf.project(object(), ["a"])),
    ("Token", lambda: nf.Token(5)),
    ("Token expiry", lambda: nf.Token("t").is_expired_at("now")),
    ("Money raw", lambda: nf.Money("5.99", "USD")),
    ("Money currency", lambda: nf.Money(5.99, 840)),
    ("format_date", lambda: nf.format_date("2024-01-01")),
    ("parse_date", lambda: nf.parse_date(None)),
    ("minor_unit_exponent", lambda: nf.minor_unit_exponent(None)),
    ("Charge.from_json", lambda: nf.Charge.from_json(42)),
    ("Charge.from_dict", lambda: nf.Charge.from_dict({"amount": object()})),
    ("ChargesPage items", lambda: nf.ChargesPage(charges_set=[42])),
    ("ChargeSync.confirm", lambda: nf.ChargeSync().confirm([42])),
    ("ChargeSync.feed", lambda: nf.ChargeSync().feed(42)),
    ("ChargeSync.next_request", lambda: nf.ChargeSync().next_request(42)),
    ("ChargeSync.from_state", lambda: nf.ChargeSync.from_state(42)),
    ("PreparedRequest.url", lambda: nf.prepare("authentication/token/release", token="T").url(None)),
    ("Client base_url", lambda: nf.Client(None, username="u", password="p", organisation="o")),
]


@pytest.mark.parametrize("name,call", BAD_CALLS, ids=[n for n, _ in BAD_CALLS])
def test_bad_argument_types_raise_type_error(name: str, call: Any) -> None:
    with pytest.raises(TypeError):
        call()


def test_values_json_cannot_carry_are_value_errors() -> None:
    with pytest.raises(ValueError):
        nf.prepare("netflix/charges/list", {"offset": float("nan")}, token="T")


def test_deeply_nested_parameters_do_not_crash() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises((nf.ValidationError, RecursionError, ValueError)):
        nf.prepare("netflix/charges/list", {"offset": deep}, token="T")


def test_aware_datetimes_keep_their_wall_clock() -> None:
    from datetime import timedelta, timezone

    aware = datetime(2024, 3, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert nf.format_date(aware) == "2024-03-01T02:00:00"
