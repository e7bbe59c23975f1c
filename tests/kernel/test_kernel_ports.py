"""Modules and ports: hierarchical names, binding exactly once, elaboration errors, forwarding."""

from __future__ import annotations

import pytest

from desim.kernel import (
    Channel,
    ConfigError,
    ElaborationError,
    InPort,
    Module,
    OutPort,
    Simulator,
)


class Source(Module):
    """Puts 0..n-1, one per cycle, on its output port."""

    def __init__(self, name: str, parent: Module | Simulator, n: int) -> None:
        super().__init__(name, parent)
        self.out: OutPort[int] = OutPort("out", self)
        self.n = n
        self.process(self.run())

    def run(self):
        for k in range(self.n):
            yield self.out.put(k)
            yield self.env.timeout(1)


class Sink(Module):
    """Logs (cycle, item) for every item read on its input port."""

    def __init__(self, name: str, parent: Module | Simulator) -> None:
        super().__init__(name, parent)
        self.inp: InPort[int] = InPort("inp", self)
        self.log: list[tuple[int, int]] = []
        self.process(self.run())

    def run(self):
        while True:
            item = yield self.inp.get()
            self.log.append((self.sim.now, item))


def test_source_channel_sink_through_ports() -> None:
    sim = Simulator()
    top = Module("top", sim)
    src, sink = Source("src", top, n=4), Sink("sink", top)
    link: Channel[int] = Channel("link", top, capacity=2, latency_cycles=2)
    src.out.bind(link)
    sink.inp.bind(link)
    sim.elaborate()
    sim.run()
    assert sink.log == [(2, 0), (3, 1), (4, 2), (5, 3)]
    assert [p.path for m in sim.modules() for p in m.iter_ports()] == [
        "top.src.out",
        "top.sink.inp",
    ]


def test_unbound_port_fails_elaboration_with_its_path() -> None:
    sim = Simulator()
    top = Module("top", sim)
    pe = Module("pe0", top)
    OutPort("out", pe)
    with pytest.raises(ElaborationError, match=r"port 'top\.pe0\.out' is unbound"):
        sim.elaborate()


def test_port_bound_twice_names_port_and_both_channels() -> None:
    sim = Simulator()
    top = Module("top", sim)
    out: OutPort[int] = OutPort("out", Module("pe0", top))
    out.bind(Channel("a", top))
    with pytest.raises(ElaborationError) as info:
        out.bind(Channel("b", top))
    assert str(info.value) == (
        "port 'top.pe0.out' is already bound to 'top.a'; a port is bound exactly once "
        "(refusing 'top.b')"
    )


def test_using_an_unbound_port_at_run_time_names_it() -> None:
    sim = Simulator()
    sink = Sink("sink", sim)
    with pytest.raises(ElaborationError, match="'sink.inp' is unbound"):
        sim.run()
    assert sink.log == []


def test_port_needs_the_right_interface() -> None:
    sim = Simulator()
    inp: InPort[int] = InPort("inp", Module("m", sim))
    with pytest.raises(ElaborationError, match=r"port 'm\.inp' needs something with get\(\)"):
        inp.bind(object())  # type: ignore[arg-type]


def test_hierarchical_binding_forwards_through_the_parent_port() -> None:
    sim = Simulator()
    top = Module("top", sim)
    cluster = Module("cluster", top)
    cluster_in: InPort[int] = InPort("inp", cluster)
    sink = Sink("sink", cluster)
    sink.inp.bind(cluster_in)  # child port -> parent port -> channel
    link: Channel[int] = Channel("link", top, capacity=1)
    src = Source("src", top, n=3)
    src.out.bind(link)
    with pytest.raises(ElaborationError, match="'top.cluster.inp' is unbound"):
        sim.elaborate()
    cluster_in.bind(link)
    sim.elaborate()
    sim.run()
    assert [item for _, item in sink.log] == [0, 1, 2]


@pytest.mark.parametrize("name", ["", "a.b", "has space", None])
def test_bad_local_names_are_rejected(name: str) -> None:
    sim = Simulator()
    with pytest.raises(ConfigError, match="name must be a non-empty string"):
        Module(name, sim)
    with pytest.raises(ConfigError, match="port name"):
        InPort(name, Module("m", sim))


def test_siblings_have_distinct_names() -> None:
    sim = Simulator()
    top = Module("top", sim)
    InPort("x", top)
    with pytest.raises(ElaborationError, match="'top' already has a child or port named 'x'"):
        Module("x", top)
    with pytest.raises(ElaborationError, match="top-level module named 'top'"):
        Module("top", sim)


def test_walk_and_repr() -> None:
    sim = Simulator()
    top = Module("top", sim)
    a = Module("a", top)
    Module("b", a)
    Module("c", top)
    assert [m.path for m in top.walk()] == ["top", "top.a", "top.a.b", "top.c"]
    assert repr(a) == "<Module top.a>"
    assert repr(OutPort("o", a)) == "<OutPort top.a.o>"
