"""Synthetic traffic: destination patterns, injection processes and packet sizes (BookSim's).

Patterns are registered in `desim.registry.TRAFFIC` as factories
``factory(nodes, dims=None, **params) -> pattern``; a pattern maps ``(source, rng)`` to a
destination terminal. ``nodes`` counts terminals; ``dims``, when given, arranges them in a grid with
terminal ``sum(x_i * prod(dims[:i]))`` at ``(x_0, x_1, ...)`` (BookSim's numbering, so
``prod(dims) == nodes``).

Injection processes are registered in `desim.registry.INJECTION` as factories
``factory(rate, **params) -> Injector``, ``rate`` in packets per terminal per cycle. An injector's
``next_gap(rng)`` is the number of cycles from one packet generation to the next (>= 1), so an
event-driven source sleeps exactly until its next packet; ``None`` means it never injects again
(rate 0). A source starting at cycle ``t0`` counts its first gap from ``t0 - 1``: with per-cycle
trials from ``t0`` on, as BookSim's, the first packet comes at ``t0 - 1 + next_gap(rng)``.

Examples
--------
>>> import numpy as np
>>> from desim.registry import INJECTION, TRAFFIC
>>> rng = np.random.default_rng(1)
>>> bitrev = TRAFFIC.get("bitrev")(16)
>>> bitrev(0b0011, rng) == 0b1100
True
>>> source = INJECTION.get("bernoulli")(0.25)
>>> gaps = [source.next_gap(rng) for _ in range(20_000)]
>>> round(float(np.mean(gaps)))  # 1 / rate
4
>>> sizes = packet_sizes({1: 3, 5: 1})  # 1-flit packets 3 times as often as 5-flit ones
>>> sizes.mean, 0.4 / sizes.mean  # a load of 0.4 flits/cycle is 0.2 packets/cycle
(2.0, 0.2)

References
----------
.. [1] W. J. Dally and B. Towles, *Principles and Practices of Interconnection Networks*, Morgan
   Kaufmann, 2004, sec. 3.2 (traffic patterns).
.. [2] N. Jiang et al., "A detailed and flexible cycle-accurate network-on-chip simulator",
   ISPASS 2013 (BookSim2: traffic patterns, Bernoulli and on/off injection).
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np

from desim.kernel.errors import ConfigError
from desim.noc.draws import Batched, Bernoulli, UniformDestination
from desim.registry import INJECTION, TRAFFIC, Registry

__all__ = [
    "Pattern",
    "Permutation",
    "Injector",
    "Bernoulli",
    "Bursty",
    "Batched",
    "PacketSizes",
    "packet_sizes",
]

Pattern = Callable[[int, np.random.Generator], int]
F = TypeVar("F", bound=Callable[..., Any])


def _plugin(registry: Registry[Any], name: str, reference: str) -> Callable[[F], F]:
    """Register ``func``'s factory as ``name``; keyword-only parameters are its ``**params``.

    The registered factory rejects a keyword that names no parameter of ``func`` with a
    `ConfigError` listing the parameters it takes, then calls ``func``.
    """

    def register(func: F) -> F:
        signature = inspect.signature(func).parameters.values()
        allowed = tuple(p.name for p in signature if p.kind is p.KEYWORD_ONLY)
        named = tuple(p.name for p in signature if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

        @functools.wraps(func)
        def factory(*args: Any, **params: Any) -> Any:
            unknown = sorted(set(params).difference(named))
            if unknown:
                raise ConfigError(
                    f"{registry.kind} {name!r}: unknown parameter {unknown[0]!r}; "
                    f"allowed: {', '.join(named)}"
                )
            return func(*args, **params)

        registry.register(name, factory, params=allowed, reference=reference)
        return factory  # type: ignore[return-value]

    return register


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value)


def _probability(what: str, value: Any, low_open: bool = False) -> float:
    """``value`` as a float in [0, 1] (in (0, 1] with ``low_open``); else `ConfigError`."""
    if not _is_real(value) or not 0 <= value <= 1 or (low_open and value == 0):
        allowed = "(0, 1]" if low_open else "[0, 1]"
        raise ConfigError(f"{what} must be a number in {allowed}, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Permutation:
    """A deterministic pattern: terminal ``s`` always sends to ``table[s]``."""

    table: tuple[int, ...]

    def __call__(self, source: int, rng: np.random.Generator | None = None) -> int:
        return self.table[source]


def _check_nodes(name: str, nodes: Any, dims: Any) -> tuple[int, tuple[int, ...] | None]:
    if not _is_int(nodes) or nodes < 1:
        raise ConfigError(f"traffic {name!r}: 'nodes' must be an int >= 1, got {nodes!r}")
    if dims is None:
        return int(nodes), None
    if (
        not isinstance(dims, (tuple, list))
        or not dims
        or not all(_is_int(k) and k >= 1 for k in dims)
    ):
        raise ConfigError(f"traffic {name!r}: 'dims' must be a tuple of ints >= 1, got {dims!r}")
    if math.prod(dims) != nodes:
        raise ConfigError(
            f"traffic {name!r}: dims {tuple(dims)} describe {math.prod(dims)} terminals but "
            f"nodes={nodes}; dims must multiply to nodes"
        )
    return int(nodes), tuple(int(k) for k in dims)


def _bits(name: str, nodes: int) -> int:
    """log2(nodes); bit permutations need a power of two."""
    if nodes & (nodes - 1):
        raise ConfigError(f"traffic {name!r} needs nodes to be a power of two, got {nodes}")
    return nodes.bit_length() - 1


def _grid_coords(dims: tuple[int, ...]) -> np.ndarray:
    """``nodes x len(dims)`` coordinates of every terminal, first dimension fastest."""
    nodes = np.arange(math.prod(dims))
    strides = np.cumprod((1,) + dims[:-1])
    return (nodes[:, None] // strides) % np.array(dims)


def _grid_ids(coords: np.ndarray, dims: tuple[int, ...]) -> Permutation:
    strides = np.cumprod((1,) + dims[:-1])
    return Permutation(tuple(int(v) for v in coords @ strides))


def _offsets(name: str, dims: tuple[int, ...] | None, offset: Callable[[int], int]) -> Permutation:
    """Move every coordinate ``x`` of dimension size ``k`` to ``(x + offset(k)) mod k``."""
    if dims is None:
        raise ConfigError(f"traffic {name!r} needs dims (the terminal grid, e.g. (8, 8))")
    ks = np.array(dims)
    shift = np.array([offset(k) for k in dims])
    return _grid_ids((_grid_coords(dims) + shift) % ks, dims)


def _pattern(name: str, reference: str) -> Callable[[F], F]:
    """Register a pattern factory ``func(nodes, dims, **params)`` after checking nodes and dims."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def checked(nodes: int, dims: Sequence[int] | None = None, **params: Any) -> Pattern:
            return func(*_check_nodes(name, nodes, dims), **params)

        return _plugin(TRAFFIC, name, reference)(checked)  # type: ignore[return-value]

    return wrap


