"""A typing test: `mypy --strict` must accept this file and infer these types (run by
`make test`; pytest also runs it, to keep it honest at run time)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Dict, List, Optional, assert_type



import crmcom_netflix as nf
from crmcom_netflix.testing import FakeCrm

BODY = (
    b'{"status":{"code":"OK","description":"","message":""},"data":{"charges_set":['
    b'{"number":"I1","billing_system_customer_identifier":"pci1","amount":5.989999771118164,'
    b'"currency":"USD","charge_status":"APPROVED","paid_through_date":"2017-02-19T02:00:00",'
    b'"received_on":"2017-02-21T10:07:23","set_as_approved_on":"2017-02-21T10:38:58",'
    b'"set_as_declined_on":null,"set_as_bad_request_on":null,"set_as_rejected_request_on":null}]}}'
)


def decoding() -> None:
    page = nf.decode("netflix/charges/list", BODY)
    assert_type(page, nf.ChargesPage)
    charge = page.charges_set[0]
    assert_type(charge, nf.Charge)
    # Decoded without a fields_set: the documented fields are plain values, no casts needed.
    number: str = charge.number
    amount: Decimal = charge.amount
    received_on: datetime = charge.received_on
    assert number == "I1" and amount == Decimal("5.99") and received_on.year == 2017
    assert_type(charge.amount, Decimal)
    assert_type(charge.currency, str)
    assert_type(charge.amount_minor, Optional[int])
    assert_type(charge.amount_raw, float)
    assert_type(charge.received_on, datetime)
    assert_type(charge.paid_through_date, datetime)
    assert_type(charge.charge_status, nf.ChargeStatus)
    # Nullable fields stay optional.
    assert_type(charge.set_as_approved_on, Optional[datetime])
    assert_type(charge.local_currency_amount, Optional[Decimal])
    assert_type(charge.fields_set, Optional[List[str]])
    assert_type(charge.billable, bool)
    assert_type(charge.to_dict(), Dict[str, Any])
    assert_type(nf.Charge.from_json(charge.to_json()), nf.Charge)
    promotions = nf.decode("netflix/promotions/list", b"{}")
    assert_type(promotions, List[nf.Promotion])
    failed = nf.decode("netflix/charges/acknowledge", b"{}")
    assert_type(failed, nf.FailedCharges)
    login = nf.decode("authentication/token", b"{}")
    assert_type(login.token, nf.Token)
    assert_type(promotions[0].code, str)
    assert_type(promotions[0].expires_on, Optional[datetime])


PROJECTED = (
    b'{"status":{"code":"OK","description":"","message":""},"data":{"charges_set":['
    b'{"number":"I1","amount":5.989999771118164,"currency":"USD"}]}}'
)


def projected() -> None:
    page = nf.decode("netflix/charges/list", PROJECTED, fields_set=["number", "amount", "currency"])
    charge = page.charges_set[0]
    # Typed as the plain value; a field the fields_set left out raises FieldNotRequested.
    number: str = charge.number
    amount: Decimal = charge.amount
    assert number == "I1" and amount == Decimal("5.99")
    try:
        charge.received_on
    except nf.FieldNotRequested as e:
        assert_type(e.field, str)
        assert_type(e.fields_set, tuple[str, ...])
        assert e.field == "received_on" and e.fields_set == ("number", "amount", "currency")
    else:
        raise AssertionError("received_on was not requested")
    assert not hasattr(charge, "paid_through_date")
    assert getattr(charge, "charge_status", None) is None


def requests() -> None:
    request = nf.ListCharges(charge_status=nf.ChargeStatusFilter.PROCESSED)
    assert_type(request.number_of_results, int)
    prepared = nf.prepare(request, token="T")
    assert_type(prepared, nf.PreparedRequest)
    assert_type(prepared.query, List[tuple[str, str]])
    assert_type(nf.ListCharges.from_json(request.to_json()), nf.ListCharges)
    address = nf.Address(type=nf.AddressType.HOME, street_name="Main", floor=2)
    create = nf.CreateSubscription(
        billing_system_customer_identifier="pci1", customer_address=address, channel="WEB"
    )
    assert_type(create.customer_address, Optional[nf.Address])
    batches = nf.batch(nf.AcceptCharges, [("I1", "pci1", None)])
    assert_type(batches, List[nf.AcceptCharges])
    assert_type(batches[0].accepted_charges_set, List[nf.AcceptedCharge])


def errors() -> None:
    try:
        nf.validate("netflix/charges/list", {})
    except nf.ValidationError as e:
        assert_type(e.errors, List[nf.ErrorDetails])
        assert_type(e.errors[0]["loc"], nf.Loc)
        assert_type(e.errors[0]["type"], str)
    except nf.ApiError as e:
        assert_type(e.description, Optional[str])


def sync_loop(token: nf.Token) -> None:
    sync = nf.ChargeSync(page_size=50)
    for request in sync.requests(token):
        assert_type(request, nf.PreparedRequest)
        sync.feed(b"...")
        charges = sync.take_charges()
        assert_type(charges, List[nf.Charge])
        assert_type(sync.confirm(charges), int)
    report = sync.report()
    assert_type(report.billable_total, Dict[str, Decimal])


def client() -> None:
    crm = FakeCrm(start="2024-03-01T02:00:00")
    crm.add_charge("pci1", "5.99")
    with crm.client() as c:
        assert_type(c.list_charges(charge_status="PROCESSED"), nf.ChargesPage)
        assert_type(c.call(nf.ListPromotions()), List[nf.Promotion])
        result = c.sync_charges()
        assert_type(result, nf.SyncResult)
        assert_type(result.billable, List[nf.Charge])
        page = c.list_charges(charge_status="PROCESSED")
        taken = [ch for ch in page.charges_set if ch.billing_action != "leave"]
        assert_type(c.acknowledge_charges(taken), List[nf.FailedCharge])
        assert_type(c.accept_charges([("I1", "pci1", None)]), List[nf.FailedCharge])
        item = nf.DeclinedCharge(number="I2", billing_system_customer_identifier="pci1")
        assert_type(c.decline_charges([item]), List[nf.FailedCharge])


def wrong_set_items(c: nf.Client) -> None:
    """Type-checked, never run: anything but a charge or a set item is a type error (mypy
    --strict fails on an unused ignore)."""
    c.acknowledge_charges([5])  # type: ignore[list-item]
    c.acknowledge_charges(["I1"])  # type: ignore[list-item]


if __name__ == "__main__":
    projected()
    requests()
    client()
