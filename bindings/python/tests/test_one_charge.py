"""A charge read back from its wire form (`Charge.from_json`, `Charge.from_dict`, the journal)
is held to every rule `decode` holds it to inside a response: the same `MalformedResponse`,
at the same path rooted at the charge."""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Optional

import pytest

import crmcom_netflix as nf
from conftest import VECTORS
from test_vectors import same

CHARGE: Dict[str, Any] = {
    "number": "I1",
    "billing_system_customer_identifier": "pci1",
    "amount": 5.99,
    "currency": "USD",
    "charge_status": "APPROVED",
    "paid_through_date": "2017-02-19T02:00:00",
    "received_on": "2017-02-21T10:07:23",
    "set_as_approved_on": "2017-02-21T10:38:58",
    "set_as_declined_on": None,
    "set_as_bad_request_on": None,
    "set_as_rejected_request_on": None,
}
TEXT = json.dumps(CHARGE)


def page(charge_text: str) -> bytes:
    return (
        '{"status":{"code":"OK","description":"","message":""},'
        '"data":{"charges_set":[' + charge_text + "]}}"
    ).encode()


def refused_at(call: Any) -> str:
    with pytest.raises(nf.MalformedResponse) as info:
        call()
    return info.value.path


def assert_refused_like_decode(text: str, path: str) -> None:
    """Refused alone at `path`, and by `decode` at the same place under the charge."""
    assert refused_at(lambda: nf.Charge.from_json(text)) == path
    assert refused_at(lambda: nf.Charge.from_json(text.encode())) == path
    in_page = f"data.charges_set[0].{path}" if path else "data.charges_set[0]"
    assert refused_at(lambda: nf.decode("netflix/charges/list", page(text))) == in_page


def with_field(**changes: Any) -> Dict[str, Any]:
    return {**CHARGE, **changes}


def test_a_key_twice_in_a_charge_is_malformed_at_the_second_occurrence() -> None:
    twice = TEXT.replace('"amount": 5.99,', '"amount": 5.99, "amount": 599.0,')
    assert_refused_like_decode(twice, "amount")
    status = TEXT.replace(
        '"charge_status": "APPROVED",',
        '"charge_status": "DECLINED", "charge_status": "APPROVED",',
    )
    assert_refused_like_decode(status, "charge_status")
    nested = TEXT[:-1] + ', "x": {"a": 1, "a": 2}}'
    assert_refused_like_decode(nested, "x.a")


@pytest.mark.parametrize(
    "field, value",
    [
        ("received_on", "0000-01-01T00:00:00"),
        ("paid_through_date", "10000-01-01T00:00:00"),
        ("set_as_approved_on", "0000-12-31T23:59:59Z"),
        ("received_on", "2017-02-30T10:07:23"),
    ],
)
def test_dates_outside_years_1_to_9999_are_malformed(field: str, value: str) -> None:
    charge = with_field(**{field: value})
    assert_refused_like_decode(json.dumps(charge), field)
    assert refused_at(lambda: nf.Charge.from_dict(charge)) == field


@pytest.mark.parametrize(
    "field, value",
    [
        ("number", "I\x001"),
        ("number", "I1\x7f"),
        ("billing_system_customer_identifier", "pci\n1"),
        ("currency", "US\x01"),
        ("charge_status", "APPR\x00OVED"),
    ],
)
def test_control_characters_in_identifiers_are_malformed(field: str, value: str) -> None:
    charge = with_field(**{field: value})
    assert_refused_like_decode(json.dumps(charge), field)
    assert refused_at(lambda: nf.Charge.from_dict(charge)) == field


def test_a_dict_with_a_number_no_json_can_hold_is_malformed_at_the_amount() -> None:
    for bad in [math.nan, math.inf, -math.inf, 10**400]:
        assert refused_at(lambda: nf.Charge.from_dict(with_field(amount=bad))) == "amount"
    huge = TEXT.replace("5.99", "1e400")
    assert refused_at(lambda: nf.Charge.from_json(huge)) == ""


@pytest.mark.parametrize("value", ["5.99", None, True])
def test_an_amount_of_the_wrong_type_is_malformed(value: Any) -> None:
    charge = with_field(amount=value)
    assert_refused_like_decode(json.dumps(charge), "amount")
    assert refused_at(lambda: nf.Charge.from_dict(charge)) == "amount"


