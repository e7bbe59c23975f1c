"""The run-length limit counts a topology file's routers (it counted one router for any file)."""

from __future__ import annotations

import pytest

from desim.kernel.errors import ConfigError
from desim.noc.measurement import NocConfig
from desim.noc.validation import MAX_ROUTER_CYCLES


@pytest.fixture
def ring_file(tmp_path):
    path = tmp_path / "ring300.edges"
    path.write_text("".join(f"{i} {(i + 1) % 300}\n" for i in range(300)))
    return path


def test_a_topology_files_routers_count_in_the_run_length(ring_file, monkeypatch):
    monkeypatch.delenv("DESIM_NO_SIZE_LIMIT", raising=False)
    periods = 3 + 10  # warm-up and sample periods
    period = int(MAX_ROUTER_CYCLES / periods / 300) + 1  # over the limit on 300 routers only
    fields = dict(topology="from_file", topology_args={"path": str(ring_file)}, routing="table")
    with pytest.raises(ConfigError) as refused:
        NocConfig(**fields, warmup_periods=3, max_samples=10, sample_period_cycles=period)
    message = str(refused.value)
    assert f"{periods * period} cycles" in message and "on 300 routers" in message
    assert f"an estimated {periods * period * 300:.3g}" in message
    NocConfig(**fields, warmup_periods=3, max_samples=10, sample_period_cycles=period // 2)
    monkeypatch.setenv("DESIM_NO_SIZE_LIMIT", "1")
    NocConfig(**fields, warmup_periods=3, max_samples=10, sample_period_cycles=period)
