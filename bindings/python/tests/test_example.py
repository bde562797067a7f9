"""The nightly billing job of examples/python: what its report says, and the CSV it writes."""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import stat
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Iterator, List

import pytest

import crmcom_netflix as nf
from conftest import ROOT
from crmcom_netflix.testing import FakeCrm

EXAMPLE = ROOT / "examples" / "python" / "nightly_billing.py"


@pytest.fixture(scope="module")
def job() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nightly_billing", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["nightly_billing"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def report(job: ModuleType, out: Path, capsys: pytest.CaptureFixture[str]) -> List[str]:
    assert job.main(["--out", str(out)]) == 0
    return capsys.readouterr().out.splitlines()


def test_the_report_counts_the_pending_charges_it_did_not_list(
    job: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str], umask: None
) -> None:
    lines = report(job, tmp_path, capsys)
    crm = job.fake_crm(7, 120, None)
    pending = [c for c in crm.charges() if c["status"] == "PENDING"]
    assert pending
    assert f"  pending on the server      {len(pending):>6}  (not yet processed by CRM.COM)" in lines
    received = int(next(line for line in lines if "charges received" in line).split()[-1])
    assert received + len(pending) == len(crm.charges())


def test_a_billed_charge_whose_acknowledgement_failed_is_reported_as_billed(
    job: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str], umask: None
) -> None:
    lines = report(job, tmp_path, capsys)
    (line,) = [line for line in lines if "acknowledgement refused" in line]
    number = line.split()[0]
    assert re.search(r"billed; acknowledgement refused 3 time\(s\) \(ACKNOWLEDGEMENT_FAILED\)", line)
    assert "retried next run" in line
    with open(job.csv_path(tmp_path, 1), newline="") as f:
        assert number in {row["charge_number"] for row in csv.DictReader(f)}
    assert "  acknowledgements pending        1" in lines


def test_an_unpriceable_amount_is_shown_as_its_exact_decimal(
    job: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str], umask: None
) -> None:
    lines = report(job, tmp_path, capsys)
    (line,) = [line for line in lines if "cannot be priced" in line]
    assert "XTS 9.989999771118164 (unrounded): currency unknown" in line
    # A tiny or huge amount is written out in full, never in a float's exponent form.
    charge = nf.Charge.from_dict(
        {
            "number": "I1",
            "billing_system_customer_identifier": "pci1",
            "amount": 1e-7,
            "currency": "XTS",
            "charge_status": "APPROVED",
            "paid_through_date": "2017-02-19T02:00:00",
            "received_on": "2017-02-21T10:07:23",
        }
    )
    assert charge.amount == Decimal("1E-7")
    assert "XTS 0.0000001 (unrounded)" in job._why_left(charge)


def test_the_csv_honours_the_umask_and_is_written_atomically(
    job: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str], umask: None
) -> None:
    report(job, tmp_path, capsys)
    path = job.csv_path(tmp_path, 1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    os.umask(0o077)
    private = tmp_path / "private.csv"
    job.write_csv(private, [])
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    os.umask(0o002)
    shared = tmp_path / "shared.csv"
    job.write_csv(shared, [])
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664


def test_a_failed_write_leaves_neither_half_a_file_nor_a_temporary_one(
    job: ModuleType, tmp_path: Path, umask: None
) -> None:
    class Boom:
        def __getattr__(self, name: str) -> object:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        job.write_csv(tmp_path / "out.csv", [Boom()])
    assert list(tmp_path.iterdir()) == []


def test_the_report_against_a_release_without_a_status_filter_has_no_pending_line(
    job: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str], umask: None
) -> None:
    assert job.main(["--out", str(tmp_path), "--release", "R12.0.0"]) == 0
    out = capsys.readouterr().out
    assert "pending on the server" not in out and "run complete                  yes" in out


def test_count_pending_pages_through_every_pending_charge(job: ModuleType) -> None:
    crm = FakeCrm(start="2024-03-01T02:00:00")
    for i in range(120):
        crm.add_charge(f"pci{i}", "5.99", status="PENDING")
    crm.add_charge("pci-x", "1.00")
    with crm.client() as client:
        assert job.count_pending(client) == 120


def test_a_failure_to_count_the_pending_charges_does_not_fail_a_finished_run(
    job: ModuleType,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    umask: None,
) -> None:
    def failing(client: nf.Client) -> int:
        raise nf.TransportError("GET netflix/charges/list: ConnectionResetError")

    monkeypatch.setattr(job, "count_pending", failing)
    assert job.main(["--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "warning: the pending charges could not be counted" in captured.err
    assert "run complete                  yes" in captured.out
    assert job.csv_path(tmp_path, 1).exists()
