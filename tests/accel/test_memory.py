"""SRAM banks and DRAM: access timing against the analytic model, conflicts, capacity, counts."""

from __future__ import annotations

import pytest

from desim.accel import CapacityError, Dram, SramBank
from desim.kernel import ConfigError, Simulator


def finish_times(sim, starts):
    done = []

    def access(start, op):
        yield sim.env.timeout(start)
        yield op()
        done.append(sim.now)

    for start, op in starts:
        sim.process(access(start, op))
    sim.run()
    return sorted(done)


@pytest.mark.parametrize(("bits", "cycles"), [(1, 3), (64, 3), (65, 4), (640, 12)])
def test_access_time_is_latency_plus_extra_words(bits, cycles):
    sim = Simulator(seed=0)
    bank = SramBank("b", sim, capacity_bytes=4096, width_bits=64, latency_cycles=3)
    assert finish_times(sim, [(0, lambda: bank.read(bits))]) == [cycles]


@pytest.mark.parametrize(("ports", "expected"), [(1, [4, 8]), (2, [4, 4])])
def test_conflicting_requests_queue_on_a_single_port_and_overlap_on_two(ports, expected):
    sim = Simulator(seed=0)
    bank = SramBank("b", sim, 4096, width_bits=64, ports=ports, latency_cycles=2)
    reads = [(0, lambda: bank.read(192))] * 2  # 2 + 2 cycles each
    assert finish_times(sim, reads) == expected
    assert bank.conflict_cycles == (4 if ports == 1 else 0)


def test_capacity_overflow_names_the_bank():
    bank = SramBank("iaram", Simulator(seed=0), capacity_bytes=100)
    bank.allocate(60, "tile 3")
    with pytest.raises(CapacityError, match=r"iaram: tile 4 needs 50 bytes, 40 of 100"):
        bank.allocate(50, "tile 4")
    bank.free(60)
    bank.allocate(100)


def test_reads_and_writes_are_counted_by_size():
    sim = Simulator(seed=0)
    bank = SramBank("b", sim, 8192, component="glb")
    finish_times(sim, [(0, lambda: bank.read(100)), (0, lambda: bank.write(30))])
    assert bank.counts.record() == {"glb.sram_read.8KB": 100, "glb.sram_write.8KB": 30}


def test_dram_bursts_share_the_channel_and_latency_is_pipelined():
    sim = Simulator(seed=0)
    dram = Dram("dram", sim, bandwidth_bytes_per_cycle=50.0, latency_cycles=100)
    # 500 bytes: 10 cycles of burst each; the second waits for the first's burst only
    times = finish_times(sim, [(0, lambda: dram.read(500)), (0, lambda: dram.write(500))])
    assert times == [110, 120]
    assert dram.counts.total("dram") == 8000
    assert (dram.bytes_read, dram.bytes_written, dram.busy_cycles) == (500, 500, 20)


@pytest.mark.parametrize(
    "kw", [{"capacity_bytes": 0}, {"ports": 0}, {"width_bits": 1.5}, {"latency_cycles": True}]
)
def test_bad_sram_parameters_are_refused(kw):
    args = {"capacity_bytes": 64, **kw}
    with pytest.raises(ConfigError, match=next(iter(kw))):
        SramBank("b", Simulator(seed=0), **args)


def test_bad_dram_bandwidth_is_refused():
    with pytest.raises(ConfigError, match="bandwidth"):
        Dram("d", Simulator(seed=0), bandwidth_bytes_per_cycle=0)
