"""pytest fixtures for billing scripts, registered automatically when crmcom_netflix is installed
(or with `pytest_plugins = ["crmcom_netflix.pytest_plugin"]`):

- `fake_crm`: a fresh `FakeCrm` on a manual clock starting at 2024-03-01T02:00:00;
- `fake_crm_client`: a `Client` logged in through it (closed after the test).

    def test_bills_approved_charges(fake_crm, fake_crm_client):
        fake_crm.add_charge("pci1", "5.99", "USD")
        result = fake_crm_client.sync_charges()
        assert len(result.billable) == 1
"""

from __future__ import annotations

from typing import Iterator

import pytest

from .client import Client
from .testing import FakeCrm

__all__ = ["fake_crm", "fake_crm_client"]


@pytest.fixture
def fake_crm() -> FakeCrm:
    """A fresh fake CRM.COM on a manual clock starting at 2024-03-01T02:00:00."""
    return FakeCrm(start="2024-03-01T02:00:00")


@pytest.fixture
def fake_crm_client(fake_crm: FakeCrm) -> Iterator[Client]:
    """A client of `fake_crm`, closed after the test."""
    with fake_crm.client() as client:
        yield client
