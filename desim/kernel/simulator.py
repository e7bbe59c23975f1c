"""The simulator: one SimPy environment, integer cycles, one seeded random generator."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

if TYPE_CHECKING:
    from desim.kernel.module import Module

__all__ = ["Simulator"]


class Simulator:
    """Owns the SimPy environment in which every module's processes run.

    Time is an integer number of cycles of the base clock (``env.now``). One
    ``numpy.random.Generator`` per run, seeded once, is handed to the modules: same seed, same
    numbers.

    Parameters
    ----------
    seed : int
        Seed of the run's random generator.
    name : str
        Root of every module's hierarchical path.

    Examples
    --------
    >>> sim = Simulator(seed=1)
    >>> def blink(env, log):
    ...     while True:
    ...         yield env.timeout(3)
    ...         log.append(env.now)
    >>> log = []
    >>> _ = sim.process(blink(sim.env, log))
    >>> sim.run(cycles=10)
    10
    >>> log
    [3, 6, 9]
    """

    def __init__(self, seed: int = 0, name: str = "top") -> None:
        self.env = simpy.Environment()
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.name = name
        self.top: list[Module] = []

    @property
    def now(self) -> int:
        """Current time in base-clock cycles."""
        return int(self.env.now)

    def process(self, generator: Generator[Any, Any, Any]) -> simpy.Process:
        """Start a SimPy process (an ``SC_THREAD``)."""
        return self.env.process(generator)

    def modules(self) -> Iterator[Module]:
        """Every module of the hierarchy, depth first."""
        for module in self.top:
            yield from module.walk()

    def elaborate(self) -> None:
        """Check the hierarchy before simulation (every port bound exactly once)."""
        for module in self.modules():
            module.elaborate()

    def run(self, cycles: int | None = None, until: int | None = None) -> int:
        """Run for ``cycles`` cycles, until time ``until``, or (neither) until no event is left.

        Returns the time reached. Running "until quiescent" ends when every process waits on an
        event that nobody will trigger.
        """
        if cycles is not None and until is not None:
            raise ValueError("give cycles or until, not both")
        if cycles is not None:
            if cycles < 0:
                raise ValueError(f"cycles must be >= 0, got {cycles}")
            until = self.now + int(cycles)
        if until is not None and until < self.now:
            raise ValueError(f"until={until} is in the past (now={self.now})")
        self.env.run(until=until)
        return self.now
