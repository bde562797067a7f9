"""Response classes: typed decoding, exact money, dates, enums, forward compatibility, the wire
form, equality, pickling and keyword constructors."""

from __future__ import annotations

import copy
import json
import pickle
import runpy
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

import crmcom_netflix as nf
from conftest import envelope

CHARGE = {
    "number": "I00002776",
    "billing_system_customer_identifier": "1pci30",
    "amount": 5.989999771118164,
    "currency": "USD",
    "charge_status": "APPROVED",
    "paid_through_date": "2017-02-19T02:00:00",
    "received_on": "2017-02-21T10:07:23",
    "set_as_approved_on": "2017-02-21T10:38:58",
    "set_as_declined_on": None,
    "set_as_bad_request_on": None,
    "set_as_rejected_request_on": None,
}


def page(*charges: dict[str, object]) -> bytes:
    return envelope({"charges_set": list(charges)})


def test_a_charge_decodes_with_exact_money_dates_and_enums() -> None:
    result = nf.decode("netflix/charges/list", page(CHARGE))
    assert isinstance(result, nf.ChargesPage)
    (c,) = result.charges_set
    assert c.number == "I00002776"
    assert c.amount == Decimal("5.99") and str(c.amount) == "5.99"
    assert c.amount_minor == 599
    assert c.amount_raw == 5.989999771118164
    assert c.minor_unit_exponent == 2
    assert c.currency == "USD"
    assert c.charge_status is nf.ChargeStatus.APPROVED
    assert c.received_on == datetime(2017, 2, 21, 10, 7, 23)
    assert c.set_as_declined_on is None
    assert c.local_currency_amount is None and c.local_currency_amount_minor is None
    assert c.billable and c.is_final and not c.is_pending
    assert not c.redelivered


def test_amounts_round_to_the_currency_minor_unit() -> None:
    jpy = dict(CHARGE, amount=499.5, currency="JPY")
    kwd = dict(CHARGE, number="I2", amount=12.0, currency="KWD")
    odd = dict(CHARGE, number="I3", amount=12.345, currency="XYZ")
    charges = nf.decode("netflix/charges/list", page(jpy, kwd, odd)).charges_set
    assert [str(c.amount) for c in charges] == ["500", "12.000", "12.345"]
    assert [c.amount_minor for c in charges] == [500, 12000, None]
    assert [c.billable for c in charges] == [True, True, False]
    # Approved but not priceable: left on the server rather than acknowledged and lost.
    assert [c.billing_action for c in charges] == ["bill", "bill", "leave"]


def test_values_read_twice_are_equal() -> None:
    (c,) = nf.decode("netflix/charges/list", page(CHARGE)).charges_set
    assert c.amount == c.amount and c.amount is c.amount  # amounts come from a shared cache
    assert c.received_on == c.received_on


def test_bodies_may_be_bytes_bytearray_memoryview_or_str(charges_50: bytes) -> None:
    for body in (charges_50, bytearray(charges_50), memoryview(charges_50), charges_50.decode()):
        assert len(nf.decode("netflix/charges/list", body).charges_set) == 50


def test_unknown_status_is_kept_and_never_billed() -> None:
    (c,) = nf.decode("netflix/charges/list", page(dict(CHARGE, charge_status="ON_HOLD"))).charges_set
    assert c.charge_status == "ON_HOLD" and isinstance(c.charge_status, nf.ChargeStatus)
    assert not c.charge_status.is_known
    assert not c.billable and not c.is_final and not c.is_pending
    assert c.billing_action == "leave"
    assert c.to_dict()["charge_status"] == "ON_HOLD"


def test_processed_charges_not_to_bill_are_recorded() -> None:
    statuses = ["DECLINED", "BAD_REQUEST", "REJECTED", "PENDING"]
    raws = [dict(CHARGE, number=f"I{i}", charge_status=s) for i, s in enumerate(statuses)]
    charges = nf.decode("netflix/charges/list", page(*raws)).charges_set
    assert [c.billing_action for c in charges] == ["record", "record", "record", "leave"]


def test_unknown_fields_are_kept_and_written_back() -> None:
    raw = dict(CHARGE, loyalty_points=12)
    (c,) = nf.decode("netflix/charges/list", page(raw)).charges_set
    assert c.extra == {"loyalty_points": 12}
    assert c.to_dict()["loyalty_points"] == 12


def test_projected_charges_decode_with_a_fields_set() -> None:
    body = page({"number": "I1", "amount": 5.99})
    with pytest.raises(nf.MalformedResponse):
        nf.decode("netflix/charges/list", body)
    (c,) = nf.decode("netflix/charges/list", body, fields_set=["number", "amount"]).charges_set
    assert c.number == "I1" and c.amount_raw == 5.99
    assert c.fields_set == ["number", "amount"]
    assert c.to_dict() == {"number": "I1", "amount": 5.99}
    (c,) = nf.decode("netflix/charges/list", body, fields_set="number, amount").charges_set
    assert c.number == "I1"


