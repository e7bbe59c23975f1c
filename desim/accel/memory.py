"""Memories as agents: SRAM banks and a DRAM channel.

Both are kernel `Module`s whose accesses are SimPy processes: an access waits for a free port
(requests to a busy bank queue: bank conflicts cost real cycles), holds it for the cycles the
access takes, and counts its bits for the energy model (`desim.energy`).

An SRAM access of ``b`` bits on a ``w``-bit-wide bank takes ``latency_cycles + ceil(b / w) - 1``
cycles (the first word after the access latency, then one word per cycle). A DRAM transfer of
``n`` bytes holds the channel ``ceil(n / bandwidth)`` cycles and completes ``latency_cycles``
later (the latency is pipelined: it does not hold the channel).

Examples
--------
>>> from desim.kernel import Simulator
>>> from desim.energy import ActionCounts
>>> sim, counts = Simulator(seed=0), ActionCounts()
>>> bank = SramBank("iaram", sim, capacity_bytes=10 * 1024, width_bits=64, counts=counts)
>>> def pe(sim):
...     yield bank.write(256)   # 4 words
...     yield bank.read(64)
>>> _ = sim.process(pe(sim)); _ = sim.run()
>>> sim.now, counts.total("sram_write"), counts.total("sram_read")
(5, 256, 64)
"""

from __future__ import annotations

from typing import Any

import simpy

from desim.config import require
from desim.energy import ActionCounts
from desim.kernel.checks import check_int
from desim.kernel.errors import DesimError
from desim.kernel.module import Module
from desim.kernel.simulator import Simulator
from desim.stats import TimeWeighted

__all__ = ["SramBank", "Dram", "CapacityError"]


class CapacityError(DesimError):
    """A memory asked to hold more than it can (names the memory and the sizes)."""


