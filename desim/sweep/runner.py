"""Running a sweep: the points not yet in the store go to an executor; each finished point is
stored, in one transaction, as soon as it comes back.

A point whose kind raises is recorded with ``status = "error"`` and its error, and the others go
on. A point lost to the executor itself (a worker process killed, a broken pool) is not recorded:
it stays absent, and ``resume=True`` runs it again. Finished points (``ok`` or ``error``) are never
recomputed on resume, unless ``retry_failed`` asks for the failed ones.
"""

from __future__ import annotations

import sys
import time
import traceback
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desim import __version__
from desim.kernel.errors import ConfigError
from desim.sweep.executors import open_executor
from desim.sweep.kinds import KINDS, PointKind
from desim.sweep.spec import Point, SweepSpec
from desim.sweep.store import Store, export

__all__ = ["SweepReport", "run_sweep", "execute_point", "submission_order"]


@dataclass
class SweepReport:
    """What a sweep invocation did.

    Attributes
    ----------
    directory : Path
    run : int
        This invocation's number in the store.
    ran, skipped : int
        Points computed now; points already finished (resumed).
    lost : list of str
        Points the executor lost (worker died): ``"values seed: error"``; absent from the store.
    records : list of dict
        The spec's records in the store after the run, in spec order.
    files : list of Path
        The exported tables.
    """

    directory: Path
    run: int
    ran: int
    skipped: int
    lost: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def execute_point(
    run: PointKind,
    kind: str,
    values: dict[str, Any],
    config: dict[str, Any],
    seed: int,
    digest: str,
) -> dict[str, Any]:
    """Run one point (in a worker) and return its full record; an exception becomes an error
    record (its type, message and the innermost frame)."""
    start = time.perf_counter()
    head = {**values, "seed": seed, "config_hash": digest, "kind": kind}
    try:
        metrics, status, error = run(config, seed), "ok", None
    except Exception as exc:  # any failure of the point is its result, never the sweep's
        where = traceback.extract_tb(exc.__traceback__)[-1]
        metrics, status = {}, "error"
        error = f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
    tail = {"point_wall_seconds": time.perf_counter() - start, "desim_version": __version__}
    return {**head, "status": status, "error": error, **metrics, **tail}


def _progress(total: int, enabled: bool | None) -> Any:
    """A tqdm bar on stderr (with ETA) when enabled, by default when stderr is a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total == 0:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="point", desc="sweep", file=sys.stderr)


def _pending(spec: SweepSpec, store: Store, resume: bool, retry_failed: bool) -> list[int]:
    done = store.finished()
    if done and not resume:
        raise ConfigError(
            f"{store.directory} already holds {len(done)} results; pass --resume to continue "
            "that sweep, or choose another --out directory"
        )
    foreign = len(done.keys() - {(p.config_hash, p.seed) for p in spec.points})
    if foreign:  # an edited spec: its records and the stored ones would mix in one table
        raise ConfigError(
            f"{store.directory} holds {foreign} results of points this spec does not describe "
            "(was the spec changed?); resume with the spec that wrote them (values may be added, "
            "not changed or removed), or choose another --out directory"
        )
    keep = {"ok"} if retry_failed else {"ok", "error"}
    return [i for i, p in enumerate(spec.points) if done.get((p.config_hash, p.seed)) not in keep]


def submission_order(spec: SweepSpec, positions: list[int]) -> list[int]:
    """``positions`` in the order the workers take them: the costliest points first when the
    kind estimates a point's cost (the longest-processing-time rule: the last point started is a
    short one), else spec order. Records are stored at their spec position either way."""
    cost = KINDS.metadata(spec.kind).get("cost")
    if cost is None:
        return positions
    estimates = {i: cost(spec.points[i].config) for i in positions}
    return sorted(positions, key=lambda i: -estimates[i])  # stable: ties keep spec order


def _collect(
    futures: dict[Future[dict[str, Any]], tuple[int, Point]], store: Store, run: int, bar: Any
) -> list[str]:
    lost = []
    try:
        for future in as_completed(futures):
            position, point = futures[future]
            try:
                record = future.result()
            except Exception as exc:  # the executor lost the point: it stays absent
                lost.append(f"{point.values} seed {point.seed}: {type(exc).__name__}: {exc}")
                continue
            store.add(position, record, run)
            if bar is not None:
                bar.update(1)
    except BaseException:  # Ctrl-C: what finished is stored; drop what has not started
        for future in futures:
            future.cancel()
        raise
    return lost


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    *,
    executor: str = "local",
    address: str | None = None,
    workers: int | None = None,
    connect_timeout_seconds: float | None = None,
    resume: bool = False,
    retry_failed: bool = False,
    progress: bool | None = None,
    spec_text: str = "",
) -> SweepReport:
    """Run the points of ``spec`` not yet stored in ``out`` and export the results.

    Parameters
    ----------
    spec : SweepSpec
        A validated spec (`load_spec`).
    out : path
        The sweep directory (its store, ``results.csv``, ``results.parquet``).
    executor, address, workers, connect_timeout_seconds
        See `desim.sweep.executors.open_executor`. A store this call created is removed again
        if the sweep stops before its first point is stored (an unreachable scheduler, Ctrl-C).
    resume : bool
        Continue the sweep already in ``out`` (else ``out`` must hold no results).
    retry_failed : bool
        With ``resume``, run the points recorded with an error again.
    progress : bool, optional
        A progress bar; default: when stderr is a terminal.
    spec_text : str
        The spec's source, kept in the store's ``runs`` table.
    """
    opened = open_executor(  # checked, not started
        executor, address=address, workers=workers, connect_timeout_seconds=connect_timeout_seconds
    )
    store = Store(out)
    try:
        todo = _pending(spec, store, resume, retry_failed)
        run = store.begin_run(spec_text, address or executor)
        bar = _progress(len(todo), progress)
        lost: list[str] = []
        if todo:
            with opened as pool:
                futures = {
                    pool.submit(
                        execute_point,
                        spec.run,
                        spec.kind,
                        p.values,
                        p.config,
                        p.seed,
                        p.config_hash,
                    ): (i, p)
                    for i, p in ((i, spec.points[i]) for i in submission_order(spec, todo))
                }
                lost = _collect(futures, store, run, bar)
        if bar is not None:
            bar.close()
    except BaseException:
        store.discard_if_unused()
        raise
    finally:
        store.close()
    files = export(out)
    report = SweepReport(Path(out), run, len(todo) - len(lost), len(spec.points) - len(todo), lost)
    report.records = _spec_records(spec, out)
    report.files = files
    return report


def _spec_records(spec: SweepSpec, out: str | Path) -> list[dict[str, Any]]:
    from desim.sweep.store import stored_records

    keys = {(p.config_hash, p.seed) for p in spec.points}
    return [r for r in stored_records(out) if (r["config_hash"], r["seed"]) in keys]