def test_a_missing_mandatory_field_is_malformed_at_the_field() -> None:
    charge = {k: v for k, v in CHARGE.items() if k != "received_on"}
    assert_refused_like_decode(json.dumps(charge), "received_on")
    assert refused_at(lambda: nf.Charge.from_dict(charge)) == "received_on"


def test_numbers_are_read_correctly_rounded() -> None:
    text = TEXT.replace("5.99", "0.12499999999999999")
    assert str(nf.Charge.from_json(text).amount) == "0.12"


def test_an_unknown_status_is_kept_and_never_billed() -> None:
    charge = nf.Charge.from_dict(with_field(charge_status="SETTLED"))
    assert charge.charge_status == "SETTLED"
    assert not charge.billable


def test_what_is_not_a_charge_object_is_malformed_at_the_object() -> None:
    for text in ["[]", "5", "null", '"I1"', "", "{", "{} x", "[" * 100_000]:
        assert refused_at(lambda: nf.Charge.from_json(text)) == ""


def test_with_a_fields_set_the_named_fields_must_be_there_and_follow_the_rules() -> None:
    names = ["number", "amount", "currency"]
    charge = nf.Charge.from_dict({"number": "I1", "amount": 5.99, "currency": "USD"}, names)
    assert charge.number == "I1"
    with pytest.raises(nf.FieldNotRequested):
        charge.received_on
    missing = {"number": "I1", "currency": "USD"}
    assert refused_at(lambda: nf.Charge.from_dict(missing, names)) == "amount"
    nul = {"number": "I\x001", "amount": 5.99, "currency": "USD"}
    assert refused_at(lambda: nf.Charge.from_dict(nul, names)) == "number"
    assert refused_at(lambda: nf.Charge.from_json(json.dumps(nul), names)) == "number"


def test_other_objects_read_back_follow_their_rules_too() -> None:
    promotion = {
        "code": "P\x001",
        "name": "n",
        "description": None,
        "effective_from": "2017-01-01T00:00:00",
        "expires_on": None,
    }
    assert refused_at(lambda: nf.Promotion.from_dict(promotion)) == "code"


def test_a_charge_written_out_reads_back_the_same() -> None:
    charge = nf.Charge.from_json(TEXT.replace("5.99", "1.2350000143051145"))
    again = nf.Charge.from_json(charge.to_json())
    assert again == charge
    assert nf.Charge.from_dict(charge.to_dict()) == charge


def charges_list_vectors() -> List[Any]:
    out = []
    for file in sorted(VECTORS.glob("netflix.charges.list--*.json")):
        case = json.loads(file.read_text())
        response = case.get("response")
        data = response.get("data") if isinstance(response, dict) else None
        charges = data.get("charges_set") if isinstance(data, dict) else None
        if isinstance(charges, list) and charges:
            out.append(pytest.param(case, id=file.stem))
    return out


@pytest.mark.parametrize("case", charges_list_vectors())
def test_every_charges_list_vector_agrees_charge_by_charge(case: Dict[str, Any]) -> None:
    """Each charge of a `charges/list` vector, read back alone, is what the page holds, or is
    refused at the vector's path under that charge."""
    fields: Optional[List[str]] = case.get("fields_set")
    expect = case["expect"]
    malformed: Optional[str] = (expect.get("malformed") or {}).get("path")
    decoded = (expect.get("decoded") or {}).get("charges_set")
    numbers: List[Any] = []
    for i, charge in enumerate(case["response"]["data"]["charges_set"]):
        prefix = f"data.charges_set[{i}]"
        here = malformed is not None and (malformed == prefix or malformed.startswith(prefix + "."))
        try:
            alone = nf.Charge.from_json(json.dumps(charge), fields)
            from_dict = nf.Charge.from_dict(charge, fields) if isinstance(charge, dict) else None
        except nf.MalformedResponse as e:
            assert here, f"charge {i} refused alone at {e.path!r} though the page is not"
            assert malformed is not None
            assert e.path == malformed[len(prefix) :].lstrip(".")
            if isinstance(charge, dict):
                with pytest.raises(nf.MalformedResponse) as info:
                    nf.Charge.from_dict(charge, fields)
                assert info.value.path == e.path
            return
        assert from_dict == alone
        value = json.loads(alone.to_json())
        if here:
            # Refused by the page for a page's reason: another charge under its number.
            assert malformed == f"{prefix}.number"
            assert value.get("number") in numbers
            return
        if decoded is not None:
            assert any(same(d, value) for d in decoded), f"charge {i}: {value}"
        numbers.append(value.get("number"))
