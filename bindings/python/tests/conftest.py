"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
VECTORS = ROOT / "spec" / "vectors"
BENCH_BODY = ROOT / "bench" / "data" / "charges-list-50.json"


@pytest.fixture
def charges_50() -> bytes:
    """The 50-charge `charges/list` response every benchmark decodes."""
    return BENCH_BODY.read_bytes()


def envelope(data: object) -> bytes:
    """An `OK` response envelope around `data`."""
    import json

    return json.dumps(
        {"status": {"code": "OK", "description": "", "message": ""}, "data": data}
    ).encode()
