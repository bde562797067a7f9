"""Request classes: keyword constructors, wire form, equality, secrets, and the core's rules
reached through them."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

import crmcom_netflix as nf
from crmcom_netflix import _native

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def test_generated_classes_match_the_core_schemas() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPTS / "gen_models.py"), "--check"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize(
    "cls",
    [c for c in vars(nf).values() if isinstance(c, type) and issubclass(c, nf.Request) and c is not nf.Request],
)
def test_every_request_class_has_exactly_the_core_parameters(cls: type[nf.Request]) -> None:
    schema = _native.request_schema(cls.METHOD)
    assert schema["title"] == cls.__name__
    assert [f[0] for f in cls._FIELDS] == list(schema.get("properties", {}))


def test_every_method_has_a_request_class() -> None:
    methods = {
        c.METHOD
        for c in vars(nf).values()
        if isinstance(c, type) and issubclass(c, nf.Request) and c is not nf.Request
    }
    assert methods == set(nf.METHODS)


def test_enums_carry_the_core_wire_values() -> None:
    known = _native.response_enum_values()
    assert [m.value for m in nf.ChargeStatus] == known["ChargeStatus"]
    assert [m.value for m in nf.NetflixState] == known["NetflixState"]
    assert [m.value for m in nf.LifeCycleState] == known["LifeCycleState"]
    channel = _native.request_schema("netflix/subscriptions/create")["properties"]["channel"]
    assert [m.value for m in nf.Channel] == [v for v in channel["enum"] if v is not None]


def test_enum_values_are_wire_strings() -> None:
    assert nf.ChargeStatusFilter.PROCESSED.value == "PROCESSED"
    assert nf.ChargeStatusFilter("NOT_PROCESSED") is nf.ChargeStatusFilter.NOT_PROCESSED
    assert str(nf.Channel.BROADBAND) == "BROADBAND"
    assert f"{nf.Channel.BROADBAND}" == "BROADBAND"
    assert nf.Channel.WEB == "WEB"
    with pytest.raises(ValueError):
        nf.Channel("TELEVISION")


def test_response_enums_keep_unknown_values_as_members_of_their_own() -> None:
    new = nf.ChargeStatus("ON_HOLD")
    assert isinstance(new, nf.ChargeStatus)
    assert new.value == "ON_HOLD" and not new.is_known
    assert nf.ChargeStatus("ON_HOLD") is new
    assert new not in list(nf.ChargeStatus)
    assert nf.ChargeStatus.APPROVED.is_known
    assert pickle.loads(pickle.dumps(new)) is new


def test_list_charges_defaults_to_a_first_page_of_fifty() -> None:
    request = nf.ListCharges(charge_status=nf.ChargeStatusFilter.PROCESSED)
    assert request.to_dict() == {"number_of_results": 50, "offset": 0, "charge_status": "PROCESSED"}
    prepared = nf.prepare(request, token="T")
    assert prepared.query_string == "token=T&number_of_results=50&offset=0&charge_status=PROCESSED"
    assert request.prepare(token="T") == prepared


def test_known_wire_strings_become_enum_members() -> None:
    request = nf.ListCharges(charge_status="PROCESSED")
    assert request.charge_status is nf.ChargeStatusFilter.PROCESSED
    odd = nf.ListCharges(charge_status="DONE")
    assert odd.charge_status == "DONE"
    with pytest.raises(nf.ValidationError) as e:
        odd.prepare(token="T")
    assert e.value.errors[0]["loc"] == ("charge_status",)
    assert e.value.errors[0]["type"] == "invalid_enum"


def test_nested_objects_from_dicts_and_back() -> None:
    create = nf.CreateSubscription(
        billing_system_customer_identifier="pci150",
        channel=nf.Channel.BROADBAND,
        validity_duration=86_400,
        customer_address={"type": "HOME", "street_name": "Main", "country_identifier": {"name": "CYPRUS"}},
        customer_email=nf.Email(type=nf.EmailType.PERSONAL, email_address="a@example.com"),
    )
    assert isinstance(create.customer_address, nf.Address)
    assert create.customer_address.type is nf.AddressType.HOME
    assert isinstance(create.customer_address.country_identifier, nf.CountryIdentifier)
    wire = create.to_dict()
    assert wire["customer_address"] == {
        "type": "HOME",
        "street_name": "Main",
        "country_identifier": {"name": "CYPRUS"},
    }
    assert nf.CreateSubscription.from_dict(wire) == create
    assert nf.CreateSubscription.from_json(create.to_json()) == create
    body = nf.prepare(create, token="T").body
    assert body is not None and body["customer_email"]["type"] == "PERSONAL"


def test_dates_in_requests_go_out_in_the_api_format() -> None:
    email = nf.Email(
        type="BUSINESS", email_address="b@example.com", udf_date_1=datetime(2024, 3, 1, 2, 0, 5)
    )
    assert email.to_dict()["udf_date_1"] == "2024-03-01T02:00:05"
    create = nf.CreateSubscription(billing_system_customer_identifier="p", customer_email=email)
    nf.validate(create)


def test_charge_sets_take_items_or_dicts() -> None:
    request = nf.AcknowledgeCharges(
        acknowledged_charges_set=[
            nf.AcknowledgedCharge(number="I1", billing_system_customer_identifier="pci1"),
            {"number": "I2", "billing_system_customer_identifier": "pci2", "reference_number": "R2"},
        ]
    )
    assert all(isinstance(i, nf.AcknowledgedCharge) for i in request.acknowledged_charges_set)
    assert request.to_dict()["acknowledged_charges_set"][1] == {
        "number": "I2",
        "billing_system_customer_identifier": "pci2",
        "reference_number": "R2",
    }


def test_unknown_keys_from_dicts_are_kept_for_the_core_to_refuse() -> None:
    request = nf.SuspendSubscription.from_dict(
        {"billing_system_customer_identifer": "pci1"}  # the typo the core catches
    )
    with pytest.raises(nf.ValidationError) as e:
        nf.prepare(request, token="T")
    assert [(v["loc"], v["type"]) for v in e.value.errors] == [
        (("billing_system_customer_identifer",), "unknown_field"),
        (("billing_system_customer_identifier",), "required"),
    ]


def test_a_typo_in_a_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        nf.SuspendSubscription(billing_system_customer_identifer="pci1")  # type: ignore[call-arg]


def test_release_rules_come_from_the_core() -> None:
    request = nf.ListCharges(charge_status=nf.ChargeStatusFilter.PROCESSED)
    with pytest.raises(nf.ValidationError) as e:
        request.validate(release="R12.0.0")
    assert e.value.errors[0]["type"] == "not_in_release"
    nf.validate(nf.ListCharges(), release="R12.0.0")
    with pytest.raises(nf.ValidationError):
        nf.validate(nf.ListCharges())  # mandatory from R14.1.0


def test_requests_compare_by_value_and_are_not_hashable() -> None:
    a = nf.ListCharges(offset=50, charge_status="PROCESSED")
    b = nf.ListCharges(offset=50, charge_status=nf.ChargeStatusFilter.PROCESSED)
    assert a == b
    assert a != nf.ListCharges(offset=0, charge_status="PROCESSED")
    with pytest.raises(TypeError):
        hash(a)


def test_requests_pickle() -> None:
    a = nf.ListCharges(offset=50, charge_status="PROCESSED", fields_set=["number"])
    assert pickle.loads(pickle.dumps(a)) == a


def test_login_request_repr_never_shows_the_password() -> None:
    login = nf.LoginRequest(username="billing", password="hunter2", organisation="ORG")
    assert "hunter2" not in repr(login)
    assert "password=<redacted>" in repr(login)
    # The wire form carries it: it is what goes to the server.
    assert login.to_dict()["password"] == "hunter2"
    prepared = nf.prepare(login)
    assert "hunter2" not in repr(prepared)
    assert prepared.body is not None and prepared.body["password"] == "hunter2"


def test_prepare_with_a_request_object_takes_no_params() -> None:
    with pytest.raises(TypeError):
        nf.prepare(nf.ListCharges(), {"offset": 1}, token="T")


def test_from_json_needs_an_object() -> None:
    with pytest.raises(TypeError):
        nf.ListCharges.from_json("[1, 2]")
    with pytest.raises(TypeError):
        nf.ListCharges.from_dict([1, 2])  # type: ignore[arg-type]


def test_batch_splits_and_merges_in_the_core() -> None:
    items = [(f"I{i:08}", "pci1", None) for i in range(120)] + [("I00000003", "pci1", None)]
    requests = nf.batch(nf.AcknowledgeCharges, items)
    assert [len(r.acknowledged_charges_set) for r in requests] == [50, 50, 20]
    assert all(isinstance(r, nf.AcknowledgeCharges) for r in requests)
    for r in requests:
        r.validate()


def test_batch_keeps_reference_numbers_apart_or_refuses_them_when_strict() -> None:
    items = [
        nf.AcceptedCharge(number="I1", billing_system_customer_identifier="p", reference_number="R"),
        {"number": "I2", "billing_system_customer_identifier": "p", "reference_number": "R"},
    ]
    requests = nf.batch(nf.AcceptCharges, items)
    assert [len(r.accepted_charges_set) for r in requests] == [1, 1]
    with pytest.raises(nf.ValidationError) as e:
        nf.batch(nf.AcceptCharges, items, strict=True)
    assert e.value.errors[0]["loc"] == (1, "reference_number")
    assert e.value.errors[0]["type"] == "duplicate"


def test_batch_refuses_other_request_types_and_items() -> None:
    with pytest.raises(TypeError):
        nf.batch(nf.ListCharges, [])  # type: ignore[type-var]
    with pytest.raises(TypeError):
        nf.batch(nf.AcknowledgeCharges, [42])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        nf.batch(nf.AcknowledgeCharges, [("I1", 5, None)])  # type: ignore[list-item]


def test_the_wire_form_is_json() -> None:
    request = nf.ShowSubscriptions(billing_system_customer_identifier="pci1", fields_set="subscription_number")
    assert json.loads(request.to_json()) == request.to_dict()
