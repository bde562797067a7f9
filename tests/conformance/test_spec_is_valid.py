"""spec/openapi.yaml is a valid OpenAPI 3.1 document for openapi-spec-validator, and so is the
document taken for each release (the vendor keys applied)."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

import spec_tools
from conftest import spec, spec_for


def test_the_spec_is_valid_openapi_3_1() -> None:
    assert spec()["openapi"].startswith("3.1")
    validate(spec())


@pytest.mark.parametrize("release", spec_tools.RELEASES)
def test_the_spec_of_each_release_is_valid_openapi_3_1(release: str) -> None:
    validate(spec_for(release))
