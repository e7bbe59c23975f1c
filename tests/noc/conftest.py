"""Harnesses shared by the NoC network, measurement, CLI and BookSim tests.

``probe`` builds a network whose routing policy is wrapped to record, per packet, every router at
which a head flit was routed: the path a packet took, which the zero-load oracle sums over.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import networkx as nx
import pytest

from desim.kernel.simulator import Simulator
from desim.noc import Network, NocConfig, RouterParams, router_params
from desim.registry import ROUTING

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def import_benchmark(name: str) -> ModuleType:
    """The benchmark script ``benchmarks/<name>.py``, imported with its sibling modules as when
    it runs."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


FAST = dict(sample_period_cycles=200, warmup_periods=1, max_samples=5)
"""Measurement settings for quick functional runs (not for comparing numbers)."""


@pytest.fixture
def fast_config() -> Callable[..., NocConfig]:
    """``fast_config(**fields)``: a 4x4 mesh experiment with short sample periods."""

    def make(**fields: Any) -> NocConfig:
        base: dict[str, Any] = dict(topology="mesh", topology_args={"rows": 4, "cols": 4}, **FAST)
        base.update(fields)
        return NocConfig(**base)

    return make


def recording(policy: str, paths: dict[int, list[int]]) -> Callable[..., Any]:
    """A routing factory behaving as ``policy`` that logs each routing router in ``paths[pid]``."""
    factory = ROUTING.get(policy)

    def make(ctx: Any) -> Callable[..., Any]:
        route = factory(ctx)

        def record(router: int, in_port: int, packet: Any) -> Any:
            paths.setdefault(packet.pid, []).append(router)
            return route(router, in_port, packet)

        return record

    make.desim = ROUTING.metadata(policy)  # type: ignore[attr-defined]  # same support checks
    return make


class Probe:
    """A network on ``graph`` and a way to send packets through it one at a time."""

    def __init__(self, graph: nx.Graph, policy: str, params: RouterParams, seed: int = 1) -> None:
        self.sim = Simulator(seed=seed)
        self.paths: dict[int, list[int]] = {}
        self.net = Network(self.sim, graph, recording(policy, self.paths), params)
        self.params = params

    def one_at_a_time(
        self, sends: Iterable[tuple[int, int, int]], gap_cycles: int = 32
    ) -> list[Any]:
        """Send ``(source, dest, flits)`` packets each into an empty network; return them received.

        Each send waits ``gap_cycles`` after the previous delivery, long enough for every credit to
        have returned: the network is quiescent, as at zero load.
        """
        env, received = self.sim.env, []
        width = self.params.flit_width_bits

        def agent() -> Any:
            for source, dest, flits in sends:
                yield env.timeout(gap_cycles)
                inbox = self.net.interfaces[dest].receive()
                self.net.interfaces[source].send(dest, flits * width)
                received.append((yield inbox))

        self.sim.process(agent())
        self.sim.run()
        self.net.check_conservation()
        return received

    def path(self, packet: Any) -> list[int]:
        """Routers the packet crossed, in order (the destination router routes no head)."""
        return self.paths.get(packet.pid, []) + [packet.dest_router]


@pytest.fixture
def probe() -> Callable[..., Probe]:
    """``probe(graph, policy, params=booksim)``: a `Probe`."""
    return lambda graph, policy, params=None, seed=1: Probe(
        graph, policy, params or router_params("booksim"), seed
    )
