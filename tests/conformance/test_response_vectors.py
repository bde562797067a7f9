"""Every response vector in spec/vectors against the spec's response schema of its method (the
200 response: `oneOf` an OK envelope and an `ErrorEnvelope`), by jsonschema (2020-12):

- a `decoded` vector is valid, and so is an `api_error` one;
- a `malformed` vector is invalid, with an error at the vector's path (or a `required` error
  naming the missing field there).

With a `fields_set`, the item object requires only the fields named (spec_tools.relax_item_objects),
as the SDK reads a projected response. What JSON Schema cannot say is listed in NOT_EXPRESSIBLE,
each with the reason; those vectors must still be invalid JSON or be checked by the SDK alone."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional

import jsonschema
import pytest

import spec_tools
from conftest import spec_for

# Vectors whose rule a JSON Schema cannot state, with why. (A body with a key twice is found by
# has_repeated_key: a schema sees the parsed object, where the repeat is gone.)
NOT_EXPRESSIBLE: Dict[str, str] = {
    "netflix.charges.list--one-number-two-charges.json": (
        "two different charges under one number: items unique by a key, which `uniqueItems` "
        "(whole items) cannot say"
    ),
}


def has_repeated_key(text: str) -> bool:
    repeated = False

    def pairs(items: List[Any]) -> Dict[str, Any]:
        nonlocal repeated
        keys = [k for k, _ in items]
        repeated = repeated or len(keys) != len(set(keys))
        return dict(items)

    json.loads(text, object_pairs_hook=pairs)
    return repeated

RESPONSES = [
    (name, v)
    for name, v in spec_tools.vectors()
    if ("response" in v or "response_text" in v)
    and any(k in v.get("expect", {}) for k in ("decoded", "api_error", "malformed"))
]


def response_schema(method: str, release: str, fields_set: Optional[List[str]]) -> Dict[str, Any]:
    spec = spec_for(release)
    _, op = spec_tools.operation(spec, method)
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    schema = spec_tools.inline(schema, spec)
    if fields_set is not None:
        schema = spec_tools.relax_item_objects(schema, fields_set)
    return schema


def errors(schema: Dict[str, Any], instance: Any) -> Iterator[jsonschema.ValidationError]:
    """Every error, the ones inside `oneOf`/`anyOf` branches included."""
    validator = jsonschema.Draft202012Validator(schema)
    stack = list(validator.iter_errors(instance))
    while stack:
        e = stack.pop()
        yield e
        stack.extend(e.context or [])


def error_paths(schema: Dict[str, Any], instance: Any) -> List[str]:
    out = []
    for e in errors(schema, instance):
        path = list(e.absolute_path)
        out.append(spec_tools.render_path(path))
        if e.validator is None and isinstance(e.instance, (str, int, float, bool)):
            # A `false` property schema (a name that must not come, `dependentSchemas`):
            # jsonschema reports it at the object, with the property's value.
            obj: Any = instance
            for p in path:
                obj = obj[p]
            trigger = list(e.schema_path)[-2] if len(e.schema_path) >= 2 else None
            if isinstance(obj, dict):
                out.extend(
                    spec_tools.render_path(path + [k])
                    for k, v in obj.items()
                    if v == e.instance and k != trigger
                )
        if e.validator == "required":
            missing = e.message.split("'")[1] if "'" in e.message else ""
            out.append(spec_tools.render_path(path + [missing]))
    return out


def test_there_are_response_vectors_of_every_kind() -> None:
    kinds = {k for _, v in RESPONSES for k in v["expect"] if k in ("decoded", "api_error", "malformed")}
    assert kinds == {"decoded", "api_error", "malformed"}
    assert len(RESPONSES) >= 100


@pytest.mark.parametrize("name,vector", RESPONSES, ids=[n for n, _ in RESPONSES])
def test_a_response_vector_is_what_the_spec_says(name: str, vector: Dict[str, Any]) -> None:
    release = vector.get("release", spec_tools.LATEST)
    schema = response_schema(vector["method"], release, vector.get("fields_set"))
    expect = vector["expect"]
    if "response" in vector:
        body = vector["response"]
    else:
        try:
            body = json.loads(vector["response_text"])
        except ValueError:
            assert "malformed" in expect, "a body that is not JSON must be malformed"
            return
    if name in NOT_EXPRESSIBLE or ("response_text" in vector and has_repeated_key(vector["response_text"])):
        assert "malformed" in expect, "only a malformed vector may be beyond the schema"
        return
    found = list(errors(schema, body))
    if "decoded" in expect or "api_error" in expect:
        assert not found, f"valid for the SDK, invalid for the spec: {found[0].message} at {list(found[0].absolute_path)}"
    else:
        assert found, "malformed for the SDK, valid for the spec"
        path = expect["malformed"]["path"]
        paths = error_paths(schema, body)
        assert path in paths, f"no error at {path!r}; errors at {sorted(set(paths))}"
