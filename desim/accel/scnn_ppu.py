"""SCNN's post-processing unit (PPU): the cycles a Kc group's drain spends in the PE, and the
energy of its per-output logic.

When a Kc group is done, the PE's PPU empties the accumulator buffer it was written to [1]_:

1. it reads the *halo* partial sums (outputs of its region owned by neighbours) out of the
   accumulators and sends them to their owners;
2. it adds the halo partial sums its neighbours send it into its own outputs;
3. it reads its own outputs out of the accumulators, applies the ReLU and compresses them into
   the OARAM;
4. when a max pool follows the layer, it pools on the way to the compressor [1]_: the pooled
   plane is tiled over the PEs like any plane (the next layer's input), each PE sends the
   outputs of its tile that another PE's pool windows read to that PE (16-bit values, after the
   ReLU, uncompressed, like the halo), compares the ones it receives into its pooled values, and
   writes its pooled tile.

A layer that reads a max pool of a plane other layers read unpooled (`desim.accel.pooling.
InputPool`: an inception module's fourth branch) has its PPU pool that plane as the layer starts,
the same exchange over the input tiles: each PE sends the values its neighbours' windows read and
compares in those it receives at the compare rate, before the first group's multiplies; its own
tile's compares sit in the path that reads the tile into the multipliers.

The accumulators are double-buffered, so all of this overlaps the next group's multiplies; it
shows in the layer's cycles only where a drain outlasts the next group (group ``g + 2`` needs the
buffer of group ``g``) and after the last group. No rate is published for the PPU. DNNsim [2]_
charges the halo exchange one partial sum per cycle (the largest neighbour region x Kc cycles per
group, not overlapped); we apply that rate to every partial sum the PPU touches: a read-out rate
(steps 1 and 3: halo sends, ReLU and compression of the owned outputs) and an add rate (step 2:
the owner's adder), each a parameter, ``0`` leaving that work free (the model before the PPU was
modelled). The PPU does one thing at a time, in the order above, and one group at a time (a
group's drain starts once the previous group's is done); halo messages are added in the order
they arrive, each as soon as it is in and the adder is free, and so are the pool's, at a compare
rate of their own (``compares_per_cycle``, 1 by default like the others). Pooling its own
outputs takes no cycles of its own: the compares sit in the read-out pipeline of step 3.

Energy. What the drain moves is counted where it happens: the accumulator read-out of every
region entry and the halo adds' read-modify-writes (`desim.accel.scnn`), the halo messages on the
network, the compressed outputs written to the OARAM (the PE agent). `count_output_logic` adds
the PPU's own logic: the ReLU (a compare with zero) per output read out, the pool's compares (one
per value a window reads, padding excluded, for an input pool too) and the compressor's zero test
and 4-bit zero-run counter per value written. No energy for them is published; each is priced
as a 24-bit add from the energy table (Horowitz [3]_; a comparator and a counter are at most an
adder of their width, so an upper bound): without a pool, two adds per output.

References
----------
.. [1] A. Parashar et al., "SCNN: An Accelerator for Compressed-sparse Convolutional Neural
   Networks", ISCA 2017, sec. 4 (the PPU: halo exchange, ReLU, pooling, compression into the
   OARAM; double-buffered accumulators).
.. [2] DNNsim, core/src/SCNN.cpp (isakedo/DNNsim): halo cycles per Kc group.
.. [3] M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014.

Examples
--------
A PE that reads 2 x 8 halo sums out, then adds 8 sums arriving at cycle 30 and 8 at cycle 31:

>>> ppu = PostProcessing(reads_per_cycle=1, adds_per_cycle=2)
>>> ppu.read_cycles(16)
16
>>> ppu.add_finish(16, [(30, 8), (31, 8)])
38
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from desim.config_checks import check_key_int
from desim.energy import ActionCounts

__all__ = ["PostProcessing", "count_output_logic"]


def count_output_logic(counts: ActionCounts, outputs: int, written: int, compares: int) -> None:
    """Count the PPU's logic, each piece a 24-bit add (an upper bound; module docstring): the
    ReLU of ``outputs`` read out, the pool's ``compares``, the compression of ``written``
    values."""
    counts.add("ppu", "add24", outputs + compares + written)


@dataclass(frozen=True)
class PostProcessing:
    """The PPU's rates, in partial sums per cycle (``0``: that work takes no cycles).

    Attributes
    ----------
    reads_per_cycle : int
        Partial sums read out of the accumulators per cycle (halo sends; the owned outputs
        through ReLU and the compressor).
    adds_per_cycle : int
        Incoming halo partial sums added into the owned outputs per cycle.
    compares_per_cycle : int
        Values received from other PEs for a pool's windows (a pool after the layer, or an
        input pool as it starts) compared into the pooled values per cycle (1 by default, as
        the adds: no rate is published).
    """

    reads_per_cycle: int = 1
    adds_per_cycle: int = 1
    compares_per_cycle: int = 1

    def __post_init__(self) -> None:
        for name in ("reads_per_cycle", "adds_per_cycle", "compares_per_cycle"):
            check_key_int(name, getattr(self, name), 0)

    @property
    def modelled(self) -> bool:
        """Whether the PPU's work takes cycles (then one group's drain waits for the last's)."""
        return bool(self.reads_per_cycle or self.adds_per_cycle or self.compares_per_cycle)

    def read_cycles(self, sums: int) -> int:
        """Cycles to read ``sums`` partial sums out of the accumulators."""
        return _cycles(sums, self.reads_per_cycle)

    def add_finish(self, start: int, arrivals: Iterable[tuple[int, int]]) -> int:
        """When the adder, free from ``start``, has added every ``(arrival cycle, sums)``
        message, taken in arrival order."""
        return _fold(start, arrivals, self.adds_per_cycle)

    def compare_finish(self, start: int, arrivals: Iterable[tuple[int, int]]) -> int:
        """When the pool's comparator, free from ``start``, has taken every ``(arrival cycle,
        values)`` message, in arrival order."""
        return _fold(start, arrivals, self.compares_per_cycle)


def _fold(start: int, arrivals: Iterable[tuple[int, int]], per_cycle: int) -> int:
    """When a unit free from ``start``, taking ``per_cycle`` values a cycle, has taken every
    ``(arrival cycle, values)`` message in arrival order."""
    t = start
    for arrival, values in sorted(arrivals):
        t = max(t, arrival) + _cycles(values, per_cycle)
    return t


def _cycles(sums: int, per_cycle: int) -> int:
    """Cycles for ``sums`` partial sums at ``per_cycle`` a cycle (``0``: free)."""
    return -(-sums // per_cycle) if per_cycle else 0