def test_a_field_the_fields_set_left_out_raises_field_not_requested() -> None:
    body = page({"number": "I1", "amount": 5.99, "set_as_approved_on": None})
    fields = ["number", "amount", "set_as_approved_on"]
    (c,) = nf.decode("netflix/charges/list", body, fields_set=fields).charges_set
    with pytest.raises(nf.FieldNotRequested) as raised:
        c.received_on
    e = raised.value
    assert isinstance(e, AttributeError) and isinstance(e, nf.Error)
    assert e.field == "received_on" and e.fields_set == tuple(fields)
    assert "received_on" in str(e) and "number" in str(e)
    for attr in ("currency", "charge_status", "local_currency_amount", "local_currency_amount_raw"):
        assert not hasattr(c, attr), attr
    assert getattr(c, "received_on", "default") == "default"
    # A named nullable field that came as null is None, not an error.
    assert c.set_as_approved_on is None
    # A field the server sent though it was not named is there.
    (c,) = nf.decode("netflix/charges/list", page(CHARGE), fields_set=["number"]).charges_set
    assert c.currency == "USD"
    assert pickle.loads(pickle.dumps(e)).field == "received_on"


def test_projected_charges_keep_their_fields_set_through_repr_pickle_and_from_json() -> None:
    body = page({"number": "I1", "amount": 5.99, "currency": "USD"})
    fields = ["number", "amount", "currency"]
    (c,) = nf.decode("netflix/charges/list", body, fields_set=fields).charges_set
    assert repr(c) == "Charge(number='I1', amount=Decimal('5.99'), currency='USD')"
    again = pickle.loads(pickle.dumps(c))
    assert again == c and again.fields_set == fields
    with pytest.raises(nf.FieldNotRequested):
        again.received_on
    assert nf.Charge.from_json(c.to_json(), fields) == c
    with pytest.raises(nf.MalformedResponse, match="billing_system_customer_identifier"):
        nf.Charge.from_json(c.to_json())


def test_charges_built_in_python_need_every_documented_field() -> None:
    with pytest.raises(TypeError, match="mandatory field `billing_system_customer_identifier`"):
        nf.Charge(number="I1")
    fields = {k: v for k, v in CHARGE.items() if v is not None}
    c = nf.Charge(**fields)
    assert c.number == CHARGE["number"] and c.fields_set is None


def test_promotions_and_subscriptions_decoded_with_a_fields_set_raise_for_the_rest() -> None:
    body = envelope([{"code": "14"}])
    (p,) = nf.decode("netflix/promotions/list", body, fields_set=["code"])
    assert p.code == "14"
    with pytest.raises(nf.FieldNotRequested):
        p.name
    with pytest.raises(nf.MalformedResponse):
        nf.decode("netflix/promotions/list", body)
    body = envelope([{"subscription_number": "S1"}])
    (s,) = nf.decode("netflix/subscriptions/show", body, fields_set=["subscription_number"])
    assert s.subscription_number == "S1"
    with pytest.raises(nf.FieldNotRequested):
        s.netflix_state
    with pytest.raises(nf.FieldNotRequested):
        s.promotions_set


def test_the_typing_test_runs() -> None:
    runpy.run_path(str(Path(__file__).parent / "typing" / "check_types.py"), run_name="__main__")


def test_the_wire_form_round_trips() -> None:
    (c,) = nf.decode("netflix/charges/list", page(CHARGE)).charges_set
    assert c.to_dict() == CHARGE
    assert json.loads(c.to_json()) == CHARGE
    assert nf.Charge.from_json(c.to_json()) == c
    assert nf.Charge.from_dict(c.to_dict()) == c
    assert pickle.loads(pickle.dumps(c)) == c
    assert copy.deepcopy(c) == c


def test_objects_compare_by_value() -> None:
    a = nf.decode("netflix/charges/list", page(CHARGE))
    b = nf.decode("netflix/charges/list", page(CHARGE))
    assert a == b and a is not b
    assert a != nf.decode("netflix/charges/list", page(dict(CHARGE, number="I2")))
    assert a.charges_set[0] != "I00002776"
    with pytest.raises(TypeError):
        hash(a)


def test_charges_build_from_keywords() -> None:
    c = nf.Charge(
        number="I1",
        billing_system_customer_identifier="pci1",
        amount=Decimal("5.99"),
        currency="USD",
        charge_status=nf.ChargeStatus.APPROVED,
        received_on=datetime(2024, 3, 1, 2, 0),
        paid_through_date="2024-03-31T02:00:00",
        extra={"note": "x"},
    )
    assert c.amount == Decimal("5.99") and c.amount_minor == 599 and c.billable
    assert c.received_on == datetime(2024, 3, 1, 2, 0)
    assert c.extra == {"note": "x"}
    with pytest.raises(TypeError):
        nf.Charge(numbr="I1")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        nf.Charge(amount="a lot")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        nf.Charge(received_on=object())  # type: ignore[arg-type]


