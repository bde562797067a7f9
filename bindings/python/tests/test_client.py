"""The client against FakeCrm: login, token renewal, retries of GETs only, failed
acknowledgements, the charge loop with its journal, a real HTTP round trip, and the fixtures."""

from __future__ import annotations

import csv
import io
import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import Callable, List

import pytest

import crmcom_netflix as nf
from crmcom_netflix.testing import FakeCrm


def crm(**kwargs: object) -> FakeCrm:
    return FakeCrm(start="2024-03-01T02:00:00", **kwargs)  # type: ignore[arg-type]


def test_the_client_logs_in_on_first_use_and_releases_the_token_on_close() -> None:
    fake = crm()
    fake.add_charge("pci1", "5.99")
    with fake.client() as client:
        assert client.token is None
        page = client.list_charges(charge_status=nf.ChargeStatusFilter.PROCESSED)
        assert [c.amount for c in page.charges_set] == [Decimal("5.99")]
        assert client.logins == 1 and client.token is not None
        assert client.list_promotions() == []
    assert fake.stats()["by_method"]["authentication/token/release"] == 1
    assert fake.requests[0] == ("POST", "authentication/token")


def test_a_wrong_password_is_an_api_error_and_never_shown() -> None:
    fake = crm()
    client = fake.client(password="not-the-password")
    with pytest.raises(nf.ApiError) as e:
        client.list_promotions()
    assert e.value.message == "INVALID_LOGIN"
    assert "not-the-password" not in repr(client) and "not-the-password" not in str(e.value)


def test_the_token_is_renewed_before_it_expires() -> None:
    fake = crm()
    with fake.client() as client:
        client.list_promotions()
        first = client.token
        fake.advance(7200 - 400)  # the token has 400 s left: more than the 300 s margin
        client.list_promotions()
        assert client.logins == 1 and client.token == first
        fake.advance(200)  # 200 s left: renewed before use
        client.list_promotions()
        assert client.logins == 2 and client.token != first
    assert fake.stats()["errors"] == 0  # the server never saw an expired token


def test_an_opaque_token_is_renewed_after_its_configured_lifetime() -> None:
    now = [1000.0]
    client = nf.Client(
        "https://crm.example/crmapi/rest/v2",
        username="u",
        password="p",
        organisation="o",
        clock=lambda: now[0],
        token_lifetime=3600,
        renew_margin=300,
    )
    client._issued_at = 1000.0
    opaque = nf.Token("4AD9C84FA60F9FE407140E20F707726A")
    assert opaque.expires_at is None
    now[0] = 1000.0 + 3600 - 301
    assert not client._needs_renewal(opaque)
    now[0] = 1000.0 + 3600 - 300
    assert client._needs_renewal(opaque)


def test_a_token_refused_by_the_server_is_renewed_once() -> None:
    fake = crm()
    with fake.client() as client:
        client.list_promotions()
        fake.expire_all_tokens()
        assert client.list_promotions() == []
        assert client.logins == 2
    strict = crm()
    client = strict.client(relogin_on_api_error=False)
    client.list_promotions()
    strict.expire_all_tokens()
    with pytest.raises(nf.ApiError) as e:
        client.list_promotions()
    assert e.value.message == "TOKEN_EXPIRED"


def test_gets_are_retried_on_unavailability_and_network_failures() -> None:
    fake = crm()
    with fake.client(retries=2, backoff=1.0) as client:
        client.list_promotions()
        start = fake.now()
        fake.fail_next_requests(2)
        assert client.list_promotions() == []
        assert fake.now() - start == 1.0 + 2.0  # back-off waits on the fake's clock
        fake.fail_network(2)
        assert client.list_promotions() == []
        fake.answer_http_status(502, 504)
        assert client.list_promotions() == []
        fake.fail_network(3)
        with pytest.raises(nf.TransportError):
            client.list_promotions()
        fake.answer_http_status(502, 502, 502)
        with pytest.raises(nf.TransportError) as e:
            client.list_promotions()
        assert e.value.status == 502


def test_posts_are_never_retried() -> None:
    fake = crm()
    with fake.client(retries=5) as client:
        client.list_promotions()
        fake.fail_next_requests(1)
        with pytest.raises(nf.ApiError) as e:
            client.suspend_subscription("pci1")
        assert e.value.message == "SERVICE_UNAVAILABLE"
        fake.fail_network(1)
        with pytest.raises(nf.TransportError):
            client.suspend_subscription("pci1")
        fake.answer_http_status(502)
        with pytest.raises(nf.TransportError):
            client.suspend_subscription("pci1")
    posts = [r for r in fake.requests if r == ("POST", "netflix/subscriptions/suspend")]
    assert len(posts) == 3


