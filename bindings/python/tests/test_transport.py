"""`UrllibTransport` against a hostile HTTP server on 127.0.0.1: every way an answer can fail
to arrive whole is a `TransportError`, retried for GETs as network failures are, never for POSTs,
and never carrying the token."""

from __future__ import annotations

import http.client
import logging
from typing import List

import pytest

import crmcom_netflix as nf
from hostile_http import OK_BODY, HostileServer, behaviours

TOKEN = "TOKEN-0123456789-SECRET"


def client(base_url: str, retries: int = 2) -> nf.Client:
    return nf.Client(
        base_url,
        username="u",
        password="p",
        organisation="o",
        transport=nf.UrllibTransport(proxies={}),
        timeout=0.5,
        retries=retries,
        backoff=0.0,
    )


def listing() -> nf.PreparedRequest:
    return nf.ListPromotions().prepare(token=TOKEN)


def exception_texts(e: BaseException) -> List[str]:
    """The text of an exception and of everything chained to it."""
    texts: List[str] = []
    seen = set()
    current: "BaseException | None" = e
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current)] + [repr(a) for a in current.args]
        current = current.__cause__ or current.__context__
    return texts


@pytest.mark.parametrize("behaviour", list(behaviours()))
def test_each_hostile_answer_is_a_transport_error_and_a_get_is_retried(
    behaviour: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="crmcom_netflix")
    with HostileServer([behaviour] * 3) as server:
        with pytest.raises(nf.TransportError) as e:
            client(server.base_url, retries=2).exchange(listing())
        assert server.connections == 3  # the first try and two retries
    assert e.value.__cause__ is None and e.value.__context__ is None
    assert e.value.__suppress_context__ is False
    for text in exception_texts(e.value) + [r.getMessage() for r in caplog.records]:
        assert TOKEN not in text
    assert "GET netflix/promotions/list" in str(e.value)


@pytest.mark.parametrize("behaviour", list(behaviours()))
def test_a_get_succeeds_once_the_hostile_answers_stop(behaviour: str) -> None:
    with HostileServer([behaviour, behaviour]) as server:
        body = client(server.base_url, retries=2).exchange(listing())
        assert body == OK_BODY and server.connections == 3


@pytest.mark.parametrize("behaviour", ["truncated_body", "bad_status_line", "reset"])
def test_a_post_is_never_sent_twice(behaviour: str) -> None:
    with HostileServer([behaviour]) as server:
        request = nf.SuspendSubscription(billing_system_customer_identifier="pci1").prepare(
            token=TOKEN
        )
        with pytest.raises(nf.TransportError) as e:
            client(server.base_url, retries=5).exchange(request)
        assert server.connections == 1
    assert TOKEN not in str(e.value) and e.value.__context__ is None


def test_the_transport_alone_raises_transport_error_without_a_chain() -> None:
    with HostileServer(["too_many_headers"]) as server:
        transport = nf.UrllibTransport(proxies={})
        request = nf.HttpRequest(
            verb="GET",
            url=listing().url(server.base_url),
            headers={},
            body=None,
            timeout=1.0,
            prepared=listing(),
        )
        with pytest.raises(nf.TransportError) as e:
            transport.send(request)
    assert "HTTPException" in str(e.value) and e.value.__context__ is None
    assert not isinstance(e.value, http.client.HTTPException)


def test_nothing_listening_is_a_transport_error() -> None:
    with HostileServer([]) as server:
        url = server.base_url
    with pytest.raises(nf.TransportError) as e:
        client(url, retries=1).exchange(listing())
    assert TOKEN not in str(e.value)


class _Returns:
    """A custom transport that answers with whatever it is given."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls = 0

    def send(self, request: nf.HttpRequest) -> nf.HttpResponse:
        self.calls += 1
        return self.answer  # type: ignore[return-value]


@pytest.mark.parametrize(
    "answer",
    [
        None,
        "200 OK",
        nf.HttpResponse(status="200", body=OK_BODY),  # type: ignore[arg-type]
        nf.HttpResponse(status=True, body=OK_BODY),
        nf.HttpResponse(status=200, body=OK_BODY.decode()),  # type: ignore[arg-type]
    ],
)
def test_a_custom_transport_that_returns_no_response_is_a_transport_error(answer: object) -> None:
    transport = _Returns(answer)
    c = nf.Client(
        "http://127.0.0.1:9",
        username="u",
        password="p",
        organisation="o",
        transport=transport,
        retries=2,
        backoff=0.0,
    )
    with pytest.raises(nf.TransportError) as e:
        c.exchange(listing())
    assert "the transport returned" in str(e.value)
    assert TOKEN not in str(e.value)
    assert transport.calls == 1, "not retried: it would answer the same way"