@_pattern("uniform", "Dally & Towles 2004, sec. 3.2")
def uniform(nodes: int, dims: tuple[int, ...] | None) -> Pattern:
    """Uniform random: every terminal, the source included, with probability ``1 / nodes``."""

    return UniformDestination(nodes)


@_pattern("bitcomp", "Dally & Towles 2004, sec. 3.2")
def bitcomp(nodes: int, dims: tuple[int, ...] | None) -> Pattern:
    """Bit complement: ``d_i = not s_i``; nodes a power of two."""
    _bits("bitcomp", nodes)
    return Permutation(tuple(s ^ (nodes - 1) for s in range(nodes)))


@_pattern("bitrev", "Dally & Towles 2004, sec. 3.2")
def bitrev(nodes: int, dims: tuple[int, ...] | None) -> Pattern:
    """Bit reverse: ``d_i = s_(b-1-i)`` for ``b = log2(nodes)`` bits; nodes a power of two."""
    bits = _bits("bitrev", nodes)
    return Permutation(tuple(int(f"{s:0{bits}b}"[::-1] or "0", 2) for s in range(nodes)))


@_pattern("shuffle", "Dally & Towles 2004, sec. 3.2")
def shuffle(nodes: int, dims: tuple[int, ...] | None) -> Pattern:
    """Perfect shuffle: the source bits rotated left by one; nodes a power of two."""
    bits = _bits("shuffle", nodes)
    top = bits - 1 if bits else 0
    return Permutation(tuple(((s << 1) | (s >> top)) & (nodes - 1) for s in range(nodes)))