def test_subscriptions_end_to_end() -> None:
    fake = crm()
    fake.add_promotion("FREE1M", "One month free", "2024-01-01T00:00:00")
    with fake.client() as client:
        (promotion,) = client.list_promotions()
        created = client.create_subscription(
            nf.CreateSubscription(
                billing_system_customer_identifier="pci7",
                promotion_code=promotion.code,
                channel=nf.Channel.BROADBAND,
                validity_duration=3600,
            )
        )
        assert created.netflix_token and created.expires_on is not None
        fake.complete_sign_up(created.netflix_token)
        (sub,) = client.show_subscriptions(billing_system_customer_identifier="pci7")
        assert sub.netflix_state is nf.NetflixState.EFFECTIVE
        assert sub.promotions_set and sub.promotions_set[0].code == "FREE1M"
        client.suspend_subscription("pci7")
        (sub,) = client.show_subscriptions(billing_system_customer_identifier="pci7")
        assert sub.life_cycle_state is nf.LifeCycleState.NOT_EFFECTIVE
        client.unsuspend_subscription("pci7")
        with pytest.raises(nf.ApiError) as e:
            client.unsuspend_subscription("pci7")
        assert e.value.message == "SUBSCRIPTION_NOT_SUSPENDED"
        with pytest.raises(nf.ValidationError):
            client.create_subscription(
                nf.CreateSubscription(billing_system_customer_identifier="p", validity_duration=86401)
            )


def test_charge_actions_report_failed_charges() -> None:
    fake = crm()
    pending = [fake.add_charge(f"pci{i}", "5.99", status=nf.ChargeStatus.PENDING) for i in range(3)]
    approved = fake.add_charge("pci9", "9.99")
    with fake.client() as client:
        assert client.accept_charges([(pending[0], "pci0", None)]) == []
        failed = client.decline_charges([(pending[1], "pci1", None), (pending[2], "pci-other", None)])
        assert [f.error_code for f in failed] == ["CUSTOMER_MISMATCH"]
        fake.fail_acknowledgement(approved, 1)
        page = client.list_charges(charge_status="PROCESSED")
        failed = client.acknowledge_charges(page.charges_set)
        assert [(f.number, f.error_code) for f in failed] == [(approved, "ACKNOWLEDGEMENT_FAILED")]
        assert client.acknowledge_charges([c for c in page.charges_set if c.number == approved]) == []


def seeded(count: int = 130) -> FakeCrm:
    fake = crm()
    fake.seed(count, seed=3)
    return fake


def test_sync_charges_bills_every_processed_charge_once() -> None:
    fake = seeded()
    with fake.client() as client:
        result = client.sync_charges()
    statuses = {c["number"]: c["status"] for c in fake.charges()}
    billable = {n for n, s in statuses.items() if s == "APPROVED"} - {
        c["number"] for c in fake.charges() if c["currency"] == "XTS"
    }
    assert {c.number for c in result.billable} == billable
    assert len(result.billable) == len(billable)
    assert result.report.finished and result.run == 1
    left = {c.number: str(c.charge_status) for c in result.left}
    assert sorted(left.values()) == ["APPROVED", "ON_HOLD"]  # unpriceable XTS and unknown status
    assert set(fake.unacknowledged()) == set(left)
    totals = nf.total_by_currency(result.billable)
    assert totals == result.report.billable_total


def test_a_failed_export_finishes_the_same_run_next_time(tmp_path: Path) -> None:
    fake = seeded(60)
    journal = tmp_path / "journal.sqlite"
    exported: List[List[str]] = []

    def failing(result: nf.SyncResult) -> None:
        raise OSError("disk full")

    def export(result: nf.SyncResult) -> None:
        exported.append([c.number or "" for c in result.billable])

    with fake.client() as client:
        with pytest.raises(OSError):
            client.sync_charges(journal=journal, export=failing)
        again = client.sync_charges(journal=journal, export=export)
        assert again.run == 1 and exported and len(exported[0]) == len(again.billable) > 0
        nothing_new = client.sync_charges(journal=journal, export=export)
        assert nothing_new.run == 2 and nothing_new.billable == []


