"""Latency-load curves: run a configuration over a grid of offered loads and find saturation.

The grid is run in increasing order of load and stops after its second saturated point (past
saturation every point costs the most and says the least). The saturation throughput is then
refined by bisection between the highest stable grid load below the first saturated one and that
saturated load, as BookSim's sweeps do (the ``bisect`` rows of BookSim2's 8x8 mesh
curve, carried in ``docs/booksim_comparison.csv``).
Saturation is what `simulate` reports: a run that is unstable (average latency, in-flight packets
counted at their age, above the threshold) or that does not converge.

Examples
--------
>>> from desim.noc import NocConfig
>>> config = NocConfig(topology_args={"rows": 3, "cols": 3}, sample_period_cycles=200,
...                    warmup_periods=1, max_samples=4)
>>> curve = sweep_injection(config, [0.05, 0.1], refine=False)
>>> [round(p.offered_rate, 2) for p in curve.points], curve.saturated
([0.05, 0.1], False)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from desim.config import require
from desim.kernel.errors import ConfigError
from desim.noc.measurement import NocConfig, NocResult, simulate
from desim.noc.validation import MAX_SWEEP_POINTS, check_limit, check_run_length

__all__ = ["Sweep", "sweep_injection", "check_sweep", "parse_rates", "json_safe"]

SATURATED_POINTS_TO_STOP = 2
"""The grid stops after this many saturated points."""

MIN_TOLERANCE = 1e-6
"""The finest saturation bisection, flits/node/cycle (a measured rate's run-to-run noise is
thousands of times coarser; a finer bracket would only cost runs)."""


@dataclass
class Sweep:
    """A latency-load curve.

    Attributes
    ----------
    points : list of NocResult
        One result per grid load that was run, in increasing load (the grid stops after its second
        saturated point, so later loads are absent).
    saturation_rate : float
        The highest offered load (flits/node/cycle) found stable: refined by bisection to
        ``tolerance`` when a grid point saturated, else the highest grid load (a lower bound, and
        `saturated` is False). 0.0 when even the lowest load saturated and no refinement ran.
    refinement : list of NocResult
        The bisection runs, in the order they ran.
    tolerance : float
        Width of the final bisection bracket, in flits/node/cycle.
    """

    points: list[NocResult]
    saturation_rate: float
    refinement: list[NocResult] = field(default_factory=list)
    tolerance: float = 0.005

    @property
    def saturated(self) -> bool:
        """Whether any run saturated (else `saturation_rate` is only a lower bound)."""
        return any(p.saturated for p in (*self.points, *self.refinement))

    def to_records(self) -> list[dict[str, Any]]:
        """Flat records (grid points, then bisection runs), each with a ``point_type`` column."""
        tagged = [("grid", p) for p in self.points] + [("bisect", p) for p in self.refinement]
        return [{"point_type": kind, **p.to_record()} for kind, p in tagged]

    def to_dict(self) -> dict[str, Any]:
        """``{"points": [...], "saturation_rate": R, "saturated": bool, "refinement": [...]}``."""
        return {
            "points": [json_safe(p.to_record()) for p in self.points],
            "saturation_rate": self.saturation_rate,
            "saturated": self.saturated,
            "tolerance": self.tolerance,
            "refinement": [json_safe(p.to_record()) for p in self.refinement],
        }

    def to_json(self) -> str:
        """`to_dict` as strict JSON (NaN, which no JSON parser accepts, becomes ``null``)."""
        return json.dumps(self.to_dict(), allow_nan=False)


def json_safe(record: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` with non-finite floats (NaN: no packet measured) as None."""
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in record.items()
    }


def parse_rates(spec: str) -> list[float]:
    """Offered loads from ``"start:stop:step"`` (``stop`` included when on the grid) or ``"a,b,c"``.

    Raises
    ------
    ConfigError
        A malformed spec, a non-positive step, an empty range, or a range of more than
        `desim.noc.validation.MAX_SWEEP_POINTS` rates.

    Examples
    --------
    >>> parse_rates("0.1:0.3:0.1")
    [0.1, 0.2, 0.3]
    >>> parse_rates("0.05, 0.4")
    [0.05, 0.4]
    """
    parts = spec.split(":") if ":" in spec else spec.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    malformed = ":" in spec and len(numbers) != 3
    if not numbers or not all(math.isfinite(n) for n in numbers) or malformed:
        raise ConfigError(
            f"rates {spec!r}: expected START:STOP:STEP or a comma-separated list of rates"
        )
    if ":" not in spec:
        return numbers
    start, stop, step = numbers
    require(step > 0, f"rates {spec!r}: the step must be > 0")
    count = math.floor((stop - start) / step + 1e-9) + 1
    require(count >= 1, f"rates {spec!r}: the range is empty")
    check_limit(f"rates {spec!r} make too many sweep points", count, MAX_SWEEP_POINTS)
    return [round(start + i * step, 10) for i in range(count)]


