"""The read-only DuckDB connection: one per process, opened lazily (after a gunicorn fork),
a cursor per query, and reopened when the ETL publishes a new file.

The connection is locked down: no file system access beyond the database itself (attached
read-only), no extension loading, and the configuration cannot be changed afterwards by a query.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

CATALOG = "mlr"
T = TypeVar("T")


def _open_locked(path: Path) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory instance with ``path`` attached read-only, then locked down.

    ``duckdb.connect(path)`` would return the cached instance of a file already open in this
    process, i.e. the *old* database after the ETL replaced the file; attaching to a new
    in-memory instance always opens the file that is there now.
    """
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                              "autoload_known_extensions": False})
    quoted = str(path).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS {CATALOG} (READ_ONLY)")
    con.execute(f"USE {CATALOG}")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


class DatabaseUnavailable(Exception):
    """The database file is missing or unreadable."""


class Database:
    """A read-only handle that follows the file at ``path`` when it is replaced."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int] | None = None
        self._pid: int | None = None
        self._memo: dict[str, pd.DataFrame] = {}
        self._derived: dict[str, object] = {}

    def _file_identity(self) -> tuple[int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise DatabaseUnavailable(
                f"database {self.path} not found; build it with `python -m etl build`"
            ) from None
        return st.st_ino, st.st_mtime_ns

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The current connection, reopened if the file was replaced or the process forked."""
        identity = self._file_identity()
        with self._lock:
            if self._con is None or identity != self._identity or self._pid != os.getpid():
                try:
                    con = _open_locked(self.path)
                except duckdb.Error as exc:
                    raise DatabaseUnavailable(f"cannot open {self.path}: {exc}") from None
                # The old connection is left to the garbage collector: cursors of requests
                # still running on it keep it (and the old file) alive until they finish.
                self._con, self._identity, self._pid = con, identity, os.getpid()
                self._memo, self._derived = {}, {}
            return self._con

    def query_once(self, sql: str) -> pd.DataFrame:
        """A parameterless query whose answer cannot change while the file stays the same (the
        catalogue), run once per database file and served as a copy afterwards."""
        self.connection()  # reopens, and forgets the memo, if the file was replaced
        frame = self._memo.get(sql)
        if frame is None:
            frame = self.query(sql)
            self._memo[sql] = frame
        return frame.copy()

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """An object derived from catalogue queries, built once per database file. Treat as read-only."""
        self.connection()
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]  # type: ignore[no-any-return]

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one parameterised query on its own cursor (cursors are per thread-safe use)."""
        cursor = self.connection().cursor()
        try:
            cursor.execute(f"USE {CATALOG}")  # a cursor starts in the in-memory catalog
            return cursor.execute(sql, params or {}).df()
        finally:
            cursor.close()


_db: Database | None = None


def configure(path: Path) -> Database:
    global _db
    _db = Database(path)
    return _db


def get() -> Database:
    if _db is None:
        raise DatabaseUnavailable("database not configured; create the app with create_app()")
    return _db
