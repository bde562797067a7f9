"""The SQLite journal of `Client.sync_charges`: the sync state, saved after every step, and the
ledger of the charges the billing took, keyed by charge number.

Taking charges (the ledger rows) and the sync state that records them as handed over are written
in one transaction, and so are confirmations: a process killed at any point resumes from a state
that agrees with the ledger, so no charge is lost and none is billed twice.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from typing import List, Optional, Sequence, Tuple, Union

from ._native import Charge

_SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state TEXT NOT NULL,
    run_complete INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS charges (
    number TEXT PRIMARY KEY,
    run INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    billable INTEGER NOT NULL,
    charge TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS charges_by_run ON charges (run, seq);
"""

PathLike = Union[str, "os.PathLike[str]"]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Journal:
    """The journal at `path` (created if missing); in memory when `path` is None."""

    def __init__(self, path: Optional[PathLike]) -> None:
        self.path = ":memory:" if path is None else os.fspath(path)
        # Autocommit mode: every write below is its own explicit transaction.
        self._db = sqlite3.connect(self.path, isolation_level=None)
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, _SCHEMA_VERSION):
            raise ValueError(f"{self.path}: journal format {version} is not supported")
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    def load(self) -> Tuple[Optional[str], bool]:
        """The saved sync state (JSON) and whether its run was completed."""
        row = self._db.execute("SELECT state, run_complete FROM sync_state WHERE id = 1").fetchone()
        if row is None:
            return None, False
        return str(row[0]), bool(row[1])

    def _save(self, state: str, complete: bool) -> None:
        self._db.execute(
            "INSERT INTO sync_state (id, state, run_complete, updated_at) VALUES (1, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
            "run_complete = excluded.run_complete, updated_at = excluded.updated_at",
            (state, int(complete), _now()),
        )

    def save(self, state: str, *, complete: bool = False) -> None:
        """Saves the sync state (one transaction)."""
        with self._transaction():
            self._save(state, complete)

    def record(self, run: int, charges: Sequence[Charge], state: str) -> List[Charge]:
        """Records charges the billing takes, with the state that hands them over, in one
        transaction. Returns the charges not recorded before (a redelivered charge already in the
        ledger is not taken again)."""
        new: List[Charge] = []
        with self._transaction():
            seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM charges").fetchone()[0]
            for charge in charges:
                seq += 1
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO charges (number, run, seq, billable, charge, recorded_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (charge.number, run, seq, int(charge.billable), charge.to_json(), _now()),
                )
                if cursor.rowcount == 1:
                    new.append(charge)
            self._save(state, False)
        return new

    def charges(self, run: int) -> List[Charge]:
        """The charges taken in `run`, in the order they were taken."""
        rows = self._db.execute(
            "SELECT charge FROM charges WHERE run = ? ORDER BY seq", (run,)
        ).fetchall()
        return [Charge.from_json(row[0]) for row in rows]

    def has(self, number: str) -> bool:
        """Whether the ledger holds the charge."""
        row = self._db.execute("SELECT 1 FROM charges WHERE number = ?", (number,)).fetchone()
        return row is not None

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is None:
            self._db.execute("COMMIT")
        else:
            self._db.execute("ROLLBACK")