def _progress(total: int, enabled: bool, label: str) -> Any:
    """A tqdm bar when asked for and installed; otherwise None."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=label, unit="run")


def _run(config: NocConfig, rate: float, bar: Any) -> NocResult:
    result = simulate(replace(config, injection_rate=rate))
    if bar is not None:
        bar.update(1)
        bar.set_postfix(rate=f"{rate:.4g}", saturated=result.saturated)
    return result


def _grid(config: NocConfig, rates: Sequence[float], bar: Any) -> Iterator[NocResult]:
    saturated = 0
    for rate in rates:
        result = _run(config, rate, bar)
        yield result
        saturated += result.saturated
        if saturated >= SATURATED_POINTS_TO_STOP:
            return


def _bisect(
    config: NocConfig, low: float, high: float, tolerance: float, bar: Any
) -> tuple[float, list[NocResult]]:
    """Bisect ``[low, high]`` (``low`` stable or 0, ``high`` saturated) to ``tolerance``."""
    runs = []
    while high - low > tolerance:
        mid = (low + high) / 2
        result = _run(config, mid, bar)
        runs.append(result)
        if result.saturated:
            high = mid
        else:
            low = mid
    return low, runs


def check_sweep(
    config: NocConfig, rates: Iterable[float], refine: bool, tolerance: float
) -> list[float]:
    """The sorted, distinct loads of a sweep, after checking it whole before anything runs: every
    rate, the tolerance (from `MIN_TOLERANCE` to 1), and the router-cycles of its grid and
    bisection runs together, each at its load (`desim.noc.validation.check_run_length`);
    `ConfigError` if not."""
    grid = sorted(set(float(r) for r in rates))
    require(bool(grid), "a sweep needs at least one rate")
    check_limit("the sweep has too many rates", len(grid), MAX_SWEEP_POINTS)
    require(
        isinstance(tolerance, (int, float))
        and not isinstance(tolerance, bool)
        and MIN_TOLERANCE <= tolerance <= 1,  # (rates lie in [0, 1]: a wider one bisects nothing)
        f"sweep tolerance must be in [{MIN_TOLERANCE:g}, 1] flits/node/cycle, got {tolerance!r}",
    )
    for rate in grid:
        replace(config, injection_rate=rate)
    # the bisection bracket is at most max(grid) wide and halves with each run
    bisections = max(0, math.ceil(math.log2(grid[-1] / tolerance))) if refine and grid[-1] else 0
    check_run_length(  # a bisection run's load is at most the grid's highest
        config,
        grid + [grid[-1]] * bisections,
        f"a sweep of {len(grid)} rates and up to {bisections} bisection runs",
    )
    return grid


def sweep_injection(
    config: NocConfig,
    rates: Iterable[float],
    *,
    refine: bool = True,
    tolerance: float = 0.005,
    progress: bool = False,
) -> Sweep:
    """Run ``config`` at each offered load of ``rates`` (flits/node/cycle) and find saturation.

    Parameters
    ----------
    config : NocConfig
        The experiment; its ``injection_rate`` is replaced by each rate.
    rates : iterable of float
        Offered loads in [0, 1]; run in increasing order, duplicates dropped.
    refine : bool
        Bisect between the last stable and the first saturated grid load.
    tolerance : float
        Bisection stops when the bracket is at most this wide (flits/node/cycle; at least
        `MIN_TOLERANCE`).
    progress : bool
        Show a tqdm progress bar (when tqdm is installed).

    Returns
    -------
    Sweep
    """
    grid = check_sweep(config, rates, refine, tolerance)
    bar = _progress(len(grid), progress, f"{config.topology}/{config.routing}/{config.traffic}")
    try:
        points = list(_grid(config, grid, bar))
        first = next((p for p in points if p.saturated), None)
        if first is None:
            return Sweep(points, points[-1].offered_rate, tolerance=tolerance)
        low = max(
            (
                p.offered_rate
                for p in points
                if not p.saturated and p.offered_rate < first.offered_rate
            ),
            default=0.0,
        )
        if not refine:
            return Sweep(points, low, tolerance=tolerance)
        saturation, runs = _bisect(config, low, first.offered_rate, tolerance, bar)
        return Sweep(points, saturation, runs, tolerance)
    finally:
        if bar is not None:
            bar.close()
