"""The simulator: one SimPy environment, integer cycles, one seeded random generator.

Besides owning the environment, the simulator implements the two SystemC scheduler phases SimPy
lacks: the *update phase* that commits the writes of primitive channels (`Signal`) once every
process runnable at the current time has run, and the *end of timestep* at which observers such as
the VCD writer sample values.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import simpy
from simpy.core import EventPriority, Infinity

if TYPE_CHECKING:
    from desim.kernel.module import Module
    from desim.kernel.vcd import VcdWriter

__all__ = ["Simulator", "PrimitiveChannel", "TimestepObserver", "UPDATE_PRIORITY"]

#: Heap priority of the update phase: after SimPy's URGENT (0) and NORMAL (1) events of the same
#: time, so every process of the current evaluation has run before a write becomes visible.
UPDATE_PRIORITY = EventPriority(2)


class PrimitiveChannel(Protocol):
    """A channel whose writes are committed in the update phase (``sc_prim_channel``)."""

    def update(self) -> None:
        """Commit the value written during the evaluation that just ended."""


class TimestepObserver(Protocol):
    """Something that looks at the model at the end of every timestep (e.g. `VcdWriter`)."""

    def sample(self, now: int) -> None:
        """Called at the start of each run and once the events of time ``now`` are done."""

    def flush(self, now: int) -> None:
        """Called when a run returns at time ``now``."""


class _UpdatePhase(simpy.Event):
    """A triggered event at the current time, processed after every NORMAL event of that time."""

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim.env)
        self._ok = True
        self._value = None
        self.callbacks.append(sim._update)
        sim.env.schedule(self, UPDATE_PRIORITY)


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
        self._update_requests: list[PrimitiveChannel] = []
        self._observers: list[TimestepObserver] = []

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
        """Check the hierarchy before simulation (every port bound exactly once).

        Raises
        ------
        ElaborationError
            Naming the first module or port that is malformed.
        """
        for module in self.modules():
            module.elaborate()

    def request_update(self, channel: PrimitiveChannel) -> None:
        """Have ``channel.update()`` called in the update phase of the current time.

        The first request of an evaluation schedules the phase; the channel asks once per write
        and deduplicates itself (``sc_prim_channel::request_update``).
        """
        if not self._update_requests:
            _UpdatePhase(self)
        self._update_requests.append(channel)

    def _update(self, _event: simpy.Event) -> None:
        requests, self._update_requests = self._update_requests, []
        for channel in requests:
            channel.update()

    def add_observer(self, observer: TimestepObserver) -> None:
        """Call ``observer.sample`` at the end of every timestep of the following runs."""
        self._observers.append(observer)

    def trace_vcd(self, path: str | Path, timescale: str = "1 ns") -> VcdWriter:
        """Open a `VcdWriter` on ``path`` sampled by this simulator; add values to it, then run.

        Examples
        --------
        >>> import os, tempfile
        >>> from desim.kernel import Module, Signal
        >>> sim = Simulator()
        >>> level = Signal("level", Module("top", sim), init=0)
        >>> path = os.path.join(tempfile.mkdtemp(), "wave.vcd")
        >>> with sim.trace_vcd(path) as vcd:
        ...     _ = vcd.add(level, width=4)
        ...     def count():
        ...         yield sim.env.timeout(1)
        ...         level.write(5)
        ...     _ = sim.process(count())
        ...     sim.run(cycles=3)
        3
        >>> print(open(path).read(), end="")  # doctest: +ELLIPSIS
        $version desim ... $end
        $timescale 1 ns $end
        $scope module top $end
        $var wire 4 ! level $end
        $upscope $end
        $enddefinitions $end
        #0
        $dumpvars
        b0 !
        $end
        #1
        b101 !
        #3
        """
        from desim.kernel.vcd import VcdWriter

        writer = VcdWriter(path, timescale)
        self.add_observer(writer)
        return writer

    def run(self, cycles: int | None = None, until: int | None = None) -> int:
        """Run for ``cycles`` cycles, until time ``until``, or (neither) until no event is left.

        Returns the time reached. Events scheduled exactly at ``until`` are left for the next
        run, as in ``sc_start``. Running "until quiescent" ends when every process waits on an
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
        if until == self.now:
            return self.now
        if self._observers:
            self._run_observed(Infinity if until is None else until)
        else:
            self.env.run(until=until)
        return self.now

    def _run_observed(self, until: float) -> None:
        """Step event by event so that observers see the end of every timestep."""
        env = self.env
        for observer in self._observers:
            observer.sample(self.now)
        while env.peek() < until:
            if env.peek() > env.now:
                self._end_timestep()
            env.step()
        self._end_timestep()
        if until != Infinity:
            env.run(until=until)
        for observer in self._observers:
            observer.flush(self.now)

    def _end_timestep(self) -> None:
        for observer in self._observers:
            observer.sample(self.now)

    def stats(self) -> list[dict[str, Any]]:
        """Every module's statistics as flat records ``{"module", "stat", "value"}``.

        ``pandas.DataFrame(sim.stats())`` gives one row per statistic.
        """
        return [
            {"module": module.path, "stat": stat, "value": value}
            for module in self.modules()
            for stat, value in module.stats().items()
        ]

    def trace(self) -> str:
        """One line of state per module, depth first (what a deadlock report prints)."""
        return "\n".join(module.trace() for module in self.modules())
