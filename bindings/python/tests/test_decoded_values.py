"""Everything a response that decodes holds can be read: no lazy value (a `datetime`, a `Decimal`,
an enum member, an unknown field) fails when first read, for every response of spec/vectors/.
A field that the response's `fields_set` left out raises `FieldNotRequested`, and nothing else
does."""

from __future__ import annotations

import json
from typing import Any, List

import crmcom_netflix as nf
from conftest import VECTORS


def read_everything(value: Any, not_requested: List[str], depth: int = 0) -> int:
    """Reads every public attribute of decoded objects, recursively; returns how many were read
    and adds to `not_requested` the fields refused as left out by a `fields_set`."""
    if depth > 8 or value is None or isinstance(value, (str, int, float, bool, bytes)):
        return 0
    if isinstance(value, (list, tuple)):
        return sum(read_everything(v, not_requested, depth + 1) for v in value)
    if isinstance(value, dict):
        return sum(read_everything(v, not_requested, depth + 1) for v in value.values())
    if not type(value).__module__.startswith("crmcom_netflix"):
        return 0
    count = 0
    for name in dir(value):
        if name.startswith("_"):
            continue
        try:
            attribute = getattr(value, name)
        except nf.FieldNotRequested as e:
            assert e.field == name and name not in e.fields_set, (name, e)
            assert value.fields_set is not None and name not in value.fields_set, (name, e)
            not_requested.append(name)
            continue
        if callable(attribute):
            continue
        count += 1 + read_everything(attribute, not_requested, depth + 1)
    return count


def test_every_value_of_every_decoded_vector_response_reads() -> None:
    read = 0
    decoded: List[str] = []
    not_requested: List[str] = []
    for path in sorted(VECTORS.glob("*.json")):
        case = json.loads(path.read_text())
        if "request" in case:
            continue
        if "response" in case:
            body = json.dumps(case["response"]).encode()
        else:
            body = case["response_text"].encode()
        try:
            result = nf.decode(case["method"], body, fields_set=case.get("fields_set"))
        except nf.Error:
            continue
        decoded.append(path.name)
        read += read_everything(result, not_requested)
    # Most response vectors decode (the others are malformed or API errors on purpose).
    assert len(decoded) >= 90
    assert read >= 10 * len(decoded)
    # The vectors with a `fields_set` leave fields out, and reading them is refused.
    assert not_requested
