"""The nightly job killed at random points: every run resumes from its SQLite journal, and in the
end every charge is billed exactly once and acknowledged.

The fake CRM.COM runs in this process behind a loopback HTTP server (so that it outlives the
jobs); each job is a child process running `Client.sync_charges` with a journal, killed with
SIGKILL at a random step, or left to finish. New charges arrive between jobs, and the server
refuses some acknowledgements at random.
"""

from __future__ import annotations

import csv
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from crmcom_netflix.testing import FakeCrm

JOB = textwrap.dedent(
    """
    import csv, os, sys
    import crmcom_netflix as nf

    base_url, journal, out = sys.argv[1:4]

    def export(result):
        path = os.path.join(out, f"run-{result.run:04d}.csv")
        tmp = path + ".tmp"
        with open(tmp, "w", newline="") as f:
            writer = csv.writer(f)
            for c in result.billable:
                writer.writerow([c.number, c.amount, c.currency])
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    client = nf.Client(base_url, username=sys.argv[4], password=sys.argv[5],
                       organisation=sys.argv[6], timeout=10, retries=3, backoff=0.01,
                       transport=nf.UrllibTransport(proxies={}))
    result = client.sync_charges(journal=journal, export=export, page_size=20)
    print(result.run, result.report.finished, len(result.billable))
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_job_killed_at_random_points_loses_no_charge_and_bills_none_twice(tmp_path: Path) -> None:
    rng = random.Random(20240301)
    fake = FakeCrm(latency=0.004)
    fake.seed(150, seed=11)
    fake.fail_acknowledgements_at_rate(30, seed=5)
    job = tmp_path / "job.py"
    job.write_text(JOB)
    journal = tmp_path / "journal.sqlite"
    out = tmp_path / "csv"
    out.mkdir()
    outcomes: Counter[str] = Counter()

    with fake.serve_http() as base_url:
        args = [
            sys.executable,
            str(job),
            base_url,
            str(journal),
            str(out),
            fake.USERNAME,
            fake.PASSWORD,
            fake.ORGANISATION,
        ]

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        deadline = time.monotonic() + 90
        for i in range(40):
            if time.monotonic() > deadline:
                break
            if i % 2 == 0:
                for _ in range(rng.randrange(5, 50)):
                    fake.add_charge(f"pci{rng.randrange(500):05d}", rng.choice(["8.99", "12.99"]))
            # Kill after the job's k-th request reaches the server, plus up to 20 ms: between
            # any two steps of the loop (sending, saving the state, taking, confirming).
            child = start()
            seen = len(fake.requests)
            k = rng.randrange(1, 9)
            limit = time.monotonic() + 20
            while child.poll() is None and len(fake.requests) < seen + k:
                if time.monotonic() > limit:
                    break
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.02))
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                child.wait()
                outcomes["killed"] += 1
            else:
                _, err = child.communicate()
                assert child.returncode == 0, err.decode()
                outcomes["finished"] += 1

        # Let the jobs finish, night after night, until every failed acknowledgement went through.
        fake.fail_acknowledgements_at_rate(0, seed=0)
        for _ in range(5):
            child = start()
            _, err = child.communicate(timeout=120)
            assert child.returncode == 0, err.decode()
            taken_left = set(fake.unacknowledged())
            if all(left_on_purpose(fake, n) for n in taken_left):
                break

    assert outcomes["killed"] >= 10, outcomes

    charges = {c["number"]: c for c in fake.charges()}
    billable = {
        n for n, c in charges.items() if c["status"] == "APPROVED" and c["currency"] != "XTS"
    }
    rows = []
    for path in sorted(out.glob("run-*.csv")):
        with open(path, newline="") as f:
            rows.extend(csv.reader(f))
    billed = Counter(row[0] for row in rows)
    twice = {n: k for n, k in billed.items() if k > 1}
    assert twice == {}, f"billed more than once: {twice}"
    assert set(billed) == billable, (
        f"lost: {sorted(billable - set(billed))[:10]}, unexpected: {sorted(set(billed) - billable)[:10]}"
    )
    for row in rows:
        assert row[1] in ("8.99", "12.99", "15.49", "17.99", "22.99", "7.99", "11.99", "990", "1490")

    # Every charge the billing took is acknowledged; only those left for a person are not.
    assert all(left_on_purpose(fake, n) for n in fake.unacknowledged())
    with sqlite3.connect(journal) as db:
        ledger = [row[0] for row in db.execute("SELECT number FROM charges")]
    assert len(ledger) == len(set(ledger))
    assert billable <= set(ledger)
    assert not (set(ledger) & set(fake.unacknowledged()))
    # The server never saw a charge acknowledged that the billing had not taken.
    for number, c in charges.items():
        if c["acknowledged_on"] is not None:
            assert number in ledger


def left_on_purpose(fake: FakeCrm, number: str) -> bool:
    """Charges the billing leaves on the server: an unknown status, or an unpriceable amount."""
    c = fake.charge(number)
    assert c is not None
    return c["status"] not in ("APPROVED", "DECLINED", "BAD_REQUEST", "REJECTED") or (
        c["status"] == "APPROVED" and c["currency"] == "XTS"
    )

