"""Sample distributions (latencies, hop counts) kept in a growable numpy array."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from desim.kernel.errors import ConfigError
from desim.stats.counter import check_stat_name

__all__ = ["Histogram"]


class Histogram:
    """Every sample of a quantity, with exact percentiles.

    Samples are stored in a float64 array that doubles when full, so `add` is amortised O(1) and
    the summaries are single numpy calls. An empty histogram summarises to NaN.

    Parameters
    ----------
    name : str
        Prefix of the keys in `to_record`.
    percentiles : sequence of float
        The percentiles (0..100) that `to_record` reports.

    Examples
    --------
    >>> latency = Histogram("latency", percentiles=(50, 99))
    >>> for cycles in [3, 4, 4, 5, 20]:
    ...     latency.add(cycles)
    >>> latency.count, latency.mean(), latency.percentile(50)
    (5, 7.2, 4.0)
    >>> for key, value in latency.to_record().items():
    ...     print(key, value)
    latency.count 5
    latency.mean 7.2
    latency.min 3.0
    latency.max 20.0
    latency.p50 4.0
    latency.p99 19.4
    >>> counts, edges = latency.bins([0, 5, 10, 25])
    >>> counts.tolist()
    [3, 1, 1]
    """

    def __init__(self, name: str, percentiles: Sequence[float] = (50.0, 95.0, 99.0)) -> None:
        check_stat_name(name)
        for q in percentiles:
            _check_percentile(name, q)
        self.name = name
        self.percentiles = tuple(percentiles)
        self._samples = np.empty(64, dtype=np.float64)
        self._count = 0

    @property
    def count(self) -> int:
        """Number of samples."""
        return self._count

    @property
    def samples(self) -> npt.NDArray[np.float64]:
        """The samples in arrival order (a read-only view)."""
        view = self._samples[: self._count]
        view.flags.writeable = False
        return view

    def add(self, value: float) -> None:
        """Record one sample."""
        if self._count == len(self._samples):
            self._samples = np.resize(self._samples, 2 * len(self._samples))
        self._samples[self._count] = value
        self._count += 1

    def extend(self, values: npt.ArrayLike) -> None:
        """Record many samples at once."""
        new = np.asarray(values, dtype=np.float64).ravel()
        needed = self._count + len(new)
        if needed > len(self._samples):
            self._samples = np.resize(self._samples, max(needed, 2 * len(self._samples)))
        self._samples[self._count : needed] = new
        self._count = needed

    def reset(self) -> None:
        """Forget every sample."""
        self._count = 0

    def mean(self) -> float:
        """Mean of the samples (NaN if none)."""
        return float(np.mean(self.samples)) if self._count else float("nan")

    def min(self) -> float:
        """Smallest sample (NaN if none)."""
        return float(np.min(self.samples)) if self._count else float("nan")

    def max(self) -> float:
        """Largest sample (NaN if none)."""
        return float(np.max(self.samples)) if self._count else float("nan")

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile, 0 <= q <= 100, linearly interpolated (NaN if empty)."""
        _check_percentile(self.name, q)
        return float(np.percentile(self.samples, q)) if self._count else float("nan")

    def bins(
        self, edges: int | Sequence[float] = 10
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Counts per bin and the bin edges, as `numpy.histogram` computes them."""
        counts, bin_edges = np.histogram(self.samples, bins=edges)
        return counts, bin_edges

    def to_record(self) -> dict[str, float]:
        """Count, mean, min, max and the chosen percentiles, keyed ``name.summary``."""
        record: dict[str, float] = {
            f"{self.name}.count": self._count,
            f"{self.name}.mean": self.mean(),
            f"{self.name}.min": self.min(),
            f"{self.name}.max": self.max(),
        }
        for q in self.percentiles:
            record[f"{self.name}.p{q:g}"] = self.percentile(q)
        return record

    def __repr__(self) -> str:
        return f"Histogram({self.name!r}, count={self._count})"


def _check_percentile(name: str, q: float) -> None:
    if not 0 <= q <= 100:
        raise ConfigError(f"histogram {name!r}: percentile {q!r} is outside 0..100")
