"""docs/scnn.md's "Where GoogLeNet's excess sits" is `benchmarks/accel_scnn_excess.py`'s record,
and the record holds what the page claims: its totals are the comparison records', DCNN's
compute bound is the hand count, DCNN's probe reproduces the recorded DCNN cycles and puts its
cycles above the compute bound before the last PE starts, and the probe does not perturb a run.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from desim.accel import FabricConfig
from desim.accel.dcnn import Dcnn, DcnnConfig
from desim.accel.dense_plan import ConvGeometry
from desim.accel.layer import LayerRecord
from desim.accel.scnn_plan import split

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
RECORD = json.loads((RESULTS / "accel_scnn_excess.json").read_text())
PAGE = (ROOT / "docs" / "scnn.md").read_text()
SECTION = PAGE[PAGE.index("### Where GoogLeNet's excess sits") : PAGE.index("### Speed")]


def _benchmark():
    """The benchmark as a module (its sibling `machine` importable, as when run as a script)."""
    spec = importlib.util.spec_from_file_location(
        "accel_scnn_excess", ROOT / "benchmarks" / "accel_scnn_excess.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


def _row(label: str, text: str = SECTION) -> list[str]:
    row = re.search(rf"^\| {re.escape(label)} \|(.*)\|$", text, re.M)
    assert row, label
    return [c.strip() for c in row.group(1).split("|")]


def _num(cell: str) -> float:
    return float(cell.split()[0].strip("*x%").replace(",", ""))


@pytest.mark.parametrize("network", ["alexnet", "googlenet", "vgg16"])
def test_totals_are_the_comparison_records(network):
    compare = json.loads((RESULTS / f"accel_scnn_compare_{network}.json").read_text())
    total = RECORD["networks"][network]["kinds"]["total"]
    assert total["scnn_cycles"] == compare["cycles"]
    assert total["dcnn_cycles"] == compare["dcnn"]["cycles"]
    target = RECORD["networks"][network]["paper_speedup"]
    assert total["excess_scnn_cycles"] == round(
        compare["dcnn"]["cycles"] / target - compare["cycles"]
    )
    kinds = [s for k, s in RECORD["networks"][network]["kinds"].items() if k != "total"]
    assert sum(s["scnn_cycles"] for s in kinds) == total["scnn_cycles"]
    assert abs(sum(s["excess_scnn_cycles"] for s in kinds) - total["excess_scnn_cycles"]) <= len(
        kinds
    )


def test_compute_bound_is_the_hand_count():
    layers = {row["layer"]: row for row in RECORD["networks"]["googlenet"]["layers"]}
    # inception5b.b1: 832 x 7 x 7 in, 384 1 x 1 filters. Positions x channel ranges: 2 x 32
    # leaves a PE 25 positions x 12 channels (300; 4 x 16: 13 x 24 = 312; 1 x 64: 49 x 8 after
    # rounding 6 up to 4s = 392); 12 channels are 3 NFU groups of 4; a filter of 832 weights is
    # 13,312 bits, 9 fit a 16 KB half, so a round is 8 whole filters and a dot product
    # 832 / 4 = 208 cycles: 25 x 3 x 208.
    assert layers["inceptions.inception5b.b1"]["dcnn_compute_bound"] == 25 * 3 * 208
    # AlexNet's conv3 (dense_plan.compute_bound's own example): 85 positions x 3 groups x 576
    alexnet = {row["layer"]: row for row in RECORD["networks"]["alexnet"]["layers"]}
    assert alexnet["features.conv3"]["dcnn_compute_bound"] == 146880


def test_dcnn_probe_reproduces_the_records_and_its_start_is_the_excess():
    for network in ("googlenet", "alexnet"):
        compare = json.loads((RESULTS / f"accel_scnn_compare_{network}.json").read_text())
        recorded = {row["layer"]: row["baseline_cycles"] for row in compare["per_layer"]}
        rows = RECORD["dcnn_probe"][network]
        assert len(rows) == len(recorded)
        for row in rows:
            assert row["cycles"] == recorded[row["layer"]], row["layer"]
            assert row["last_window_in"] <= row["last_pe_starts"], row["layer"]
            assert abs(row["after_start_above_bound"]) < 2600, row["layer"]  # "within 2.6 k"
    google, alex = RECORD["dcnn_probe"]["googlenet"], RECORD["dcnn_probe"]["alexnet"]
    above = sum(r["cycles"] - r["compute_bound"] for r in google)
    start = sum(r["last_pe_starts"] for r in google)
    assert (start, above) == (239341, 245965)
    assert start / above == pytest.approx(0.973, abs=5e-4)
    assert sum(r["last_window_in"] for r in google) == 74385
    above = sum(r["cycles"] - r["compute_bound"] for r in alex)
    start = sum(r["last_pe_starts"] for r in alex)
    assert (start, above) == (46571, 46184)  # conv1's last PE starts once the image is in
    assert start / above == pytest.approx(1.008, abs=5e-4)


def test_probe_does_not_change_the_run():
    # a 1 x 1 convolution, 8 -> 8 channels on a 4 x 4 plane, on 2 x 2 PEs: 16 positions x 8
    # channels; 2 x 2 and 4 x 1 both leave a PE 32 (position, channel) pairs, 2 x 2 first:
    # 8 positions x one NFU group of 4 channels x ceil(8 / 4) = 2 cycles each = 16
    rng = np.random.default_rng(1)
    w = rng.standard_normal((8, 8, 1, 1))
    x = np.maximum(rng.standard_normal((1, 8, 4, 4)), 0)
    y = np.einsum("kc,nchw->nkhw", w[:, :, 0, 0], x)
    layer = LayerRecord("probe", "conv", w, None, x, y, (1, 1), (0, 0))
    config = DcnnConfig(fabric=FabricConfig(topology_args={"rows": 2, "cols": 2}))
    bench = _benchmark()
    row = bench.probe_layer(layer, config)
    assert row["compute_bound"] == 16 == bench.dcnn_compute_bound(ConvGeometry.of(layer), pes=4)
    assert row["cycles"] == Dcnn(config).run_layer(layer).cycles
    assert 0 < row["last_window_in"] <= row["last_pe_starts"] < row["cycles"]
    from_dram = bench.probe_layer(layer, config, input_in_dram=True)
    assert from_dram["cycles"] == Dcnn(config).run_layer(layer, input_in_dram=True).cycles
    assert from_dram["last_window_in"] > row["last_window_in"]  # the image comes from DRAM


def _work_and_bounds(s):
    """The columns both per-kind tables share: work reduction, SCNN's share of its ideal (each
    estimated and exact), DCNN above its compute bound, the speedup with DCNN at that bound."""
    return [
        s["reduction"],
        s["exact_reduction"],
        100 * s["scnn_share_of_ideal"],
        100 * s["scnn_share_of_exact_ideal"],
        100 * s["dcnn_above_compute_bound"],
        s["speedup_dcnn_at_compute_bound"],
    ]


def test_googlenet_table_is_the_record():
    kinds = RECORD["networks"]["googlenet"]["kinds"]
    for key, s in kinds.items():
        cells = _row("**total**" if key == "total" else key)
        expected = [
            s["layers"],
            s["dcnn_cycles"],
            s["scnn_cycles"],
            s["speedup"],
            *_work_and_bounds(s),
            s["excess_scnn_cycles"],
        ]
        _assert_cells(cells, expected, key)


def _assert_cells(cells: list[str], expected: list[float], key: str) -> None:
    """Each cell as printed: a ratio ("x") to two decimals, a share ("%") to one, a count exact."""
    for cell, value in zip(cells, expected, strict=True):
        printed = cell.rstrip("*")
        tolerance = 0.0051 if printed.endswith("x") else 0.051 if printed.endswith("%") else 0
        assert _num(cell) == pytest.approx(value, abs=tolerance), (key, cell)


def test_alexnet_and_vgg16_table_is_the_record():
    for network in ("alexnet", "vgg16"):
        for key, s in RECORD["networks"][network]["kinds"].items():
            cells = _row(f"{network}: " + ("**total**" if key == "total" else key))
            expected = [s["layers"], s["speedup"], *_work_and_bounds(s)]
            _assert_cells(cells, expected, key)


def test_forced_kc_table_and_totals_are_the_record():
    layers = {row["layer"]: row for row in RECORD["networks"]["googlenet"]["layers"]}
    forced = RECORD["forced_kc"]
    assert forced["kc"] == 8
    assert len(forced["layers"]) == 37
    assert all(layers[r["layer"]]["kind"].endswith("1x1") for r in forced["layers"])
    by_kind: dict[str, list[int]] = {}
    kcs: dict[str, list[int]] = {}
    for r in forced["layers"]:
        row = layers[r["layer"]]
        acc = by_kind.setdefault(row["kind"], [0, 0, 0])
        acc[0] += row["scnn_cycles"]
        acc[1] += r["cycles"]
        acc[2] += row["dcnn_cycles"]
        kcs.setdefault(row["kind"], []).append(r["default_kc"])
    for kind, (scnn, at8, dcnn) in by_kind.items():
        cells = _row(kind, SECTION[SECTION.index("| GoogLeNet kind | layers | Kc (ours)") :])
        low, high = min(kcs[kind]), max(kcs[kind])
        assert cells[1] == (f"{low}" if low == high else f"{low}-{high}"), kind
        assert _num(cells[2]) == scnn and _num(cells[3]) == at8, kind
        assert [_num(cells[4]), _num(cells[5])] == pytest.approx(
            [dcnn / scnn, dcnn / at8], abs=0.0051
        ), kind
    total = RECORD["networks"]["googlenet"]["kinds"]["total"]
    extra = sum(r["cycles"] - layers[r["layer"]]["scnn_cycles"] for r in forced["layers"])
    small = sum(
        r["cycles"] - layers[r["layer"]]["scnn_cycles"]
        for r in forced["layers"]
        if layers[r["layer"]]["kind"].startswith("7x7")
    )
    all_at8 = total["dcnn_cycles"] / (total["scnn_cycles"] + extra)
    assert f"at {all_at8:.2f}x" in " ".join(SECTION.split())
    assert f"alone at {total['dcnn_cycles'] / (total['scnn_cycles'] + small):.2f}x" in " ".join(
        SECTION.split()
    )
    assert (
        f"at {all_at8:.2f}x ({100 * (all_at8 / 2.19 - 1):.1f} % over, inside the band's edge"
        in (" ".join(SECTION.split()))
    )


def test_claims_in_the_text():
    text = " ".join(SECTION.split())
    g = RECORD["networks"]["googlenet"]["kinds"]
    short = [s["excess_scnn_cycles"] for s in g.values()]
    positive = g["stem 56x56 3x3"], g["14x14 3x3"], g["14x14 1x1"], g["28x28 3x3"]
    assert f"{sum(s['excess_scnn_cycles'] for s in positive):,} cycles short" in text
    assert f"({-sum(x for x in short[:-1] if x < 0):,} cycles the other way)" in text
    # AlexNet's 13-row planes give fewer PEs a 2 x 2 tile than 14-row ones
    assert int((np.diff(split(13, 8)) == 2).sum()) ** 2 == 25
    assert int((np.diff(split(14, 8)) == 2).sum()) ** 2 == 36
    bounds = [
        g[k]["dcnn_compute_bound"] for k in ("7x7 1x1", "7x7 3x3", "7x7 5x5")
    ]  # "1.02-1.05" over the dense bound
    rows = RECORD["networks"]["googlenet"]["layers"]
    for kind, bound in zip(("7x7 1x1", "7x7 3x3", "7x7 5x5"), bounds, strict=True):
        dense = sum(r["dense_macs"] for r in rows if r["kind"] == kind) / 1024
        assert 1.02 <= round(bound / dense, 2) <= 1.05, kind


def test_dcnn_at_its_compute_bound_moves_alexnet_out():
    text = " ".join(SECTION.split())
    a = RECORD["networks"]["alexnet"]["kinds"]["total"]
    alexnet = a["dcnn_compute_bound"] / a["scnn_cycles"]
    googlenet = RECORD["networks"]["googlenet"]["kinds"]["total"]["speedup_dcnn_at_compute_bound"]
    assert abs(googlenet / 2.19 - 1) < 0.15  # "inside the band"
    assert f"{100 * (1 - alexnet / 2.37):.1f} % under the paper" in text
    assert f"to {100 * (1 - alexnet / (2.37 * 0.85)):.1f} % under its band's edge" in text
    forced = RECORD["forced_kc"]["layers"]
    layers = {row["layer"]: row for row in RECORD["networks"]["googlenet"]["layers"]}
    total = RECORD["networks"]["googlenet"]["kinds"]["total"]
    extra = sum(r["cycles"] - layers[r["layer"]]["scnn_cycles"] for r in forced)
    at8 = total["dcnn_cycles"] / (total["scnn_cycles"] + extra)
    assert f"band's edge by {100 * (2.19 * 1.15 / at8 - 1):.1f} %" in text


def test_vector_steps_is_the_hand_count():
    # 2 input channels of 1 x 10 on 1 x 2 PEs (tiles of 5 columns), 5 output channels, 1 x 1:
    # channel 0: PE 0 holds 5 non-zeros (2 vectors of 4), PE 1 one (1), 5 non-zero weights (2);
    # channel 1: PE 0 none, PE 1 four (1), 3 non-zero weights (1).
    # Steps: PE 0 2 x 2 = 4; PE 1 1 x 2 + 1 x 1 = 3. Products (5 + 1) x 5 + 4 x 3 = 42.
    from desim.accel.scnn_plan import plan_conv

    x = np.zeros((1, 2, 1, 10))
    x[0, 0, 0, [0, 1, 2, 3, 4, 7]] = 1
    x[0, 1, 0, [5, 6, 8, 9]] = 1
    w = np.zeros((5, 2, 1, 1))
    w[:, 0] = 1
    w[:3, 1] = 1
    y = np.einsum("kc,nchw->nkhw", w[:, :, 0, 0], x)
    layer = LayerRecord("hand", "conv", w, None, x, y, (1, 1), (0, 0))
    steps, products = _benchmark().vector_steps(x[0] != 0, w != 0, plan_conv(layer, (1, 2), 1024))
    assert steps.tolist() == [[4, 3]]
    assert products == 42


def test_placement_claims_are_the_record():
    text = " ".join(SECTION.split())
    rows = {r["layer"]: r for r in RECORD["placement"]}

    def span(names, which):
        v = sorted(rows[n][which]["busiest_per_group"] for n in names)
        return f"{v[0]:.2f}" if f"{v[0]:.2f}" == f"{v[-1]:.2f}" else f"{v[0]:.2f}-{v[-1]:.2f}"

    g14 = [f"inceptions.inception4{m}" for m in ("c.b2", "e.b1", "e.b2")]
    a13 = [f"features.conv{n}" for n in (3, 4, 5)]
    v14 = ["features.conv5_1", "features.conv5_3"]
    assert f"4e.b2 {span(g14, 'real')} (shuffled {span(g14, 'shuffled')}:" in text
    assert f"(conv3-5) {span(a13, 'real')} ({span(a13, 'shuffled')})" in text
    assert f"conv5_1 and conv5_3 {span(v14, 'real')} ({span(v14, 'shuffled')})" in text
    b2 = rows["inceptions.inception5b.b2"]
    assert (
        f"inception5b.b2 {b2['real']['busiest_per_group']:.2f} (shuffled "
        f"{b2['shuffled']['busiest_per_group']:.2f}: slower)"
    ) in text
    gain = [
        1 - rows[n]["real"]["busiest_per_group"] / rows[n]["shuffled"]["busiest_per_group"]
        for n in g14
    ]
    assert f"{100 * min(gain):.1f}-{100 * max(gain):.1f} % faster" in text
    assert all(rows[n]["shuffles"] == 10 for n in rows) and "ten times (seeds 0-9" in text
    # "every shuffle was slower than the real placement"
    assert all(
        rows[n]["shuffled_range"]["busiest_per_group"][0] > rows[n]["real"]["busiest_per_group"]
        for n in g14
    )
    worst_alexnet = min(rows[n]["shuffled"]["busiest_per_group"] for n in a13)
    assert worst_alexnet > max(rows[n]["shuffled"]["busiest_per_group"] for n in g14 + v14)


@pytest.mark.parametrize(
    ("shape", "stride", "padding", "groups"),
    [((8, 6, 5, 5), 1, 2, 1), ((6, 3, 11, 11), 4, 0, 1), ((8, 2, 3, 3), 2, 1, 2)],
)
def test_exact_products_are_torchs_convolution_of_the_operand_masks(shape, stride, padding, groups):
    # products of two non-zero operands that land on an output = the convolution of the
    # operands' non-zero masks, summed (torch's conv2d as the oracle)
    from desim.accel.scnn_work import nonzero_macs

    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(sum(shape))
    k, c, r, s = shape
    w = rng.standard_normal(shape) * (rng.random(shape) < 0.4)
    x = np.maximum(rng.standard_normal((1, c * groups, 13, 13)), 0)
    y = torch.nn.functional.conv2d(
        torch.tensor(x), torch.tensor(w), stride=stride, padding=padding, groups=groups
    )
    layer = LayerRecord(
        "oracle", "conv", w, None, x, y.numpy(), (stride, stride), (padding, padding), groups
    )
    masks = torch.nn.functional.conv2d(
        torch.tensor((x != 0) * 1.0),
        torch.tensor((w != 0) * 1.0),
        stride=stride,
        padding=padding,
        groups=groups,
    )
    assert nonzero_macs(layer) == int(masks.sum())


def test_exact_columns_and_their_claims_are_the_record():
    text = " ".join(SECTION.split())
    g = RECORD["networks"]["googlenet"]["kinds"]
    v = RECORD["networks"]["vgg16"]["kinds"]
    for kind in g:
        rows = [
            r for r in RECORD["networks"]["googlenet"]["layers"] if kind in ("total", r["kind"])
        ]
        dense = sum(r["dense_macs"] for r in rows)
        exact = sum(r["nonzero_macs"] for r in rows)
        assert g[kind]["exact_reduction"] == pytest.approx(dense / exact, abs=5e-4), kind
    assert (
        f"(7 x 7 5 x 5: {g['7x7 5x5']['exact_reduction']:.2f}x against "
        f"{g['7x7 5x5']['reduction']:.2f}x)" in text
    )
    pairs = [
        ("stem 56x56 3x3", "56x56 3x3"),
        ("28x28 3x3", "28x28 3x3"),
        ("14x14 3x3", "14x14 3x3"),
    ]
    quoted = ", ".join(
        f"{100 * g[a]['scnn_share_of_exact_ideal']:.1f} % against "
        f"{100 * v[b]['scnn_share_of_exact_ideal']:.1f} %"
        for a, b in pairs
    )
    assert f"exactly, {quoted}." in text


def test_utilisation_at_kc_8_is_the_record():
    text = " ".join(SECTION.split())
    layers = RECORD["networks"]["googlenet"]["layers"]
    at8 = {r["layer"]: r["cycles"] for r in RECORD["forced_kc"]["layers"]}

    def utilisation(kind, cycles):
        rows = [r for r in layers if r["kind"] == kind]
        return 100 * sum(r["nonzero_macs"] for r in rows) / 1024 / sum(cycles(r) for r in rows)

    for kind, label in (("7x7 1x1", "7 x 7 1 x 1 layers"), ("14x14 1x1", "14 x 14 ones")):
        now = utilisation(kind, lambda r: r["scnn_cycles"])
        forced = utilisation(kind, lambda r: at8[r["layer"]])
        assert f"{label} {now:.1f} % ({forced:.1f} % at Kc = 8)" in text, kind
    fourteen = utilisation("14x14 1x1", lambda r: at8[r["layer"]])
    assert utilisation("7x7 1x1", lambda r: at8[r["layer"]]) < 20 < fourteen
    assert f"{fourteen / 20:.1f}x that bound even at Kc = 8" in text
    total = RECORD["networks"]["googlenet"]["kinds"]["total"]
    late = [
        r
        for r in layers
        if r["layer"] in at8 and r["layer"].split(".")[1][:10] in ("inception4", "inception5")
    ]
    assert len(late) == 28
    extra = sum(at8[r["layer"]] - r["scnn_cycles"] for r in late)
    speedup = total["dcnn_cycles"] / (total["scnn_cycles"] + extra)
    assert speedup < 2.19 * 1.15  # inside the band
    assert (
        f"GoogLeNet at {speedup:.2f}x ({100 * (speedup / 2.19 - 1):.1f} % over, inside the band's "
        f"edge by {100 * (2.19 * 1.15 / speedup - 1):.1f} %)" in text
    )


def test_alexnet_at_kc_8_is_the_record():
    text = " ".join(SECTION.split())
    compare = json.loads((RESULTS / "accel_scnn_compare_alexnet.json").read_text())
    default = {row["layer"]: row["cycles"] for row in compare["per_layer"]}
    forced = RECORD["forced_kc_alexnet"]
    assert forced["kc"] == 8 and [r["layer"] for r in forced["layers"]] == list(default)
    at8 = sum(r["cycles"] for r in forced["layers"])
    assert f"SCNN takes {at8:,} cycles against {compare['cycles']:,}" in text
    slower = {r["layer"]: r["cycles"] / default[r["layer"]] - 1 for r in forced["layers"]}
    assert f"(conv3 +{100 * slower['features.conv3']:.1f} %, the others within 3 %)" in text
    assert all(abs(v) < 0.03 for k, v in slower.items() if k != "features.conv3")
    dcnn = compare["dcnn"]["cycles"]
    assert f"{dcnn / at8:.2f}x over DCNN instead of {dcnn / compare['cycles']:.2f}x" in text
    edge = 2.37 * 0.85
    under = f"{100 * (1 - dcnn / at8 / edge):.1f} % under its band's edge, where the default is "
    assert under + f"{100 * (dcnn / compare['cycles'] / edge - 1):.1f} % inside" in text


@pytest.mark.slow
def test_recorded_products_are_the_workloads():
    # the record's exact products per layer, recounted from the calibrated workloads
    from desim.accel.scnn_work import nonzero_macs
    from workloads.workload import WorkloadSpec, build_workload

    for network, data in RECORD["networks"].items():
        layers = build_workload(WorkloadSpec(model=network, batch=1)).layers
        counted = {layer.name: nonzero_macs(layer) for layer in layers if layer.kind == "conv"}
        assert {r["layer"]: r["nonzero_macs"] for r in data["layers"]} == counted, network


def test_branch_pools_are_the_simulated_layers_and_the_page_quotes_them():
    """GoogLeNet's nine fourth-branch layers, which pool their input as they start: a PE's
    neighbour values per channel are the 3 x 3 / 1 window ring around its tile, (t + 2)^2 - t^2
    for the busiest t x t tile (4 x 4 on 28 x 28 planes, 2 x 2 on 14 x 14, 1 x 1 on 7 x 7: 20,
    12, 8); at one compare a cycle each layer takes the comparison record's cycles; the pool costs
    at least the compares of the busiest receiver, and less the faster the rate."""
    part = RECORD["branch_pools"]
    compare = json.loads((RESULTS / "accel_scnn_compare_googlenet.json").read_text())
    recorded = {row["layer"]: row["cycles"] for row in compare["per_layer"]}
    assert len(part["layers"]) == 9
    ring = {28: 20, 14: 12, 7: 8}
    for row in part["layers"]:
        remote = row["remote_values_per_channel"]
        assert remote == ring[row["plane"][0]], row["layer"]
        assert row["cycles"]["1"] == recorded[row["layer"]], row["layer"]
        cycles, pooling = row["cycles"], row["input_pool_cycles_max"]
        assert cycles["none"] < cycles["4"] <= cycles["2"] <= cycles["1"], row["layer"]
        for rate in (1, 2, 4):
            assert pooling[str(rate)] >= -(-remote * row["channels"] // rate), row["layer"]
        assert pooling["none"] == 0
    assert part["speedup_with"]["1"] == pytest.approx(compare["speedup"], abs=1e-4)
    with_ = part["speedup_with"]
    text = " ".join(SECTION.split())
    quoted = (
        f"GoogLeNet at {with_['none']:.2f}x without them, {with_['1']:.2f}x at one compare a "
        f"cycle (the default), {with_['2']:.2f}x at two and {with_['4']:.2f}x at four"
    )
    assert quoted in text
    assert with_["1"] <= 1.15 * 2.19 < with_["none"]
    # overlapped at best: each layer the longer of its multiplies and its pool
    others = compare["cycles"] - sum(row["cycles"]["1"] for row in part["layers"])
    overlapped = sum(
        max(row["cycles"]["none"], row["input_pool_cycles_max"]["1"]) for row in part["layers"]
    )
    bound = compare["dcnn"]["cycles"] / (others + overlapped)
    assert part["speedup_overlapped_bound"] == pytest.approx(bound, abs=1e-4)
    assert with_["1"] < bound <= with_["none"]
    assert f"GoogLeNet would be at {bound:.2f}x." in text
    # DCNN's holders under SCNN's rule: a bank holds fewer lines than a row has channels, so each
    # of its lines needs the lines above and below from other banks: 2 x lines x width
    for row in part["layers"]:
        channels, (height, width) = row["channels"], row["plane"]
        lines = -(-channels * height // 64)  # the most lines a bank holds (LineStore: even)
        assert lines < channels and row["dcnn_neighbour_values"] == 2 * lines * width
    added = sum(row["dcnn_neighbour_values"] for row in part["layers"])
    dcnn_bound = (compare["dcnn"]["cycles"] + added) / compare["cycles"]
    assert part["speedup_dcnn_compares_bound"] == pytest.approx(dcnn_bound, abs=1e-4)
    assert with_["1"] <= 1.15 * 2.19 < dcnn_bound
    assert (
        f"DCNN would take up to {added:,} cycles more and GoogLeNet would be at {dcnn_bound:.2f}x"
        in text
    )
