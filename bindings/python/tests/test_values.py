"""Money, currencies, dates, tokens, prepared requests and projection."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from decimal import Decimal

import pytest

import crmcom_netflix as nf


def jwt(claims: dict[str, object]) -> str:
    def enc(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{enc({'typ': 'JWT', 'alg': 'HS256'})}.{enc(claims)}.sig"


def test_money_is_exact_in_the_minor_unit() -> None:
    m = nf.Money(5.989999771118164, "USD")
    assert m.exact == Decimal("5.99") and m.minor_units == 599 and m.raw == 5.989999771118164
    assert m.minor_unit_exponent == 2 and m.is_priced and str(m) == "5.99"
    assert nf.Money(0.005, "USD").exact == Decimal("0.01")
    assert nf.Money(-0.005, "USD").minor_units == -1
    assert nf.Money(1.2345, "KWD").exact == Decimal("1.235")
    unknown = nf.Money(12.345, "XYZ")
    assert unknown.exact == Decimal("12.345") and unknown.minor_units is None and not unknown.is_priced
    assert nf.Money(5.99) == nf.Money(5.99)
    assert "5.99" in repr(m)
    with pytest.raises(ValueError):
        nf.Money(float("inf"), "USD")


def test_minor_units_of_currencies() -> None:
    assert [nf.minor_unit_exponent(c) for c in ("USD", "JPY", "KWD", "CLF", "XYZ")] == [2, 0, 3, 4, None]


def test_dates_parse_leniently_and_format_canonically() -> None:
    assert nf.parse_date("2017-02-06T07:22:07.250+02:00") == datetime(2017, 2, 6, 7, 22, 7, 250000)
    assert nf.parse_date("2017-02-30T00:00:00") is None
    assert nf.parse_date("yesterday") is None
    assert nf.format_date(datetime(2017, 2, 6, 7, 22, 7, 999)) == "2017-02-06T07:22:07"


def test_tokens_never_show_and_know_their_expiry() -> None:
    token = nf.Token(jwt({"usr": "u", "exp": "1487676400"}))
    assert repr(token) == "Token(<redacted>)" and str(token) == "<redacted>"
    assert token.expires_at == 1487676400
    assert token.is_expired_at(1487676399) is False
    assert token.is_expired_at(1487676400) is True
    assert token.is_expired_at(1487676300, 120) is True
    assert nf.Token("4AD9C84FA60F9FE407140E20F707726A").expires_at is None
    assert nf.Token("opaque").is_expired_at(0) is None
    assert nf.Token("a") == nf.Token("a") and nf.Token("a") != nf.Token("b")
    assert len({nf.Token("a"), nf.Token("a")}) == 1
    assert nf.Token(token) == token


def test_prepared_requests_carry_what_goes_on_the_wire() -> None:
    get = nf.prepare(nf.ListCharges(charge_status="PROCESSED", fields_set=["number", "amount"]), token="T&=")
    assert get.verb == "GET" and get.method == "netflix/charges/list" and get.body is None
    assert get.query[0] == ("token", "T&=") and get.fields_set == ["number", "amount"]
    assert get.url("https://crm/crmapi/rest/v2/") == (
        "https://crm/crmapi/rest/v2/netflix/charges/list?token=T%26%3D&number_of_results=50"
        "&offset=0&charge_status=PROCESSED&fields_set=number%2Camount"
    )
    assert get.body_bytes() is None
    assert "T&=" not in repr(get)
    post = nf.prepare("netflix/subscriptions/suspend", {"billing_system_customer_identifier": "p"}, token="T")
    assert post.body_bytes() == b'{"token":"T","billing_system_customer_identifier":"p"}'
    assert post.to_dict() == {
        "verb": "POST",
        "path": "netflix/subscriptions/suspend",
        "query": [],
        "body": {"token": "T", "billing_system_customer_identifier": "p"},
    }
    assert post.query_string == ""
    assert nf.prepare("netflix/subscriptions/suspend", {"billing_system_customer_identifier": "p"}, token=nf.Token("T")) == post


def test_projection_keeps_only_the_named_fields() -> None:
    charges = [{"number": "I1", "amount": 5.99, "currency": "USD"}]
    assert nf.project(charges, ["number"]) == [{"number": "I1"}]
    assert nf.project({"charges_set": charges, "x": 1}, "number,amount", method="netflix/charges/list") == {
        "charges_set": [{"number": "I1", "amount": 5.99}],
        "x": 1,
    }
    assert nf.project({"netflix_sate": "EFFECTIVE", "a": 1}, ["netflix_state"]) == {"netflix_sate": "EFFECTIVE"}
    with pytest.raises(nf.ValidationError):
        nf.project([], ["a"], method="netflix/nothing")


def test_constants() -> None:
    assert nf.RELEASES == ("R12.0.0", "R14.1.0", "R14.2.0", "R16.1.0")
    assert nf.LATEST_RELEASE == "R16.1.0"
    assert "netflix/charges/list" in nf.METHODS and nf.MAX_SET_ITEMS == 50
    assert nf.__version__ == nf.VERSION