def test_failed_acknowledgements_are_retried_next_run_and_never_billed_twice(tmp_path: Path) -> None:
    fake = crm()
    numbers = [fake.add_charge(f"pci{i}", "5.99") for i in range(5)]
    fake.fail_acknowledgement(numbers[2], 100)
    journal = tmp_path / "j.sqlite"
    with fake.client() as client:
        first = client.sync_charges(journal=journal, max_ack_attempts=2)
        assert [f.number for f in first.report.failed] == [numbers[2]]
        assert first.report.failed[0].deferred
        assert len(first.billable) == 5
        assert fake.unacknowledged() == [numbers[2]]
        fake.fail_acknowledgement(numbers[2], 0)
        second = client.sync_charges(journal=journal)
        assert second.billable == [] and second.report.acknowledged == 1
        assert fake.unacknowledged() == []


class Garbling:
    """The fake behind a transport that cuts to half the answers of the next requests of a path
    (a body garbled on the way, inside a complete HTTP answer)."""

    def __init__(self, fake: FakeCrm) -> None:
        self.fake = fake
        self.garble: List[str] = []
        self.sent: List[str] = []

    def send(self, request: nf.HttpRequest) -> nf.HttpResponse:
        path = request.url.split("/crmapi/rest/v2/")[1].split("?")[0]
        self.sent.append(path)
        answer = self.fake.send(request)
        if path in self.garble:
            self.garble.remove(path)
            return nf.HttpResponse(answer.status, answer.body[: len(answer.body) // 2], answer.headers)
        return answer


def test_a_page_answered_malformed_is_asked_for_again_and_the_night_goes_on(tmp_path: Path) -> None:
    fake = seeded(120)
    garbling = Garbling(fake)
    journal = tmp_path / "j.sqlite"
    with fake.client(transport=garbling, retries=2) as client:
        garbling.garble = ["netflix/charges/list", "netflix/charges/list"]
        result = client.sync_charges(journal=journal, page_size=50)
        assert result.report.finished and garbling.garble == []
        billed = [c.number for c in result.billable]
        assert len(billed) == len(set(billed)) > 0
        # Every page garbled more often than `retries` allows: the error, and the next night
        # finishes the run (an acknowledgement, a POST, is not sent twice by the client).
        fake.seed(60, seed=5)
        garbling.garble = ["netflix/charges/list"] * 3
        with pytest.raises(nf.MalformedResponse):
            client.sync_charges(journal=journal, page_size=50)
        assert garbling.sent[-3:] == ["netflix/charges/list"] * 3
        garbling.garble = ["netflix/charges/acknowledge"]
        with pytest.raises(nf.MalformedResponse):
            client.sync_charges(journal=journal, page_size=50)
        again = client.sync_charges(journal=journal, page_size=50)
        assert again.report.finished and again.run == 2
        assert not set(billed) & {c.number for c in again.billable}
    # What stays on the server is only what the SDK leaves (unpriceable or of unknown status).
    waiting = set(fake.unacknowledged())
    assert waiting and all(
        c["status"] != "APPROVED" or c["currency"] == "XTS"
        for c in fake.charges()
        if c["number"] in waiting
    )


def test_tokens_expiring_during_a_long_run_are_renewed(tmp_path: Path) -> None:
    fake = FakeCrm(start="2024-03-01T02:00:00", tick=900)  # 15 minutes pass per request
    fake.seed(400, seed=1)
    with fake.client() as client:
        result = client.sync_charges(journal=tmp_path / "j.sqlite", page_size=40)
        assert client.logins >= 3
    assert result.report.finished
    assert fake.stats()["errors"] == 0


def test_faults_clear() -> None:
    fake = crm()
    with fake.client(retries=0) as client:
        client.list_promotions()
        fake.fail_next_requests(5)
        fake.fail_network(5)
        fake.answer_http_status(502)
        fake.clear_faults()
        assert client.list_promotions() == []
        fake.schedule_charge(100, "pci1", "5.99")
        assert fake.add_scheduled_charges() == 1
        assert len(client.list_charges(charge_status="PROCESSED").charges_set) == 1


def test_new_charges_arriving_during_the_run_are_reached() -> None:
    fake = crm()
    for i in range(60):
        fake.add_charge(f"pci{i}", "5.99")
    fake.schedule_charge(3, "late", "7.99")
    with fake.client() as client:
        result = client.sync_charges()
    assert "late" in {c.billing_system_customer_identifier for c in result.billable}
    assert fake.unacknowledged() == []


def test_the_client_speaks_real_http_through_urllib() -> None:
    fake = crm()
    fake.add_charge("pci1", "5.99")
    fake.add_charge("pci2", "2.99", status="DECLINED")
    with fake.serve_http() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        with nf.Client(
            base_url,
            username=fake.USERNAME,
            password=fake.PASSWORD,
            organisation=fake.ORGANISATION,
            clock=fake.now,
            timeout=10,
            transport=nf.UrllibTransport(proxies={}),
        ) as client:
            page = client.list_charges(charge_status="PROCESSED", fields_set=["number", "amount"])
            assert [c.number for c in page.charges_set] == ["I00000001", "I00000002"]
            with pytest.raises(nf.FieldNotRequested):
                page.charges_set[0].currency
            result = client.sync_charges()
            assert [c.amount for c in result.billable] == [Decimal("5.99")]
            fake.answer_http_status(500, 500, 500)
            with pytest.raises(nf.TransportError) as e:
                client.list_promotions()
            assert e.value.status == 500
    assert fake.unacknowledged() == []


def test_a_transport_is_anything_with_send() -> None:
    fake = crm()
    seen: List[nf.HttpRequest] = []

    class Recording:
        def send(self, request: nf.HttpRequest) -> nf.HttpResponse:
            seen.append(request)
            return fake.send(request)

    with nf.Client(
        "https://crm.example/crmapi/rest/v2",
        username=fake.USERNAME,
        password=fake.PASSWORD,
        organisation=fake.ORGANISATION,
        transport=Recording(),
        clock=fake.now,
    ) as client:
        client.list_promotions()
    login, listing, release = seen
    assert listing.url.startswith("https://crm.example/crmapi/rest/v2/netflix/promotions/list?token=")
    assert listing.body is None and login.headers["Content-Type"] == "application/json"
    assert fake.PASSWORD not in repr(login) and "token" not in repr(listing)


def test_call_takes_only_request_objects() -> None:
    with crm().client() as client:
        with pytest.raises(TypeError):
            client.call({"number_of_results": 5})  # type: ignore[call-overload]


def test_the_pytest_fixtures(fake_crm: FakeCrm, fake_crm_client: nf.Client) -> None:
    fake_crm.add_charge("pci1", "5.99")
    result = fake_crm_client.sync_charges()
    assert len(result.billable) == 1
    out = io.StringIO()
    csv.writer(out).writerows([[c.number, c.amount] for c in result.billable])
    assert out.getvalue().strip() == "I00000001,5.99"


def _in_threads(count: int, call: "Callable[[], object]") -> List[object]:
    barrier = threading.Barrier(count)
    results: List[object] = []

    def run() -> None:
        barrier.wait()
        results.append(call())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_threads_sharing_a_client_share_one_renewal_of_an_expired_token() -> None:
    fake = FakeCrm(start="2024-03-01T02:00:00", latency=0.02)  # requests overlap in time
    with fake.client() as client:
        client.list_promotions()
        fake.advance(7200)  # every token has expired
        results = _in_threads(8, client.list_promotions)
        assert results == [[]] * 8
        assert client.logins == 2
    assert fake.stats()["by_method"]["authentication/token"] == 2
    assert fake.stats()["errors"] == 0


def test_threads_sharing_a_client_share_one_login_after_the_server_refuses_the_token() -> None:
    fake = FakeCrm(start="2024-03-01T02:00:00", latency=0.02)
    with fake.client() as client:
        client.list_promotions()
        fake.expire_all_tokens()  # the server refuses a token the client thinks is good
        results = _in_threads(8, client.list_promotions)
        assert results == [[]] * 8
        assert client.logins == 2


def test_threads_starting_together_log_in_once() -> None:
    fake = FakeCrm(start="2024-03-01T02:00:00", latency=0.02)
    with fake.client() as client:
        assert _in_threads(8, client.list_promotions) == [[]] * 8
        assert client.logins == 1


def test_acknowledging_what_the_billing_took_keeps_an_unpriceable_charge_on_the_server() -> None:
    # The rule the docs teach: acknowledge by `billing_action`, never by `is_final`.
    fake = crm()
    billed = fake.add_charge("pci1", "5.99", "USD")
    declined = fake.add_charge("pci2", "2.99", "USD", status="DECLINED")
    unpriceable = fake.add_charge("pci3", "9.99", "XTS")
    with fake.client() as client:
        page = client.list_charges(charge_status="PROCESSED")
        by_number = {c.number: c for c in page.charges_set}
        assert by_number[unpriceable].is_final  # final, yet not to be acknowledged
        assert [by_number[n].billing_action for n in (billed, declined, unpriceable)] == [
            "bill",
            "record",
            "leave",
        ]
        failed = client.acknowledge_charges(
            c for c in page.charges_set if c.billing_action != "leave"
        )
    assert failed == [] and fake.unacknowledged() == [unpriceable]


def test_no_doc_or_example_acknowledges_charges_by_is_final() -> None:
    root = Path(__file__).resolve().parents[3]
    files = [root / "README.md", *root.glob("docs/*.md"), *root.glob("examples/**/*.*")]
    files += [*root.glob("crates/*/examples/*.rs"), *root.glob("bindings/*/examples/**/*.*")]
    offending = []
    for path in files:
        if not path.is_file():
            continue
        lines = path.read_text(errors="replace").splitlines()
        for number, line in enumerate(lines, 1):
            # A call that confirms charges, with `is_final` in it or in its next lines.
            if re.search(r"(acknowledge_charges|items_from_charges|confirm|batch)\(", line):
                call = " ".join(lines[number - 1 : number + 3])
                if re.search(r"is_final", call):
                    offending.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offending == []


def test_the_client_logs_in_with_a_web_api_key() -> None:
    fake = crm()
    fake.add_charge("pci1", "5.99")
    with fake.client(api_key=fake.API_KEY) as client:
        page = client.list_charges(charge_status=nf.ChargeStatusFilter.PROCESSED)
        assert [c.amount for c in page.charges_set] == [Decimal("5.99")]
        assert client.logins == 1
        assert fake.API_KEY not in repr(client)
    assert fake.requests[0] == ("POST", "authentication/web_api_key/token")


def test_a_wrong_web_api_key_is_an_api_error_and_never_shown() -> None:
    fake = crm()
    client = fake.client(api_key="NOT-THE-KEY-42")
    with pytest.raises(nf.ApiError) as e:
        client.list_promotions()
    assert e.value.message == "INVALID_LOGIN"
    text = repr(client) + str(e.value) + repr(e.value)
    assert "NOT-THE-KEY-42" not in text


def test_a_client_takes_a_key_or_a_user_not_both() -> None:
    with pytest.raises(TypeError):
        nf.Client("https://crm.example/crmapi/rest/v2", api_key="K", username="u")
    with pytest.raises(TypeError):
        nf.Client("https://crm.example/crmapi/rest/v2", username="u", password="p")


def test_a_web_api_key_login_over_real_http_sends_basic_authentication() -> None:
    fake = crm()
    fake.add_charge("pci1", "5.99")
    with fake.serve_http() as base_url:
        with nf.Client(
            base_url,
            api_key=fake.API_KEY,
            clock=fake.now,
            timeout=10,
            transport=nf.UrllibTransport(proxies={}),
        ) as client:
            page = client.list_charges(charge_status="PROCESSED")
            assert [c.number for c in page.charges_set] == ["I00000001"]


def test_a_prepared_web_api_key_login_hides_the_key() -> None:
    prepared = nf.WebApiKeyLogin(api_key="K3Y-SECRET").prepare()
    assert prepared.body == {}
    assert [name for name, _ in prepared.headers] == ["Authorization"]
    value = prepared.headers[0][1]
    assert value.startswith("Basic ")
    assert "K3Y-SECRET" not in repr(prepared) and value not in repr(prepared)
    assert "K3Y-SECRET" not in repr(nf.WebApiKeyLogin(api_key="K3Y-SECRET"))
    with pytest.raises(nf.ValidationError) as e:
        nf.WebApiKeyLogin(api_key="K3Y:SECRET").prepare()
    assert e.value.errors[0]["loc"] == ("api_key",) and e.value.errors[0]["type"] == "invalid_format"
    assert "SECRET" not in str(e.value)


def test_a_transport_error_quoting_the_web_api_key_header_is_redacted() -> None:
    class Quoting:
        def send(self, request: nf.HttpRequest) -> nf.HttpResponse:
            raise OSError(f"refused: {dict(request.headers)}")

    client = nf.Client("https://crm.example/crmapi/rest/v2", api_key="K3Y-SECRET", transport=Quoting())
    with pytest.raises(nf.TransportError) as e:
        client.login()
    header = nf.WebApiKeyLogin(api_key="K3Y-SECRET").prepare().headers[0][1]
    text = str(e.value) + repr(e.value)
    assert "K3Y-SECRET" not in text and header.split()[1] not in text
