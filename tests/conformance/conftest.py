"""Shared fixtures of the conformance check: the spec, per release."""

from __future__ import annotations

import functools
from typing import Any, Dict

import spec_tools


@functools.lru_cache(maxsize=None)
def spec() -> Dict[str, Any]:
    return spec_tools.load_spec()


@functools.lru_cache(maxsize=None)
def spec_for(release: str) -> Dict[str, Any]:
    """The whole document for `release`: vendor keys applied, patterns in Python's dialect."""
    s = spec()
    return spec_tools.python_patterns(
        spec_tools.for_release(s, release, spec_tools.non_blank_pattern(s))
    )
