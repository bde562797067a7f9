"""Hostile and careless input gets the package's errors, at the right path, in JSON terms:
numbers too large for JSON or for 64 bits, deep nesting, values of the wrong type given to the
request classes, malformed amounts."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any, List, Tuple

import pytest

import crmcom_netflix as nf
from conftest import envelope

RUST_TYPES = ("f64", "f32", "u32", "u64", "i64", "usize", "struct ", "sequence", " map")


def locs(e: nf.ValidationError) -> List[Tuple[Any, ...]]:
    return [(d["loc"], d["type"]) for d in e.errors]


# -- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("huge", [10**400, -(10**400), float("inf"), float("-inf")])
def test_a_number_beyond_any_json_number_is_out_of_range_at_its_path(huge: Any) -> None:
    with pytest.raises(nf.ValidationError) as e:
        nf.prepare(
            "netflix/charges/list",
            {"charge_status": "PROCESSED", "number_of_results": 50, "offset": huge},
            token="T",
        )
    assert locs(e.value) == [(("offset",), "out_of_range")]
    with pytest.raises(nf.ValidationError) as e:
        nf.ListCharges(charge_status="PROCESSED", offset=10**400).prepare(token="T")
    assert locs(e.value) == [(("offset",), "out_of_range")]
    with pytest.raises(nf.ValidationError) as e:
        nf.validate(
            "netflix/subscriptions/create",
            {
                "billing_system_customer_identifier": "p",
                "customer_address": {"type": "HOME", "floor": huge},
            },
        )
    assert locs(e.value) == [(("customer_address", "floor"), "out_of_range")]


def test_a_sync_option_beyond_any_json_number_is_out_of_range_at_its_name() -> None:
    with pytest.raises(nf.ValidationError) as e:
        nf.ChargeSync(page_size=10**400)
    assert locs(e.value) == [(("page_size",), "out_of_range")]
    with pytest.raises(nf.ValidationError) as e:
        nf.ChargeSync(page_size=2**64)
    assert e.value.errors[0]["loc"] == ("page_size",)


def test_nan_is_not_a_number_the_api_takes() -> None:
    with pytest.raises(nf.ValidationError) as e:
        nf.validate("netflix/charges/list", {"charge_status": "PROCESSED", "offset": float("nan")})
    assert (("offset",), "invalid_type") in locs(e.value)


@pytest.mark.parametrize(
    "offset, bounds",
    [(2**64, "between 0 and 2147483647, not 18446744073709551616"), (10**30, "between 0 and 2147483647, not 1e30")],
)
def test_an_offset_beyond_64_bits_says_out_of_range(offset: int, bounds: str) -> None:
    with pytest.raises(nf.ValidationError) as e:
        nf.ListCharges(charge_status="PROCESSED", offset=offset).prepare(token="T")
    assert e.value.errors == [{"loc": ("offset",), "type": "out_of_range", "msg": f"must be {bounds}"}]


def test_a_floor_beyond_a_32_bit_signed_integer_says_out_of_range() -> None:
    for floor in (2**31, 2**63, 2**64, -(2**31) - 1, -(2**63) - 1):
        with pytest.raises(nf.ValidationError) as e:
            nf.validate(
                "netflix/subscriptions/create",
                {
                    "billing_system_customer_identifier": "p",
                    "customer_address": {"type": "HOME", "floor": floor},
                },
            )
        assert locs(e.value) == [(("customer_address", "floor"), "out_of_range")]
        assert "not a decimal number" not in str(e.value)
    nf.validate(
        "netflix/subscriptions/create",
        {"billing_system_customer_identifier": "p", "customer_address": {"type": "HOME", "floor": 2**31 - 1}},
    )


# -- nesting --------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [nf.ListCharges, nf.CreateSubscription, nf.Address])
def test_deeply_nested_json_to_from_json_is_a_validation_error(cls: Any) -> None:
    deep = '{"a": ' * 100_000 + "1" + "}" * 100_000
    with pytest.raises(nf.ValidationError) as e:
        cls.from_json(deep)
    assert "recursion limit" in str(e.value)
    with pytest.raises(nf.ValidationError):
        cls.from_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(nf.ValidationError):
        cls.from_json('{"offset": ')
    with pytest.raises(nf.ValidationError):
        cls.from_json(b"\xff\xfe")


def test_deeply_nested_json_to_response_from_json_is_malformed() -> None:
    with pytest.raises(nf.MalformedResponse):
        nf.Charge.from_json("[" * 100_000 + "]" * 100_000)


def test_deeply_nested_parameters_are_a_validation_error() -> None:
    deep: Any = "x"
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(nf.ValidationError) as e:
        nf.validate("netflix/charges/list", {"charge_status": "PROCESSED", "fields_set": deep})
    assert e.value.errors[0]["loc"][0] == "fields_set"


def test_from_json_still_reads_parameters() -> None:
    request = nf.ListCharges.from_json('{"charge_status": "PROCESSED", "offset": 50, "x": 1}')
    assert request.offset == 50 and request.charge_status is nf.ChargeStatusFilter.PROCESSED
    assert nf.ListCharges.from_json(request.to_json()) == request


# -- request classes check types when built --------------------------------------------------


def test_a_request_with_a_value_of_the_wrong_type_fails_at_construction() -> None:
    with pytest.raises(nf.ValidationError) as e:
        nf.ListCharges(number_of_results="50")  # type: ignore[arg-type]
    assert e.value.errors == [
        {"loc": ("number_of_results",), "type": "invalid_type", "msg": "must be an integer, not a string"}
    ]
    assert "number_of_results" in str(e.value)


def test_every_wrong_type_is_reported_at_once_with_nested_paths() -> None:
    with pytest.raises(nf.ValidationError) as e:
        nf.CreateSubscription(
            billing_system_customer_identifier=5,  # type: ignore[arg-type]
            validity_duration=True,  # type: ignore[arg-type]
            customer_address={"type": "HOME", "floor": "3", "is_primary": "yes"},
            customer_email="someone@example.com",  # type: ignore[arg-type]
        )
    assert locs(e.value) == [
        (("billing_system_customer_identifier",), "invalid_type"),
        (("customer_address", "floor"), "invalid_type"),
        (("customer_address", "is_primary"), "invalid_type"),
        (("customer_email",), "invalid_type"),
        (("validity_duration",), "invalid_type"),
    ]
    assert e.value.errors[1]["msg"] == "must be an integer, not a string"
    # An object of another class has the right JSON type: the core judges its fields at prepare.
    wrong = nf.CreateSubscription(
        billing_system_customer_identifier="p",
        customer_email=nf.Address(type="HOME"),  # type: ignore[arg-type]
    )
    with pytest.raises(nf.ValidationError) as e:
        wrong.prepare(token="T")
    assert (("customer_email", "type"), "invalid_enum") in locs(e.value)
    with pytest.raises(nf.ValidationError) as e:
        nf.AcknowledgeCharges(
            acknowledged_charges_set=[
                {"number": "I1", "billing_system_customer_identifier": "c"},
                {"number": 2, "billing_system_customer_identifier": "c"},
                "I3",  # type: ignore[list-item]
            ]
        )
    assert locs(e.value) == [
        (("acknowledged_charges_set", 1, "number"), "invalid_type"),
        (("acknowledged_charges_set", 2), "invalid_type"),
    ]
    with pytest.raises(nf.ValidationError) as e:
        nf.ListCharges(fields_set=["number", 5])  # type: ignore[list-item]
    assert locs(e.value) == [(("fields_set", 1), "invalid_type")]
    with pytest.raises(nf.ValidationError) as e:
        nf.ListCharges.from_dict({"offset": "0"})
    assert locs(e.value) == [(("offset",), "invalid_type")]


def test_setting_a_field_checks_its_type() -> None:
    request = nf.ListCharges(charge_status="PROCESSED")
    with pytest.raises(nf.ValidationError) as e:
        request.offset = "100"  # type: ignore[assignment]
    assert locs(e.value) == [(("offset",), "invalid_type")]
    assert request.offset == 0
    request.offset = 100
    request.charge_status = "PROCESSED"
    assert request.charge_status is nf.ChargeStatusFilter.PROCESSED
    sub = nf.CreateSubscription(billing_system_customer_identifier="p")
    sub.customer_address = {"type": "HOME"}  # type: ignore[assignment]
    assert isinstance(sub.customer_address, nf.Address)


def test_values_the_core_takes_are_still_taken_at_construction() -> None:
    class Size(enum.IntEnum):
        PAGE = 50

    nf.ListCharges(charge_status="PROCESSED", number_of_results=Size.PAGE, offset=0).validate()
    nf.ListCharges(charge_status=nf.ChargeStatusFilter.PROCESSED, fields_set="number,amount")
    nf.ListCharges(charge_status="NOT_A_STATUS")  # an enum value is the core's to judge
    nf.CreateSubscription(
        billing_system_customer_identifier="p",
        customer_email=nf.Email(type=nf.EmailType.PERSONAL, email_address="a@b.c", udf_float_1=2, udf_date_1=datetime(2024, 1, 1)),
    ).validate()
    nf.Email(type="PERSONAL", email_address="a@b.c", udf_date_1="2024-01-01T00:00:00", udf_float_1=Decimal("2.5"))


# -- messages in JSON terms ------------------------------------------------------------------


def test_a_malformed_amount_is_named_in_json_terms() -> None:
    body = envelope({"charges_set": [{"number": "I1", "amount": "5.99"}]})
    with pytest.raises(nf.MalformedResponse) as e:
        nf.decode("netflix/charges/list", body, fields_set=["number", "amount"])
    assert e.value.path == "data.charges_set[0].amount"
    assert e.value.message == 'invalid type: string "5.99", expected a number'
    with pytest.raises(nf.MalformedResponse) as e:
        nf.Charge.from_dict({"number": "I1", "amount": True})
    assert e.value.message == "invalid type: boolean true, expected a number"


@pytest.mark.parametrize(
    "call",
    [
        lambda: nf.ChargeSync(page_size="5"),
        lambda: nf.ChargeSync(max_ack_attempts=-1),
        lambda: nf.ChargeSync.from_state('{"run": "x"}'),
        lambda: nf.ChargeSync.from_state("[]"),
        lambda: nf.decode("netflix/charges/list", envelope({"charges_set": {}}), fields_set=["number"]),
        lambda: nf.decode("netflix/charges/list", envelope({"charges_set": [{"number": 5}]}), fields_set=["number"]),
        lambda: nf.decode("netflix/promotions/list", envelope({"x": 1})),
        lambda: nf.Charge.from_dict({"number": "I1", "amount": [1]}),
        lambda: nf.Promotion.from_json('{"code": {"a": 1}}'),
    ],
)
def test_no_message_names_a_rust_type(call: Any) -> None:
    with pytest.raises(nf.Error) as e:
        call()
    text = str(e.value)
    assert not any(t in text for t in RUST_TYPES), text
    assert " at line " not in text


def test_money_of_a_number_beyond_any_double_is_a_value_error() -> None:
    with pytest.raises(ValueError) as e:
        nf.Money(10**400, "USD")
    assert "too large" in str(e.value) and not isinstance(e.value, OverflowError)
    assert nf.Money(5, "USD").exact == Decimal("5.00")
