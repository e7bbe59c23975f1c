"""Checks of a whole `NocConfig` at construction, and the size budget of a run or a sweep.

`check_noc_config` runs from ``NocConfig.__post_init__``, so the API, the CLI, TOML files and
sweep points share it: every field's type (a bool is not a number, a float is not an integer),
every range, every plug-in name, and every ``*_args`` key against the parameters its plug-in takes.
What needs the built graph (a routing policy on a topology it does not support) is checked when the
network is built.

`check_size` refuses, before anything is allocated, a network whose router count or allocator state
is beyond reason, and `check_run_length` a run or a sweep whose work is (`run_work`: the flit-hops
its load offers and the router steps they cause, in calibrated CPU seconds; an idle router costs
nothing), each with the estimate and how to override it
(``DESIM_NO_SIZE_LIMIT=1``).

Examples
--------
>>> from desim.noc import NocConfig
>>> NocConfig(injection_rate=True)
Traceback (most recent call last):
...
desim.config.KeyedConfigError: 'injection_rate' must be a number, got True
>>> NocConfig(traffic_args={"nodes": 5})
Traceback (most recent call last):
...
desim.config.KeyedConfigError: 'traffic_args.nodes': unknown parameter of traffic 'uniform'; ...
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from desim.config import KeyedConfigError, check_fields, require
from desim.config_checks import require_key
from desim.kernel.errors import ConfigError
from desim.limits import check_limit
from desim.registry import INJECTION, ROUTER, ROUTING, TOPOLOGY, TRAFFIC, Registry

if TYPE_CHECKING:
    import networkx as nx

    from desim.noc.measurement import NocConfig
    from desim.noc.params import RouterParams

__all__ = [
    "check_noc_config",
    "check_plugin_call",
    "check_router",
    "check_routing",
    "check_topology",
    "check_size",
    "check_network_size",
    "check_limit",
    "check_run_length",
    "routers_of",
    "built_topology",
    "network_shape",
    "run_work",
    "NetworkShape",
    "RunWork",
    "MAX_ROUTERS",
    "MAX_RUN_SECONDS",
    "FLIT_HOP_SECONDS",
    "ROUTER_STEP_SECONDS",
    "STEPS_PER_FLIT_HOP",
    "MAX_STATE",
    "MAX_SWEEP_POINTS",
]

MIN_SAMPLES = 3
"""Sample periods the convergence test needs (three in a row that agree)."""

MAX_ROUTERS = 1 << 16
"""Routers a network may have (a 256 x 256 mesh) unless ``DESIM_NO_SIZE_LIMIT=1``."""

MAX_STATE = 50_000_000
"""Allocator state a network may hold, in request-matrix entries: sum over routers of
``2 (ports x VCs)^2`` (a 64 x 64 mesh with 4 VCs holds 3.3 million)."""

MAX_SWEEP_POINTS = 10_000
"""Offered loads a sweep grid may hold."""

MAX_RUN_SECONDS = 3600.0
"""Estimated CPU seconds (`run_work`) a run, or all the runs of a latency-load sweep, may take:
an hour of one core at the calibrated speed (a 64 x 64 mesh's default run at 0.1 flits/node/cycle
is estimated at 2,700 s; a saturated run may take more than its estimate: its sources' queues
grow, 1.5 times on an 8 x 8 mesh at 0.5)."""

FLIT_HOP_SECONDS = 1.04e-5
"""CPU seconds per flit-hop (compiled build, on the shared 2-core machine at load 6-10; the fit of
``benchmarks/results/run_length.md``)."""

ROUTER_STEP_SECONDS = 5.7e-6
"""CPU seconds per router step (same build and fit)."""

STEPS_PER_FLIT_HOP = 2.0
"""Router steps per flit-hop at light load (a router stays awake while a flit is in its
pipeline; 1.8 to 2.0 measured in the same record, fewer as the load grows and flits overlap)."""


# routers of each built-in topology, from its parameters, before the graph is built
_ROUTER_COUNTS: dict[str, Callable[..., float]] = {
    "mesh": lambda rows, cols, **_: float(rows) * cols,
    "torus": lambda rows, cols, **_: float(rows) * cols,
    "cmesh": lambda rows, cols, **_: float(rows) * cols,
    "flattened_butterfly": lambda rows, cols, **_: float(rows) * cols,
    "ring": lambda n, **_: float(n),
    "star": lambda n, **_: float(n) + 1,
    "fat_tree": lambda k, levels, **_: float(levels) * float(k) ** (levels - 1),
    "tree": lambda branching, depth, **_: (float(branching) ** (depth + 1)) * 2,
    "htree": lambda levels, **_: 2.0**levels,
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _countable(formula: Callable[..., Any], args: Mapping[str, Any]) -> bool:
    """Whether ``formula`` (of `_ROUTER_COUNTS` or `_LATTICES`) may read ``args``: a positive
    integer for every parameter it names, and a positive integer or a word (``terminals_at``) for
    the others; anything else is left to the builder's own checks."""
    named = inspect.signature(formula).parameters
    return all(
        (_is_int(v) and v >= 1) or (isinstance(v, str) and k not in named) for k, v in args.items()
    )


