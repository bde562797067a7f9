"""The C nightly billing example (examples/c/nightly_billing.c) over libcurl against `crmnf mock`.

Usage: c_nightly_billing.py CRMNF EXAMPLE [EXAMPLE ...]

For each build of the example (plain, sanitizers, ...), a fresh mock server is started with the
documented example charges (pending) and approved and declined ones, and with faults the job must
get through: a token that expires mid-run, an acknowledgement refused once. The job runs its two
nights; then the server's own state must show every charge acknowledged, and the job must have
billed exactly the approved ones (the pending ones once accepted).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

DOCUMENTED = [
    ("I00002662", "pci150"), ("I00002671", "pci150"), ("I00002776", "1pci30"),
    ("I00002778", "1pci28"), ("I00002780", "1pci26"),
]


def fixtures() -> dict:
    charges = [
        {"billing_system_customer_identifier": customer, "amount": "5.99", "currency": "USD",
         "charge_status": "PENDING", "received_on": "2017-02-21T10:07:23"}
        for _, customer in DOCUMENTED
    ]
    charges += [
        {"billing_system_customer_identifier": f"pci{i}", "amount": "8.99", "currency": "USD",
         "received_on": f"2024-02-01T00:{i:02d}:00"}
        for i in range(60)
    ]
    charges += [
        {"billing_system_customer_identifier": f"pci{i}", "amount": "8.99", "currency": "USD",
         "charge_status": status, "received_on": f"2024-02-02T00:{i:02d}:00"}
        for i, status in enumerate(["DECLINED", "BAD_REQUEST", "REJECTED"])
    ]
    return {
        "users": [{"username": "ops", "password": "pa\"ss\\word", "organisation": "CRMDEMO"}],
        "charges": charges,
    }


def admin(base: str, path: str) -> dict:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{base}/_mock/{path}", timeout=30) as r:
        return json.loads(r.read())


def run(crmnf: str, example: str, workdir: Path) -> None:
    path = workdir / "fixtures.json"
    path.write_text(json.dumps(fixtures()))
    mock = subprocess.Popen(
        [crmnf, "mock", "--port", "0", "--fixtures", str(path),
         "--fault", "netflix/charges/list:api_error:code=TOKEN_EXPIRED,after=1",
         "--fault", "netflix/charges/acknowledge:failed_charge:items=1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        base = mock.stdout.readline().decode().strip()
        assert base.startswith("http://127.0.0.1:"), mock.stderr.read()
        env = dict(os.environ, CRMNF_USERNAME="ops", CRMNF_PASSWORD='pa"ss\\word',
                   CRMNF_ORGANISATION="CRMDEMO",
                   ASAN_OPTIONS="detect_leaks=1:abort_on_error=1",
                   UBSAN_OPTIONS="print_stacktrace=1")
        job = subprocess.run([example, base], env=env, capture_output=True, text=True, timeout=300)
        assert job.returncode == 0, f"{example}: exit {job.returncode}\n{job.stdout}\n{job.stderr}"
        billed = re.search(r"^billed (\d+) charge\(s\), (\d+) minor units", job.stdout, re.M)
        assert billed, job.stdout
        state = admin(base, "state")
        charges = state["charges"]
        left = [c["number"] for c in charges if not c["acknowledged"]]
        assert not left, f"not acknowledged: {left}"
        approved = [c for c in charges if c["charge_status"] == "APPROVED"]
        assert int(billed.group(1)) == len(approved) == 65, (billed.group(0), len(approved))
        assert int(billed.group(2)) == 60 * 899 + 5 * 599
        assert state["summary"]["faults"] == {"api_error": 1, "failed_charge": 1}, state["summary"]
        assert "pa\"ss" not in job.stdout + job.stderr
        print(f"{Path(example).name} against crmnf mock: billed {billed.group(1)} charges, "
              f"{len(charges)} acknowledged, {len(state['summary']['faults'])} kinds of fault met")
    finally:
        mock.send_signal(signal.SIGTERM)
        assert mock.wait(timeout=20) == 0


def main() -> None:
    crmnf, *examples = sys.argv[1:]
    if not examples:
        sys.exit(__doc__)
    for example in examples:
        with tempfile.TemporaryDirectory() as d:
            run(crmnf, example, Path(d))


if __name__ == "__main__":
    main()
