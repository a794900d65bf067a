"""Write-through persistence: every entity is one JSON row, keyed by kind and key, in one SQLite file.

The hot model lives in memory (state.py); this module only makes each request's writes durable before its
response goes out. WAL with synchronous=NORMAL keeps a commit in the tens of microseconds, which the
1,000 Ship/s target needs, and still survives a process crash (only an OS crash can lose the last commits).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
"""


class Storage:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # The event loop is the only writer, so autocommit off plus explicit commits is all we need.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # Fewer, larger checkpoints: each one syncs, and it runs inside some request's commit.
        self._db.execute("PRAGMA wal_autocheckpoint=10000")
        self._db.executescript(_SCHEMA)
        self._pending: dict[tuple[str, str], Any] = {}

    def load(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = defaultdict(dict)
        for kind, key, data in self._db.execute("SELECT kind, key, data FROM entities"):
            out[kind][key] = json.loads(data)
        return out

    def put(self, kind: str, key: object, obj: Any) -> None:
        # Serialised at commit, so an aggregate touched several times in one request is written once.
        self._pending[(kind, str(key))] = obj

    def delete(self, kind: str, key: object) -> None:
        self._pending[(kind, str(key))] = None

    def commit(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        upserts = [
            (k, key, json.dumps(obj, separators=(",", ":"))) for (k, key), obj in pending.items() if obj is not None
        ]
        deletes = [(k, key) for (k, key), obj in pending.items() if obj is None]
        db = self._db
        db.execute("BEGIN")
        try:
            if upserts:
                db.executemany("INSERT OR REPLACE INTO entities (kind, key, data) VALUES (?, ?, ?)", upserts)
            if deletes:
                db.executemany("DELETE FROM entities WHERE kind = ? AND key = ?", deletes)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def wipe(self) -> None:
        self._pending.clear()
        self._db.execute("DELETE FROM entities")

    def close(self) -> None:
        self.commit()
        self._db.close()
