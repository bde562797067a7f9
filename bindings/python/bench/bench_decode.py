#!/usr/bin/env python3
"""Decodes the same 50-charge `charges/list` response (bench/data/charges-list-50.json) with
crmcom_netflix.decode, msgspec (typed Structs), pydantic v2 (model_validate_json) and json.loads,
in one run, and prints each time and the ratios.

    python bench/bench_decode.py [--quick]

Targets: crmcom_netflix no slower than msgspec, at least 3x faster than pydantic.
`crmcom_netflix.decode` does more than the others: it checks the envelope and every documented
field, keeps unknown fields, and prices each amount exactly (the `Decimal`s and `datetime`s are
made when first read). The second table reads every charge's amount and dates as well, which is
where that laziness is paid for.
"""

from __future__ import annotations

import gc
import itertools
import json
import statistics
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import msgspec
import pydantic

import crmcom_netflix

ROOT = Path(__file__).resolve().parents[3]
BODY = (ROOT / "bench" / "data" / "charges-list-50.json").read_bytes()


def varied(body: bytes, k: int) -> bytes:
    """The same page with a different amount and different dates on every charge, and on every
    page `k`: reading them cannot be served from the value caches of crmcom_netflix, which make
    the repeated values of the shared payload cheap."""
    doc = json.loads(body)
    for i, c in enumerate(doc["data"]["charges_set"]):
        c["amount"] = float(f"{5.0 + k * 0.5 + i * 0.01:.2f}")
        year, day, minute = 2000 + k % 24, 1 + i % 28, (i + k) % 60
        c["received_on"] = f"{year}-02-{day:02d}T{k % 24:02d}:{minute:02d}:23"
        c["paid_through_date"] = f"{year}-03-{day:02d}T{k % 24:02d}:{minute:02d}:00"
        c["set_as_approved_on"] = f"{year}-02-{day:02d}T{k % 24:02d}:{minute:02d}:58"
    return json.dumps(doc).encode()


# 64 pages of 200 distinct values each: far more than the caches keep, so reads miss them.
BODIES_VARIED = [varied(BODY, k) for k in range(64)]
_next_varied = itertools.cycle(range(len(BODIES_VARIED)))


# -- msgspec ---------------------------------------------------------------------------------


class MsStatus(msgspec.Struct):
    code: str
    description: Optional[str] = None
    message: Optional[str] = None


class MsCharge(msgspec.Struct):
    number: str
    billing_system_customer_identifier: str
    amount: float
    currency: str
    paid_through_date: datetime
    charge_status: str
    received_on: datetime
    set_as_approved_on: Optional[datetime]
    set_as_declined_on: Optional[datetime]
    set_as_bad_request_on: Optional[datetime]
    set_as_rejected_request_on: Optional[datetime]
    local_currency_amount: Optional[float] = None
    local_currency: Optional[str] = None


class MsPage(msgspec.Struct):
    charges_set: List[MsCharge]


class MsEnvelope(msgspec.Struct):
    status: MsStatus
    data: MsPage


class MsChargeDecimal(msgspec.Struct):
    number: str
    billing_system_customer_identifier: str
    amount: Decimal
    currency: str
    paid_through_date: datetime
    charge_status: str
    received_on: datetime
    set_as_approved_on: Optional[datetime]
    set_as_declined_on: Optional[datetime]
    set_as_bad_request_on: Optional[datetime]
    set_as_rejected_request_on: Optional[datetime]
    local_currency_amount: Optional[Decimal] = None
    local_currency: Optional[str] = None


class MsPageDecimal(msgspec.Struct):
    charges_set: List[MsChargeDecimal]


class MsEnvelopeDecimal(msgspec.Struct):
    status: MsStatus
    data: MsPageDecimal


ms_decoder = msgspec.json.Decoder(MsEnvelope)
ms_decoder_decimal = msgspec.json.Decoder(MsEnvelopeDecimal)


# -- pydantic --------------------------------------------------------------------------------


class PdStatus(pydantic.BaseModel):
    code: str
    description: Optional[str] = None
    message: Optional[str] = None


class PdCharge(pydantic.BaseModel):
    number: str
    billing_system_customer_identifier: str
    amount: float
    currency: str
    paid_through_date: datetime
    charge_status: str
    received_on: datetime
    set_as_approved_on: Optional[datetime]
    set_as_declined_on: Optional[datetime]
    set_as_bad_request_on: Optional[datetime]
    set_as_rejected_request_on: Optional[datetime]
    local_currency_amount: Optional[float] = None
    local_currency: Optional[str] = None


class PdPage(pydantic.BaseModel):
    charges_set: List[PdCharge]


class PdEnvelope(pydantic.BaseModel):
    status: PdStatus
    data: PdPage


# -- the contestants -------------------------------------------------------------------------


def nf_decode() -> Any:
    return crmcom_netflix.decode("netflix/charges/list", BODY)


def ms_decode() -> Any:
    return ms_decoder.decode(BODY)


def ms_decode_decimal() -> Any:
    return ms_decoder_decimal.decode(BODY)


def pd_decode() -> Any:
    return PdEnvelope.model_validate_json(BODY)


def json_loads() -> Any:
    return json.loads(BODY)


def read_all(charges: Any) -> None:
    for c in charges:
        c.amount, c.paid_through_date, c.received_on, c.set_as_approved_on


def nf_decode_read() -> Any:
    page = crmcom_netflix.decode("netflix/charges/list", BODY)
    read_all(page.charges_set)
    return page


def ms_decode_read() -> Any:
    env = ms_decoder.decode(BODY)
    read_all(env.data.charges_set)
    return env


