#!/usr/bin/env python3
"""The nightly billing job: log in to CRM.COM, sync the Netflix charges, write the billable ones
to a CSV file ready for import into the billing system, acknowledge them, print the report.

    # against an in-process fake CRM.COM seeded with realistic data (the default):
    python examples/python/nightly_billing.py --out billing/

    # against a real server (the password comes from $CRMCOM_PASSWORD):
    python examples/python/nightly_billing.py --base-url https://crm.example/crmapi/rest/v2 \
        --username billing --organisation NETFLIXOP --out billing/

The journal (`--journal`, SQLite) keeps the sync state and the charges taken: a job killed at any
point resumes on its next start without losing a charge or billing one twice, and the CSV of a
run is written before the run is marked complete.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import sys
from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import List, Optional, Sequence

import crmcom_netflix as nf
from crmcom_netflix.testing import FakeCrm

CSV_COLUMNS = [
    "charge_number",
    "customer",
    "amount",
    "currency",
    "amount_minor_units",
    "local_amount",
    "local_currency",
    "paid_through_date",
    "approved_on",
    "received_on",
]


def csv_path(out: Path, run: int) -> Path:
    return out / f"netflix-charges-run-{run:04d}.csv"


def write_csv(path: Path, charges: Sequence[nf.Charge]) -> None:
    """Writes the billable charges atomically (a temporary file renamed into place), so that an
    interrupted job never leaves half a file for the billing system to import. The file gets the
    permissions the umask gives (0644 under the usual 022), so that an importer running as
    another user can read it; the temporary name is new and opened exclusively."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(CSV_COLUMNS)
            for c in charges:
                writer.writerow(
                    [
                        c.number,
                        c.billing_system_customer_identifier,
                        c.amount,
                        c.currency,
                        c.amount_minor,
                        "" if c.local_currency_amount is None else c.local_currency_amount,
                        c.local_currency or "",
                        _date(c.paid_through_date),
                        _date(c.set_as_approved_on),
                        _date(c.received_on),
                    ]
                )
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Makes the rename itself durable (where the platform lets a folder be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def count_pending(client: nf.Client) -> Optional[int]:
    """How many charges CRM.COM has not processed yet (`PENDING`): the sync lists processed
    charges only, so these are not in its figures. `None` before R14.1.0, whose listing has no
    status filter."""
    count, offset, size = 0, 0, 50
    while True:
        try:
            page = client.list_charges(
                charge_status=nf.ChargeStatusFilter.NOT_PROCESSED,
                offset=offset,
                number_of_results=size,
                fields_set=["number"],
            )
        except nf.ValidationError:
            return None  # not_in_release: the target release cannot ask
        count += len(page.charges_set)
        if len(page.charges_set) < size:
            return count
        offset += len(page.charges_set)


def _date(value: Optional[datetime]) -> str:
    return "" if value is None else nf.format_date(value)


def print_report(
    result: nf.SyncResult, csv_file: Path, server: str, pending: Optional[int] = None
) -> None:
    report = result.report
    billable = result.billable
    recorded = [c for c in result.charges if not c.billable]
    statuses = Counter(str(c.charge_status) for c in recorded)
    taken = {c.number: c for c in result.charges}
    print(f"Nightly Netflix billing: run {result.run} against {server}")
    print(f"  pages listed               {report.pages:>6}")
    print(f"  charges received           {report.handed_over:>6}")
    print(f"  billed                     {len(billable):>6}  -> {csv_file}")
    for currency, total in sorted(_totals(billable).items()):
        print(f"      {currency:<4} {total:>16,}")
    detail = ", ".join(f"{s} {n}" for s, n in sorted(statuses.items()))
    print(f"  recorded, not billed       {len(recorded):>6}" + (f"  ({detail})" if detail else ""))
    print(f"  acknowledged               {report.acknowledged:>6}")
    print(f"  left on the server         {len(result.left):>6}")
    for c in result.left:
        print(f"      {c.number}  {c.billing_system_customer_identifier}  {_why_left(c)}")
    if pending is not None:
        print(f"  pending on the server      {pending:>6}  (not yet processed by CRM.COM)")
    print(f"  acknowledgements pending   {len(report.failed):>6}")
    for f in report.failed:
        charge = taken.get(f.number)
        done = (
            "billed" if charge is not None and charge.billable
            else "recorded" if charge is not None
            else "taken in an earlier run"
        )
        later = "retried next run" if f.deferred else "retrying"
        print(
            f"      {f.number}  {done}; acknowledgement refused {f.attempts} time(s) "
            f"({f.error_code}), {later}"
        )
    print(f"  run complete               {'yes' if report.finished else 'no':>6}")


def _why_left(c: nf.Charge) -> str:
    status = c.charge_status
    if not status.is_known:
        return f"status {status}, unknown to this SDK"
    if not c.is_final:
        return f"status {status}, not processed"
    # The exact decimal, unrounded: with no known minor unit there is nothing to round it to.
    return f"{c.currency} {c.amount:f} (unrounded): currency unknown, cannot be priced"


def _totals(charges: Sequence[nf.Charge]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = dict(nf.total_by_currency(charges))
    return totals


def fake_crm(seed: int, charges: int, release: Optional[str]) -> FakeCrm:
    """A fake CRM.COM with a night's worth of charges, one of whose acknowledgements the server
    keeps refusing (it shows in the report and is retried the next night)."""
    crm = FakeCrm(release=release, start="2024-03-01T02:00:00", tick=0.2)
    numbers = crm.seed(charges, seed=seed)
    approved = [n for n in numbers if (crm.charge(n) or {}).get("status") == "APPROVED"]
    if approved:
        crm.fail_acknowledgement(approved[3 % len(approved)], times=10)
    return crm


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="The nightly billing job: sync Netflix charges, write the billable ones to CSV."
    )
    parser.add_argument("--base-url", help="the Web API root; the fake CRM.COM when absent")
    parser.add_argument("--username", default=os.environ.get("CRMCOM_USERNAME"))
    parser.add_argument("--organisation", default=os.environ.get("CRMCOM_ORGANISATION"))
    parser.add_argument("--release", help="the server's release (newest by default)")
    parser.add_argument("--out", default="nightly-billing", help="folder for the CSV files")
    parser.add_argument("--journal", help="SQLite journal (default: <out>/journal.sqlite)")
    parser.add_argument("--fake-charges", type=int, default=120, help="charges in the fake")
    parser.add_argument("--seed", type=int, default=7, help="seed of the fake's data")
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.base_url:
        password = os.environ.get("CRMCOM_PASSWORD")
        if not (args.username and args.organisation and password):
            parser.error("a real server needs --username, --organisation and $CRMCOM_PASSWORD")
        journal = Path(args.journal) if args.journal else out / "journal.sqlite"
        client = nf.Client(
            args.base_url,
            username=args.username,
            password=password,
            organisation=args.organisation,
            release=args.release,
        )
        server = args.base_url
    else:
        # A fresh fake each time: its journal starts fresh too.
        journal = Path(args.journal) if args.journal else out / "journal-fake.sqlite"
        if not args.journal and journal.exists():
            journal.unlink()
        crm = fake_crm(args.seed, args.fake_charges, args.release)
        client = crm.client(release=args.release)
        server = f"the fake CRM.COM ({crm.release})"

    def export(result: nf.SyncResult) -> None:
        write_csv(csv_path(out, result.run), result.billable)

    try:
        with client:
            result = client.sync_charges(journal=journal, export=export)
            try:
                pending = count_pending(client)
            except nf.Error as e:  # the billing is done: the count only informs
                print(f"warning: the pending charges could not be counted: {e}", file=sys.stderr)
                pending = None
    except nf.Error as e:
        print(f"nightly billing failed: {e}", file=sys.stderr)
        return 1
    print_report(result, csv_path(out, result.run), server, pending)
    return 0


if __name__ == "__main__":
    sys.exit(main())
