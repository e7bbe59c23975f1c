"""A workload's memory, estimated from the model's shapes before it is built, against the arrays
a built workload really holds; and the refusal of a batch beyond the limit."""

from __future__ import annotations

import pytest

from desim.cli import main
from workloads.footprint import activation_bytes, layer_count, weight_bytes
from workloads.workload import WorkloadSpec, build_workload


@pytest.mark.parametrize(
    ("model", "dataset", "hidden"),
    [("lenet5", "mnist", None), ("tiny_alexnet", "photos", None), ("mlp", "digits", (30, 20))],
)
def test_the_estimate_is_what_a_built_workload_holds_per_sample(model, dataset, hidden):
    batch = 3
    spec = WorkloadSpec(model, dataset, "synthetic", batch=batch, hidden=hidden, seed=0)
    layers = build_workload(spec).layers
    held = sum(layer.input.nbytes + layer.output.nbytes for layer in layers)
    assert activation_bytes(model, dataset, hidden) * batch == held
    weights = sum(
        layer.weight.nbytes + (0 if layer.bias is None else layer.bias.nbytes) for layer in layers
    )
    assert weight_bytes(model, dataset, hidden) == weights


@pytest.mark.parametrize(
    ("model", "dataset"), [("lenet5", "mnist"), ("tiny_googlenet", "photos"), ("mlp", "digits")]
)
def test_the_layer_count_is_what_a_built_workload_records(model, dataset):
    layers = build_workload(WorkloadSpec(model, dataset, "synthetic", batch=1, seed=0)).layers
    for kinds in [("conv",), ("linear",), ("conv", "linear")]:
        assert layer_count(model, dataset, kinds) == sum(layer.kind in kinds for layer in layers)


def test_a_batch_beyond_memory_is_refused_before_anything_is_built(capsys, monkeypatch):
    monkeypatch.delenv("DESIM_NO_SIZE_LIMIT", raising=False)
    code = main(["workload", "--model", "vgg16", "--batch", "4096"])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1
    per_sample = activation_bytes("vgg16", "photos")
    assert f"({per_sample / 1e6:.3g} MB a sample)" in err
    assert f"an estimated {4096 * per_sample:.3g}" in err and "DESIM_NO_SIZE_LIMIT=1" in err
