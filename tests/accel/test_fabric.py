"""The agent seam: terminals as put/get interfaces, late receivers, tile-local channels."""

from __future__ import annotations

import pytest

from desim.accel import Fabric, FabricConfig, SramBank
from desim.kernel import Channel, ConfigError, InPort, Module, OutPort, Simulator
from desim.noc.packets import StreamPacket


def small(**kw) -> FabricConfig:
    return FabricConfig(topology_args={"rows": 2, "cols": 2}, **kw)


class Pe(Module):
    """A PE with a network port pair and a channel to its tile's memory bank."""

    def __init__(self, name, parent, terminal, bank_link=None):
        super().__init__(name, parent)
        self.tid = terminal.tid
        self.tx, self.rx = OutPort("tx", self), InPort("rx", self)
        self.tx.bind(terminal)
        self.rx.bind(terminal)
        if bank_link is not None:
            self.to_bank = OutPort("to_bank", self)
            self.to_bank.bind(bank_link)


def test_a_late_receiver_loses_nothing():
    sim = Simulator(seed=0)
    fabric = Fabric(sim, small())
    a, b = Pe("a", sim, fabric.pe_terminal(0)), Pe("b", sim, fabric.pe_terminal(3))
    got = []

    def sender():
        for k in range(5):
            yield a.tx.put(StreamPacket(a.tid, (b.tid,), 100, k))

    def late():
        yield sim.env.timeout(500)  # every packet arrived long before
        for _ in range(5):
            got.append((yield b.rx.get()).payload)

    sim.process(sender())
    sim.process(late())
    sim.run()
    assert got == [0, 1, 2, 3, 4]
    assert fabric.network.counters.packets_received == 5
    fabric.network.check_conservation()


def test_a_long_message_is_split_and_reassembled_once():
    sim = Simulator(seed=0)
    fabric = Fabric(sim, small(flit_width_bits=64, header_bits=16, max_packet_flits=4))
    a, b = Pe("a", sim, fabric.pe_terminal(0)), Pe("b", sim, fabric.pe_terminal(1))
    fmt = fabric.flit_format
    size = 1000  # payload bits: 4 flits carry 240 payload bits, so 5 parts (4 x 240 + 40)
    assert fmt.split(size) == [240, 240, 240, 240, 40]
    got = []

    def run():
        done = a.tx.put(StreamPacket(a.tid, (b.tid,), size, "weights"))
        got.append((yield b.rx.get()).payload)
        yield done

    sim.process(run())
    sim.run()
    assert got == ["weights"]
    net = fabric.network
    assert net.counters.packets_received == 5
    assert net.counters.flits_injected == sum(fmt.flits(p) for p in fmt.split(size))


def test_pe_reaches_a_bank_by_channel_and_a_pe_by_the_network():
    sim = Simulator(seed=0)
    fabric = Fabric(sim, small())
    link = Channel("pe0_bank", sim, capacity=2, latency_cycles=1)
    bank = SramBank("bank0", sim, capacity_bytes=1024, width_bits=64)
    a = Pe("a", sim, fabric.pe_terminal(0), bank_link=link)
    b = Pe("b", sim, fabric.pe_terminal(2))
    log = []

    def bank_agent():
        while True:
            bits = yield link.get()
            yield bank.write(bits)
            log.append(("stored", bits, sim.now))

    def pe_a():
        yield a.to_bank.put(128)
        yield a.tx.put(StreamPacket(a.tid, (b.tid,), 64, "partial sums"))

    def pe_b():
        packet = yield b.rx.get()
        log.append(("received", packet.payload, packet.source))

    for process in (bank_agent(), pe_a(), pe_b()):
        sim.process(process)
    sim.elaborate()
    sim.run()
    # channel latency 1, then a 2-word write: latency 1 + 1 more word
    assert ("stored", 128, 3) in log
    assert ("received", "partial sums", a.tid) in log
    assert bank.counts.total("sram_write") == 128


def test_a_terminal_refuses_a_packet_from_another_source():
    sim = Simulator(seed=0)
    fabric = Fabric(sim, small())
    with pytest.raises(ValueError, match="source"):
        fabric.pe_terminal(0).put(StreamPacket(99, (1,), 8, None))


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"multicast": "flood"}, "multicast"),
        ({"flit_width_bits": 0}, "flit_width_bits"),
        ({"flit_width_bits": True}, "flit_width_bits"),
        ({"header_bits": 600}, "header_bits"),
        ({"router_args": {"flit_width_bits": 64}}, "set flit_width_bits, not an entry of"),
        ({"max_packet_flits": 32}, "'max_packet_flits' must be at most the router's vc_buffer_"),
    ],
)
def test_bad_fabric_configs_name_the_field(kw, message):
    with pytest.raises(ConfigError, match=message):
        FabricConfig(**kw)


def test_a_fabric_beyond_reason_is_refused_before_it_is_built(monkeypatch):
    monkeypatch.delenv("DESIM_NO_SIZE_LIMIT", raising=False)
    with pytest.raises(ConfigError, match="too many routers.*DESIM_NO_SIZE_LIMIT"):
        FabricConfig(topology_args={"rows": 1000, "cols": 1000})
    # 48,400 PEs: even the lightest design's figures give 50 GB, beyond the 2 GB limit
    with pytest.raises(ConfigError, match=r"for any accelerator: 48400 PEs at the lightest"):
        FabricConfig(topology_args={"rows": 220, "cols": 220})
    monkeypatch.setenv("DESIM_NO_SIZE_LIMIT", "1")
    FabricConfig(topology_args={"rows": 220, "cols": 220})


def test_memory_router_out_of_range_is_refused_by_the_config():
    with pytest.raises(
        ConfigError, match=r"'memory_router': 9 is not a router of the 4-router mesh"
    ):
        small(memory_router=9)
    assert Fabric(Simulator(seed=0), small(memory_router=3)).memory_tid > 0


def test_placement_one_pe_per_router_and_the_memory_port_beside_pe0():
    fabric = Fabric(Simulator(seed=0), FabricConfig())
    net = fabric.network
    assert fabric.pes == 64
    assert [net.terminal_router[t] for t in fabric.pe_tids] == list(range(64))
    assert net.terminal_router[fabric.memory_tid] == 0
