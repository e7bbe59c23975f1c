"""Event counters: how many flits, packets, stalls... since the last reset."""

from __future__ import annotations

from desim.kernel.errors import ConfigError

__all__ = ["Counter", "check_stat_name"]


def check_stat_name(name: str) -> None:
    """Reject a statistic name that is empty or contains whitespace.

    Raises
    ------
    ConfigError
        Naming the offending name.
    """
    if not isinstance(name, str) or not name or any(c.isspace() for c in name):
        raise ConfigError(f"statistic name must be a non-empty string without spaces, got {name!r}")


class Counter:
    """A non-decreasing count of events.

    Parameters
    ----------
    name : str
        Key of the count in `to_record`.

    Examples
    --------
    >>> flits = Counter("flits")
    >>> flits.add()
    >>> flits.add(3)
    >>> flits.value, flits.to_record()
    (4, {'flits': 4})
    >>> flits.add(-1)
    Traceback (most recent call last):
    ...
    desim.kernel.errors.ConfigError: counter 'flits' only counts up; add(-1) is not allowed (n >= 0)
    """

    def __init__(self, name: str) -> None:
        check_stat_name(name)
        self.name = name
        self.value = 0

    def add(self, n: int = 1) -> None:
        """Count ``n`` more events (``n >= 0``)."""
        if n < 0:
            raise ConfigError(
                f"counter {self.name!r} only counts up; add({n}) is not allowed (n >= 0)"
            )
        self.value += n

    def reset(self) -> None:
        """Start counting from zero again (e.g. at the end of a warm-up)."""
        self.value = 0

    def to_record(self) -> dict[str, int]:
        """``{name: value}``."""
        return {self.name: self.value}

    def __repr__(self) -> str:
        return f"Counter({self.name!r}, value={self.value})"
