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


@contextmanager
def _dask(address: str | None, workers: int) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
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
        client = Client(address or cluster, timeout="30s")
    except (OSError, ValueError) as exc:  # unreachable, or an address that does not parse
        raise ConfigError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def open_executor(
    kind: str = "local", *, address: str | None = None, workers: int | None = None
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

    Raises
    ------
    ConfigError
        An unknown kind, workers out of range or given with an address, an address that is
        malformed or cannot be reached.
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
    if address is not None or kind == "dask":
        return _dask(address, count)
    return _local(count)
