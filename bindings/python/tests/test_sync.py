"""ChargeSync as the core has it, driven by hand against the Rust simulator: the for-loop form,
the state that resumes it, redelivery, failed acknowledgements, options checked by the core."""

from __future__ import annotations

from decimal import Decimal
from typing import List

import pytest

import crmcom_netflix as nf
from crmcom_netflix.testing import Simulator

NOW = 1_709_258_400  # 2024-03-01T02:00:00


def login(sim: Simulator) -> nf.Token:
    request = nf.prepare(
        nf.LoginRequest(username=sim.USERNAME, password=sim.PASSWORD, organisation=sim.ORGANISATION)
    )
    result = nf.decode("authentication/token", sim.handle(request, NOW))
    assert result.token is not None
    return result.token


def stocked(count: int) -> Simulator:
    sim = Simulator()
    for i in range(count):
        status = "DECLINED" if i % 10 == 3 else "APPROVED"
        sim.add_charge(f"pci{i}", "5.99", "USD", status, now=NOW, received_on=NOW - 3600 + i)
    return sim


def test_the_loop_reads_as_a_for_loop() -> None:
    sim = stocked(120)
    token = login(sim)
    sync = nf.ChargeSync()
    billed: List[nf.Charge] = []
    for request in sync.requests(token):
        sync.feed(sim.handle(request, NOW))
        charges = sync.take_charges()
        billed.extend(c for c in charges if c.billable)
        sync.confirm(charges)
    report = sync.report()
    assert report.finished and report.handed_over == 120 and report.acknowledged == 120
    assert len(billed) == 108
    assert report.billable_total == {"USD": Decimal("5.99") * 108}
    assert report.pages == 3 and report.acknowledge_requests == 3
    assert report.charge_status is nf.ChargeStatusFilter.PROCESSED and report.mode == "acknowledge"
    assert all(c["acknowledged_on"] is not None for c in sim.charges())
    assert sync.is_finished and sync.next_request(token) is None


def test_the_token_may_be_a_callable_renewing_it() -> None:
    sim = stocked(3)
    tokens = [login(sim)]
    sync = nf.ChargeSync()
    for request in sync.requests(lambda: tokens[-1]):
        sync.feed(sim.handle(request, NOW))
        sync.confirm(sync.take_charges())
        tokens.append(login(sim))
    assert sync.report().acknowledged == 3


def test_a_resumed_sync_redelivers_what_was_not_confirmed() -> None:
    sim = stocked(10)
    token = login(sim)
    sync = nf.ChargeSync()
    request = sync.next_request(token)
    assert request is not None and request.method == "netflix/charges/list"
    sync.feed(sim.handle(request, NOW))
    taken = sync.take_charges()
    assert len(taken) == 10 and not any(c.redelivered for c in taken)
    saved = sync.state_json()
    assert token.expose() not in saved
    # The process dies here; a new one resumes from the saved state.
    again = nf.ChargeSync.from_state(saved)
    redelivered = again.take_charges()
    assert [c.number for c in redelivered] == [c.number for c in taken]
    assert all(c.redelivered for c in redelivered)
    again.confirm(redelivered)
    for request in again.requests(token):
        again.feed(sim.handle(request, NOW))
        again.confirm(again.take_charges())
    assert again.report().acknowledged == 10


def test_an_api_error_changes_nothing() -> None:
    sim = stocked(2)
    token = login(sim)
    sync = nf.ChargeSync()
    request = sync.next_request(token)
    assert request is not None
    sim.expire_all_tokens()
    with pytest.raises(nf.ApiError) as e:
        sync.feed(sim.handle(request, NOW))
    assert e.value.message == "TOKEN_EXPIRED"
    fresh = login(sim)
    again = sync.next_request(fresh)
    assert again is not None and again.query_string == request.query_string.replace(
        token.expose(), fresh.expose()
    )


def test_failed_acknowledgements_are_reported_and_carried_over() -> None:
    sim = stocked(3)
    token = login(sim)
    first = sim.charges()[0]["number"]
    sim.fail_acknowledgement(first, 5)
    sync = nf.ChargeSync(max_ack_attempts=2)
    for request in sync.requests(token):
        sync.feed(sim.handle(request, NOW))
        sync.confirm(sync.take_charges())
    report = sync.report()
    assert report.acknowledged == 2
    (failed,) = report.failed
    assert failed.number == first and failed.error_code == "ACKNOWLEDGEMENT_FAILED"
    assert failed.attempts == 2 and failed.deferred
    assert failed.to_dict()["number"] == first
    # The next night retries it before the first page, and it is never handed over again.
    sync.start_run()
    sim.fail_acknowledgement(first, 0)
    handed: List[nf.Charge] = []
    for request in sync.requests(token):
        sync.feed(sim.handle(request, NOW))
        handed.extend(sync.take_charges())
    assert handed == [] and sync.report().acknowledged == 1 and sync.run == 2


def test_confirming_a_charge_not_handed_over_is_refused() -> None:
    sync = nf.ChargeSync()
    with pytest.raises(nf.ValidationError) as e:
        sync.confirm(["I404"])
    assert e.value.errors[0]["loc"] == ("numbers", 0)


def test_options_are_checked_by_the_core() -> None:
    with pytest.raises(nf.ValidationError) as e:
        nf.ChargeSync(charge_status=nf.ChargeStatusFilter.NOT_PROCESSED)
    assert e.value.errors[0]["loc"] == ("charge_status",)
    with pytest.raises(nf.ValidationError):
        nf.ChargeSync(page_size=51)
    with pytest.raises(nf.ValidationError):
        nf.ChargeSync(mode="sometimes")  # type: ignore[arg-type]
    read_only = nf.ChargeSync(mode="read_only", charge_status="NOT_PROCESSED", release="R14.1.0")
    assert read_only.options["mode"] == "read_only"
    with pytest.raises(nf.ValidationError):
        nf.ChargeSync.from_state("{}")


def test_reference_numbers_go_with_the_acknowledgement() -> None:
    sim = stocked(1)
    token = login(sim)
    sync = nf.ChargeSync()
    for request in sync.requests(token):
        body = request.body
        if body is not None:
            assert body["acknowledged_charges_set"][0]["reference_number"] == "INV-1"
        sync.feed(sim.handle(request, NOW))
        for charge in sync.take_charges():
            assert sync.confirm_with_reference(charge, "INV-1")
    assert sim.charges()[0]["reference_number"] == "INV-1"
