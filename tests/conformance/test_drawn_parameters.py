"""Parameter objects drawn from each request schema of the spec (hypothesis-jsonschema), for
every method and every release it exists in, are accepted by the SDK's `validate`; and every
single mutation of a drawn object that the schema forbids is refused by `validate` with a
violation at the mutated path.

The schema is the method's parameter component (`operationId`) for the release, vendor keys
applied (spec_tools.for_release), `$ref`s inlined, in Python's regex dialect. `x-unique-items-by`
has no JSON Schema form: drawn objects that repeat a key are discarded (and the SDK's `duplicate`
rule is checked by the vectors). hypothesis-jsonschema reads drafts 4 to 7 only; the request
schemas use nothing newer (the 2020-12 `unevaluatedProperties` is on the POST bodies, not on the
components drawn from here).

EXAMPLES parameter objects per method and release keep `make test` short; raise
CRMNF_CONFORMANCE_EXAMPLES for a longer run."""

from __future__ import annotations

import copy
import os
from typing import Any, Dict, Iterator, List, Tuple

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

import crmcom_netflix as nf
import spec_tools
from conftest import spec, spec_for

EXAMPLES = int(os.environ.get("CRMNF_CONFORMANCE_EXAMPLES", "10"))

CASES = [
    (method.lstrip("/"), release)
    for release in spec_tools.RELEASES
    for method, item in spec_for(release)["paths"].items()
]


def component(method: str, release: str) -> Dict[str, Any]:
    """The parameters object: the component, closed (a POST body closes it with
    `unevaluatedProperties: false` beside the token; a GET component says so itself)."""
    whole = spec_for(release)
    _, op = spec_tools.operation(whole, method)
    schema = spec_tools.inline(whole["components"]["schemas"][op["operationId"]], whole)
    schema.setdefault("additionalProperties", False)
    return schema


def plain(schema: Dict[str, Any]) -> Dict[str, Any]:
    return spec_tools.strip_vendor_keys(schema)


def valid(schema: Dict[str, Any], value: Any) -> bool:
    return jsonschema.Draft202012Validator(plain(schema)).is_valid(value)


def loc(path: List[Any]) -> str:
    return spec_tools.render_path(path)


def _sub(schema: Dict[str, Any]) -> Dict[str, Any]:
    """The branch of a nullable or `anyOf` property that carries the rules."""
    for b in schema.get("anyOf", []):
        if b.get("type") != "null" and "required" not in b:
            return b
    return schema


def mutations(schema: Dict[str, Any], value: Any, path: List[Any]) -> Iterator[Tuple[List[Any], Any]]:
    """(path, replacement) pairs, each a single change at `path` meant to break the schema."""
    schema = _sub(schema)
    if isinstance(value, dict):
        if schema.get("additionalProperties") is False:
            yield path + ["zz_unknown_parameter"], ("add", "zz_unknown_parameter", "x")
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name in value:
                yield path + [name], ("remove", name)
        for name, v in value.items():
            if name in props:
                yield from mutations(props[name], v, path + [name])
        return
    if isinstance(value, list):
        if "maxItems" in schema and value:
            yield path, ("set", value + [value[-1]] * (schema["maxItems"] + 1 - len(value)))
        if schema.get("minItems", 0) > 0:
            yield path, ("set", [])
        for i, item in enumerate(value[:3]):
            yield from mutations(schema.get("items", {}), item, path + [i])
        return
    t = schema.get("type")
    types = t if isinstance(t, list) else [t]
    if "integer" in types:
        if "maximum" in schema:
            yield path, ("set", schema["maximum"] + 1)
        if "minimum" in schema:
            yield path, ("set", schema["minimum"] - 1)
        yield path, ("set", "12")
    elif "number" in types:
        yield path, ("set", "1.5")
    elif "boolean" in types:
        yield path, ("set", "true")
    elif "string" in types or "enum" in schema:
        if "enum" in schema:
            yield path, ("set", "NOT_ONE_OF_THEM")
        if "pattern" in schema:
            for candidate in (" ", "", "a b", "a:b", "2017-02-30T00:00:00"):
                if not jsonschema.Draft202012Validator(plain(schema)).is_valid(candidate):
                    yield path, ("set", candidate)
                    break
        yield path, ("set", 12)


def apply(value: Any, path: List[Any], change: Tuple[Any, ...]) -> Any:
    out = copy.deepcopy(value)
    if change[0] == "add":
        target = out
        for p in path[:-1]:
            target = target[p]
        target[change[1]] = change[2]
        return out
    if change[0] == "remove":
        target = out
        for p in path[:-1]:
            target = target[p]
        del target[change[1]]
        return out
    if not path:
        return change[1]
    target = out
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = change[1]
    return out


def refused_at(method: str, release: str, params: Any) -> List[str]:
    try:
        nf.validate(method, params, release=release)
    except nf.ValidationError as e:
        return [loc(list(err["loc"])) for err in e.errors]
    return []


def test_every_method_is_drawn_for_every_release_it_has() -> None:
    assert ("netflix/charges/accept", "R12.0.0") not in CASES
    assert ("netflix/charges/accept", "R14.1.0") in CASES
    assert len(CASES) == 12 * 4 - 2


@pytest.mark.parametrize("method,release", CASES, ids=[f"{m}@{r}" for m, r in CASES])
def test_drawn_parameters_pass_and_forbidden_mutations_fail(method: str, release: str) -> None:
    schema = component(method, release)
    raw = spec_tools.inline(spec()["components"]["schemas"][spec_tools.operation(spec(), method)[1]["operationId"]], spec())
    strategy = from_schema(plain(schema)).filter(lambda v: spec_tools.unique_items_ok(raw, v))
    checked = {"mutations": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(params: Any) -> None:
        assert refused_at(method, release, params) == [], f"spec-valid, refused: {params!r}"
        for path, change in mutations(schema, params, []):
            mutated = apply(params, path, change)
            if valid(schema, mutated) or not spec_tools.unique_items_ok(raw, mutated):
                continue  # not a change this schema forbids on its own
            checked["mutations"] += 1
            where = refused_at(method, release, mutated)
            assert loc(path) in where, f"{change} at {loc(path)!r} refused at {where} ({mutated!r})"

    run()
    assert checked["mutations"] > 0 or method == "authentication/token/release"
