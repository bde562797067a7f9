"""The journal of `Client.sync_charges` (the Rust one, through the native module): one job at a
time, in threads and in processes; a lock left by a killed process; nothing exported twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import List

import pytest

import crmcom_netflix as nf
from crmcom_netflix.testing import FakeCrm

JOB = textwrap.dedent(
    """
    import os, sys, time
    import crmcom_netflix as nf

    base_url, journal, out, mode = sys.argv[1:5]
    if mode == "hold":
        j = nf.Journal(journal)
        print("HOLDING", flush=True)
        time.sleep(60)
        sys.exit(0)

    def export(result):
        path = os.path.join(out, f"run-{result.run:04d}-{os.getpid()}.csv")
        with open(path, "w") as f:
            for c in result.billable:
                f.write(f"{c.number}\\n")

    client = nf.Client(base_url, username=sys.argv[5], password=sys.argv[6],
                       organisation=sys.argv[7], timeout=10,
                       transport=nf.UrllibTransport(proxies={}))
    try:
        client.sync_charges(journal=journal, export=export, page_size=10)
    except nf.JournalLocked as e:
        print(e, file=sys.stderr)
        sys.exit(75)
    """
)


def test_a_second_job_in_another_thread_is_refused_at_once_and_changes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite"
    first = nf.Journal(path)
    before = path.read_bytes()
    errors: List[BaseException] = []

    def second() -> None:
        try:
            nf.Journal(path)
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    t = threading.Thread(target=second)
    t.start()
    t.join()
    assert len(errors) == 1 and isinstance(errors[0], nf.JournalLocked)
    e = errors[0]
    assert isinstance(e, nf.JournalError) and isinstance(e, nf.Error)
    assert e.path == str(path)
    assert "in use by another job" in str(e) and "process" in (e.holder or "")
    assert path.read_bytes() == before
    first.close()
    nf.Journal(path).close()


def test_two_client_jobs_in_two_threads_run_once_and_export_once(tmp_path: Path) -> None:
    fake = FakeCrm(start="2024-03-01T02:00:00", latency=0.002)
    fake.seed(120, seed=4)
    journal = tmp_path / "journal.sqlite"
    exports: List[List[str]] = []
    outcomes: List[str] = []
    barrier = threading.Barrier(2)

    def job() -> None:
        with fake.serve_http() as base_url:
            client = nf.Client(
                base_url,
                username=fake.USERNAME,
                password=fake.PASSWORD,
                organisation=fake.ORGANISATION,
                clock=fake.now,
                transport=nf.UrllibTransport(proxies={}),
            )
            barrier.wait()
            try:
                client.sync_charges(
                    journal=journal,
                    page_size=10,
                    export=lambda r: exports.append([c.number or "" for c in r.billable]),
                )
                outcomes.append("done")
            except nf.JournalLocked:
                outcomes.append("locked")

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["done", "locked"], ["done", "done"])
    numbers = [n for e in exports for n in e]
    assert len(numbers) == len(set(numbers)) > 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_two_jobs_in_two_processes_one_refused_and_a_killed_holder_leaves_no_lock(
    tmp_path: Path,
) -> None:
    fake = FakeCrm(latency=0.003)
    fake.seed(200, seed=9)
    script = tmp_path / "job.py"
    script.write_text(JOB)
    journal = tmp_path / "journal.sqlite"
    out = tmp_path / "out"
    out.mkdir()
    with fake.serve_http() as base_url:

        def start(mode: str) -> "subprocess.Popen[bytes]":
            return subprocess.Popen(
                [sys.executable, str(script), base_url, str(journal), str(out), mode,
                 fake.USERNAME, fake.PASSWORD, fake.ORGANISATION],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )

        jobs = [start("sync"), start("sync")]
        codes = sorted(j.wait(timeout=120) for j in jobs)
        errs = [j.stderr.read().decode() for j in jobs if j.stderr is not None]
        assert codes in ([0, 75], [0, 0]), errs
        holder = start("hold")
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"HOLDING"
        refused = start("sync")
        assert refused.wait(timeout=60) == 75
        assert refused.stderr is not None
        assert f"process {holder.pid}" in refused.stderr.read().decode()
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert start("sync").wait(timeout=120) == 0
    lines = [line for f in sorted(out.iterdir()) for line in f.read_text().split()]
    assert len(lines) == len(set(lines)) > 0, "nothing exported twice"
    billable = {
        c["number"] for c in fake.charges() if c["status"] == "APPROVED" and c["currency"] != "XTS"
    }
    assert set(lines) == billable


def test_grouped_acknowledgements_bill_every_charge_once_and_a_stopped_job_keeps_its_steps(
    tmp_path: Path,
) -> None:
    fake = FakeCrm(start="2024-03-01T02:00:00")
    fake.seed(95, seed=9)
    journal = tmp_path / "journal.sqlite"
    client = fake.client()
    exported: List[str] = []
    result = client.sync_charges(
        journal=journal,
        page_size=10,
        acknowledge_after_pages=3,
        export=lambda r: exported.extend(c.number or "" for c in r.billable),
    )
    assert result.report.finished
    assert len(exported) == len(set(exported)) == result.report.billable_confirmed > 0
    # 95 charges, 10 a page: the acknowledgements of 3 pages go together.
    assert result.report.acknowledge_requests < result.report.pages
    # Driven by hand, a job that stops between steps keeps them once flushed.
    with nf.Journal(tmp_path / "by-hand.sqlite") as j:
        j.start('{"page_size": 10, "acknowledge_after_pages": 3}')
        j.set_durable_handover(False)
        j.flush()
        assert j.run == 1
