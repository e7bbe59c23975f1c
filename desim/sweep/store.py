"""The results store: one SQLite database per sweep directory (``results.sqlite``).

One row per finished point, keyed by ``(config_hash, seed)`` and written in one transaction, so
a point is wholly there or absent whatever kills the sweep (Ctrl-C, SIGKILL, a dead worker).
The database is in WAL mode while a sweep writes, so another process may read it (`load`)
meanwhile; closed, it is back in rollback-journal mode, with no ``-wal`` or ``-shm`` file beside it.
Each invocation of a sweep is a numbered *run*; a row records the run that computed it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desim.kernel.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Store", "load", "export", "stored_records", "check_store", "DATABASE"]

DATABASE = "results.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run INTEGER PRIMARY KEY, started REAL NOT NULL, spec TEXT NOT NULL, executor TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    config_hash TEXT NOT NULL, seed INTEGER NOT NULL, position INTEGER NOT NULL,
    status TEXT NOT NULL, run INTEGER NOT NULL, finished REAL NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (config_hash, seed));
"""
CLOSE_WAIT_MS = 1000
"""How long closing a store waits for readers to leave before it leaves the WAL mode."""
_COLUMNS = {
    "runs": ["run", "started", "spec", "executor"],
    "points": ["config_hash", "seed", "position", "status", "run", "finished", "record"],
}
"""The columns of each table of a store, in order."""
_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' "
    "ORDER BY name"
)


def _unusable(path: Path, exc: sqlite3.DatabaseError) -> ConfigError:
    return ConfigError(
        f"cannot use {path} as a sweep store ({exc}); move it away, or choose another directory"
    )


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file (nor its header: a foreign file stays as it is)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)