def estimated_routers(topology: str, args: Mapping[str, Any]) -> float | None:
    """Routers the built-in ``topology`` builds from ``args``; None when unknown (a user builder,
    a file) or when the arguments are not positive integers (the builder will say so)."""
    count = _ROUTER_COUNTS.get(topology)
    if count is None or not _countable(count, args):
        return None
    try:
        return count(**args)
    except OverflowError:
        return math.inf
    except TypeError:  # a missing parameter: the builder names it
        return None


def check_size(topology: str, args: Mapping[str, Any]) -> None:
    """Refuse a topology whose router count is beyond `MAX_ROUTERS`, before building it."""
    routers = estimated_routers(topology, args)
    if routers is not None:
        check_limit(
            f"topology {topology!r} {dict(args)} has too many routers", routers, MAX_ROUTERS
        )


def routers_of(topology: str, args: Mapping[str, Any]) -> float:
    """Routers of ``topology`` built from ``args``: from its parameters for the built-in
    lattices and trees (`estimated_routers`), else by building the graph (a topology file is
    read, a user builder runs; their own errors are raised here, before the run)."""
    routers = estimated_routers(topology, args)
    if routers is None:
        routers = float(built_topology(topology, args).number_of_nodes())
    return routers


def built_topology(topology: str, args: Mapping[str, Any]) -> nx.Graph:
    """The graph builder ``topology`` returns for ``args`` (its own errors raised as they are);
    a builder returning anything but a networkx graph is refused by name."""
    import networkx as nx

    graph = TOPOLOGY.get(topology)(**args)
    if not isinstance(graph, nx.Graph):
        raise ConfigError(
            f"topology {topology!r} returned a {type(graph).__name__}, not a networkx graph"
        )
    return graph


class NetworkShape(NamedTuple):
    """What a run's work depends on, from a topology's parameters: its routers, its terminals
    (each injects at the offered rate) and the mean routers a uniform-traffic packet crosses."""

    routers: float
    terminals: float
    routers_crossed: float


def _ring_mean(k: float) -> float:
    """Mean shortest distance on a ring of ``k`` nodes, over all (source, destination) pairs."""
    return k / 4 if k % 2 == 0 else (k * k - 1) / (4 * k)


def _line_mean(k: float) -> float:
    """Mean distance on a line of ``k`` nodes, over all pairs: (k^2 - 1) / 3k."""
    return (k * k - 1) / (3 * k)


