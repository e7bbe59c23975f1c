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
    """

    def __init__(self, cycle: int, waits: list[str]) -> None:
        self.cycle = cycle
        self.waits = waits
        shown = "; ".join(waits[:12]) + (f"; ... ({len(waits)} in all)" if len(waits) > 12 else "")
        super().__init__(f"deadlock detected at cycle {cycle}: {shown}")


class InvariantError(DesimError):
    """A conservation or ordering invariant was violated (a simulator bug, reported loudly)."""
