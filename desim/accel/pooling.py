"""Max pooling after a layer: the window geometry an accelerator's output path needs.

A convolution followed by its ReLU and a max pool (VGG-16's five 2 x 2 pools, AlexNet's and
GoogLeNet's overlapping 3 x 3 stride-2 pools) writes the *pooled* plane, not the convolution's
output: SCNN's post-processing unit pools before it compresses into the OARAM (Parashar et al.,
ISCA 2017, sec. 4: "the PPU ... performs ... pooling"), and a dense design pools on its
write-back path. `MaxPool` is a pool's geometry (torch's ``MaxPool2d`` semantics: implicit
``-inf`` padding, dilation, floor or ceil mode) with the two things an accelerator model asks
of it: the pooled plane (`MaxPool.apply`) and which rows or columns of the convolution's output a
band of pooled rows or columns reads (`MaxPool.reads`), to know what must travel to the owner of
a pooled tile.

Examples
--------
AlexNet's pool after conv1 (55 x 55 -> 27 x 27); pooled rows 0-1 read conv rows 0-4:

>>> pool = MaxPool((3, 3), (2, 2))
>>> pool.output_size(55, 55)
(27, 27)
>>> np.flatnonzero(pool.reads(0, 0, 2, 55)).tolist()
[0, 1, 2, 3, 4]
>>> pool.apply(np.arange(16.0).reshape(1, 4, 4)).tolist()
[[[10.0]]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desim.config import require

__all__ = ["InputPool", "MaxPool"]

Pair = tuple[int, int]


@dataclass(frozen=True)
class MaxPool:
    """A 2-D max pool's geometry, ``(vertical, horizontal)`` pairs as torch's ``MaxPool2d``.

    Attributes
    ----------
    kernel, stride, padding, dilation : (int, int)
        Window size, step, implicit ``-inf`` padding on each side, spacing of window taps.
    ceil_mode : bool
        Round the output size up (a last window may start in the right padding's shadow as long
        as it starts inside the input or the left padding).
    """

    kernel: Pair
    stride: Pair
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    ceil_mode: bool = False

    def __post_init__(self) -> None:
        for name in ("kernel", "stride", "dilation"):
            value = getattr(self, name)
            require(
                _is_pair(value, 1),
                f"max pool {name} must be two integers >= 1, got {value!r}",
            )
        require(
            _is_pair(self.padding, 0)
            and all(2 * p <= k for p, k in zip(self.padding, self.kernel, strict=True)),
            f"max pool padding must be two integers in [0, kernel / 2], got {self.padding!r} "
            f"with kernel {self.kernel!r}",
        )

    def _size(self, axis: int, length: int) -> int:
        k, s, p, d = (v[axis] for v in (self.kernel, self.stride, self.padding, self.dilation))
        span = length + 2 * p - d * (k - 1) - 1
        out = (-(-span // s) if self.ceil_mode else span // s) + 1
        if self.ceil_mode and (out - 1) * s >= length + p:
            out -= 1  # torch: the last window must start inside the input or the left padding
        return max(0, out)

    def output_size(self, height: int, width: int) -> Pair:
        """The pooled plane's ``(rows, columns)`` for a ``height x width`` input."""
        return self._size(0, height), self._size(1, width)

    def reads(self, axis: int, lo: int, hi: int, length: int) -> np.ndarray:
        """Which of the ``length`` input rows (``axis=0``) or columns (``1``) pooled rows or
        columns ``[lo, hi)`` read, as a boolean mask."""
        k, s, p, d = (v[axis] for v in (self.kernel, self.stride, self.padding, self.dilation))
        taps = (np.arange(lo, hi)[:, None] * s - p + np.arange(k)[None, :] * d).ravel()
        mask = np.zeros(length, dtype=bool)
        mask[taps[(taps >= 0) & (taps < length)]] = True
        return mask

    def apply(self, plane: np.ndarray) -> np.ndarray:
        """Max-pool a ``(channels, height, width)`` plane."""
        channels, height, width = plane.shape
        rows, cols = self.output_size(height, width)
        (kr, ks), (sr, ss), (pr, ps), (dr, ds) = (
            self.kernel,
            self.stride,
            self.padding,
            self.dilation,
        )
        # enough -inf on the right for ceil mode's last window
        bottom = max(0, (rows - 1) * sr + (kr - 1) * dr + 1 - height - pr)
        right = max(0, (cols - 1) * ss + (ks - 1) * ds + 1 - width - ps)
        padded = np.full(
            (channels, height + pr + bottom, width + ps + right), -np.inf, dtype=np.float64
        )
        padded[:, pr : pr + height, ps : ps + width] = plane
        out = np.full((channels, rows, cols), -np.inf)
        for i in range(kr):
            for j in range(ks):
                window = padded[
                    :,
                    i * dr : i * dr + (rows - 1) * sr + 1 : sr,
                    j * ds : j * ds + (cols - 1) * ss + 1 : ss,
                ]
                np.maximum(out, window, out=out)
        return out.astype(plane.dtype)

    def incidence(self, axis: int, length: int) -> np.ndarray:
        """``(length, pooled)`` booleans: which of the ``length`` input rows (``axis=0``) or
        columns (``1``) each pooled row or column reads (`reads`, one pooled row at a time)."""
        pooled = self.output_size(length, length)[axis]
        return np.stack([self.reads(axis, i, i + 1, length) for i in range(pooled)], axis=1)

    def taps(self, height: int, width: int) -> np.ndarray:
        """``(rows, cols)`` of the pooled plane: the input values each window reads, padding
        excluded (a window's compares)."""
        return np.outer(self.incidence(0, height).sum(axis=0), self.incidence(1, width).sum(axis=0))

    def window_taps(self, height: int, width: int) -> int:
        """Input values the pooled plane's windows read, all windows together (`taps`)."""
        return int(self.taps(height, width).sum())

    def summary(self) -> dict[str, object]:
        """JSON-ready plain values."""
        return {
            "kernel": list(self.kernel),
            "stride": list(self.stride),
            "padding": list(self.padding),
            "dilation": list(self.dilation),
            "ceil_mode": self.ceil_mode,
        }


@dataclass(frozen=True)
class InputPool:
    """A max pool between the plane a layer's producers wrote and the layer's input, for this
    layer alone (other layers read the plane unpooled).

    Attributes
    ----------
    pool : MaxPool
        The pool's geometry.
    plane : (int, int)
        Rows and columns of the unpooled plane (the pooled one is the layer's input).

    Examples
    --------
    GoogLeNet's fourth branch on a 28 x 28 module input: nine taps per window inside, fewer on
    the border (padding excluded):

    >>> branch = InputPool(MaxPool((3, 3), (1, 1), (1, 1)), (28, 28))
    >>> branch.window_taps()
    6724
    """

    pool: MaxPool
    plane: Pair

    def __post_init__(self) -> None:
        require(
            _is_pair(self.plane, 1),
            f"an input pool's plane must be two integers >= 1, got {self.plane!r}",
        )

    def window_taps(self) -> int:
        """Values the windows read per channel (`MaxPool.window_taps`): the pool's compares."""
        return self.pool.window_taps(*self.plane)

    def summary(self) -> dict[str, object]:
        """JSON-ready plain values."""
        return {**self.pool.summary(), "plane": list(self.plane)}


def _is_pair(value: object, minimum: int) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in value)
    )
