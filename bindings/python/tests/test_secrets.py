"""No token or password in any exception text, repr, log record or exception chain, whatever
the transport or the server puts in its messages."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, List

import pytest

import crmcom_netflix as nf
from crmcom_netflix.client import redact
from crmcom_netflix.testing import FakeCrm

PASSWORD = "pa55-w0rd-SECRET"


def chain(e: BaseException) -> List[BaseException]:
    out: List[BaseException] = []
    current: "BaseException | None" = e
    while current is not None and current not in out:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def texts_of(e: BaseException) -> List[str]:
    texts: List[str] = []
    for link in chain(e):
        texts += [str(link), repr(link)] + [repr(a) for a in link.args]
        texts += [repr(v) for v in vars(link).values()]
    return texts


def assert_clean(texts: List[str], *secrets: str) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, text


class Fake(FakeCrm):
    """The fake with a known password and a way to make its transport misbehave."""

    def __init__(self) -> None:
        super().__init__(start="2024-03-01T02:00:00")
        self.add_user("billing", PASSWORD, "NETFLIXOP")

    def client(self, **options: Any) -> nf.Client:
        options.setdefault("transport", self)
        return nf.Client(
            self.BASE_URL,
            username="billing",
            password=PASSWORD,
            organisation="NETFLIXOP",
            clock=self.now,
            sleep=self.advance,
            **options,
        )


class QuotingTransport:
    """Fails like the `requests` library does: the exception text quotes the URL (with the
    token of a GET) and, here, the body too (with the password of a login)."""

    def __init__(self, fake: Fake, failures: int, exception: type = ConnectionError) -> None:
        self.fake = fake
        self.failures = failures
        self.exception = exception
        self.calls = 0

    def send(self, request: nf.HttpRequest) -> nf.HttpResponse:
        self.calls += 1
        if request.verb == "GET" and self.failures:
            self.failures -= 1
            raise self.exception(
                f"HTTPSConnectionPool(host='crm.example', port=443): Max retries exceeded "
                f"with url: {request.url} (Caused by NewConnectionError('refused'))"
            )
        return self.fake.send(request)


def test_a_transport_error_quoting_the_url_never_shows_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="crmcom_netflix")
    fake = Fake()
    transport = QuotingTransport(fake, failures=10)
    client = fake.client(transport=transport, retries=2)
    with pytest.raises(nf.TransportError) as e:
        client.list_promotions()
    token = client.token
    assert token is not None
    assert "token=<redacted>" in str(e.value) and "ConnectionError" in str(e.value)
    assert e.value.__cause__ is None and e.value.__context__ is None
    assert_clean(texts_of(e.value), token.expose(), PASSWORD)
    assert_clean([r.getMessage() for r in caplog.records], token.expose(), PASSWORD)
    assert len([r for r in caplog.records if "retrying" in r.getMessage()]) == 2
    # Once the network is back the same client works.
    transport.failures = 0
    assert client.list_promotions() == []


def test_any_exception_of_a_transport_becomes_a_clean_transport_error_not_retried() -> None:
    fake = Fake()

    class Broken:
        calls = 0

        def send(self, request: nf.HttpRequest) -> nf.HttpResponse:
            Broken.calls += 1
            body = (request.body or b"").decode()
            raise RuntimeError(f"cannot send {request.url} {body}")

    client = fake.client(transport=Broken(), retries=3)
    with pytest.raises(nf.TransportError) as e:
        client.list_promotions()  # the login POST fails
    assert Broken.calls == 1
    assert "RuntimeError" in str(e.value)
    assert_clean(texts_of(e.value), PASSWORD)


def test_a_transport_error_raised_by_the_transport_itself_is_redacted() -> None:
    fake = Fake()

    class Raising:
        def send(self, request: nf.HttpRequest) -> nf.HttpResponse:
            if request.verb == "GET":
                raise nf.TransportError(f"gave up on {request.url}")
            return fake.send(request)

    client = fake.client(transport=Raising(), retries=1)
    with pytest.raises(nf.TransportError) as e:
        client.list_promotions()
    assert client.token is not None
    assert_clean(texts_of(e.value), client.token.expose())


def test_a_server_that_echoes_the_token_in_an_error_has_it_redacted() -> None:
    fake = Fake()

    class Echoing:
        def send(self, request: nf.HttpRequest) -> nf.HttpResponse:
            if request.verb == "GET":
                token = dict(request.prepared.query)["token"]
                body = (
                    '{"status": {"code": "ERROR", "description": "bad token %s", '
                    '"message": "TOKEN_EXPIRED %s"}, "data": null}' % (token, token)
                )
                return nf.HttpResponse(200, body.encode())
            return fake.send(request)

    client = fake.client(transport=Echoing(), relogin_on_api_error=False)
    with pytest.raises(nf.ApiError) as e:
        client.list_promotions()
    assert client.token is not None
    assert e.value.description == "bad token <redacted>"
    assert e.value.message == "TOKEN_EXPIRED <redacted>"
    assert e.value.__context__ is None
    assert_clean(texts_of(e.value), client.token.expose())


@pytest.mark.parametrize("password", ["p\udcff", "\udc80" + PASSWORD, "\ud800"])
def test_a_password_with_a_lone_surrogate_is_a_validation_error_naming_the_parameter(
    password: str,
) -> None:
    with pytest.raises(nf.ValidationError) as e:  # found when the client is made
        nf.Client(
            "https://crm.example/crmapi/rest/v2",
            username="u",
            password=password,
            organisation="o",
            transport=FakeCrm(),
        )
    assert [(d["loc"], d["type"]) for d in e.value.errors] == [(("password",), "invalid_format")]
    assert not isinstance(e.value, UnicodeError)
    assert_clean(texts_of(e.value), password, PASSWORD)
    with pytest.raises(nf.ValidationError) as e:
        nf.prepare("authentication/token", {"username": "u", "password": password, "organisation": "o"})
    assert e.value.errors[0]["loc"] == ("password",)
    assert_clean(texts_of(e.value), password)


def test_a_token_with_a_lone_surrogate_is_a_validation_error_without_the_token() -> None:
    secret = "tok\udcffSECRET"
    with pytest.raises(nf.ValidationError) as e:
        nf.ListPromotions().prepare(token=secret)
    assert e.value.errors[0]["loc"] == ("token",)
    assert_clean(texts_of(e.value), secret)
    with pytest.raises(nf.ValidationError) as e:
        nf.Token(secret)
    assert_clean(texts_of(e.value), secret)


def test_reprs_never_show_a_secret() -> None:
    login = nf.LoginRequest(username="u", password=PASSWORD, organisation="o")
    prepared = login.prepare()
    assert repr(prepared) == (
        "PreparedRequest(verb='POST', path='authentication/token', "
        "body={'username': 'u', 'password': '<redacted>', 'organisation': 'o'})"
    )
    listing = nf.ListCharges(charge_status="PROCESSED").prepare(token="TOK-SECRET")
    assert repr(listing) == (
        "PreparedRequest(verb='GET', path='netflix/charges/list', query=[('token', '<redacted>'), "
        "('number_of_results', '50'), ('offset', '0'), ('charge_status', 'PROCESSED')])"
    )
    assert listing.secret_values() == ["TOK-SECRET"] and prepared.secret_values() == [PASSWORD]
    fake = Fake()
    client = fake.client()
    client.list_promotions()
    assert client.token is not None
    assert_clean([repr(client), repr(login), repr(client.token), str(client.token)], PASSWORD)
    assert_clean([repr(client), repr(client.token)], client.token.expose())


def test_redact_covers_urls_json_and_encoded_forms() -> None:
    assert redact("GET https://h/x?token=abc.def-1&offset=0") == (
        "GET https://h/x?token=<redacted>&offset=0"
    )
    assert redact('{"token": "abc", "password":"p\\"w"}') == (
        '{"token": "<redacted>", "password":"<redacted>"}'
    )
    assert redact("sent a+b%2Fc and a b/c", ["a b/c"]) == "sent <redacted> and <redacted>"


def test_a_server_that_echoes_the_token_during_the_charge_loop_has_it_redacted(
    tmp_path: Path,
) -> None:
    fake = Fake()
    fake.add_charge("pci1", "5.99")

    class Echoing:
        def send(self, request: nf.HttpRequest) -> nf.HttpResponse:
            if request.prepared.path == "netflix/charges/list":
                token = dict(request.prepared.query)["token"]
                body = (
                    '{"status": {"code": "ERROR", "description": "token %s refused", '
                    '"message": "TOKEN_EXPIRED"}, "data": null}' % token
                )
                return nf.HttpResponse(200, body.encode())
            return fake.send(request)

    client = fake.client(transport=Echoing(), relogin_on_api_error=False)
    with pytest.raises(nf.ApiError) as e:
        client.sync_charges(journal=tmp_path / "journal.sqlite")
    assert client.token is not None
    assert e.value.description == "token <redacted> refused"
    assert_clean(texts_of(e.value), client.token.expose())
