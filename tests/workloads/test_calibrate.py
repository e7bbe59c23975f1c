"""Calibrated workloads reproduce the published per-layer densities."""

from __future__ import annotations

import pytest
import torch
import torch.fx

from workloads.calibrate import consumers
from workloads.published import targets
from workloads.workload import WorkloadSpec, build_workload

WEIGHT_TOLERANCE = 3e-5
"""README and docs/workloads.md: weights within 3e-5 of SCNN's table (conv1_1 is 2.3e-5 off)."""
INPUT_COUNT_TOLERANCE = 0.5
"""README and docs/workloads.md: every input has the nearest count of non-zeros to its target
(within half a value of ``density x values``)."""


def test_vgg16_matches_the_published_table() -> None:
    workload = build_workload(WorkloadSpec("vgg16", batch=1))
    table = targets("vgg16")
    assert [r.name for r in workload.layers] == list(table)
    for record in workload.layers:
        target = table[record.name]
        assert abs(record.weight_density - target.weight_density) <= WEIGHT_TOLERANCE, record.name
        values = record.input.size
        nonzeros = record.input_density * values
        assert abs(nonzeros - target.input_density * values) <= INPUT_COUNT_TOLERANCE, record.name
    assert workload.provenance == "calibrated"
    assert table["features.conv2_1"].input_density == 0.89  # SCNN.md's table


@pytest.mark.parametrize("name", ["alexnet", "googlenet"])
def test_alexnet_googlenet_calibrated(name: str) -> None:
    workload = build_workload(WorkloadSpec(name, batch=1))
    table = targets(name)
    for record in workload.layers:
        target = table[record.name]
        assert abs(record.weight_density - target.weight_density) <= 0.02
        if target.input_density is not None:
            assert abs(record.input_density - target.input_density) <= 0.02
    summary = workload.summary()["layers"]
    assert all("target_input_source" in layer for layer in summary)


def test_chosen_values_are_labelled() -> None:
    assert targets("vgg16")["features.conv1_2"].kind == "published"
    assert targets("alexnet")["features.conv3"].kind == "chosen"
    assert targets("googlenet")["inceptions.inception4c.b2"].kind == "chosen"
    googlenet = targets("googlenet").values()
    assert all(0.32 <= t.weight_density <= 0.45 for t in googlenet)


def test_trained_model_has_no_table() -> None:
    from desim.kernel.errors import ConfigError

    with pytest.raises(ConfigError, match="calibrated models: alexnet"):
        build_workload(WorkloadSpec("lenet5", provenance="calibrated", dataset="digits"))


class _Joined(torch.nn.Module):
    """conv1's ReLU output concatenated with itself along ``dim``, then read by conv2."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.conv1, self.conv2 = torch.nn.Conv2d(1, 2, 3), torch.nn.Conv2d(2, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.conv1(x))
        return self.conv2(torch.cat([y, y], dim=self.dim))


@pytest.mark.parametrize(
    ("dim", "walked"), [(1, True), (-3, True), (2, False), (3, False), (-1, False)]
)
def test_the_walk_ends_at_a_concatenation_along_height_or_width(dim: int, walked: bool) -> None:
    found = consumers(torch.fx.symbolic_trace(_Joined(dim)))
    assert found == ({"conv1": ("conv2", [])} if walked else {})
