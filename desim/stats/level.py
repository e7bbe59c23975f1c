"""Time-weighted levels (buffer occupancy, busy units), updated only when the level changes."""

from __future__ import annotations

from collections.abc import Callable

from desim.kernel.errors import InvariantError
from desim.stats.counter import check_stat_name

__all__ = ["TimeWeighted"]


class TimeWeighted:
    """The time average of a piecewise-constant level.

    Each change closes the interval during which the previous level held, adding
    ``level * duration`` to the area; nothing happens between changes, so an idle level costs
    nothing. ``mean = area / elapsed`` over the window since construction or the last `reset`.

    Parameters
    ----------
    name : str
        Prefix of the keys in `to_record`.
    now : callable returning int
        The current time, e.g. ``lambda: sim.now``.
    level : int or float
        The level at the start.

    Examples
    --------
    >>> clock = [0]
    >>> occupancy = TimeWeighted("occupancy", now=lambda: clock[0])
    >>> occupancy.add(2)          # 2 items from t=0
    >>> clock[0] = 6
    >>> occupancy.add(-1)         # 1 item from t=6
    >>> clock[0] = 10
    >>> occupancy.mean()          # (2*6 + 1*4) / 10
    1.6
    >>> occupancy.to_record()
    {'occupancy.mean': 1.6, 'occupancy.max': 2, 'occupancy.level': 1}
    """

    def __init__(self, name: str, now: Callable[[], float], level: float = 0) -> None:
        check_stat_name(name)
        self.name = name
        self._now = now
        self.level = level
        self.max = level
        self._start = now()
        self._since = self._start
        self._area = 0.0

    def set(self, level: float) -> None:
        """The level becomes ``level`` now."""
        t = self._now()
        if t < self._since:
            raise InvariantError(
                f"level {self.name!r} set at time {t}, before its last change at {self._since}"
            )
        self._area += self.level * (t - self._since)
        self._since = t
        self.level = level
        self.max = max(self.max, level)

    def add(self, delta: float) -> None:
        """The level changes by ``delta`` now."""
        self.set(self.level + delta)

    def reset(self) -> None:
        """Start a new averaging window now, from the current level (e.g. after warm-up)."""
        self._start = self._since = self._now()
        self._area = 0.0
        self.max = self.level

    def mean(self) -> float:
        """Time-weighted mean since the window started (NaN if no time has passed)."""
        t = self._now()
        elapsed = t - self._start
        if elapsed <= 0:
            return float("nan")
        return (self._area + self.level * (t - self._since)) / elapsed

    def to_record(self) -> dict[str, float]:
        """Mean, maximum and current level, keyed ``name.summary``."""
        return {
            f"{self.name}.mean": self.mean(),
            f"{self.name}.max": self.max,
            f"{self.name}.level": self.level,
        }

    def __repr__(self) -> str:
        return f"TimeWeighted({self.name!r}, level={self.level})"
