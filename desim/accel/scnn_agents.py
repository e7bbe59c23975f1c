"""SCNN's agents: PEs and the memory port, talking over the NoC, meeting at barriers.

What is simulated as events (the rest is the bulk `desim.accel.scnn_work`):

- the memory port streams each Kc group's compressed weights from DRAM to every PE, one
  packet-sized message after another (`WeightStream`: the flit format's packets, in stream
  order, channel by channel); the PE's weight buffer holds one group ahead, so group ``g`` is
  sent once every PE has finished group ``g - 2``;
- input tiles that come from DRAM (first layer, or a layer whose compressed input does not fit
  the IARAMs) are sent to their PEs; the first of ``passes`` parts before work starts, the others
  streamed while the PEs work;
- a layer that reads a max pool of a plane other layers read unpooled (an inception module's
  fourth branch) pools it as it starts: each PE sends its neighbours the values of its tile
  their windows read and compares in those it receives at the PPU's compare rate, before its
  first group;
- each PE multiplies a group channel by channel for the cycles the bulk model gives, each
  channel as soon as the packets holding its weights have arrived (the weight FIFO streams:
  the PE does not wait for the whole group), and arrives at the group barrier; every PE leaves
  when the last arrives (idle cycles counted);
- the accumulators are double-buffered: after the barrier, a drain process has the
  post-processing unit (`desim.accel.scnn_ppu`) read the output halos out and send them to their
  owners over the NoC, add the halos it owns as they arrive, read its own outputs out through
  ReLU and compression, and write them to its OARAM (or, when the layer's output overflows the
  OARAMs, to the memory port and DRAM); group ``g + 2`` cannot start before the drain of ``g``
  is done.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from desim.accel.fabric import Fabric
from desim.accel.memory import Dram, SramBank
from desim.accel.scnn_ppu import PostProcessing
from desim.kernel.module import Module
from desim.kernel.port import InPort, OutPort
from desim.kernel.simulator import Simulator
from desim.noc.packets import FlitFormat, StreamPacket

__all__ = ["WeightStream", "Schedule", "Barrier", "Mailbox", "ScnnPe", "MemoryPort"]


@dataclass(frozen=True)
class WeightStream:
    """One group's weights as the network carries them, and the cycles they gate.

    Attributes
    ----------
    message_bits : list of int
        Payload of each packet-sized message, in stream order.
    tails : numpy.ndarray
        ``(messages, pes)``: cycles of the channels that need message ``j`` or a later one (the
        channel's last weight is in it or beyond); ``tails[0]`` is the PE's whole group.
    """

    message_bits: list[int]
    tails: np.ndarray

    @classmethod
    def of(cls, channel_bits: np.ndarray, channel_cycles: np.ndarray, fmt: FlitFormat):  # type: ignore[no-untyped-def]
        """Cut a group's stream (``channel_bits`` per channel, ``channel_cycles`` ``(channels,
        pes)``) into the flit format's packets and tell which channel waits for which."""
        parts = fmt.split(int(channel_bits.sum()))
        ends = np.cumsum(parts)
        last = np.searchsorted(ends, np.cumsum(channel_bits), side="left")
        gated = np.zeros((len(parts), channel_cycles.shape[1]), dtype=np.int64)
        np.add.at(gated, np.minimum(last, len(parts) - 1), channel_cycles)
        return cls(parts, np.cumsum(gated[::-1], axis=0)[::-1])

    def finish(self, start: int, arrivals: Sequence[int], pe: int) -> int:
        """When PE ``pe``, free from ``start``, is done with the group whose messages arrived at
        ``arrivals``: channel by channel, each once its weights are in (closed form of
        ``t = max(t, arrival_j) + cycles gated by j``)."""
        tail = self.tails[:, pe]
        return int(max(start + tail[0], max(a + t for a, t in zip(arrivals, tail, strict=True))))


