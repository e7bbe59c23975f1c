"""Clock domains (``sc_clock``) whose edges fall on integer base-clock cycles.

A clock never ticks by itself: waiting for an edge schedules one timeout to that edge, shared by
every process waiting for it, and an unwatched clock costs nothing.
"""

from __future__ import annotations

from typing import Any

import simpy

from desim.kernel.checks import check_int
from desim.kernel.errors import ConfigError
from desim.kernel.module import Module, child_path
from desim.kernel.simulator import Simulator

__all__ = ["Clock"]


class Clock(Module):
    """A clock of integer period and phase, in base-clock cycles.

    Rising edges fall at ``phase_cycles + k * period_cycles`` for k = 0, 1, 2...

    Parameters
    ----------
    name : str
        Local name.
    parent : Module or Simulator
        Enclosing module.
    period_cycles : int
        Base cycles per cycle of this domain, >= 1.
    phase_cycles : int
        Time of the first edge, 0 <= phase_cycles < period_cycles.

    Examples
    --------
    A memory clocked at a third of the base clock, first edge at cycle 1:

    >>> sim = Simulator()
    >>> mem_clk = Clock("mem_clk", sim, period_cycles=3, phase_cycles=1)
    >>> edges = []
    >>> def controller():
    ...     for _ in range(3):
    ...         yield mem_clk.posedge()
    ...         edges.append(sim.now)
    >>> _ = sim.process(controller())
    >>> sim.run()
    7
    >>> edges, mem_clk.edges, mem_clk.to_base_cycles(4), mem_clk.to_domain_cycles(10)
    ([1, 4, 7], 3, 12, 3)
    >>> Clock("bad", sim, period_cycles=2.5)
    Traceback (most recent call last):
    ...
    desim.kernel.errors.ConfigError: clock 'bad': period_cycles must be an integer >= 1, got 2.5
    """

    def __init__(
        self, name: str, parent: Module | Simulator, period_cycles: int, phase_cycles: int = 0
    ) -> None:
        path = child_path(parent, name)
        check_int(f"clock {path!r}", "period_cycles", period_cycles, minimum=1)
        check_int(f"clock {path!r}", "phase_cycles", phase_cycles, minimum=0)
        if phase_cycles >= period_cycles:
            raise ConfigError(
                f"clock {path!r}: phase_cycles must be < period_cycles ({period_cycles}), "
                f"got {phase_cycles}"
            )
        super().__init__(name, parent)
        self.period_cycles = period_cycles
        self.phase_cycles = phase_cycles
        self._edge: simpy.Timeout | None = None
        self._edge_at = -1

    def edge_time(self, k: int) -> int:
        """Base cycle of rising edge ``k`` (k >= 0)."""
        return self.phase_cycles + k * self.period_cycles

    def next_edge(self, after: int | None = None) -> int:
        """Base cycle of the first edge strictly after ``after`` (default: now)."""
        t = self.sim.now if after is None else after
        if t < self.phase_cycles:
            return self.phase_cycles
        return self.edge_time((t - self.phase_cycles) // self.period_cycles + 1)

    @property
    def edges(self) -> int:
        """Edges at or before now: the current cycle count of this domain."""
        if self.sim.now < self.phase_cycles:
            return 0
        return (self.sim.now - self.phase_cycles) // self.period_cycles + 1

    def posedge(self) -> simpy.Event:
        """An event at the next rising edge (strictly after now)."""
        return self.wait_cycles(1)

    def wait_cycles(self, n: int) -> simpy.Event:
        """An event at the ``n``-th rising edge after now (n >= 1)."""
        check_int(f"clock {self.path!r}", "wait_cycles n", n, minimum=1)
        at = self.next_edge() + (n - 1) * self.period_cycles
        if at != self._edge_at:
            self._edge = self.env.timeout(at - self.sim.now)
            self._edge_at = at
        assert self._edge is not None
        return self._edge

    def to_base_cycles(self, domain_cycles: int) -> int:
        """A duration of ``domain_cycles`` of this clock, in base cycles."""
        return domain_cycles * self.period_cycles

    def to_domain_cycles(self, base_cycles: int) -> int:
        """Whole cycles of this clock in a duration of ``base_cycles`` base cycles."""
        return base_cycles // self.period_cycles

    def trace(self) -> str:
        """``path: period P phase F, edge N``."""
        period, phase = self.period_cycles, self.phase_cycles
        return f"{self.path}: period {period} phase {phase}, edge {self.edges}"

    def stats(self) -> dict[str, Any]:
        """Period, phase and edges so far."""
        return {
            "period_cycles": self.period_cycles,
            "phase_cycles": self.phase_cycles,
            "edges": self.edges,
        }
