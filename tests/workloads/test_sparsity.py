"""Trained (pruned) and synthetic sparsity; the on-disk cache."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workloads.pruning import magnitude_masks
from workloads.synthetic import clustered_mask, iid_mask, mask
from workloads.workload import WorkloadSpec, build_workload


def test_layer_pruning_is_exact_and_keeps_the_largest() -> None:
    weights = {"a": torch.arange(-5.0, 5.0), "b": torch.ones(4, 5)}
    masks = magnitude_masks(weights, {"a": 0.3, "b": 0.5})
    assert masks["a"].sum() == 3 and masks["b"].sum() == 10
    assert set(weights["a"][masks["a"]].tolist()) == {-5.0, -4.0, 4.0}


def test_global_pruning_ranks_all_weights_together() -> None:
    weights = {"small": torch.full((10,), 0.1), "large": torch.full((10,), 2.0)}
    masks = magnitude_masks(weights, 0.5, scope="global")
    assert masks["large"].all() and not masks["small"].any()


def test_trained_lenet5_on_digits_is_pruned_reported_and_cached() -> None:
    spec = WorkloadSpec("lenet5", "digits", density=0.3, batch=4)
    first = build_workload(spec)
    assert first.provenance == "trained" and first.details["accuracy"] > 0.9
    weights = sum(r.weight.size for r in first.layers)
    kept = sum(np.count_nonzero(r.weight) for r in first.layers)
    assert abs(kept / weights - 0.3) < 0.005
    second = build_workload(spec)
    assert second.details["from_cache"]
    assert np.array_equal(first.layers[0].weight, second.layers[0].weight)


def test_iid_and_clustered_masks() -> None:
    rng = np.random.default_rng(0)
    assert abs(iid_mask((64, 64, 8), 0.3, rng).mean() - 0.3) < 0.01
    clustered = clustered_mask((4, 32, 32), 0.25, rng)
    assert clustered.sum() == 1024
    # clustering: a kept entry's right neighbour is kept far more often than at random
    pairs = clustered[..., :-1] & clustered[..., 1:]
    assert pairs.sum() / clustered[..., :-1].sum() > 0.5
    with pytest.raises(Exception, match="valid: iid, clustered"):
        mask("striped", (4,), 0.5, rng)


@pytest.mark.parametrize("kind", ["iid", "clustered"])
def test_synthetic_workload_densities(kind: str) -> None:
    spec = WorkloadSpec(
        "tiny_vgg16",
        provenance="synthetic",
        weight_density=0.4,
        activation_density=0.2,
        mask=kind,
        batch=2,
    )
    workload = build_workload(spec)
    assert workload.provenance == "synthetic"
    for record in workload.layers:
        assert abs(record.input_density - 0.2) < 0.08 and abs(record.weight_density - 0.4) < 0.1