@dataclass
class Schedule:
    """What one layer asks of the agents (sizes in bits, cycles per group and PE).

    Attributes
    ----------
    weights : list of WeightStream
        Per group, its compressed weights on the network and the PEs' cycles they gate.
    halo_areas : numpy.ndarray
        ``(pes, pes)``: partial sums per output channel PE ``t`` sends PE ``u`` after a group.
    pool_areas : numpy.ndarray or None
        ``(pes, pes)``: outputs per output channel PE ``t`` sends PE ``u`` for its pool windows
        after a group, ``pool_bits`` each (None: the layer has no pool).
    input_pool_areas : numpy.ndarray or None
        ``(pes, pes)``: values per input channel PE ``t`` sends PE ``u`` for the windows of its
        input pool as the layer starts, ``pool_bits`` each (None: no input pool).
    input_channels : int
        The layer's input channels (what an input pool exchanges).
    group_channels : list of int
        Output channels of each group (a halo is ``area x channels x halo_bits``).
    output_bits : list of list of int
        ``[group][pe]``: the compressed output tile written after the group.
    owned_sums : list of list of int
        ``[group][pe]``: the partial sums of the PE's own outputs its PPU reads out after the
        group (empty: none charged).
    input_bits : list of int
        Per PE, compressed input tile bits delivered from DRAM (empty: already on chip).
    input_passes : int
        Parts the DRAM-delivered input comes in (IARAM capacity).
    output_to_dram : bool
        The layer's output does not fit the OARAMs and goes to DRAM.
    dram_weight_passes : int
        Times the weights are read from DRAM (once per input pass).
    kc : int
        Output channels per group (0 for a fully connected layer).
    halo_bits : int
        Bits per halo partial sum on the network.
    ppu : PostProcessing
        The post-processing unit's rates.
    """

    weights: list[WeightStream]
    halo_areas: np.ndarray
    group_channels: list[int]
    output_bits: list[list[int]]
    pool_areas: np.ndarray | None = None
    pool_bits: int = 16
    input_pool_areas: np.ndarray | None = None
    input_channels: int = 0
    owned_sums: list[list[int]] = field(default_factory=list)
    input_bits: list[int] = field(default_factory=list)
    input_passes: int = 1
    output_to_dram: bool = False
    dram_weight_passes: int = 1
    kc: int = 0
    halo_bits: int = 24
    ppu: PostProcessing = field(default_factory=PostProcessing)


class Barrier:
    """All ``parties`` meet once per group; `arrive` returns the release event."""

    def __init__(self, env: simpy.Environment, parties: int, groups: int) -> None:
        self.env = env
        self.parties = parties
        self.released = [env.event() for _ in range(groups)]
        self._arrived = [0] * groups
        self.idle_cycles = 0
        self.release_cycles: list[int] = []
        self._arrival_times: list[list[int]] = [[] for _ in range(groups)]

    def arrive(self, group: int) -> simpy.Event:
        """Arrive at ``group``'s barrier."""
        self._arrived[group] += 1
        self._arrival_times[group].append(int(self.env.now))
        if self._arrived[group] == self.parties:
            now = int(self.env.now)
            self.idle_cycles += sum(now - t for t in self._arrival_times[group])
            self.release_cycles.append(now)
            self.released[group].succeed()
        return self.released[group]


class Mailbox:
    """Sorts a terminal's whole messages by tag: `wait` for one, whenever it arrives."""

    def __init__(self, env: simpy.Environment, rx: InPort[Any]) -> None:
        self.env = env
        self.rx = rx
        self._events: dict[Any, simpy.Event] = {}
        self.arrived: dict[Any, int] = {}  # tag -> cycle its message arrived
        env.process(self._receive())

    def wait(self, tag: Any) -> simpy.Event:
        """An event that fires once message ``tag`` has arrived (all its packets)."""
        if tag in self.arrived:
            return self.env.event().succeed()
        if tag not in self._events:
            self._events[tag] = self.env.event()
        return self._events[tag]

    def _receive(self) -> Generator[Any, Any, None]:
        """Record every arrival; fire an event only for a message someone waits for (most
        weight packets are only looked up, once the group's last one is in)."""
        while True:
            packet = yield self.rx.get()
            self.arrived[packet.payload] = int(self.env.now)
            waiting = self._events.pop(packet.payload, None)
            if waiting is not None:
                waiting.succeed()


class _Agent(Module):
    """A module with a port pair bound to its fabric terminal."""

    def __init__(self, name: str, parent: Module | Simulator, fabric: Fabric, tid: int) -> None:
        super().__init__(name, parent)
        self.tid = tid
        self.fabric = fabric
        self.tx: OutPort[Any] = OutPort("tx", self)
        self.rx: InPort[Any] = InPort("rx", self)
        self.tx.bind(fabric.terminal(tid))
        self.rx.bind(fabric.terminal(tid))

    def send(self, destinations: Sequence[int], bits: int, tag: Any) -> simpy.Event:
        """Send message ``tag`` of ``bits`` payload to ``destinations``."""
        return self.tx.put(StreamPacket(self.tid, tuple(destinations), max(1, bits), tag))