def test_reprs_show_the_fields_set() -> None:
    (c,) = nf.decode("netflix/charges/list", page(CHARGE)).charges_set
    text = repr(c)
    assert text.startswith("Charge(number='I00002776'")
    assert "amount=Decimal('5.99')" in text and "set_as_declined_on" not in text


def test_promotions_decode_as_a_list() -> None:
    body = envelope(
        [
            {"code": "14", "name": "Test", "description": None,
             "effective_from": "2017-01-01T00:00:00", "expires_on": None}
        ]
    )
    (p,) = nf.decode("netflix/promotions/list", body)
    assert isinstance(p, nf.Promotion)
    assert p.code == "14" and p.effective_from == datetime(2017, 1, 1) and p.expires_on is None
    assert p.to_dict()["description"] is None


def test_subscriptions_decode_one_object_or_many_with_nested_objects() -> None:
    one = {
        "subscription_number": "S1",
        "netflix_sate": "EFFECTIVE",
        "life_cycle_state": "SUSPENDED_SOMEHOW",
        "promotions_set": [
            {"code": "P", "name": "N", "description": "d",
             "effective_from": "2017-01-01T00:00:00", "expires_on": None}
        ],
        "prices_set": [{"FormattedPrice": "$9.99", "Currency": "USD"}],
    }
    for data in (one, [one]):
        (s,) = nf.decode("netflix/subscriptions/show", envelope(data))
        assert s.netflix_state is nf.NetflixState.EFFECTIVE
        assert s.life_cycle_state == "SUSPENDED_SOMEHOW"
        assert s.life_cycle_state is not None and not s.life_cycle_state.is_known
        assert s.promotions_set is not None and s.promotions_set[0].code == "P"
        assert s.prices_set is not None
        assert s.prices_set[0].formatted_price == "$9.99"
        assert s.prices_set[0].extra == {"Currency": "USD"}
        assert s.to_dict()["netflix_state"] == "EFFECTIVE"
        assert nf.Subscription.from_dict(s.to_dict()) == s
        assert pickle.loads(pickle.dumps(s)) == s


def test_nested_lists_hold_objects_and_take_dicts() -> None:
    s = nf.Subscription(
        subscription_number="S1",
        netflix_state="EFFECTIVE",
        life_cycle_state="EFFECTIVE",
        promotions_set=[{"code": "P", "name": "N", "effective_from": "2017-01-01T00:00:00"}],
        prices_set=[nf.Price(formatted_price="$1")],
    )
    assert s.promotions_set is not None and isinstance(s.promotions_set[0], nf.Promotion)
    assert s.to_dict()["prices_set"] == [{"FormattedPrice": "$1"}]


def test_failed_charges_are_always_a_set() -> None:
    result = nf.decode("netflix/charges/acknowledge", envelope({}))
    assert isinstance(result, nf.FailedCharges) and result.failed_charges_set == []
    failed = {"number": "I1", "reference_number": None, "error_code": "X", "error_description": None}
    result = nf.decode("netflix/charges/decline", envelope({"failed_charges_set": [failed]}))
    assert result.failed_charges_set is not None
    assert result.failed_charges_set[0].error_code == "X"


def test_empty_and_created_data() -> None:
    assert nf.decode("netflix/subscriptions/suspend", envelope({})) == nf.Empty()
    created = nf.decode(
        "netflix/subscriptions/create",
        envelope({"netflix_token": "nt", "expires_on": "2024-03-02T02:00:00", "url": "u"}),
    )
    assert isinstance(created, nf.SubscriptionCreated)
    assert created.netflix_token == "nt" and created.expires_on == datetime(2024, 3, 2, 2, 0)
    assert created.extra == {"url": "u"}


def test_the_login_token_never_shows() -> None:
    login = nf.decode("authentication/token", envelope({"token": "SECRET-TOKEN-123"}))
    assert isinstance(login, nf.LoginResult) and isinstance(login.token, nf.Token)
    assert "SECRET" not in repr(login) and "SECRET" not in repr(login.token)
    assert "SECRET" not in str(login.token)
    assert login.token.expose() == "SECRET-TOKEN-123"


def test_total_by_currency_adds_exact_amounts() -> None:
    charges = nf.decode(
        "netflix/charges/list",
        page(CHARGE, dict(CHARGE, number="I2", amount=2.990000009536743), dict(CHARGE, number="I3", currency="EUR")),
    ).charges_set
    assert nf.total_by_currency(charges) == {"USD": Decimal("8.98"), "EUR": Decimal("5.99")}
    with pytest.raises(TypeError):
        nf.total_by_currency([1])  # type: ignore[list-item]


def test_the_fifty_charge_page(charges_50: bytes) -> None:
    result = nf.decode("netflix/charges/list", charges_50)
    statuses = {c.charge_status for c in result.charges_set}
    assert nf.ChargeStatus.PENDING in statuses and nf.ChargeStatus.APPROVED in statuses
    assert all(c.amount == Decimal("5.99") for c in result.charges_set)
    assert result.to_dict() == json.loads(charges_50)["data"]