class SramBank(Module):
    """An SRAM bank: capacity, word width, ports, access latency; counts bits read and written.

    Parameters
    ----------
    name, parent
        Module name and parent.
    capacity_bytes : int
        What it can hold (`allocate` beyond it raises `CapacityError`).
    width_bits : int
        Bits per word (one word per cycle per port once an access has started).
    ports : int
        Concurrent accesses; more requests queue (first come, first served).
    latency_cycles : int
        Cycles to the first word.
    counts : ActionCounts, optional
        Where reads and writes are counted (energy is priced by this bank's capacity).
    component : str
        The component kind its actions are counted under (``"iaram"``, ``"glb"``...).
    """

    def __init__(
        self,
        name: str,
        parent: Module | Simulator,
        capacity_bytes: int,
        width_bits: int = 64,
        ports: int = 1,
        latency_cycles: int = 1,
        counts: ActionCounts | None = None,
        component: str = "sram",
    ) -> None:
        super().__init__(name, parent)
        for field, value in (
            ("capacity_bytes", capacity_bytes),
            ("width_bits", width_bits),
            ("ports", ports),
            ("latency_cycles", latency_cycles),
        ):
            check_int(self.path, field, value, 1)
        self.capacity_bytes = capacity_bytes
        self.width_bits = width_bits
        self.latency_cycles = latency_cycles
        self.counts = counts if counts is not None else ActionCounts()
        self.component = component
        self._ports = simpy.Resource(self.env, ports)
        self.used_bytes = 0
        self.occupancy = TimeWeighted(f"{self.path}.occupancy_bytes", lambda: self.env.now)
        self.conflict_cycles = 0  # cycles requests spent waiting for a port

    def allocate(self, nbytes: int, what: str = "data") -> None:
        """Reserve ``nbytes``; raise `CapacityError` naming the bank if it does not fit."""
        if self.used_bytes + nbytes > self.capacity_bytes:
            raise CapacityError(
                f"{self.path}: {what} needs {nbytes} bytes, {self.capacity_bytes - self.used_bytes}"
                f" of {self.capacity_bytes} are free"
            )
        self.used_bytes += nbytes
        self.occupancy.set(self.used_bytes)

    def free(self, nbytes: int) -> None:
        """Release ``nbytes`` reserved by `allocate`."""
        if nbytes > self.used_bytes:
            raise CapacityError(f"{self.path}: freeing {nbytes} bytes, {self.used_bytes} held")
        self.used_bytes -= nbytes
        self.occupancy.set(self.used_bytes)

    def access_cycles(self, bits: int) -> int:
        """Cycles one access of ``bits`` holds a port."""
        return self.latency_cycles + max(0, -(-bits // self.width_bits) - 1)

    def read(self, bits: int) -> simpy.Process:
        """Read ``bits``: a process that ends when the last word is out."""
        return self.process(self._access("sram_read", bits))

    def write(self, bits: int) -> simpy.Process:
        """Write ``bits``: a process that ends when the last word is in."""
        return self.process(self._access("sram_write", bits))

    def _access(self, action: str, bits: int):  # type: ignore[no-untyped-def]
        asked = self.env.now
        with self._ports.request() as port:
            yield port
            self.conflict_cycles += int(self.env.now - asked)
            yield self.env.timeout(self.access_cycles(bits))
        self.counts.add(self.component, action, bits, size_bytes=self.capacity_bytes)

    def trace(self) -> str:
        return (
            f"{self.path}: {self.used_bytes}/{self.capacity_bytes} bytes, "
            f"{self._ports.count} accesses in progress, {len(self._ports.queue)} queued"
        )

    def stats(self) -> dict[str, Any]:
        return {
            "capacity_bytes": self.capacity_bytes,
            "used_bytes": self.used_bytes,
            "conflict_cycles": self.conflict_cycles,
            **self.occupancy.to_record(),
        }


class Dram(Module):
    """One DRAM channel: bandwidth in bytes per accelerator cycle, a pipelined latency, a queue.

    Parameters
    ----------
    bandwidth_bytes_per_cycle : float
        E.g. 50 for SCNN's 50 GB/s at a 1 GHz accelerator clock.
    latency_cycles : int
        From the end of a transfer's burst to its completion.
    """

    def __init__(
        self,
        name: str,
        parent: Module | Simulator,
        bandwidth_bytes_per_cycle: float = 50.0,
        latency_cycles: int = 100,
        counts: ActionCounts | None = None,
    ) -> None:
        super().__init__(name, parent)
        require(
            isinstance(bandwidth_bytes_per_cycle, int | float)
            and not isinstance(bandwidth_bytes_per_cycle, bool)
            and bandwidth_bytes_per_cycle > 0,
            f"{self.path}: bandwidth_bytes_per_cycle must be a number > 0, "
            f"got {bandwidth_bytes_per_cycle!r}",
        )
        check_int(self.path, "latency_cycles", latency_cycles, 0)
        self.bandwidth = float(bandwidth_bytes_per_cycle)
        self.latency_cycles = latency_cycles
        self.counts = counts if counts is not None else ActionCounts()
        self._channel = simpy.Resource(self.env, 1)
        self.bytes_read = self.bytes_written = 0
        self.busy_cycles = 0

    def burst_cycles(self, nbytes: int) -> int:
        """Cycles ``nbytes`` hold the channel."""
        return -(-int(nbytes * 1000) // int(self.bandwidth * 1000)) if nbytes else 0

    def read(self, nbytes: int) -> simpy.Process:
        """Read ``nbytes``: a process that ends when they have arrived."""
        return self.process(self._transfer(nbytes, write=False))

    def write(self, nbytes: int) -> simpy.Process:
        """Write ``nbytes``: a process that ends when they are stored."""
        return self.process(self._transfer(nbytes, write=True))

    def _transfer(self, nbytes: int, write: bool):  # type: ignore[no-untyped-def]
        burst = self.burst_cycles(nbytes)
        with self._channel.request() as channel:
            yield channel
            yield self.env.timeout(burst)
        self.busy_cycles += burst
        if write:
            self.bytes_written += nbytes
        else:
            self.bytes_read += nbytes
        self.counts.add("dram", "dram", 8 * nbytes)
        yield self.env.timeout(self.latency_cycles)

    def trace(self) -> str:
        return f"{self.path}: {len(self._channel.queue)} transfers queued"

    def stats(self) -> dict[str, Any]:
        return {
            "bytes_read": self.bytes_read,
            "bytes_written": self.bytes_written,
            "busy_cycles": self.busy_cycles,
        }
