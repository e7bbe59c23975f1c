"""Synthetic-traffic experiments measured as BookSim measures them.

Warm-up periods, then sample periods until three consecutive periods change the average packet
latency and the accepted rate by less than the threshold (at most ``max_samples`` periods), then a
drain of the measured packets (those created during measurement). A run whose average latency, with
the packets still in flight counted at their age, exceeds ``latency_threshold_cycles`` is unstable
and reported as saturated, as is one that does not converge (Jiang et al., ISPASS 2013;
BookSim2's latency mode) unless its load is so light that too few packets were measured for the
averages to settle (``converged`` is then False but the run is not saturated). Rates are in flits
per node per cycle.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from desim.kernel.errors import InvariantError
from desim.kernel.simulator import Simulator
from desim.noc.interface import NetworkInterface
from desim.noc.network import Network
from desim.noc.presets import router_params
from desim.noc.router import Router
from desim.noc.sampling import Sampler
from desim.noc.synthetic import attach_sources
from desim.noc.validation import check_network_size, check_noc_config
from desim.registry import INJECTION, TOPOLOGY, TRAFFIC

__all__ = ["NocConfig", "NocResult", "build_network", "simulate"]

Plugin = str | Callable[..., Any]
"""A plug-in: a registered name, a ``"package.module:function"`` string or the callable itself."""


@dataclass(frozen=True)
class NocConfig:
    """One synthetic-traffic experiment; every field names its unit where it has one.

    Validated as a whole on construction (`desim.noc.validation.check_noc_config`): a wrong type,
    value, plug-in name or ``*_args`` key raises `ConfigError` naming it and what is allowed.
    Plug-in fields take a registered name, a ``"package.module:function"`` string or a callable.
    """

    topology: Plugin = "mesh"
    topology_args: dict[str, Any] = field(default_factory=lambda: {"rows": 8, "cols": 8})
    routing: Plugin = "xy"
    traffic: Plugin = "uniform"
    traffic_args: dict[str, Any] = field(default_factory=dict)
    injection: Plugin = "bernoulli"
    injection_args: dict[str, Any] = field(default_factory=dict)
    injection_rate: float = 0.1
    packet_size: Any = 1
    router: Plugin = "booksim"
    router_args: dict[str, Any] = field(default_factory=dict)
    seed: int = 1
    warmup_periods: int = 3
    sample_period_cycles: int = 1000
    max_samples: int = 10
    convergence_threshold: float = 0.05
    latency_threshold_cycles: float = 500.0
    backlog_growth_threshold: float = 0.01
    deadlock_cycles: int = 2000

    def __post_init__(self) -> None:
        check_noc_config(self)


@dataclass
class NocResult:
    """The measured outcome of one run (latencies in cycles, rates in flits/node/cycle)."""

    topology: str
    routing: str
    traffic: str
    offered_rate: float
    accepted_rate: float
    accepted_rate_min: float
    avg_packet_latency: float
    avg_network_latency: float
    avg_flit_latency: float
    p50_packet_latency: float
    p95_packet_latency: float
    p99_packet_latency: float
    max_packet_latency: float
    avg_hops: float
    saturated: bool
    converged: bool
    sample_periods: int
    packets_measured: int
    cycles: int
    flits_delivered: int
    flit_hops: int
    max_link_utilisation: float
    mean_link_utilisation: float
    wall_seconds: float
    flit_hops_per_second: float
    cycles_per_second: float
    seed: int
    links: list[dict[str, Any]] = field(default_factory=list, repr=False)
    routers: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def to_record(self) -> dict[str, Any]:
        """A flat record (one row of a pandas DataFrame); `links` and `routers` are left out."""
        record = asdict(self)
        del record["links"], record["routers"]
        return record

    def to_json(self, detail: bool = False) -> str:
        """The flat record as JSON; with ``detail``, per-link and per-router statistics too."""
        record = self.to_record()
        if detail:
            record.update(links=self.links, routers=self.routers)
        return json.dumps(record)


def build_network(
    config: NocConfig,
    sim: Simulator,
    router_cls: type[Router] = Router,
    interface_cls: type[NetworkInterface] = NetworkInterface,
) -> Network:
    """The network of ``config`` (topology builder + router preset + routing), its routers and
    interfaces of the classes given (see `Network`)."""
    graph = TOPOLOGY.get(config.topology)(**config.topology_args)
    params = router_params(config.router, **config.router_args)
    check_network_size(graph, params)
    return Network(
        sim,
        graph,
        config.routing,
        params,
        deadlock_cycles=config.deadlock_cycles,
        router_cls=router_cls,
        interface_cls=interface_cls,
    )


def _start_traffic(config: NocConfig, net: Network) -> list[Any]:
    from desim.noc.traffic import packet_sizes  # the traffic module registers the patterns

    sizes = packet_sizes(config.packet_size)
    dims = net.graph.graph.get("dims")
    if not dims or net.terminals != len(net.routers):
        dims = None  # grid patterns need one terminal per grid router
    destination = TRAFFIC.get(config.traffic)(
        net.terminals, tuple(dims) if dims else None, **config.traffic_args
    )
    packet_rate = config.injection_rate / sizes.mean
    injection = INJECTION.get(config.injection)
    return attach_sources(
        net, destination, lambda: injection(packet_rate, **config.injection_args), sizes
    )


def simulate(
    config: NocConfig,
    *,
    router_cls: type[Router] = Router,
    interface_cls: type[NetworkInterface] = NetworkInterface,
) -> NocResult:
    """Run ``config`` with BookSim's measurement method; check conservation; return the result.

    ``router_cls`` and ``interface_cls`` build the network's routers and interfaces: `Router`
    and `NetworkInterface` by default, or subclasses of them (see `Network`).
    """
    sim = Simulator(seed=config.seed)
    net = build_network(config, sim, router_cls, interface_cls)
    sampler = Sampler(net)
    sources = _start_traffic(config, net)
    wall = time.perf_counter()
    period = config.sample_period_cycles
    sim.run(cycles=period * config.warmup_periods)
    start = sim.now
    sent_at_start = net.sent_per_port()
    sampler.open()
    converged, stable, periods = _sample(config, sim, net, sampler)
    end = sim.now
    utilisation = net.link_utilisation(end - start, sent_at_start)
    sampler.close()
    if stable:
        _drain_measured(sim, net, sampler, period)
    for source in sources:
        source.stop()
    _drain_all(sim, net, period)
    net.check_conservation()
    wall = time.perf_counter() - wall
    # the run ends with the last flit's move: a stopped source's next arrival, which the calendar
    # still holds (far off at light loads), is not part of it
    cycles = max(end, net.counters.last_move + 1)
    return _result(
        config, net, sampler, converged, stable, periods, end - start, utilisation, wall, cycles
    )


def _sample(
    config: NocConfig, sim: Simulator, net: Network, sampler: Sampler
) -> tuple[bool, bool, int]:
    """Run sample periods until the average latency and accepted rate (over the measurement so
    far, as BookSim) change by less than the threshold for three periods in a row.

    Averages settle even while the source queues of an oversubscribed network keep growing, so a
    run that converges but whose backlog (packets created, not yet received) grew by more than
    ``backlog_growth_threshold`` of the packets offered meanwhile, beyond three standard
    deviations of the arrival noise (the square root of the packets offered), does not sustain its
    load: it is reported unstable. A run that does not converge is unstable too, unless its load
    is so light that the latency's sampling noise alone keeps it from converging (`_noise_bound`)
    and its backlog did not grow. Returns (converged, stable, sample periods).
    """
    previous: tuple[float, float] | None = None
    backlog, created = sampler.outstanding(sim.now)[0], net.counters.packets_created
    streak = 0
    for periods in range(1, config.max_samples + 1):
        sim.run(cycles=config.sample_period_cycles)
        if latency_with_ages(sampler, sim.now) > config.latency_threshold_cycles:
            return False, False, periods
        latency = sampler.window_latency_sum / max(sampler.window_packets, 1)
        accepted = sampler.accepted.sum() / (periods * config.sample_period_cycles * net.terminals)
        if previous is not None and _close(
            previous, (latency, accepted), config.convergence_threshold
        ):
            streak += 1
        else:
            streak = 0
        previous = (latency, accepted)
        if streak >= 2 and periods >= 3:  # three periods in a row agree
            return True, _sustained(config, sampler, backlog, created), periods
    stable = _noise_bound(config, sampler) and _sustained(config, sampler, backlog, created)
    return False, stable, config.max_samples


def _sustained(config: NocConfig, sampler: Sampler, backlog: int, created: int) -> bool:
    """Whether the backlog grew by at most ``backlog_growth_threshold`` of the packets offered
    since measurement began (``backlog`` and ``created`` then), plus three standard deviations of
    the arrival noise."""
    growth = sampler.outstanding(0)[0] - backlog
    offered = sampler.net.counters.packets_created - created
    return growth <= backlog_allowance(config, offered)


def backlog_allowance(config: NocConfig, offered: int) -> float:
    """The backlog growth a run that sustains its load may show after ``offered`` packets:
    ``backlog_growth_threshold`` of them plus three standard deviations of the arrival noise."""
    return config.backlog_growth_threshold * offered + 3.0 * offered**0.5


def latency_with_ages(sampler: Sampler, now: int) -> float:
    """The measurement window's average packet latency with the packets still in flight counted
    at their age at cycle ``now`` (the quantity held against ``latency_threshold_cycles``)."""
    count, ages = sampler.outstanding(now)
    return (sampler.window_latency_sum + ages) / max(sampler.window_packets + count, 1)


def _noise_bound(config: NocConfig, sampler: Sampler) -> bool:
    """Whether too few packets were measured for the convergence test to pass: the standard error
    of the mean latency exceeds `NOISE_BOUND` of the threshold's margin (a light load, not an
    unstable one). The cumulative mean then moves by about that much from period to period."""
    latencies = np.asarray(sampler.packet_latency, dtype=np.float64)
    if latencies.size < 2:
        return True
    error = latencies.std(ddof=1) / latencies.size**0.5
    return bool(error > NOISE_BOUND * config.convergence_threshold * latencies.mean())


NOISE_BOUND = 0.25
"""A run that did not converge is still stable (not saturated) when its backlog did not grow and
the standard error of its mean latency exceeds this fraction of ``convergence_threshold`` times
the mean: its load was too light for the averages to settle within ``max_samples`` periods."""


def _close(a: tuple[float, float], b: tuple[float, float], threshold: float) -> bool:
    return all(abs(x - y) <= threshold * max(abs(y), 1e-12) for x, y in zip(a, b, strict=True))


DRAIN_PERIODS = 50
"""Sample periods, or longest zero-load latencies if those are longer (`drain_limit_cycles`), that
a drain may take before the run is declared livelocked."""


def zero_load_bound_cycles(net: Network) -> int:
    """An upper bound on the zero-load latency of a one-flit packet on minimal routes: injection,
    the pipeline of ``D + 1`` routers, ``D`` links of the longest latency and ejection, for ``D``
    twice the eccentricity of router 0 (at least the graph's diameter; one breadth-first search).
    """
    p = net.params
    eccentricity = max(nx.single_source_shortest_path_length(net.graph, 0).values())
    hops = 2 * eccentricity
    stages = p.routing_delay_cycles + p.vc_alloc_delay_cycles
    stages += p.sw_alloc_delay_cycles + p.st_delay_cycles
    link = max((int(c) for _, _, c in net.graph.edges(data="latency_cycles")), default=0)
    return (
        p.injection_latency_cycles + (hops + 1) * stages + hops * link + p.ejection_latency_cycles
    )


def drain_limit_cycles(net: Network, period: int) -> int:
    """Cycles a drain may take: `DRAIN_PERIODS` sample periods, or as many zero-load latencies
    (`zero_load_bound_cycles`) where the pipeline is longer than a sample period, so that a slow
    network draining is not taken for a livelock."""
    return DRAIN_PERIODS * max(period, zero_load_bound_cycles(net))


def _drain_measured(sim: Simulator, net: Network, sampler: Sampler, period: int) -> None:
    """Run on (traffic continuing) until every measured packet has been received."""
    _run_until(sim, net, period, sampler.all_measured_received, "measured packets undelivered")


def _drain_all(sim: Simulator, net: Network, period: int) -> None:
    """Sources stopped: drop packets never injected, deliver the flits in flight."""
    net.discard_queued()
    _run_until(
        sim, net, period, lambda: net.counters.flits_in_network == 0, "flits still in flight"
    )
    sim.run()  # the last credits and partially injected packets


def _run_until(sim: Simulator, net: Network, period: int, done: Any, what: str) -> None:
    """Run in tenths of a sample period until ``done()``; raise `InvariantError` after
    `drain_limit_cycles` of flits still moving (a livelock: e.g. a routing policy that never
    reaches some destination; a deadlock is caught earlier by the network's watchdog)."""
    limit = drain_limit_cycles(net, period)
    deadline = sim.now + limit
    while not done():
        if sim.now >= deadline:
            raise InvariantError(
                f"{what} {limit} cycles ({limit / period:g} sample periods) after measurement "
                f"ended, with flits still moving (livelock?)"
            )
        sim.run(cycles=period // 10 or 1)


def _mean(values: Any) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def _percentile(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if values.size else float("nan")


def _result(
    config: NocConfig,
    net: Network,
    sampler: Sampler,
    converged: bool,
    stable: bool,
    periods: int,
    window: int,
    utilisation: dict[tuple[int, int], float],
    wall: float,
    cycles: int,
) -> NocResult:
    saturated = not stable
    # an unstable run has no steady-state latency: report none rather than a run-length artefact
    lat = np.asarray([] if saturated else sampler.packet_latency, dtype=np.float64)
    per_node = sampler.accepted / max(window, 1)
    links = list(utilisation.values()) or [0.0]
    return NocResult(
        topology=config.topology,
        routing=str(config.routing),
        traffic=config.traffic,
        offered_rate=float(config.injection_rate),
        accepted_rate=float(per_node.mean()),
        accepted_rate_min=float(per_node.min()),
        avg_packet_latency=_mean(lat),
        avg_network_latency=float("nan") if saturated else _mean(sampler.network_latency),
        avg_flit_latency=float("nan")
        if saturated or not sampler.flits
        else sampler.flit_latency_sum / sampler.flits,
        p50_packet_latency=_percentile(lat, 50),
        p95_packet_latency=_percentile(lat, 95),
        p99_packet_latency=_percentile(lat, 99),
        max_packet_latency=float(lat.max()) if lat.size else float("nan"),
        avg_hops=_mean(sampler.hops),
        saturated=saturated,
        converged=converged,
        sample_periods=periods,
        packets_measured=len(sampler.packet_latency),
        cycles=cycles,
        flits_delivered=net.counters.flits_ejected,
        flit_hops=net.flit_hops,
        max_link_utilisation=float(max(links)),
        mean_link_utilisation=float(np.mean(links)),
        wall_seconds=wall,
        flit_hops_per_second=net.flit_hops / max(wall, 1e-9),
        cycles_per_second=cycles / max(wall, 1e-9),
        seed=config.seed,
        links=[{"from": a, "to": b, "flits_per_cycle": u} for (a, b), u in utilisation.items()],
        routers=[{"router": r.rid, **r.stats()} for r in net.routers],
    )
