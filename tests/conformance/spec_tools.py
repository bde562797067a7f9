"""The spec as standard tools read it: loaded, its vendor keys applied for one release, its
`$ref`s inlined, its patterns in Python's dialect. See spec/README.md, "Vendor keys".

Vendor keys, for a target release R (releases compare in the order RELEASES lists them):

- `x-since: S` on an operation, a parameter or a property: absent unless S <= R;
- `x-enum-since: {value: S}` next to an `enum`: the value is absent unless S <= R;
- `x-required-since: S`: required from S on; `x-required-until: U`: required before U (`required`
  itself lists a property only when the newest release requires it); a property required so does
  not admit `null` then (an optional parameter does), and a string is not blank (`minLength` 1
  and the non-blank pattern), as every mandatory string;
- `x-one-of-required: [[a, b], ...]`: at least one of each group is given, and not blank
  (unless a member is required in R anyway): an `anyOf` of `required` with the non-blank pattern;
- `x-unique-items-by: [k, ...]`: no two items share a non-null value of k. JSON Schema cannot say
  this (`uniqueItems` compares whole items), so `unique_items_ok` checks it beside the schema.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "openapi.yaml"
VECTORS = ROOT / "spec" / "vectors"
RELEASES = ["R12.0.0", "R14.1.0", "R14.2.0", "R16.1.0"]
LATEST = RELEASES[-1]


def load_spec() -> Dict[str, Any]:
    return yaml.safe_load(SPEC.read_text())


def vectors() -> Iterator[Tuple[str, Dict[str, Any]]]:
    for path in sorted(VECTORS.glob("*.json")):
        yield path.name, json.loads(path.read_text())


def _rank(release: str) -> int:
    return RELEASES.index(release)


def available(node: Any, release: str) -> bool:
    since = node.get("x-since") if isinstance(node, dict) else None
    return since is None or _rank(since) <= _rank(release)


def non_blank_pattern(spec: Dict[str, Any]) -> str:
    """The non-blank pattern mandatory strings carry (the one of `username`)."""
    return spec["components"]["schemas"]["LoginRequest"]["properties"]["username"]["pattern"]


def for_release(node: Any, release: str, non_blank: str) -> Any:
    """A copy of `node` (any part of the spec) with the vendor keys applied for `release`."""
    if isinstance(node, list):
        return [for_release(n, release, non_blank) for n in node if available(n, release)]
    if not isinstance(node, dict):
        return node
    out: Dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {
                name: for_release(p, release, non_blank)
                for name, p in value.items()
                if available(p, release)
            }
        elif key == "parameters" and isinstance(value, list):
            params = []
            for p in value:
                if not available(p, release):
                    continue
                p = for_release(p, release, non_blank)
                if "x-required-since" in p or "x-required-until" in p:
                    p["required"] = _required_in(p, release)
                params.append(p)
            out[key] = params
        elif key in ("paths",) and isinstance(value, dict):
            out[key] = {}
            for path, item in value.items():
                item = {verb: op for verb, op in item.items() if available(op, release)}
                if item:
                    out[key][path] = for_release(item, release, non_blank)
        else:
            out[key] = for_release(value, release, non_blank)
    if "enum" in out and isinstance(node.get("x-enum-since"), dict):
        since = node["x-enum-since"]
        out["enum"] = [v for v in out["enum"] if v not in since or _rank(since[v]) <= _rank(release)]
    if isinstance(out.get("anyOf"), list):
        out["anyOf"] = [_fields_set_string(b, node["anyOf"], out["anyOf"]) for b in out["anyOf"]]
    props = out.get("properties")
    if isinstance(props, dict) and isinstance(node.get("properties"), dict):
        required = [r for r in node.get("required", []) if r in props]
        for name, p in node["properties"].items():
            if not isinstance(p, dict):
                continue  # a `false` schema: the property must not be there
            if name in props and ("x-required-since" in p or "x-required-until" in p):
                if _required_in(p, release):
                    if name not in required:
                        required.append(name)
                    # Required, so `null` is not a value (it is for an optional parameter).
                    props[name] = _without_null(props[name])
                    if props[name].get("type") == "string" and "enum" not in props[name]:
                        # Required, so not blank, as every mandatory string.
                        props[name] = {**props[name], "minLength": 1, "pattern": non_blank}
                elif name in required:
                    required.remove(name)
        if required or "required" in node:
            out["required"] = required
        groups = []
        for group in node.get("x-one-of-required", []):
            members = [m for m in group if m in props]
            if members and not any(m in required for m in members):
                groups.append(
                    # A member given as `null` is not given (the members are strings).
                    {"anyOf": [{"required": [m], "properties": {m: {"type": "string", "pattern": non_blank}}} for m in members]}
                )
        if groups:
            out["allOf"] = out.get("allOf", []) + groups
    return out


def _without_null(p: Dict[str, Any]) -> Dict[str, Any]:
    """An optional parameter's schema without its `null` (for a release that requires it)."""
    out = dict(p)
    t = out.get("type")
    if isinstance(t, list) and "null" in t:
        rest = [x for x in t if x != "null"]
        out["type"] = rest[0] if len(rest) == 1 else rest
    if isinstance(out.get("enum"), list):
        out["enum"] = [v for v in out["enum"] if v is not None]
    if isinstance(out.get("anyOf"), list):
        out["anyOf"] = [b for b in out["anyOf"] if not (isinstance(b, dict) and b.get("type") == "null")]
    return out