class ScnnPe(_Agent):
    """One PE: waits for weights, multiplies, meets the barrier, drains its accumulators."""

    def __init__(  # noqa: PLR0913
        self,
        name: str,
        parent: Module | Simulator,
        fabric: Fabric,
        index: int,
        schedule: Schedule,
        barrier: Barrier,
        oaram: SramBank,
        memory_tid: int,
    ) -> None:
        super().__init__(name, parent, fabric, fabric.pe_tids[index])
        self.index = index
        self.schedule = schedule
        self.barrier = barrier
        self.oaram = oaram
        self.memory_tid = memory_tid
        self.mailbox = Mailbox(self.env, self.rx)
        self.drains: list[simpy.Process] = []
        self.halo_out = _partners(schedule.halo_areas, index)
        self.busy_cycles = 0
        self.weight_wait_cycles = 0  # multiplier array idle, its channel's weights not yet in
        self.buffer_wait_cycles = 0  # waiting for the drain of group g - 2 (double buffer)
        self.drain_cycles = 0  # barrier to the OARAM write: PPU work and halo waits
        self.input_pool_cycles = 0  # the input pool's exchange and compares, before group 0
        self.process(self._run())

    def _run(self) -> Generator[Any, Any, None]:
        sched = self.schedule
        if sched.input_bits:
            yield self.mailbox.wait(("input", self.index, 0))
        if sched.input_pool_areas is not None:
            began = int(self.env.now)
            yield from self._exchange(
                ("input pool",),
                sched.input_pool_areas,
                sched.input_channels,
                sched.pool_bits,
                sched.ppu.compare_finish,
            )
            self.input_pool_cycles = int(self.env.now) - began
        for group, stream in enumerate(sched.weights):
            if group >= 2:
                blocked = int(self.env.now)
                yield self.drains[group - 2]
                self.buffer_wait_cycles += int(self.env.now) - blocked
            start = int(self.env.now)
            tags = [("weights", group, j) for j in range(len(stream.message_bits))]
            yield self.mailbox.wait(tags[-1])
            for tag in tags:  # packets may overtake each other on other routes
                if tag not in self.mailbox.arrived:
                    yield self.mailbox.wait(tag)
            arrivals = [self.mailbox.arrived[tag] for tag in tags]
            yield self.env.timeout(stream.finish(start, arrivals, self.index) - self.env.now)
            self.busy_cycles += int(stream.tails[0, self.index])
            self.weight_wait_cycles += int(self.env.now) - start - int(stream.tails[0, self.index])
            yield self.barrier.arrive(group)
            self.drains.append(self.process(self._drain(group)))
        if sched.input_bits:
            for part in range(1, sched.input_passes):
                yield self.mailbox.wait(("input", self.index, part))

    def _drain(self, group: int) -> Generator[Any, Any, None]:
        sched = self.schedule
        channels, ppu = sched.group_channels[group], sched.ppu
        began = int(self.env.now)
        if group and ppu.modelled and not self.drains[group - 1].processed:
            yield self.drains[group - 1]  # one PPU: the previous group's drain goes first
        yield from self._ppu(ppu.read_cycles(sum(area for _, area in self.halo_out) * channels))
        yield from self._exchange(
            ("halo", group), sched.halo_areas, channels, sched.halo_bits, ppu.add_finish
        )
        if sched.owned_sums:
            yield from self._ppu(ppu.read_cycles(sched.owned_sums[group][self.index]))
        if sched.pool_areas is not None:
            yield from self._exchange(
                ("pool", group), sched.pool_areas, channels, sched.pool_bits, ppu.compare_finish
            )
        self.drain_cycles += int(self.env.now) - began
        bits = sched.output_bits[group][self.index]
        if sched.output_to_dram:
            yield self.send((self.memory_tid,), bits, ("output", group, self.index))
        else:
            self.oaram.allocate(-(-bits // 8), f"group {group} outputs")
            yield self.oaram.write(bits)

    def _exchange(  # noqa: PLR0913
        self,
        exchange: tuple[Any, ...],
        areas: np.ndarray,
        channels: int,
        value_bits: int,
        fold: Callable[[int, list[tuple[int, int]]], int],
    ) -> Generator[Any, Any, None]:
        """Send every PE the values of this PE it needs (``areas[self, u]`` per channel, for
        ``channels``), and fold in those it receives as they arrive (``fold``: the PPU's adder
        for the halo, its comparator for a pool: `PostProcessing.add_finish`,
        `compare_finish`); ``exchange`` names it in the messages' tags (kind, group)."""
        sends = [
            self.send(
                (self.fabric.pe_tids[owner],),
                area * channels * value_bits,
                (*exchange, self.index),
            )
            for owner, area in _partners(areas, self.index)
        ]
        senders = [int(t) for t in np.flatnonzero(areas[:, self.index])]
        tags = [(*exchange, sender) for sender in senders]
        incoming = [self.mailbox.wait(tag) for tag in tags]
        start = int(self.env.now)
        yield self.env.all_of(sends + incoming)
        folded = fold(
            start,
            [
                (self.mailbox.arrived[tag], int(areas[sender, self.index]) * channels)
                for tag, sender in zip(tags, senders, strict=True)
            ],
        )
        yield from self._ppu(max(0, folded - int(self.env.now)))

    def _ppu(self, cycles: int) -> Generator[Any, Any, None]:
        """The PPU busy for ``cycles`` (no event when there is nothing to do)."""
        if cycles > 0:
            yield self.env.timeout(cycles)


def _partners(areas: np.ndarray, pe: int) -> list[tuple[int, int]]:
    """``(PE u, values per output channel)`` for every PE that ``pe`` sends something to."""
    return [(int(u), int(areas[pe, u])) for u in np.flatnonzero(areas[pe])]


class MemoryPort(_Agent):
    """DRAM controller and weight broadcaster on the memory terminal.

    ``dram_bytes`` counts what it moves by use: ``weights`` read (once per input pass),
    ``input`` read, ``output`` written.
    """

    def __init__(  # noqa: PLR0913
        self,
        name: str,
        parent: Module | Simulator,
        fabric: Fabric,
        schedule: Schedule,
        barrier: Barrier,
        dram: Dram,
    ) -> None:
        super().__init__(name, parent, fabric, fabric.memory_tid)
        self.schedule = schedule
        self.barrier = barrier
        self.dram = dram
        self.mailbox = Mailbox(self.env, self.rx)
        self.dram_bytes = {"weights": 0, "input": 0, "output": 0}
        self.process(self._weights())
        if schedule.input_bits:
            self.process(self._inputs())
        if schedule.output_to_dram:
            self.process(self._outputs())

    def _weights(self) -> Generator[Any, Any, None]:
        """Stream each group's weights: DRAM reads queue back to back on the channel, each
        packet-sized message leaves as soon as its read is done."""
        everyone = tuple(self.fabric.pe_tids)
        passes = self.schedule.dram_weight_passes
        for group, stream in enumerate(self.schedule.weights):
            if group >= 2:
                yield self.barrier.released[group - 2]
            ends = np.cumsum(stream.message_bits) * passes
            nbytes = np.diff(-(-ends // 8), prepend=0)  # the group's bytes, cut per message
            reads = [self.dram.read(int(n)) for n in nbytes]
            self.dram_bytes["weights"] += int(nbytes.sum())
            for j, (read, bits) in enumerate(zip(reads, stream.message_bits, strict=True)):
                yield read
                self.send(everyone, bits, ("weights", group, j))

    def _inputs(self) -> Generator[Any, Any, None]:
        sched = self.schedule
        for part in range(sched.input_passes):
            share = [-(-bits // sched.input_passes) for bits in sched.input_bits]
            self.dram_bytes["input"] += -(-sum(share) // 8)
            yield self.dram.read(-(-sum(share) // 8))
            for pe, bits in enumerate(share):
                self.send((self.fabric.pe_tids[pe],), bits, ("input", pe, part))

    def _outputs(self) -> Generator[Any, Any, None]:
        """Write each PE's outputs to DRAM as they arrive (writes queue on the channel; their
        latency overlaps)."""
        writes = []
        for group, per_pe in enumerate(self.schedule.output_bits):
            for pe, bits in enumerate(per_pe):
                yield self.mailbox.wait(("output", group, pe))
                self.dram_bytes["output"] += -(-bits // 8)
                writes.append(self.dram.write(-(-bits // 8)))
        yield self.env.all_of(writes)
