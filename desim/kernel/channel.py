"""Bounded FIFO channels with latency (``sc_fifo`` plus a delay line).

Semantics
---------
A `Channel` of capacity ``C`` and latency ``L`` has ``C`` slots. A put completes as soon as a slot
is free, and the item occupies that slot until the cycle it is got; an item put at cycle ``t`` can
be got from cycle ``t + L``. A slot freed by a get can be refilled by a put in the same cycle
(as in ``sc_fifo``, whose free space is signalled within the time step). Order is kept and
nothing is dropped: a put on a full channel blocks its producer.

With ``r_k`` the cycle the producer asks to put item ``k`` and ``s_k`` the cycle the consumer asks
for it, the put and get completion cycles are therefore exactly::

    p_k = max(r_k, g_(k-C))        (a slot frees when the item C places ahead leaves)
    g_k = max(s_k, p_k + L)        (the item is visible L cycles after its put)

For a producer that puts once per cycle and a consumer that is always waiting this gives
``p_k = (k // C) * max(C, L) + k % C`` and ``g_k = p_k + L``: every item takes exactly ``L`` cycles
and the throughput is ``min(1, C / L)`` items per cycle. A link of latency ``L`` needs ``C >= L``
slots to stream at full rate. By Little's law the mean occupancy is throughput times the mean
residence (``items_in``, ``occupancy`` and ``residence`` stats check it).
"""

from __future__ import annotations

from collections import deque
from typing import Any, Generic, TypeVar

import simpy
from simpy.core import BoundClass
from simpy.resources.base import BaseResource
from simpy.resources.store import StoreGet, StorePut

from desim.kernel.checks import check_int
from desim.kernel.module import Module, child_path
from desim.kernel.simulator import Simulator
from desim.stats.counter import Counter
from desim.stats.level import TimeWeighted

__all__ = ["Channel"]

T = TypeVar("T")


class _DelayLine(BaseResource[StorePut, StoreGet]):
    """SimPy's request queues over slots whose items become visible ``latency`` cycles late."""

    put = BoundClass(StorePut)  # type: ignore[assignment]
    get = BoundClass(StoreGet)  # type: ignore[assignment]

    def __init__(self, channel: Channel[Any]) -> None:
        super().__init__(channel.env, channel.capacity)
        self.channel = channel
        self.slots: deque[tuple[int, Any]] = deque()  # (cycle it was put, item)
        self._wakeup_at: int | None = None

    def _do_put(self, event: StorePut) -> bool:
        if len(self.slots) >= self.channel.capacity:
            return False
        self.slots.append((self._env.now, event.item))
        self.channel.record_put()
        event.succeed()
        return True

    def _do_get(self, event: StoreGet) -> bool:
        if not self.slots:
            return False
        put_at, item = self.slots[0]
        visible_at = put_at + self.channel.latency_cycles
        if visible_at > self._env.now:
            self._wake_at(visible_at)
            return False
        self.slots.popleft()
        self.channel.record_get(put_at)
        event.succeed(item)
        return True

    def _wake_at(self, cycle: int) -> None:
        """Retry the waiting gets at ``cycle`` (one pending wake-up, only while someone waits)."""
        if self._wakeup_at != cycle:
            self._wakeup_at = cycle
            wakeup = self._env.timeout(cycle - self._env.now)
            wakeup.callbacks.append(self._on_wakeup)

    def _on_wakeup(self, _event: simpy.Event) -> None:
        if self._wakeup_at == self._env.now:
            self._wakeup_at = None
        self._trigger_get(None)


class Channel(Module, Generic[T]):
    """A bounded FIFO of items of type ``T`` with a fixed latency.

    Parameters
    ----------
    name : str
        Local name.
    parent : Module or Simulator
        Enclosing module.
    capacity : int
        Number of slots, >= 1.
    latency_cycles : int
        Cycles from a put until the item can be got, >= 0.

    Examples
    --------
    >>> sim = Simulator()
    >>> link: Channel[str] = Channel("link", sim, capacity=2, latency_cycles=3)
    >>> log = []
    >>> def producer():
    ...     for flit in "abc":
    ...         yield link.put(flit)
    ...         log.append(f"{sim.now}: put {flit}")
    >>> def consumer():
    ...     while True:
    ...         flit = yield link.get()
    ...         log.append(f"{sim.now}: got {flit}")
    >>> _ = sim.process(producer()), sim.process(consumer())
    >>> sim.run()
    6
    >>> log
    ['0: put a', '0: put b', '3: got a', '3: put c', '3: got b', '6: got c']
    >>> link.trace()
    'link: 0/2 items, in=3 out=3'
    """

    def __init__(
        self, name: str, parent: Module | Simulator, capacity: int = 1, latency_cycles: int = 0
    ) -> None:
        path = child_path(parent, name)
        check_int(f"channel {path!r}", "capacity", capacity, minimum=1)
        check_int(f"channel {path!r}", "latency_cycles", latency_cycles, minimum=0)
        super().__init__(name, parent)
        self.capacity = capacity
        self.latency_cycles = latency_cycles
        self.items_in = Counter("items_in")
        self.items_out = Counter("items_out")
        self.puts_blocked = Counter("puts_blocked")
        self.residence_cycles = Counter("residence_cycles")
        self.occupancy = TimeWeighted("occupancy", now=lambda: self.env.now)
        self._line = _DelayLine(self)

    def put(self, item: T) -> StorePut:
        """An event triggered once ``item`` has a slot; blocks while the channel is full."""
        event = self._line.put(item)
        if not event.triggered:
            self.puts_blocked.add()
        return event

    def get(self) -> StoreGet:
        """An event whose value is the oldest item, once it is visible; blocks while none is."""
        return self._line.get()

    @property
    def level(self) -> int:
        """Items in the channel (in flight or waiting to be got)."""
        return len(self._line.slots)

    def record_put(self) -> None:
        """Account for an item entering (called by the delay line)."""
        self.items_in.add()
        self.occupancy.add(1)

    def record_get(self, put_at: int) -> None:
        """Account for an item put at ``put_at`` leaving now (called by the delay line)."""
        self.items_out.add()
        self.residence_cycles.add(self.sim.now - put_at)
        self.occupancy.add(-1)

    def trace(self) -> str:
        """``path: level/capacity items, in=N out=M``."""
        return (
            f"{self.path}: {self.level}/{self.capacity} items, "
            f"in={self.items_in.value} out={self.items_out.value}"
        )

    def stats(self) -> dict[str, Any]:
        """Items in and out, blocked puts, occupancy and mean residence in cycles."""
        out = self.items_out.value
        return {
            **self.items_in.to_record(),
            **self.items_out.to_record(),
            **self.puts_blocked.to_record(),
            **self.occupancy.to_record(),
            "residence.mean_cycles": self.residence_cycles.value / out if out else float("nan"),
        }
