"""The run-length limit follows a run's work (`desim.noc.validation.run_work`): the flit-hops its
load offers and the router steps they cause, not routers x cycles. A topology file's routers,
terminals and path lengths are measured on its graph."""

from __future__ import annotations

import pytest

from desim.kernel.errors import ConfigError
from desim.noc import NocConfig, simulate
from desim.noc.validation import MAX_RUN_SECONDS, network_shape, run_work


@pytest.fixture
def ring_file(tmp_path):
    path = tmp_path / "ring300.edges"
    path.write_text("".join(f"{i} {(i + 1) % 300}\n" for i in range(300)))
    return path


def test_a_topology_files_shape_is_measured_on_its_graph(ring_file):
    # a ring of 300: 300 routers, a terminal each, and from any router the mean distance to every
    # router (itself included) is 2 (1 + ... + 149) / 300 + 150 / 300 = 75 links, 76 routers
    shape = network_shape("from_file", {"path": str(ring_file)})
    assert shape == (300, 300, 76)
    assert network_shape("ring", {"n": 300}) == shape


def test_a_topology_files_work_counts_in_the_run_length(ring_file, monkeypatch):
    monkeypatch.delenv("DESIM_NO_SIZE_LIMIT", raising=False)
    fields = dict(topology="from_file", topology_args={"path": str(ring_file)}, routing="table")
    per_cycle = run_work(NocConfig(**fields, sample_period_cycles=1)).cpu_seconds / 13
    period = int(MAX_RUN_SECONDS / per_cycle / 13) + 1  # just over the limit
    with pytest.raises(ConfigError) as refused:
        NocConfig(**fields, sample_period_cycles=period)
    message = str(refused.value)
    assert f"{13 * period} cycles" in message and "of 300 terminals offering 0.1" in message
    assert "in seconds of CPU" in message and "DESIM_NO_SIZE_LIMIT=1" in message
    NocConfig(**fields, sample_period_cycles=period // 2)
    monkeypatch.setenv("DESIM_NO_SIZE_LIMIT", "1")
    NocConfig(**fields, sample_period_cycles=period)


def test_a_light_load_long_run_is_accepted_and_a_heavy_one_of_the_same_size_refused(monkeypatch):
    # 1.3 million cycles on a 32 x 32 mesh: 1.3e9 router-cycles, but at 0.0005 flits/node/cycle
    # only 1.5e7 flit-hops (about 320 s of CPU); at 0.05 a hundred times more
    monkeypatch.delenv("DESIM_NO_SIZE_LIMIT", raising=False)
    size = dict(
        topology="mesh", topology_args={"rows": 32, "cols": 32}, sample_period_cycles=100_000
    )
    light = NocConfig(**size, injection_rate=0.0005)
    assert run_work(light).cpu_seconds < MAX_RUN_SECONDS
    with pytest.raises(
        ConfigError, match=r"the run is too long: 1300000 cycles .* of 1024 terminals"
    ):
        NocConfig(**size, injection_rate=0.05)


@pytest.mark.parametrize(
    ("topology", "args", "routing"),
    [
        ("mesh", {"rows": 4, "cols": 5}, "xy"),
        ("torus", {"rows": 4, "cols": 4}, "xy"),
        ("cmesh", {"rows": 2, "cols": 3}, "xy"),
        ("ring", {"n": 7}, "xy"),
        ("fat_tree", {"k": 2, "levels": 3}, "table"),
    ],
)
def test_the_estimated_flit_hops_are_what_a_run_moves(topology, args, routing):
    """The estimate's flit-hops per cycle against a light-load run's count (an independent
    oracle: the simulator's own router traversals), within 10 %."""
    config = NocConfig(
        topology=topology,
        topology_args=args,
        routing=routing,
        injection_rate=0.05,
        sample_period_cycles=2000,
        warmup_periods=1,
        max_samples=3,
        seed=2,
    )
    result = simulate(config)
    work = run_work(config)
    assert result.flit_hops / result.cycles == pytest.approx(work.flit_hops / work.cycles, rel=0.1)
