"""Interface-level multicast: U-mesh against direct copies (McKinley et al. 1994)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import topologies
from desim.kernel import ConfigError, Simulator
from desim.noc import Network, router_params
from desim.noc.multicast import umesh_sends


def covered(holder: int, chain: tuple[int, ...]) -> list[int]:
    """Every terminal reached from ``holder`` by the recursive U-mesh sends (with repeats)."""
    reached = []
    for target, sub in umesh_sends(holder, chain):
        reached.append(target)
        reached += covered(target, sub)
    return reached


def steps(holder: int, chain: tuple[int, ...]) -> int:
    """Sequential send steps until the last member is reached (one send per holder per step)."""
    sends = umesh_sends(holder, chain)
    return max((i + 1 + steps(t, sub) for i, (t, sub) in enumerate(sends)), default=0)


@given(st.lists(st.integers(0, 200), min_size=1, max_size=60, unique=True), st.data())
def test_umesh_reaches_every_member_of_the_chain_once(members: list[int], data) -> None:
    chain = tuple(sorted(members))
    holder = data.draw(st.sampled_from(chain))
    reached = covered(holder, chain)
    assert sorted(reached + [holder]) == list(chain)
    # a binomial tree: everyone is reached within ceil(log2 |chain|) sequential steps
    assert steps(holder, chain) <= (len(chain) - 1).bit_length()


def broadcast(scheme: str, source: int, dests: list[int]) -> tuple[Network, int, set[int]]:
    sim = Simulator(seed=1)
    net = Network(sim, topologies.mesh(8, 8), "xy", router_params("booksim"), multicast=scheme)
    got: set[int] = set()
    net.delivered_hooks.append(lambda p: got.add(p.dest) if p.payload == "w" else None)
    done = net.interfaces[source].send(dests, 1024, payload="w")
    sim.run()
    assert done.triggered and done.value == "w"
    net.check_conservation()
    return net, sim.now, got


@pytest.mark.parametrize("source", [0, 27, 63])
def test_umesh_delivers_once_each_and_beats_direct_copies(source: int) -> None:
    everyone = list(range(64))
    direct, direct_time, direct_got = broadcast("direct", source, everyone)
    umesh, umesh_time, umesh_got = broadcast("umesh", source, everyone)
    assert direct_got == umesh_got == set(everyone)
    # one packet per destination in both schemes: the same flits injected
    assert direct.counters.flits_injected == umesh.counters.flits_injected == 64 * 8
    # direct serialises 64 copies on one injection channel: at least 64 x 8 flit-cycles
    assert direct_time >= 64 * 8
    # U-mesh: 6 binomial steps, each at most a 14-hop unicast (6 + 4 * 14) plus 7 flits behind
    assert umesh_time <= 6 * (6 + 4 * 14 + 7)
    assert umesh.flit_hops < direct.flit_hops


def test_a_multicast_to_a_subset_including_the_source() -> None:
    _, _, got = broadcast("umesh", 9, [9, 3, 40, 41, 63, 3])
    assert got == {9, 3, 40, 41, 63}


def test_unknown_scheme_is_named() -> None:
    with pytest.raises(
        ConfigError, match="unknown multicast scheme 'trees'; valid: umesh, direct, tree"
    ):
        Network(Simulator(), topologies.mesh(2, 2), "xy", multicast="trees")


def test_sends_take_numpy_integers_and_deliver_the_payload() -> None:
    # workloads compute sizes and destinations with numpy; the compiled interface takes them
    import numpy as np

    sim = Simulator(seed=1)
    net = Network(sim, topologies.mesh(3, 3), "xy", router_params("booksim"))
    got: list[tuple[int, object]] = []

    def sink(t: int):  # type: ignore[no-untyped-def]
        while True:
            packet = yield net.interfaces[t].receive()
            got.append((t, packet.payload))

    for t in (2, 7):
        sim.env.process(sink(t))
    done = net.interfaces[0].send(np.array([2, 7])[::1], np.int64(300), payload="tile")
    net.interfaces[4].send(np.int32(2), np.int16(64), created=np.int64(0))
    sim.run(cycles=200)
    assert done.triggered and done.value == "tile"
    assert sorted(got, key=str) == sorted([(2, "tile"), (7, "tile"), (2, None)], key=str)
    assert net.counters.packets_received == net.counters.packets_created
