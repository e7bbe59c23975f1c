"""The errors desim raises on purpose; the CLI turns each into one line and exit code 2."""

from __future__ import annotations

__all__ = ["DesimError", "ConfigError", "ElaborationError", "DeadlockError", "InvariantError"]


class DesimError(Exception):
    """Base of every error desim raises for bad input or a failed check."""


class ConfigError(DesimError, ValueError):
    """A configuration value or key is invalid; the message names it and what is allowed."""


class ElaborationError(DesimError):
    """The module hierarchy is malformed (e.g. a port unbound or bound twice)."""


class DeadlockError(DesimError):
    """Flits are in flight but none has moved for the watchdog's window.

    Attributes
    ----------
    cycle : int
        When the deadlock was detected.
    waits : list of str
        The routers, ports and VCs waiting on each other, one line each.
    summary : str
        ``"cyclic wait"`` when the waits form a cycle, else ``"blocked"``.
    """

    def __init__(self, cycle: int, waits: list[str], summary: str = "blocked") -> None:
        super().__init__(cycle, waits, summary)  # SimPy re-raises as type(e)(*e.args)
        self.cycle = cycle
        self.waits = list(waits)
        self.summary = summary

    def __str__(self) -> str:
        shown = "; ".join(self.waits[:12])
        more = f"; ... ({len(self.waits)} in all)" if len(self.waits) > 12 else ""
        return f"deadlock detected at cycle {self.cycle} ({self.summary}): {shown}{more}"


class InvariantError(DesimError):
    """A conservation or ordering invariant was violated (a simulator bug, reported loudly)."""
