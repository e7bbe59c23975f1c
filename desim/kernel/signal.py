"""Signals (``sc_signal``): a value written now and seen after the update phase.

SimPy runs every event of a time in one sequence; desim splits that sequence into SystemC's
evaluate and update phases. A `Signal.write` only records the next value and asks the simulator
for an update; the update is scheduled behind every event of the current time that is already
queued or gets queued by the processes running now, so all of them read the old value whatever
order they run in. The update then commits the last value written and, if it differs, fires
`Signal.changed`, waking its waiters in a new evaluation at the same time (a delta cycle).

A ``yield env.timeout(0)`` stays in the current evaluation: to see a committed value, wait on
``changed`` or on a later time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import simpy

from desim.kernel.module import Module
from desim.kernel.simulator import Simulator

__all__ = ["Signal"]

T = TypeVar("T")


class Signal(Module, Generic[T]):
    """A value with SystemC update semantics.

    Parameters
    ----------
    name : str
        Local name.
    parent : Module or Simulator
        Enclosing module.
    init : T
        Value before the first write. Values must compare with ``==``.

    Examples
    --------
    Two registers swap their contents in one cycle, as two ``SC_THREAD`` s would:

    >>> sim = Simulator()
    >>> a, b = Signal("a", sim, init=1), Signal("b", sim, init=2)
    >>> def copy(src, dst):
    ...     yield sim.env.timeout(1)
    ...     dst.write(src.read())
    >>> _ = sim.process(copy(a, b)), sim.process(copy(b, a))
    >>> sim.run()
    1
    >>> a.read(), b.read()
    (2, 1)
    """

    def __init__(self, name: str, parent: Module | Simulator, init: T) -> None:
        super().__init__(name, parent)
        self._value: T = init
        self._next: T = init
        self._update_pending = False
        self._changed = self.env.event()
        self._watchers: list[Callable[[int, T], None]] = []
        self.changes = 0

    def read(self) -> T:
        """The committed value (writes of the current evaluation are not visible yet)."""
        return self._value

    def write(self, value: T) -> None:
        """Set the value seen after the update phase; the last write of an evaluation wins."""
        self._next = value
        if not self._update_pending:
            self._update_pending = True
            self.sim.request_update(self)

    def update(self) -> None:
        """Commit the last write (called by the simulator in the update phase)."""
        self._update_pending = False
        if self._next == self._value:
            return
        self._value = self._next
        self.changes += 1
        fired, self._changed = self._changed, self.env.event()
        fired.succeed(self._value)
        for watcher in self._watchers:
            watcher(self.sim.now, self._value)

    @property
    def changed(self) -> simpy.Event:
        """An event fired, with the new value, at the next update that changes the value.

        ``value_changed_event()`` in SystemC.
        """
        return self._changed

    def watch(self, watcher: Callable[[int, T], None]) -> None:
        """Call ``watcher(now, value)`` at every committed change (used by tracers)."""
        self._watchers.append(watcher)

    def trace(self) -> str:
        """``path = value``."""
        return f"{self.path} = {self._value!r}"

    def stats(self) -> dict[str, Any]:
        """Number of committed changes."""
        return {"changes": self.changes}
