"""DCNN's input staging: DianNao's input buffer (NBin) between the activation bank and the NFU,
and its output buffer (NBout) for partial sums (energy only; no cycles).

DianNao [1]_ does not feed its neural functional unit from the large memory: a tile of input
neurons is read once into NBin (2 KB), and the NFU reads NBin every cycle, broadcasting each
value to its output lanes; partial sums of outputs whose dot product spans several NBin tiles wait
in NBout (2 KB). DCNN's PE is that NFU (`desim.accel.dcnn`), so its activations take the same
path: for each weight round and block of output positions, the *footprint* (the distinct input
activations the block's patches read in the round's slice of the dot product) is read once
from the PE tile's bank into NBin, and every patch value the NFU uses is read from NBin.

A footprint larger than NBin is staged in ``chunks`` along the dot product. The outputs' partial
sums then wait in NBout between chunks (each written after every chunk but the last and read
back before every chunk but the first); if NBout holds the partial sums of only ``held`` of the
round's channel groups for the block, the chunks are staged again for every ``held`` groups
(``passes``). A footprint that fits is staged once for all the round's channel groups.

References
----------
.. [1] T. Chen et al., "DianNao: a small-footprint high-throughput accelerator for ubiquitous
   machine-learning", ASPLOS 2014, sec. 4 (NBin, NBout 2 KB each, SB 32 KB; Tn x Tn NFU).

Examples
--------
A 1,000-value footprint in a 2 KB NBin (1,024 16-bit values) is staged once, whatever the
channel groups; 3,000 values are 3 chunks, and with 32 positions of 4 lanes NBout (2 KB, 682
24-bit sums) holds 5 groups' partial sums, so 12 groups take 3 passes:

>>> nb = Staging(input_values=1024, output_sums=682, lanes=4)
>>> nb.plan(1000, groups=12, positions=32)
(1, 1)
>>> nb.plan(3000, groups=12, positions=32)
(3, 3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Staging", "footprint"]


@dataclass(frozen=True)
class Staging:
    """NBin's and NBout's capacities (in values and in partial sums) for an NFU of ``lanes``
    output lanes."""

    input_values: int
    output_sums: int
    lanes: int

    def plan(self, values: int, groups: int, positions: int) -> tuple[int, int]:
        """``(chunks, passes)`` for a footprint of ``values`` activations feeding ``groups``
        channel groups of ``positions`` outputs each (the staged values are
        ``values x passes``)."""
        chunks = max(1, -(-values // self.input_values))
        if chunks == 1:
            return 1, 1
        held = max(1, self.output_sums // (self.lanes * positions))
        return chunks, -(-groups // held)


def footprint(
    real: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    channel_offset: int,
    filter_shape: tuple[int, int, int],
    l0: int,
    l1: int,
) -> int:
    """Distinct real (not padding) input activations that patches read in a dot-product slice.

    Parameters
    ----------
    real : bool array ``(C, rows, padded width)``
        Which entries of the PE's input window are real activations.
    rows, cols : int arrays
        Each output position's top-left corner in the window.
    channel_offset : int
        The first input channel of the filters' group.
    filter_shape : ``(C / groups, R, S)``
        The shape a filter's flattened weights ``[l0, l1)`` index.

    Examples
    --------
    Two neighbouring positions of a 3 x 3 filter on one channel read 3 x 4 = 12 activations:

    >>> real = np.ones((1, 3, 4), dtype=bool)
    >>> footprint(real, np.array([0, 0]), np.array([0, 1]), 0, (1, 3, 3), 0, 9)
    12
    """
    c, r, s = np.unravel_index(np.arange(l0, l1), filter_shape)
    touched = np.zeros_like(real)
    touched[c + channel_offset, rows[:, None] + r, cols[:, None] + s] = True
    return int(np.count_nonzero(touched & real))