def check_store(path: Path) -> None:
    """Raise `ConfigError` unless ``path`` is absent, empty, or a database holding desim's
    tables only (with their columns): another program's database, or a file that is not one,
    is refused before anything writes to it, so it is left byte for byte as it was."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    connection = _read_only(path)
    try:
        names = [n for (n,) in connection.execute(_TABLES)]
        found = {
            n: [c for _, c, *_ in connection.execute(f'PRAGMA table_info("{n}")')] for n in names
        }
    except sqlite3.DatabaseError as exc:
        raise _unusable(path, exc) from None
    finally:
        connection.close()
    odd = sorted(n for n, columns in found.items() if _COLUMNS.get(n) != columns)
    if odd:
        raise ConfigError(
            f"cannot use {path} as a sweep store: it holds table(s) {', '.join(odd)}, not "
            f"desim's ({', '.join(_COLUMNS)}); move it away, or choose another directory"
        )


def _connect(path: Path) -> sqlite3.Connection:
    check_store(path)
    try:
        connection = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    except sqlite3.DatabaseError as exc:  # a directory where no file can be created
        raise _unusable(path, exc) from None
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")  # durable against a crashed process
        connection.executescript(_SCHEMA)
    except sqlite3.DatabaseError as exc:  # not a database, a truncated one, a foreign schema
        connection.close()
        raise _unusable(path, exc) from None
    return connection


class Store:
    """The store of the sweep in ``directory`` (created if missing).

    Parameters
    ----------
    directory : path
        The sweep's output directory.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        made = not self.directory.exists()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise ConfigError(
                f"results directory {str(directory)!r}: a file is in the way; give a directory"
            ) from None
        except OSError as exc:  # a read-only file system, no permission
            raise ConfigError(
                f"cannot create results directory {str(directory)!r} ({exc.strerror})"
            ) from None
        self.created = not (self.directory / DATABASE).exists()
        """Whether this store's database (and ``made_directory``) did not exist before."""
        self.made_directory = made
        self.connection = _connect(self.directory / DATABASE)
        self._closed = False

    def begin_run(self, spec_text: str, executor: str) -> int:
        """Record a new invocation; returns its run number."""
        cursor = self.connection.execute(
            "INSERT INTO runs (started, spec, executor) VALUES (?, ?, ?)",
            (time.time(), spec_text, executor),
        )
        return int(cursor.lastrowid or 0)

    def finished(self) -> dict[tuple[str, int], str]:
        """``(config_hash, seed) -> status`` of every stored point."""
        rows = self.connection.execute("SELECT config_hash, seed, status FROM points")
        return {(h, s): status for h, s, status in rows}

    def add(self, position: int, record: dict[str, Any], run: int) -> None:
        """Store one finished point (replacing a failed one being retried), atomically."""
        text = json.dumps(record, allow_nan=False)
        with self.connection:  # BEGIN ... COMMIT, or ROLLBACK on error
            self.connection.execute("BEGIN IMMEDIATE")
            self.connection.execute(
                "INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record["config_hash"],
                    record["seed"],
                    position,
                    record["status"],
                    run,
                    time.time(),
                    text,
                ),
            )

    def close(self) -> None:
        """Close the connection (once; again does nothing), leaving the database in rollback
        journal mode: the WAL is checkpointed into it and removed, so no ``-wal`` or ``-shm``
        file stays beside a finished store, and read-only readers (`load`) create none. A reader
        holding the database at that moment keeps it in WAL mode (the files stay until a sweep
        closes the store again: harmless, and never a lost point)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.connection.execute(f"PRAGMA busy_timeout = {CLOSE_WAIT_MS}")
            self.connection.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.OperationalError:  # "database is locked": a reader is in it
            pass
        finally:
            self.connection.close()

    def discard_if_unused(self) -> bool:
        """Close the store, then remove it if this object created it and it holds no point (a
        sweep that failed before its first point leaves nothing behind); whether it did."""
        unused = self.created and not self.finished()
        self.close()
        if unused:
            for suffix in ("", "-wal", "-shm", "-journal"):
                (self.directory / (DATABASE + suffix)).unlink(missing_ok=True)
            if self.made_directory and not any(self.directory.iterdir()):
                self.directory.rmdir()
        return unused


def _records(directory: Path) -> list[dict[str, Any]]:
    path = directory / DATABASE
    if not path.is_file():
        raise ConfigError(f"no sweep results in {directory} (no {DATABASE}); run `desim sweep`")
    check_store(path)
    connection = _read_only(path)
    try:
        rows = connection.execute("SELECT run, record FROM points ORDER BY position, seed")
        return [{**json.loads(text), "run": run} for run, text in rows]
    except sqlite3.DatabaseError as exc:
        raise _unusable(path, exc) from None
    finally:
        connection.close()


def load(directory: str | Path) -> pd.DataFrame:
    """The records of the sweep in ``directory`` as a pandas DataFrame, in spec order.

    Safe while the sweep runs (it reads a consistent snapshot). Columns: the varied dotted keys,
    ``seed``, ``config_hash``, ``kind``, ``status`` (``ok`` or ``error``), ``error``, the kind's
    metrics, ``point_wall_seconds``, ``desim_version`` and ``run`` (the invocation that computed
    the point).
    """
    import pandas as pd

    return pd.DataFrame.from_records(_records(Path(directory)))


def export(directory: str | Path) -> list[Path]:
    """Write ``results.csv`` (and ``results.parquet`` when pyarrow is importable), each whole or
    not at all; the paths. In the CSV a table or list value (a varied
    ``accel.params.fabric.topology_args``) is JSON, which `json.loads` reads back."""
    directory = Path(directory)
    frame = load(directory)
    written = [directory / "results.csv"]
    cells = frame.map(lambda v: json.dumps(v) if isinstance(v, dict | list) else v)
    _replace(written[0], lambda tmp: cells.to_csv(tmp, index=False))
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return written
    written.append(directory / "results.parquet")
    _replace(written[1], lambda tmp: frame.to_parquet(tmp, index=False))
    return written


def _replace(path: Path, write: Any) -> None:
    """``write(tmp)`` to a file beside ``path``, then move it over ``path`` (a reader never sees
    a half-written file)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def stored_records(directory: str | Path) -> list[dict[str, Any]]:
    """The stored records as dicts (no pandas), in spec order."""
    return _records(Path(directory))