@_pattern("transpose", "Dally & Towles 2004, sec. 3.2")
def transpose(nodes: int, dims: tuple[int, ...] | None) -> Pattern:
    """Matrix transpose: ``(x, y) -> (y, x)`` on a square 2D grid.

    With ``dims`` (which must be ``(k, k)``) coordinates are swapped; without, the upper and lower
    halves of the node's bits are (BookSim's), which needs nodes an even power of two. Both agree
    when ``k`` is a power of two.
    """
    if dims is not None:
        if len(dims) != 2 or dims[0] != dims[1]:
            raise ConfigError(f"traffic 'transpose' needs square 2D dims (k, k), got {dims}")
        return _grid_ids(_grid_coords(dims)[:, ::-1], dims)
    bits = _bits("transpose", nodes)
    if bits % 2:
        raise ConfigError(
            f"traffic 'transpose' without dims needs nodes an even power of two (4, 16, 64, ...), "
            f"got {nodes}"
        )
    half, low = bits // 2, (1 << bits // 2) - 1
    return Permutation(tuple(((s >> half) & low) | ((s & low) << half) for s in range(nodes)))


@_pattern("tornado", "Dally & Towles 2004, sec. 3.2; BookSim2 traffic.cpp")
def tornado(nodes: int, dims: tuple[int, ...] | None) -> Pattern:
    """Tornado: coordinate ``x`` of a size-``k`` dimension goes to ``(x + ceil(k/2) - 1) mod k``."""
    return _offsets("tornado", dims, lambda k: (k + 1) // 2 - 1)


@_pattern("neighbor", "Dally & Towles 2004, sec. 3.2; BookSim2 traffic.cpp")
def neighbor(nodes: int, dims: tuple[int, ...] | None) -> Pattern:
    """Neighbour: each coordinate ``x`` of a size-``k`` dimension goes to ``(x + 1) mod k``."""
    return _offsets("neighbor", dims, lambda k: 1)


@_pattern("hotspot", "BookSim2 traffic.cpp (hotspot)")
def hotspot(
    nodes: int, dims: tuple[int, ...] | None, *, spots: Sequence[int] = (0,), fraction: float = 0.1
) -> Pattern:
    """Hot spots: with probability ``fraction`` one of ``spots`` (uniformly), else uniform.

    Parameters
    ----------
    spots : sequence of int
        Hot-spot terminals (default ``(0,)``, the first terminal).
    fraction : float
        Probability in [0, 1] that a packet goes to a hot spot (default 0.1).
    """
    fraction = _probability("traffic 'hotspot': 'fraction'", fraction)
    bad = not isinstance(spots, Sequence) or isinstance(spots, str) or not spots
    if bad or not all(_is_int(s) and 0 <= s < nodes for s in spots):
        raise ConfigError(
            f"traffic 'hotspot': 'spots' must be a non-empty list of terminals in 0..{nodes - 1}, "
            f"got {spots!r}"
        )
    hot = tuple(int(s) for s in spots)

    def destination(source: int, rng: np.random.Generator) -> int:
        if rng.random() < fraction:
            return hot[int(rng.integers(len(hot)))]
        return int(rng.integers(nodes))

    return destination


class Injector(Protocol):
    """When a source generates its packets: create one per source (it may keep state)."""

    rate: float

    def next_gap(self, rng: np.random.Generator) -> int | None:
        """Cycles until the next packet generation (>= 1); None if there will be none."""
        ...


@dataclass
class Bursty:
    """BookSim's on/off process: a two-state Markov chain modulating Bernoulli injection.

    Each cycle the state advances first (off -> on with probability ``alpha``, on -> off with
    probability ``beta``), then an on source injects with probability
    ``rate_on = rate * (alpha + beta) / alpha``. The on fraction is ``alpha / (alpha + beta)``,
    so the mean rate is ``rate``. The initial state is drawn from that stationary distribution on
    the first call (BookSim draws it 50/50), so the rate is ``rate`` from the first cycle.
    `next_gap` samples whole on and off sojourns, never one cycle at a time.
    """

    rate: float
    alpha: float
    beta: float
    on: bool | None = field(default=None)

    @property
    def rate_on(self) -> float:
        """Injection probability per cycle while on."""
        return self.rate * (self.alpha + self.beta) / self.alpha

    def next_gap(self, rng: np.random.Generator) -> int | None:
        if self.rate == 0:
            return None
        if self.on is None:
            self.on = bool(rng.random() < self.alpha / (self.alpha + self.beta))
        r_on, gap = self.rate_on, 0
        stay_quiet = (1 - self.beta) * (1 - r_on)  # per on cycle: stays on and does not inject
        while True:
            if not self.on:
                gap += int(rng.geometric(self.alpha))  # the cycle it turns on
                self.on = True
                if rng.random() < r_on:
                    return gap
            gap += int(rng.geometric(1 - stay_quiet))  # first on cycle that injects or turns off
            if rng.random() * (1 - stay_quiet) < (1 - self.beta) * r_on:
                return gap
            self.on = False


@_plugin(INJECTION, "bernoulli", "BookSim2 injection.cpp (bernoulli)")
def bernoulli(rate: float) -> Bernoulli:
    """Bernoulli injection at ``rate`` packets per cycle (in [0, 1]; 0 never injects)."""
    return Bernoulli(_probability("injection 'bernoulli': 'rate'", rate))


@_plugin(INJECTION, "bursty", "BookSim2 injection.cpp (on_off)")
def bursty(rate: float, *, alpha: float = 0.5, beta: float = 0.5) -> Bursty:
    """On/off (Markov-modulated Bernoulli) injection with mean ``rate`` packets per cycle.

    Parameters
    ----------
    rate : float
        Mean packets per cycle, in ``[0, alpha / (alpha + beta)]`` (``rate_on`` cannot exceed 1).
    alpha : float
        Off -> on probability per cycle, in (0, 1] (BookSim's ``burst_alpha``, default 0.5).
    beta : float
        On -> off probability per cycle, in [0, 1] (BookSim's ``burst_beta``, default 0.5).
    """
    rate = _probability("injection 'bursty': 'rate'", rate)
    alpha = _probability("injection 'bursty': 'alpha'", alpha, low_open=True)
    beta = _probability("injection 'bursty': 'beta'", beta)
    if rate > alpha / (alpha + beta):
        raise ConfigError(
            f"injection 'bursty': rate {rate} is unreachable with alpha={alpha}, beta={beta}: the "
            f"on fraction alpha/(alpha+beta) = {alpha / (alpha + beta):.4g} caps the mean rate; "
            "raise alpha, lower beta or lower the rate"
        )
    return Bursty(rate, alpha, beta)


@dataclass(frozen=True)
class PacketSizes:
    """Packet sizes in flits drawn by weight; ``mean`` converts a flit rate to a packet rate."""

    sizes: tuple[int, ...]
    weights: tuple[float, ...]
    mean: float = field(init=False)
    _cumulative: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cumulative", np.cumsum(self.weights))
        mean = np.dot(self.sizes, self.weights) / self._cumulative[-1]
        object.__setattr__(self, "mean", float(mean))

    def __call__(self, rng: np.random.Generator) -> int:
        """One packet size (no random draw when there is a single size)."""
        if len(self.sizes) == 1:
            return self.sizes[0]
        draw = rng.random() * self._cumulative[-1]
        return self.sizes[int(np.searchsorted(self._cumulative, draw, "right"))]


def _size_pairs(spec: Any) -> list[tuple[Any, ...]]:
    if _is_int(spec):
        return [(spec, 1)]
    if isinstance(spec, Mapping):  # TOML table keys are strings: accept "4" for 4
        return [(int(k) if isinstance(k, str) and k.isdigit() else k, w) for k, w in spec.items()]
    if isinstance(spec, Sequence) and not isinstance(spec, str):
        return [tuple(p) if isinstance(p, (tuple, list)) else (p,) for p in spec]
    return []


def packet_sizes(spec: int | Mapping[int, float] | Sequence[tuple[int, float]]) -> PacketSizes:
    """Packet sizes from an int (fixed) or ``(size, weight)`` pairs.

    The equivalent of BookSim's ``packet_size`` with ``packet_size_rate``.

    Parameters
    ----------
    spec : int, mapping or sequence of pairs
        A size in flits (>= 1), or sizes mapped to relative weights (>= 0, positive sum). Mapping
        keys may be decimal strings, as a TOML table gives them.

    Examples
    --------
    >>> packet_sizes(4).mean
    4.0
    >>> packet_sizes([(1, 1), (2, 1)]).mean
    1.5
    """
    pairs = _size_pairs(spec)
    ok = all(len(p) == 2 and _is_int(p[0]) and p[0] >= 1 and _is_real(p[1]) for p in pairs)
    total = sum(w for _, w in pairs) if ok else 0.0
    if not pairs or not ok or min(w for _, w in pairs) < 0 or not 0 < total < math.inf:
        raise ConfigError(  # (a NaN or infinite weight makes the total NaN or infinite)
            "packet sizes must be an int >= 1 or (size, weight) pairs with sizes ints >= 1 and "
            f"finite weights >= 0 summing to more than 0, got {spec!r}"
        )
    return PacketSizes(tuple(int(s) for s, _ in pairs), tuple(float(w) for _, w in pairs))