# routers, terminals per router and mean links crossed (uniform traffic, self included) of the
# lattices, from their parameters; other topologies are measured on their graph
_LATTICES: dict[str, Callable[..., tuple[float, float, float]]] = {
    "mesh": lambda rows, cols, terminals=1, **_: (
        float(rows) * cols,
        terminals,
        _line_mean(rows) + _line_mean(cols),
    ),
    "cmesh": lambda rows, cols, concentration=4, **_: (
        float(rows) * cols,
        concentration,
        _line_mean(rows) + _line_mean(cols),
    ),
    "torus": lambda rows, cols, terminals=1, **_: (
        float(rows) * cols,
        terminals,
        _ring_mean(rows) + _ring_mean(cols),
    ),
    "ring": lambda n, terminals=1, **_: (float(n), terminals, _ring_mean(n)),
    "flattened_butterfly": lambda rows, cols, concentration=1, **_: (
        float(rows) * cols,
        concentration,
        2 - 1 / rows - 1 / cols,
    ),
}


def _sampled_mean_links(graph: nx.Graph, sources: int = 8) -> float:
    """Mean links from a terminal's router to every terminal, by breadth-first search from up to
    ``sources`` terminal routers spread over the graph's nodes."""
    import networkx as nx

    hosts = [n for n, t in graph.nodes(data="terminals", default=0) if t]
    if not hosts:
        return 0.0
    picked = hosts[:: max(1, len(hosts) // sources)][:sources]
    weight = dict(graph.nodes(data="terminals", default=0))
    total = 0.0
    for source in picked:
        lengths = nx.single_source_shortest_path_length(graph, source)
        total += sum(lengths[n] * weight[n] for n in hosts if n in lengths) / sum(
            weight[n] for n in hosts
        )
    return total / len(picked)


def network_shape(topology: str, args: Mapping[str, Any]) -> NetworkShape:
    """Routers, terminals and mean routers crossed of ``topology`` built from ``args``: from the
    parameters for the lattices, else measured on the built graph (a topology file is read, a user
    builder runs; their own errors are raised here, before the run)."""
    lattice = _LATTICES.get(topology)
    if lattice is not None and _countable(lattice, args):
        routers, per_router, links = lattice(**args)
        return NetworkShape(routers, routers * per_router, links + 1)
    graph = built_topology(topology, args)
    terminals = sum(int(t) for _, t in graph.nodes(data="terminals", default=0))
    return NetworkShape(
        float(graph.number_of_nodes()), float(terminals), _sampled_mean_links(graph) + 1
    )


class RunWork(NamedTuple):
    """The estimated work of a run: flit-hops, router steps and the CPU time they take."""

    cycles: float
    flit_hops: float
    router_steps: float
    cpu_seconds: float


def run_work(
    config: NocConfig, shape: NetworkShape | None = None, rate: float | None = None
) -> RunWork:
    """The work of ``config``'s warm-up and sample periods, at its load or at ``rate`` (a run that
    converges stops earlier; the drain, short unless the run saturates, is not counted).

    The engine visits only cycles that hold work and steps only routers holding flits
    (`desim.noc.engine`), so the work is the flits offered times the routers each crosses
    (uniform traffic), and the router steps they cause: about `STEPS_PER_FLIT_HOP` per flit-hop at
    light load, at most one per router per cycle when the network is busy. Their CPU time is
    calibrated on the compiled build (`FLIT_HOP_SECONDS`, `ROUTER_STEP_SECONDS`; record:
    ``benchmarks/results/run_length.md``).
    """
    shape = shape or network_shape(config.topology, config.topology_args)
    cycles = float(config.warmup_periods + config.max_samples) * config.sample_period_cycles
    rate = config.injection_rate if rate is None else rate
    flit_hops = rate * shape.terminals * cycles * shape.routers_crossed
    steps = min(shape.routers * cycles, STEPS_PER_FLIT_HOP * flit_hops)
    seconds = FLIT_HOP_SECONDS * flit_hops + ROUTER_STEP_SECONDS * steps
    return RunWork(cycles, flit_hops, steps, seconds)


def check_run_length(
    config: NocConfig, rates: Sequence[float] | None = None, what: str = "the run"
) -> None:
    """Refuse runs of ``config`` whose estimated CPU time (`run_work`) together exceeds
    `MAX_RUN_SECONDS`: one run at its own load, or one at each of ``rates`` (a sweep passes its
    grid and its bisection runs)."""
    shape = network_shape(config.topology, config.topology_args)
    loads = [config.injection_rate] if rates is None else list(rates)
    works = [run_work(config, shape, rate) for rate in loads]
    cycles = works[0].cycles
    hops = sum(w.flit_hops for w in works)
    offered = f"{loads[0]:g}" if len(loads) == 1 else f"{min(loads):g} to {max(loads):g}"
    check_limit(
        f"{what} is too long: {f'{len(loads)} x ' if len(loads) > 1 else ''}{cycles:.0f} cycles "
        f"((warmup_periods + max_samples) x sample_period_cycles) of {shape.terminals:.0f} "
        f"terminals offering {offered} flits/cycle each, {hops:.3g} flit-hops in all, in seconds "
        "of CPU",
        sum(w.cpu_seconds for w in works),
        MAX_RUN_SECONDS,
    )


def check_network_size(graph: nx.Graph, params: RouterParams) -> None:
    """Refuse a network whose allocator state (see `MAX_STATE`) is beyond reason, before building
    its routers."""
    terminals = graph.nodes(data="terminals", default=0)
    state = sum(2.0 * ((graph.degree(n) + int(t)) * params.vcs) ** 2 for n, t in terminals)
    check_limit(
        f"{graph.number_of_nodes()} routers with {params.vcs} VCs per port hold too much "
        "allocator state (2 (ports x VCs)^2 entries per router)",
        state,
        MAX_STATE,
    )
    check_limit(
        f"the topology has too many routers ({graph.number_of_nodes()})",
        graph.number_of_nodes(),
        MAX_ROUTERS,
    )


def check_plugin_call(
    kind: str, name: Any, obj: Callable[..., Any], *args: Any, **kwargs: Any
) -> None:
    """Raise `ConfigError` unless ``obj`` (plug-in ``name`` of ``kind``) can be called with these
    arguments: an importable object that is not a plug-in is named before the run."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):  # a builtin without a signature: nothing to check
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        shown = ", ".join(p for p in signature.parameters) or "none"
        raise ConfigError(
            f"{kind} {name!r} does not take the arguments desim passes to {kind} plug-ins ({exc}); "
            f"its parameters: {shown}"
        ) from None


def _check_args(registry: Registry[Any], name: str, args: Any, positional: int, what: str) -> None:
    """The ``*_args`` table of plug-in ``name``: a table whose keys its factory takes as keywords
    (after ``positional`` arguments)."""
    require(isinstance(args, dict), f"{what} must be a table of NAME = VALUE, got {args!r}")
    obj = registry.get(name)  # (resolved by the caller: the name is known)
    allowed = registry.metadata(name).get("params")
    if allowed is None:
        check_plugin_call(registry.kind, name, obj, *([None] * positional), **args)
        return
    _reject_unknown(args, allowed, what, f"{registry.kind} {name!r}")


def _reject_unknown(args: Mapping[str, Any], allowed: Any, what: str, owner: str) -> None:
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise KeyedConfigError(
            f"{what}.{unknown[0]}",
            f"unknown parameter of {owner}; allowed: {', '.join(allowed) or '(none)'}",
        )


def _plugin(registry: Registry[Any], field: str, name: Any) -> Any:
    """The plug-in ``name`` of field ``field`` (an unknown name names the field too)."""
    try:
        return registry.get(name)
    except ConfigError as exc:
        raise KeyedConfigError(field, str(exc)) from None


def check_topology(topology: Any, args: Any) -> None:
    """A registered ``topology`` whose builder takes ``args`` (every key named, none missing),
    of at most `MAX_ROUTERS` routers (the fields ``topology`` and ``topology_args`` of a config:
    `desim.config.from_mapping` puts the config's own path in front of the keys it names)."""
    require_key(isinstance(args, Mapping), "topology_args", f"must be a table, got {args!r}")
    builder = _plugin(TOPOLOGY, "topology", topology)
    try:
        parameters = inspect.signature(builder).parameters
    except (TypeError, ValueError):
        parameters = {}
    if parameters and not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        _reject_unknown(args, parameters, "topology_args", f"topology {topology!r}")
    check_plugin_call("topology", topology, builder, **args)
    check_size(topology, args)
    if estimated_routers(topology, args) is None:  # the builder's own checks, before the run
        routers_of(topology, args)


def check_router(router: Any, args: Any) -> None:
    """A registered router preset and overrides naming `RouterParams` fields, valid together
    (an error names the entry of ``router_args``)."""
    from desim.noc.presets import router_params

    _plugin(ROUTER, "router", router)
    require_key(isinstance(args, Mapping), "router_args", f"must be a table, got {args!r}")
    _reject_unknown(args, _router_fields(), "router_args", "the router")
    try:
        router_params(router, **args)
    except KeyedConfigError as exc:  # a field of the router's: an entry of router_args
        raise exc.under("router_args") from None


def check_routing(routing: Any) -> None:
    """A registered (or importable) routing policy that can be called as one."""
    check_plugin_call("routing", routing, _plugin(ROUTING, "routing", routing), None)


def _check_numbers(config: NocConfig) -> None:
    rate = config.injection_rate
    require(0.0 <= rate <= 1.0, f"injection_rate must be in [0, 1] flits/node/cycle, got {rate!r}")
    require(config.seed >= 0, f"seed must be an integer >= 0, got {config.seed!r}")
    require(config.warmup_periods >= 0, f"warmup_periods must be >= 0, got {config.warmup_periods}")
    require(
        config.sample_period_cycles >= 1,
        f"sample_period_cycles must be >= 1, got {config.sample_period_cycles}",
    )
    require(
        config.max_samples >= MIN_SAMPLES,
        f"max_samples must be >= {MIN_SAMPLES} (convergence needs three periods in a row), "
        f"got {config.max_samples}",
    )
    require(
        0.0 < config.convergence_threshold < 1.0,
        f"convergence_threshold must be in (0, 1), got {config.convergence_threshold!r}",
    )
    require(
        0.0 < config.latency_threshold_cycles < math.inf,
        f"latency_threshold_cycles must be > 0 and finite, got {config.latency_threshold_cycles!r}",
    )
    require(
        0.0 < config.backlog_growth_threshold < 1.0,
        f"backlog_growth_threshold must be in (0, 1), got {config.backlog_growth_threshold!r}",
    )
    require(
        config.deadlock_cycles >= 1, f"deadlock_cycles must be >= 1, got {config.deadlock_cycles}"
    )


def _check_traffic(config: NocConfig) -> float:
    """Check the traffic fields; return the mean packet size in flits."""
    from desim.noc.traffic import packet_sizes  # registers the patterns and injections

    sizes = packet_sizes(config.packet_size)
    longest = max(sizes.sizes)
    require(
        longest <= config.sample_period_cycles,
        f"packet_size: a {longest}-flit packet takes at least {longest} cycles to inject, longer "
        f"than a sample period ({config.sample_period_cycles} cycles); use packets of at most "
        "sample_period_cycles flits or a longer sample period",
    )
    _plugin(TRAFFIC, "traffic", config.traffic)
    _plugin(INJECTION, "injection", config.injection)
    _check_args(TRAFFIC, config.traffic, config.traffic_args, 2, "traffic_args")
    _check_args(INJECTION, config.injection, config.injection_args, 1, "injection_args")
    INJECTION.get(config.injection)(config.injection_rate / sizes.mean, **config.injection_args)
    return sizes.mean


def check_noc_config(config: NocConfig) -> None:
    """Check every field of ``config``; raise `ConfigError` naming the first wrong one."""
    check_fields(config)
    _check_numbers(config)
    check_topology(config.topology, config.topology_args)
    check_routing(config.routing)
    _check_traffic(config)
    check_router(config.router, config.router_args)
    check_run_length(config)


def _router_fields() -> list[str]:
    from dataclasses import fields

    from desim.noc.params import RouterParams

    return sorted(f.name for f in fields(RouterParams))
