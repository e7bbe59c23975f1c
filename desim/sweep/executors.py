"""Executors for sweep points: `concurrent.futures` executors, local or Dask.

``local`` (the default) is a `concurrent.futures.ProcessPoolExecutor` of freshly spawned worker
processes started with ``OMP_NUM_THREADS=1`` (one core per point; a worker imports only what its
point kind needs, so no torch for NoC points). ``dask`` is a `dask.distributed` client's executor:
on a `distributed.LocalCluster` of single-threaded worker processes, or, given an ``address``
(``tcp://HOST:PORT``), on the cluster whose scheduler listens there. Dask reschedules a point
whose worker died; its nannies start workers with ``OMP_NUM_THREADS=1`` by default.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from desim.kernel.errors import ConfigError
from desim.limits import check_limit

__all__ = ["EXECUTORS", "open_executor", "default_workers"]

EXECUTORS = ("local", "dask")
WORKERS_PER_CORE = 4
"""Local processes (or LocalCluster workers) a sweep may start per core, unless
``DESIM_NO_SIZE_LIMIT=1``."""
MIN_WORKER_LIMIT = 16
"""The worker limit on a machine with few cores."""
CONNECT_TIMEOUT_SECONDS = 5.0
"""How long a sweep waits for the Dask scheduler at ``address`` to answer (a scheduler that is up
answers in milliseconds, even across a cluster's network; nothing listening fails at once, but
Dask retries until the timeout)."""
MAX_CONNECT_TIMEOUT_SECONDS = 3600.0
"""The longest connect timeout accepted (a scheduler still starting in a batch queue: start the
sweep once it runs instead)."""
PARENT_POLL_SECONDS = 1.0
"""How often a local worker checks that the sweep's process is still there."""


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables (inherited by the processes started meanwhile), then restore."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _exit_with_parent(parent: int) -> None:
    """A worker's initializer: exit when the sweep's process is gone. Killed with SIGKILL, the
    sweep cannot stop its workers; they would finish their points, then wait for work forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="desim-parent-watch", daemon=True).start()


@contextmanager
def _local(workers: int) -> Iterator[Executor]:
    """A pool of ``workers`` spawned processes; left by an exception (Ctrl-C included), it stops
    its workers at once: a worker would otherwise finish its point, then the points already
    queued to it, none of them stored."""
    context = multiprocessing.get_context("spawn")
    others = set(multiprocessing.active_children())
    with _environment(OMP_NUM_THREADS="1"):
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )
        try:
            yield pool
        except BaseException:
            for worker in set(multiprocessing.active_children()) - others:
                worker.terminate()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _connect(address: str | None, cluster: Any, timeout_seconds: float) -> Any:
    """A `distributed.Client` of ``cluster``, or of the scheduler at ``address`` (waiting at
    most ``timeout_seconds``); a `ConfigError` naming the address when it cannot be reached."""
    from distributed import Client

    if address is None:
        return Client(cluster, timeout="30s")
    try:
        return Client(address, timeout=f"{timeout_seconds}s")
    except ValueError as exc:  # an address that does not parse
        raise ConfigError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None
    except OSError as exc:  # nothing listening, unreachable host, no answer in time
        reason = " ".join(str(exc).split())
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address!r} ({reason}); is it running? "
            f"(a slow one: raise --connect-timeout, now {timeout_seconds:g} s)"
        ) from None


@contextmanager
def _dask(address: str | None, workers: int, timeout_seconds: float) -> Iterator[Executor]:
    try:
        from distributed import LocalCluster
    except ImportError as exc:
        raise ConfigError(
            f"the dask executor needs dask.distributed ({exc}); "
            "pip install 'desim[distributed]', or use --executor local"
        ) from None
    cluster: Any = None
    if address is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    try:
        client = _connect(address, cluster, timeout_seconds)
    except BaseException:
        if cluster is not None:
            cluster.close()
        raise
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _connect_timeout(address: str | None, seconds: float | None) -> float:
    if seconds is None:
        return CONNECT_TIMEOUT_SECONDS
    if address is None:
        raise ConfigError(
            "connect timeout: applies to a Dask scheduler's address (--address); drop it"
        )
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ConfigError(f"connect timeout must be a number of seconds, got {seconds!r}")
    if not 0 < seconds <= MAX_CONNECT_TIMEOUT_SECONDS:
        raise ConfigError(
            f"connect timeout must be in (0, {MAX_CONNECT_TIMEOUT_SECONDS:g}] seconds, "
            f"got {seconds!r}"
        )
    return float(seconds)


def open_executor(
    kind: str = "local",
    *,
    address: str | None = None,
    workers: int | None = None,
    connect_timeout_seconds: float | None = None,
) -> Any:
    """A context manager yielding the `concurrent.futures.Executor` asked for.

    Parameters
    ----------
    kind : {"local", "dask"}
        Local processes, or Dask (a `LocalCluster`, or the scheduler at ``address``).
    address : str, optional
        A Dask scheduler's address, ``tcp://HOST:PORT`` (implies ``kind="dask"``).
    workers : int, optional
        Local processes or `LocalCluster` workers (default: the cores available; at most
        `WORKERS_PER_CORE` per core, or `MIN_WORKER_LIMIT`); not with an ``address`` (the
        cluster has its own).
    connect_timeout_seconds : float, optional
        With ``address``: how long to wait for the scheduler (default `CONNECT_TIMEOUT_SECONDS`).

    Raises
    ------
    ConfigError
        An unknown kind, workers out of range or given with an address, a connect timeout that
        is not a positive number of seconds or given without an address, an address that is
        malformed or cannot be reached (on entering the context).
    """
    if kind not in EXECUTORS:
        raise ConfigError(f"executor {kind!r}; allowed: {', '.join(EXECUTORS)}")
    if address is not None and workers is not None:
        raise ConfigError(
            f"workers: the Dask scheduler at {address!r} has its own workers; drop workers"
        )
    count = default_workers() if workers is None else workers
    if count < 1:
        raise ConfigError(f"workers must be >= 1, got {count}")
    check_limit(
        "workers: more processes than this machine can run",
        count,
        max(MIN_WORKER_LIMIT, WORKERS_PER_CORE * default_workers()),
    )
    timeout = _connect_timeout(address, connect_timeout_seconds)
    if address is not None or kind == "dask":
        return _dask(address, count, timeout)
    return _local(count)
