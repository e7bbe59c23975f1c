"""The text tables of ``desim accel`` and ``desim compare``: columns aligned whatever the
layer names' lengths, and each per-layer ratio labelled with the baseline it is against."""

from __future__ import annotations

import dataclasses

import pytest

import desim.accel.cli as accel_cli
from desim.cli import main

SYNTH = ["--network", "lenet5", "--weight-density", "0.5", "--activation-density", "0.5"]
SMALL = ["--set", 'fabric.topology_args={"rows": 2, "cols": 2}', "--layers", "2"]
#: LeNet-5's first two layers under a short name and GoogLeNet's longest (32 characters)
NAMES = ("c1", "inceptions.inception3a.b2_reduce")


@pytest.fixture
def long_names(monkeypatch):
    """The workload's layers renamed to `NAMES` (as `desim accel` and `desim compare` build
    them)."""
    built = accel_cli.build_layers

    def renamed(args, kinds):
        layers, info = built(args, kinds)
        return [dataclasses.replace(x, name=n) for x, n in zip(layers, NAMES, strict=True)], info

    monkeypatch.setattr(accel_cli, "build_layers", renamed)


def table(capsys, *argv: str) -> list[str]:
    """The per-layer lines ``desim`` printed (indented), after checking it succeeded."""
    assert main(list(argv)) == 0
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize("word", [" cycles", " useful util", " uJ", " flit-hops"])
def test_accel_columns_line_up_past_a_long_layer_name(capsys, long_names, word):
    lines = table(capsys, "accel", "--arch", "dcnn", *SYNTH, *SMALL)
    assert [line.split()[0] for line in lines] == list(NAMES)
    assert len({line.index(word) for line in lines}) == 1, lines


def test_compare_columns_line_up_past_a_long_layer_name(capsys, long_names):
    lines = table(capsys, "compare", "--arch", "dcnn-opt", "--baseline", "dcnn", *SYNTH, *SMALL)
    assert [line.split()[0] for line in lines] == list(NAMES)
    for word in (" speedup", " energy"):
        assert len({line.index(word) for line in lines}) == 1, lines


def test_compare_labels_each_layer_with_its_baseline(capsys):
    """SCNN against its four baselines: the summary names each; the per-layer ratios are
    against the headline baseline (DCNN), and each line says so."""
    assert main(["compare", "--arch", "scnn", *SYNTH, *SMALL]) == 0
    lines = capsys.readouterr().out.splitlines()
    summary = [line.split(":")[0] for line in lines if not line.startswith("  ")]
    assert summary == [
        f"scnn vs {name}" for name in ("dcnn", "dcnn-opt", "scnn-sparsea", "scnn-sparsew")
    ]
    layers = [line.split() for line in lines if line.startswith("  ")]
    assert [(row[0], row[1], row[2], row[3]) for row in layers] == [
        ("conv1", "vs", "dcnn:", "speedup"),
        ("conv2", "vs", "dcnn:", "speedup"),
    ]
