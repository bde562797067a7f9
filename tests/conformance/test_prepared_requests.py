"""Every prepared request in spec/vectors is a valid request for the spec, by openapi-core
(OpenAPI 3.1, JSON Schema 2020-12): verb, path, query parameters (`fields_set` as a form array),
the JSON body and, for the Web API key login, the `Authorization` header of its security scheme.
The spec is taken for the vector's release (spec_tools.for_release)."""

from __future__ import annotations

import functools
import json
from typing import Any, Dict

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest
from werkzeug.datastructures import ImmutableMultiDict

import spec_tools
from conftest import spec_for

HOST = "https://crm.example.com"
BASE = "/crmapi/rest/v2/"

PREPARED = [
    (name, v) for name, v in spec_tools.vectors() if "prepared" in v.get("expect", {})
]


@functools.lru_cache(maxsize=None)
def api(release: str) -> OpenAPI:
    return OpenAPI.from_dict(spec_for(release))


def mock(prepared: Dict[str, Any]) -> MockRequest:
    body = prepared.get("body")
    return MockRequest(
        HOST,
        prepared["verb"].lower(),
        BASE + prepared["path"],
        args=ImmutableMultiDict([tuple(q) for q in prepared["query"]]),
        headers=dict(tuple(h) for h in prepared.get("headers", [])),
        data=None if body is None else json.dumps(body).encode(),
    )


def test_there_are_prepared_vectors_of_every_method() -> None:
    methods = {v["method"] for _, v in PREPARED}
    assert len(PREPARED) >= 50
    assert len(methods) == 12, sorted(methods)


@pytest.mark.parametrize("name,vector", PREPARED, ids=[n for n, _ in PREPARED])
def test_a_prepared_request_is_valid_for_the_spec(name: str, vector: Dict[str, Any]) -> None:
    release = vector.get("release", spec_tools.LATEST)
    api(release).validate_request(mock(vector["expect"]["prepared"]))


def test_a_request_the_spec_forbids_is_refused_by_openapi_core() -> None:
    """The check has teeth: an empty query value and a missing Authorization header fail."""
    bad = {"verb": "GET", "path": "netflix/subscriptions/show",
           "query": [["token", "T"], ["billing_system_customer_identifier", ""]], "body": None}
    with pytest.raises(Exception):
        api(spec_tools.LATEST).validate_request(mock(bad))
    no_key = {"verb": "POST", "path": "authentication/web_api_key/token", "query": [], "body": {}}
    with pytest.raises(Exception):
        api(spec_tools.LATEST).validate_request(mock(no_key))