def _fields_set_string(branch: Any, before: List[Any], after: List[Any]) -> Any:
    """The string form of a `fields_set` (the `anyOf` branch beside the array of names) names only
    what the release's `enum` keeps: its pattern is the SDK's, rebuilt over those names (longest
    first, as the SDK writes it)."""
    arrays = [(b, a) for b, a in zip(before, after) if isinstance(b, dict) and b.get("type") == "array"]
    if not (isinstance(branch, dict) and branch.get("type") == "string" and "pattern" in branch and arrays):
        return branch
    (old, new), = arrays
    def alternation(names: List[str]) -> str:
        return "(?:" + "|".join(sorted(names, key=lambda n: -len(n))) + ")"
    every, kept = old["items"]["enum"], new["items"]["enum"]
    pattern = branch["pattern"].replace(alternation(every), alternation(kept))
    return {**branch, "pattern": pattern}


def _required_in(p: Dict[str, Any], release: str) -> bool:
    since, until = p.get("x-required-since"), p.get("x-required-until")
    if since is not None and _rank(since) <= _rank(release):
        return True
    if until is not None and _rank(release) < _rank(until):
        return True
    return bool(p.get("required", False)) if since is None and until is None else False


def inline(node: Any, root: Dict[str, Any]) -> Any:
    """`node` with every local `$ref` replaced by (a copy of) its target; the spec has no cycles."""
    if isinstance(node, list):
        return [inline(n, root) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        merged = dict(inline(target, root))
        for k, v in node.items():
            if k != "$ref":
                merged[k] = inline(v, root)
        return merged
    return {k: inline(v, root) for k, v in node.items()}


_END = re.compile(r"(?<!\\)\$$")


def python_patterns(node: Any) -> Any:
    """Patterns as Python's `re` must read them to mean what ECMA-262 says: a final `$` becomes
    `\\Z` (Python's `$` also matches before a trailing newline, and hypothesis generates one).
    `format` keys go: they are annotations here (the bounds are spelt out), and
    hypothesis-jsonschema refuses formats it does not know (`uint32`, `password`)."""
    if isinstance(node, list):
        return [python_patterns(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "pattern" and isinstance(v, str):
            out[k] = _END.sub(r"\\Z", v)
        elif k == "format" and isinstance(v, str):
            continue
        else:
            out[k] = python_patterns(v)
    return out


def strip_vendor_keys(node: Any) -> Any:
    if isinstance(node, list):
        return [strip_vendor_keys(n) for n in node]
    if not isinstance(node, dict):
        return node
    return {k: strip_vendor_keys(v) for k, v in node.items() if not k.startswith("x-")}


def operation(spec: Dict[str, Any], method: str) -> Tuple[str, Dict[str, Any]]:
    item = spec["paths"]["/" + method]
    verb = "get" if "get" in item else "post"
    return verb, item[verb]


def unique_items_ok(schema: Any, value: Any) -> bool:
    """`x-unique-items-by` anywhere in `schema` holds for `value`."""
    if isinstance(schema, dict):
        if isinstance(value, list):
            keys = schema.get("x-unique-items-by", [])
            for key in keys:
                seen = [v.get(key) for v in value if isinstance(v, dict) and v.get(key) is not None]
                if len(seen) != len(set(map(json.dumps, seen))):
                    return False
            return all(unique_items_ok(schema.get("items", {}), v) for v in value)
        if isinstance(value, dict):
            props = schema.get("properties", {})
            return all(unique_items_ok(props.get(k, {}), v) for k, v in value.items())
    return True


def render_path(parts: List[Any]) -> str:
    """A path in the SDK's notation: `a.b[3].c`."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def fields_set_relaxed(schema: Dict[str, Any], fields_set: Optional[List[str]]) -> Dict[str, Any]:
    """An item object's schema as the SDK reads it after a `fields_set`: only the named fields
    that R12.0.0 already had are required (the others may be absent)."""
    if fields_set is None:
        return schema
    out = copy.deepcopy(schema)
    props = out.get("properties", {})
    out["required"] = [n for n in fields_set if n in props and "x-since" not in props[n] and "x-alias-of" not in props[n]]
    if "anyOf" in out and all(set(b) == {"required"} for b in out["anyOf"]):
        names = {n for b in out["anyOf"] for n in b["required"]}
        if names & set(fields_set):
            out["required"] = [n for n in out["required"] if n not in names]
        else:
            del out["anyOf"]
    return out


def relax_item_objects(node: Any, fields_set: List[str]) -> Any:
    """Relaxes every item object a `fields_set` applies to (Charge, Promotion, Subscription) in
    an inlined response schema, as `fields_set_relaxed` does one."""
    if isinstance(node, list):
        return [relax_item_objects(n, fields_set) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: relax_item_objects(v, fields_set) for k, v in node.items()}
    if "properties" in out and is_item_object(out):
        out = fields_set_relaxed(out, fields_set)
    return out


def is_item_object(schema: Dict[str, Any]) -> bool:
    props = set(schema.get("properties", {}))
    return bool(
        {"received_on", "charge_status"} <= props  # Charge
        or {"effective_from", "code"} <= props  # Promotion
        or {"subscription_number", "life_cycle_state"} <= props  # Subscription
    )
