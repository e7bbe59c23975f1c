"""docs/scnn.md's count of layers tiled through DRAM is `benchmarks/accel_scnn_tiling.py`'s
record, set against the paper's (9 of 72 layers, all in VGG-16), and the rule it counts with is
the one the simulation uses."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from desim.accel.scnn import ScnnConfig

ROOT = Path(__file__).resolve().parents[2]
RECORD = json.loads((ROOT / "benchmarks" / "results" / "accel_scnn_tiling.json").read_text())
PAGE = " ".join((ROOT / "docs" / "scnn.md").read_text().split())


def _tiled(rows):
    return [r["layer"] for r in rows if r["input_passes"] > 1 or r["output_to_dram"]]


def test_the_paper_scope_is_its_72_layers():
    nets = RECORD["networks"]
    in_scope = {
        "alexnet": nets["alexnet"],
        "googlenet": [r for r in nets["googlenet"] if r["layer"].startswith("inceptions.")],
        "vgg16": nets["vgg16"],
    }
    assert [len(rows) for rows in in_scope.values()] == [5, 54, 13]
    assert sum(map(len, in_scope.values())) == RECORD["paper"]["layers"] == 72
    tiled = {net: _tiled(rows) for net, rows in in_scope.items()}
    assert tiled["alexnet"] == tiled["googlenet"] == []
    assert tiled["vgg16"] == [
        f"features.conv{b}_{i}" for b, i in [(1, 1), (1, 2), (2, 1), (2, 2)]
    ] + [f"features.conv{b}_{i}" for b in (3, 4) for i in (1, 2, 3)]
    assert "Ours tile 10 of the same 72" in PAGE and "all in VGG-16: conv1_1 to conv4_3" in PAGE
    assert "the paper tiles 9 of its 72 convolution layers" in PAGE
    assert RECORD["paper"]["tiled"] == 9  # the paper's count, which ours exceeds by conv4_3


def test_quoted_sizes_are_the_record():
    vgg = {r["layer"]: r for r in RECORD["networks"]["vgg16"]}
    last = vgg["features.conv4_3"]
    assert last["input_passes"] == 2 and not last["output_to_dram"]
    assert f"{last['input_tile_bytes']:,} bytes against the IARAM's {RECORD['iaram_bytes']:,}" in (
        PAGE
    )
    first = vgg["features.conv1_1"]
    assert first["input_passes"] == 1 and first["output_to_dram"]
    stem = {r["layer"]: r for r in RECORD["networks"]["googlenet"]}["stem.conv1"]
    assert stem["input_passes"] == 1 and not stem["output_to_dram"]
    assert f"GoogLeNet's stem conv1 writes {stem['output_bytes']:,} bytes pooled" in PAGE


@pytest.mark.parametrize("network", ["alexnet", "vgg16"])
def test_what_a_layer_writes_is_what_the_next_one_reads(network):
    """The PPU's output (simulated convolution, ReLU, our pool, compressed on the pooled plane's
    tiles) takes on its largest PE the bytes of the largest input tile torch's next layer
    receives, compressed on its own tiles: pooling, tiling and the code agree. (AlexNet's LRN
    between conv1 and conv2 and between conv2 and conv3 keeps the zeros in place.)"""
    rows = RECORD["networks"][network]
    for here, after in zip(rows, rows[1:], strict=False):
        assert here["output_bytes"] == after["input_tile_bytes"], here["layer"]


@pytest.mark.parametrize(
    ("largest_bits", "passes"), [(0, 1), (81920, 1), (81921, 2), (3 * 81920, 3), (3 * 81920 + 1, 4)]
)
def test_input_passes_is_the_iaram_ceiling(largest_bits, passes):
    # 10 KB IARAM = 81,920 bits: a tile one bit over takes two passes
    assert ScnnConfig().input_passes(np.array([5, largest_bits, 7])) == passes


def test_output_to_dram_sums_a_pes_groups():
    # two groups' outputs of 6 KB each on PE 1 exceed its 10 KB OARAM; PE 0's 10 KB fits
    config = ScnnConfig()
    kb = 8 * 1024
    assert not config.output_to_dram(np.array([[10 * kb, 5 * kb], [0, 5 * kb]]))
    assert config.output_to_dram(np.array([[0, 6 * kb], [0, 6 * kb]]))


@pytest.mark.slow
def test_record_reproduces():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import accel_scnn_tiling
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    for network, rows in RECORD["networks"].items():
        assert accel_scnn_tiling.layer_rows(network, ScnnConfig()) == rows, network


def test_energy_table_and_claims_are_the_record():
    energy = RECORD["energy"]
    assert [r["layer"] for r in energy] == _tiled(RECORD["networks"]["vgg16"])
    for r in energy:
        row = f"| {r['layer'].split('.')[-1]} | {r['input_passes']} | {r['tiling_bytes']:,} | "
        assert row + f"{100 * r['penalty']:.1f} % |" in PAGE, r["layer"]
    penalties = [r["penalty"] for r in energy]
    rest = [r["penalty"] for r in energy if r["layer"] != "features.conv1_1"]
    least = min(energy, key=lambda r: r["penalty"])
    most = max(energy, key=lambda r: r["penalty"])
    assert (
        f"Per layer ours run from {100 * least['penalty']:.1f} % ({least['layer'].split('.')[-1]}; "
        f"the paper's lowest is 5 %) to {100 * most['penalty']:.1f} % "
        f"({most['layer'].split('.')[-1]});"
    ) in PAGE
    ratio = np.mean(penalties) / RECORD["paper"]["energy_penalty_mean"]
    assert f"the mean is {100 * np.mean(penalties):.1f} %, {ratio:.1f}x the paper's" in PAGE
    assert f"without it the mean is {100 * np.mean(rest):.1f} %" in PAGE
    high = RECORD["paper"]["energy_penalty_range"][1]
    assert [r["layer"] for r in energy if r["penalty"] > high] == [
        "features.conv1_1"
    ]  # "only conv1_1 exceeds its highest"
    vgg = {r["layer"]: r for r in RECORD["networks"]["vgg16"]}
    out, read = vgg["features.conv1_2"]["output_bytes"], vgg["features.conv2_1"]["input_tile_bytes"]
    assert out == read
    assert f"(conv1_2: {out:,} bytes on its largest PE, the input tile conv2_1 reads" in PAGE
    assert not vgg["features.conv3_3"]["output_to_dram"]


@pytest.mark.parametrize(
    ("layer", "k", "c", "density"),
    # VGG-16's published weight densities (Han et al., as SCNN quotes them)
    [("conv3_1", 256, 128, 0.53), ("conv3_3", 256, 256, 0.41), ("conv4_1", 512, 256, 0.32)]
    + [("conv4_2", 512, 512, 0.26), ("conv4_3", 512, 512, 0.34)],
)
def test_the_weights_first_read_is_the_compressed_weights(layer, k, c, density):
    # what the penalty leaves out, the weights' first read, is the layer's compressed 3 x 3
    # weights at its published density, 20 bits each (16-bit value, 4-bit run), to within the
    # code's placeholders and block counts (a few per cent where Kc is large)
    row = {r["layer"]: r for r in RECORD["energy"]}[f"features.{layer}"]
    first_read = row["dram_weights_bytes"] / row["input_passes"]
    assert first_read == pytest.approx(k * c * 9 * density * 20 / 8, rel=0.06)


def test_the_penalty_is_the_tilings_dram_bytes_at_640_pj_per_32_bits():
    # DRAM at 640 pJ per 32-bit access (Han et al., NIPS 2015): 160 pJ a byte. The tiling's bytes
    # are the memory port's, less the weights' first read (the network's input read anyway)
    for r in RECORD["energy"]:
        weights, passes = r["dram_weights_bytes"], r["input_passes"]
        first = r["layer"] == "features.conv1_1"
        moved = weights + r["dram_input_bytes"] + r["dram_output_bytes"]
        tiling = moved - weights / passes - (r["dram_input_bytes"] if first else 0)
        assert r["tiling_bytes"] == round(tiling), r["layer"]
        pj = 160 * tiling
        assert r["penalty"] == pytest.approx(pj / (r["energy_pj"] - pj), rel=1e-9), r["layer"]
