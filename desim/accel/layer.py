"""Plain layer records: what accelerators consume of a network (never torch objects).

A `LayerRecord` holds one convolution or fully connected layer as numpy arrays: its weights,
the input activations it received and the output it produced, for a batch of inputs, plus the
geometry (stride, padding, groups) an accelerator model needs to recompute it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from desim.accel.pooling import InputPool, MaxPool

__all__ = ["LayerRecord", "density"]

LayerKind = Literal["conv", "linear"]


def density(array: np.ndarray) -> float:
    """Fraction of non-zero entries (1.0 for an empty array).

    Examples
    --------
    >>> density(np.array([0.0, 1.5, 0.0, -2.0]))
    0.5
    """
    return float(np.count_nonzero(array) / array.size) if array.size else 1.0


@dataclass(frozen=True, eq=False)
class LayerRecord:
    """One convolution or linear layer, with the activations of one batch.

    Attributes
    ----------
    name : str
        Qualified module name in the model (``"features.conv1_1"``).
    kind : {"conv", "linear"}
        Layer type.
    weight : numpy.ndarray
        ``(K, C/groups, R, S)`` for a convolution, ``(M, N)`` for a linear layer.
    bias : numpy.ndarray or None
        ``(K,)`` or ``(M,)``.
    input : numpy.ndarray
        The activations the layer received: ``(B, C, H, W)`` or ``(B, N)``.
    output : numpy.ndarray
        What the layer computed (before any nonlinearity): ``(B, K, P, Q)`` or ``(B, M)``.
    stride, padding : tuple of int
        ``(vertical, horizontal)``; ``(1, 1)`` and ``(0, 0)`` for a linear layer.
    groups : int
        Grouped convolution (AlexNet's conv2, conv4, conv5 use 2); 1 for a linear layer.
    activation : {"relu", "none", "unknown"}
        The nonlinearity applied to the output, when the extractor could see it.
    pool : MaxPool or None
        The max pool every use of the (activated) output goes through, when the extractor could
        see one (`desim.accel.pooling`): the plane the layer's output path writes is then
        ``pool.apply(activated output)``.
    input_pool : InputPool or None
        A max pool between the plane the layer's producers wrote and ``input`` (already
        pooled), for this layer alone: other layers read that plane unpooled (an inception
        module's fourth branch). The accelerator pools as the layer starts.
    """

    name: str
    kind: LayerKind
    weight: np.ndarray
    bias: np.ndarray | None
    input: np.ndarray
    output: np.ndarray
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    groups: int = 1
    activation: str = "unknown"
    pool: MaxPool | None = None
    input_pool: InputPool | None = None

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one input sample (batch dimension dropped)."""
        return tuple(self.input.shape[1:])

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of one output sample (batch dimension dropped)."""
        return tuple(self.output.shape[1:])

    @property
    def weight_density(self) -> float:
        """Fraction of non-zero weights."""
        return density(self.weight)

    @property
    def input_density(self) -> float:
        """Fraction of non-zero input activations over the batch."""
        return density(self.input)

    @property
    def output_density(self) -> float:
        """Fraction of outputs that survive the layer's ReLU (raw non-zeros if it has none)."""
        kept = np.maximum(self.output, 0) if self.activation == "relu" else self.output
        return density(kept)

    def written(self, plane: np.ndarray) -> np.ndarray:
        """What the output path writes of one sample's output ``plane``: the ReLU applied (if
        the layer has one), then the max pool (if it has one).

        Examples
        --------
        >>> from desim.accel.pooling import MaxPool
        >>> z = np.zeros((1, 1, 2, 2))
        >>> pool = MaxPool((2, 2), (2, 2))
        >>> r = LayerRecord("c", "conv", z, None, z, z, activation="relu", pool=pool)
        >>> r.written(np.array([[[-3.0, -1.0], [-2.0, -4.0]]])).tolist()
        [[[0.0]]]
        """
        kept = np.maximum(plane, 0) if self.activation == "relu" else plane
        return kept if self.pool is None else self.pool.apply(kept)

    @property
    def input_pool_compares(self) -> int:
        """Values the input pool's windows read, all channels (0 without an input pool)."""
        return 0 if self.input_pool is None else self.input_shape[0] * self.input_pool.window_taps()

    @property
    def dense_macs(self) -> int:
        """Multiply-accumulates of one sample, dense: outputs x weights feeding each output."""
        per_output = int(np.prod(self.weight.shape[1:]))
        return int(np.prod(self.output_shape)) * per_output

    def summary(self) -> dict[str, object]:
        """Shapes, geometry and densities as JSON-ready plain values."""
        return {
            "name": self.name,
            "kind": self.kind,
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "weight_shape": list(self.weight.shape),
            "stride": list(self.stride),
            "padding": list(self.padding),
            "groups": self.groups,
            "activation": self.activation,
            "pool": None if self.pool is None else self.pool.summary(),
            "input_pool": None if self.input_pool is None else self.input_pool.summary(),
            "weight_density": round(self.weight_density, 6),
            "input_density": round(self.input_density, 6),
            "output_density": round(self.output_density, 6),
            "dense_macs": self.dense_macs,
        }
