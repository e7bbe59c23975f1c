"""The synthetic traffic's random draws on the per-packet path: batched, and compiled.

A source draws a destination and the gap to its next packet for every packet. One numpy call per
draw costs about 11,000 machine instructions, most of them the call rather than the draw, and an
interpreted Python frame around it a few thousand more; here draws are taken from the generator a
batch at a time (`Batched`) by classes that mypyc compiles (``desim._compiled``): the uniform
pattern's destinations (`UniformDestination`) and Bernoulli injection's geometric gaps
(`Bernoulli`), registered by `desim.noc.traffic`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["BATCH", "Batched", "Bernoulli", "UniformDestination"]

BATCH = 256
"""Values a `Batched` draw takes from the generator at once."""


class Batched:
    """Integers of one distribution drawn `BATCH` at a time and handed out one by one.

    The values are those of ``draw(rng, BATCH)``, in order; a batch is drawn from the generator
    asked with, and one asked with another generator starts afresh from it (two runs sharing a
    pattern never share draws, but each switch drops the rest of a batch: a pattern or injector
    belongs to one run, as `desim.noc.measurement` builds them).

    Examples
    --------
    >>> draws = Batched(lambda rng, size: rng.integers(10, size=size))
    >>> rng = np.random.default_rng(1)
    >>> first = [draws.next(rng) for _ in range(5)]
    >>> first == np.random.default_rng(1).integers(10, size=5).tolist()
    True
    """

    def __init__(self, draw: Callable[[np.random.Generator, int], Any]) -> None:
        self.draw = draw
        self.values: list[int] = []
        self.rng: np.random.Generator | None = None

    def next(self, rng: np.random.Generator) -> int:
        """The next value drawn from ``rng``."""
        values = self.values
        if not values or rng is not self.rng:
            self.rng = rng
            values = self.values = self.draw(rng, BATCH).tolist()[::-1]
        return values.pop()


class UniformDestination:
    """Uniform random destinations among ``nodes`` terminals, the source included (a pattern:
    ``destination(source, rng) -> int``)."""

    def __init__(self, nodes: int) -> None:
        self.nodes = nodes
        self.draws = Batched(self._draw)

    def _draw(self, rng: np.random.Generator, size: int) -> Any:
        return rng.integers(self.nodes, size=size)

    def __call__(self, source: int, rng: np.random.Generator) -> int:
        return self.draws.next(rng)

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return UniformDestination, (self.nodes,)  # a copy starts with no batch


class Bernoulli:
    """Per-cycle Bernoulli trials with probability ``rate``: geometric gaps of mean ``1 / rate``
    (an injector: ``next_gap(rng)``, None at rate 0)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.gaps = Batched(self._draw)

    def _draw(self, rng: np.random.Generator, size: int) -> Any:
        return rng.geometric(self.rate, size=size)

    def next_gap(self, rng: np.random.Generator) -> int | None:
        """Cycles until the next packet generation (>= 1); None at rate 0."""
        return self.gaps.next(rng) if self.rate > 0 else None

    def __repr__(self) -> str:
        return f"Bernoulli(rate={self.rate!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bernoulli) and other.rate == self.rate

    def __hash__(self) -> int:
        return hash(("Bernoulli", self.rate))

    def __reduce__(self) -> tuple[Any, tuple[float]]:
        return Bernoulli, (self.rate,)  # a copy starts with no batch
