"""SparseNN's agents: processing elements and the memory port, talking over the fabric.

A `SparsePE` owns the rows ``out_owner == pe`` of a layer (their weight rows in its weight SRAM,
their ``U`` rows and the ``V`` columns of the input entries it owns in its predictor SRAM) and
the input entries ``in_owner == pe`` (the outputs it produced in the previous layer, in its input
buffer). One layer, for one sample:

1. **inputs**: the PE multicasts its non-zero entries ``(index, value)`` to every other PE that
   owns rows of the layer, in packets of as many entries as fit one packet
   (`desim.noc.packets.FlitFormat`); in the first layer the memory port multicasts them all
   instead, in full packets, to every PE;
2. **prediction** (SparseNN only): the PE computes its partial ``V x`` over its own non-zero
   entries (``r`` MACs each), adds its children's partials as they arrive and sends the sum to
   its parent on a shortest-path spanning tree rooted at the mesh centre (an in-network
   reduction: each PE receives at most four partials, not the root all ``P - 1``); the root
   multicasts ``z`` to the PEs owning rows, which compute ``p = U_rows z + b`` and keep the rows
   with ``p > 0``; on the dedicated tree the vectors stream cut-through (a cycle a hop, an
   adder stage a node, the words once);
3. **feed-forward**: for the kept rows, the products with the entries at hand: its own first,
   then, each time the multipliers free up, every packet arrived meanwhile; a step of ``k`` MACs
   holds the multipliers ``ceil(k / multipliers)`` cycles and the weight SRAM for the ``16 k``
   bits it reads, whichever is longer;
4. **outputs**: the surviving non-zero outputs go to the PE's input buffer, where they are the
   next layer's compressed input (owned by this PE); the last layer's go to the memory port.

A PE still finishing the previous layer joins the layer ``start`` cycles late (the hand-off of
`desim.accel.sparsenn`).

The arithmetic is done by the agents on the values they received (numpy per step), so the
assembled outputs check the dataflow, not a copy of the reference.

References
----------
.. [1] J. Zhu et al., "SparseNN", DATE 2018.
.. [2] S. Han et al., "EIE", ISCA 2016 (broadcast of non-zero inputs to interleaved rows).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from desim.accel.base import PeState
from desim.accel.fabric import Terminal
from desim.accel.memory import Dram, SramBank
from desim.accel.sparsenn_plan import Predictor, compute_cycles
from desim.energy import ActionCounts
from desim.kernel.module import Module
from desim.kernel.port import InPort, OutPort
from desim.kernel.signal import Signal
from desim.kernel.simulator import Simulator
from desim.noc.packets import StreamPacket

__all__ = ["Message", "LayerJob", "SparsePE", "MemoryPort", "PHASES"]

#: The NoC phase of each message kind (flits and flit-hops are reported per phase).
PHASES = {
    "load": "load",
    "x": "inputs",
    "partial": "prediction",
    "z": "prediction",
    "out": "outputs",
}


@dataclass(frozen=True, eq=False)
class Message:
    """What a packet carries: its kind (a key of `PHASES`), the sender and the entries."""

    kind: str
    sender: int
    indices: np.ndarray
    values: np.ndarray


@dataclass(eq=False)
class LayerJob:
    """One layer for one sample, as every agent of the array sees it.

    ``entries`` are the input indices that travel (non-zero ones, or all for the dense
    baseline); ``entry_bits`` the size of one on the wire (index and value, or the value alone);
    ``chunk`` how many fit one packet; ``weight_bits`` one weight's width; ``parent`` each PE's
    parent in the reduction tree (the root's is -1); ``tree_width_bits`` the width of the
    dedicated tree's links (None: the tree's messages travel the NoC); ``peers`` the PEs.
    """

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    predictor: Predictor | None
    relu: bool
    in_owner: np.ndarray
    out_owner: np.ndarray
    entries: np.ndarray
    entry_bits: int
    chunk: int
    root: int
    parent: list[int]
    first: bool
    last: bool
    weight_bits: int
    accumulator_bits: int
    multipliers: int
    sram_latency_cycles: int
    pe_tids: list[int]
    memory_tid: int
    counts: ActionCounts
    tree_width_bits: int | None = None
    peers: list[SparsePE] = field(default_factory=list)
    outputs: np.ndarray = field(init=False)
    mask: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.outputs = np.zeros(self.weight.shape[0], dtype=np.float32)
        self.mask = np.zeros(self.weight.shape[0], dtype=bool)

    def own_entries(self, pe: int) -> np.ndarray:
        """The travelling entries PE ``pe`` holds."""
        return self.entries[self.in_owner[self.entries] == pe]

    def packets_from(self, pe: int) -> int:
        """Packets PE ``pe`` multicasts to its peers (none in the first layer)."""
        return 0 if self.first else -(-len(self.own_entries(pe)) // self.chunk)

    def load_packets(self) -> int:
        """Packets the memory port multicasts in the first layer (none in the others)."""
        return -(-len(self.entries) // self.chunk) if self.first else 0

    def expected(self, pe: int) -> int:
        """Input packets PE ``pe`` receives: the port's (first layer) or its peers'."""
        if self.first:
            return self.load_packets()
        return sum(self.packets_from(i) for i in range(len(self.pe_tids)) if i != pe)

    def has_rows(self, pe: int) -> bool:
        """Whether PE ``pe`` owns rows of this layer (only those receive inputs and ``z``)."""
        return bool(np.any(self.out_owner == pe))

    def receivers(self, pe: int) -> tuple[int, ...]:
        """The terminals of the PEs other than ``pe`` that own rows."""
        return tuple(t for i, t in enumerate(self.pe_tids) if i != pe and self.has_rows(i))

    def load_receivers(self) -> tuple[int, ...]:
        """Where the port's first-layer multicast goes: every PE with rows, and, with a
        predictor, every PE (each computes the partial ``V x`` over the entries it owns)."""
        if self.predictor is not None:
            return tuple(self.pe_tids)
        return self.receivers(-1)


def _chunks(indices: np.ndarray, size: int) -> list[np.ndarray]:
    return [indices[i : i + size] for i in range(0, len(indices), size)]


class _Agent(Module):
    """A module on a terminal: ports bound to it, and one mailbox per message kind."""

    def __init__(self, name: str, parent: Module | Simulator, terminal: Terminal) -> None:
        super().__init__(name, parent)
        self.tid = terminal.tid
        self.tx: OutPort[StreamPacket] = OutPort("tx", self)
        self.rx: InPort[StreamPacket] = InPort("rx", self)
        self.tx.bind(terminal)
        self.rx.bind(terminal)
        self.mailbox = {kind: simpy.Store(self.env) for kind in PHASES}
        self.process(self._dispatch())

    def _dispatch(self) -> Generator[Any, Any, None]:
        while True:
            packet = yield self.rx.get()
            self.on_arrival(packet.payload)
            self.mailbox[packet.payload.kind].put(packet.payload)

    def on_arrival(self, message: Message) -> None:
        """Hook: account for a message as it arrives (before it is consumed)."""

    def send(self, message: Message, bits: int, destinations: tuple[int, ...]) -> simpy.Event:
        """Put ``message`` (``bits`` of payload) on the network to ``destinations``."""
        return self.tx.put(StreamPacket(self.tid, destinations, bits, message))


class SparsePE(_Agent):
    """One processing element (see the module docstring for its phases)."""

    def __init__(
        self,
        name: str,
        parent: Module | Simulator,
        index: int,
        terminal: Terminal,
        job: LayerJob,
        banks: dict[str, tuple[int, int, int, int]],
        start: int = 0,
    ) -> None:
        self.index, self.job, self.start = index, job, start
        super().__init__(name, parent, terminal)
        self.memories = {kind: self._bank(kind, *spec) for kind, spec in banks.items()}
        self.rows = np.flatnonzero(job.out_owner == index)
        self.busy_cycles = 0
        self.started = self.mask_ready = self.done = self.predictor_delay = 0
        self.arrivals: list[int] = []
        self.expected = job.expected(index)
        self.inputs_in = self.env.event()
        self.state = Signal("state", self, int(PeState.WAITING))
        self.process(self._layer())

    def _bank(self, kind: str, capacity: int, width: int, earlier: int, layer: int) -> SramBank:
        """A local SRAM holding earlier layers' share and this layer's (`CapacityError` if not)."""
        bank = SramBank(
            kind,
            self,
            capacity,
            width,
            latency_cycles=self.job.sram_latency_cycles,
            counts=self.job.counts,
            component=f"{kind}_sram",
        )
        bank.allocate(earlier, "earlier layers")
        bank.allocate(layer, "this layer")
        return bank

    def on_arrival(self, message: Message) -> None:
        if message.kind in ("x", "load"):
            self.memories["input"].write(len(message.indices) * self.job.entry_bits)
            self.arrivals.append(int(self.env.now))
            if len(self.arrivals) == self.expected:
                self.inputs_in.succeed()

    def _step(self, macs: int, memory: str, component: str) -> Generator[Any, Any, None]:
        """``macs`` multiply-accumulates reading one operand each from ``memory``."""
        if macs == 0:
            return
        job = self.job
        job.counts.add(component, "mul16", macs)
        job.counts.add(component, "add24", macs)
        cycles = compute_cycles(macs, job.multipliers)
        self.busy_cycles += cycles
        read = self.memories[memory].read(macs * job.weight_bits)
        self.state.write(int(PeState.BUSY))
        yield self.env.all_of([read, self.env.timeout(cycles)])
        self.state.write(int(PeState.WAITING))

    def _layer(self) -> Generator[Any, Any, None]:
        job = self.job
        if self.start:
            yield self.env.timeout(self.start)  # still finishing the previous layer
        self.started = int(self.env.now)
        own = job.own_entries(self.index)
        others = job.receivers(self.index)
        for chunk in _chunks(own, job.chunk) if others and not job.first else []:
            self.send(
                Message("x", self.index, chunk, job.x[chunk]), len(chunk) * job.entry_bits, others
            )
        rows = self.rows
        if job.predictor is not None:
            if job.first and job.load_packets():
                yield self.inputs_in  # its own entries are somewhere in the port's stream
            rows = yield from self._predict(own)
        self.mask_ready = int(self.env.now)
        job.mask[rows] = True
        if len(self.rows):
            yield from self._feed_forward(rows, own[:0] if job.first else own)
        self.done = int(self.env.now)
        self.state.write(int(PeState.DONE))

    def _predict(self, own: np.ndarray) -> Generator[Any, Any, np.ndarray]:
        """Partial ``V x`` plus the children's, up the tree; ``z`` back; ``p = U z + b``: the
        kept rows."""
        job, predictor = self.job, self.job.predictor
        assert predictor is not None
        r = predictor.rank
        z = predictor.v[:, own] @ job.x[own]
        yield from self._step(len(own) * r, "predictor", "predictor")
        children = job.parent.count(self.index)
        for _ in range(children):
            z = z + (yield self.mailbox["partial"].get()).values
            job.counts.add("predictor", "add24", r)
            if job.tree_width_bits is None:  # whole packets, added on the PE's adders
                yield self.env.timeout(compute_cycles(r, job.multipliers))
        if children and job.tree_width_bits is not None:
            yield self.env.timeout(1)  # the tree node's adder stage, on the words streaming by
        if self.index != job.root:
            self._up(Message("partial", self.index, np.arange(r), z), r * job.accumulator_bits)
            z = yield from self._down()
        elif job.tree_width_bits is not None:
            if children:  # the sum's last word reaches the root this much after its first
                yield self.env.timeout(self._words(r * job.accumulator_bits) - 1)
            self._forward(Message("z", self.index, np.arange(r), z))
        elif receivers := job.receivers(self.index):
            self.send(Message("z", self.index, np.arange(r), z), r * job.weight_bits, receivers)
        p = predictor.u[self.rows] @ z + job.bias[self.rows]
        yield from self._step(len(self.rows) * r, "predictor", "predictor")
        return self.rows[p > 0]

    def _up(self, message: Message, bits: int) -> None:
        """Send a partial to the tree parent: over the NoC, or the dedicated tree's link."""
        job = self.job
        parent = job.parent[self.index]
        if job.tree_width_bits is None:
            self.send(message, bits, (job.pe_tids[parent],))
        else:
            self.process(self._wire(job.peers[parent], message, bits))

    def _down(self) -> Generator[Any, Any, np.ndarray]:
        """Wait for ``z`` (if this PE needs it, or relays it on the dedicated tree)."""
        job = self.job
        if job.tree_width_bits is None and not len(self.rows):
            return np.zeros(0, dtype=np.float32)
        message = yield self.mailbox["z"].get()
        if job.tree_width_bits is not None:
            self._forward(message)  # cut-through: the first word goes on as it arrives
            yield self.env.timeout(self._words(len(message.values) * job.weight_bits) - 1)
        return message.values

    def _forward(self, z: Message) -> None:
        """Relay ``z`` to this PE's children on the dedicated tree."""
        for child in np.flatnonzero(np.asarray(self.job.parent) == self.index):
            self.process(self._wire(self.job.peers[child], z, len(z.values) * self.job.weight_bits))

    def _words(self, bits: int) -> int:
        """Link-wide words of a vector on the dedicated tree."""
        width = self.job.tree_width_bits
        assert width is not None
        return -(-bits // width)

    def _wire(self, to: SparsePE, message: Message, bits: int) -> Generator[Any, Any, None]:
        """One hop of the dedicated tree, cut-through: the first word one cycle later (one
        register per link); the rest follow a word per cycle, counted where the vector is used
        (at the root going up, at each PE coming down)."""
        self.job.counts.add("predictor", "link", bits)
        yield self.env.timeout(1)
        to.mailbox[message.kind].put(message)

    def _feed_forward(self, rows: np.ndarray, own: np.ndarray) -> Generator[Any, Any, None]:
        """Kept rows times the entries waiting when the multipliers free up: its own first, then
        every packet arrived meanwhile, one step each time (the input buffer streams the queue
        to the multipliers without a gap at packet boundaries).

        ``predictor_delay`` is how much later the PE finishes than it would have had its mask been
        known at its start (the same steps replayed, each from its last packet's arrival): the
        cycles the prediction phase adds to this PE's path.
        """
        job = self.job
        acc = job.bias[rows].astype(np.float32)
        left = self.expected
        batch, ready = own, self.started
        unpredicted_end, taken = self.started, 0
        while True:
            if len(rows) and len(batch):
                self.memories["input"].read(len(batch) * job.entry_bits)
                acc += job.weight[np.ix_(rows, batch)] @ job.x[batch]
                begin = int(self.env.now)
                yield from self._step(len(rows) * len(batch), "weight", "pe")
                unpredicted_end = max(unpredicted_end, ready) + int(self.env.now) - begin
            if not left:
                break
            queue = self.mailbox["load" if job.first else "x"]
            messages = [(yield queue.get()), *queue.items]
            queue.items.clear()
            left, taken = left - len(messages), taken + len(messages)
            batch, ready = np.concatenate([m.indices for m in messages]), self.arrivals[taken - 1]
        self.predictor_delay = int(self.env.now) - unpredicted_end
        job.outputs[rows] = acc
        kept = rows[acc > 0] if job.relu else rows
        if job.last:
            bits = len(kept) * job.entry_bits
            yield self.send(
                Message("out", self.index, kept, acc[np.isin(rows, kept)]), bits, (job.memory_tid,)
            )
        elif len(kept):
            yield self.memories["input"].write(len(kept) * job.entry_bits)


class MemoryPort(_Agent):
    """The memory port: loads the first layer's entries from DRAM into their owners, and stores
    the last layer's outputs; ``done`` is when the last output arrived."""

    def __init__(
        self,
        name: str,
        parent: Module | Simulator,
        terminal: Terminal,
        job: LayerJob,
        dram_latency_cycles: int = 0,
    ) -> None:
        self.job = job
        super().__init__(name, parent, terminal)
        self.dram = Dram("dram", self, latency_cycles=dram_latency_cycles, counts=job.counts)
        self.done = 0
        self.process(self._serve())

    def _serve(self) -> Generator[Any, Any, None]:
        job = self.job
        if job.first:
            yield from self._load()
        if job.last:
            senders = [pe for pe in range(len(job.pe_tids)) if np.any(job.out_owner == pe)]
            for _ in senders:
                message = yield self.mailbox["out"].get()
                yield self.dram.write(-(-len(message.indices) * job.entry_bits // 8))
        self.done = int(self.env.now)

    def _load(self) -> Generator[Any, Any, None]:
        """Multicast the first layer's entries, full packets, each as soon as DRAM delivered it."""
        job = self.job
        receivers = job.load_receivers()
        for chunk in _chunks(job.entries, job.chunk):
            bits = len(chunk) * job.entry_bits
            yield self.dram.read(-(-bits // 8))
            self.send(Message("load", -1, chunk, job.x[chunk]), bits, receivers)