def ms_decode_decimal_read() -> Any:
    env = ms_decoder_decimal.decode(BODY)
    read_all(env.data.charges_set)
    return env


def pd_decode_read() -> Any:
    env = PdEnvelope.model_validate_json(BODY)
    read_all(env.data.charges_set)
    return env


def nf_varied_read() -> Any:
    page = crmcom_netflix.decode("netflix/charges/list", BODIES_VARIED[next(_next_varied)])
    read_all(page.charges_set)
    return page


def ms_varied_read() -> Any:
    env = ms_decoder.decode(BODIES_VARIED[next(_next_varied)])
    read_all(env.data.charges_set)
    return env


def ms_varied_decimal_read() -> Any:
    env = ms_decoder_decimal.decode(BODIES_VARIED[next(_next_varied)])
    read_all(env.data.charges_set)
    return env


def pd_varied_read() -> Any:
    env = PdEnvelope.model_validate_json(BODIES_VARIED[next(_next_varied)])
    read_all(env.data.charges_set)
    return env


def batch_size(fn: Callable[[], Any]) -> int:
    """Calls per timed batch: enough for about 20 ms."""
    fn()
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - start > 0.02:
            return n
        n *= 2


def measure(contestants: Dict[str, Callable[[], Any]], *, seconds: float) -> Dict[str, float]:
    """Median time of one call in microseconds for each contestant. The contestants take turns,
    batch after batch, so that a busy machine slows them all alike."""
    sizes = {name: batch_size(fn) for name, fn in contestants.items()}
    samples: Dict[str, List[float]] = {name: [] for name in contestants}
    gc.collect()
    deadline = time.perf_counter() + seconds * len(contestants)
    while time.perf_counter() < deadline or min(len(v) for v in samples.values()) < 7:
        for name, fn in contestants.items():
            n = sizes[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - start) / n * 1e6)
    return {name: statistics.median(v) for name, v in samples.items()}


def check() -> None:
    page = nf_decode()
    assert len(page.charges_set) == 50
    assert len(ms_decode().data.charges_set) == 50
    assert len(pd_decode().data.charges_set) == 50
    assert str(page.charges_set[0].amount) == "5.99"
    varied_page = crmcom_netflix.decode("netflix/charges/list", BODIES_VARIED[1])
    assert str(varied_page.charges_set[1].amount) == "5.51"


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    seconds = 0.3 if quick else 1.5
    check()
    print(f"charges/list response, 50 charges, {len(BODY):,} bytes; Python {sys.version.split()[0]},")
    print(f"msgspec {msgspec.__version__}, pydantic {pydantic.VERSION}, crmcom_netflix {crmcom_netflix.VERSION}")
    print()
    rows = [
        ("crmcom_netflix.decode", nf_decode),
        ("msgspec (typed Structs)", ms_decode),
        ("msgspec (typed Structs, Decimal amounts)", ms_decode_decimal),
        ("pydantic v2 model_validate_json", pd_decode),
        ("json.loads (untyped)", json_loads),
    ]
    times = measure(dict(rows), seconds=seconds)
    print("decode only                                    us/call")
    for name, _ in rows:
        print(f"  {name:<44} {times[name]:8.1f}")
    ours = times["crmcom_netflix.decode"]
    ms = times["msgspec (typed Structs)"]
    pd = times["pydantic v2 model_validate_json"]
    print()
    print(f"  msgspec / crmcom_netflix  = {ms / ours:5.2f}x   (target >= 1.00: no slower than msgspec)")
    print(f"  pydantic / crmcom_netflix = {pd / ours:5.2f}x   (target >= 3.00)")
    print()
    rows_read = [
        ("crmcom_netflix.decode", nf_decode_read),
        ("msgspec (typed Structs)", ms_decode_read),
        ("msgspec (typed Structs, Decimal amounts)", ms_decode_decimal_read),
        ("pydantic v2 model_validate_json", pd_decode_read),
    ]
    times_read = measure(dict(rows_read), seconds=seconds)
    print("decode, then read every amount and 3 dates    us/call")
    for name, _ in rows_read:
        print(f"  {name:<44} {times_read[name]:8.1f}")
    ours_r = times_read["crmcom_netflix.decode"]
    print()
    print(f"  msgspec / crmcom_netflix  = {times_read['msgspec (typed Structs)'] / ours_r:5.2f}x")
    print(
        f"  msgspec Decimal / crmcom_netflix = "
        f"{times_read['msgspec (typed Structs, Decimal amounts)'] / ours_r:5.2f}x"
    )
    print(f"  pydantic / crmcom_netflix = {times_read['pydantic v2 model_validate_json'] / ours_r:5.2f}x")
    print()
    rows_varied = [
        ("crmcom_netflix.decode", nf_varied_read),
        ("msgspec (typed Structs)", ms_varied_read),
        ("msgspec (typed Structs, Decimal amounts)", ms_varied_decimal_read),
        ("pydantic v2 model_validate_json", pd_varied_read),
    ]
    times_varied = measure(dict(rows_varied), seconds=seconds)
    print("the same, with values that change from charge to charge and page to page   us/call")
    for name, _ in rows_varied:
        print(f"  {name:<44} {times_varied[name]:8.1f}")
    ours_v = times_varied["crmcom_netflix.decode"]
    print()
    print(f"  msgspec / crmcom_netflix  = {times_varied['msgspec (typed Structs)'] / ours_v:5.2f}x")
    print(
        f"  msgspec Decimal / crmcom_netflix = "
        f"{times_varied['msgspec (typed Structs, Decimal amounts)'] / ours_v:5.2f}x"
    )
    print(f"  pydantic / crmcom_netflix = {times_varied['pydantic v2 model_validate_json'] / ours_v:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
