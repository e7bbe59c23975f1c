"""Figures docs/scnn.md quotes in its prose, each read from the page and checked against the
record it comes from, at the precision the page prints it: the unpooled output of VGG-16's
conv1_2 (`benchmarks/accel_scnn_tiling.py`), the density section's geometry, IARAM overflow and
input pool (`benchmarks/accel_scnn_breakdown.py --density`, `benchmarks/accel_scnn_density.py`),
the post-processing unit's section (`benchmarks/accel_scnn_breakdown.py`) and "Where
GoogLeNet's excess sits" (`benchmarks/accel_scnn_excess.py`). Records and the page only: no
simulation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from desim.accel.fabric import Fabric
from desim.accel.scnn import ScnnConfig
from desim.accel.scnn_plan import grid_shape, split
from desim.kernel.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
PAGE = (ROOT / "docs" / "scnn.md").read_text()


def _section(start: str, end: str) -> str:
    """The page from heading ``start`` to heading ``end``, whitespace joined to single spaces."""
    return " ".join(PAGE[PAGE.index(start) : PAGE.index(end)].split())


def _record(name: str):
    return json.loads((RESULTS / name).read_text())


def _breakdown(suffix: str) -> dict[str, dict]:
    """`accel_scnn_breakdown_googlenet<suffix>.json` by layer, without ``inceptions.``."""
    rows = _record(f"accel_scnn_breakdown_googlenet{suffix}.json")
    return {r["layer"].removeprefix("inceptions."): r for r in rows}


def _span(values, digits: int = 0) -> str:
    """``low-high`` as the page prints a range, each end to ``digits`` decimals."""
    return f"{min(values):,.{digits}f}-{max(values):,.{digits}f}"


def _percent_over(row: dict) -> float:
    """What the PPU's cycles add to a breakdown row's cycles, in %."""
    return 100 * (row["cycles"] / row["cycles_no_ppu"] - 1)


# --- DRAM tiling: what pooling saves conv1_2 ---------------------------------------------------


def test_conv1_2_pooled_and_unpooled_are_the_tiling_record():
    """VGG-16's conv1_2 writes its pooled output (the largest PE's, the input tile conv2_1 reads)
    against what it would write unpooled (`unpooled_output_bytes`), about four times as much
    through the 2 x 2 / 2 pool."""
    vgg = {r["layer"]: r for r in _record("accel_scnn_tiling.json")["networks"]["vgg16"]}
    conv1_2, conv2_1 = vgg["features.conv1_2"], vgg["features.conv2_1"]
    pooled, unpooled = conv1_2["output_bytes"], conv1_2["unpooled_output_bytes"]
    assert pooled == conv2_1["input_tile_bytes"]
    assert 3 * pooled < unpooled < 5 * pooled
    text = " ".join(PAGE.split())
    assert (
        f"(conv1_2: {pooled:,} bytes on its largest PE, the input tile conv2_1 reads, against "
        f"{unpooled:,} unpooled)"
    ) in text
    # only the layers a pool follows record it
    for row in vgg.values():
        assert ("unpooled_output_bytes" in row) == (
            row["layer"].split(".")[-1] in ("conv1_2", "conv2_2", "conv3_3", "conv4_3", "conv5_3")
        ), row["layer"]


# --- the density section: "Speed at full density depends on the plane" -----------------------

DENSITY = _section("The paper's further behaviours", "### Where AlexNet's cycles go")


def _pes() -> int:
    return Fabric(Simulator(), ScnnConfig().fabric).pes


def test_activations_per_pe_are_the_planes_over_the_pes():
    """A 14 x 14 plane over 64 PEs is 3.06 activations a PE (tiles of 1 x 1 to 2 x 2), a 28 x 28
    one 12.25 (tiles of 3 x 3 to 4 x 4): the planes as the breakdown record has them."""
    layers, pes = _breakdown("_d1"), _pes()
    rows, cols = grid_shape(pes)
    per_pe = {}
    for module, side in (("inception4c", 14), ("inception3b", 28)):
        planes = {tuple(r["plane"]) for name, r in layers.items() if name.startswith(module)}
        assert planes == {(side, side)}, module
        per_pe[module] = side * side / pes
        tiles = {int(t) for t in np.diff(split(side, rows))}
        assert tiles == ({1, 2} if side == 14 else {3, 4}), module
    assert rows == cols
    assert f"({per_pe['inception4c']:.2f} activations per PE in a 4-wide vector" in DENSITY
    assert "on 14 x 14 planes a PE's tile is 1 x 1 to 2 x 2" in DENSITY
    assert "SCNN's 4 x 4 tiles (4 vectors) set the pace against a mean of " in DENSITY
    assert f"a mean of {per_pe['inception3b']:.2f} activations (" in DENSITY


def test_the_iaram_overflow_is_the_breakdown_record():
    """inception3b's four layers that read the module's 256-channel input (b4 through its pool)
    have a 4 x 4 tile whose compressed channels exceed the IARAM: two passes through DRAM."""
    layers, config = _breakdown("_d1"), ScnnConfig()
    over = {name: r for name, r in layers.items() if r["input_tile_bytes"] > config.iaram_bytes}
    assert sorted(over) == [f"inception3b.{b}" for b in ("b1", "b2_reduce", "b3_reduce", "b4")]
    [tile] = {r["input_tile_bytes"] for r in over.values()}
    assert all(r["input_passes"] == -(-tile // config.iaram_bytes) == 2 for r in over.values())
    assert all(r["input_passes"] == 1 for name, r in layers.items() if name not in over)
    assert config.iaram_bytes == 10 * 1024
    assert (
        f"exceed the {config.iaram_bytes // 1024} KB IARAM at full density (a 4 x 4 tile's "
        f"compressed channels take {tile:,} bytes)"
    ) in DENSITY
    r3 = layers["inception3b.b3_reduce"]
    assert (
        f"(`b3_reduce`: {r3['cycles']:,} cycles for {r3['busiest_per_group']:,} multiplier "
        f"cycles of the busiest PE, {r3['input_passes']} passes)"
    ) in DENSITY


def test_the_input_pool_does_not_shrink_with_density():
    """inception4c's fourth branch pools its input before its first group: the same cycles at
    density 1 and 0.1 (its compares do not depend on the values), as on the calibrated
    workload (`accel_scnn_excess.json`); no other layer of the module has an input pool."""
    full, low = _breakdown("_d1"), _breakdown("_d0.1")
    pool = full["inception4c.b4"]["input_pool_cycles"]
    assert low["inception4c.b4"]["input_pool_cycles"] == pool
    for rows in (full, low):
        assert all(r["input_pool_cycles"] == 0 for n, r in rows.items() if not n.endswith(".b4"))
    [calibrated] = [
        r
        for r in _record("accel_scnn_excess.json")["branch_pools"]["layers"]
        if r["layer"] == "inceptions.inception4c.b4"
    ]
    assert calibrated["input_pool_cycles_max"]["1"] == pool
    # at one compare a cycle, at least the compares of the busiest PE's neighbour values
    assert pool >= calibrated["remote_values_per_channel"] * calibrated["channels"]
    assert (
        f"the fourth branch's input pool takes {pool:,} cycles of compares before its first "
        "group, at 1 and at 0.1 alike)"
    ) in DENSITY


def test_pe_granularity_at_one_partial_sum_per_cycle():
    """64 PEs against 4 of 16 x 16 whose PPU keeps one partial sum per cycle each (not scaled):
    `64_pes_over_4_pes_ppu1` on inception3b, the same ratio of the 0.4 point on inception4c."""
    doc = _record("accel_scnn_density.json")
    plane = doc["plane_summary"]["64_pes_over_4_pes_ppu1"]
    [mid] = [p for p in doc["sweep"] if "scnn-4pe-ppu1" in p]
    assert mid["density"] == 0.4
    module = mid["scnn-4pe-ppu1"]["cycles"] / mid["scnn"]["cycles"]
    assert plane > 1 and module > 1
    assert f"the 64 PEs win by {plane:.2f}x and {module:.2f}x" in DENSITY


# --- "The post-processing unit, and where small planes lose" ----------------------------------

PPU = _section("### The post-processing unit", "### Where GoogLeNet's excess sits")


def _late_layers() -> dict[str, dict]:
    """GoogLeNet's inception4e/5a/5b breakdown by short name (``4e.b1``)."""
    return {k.removeprefix("inception"): r for k, r in _breakdown("").items()}


def test_small_plane_fragmentation_and_imbalance_are_the_record():
    """Per plane: the mean PE over the ideal, the busiest PE (per group) over the mean; DCNN's
    dense bound over its cycles on the 7 x 7 planes."""
    rows = _late_layers().values()
    seven = [r for r in rows if r["plane"][0] == 7]
    fourteen = [r for r in rows if r["plane"][0] == 14]
    assert len(seven) == 12 and len(fourteen) == 6

    def frag(layers):
        return _span([r["pe_mean"] / r["ideal"] for r in layers], 1)

    def imbalance(layers):
        return _span([r["busiest_per_group"] / r["pe_mean"] for r in layers], 1)

    assert (
        f"so the mean PE takes {frag(seven)}x the ideal, and the busiest PE (a pixel whose "
        f"activation is non-zero in most channels) {imbalance(seven)}x the mean"
    ) in PPU
    assert (
        f"the mean PE takes {frag(fourteen)}x the ideal and the busiest {imbalance(fourteen)}x "
        "the mean"
    ) in PPU
    dcnn = _span([100 * r["dense_bound"] / r["dcnn_cycles"] for r in seven])
    assert f"(on 7 x 7 it runs at {dcnn} % of its dense bound)" in PPU


def test_what_the_ppu_adds_is_the_record():
    """Each "+ %" of the section's second bullet: the PPU's cycles over the "no PPU" run's."""
    late = _late_layers()
    add = {name: _percent_over(r) for name, r in late.items()}
    b1 = late["4e.b1"]
    assert b1["groups"] == 1 and b1["plane"] == [14, 14]
    assert f"4 x {b1['kc']} outputs on a 2 x 2 tile of inception4e.b1 are {4 * b1['kc']:,}" in PPU
    one_pixel = [
        add[n]
        for n, r in late.items()
        if r["plane"][0] == 7 and r["filter"] == [1, 1] and not n.endswith(".b4")
    ]
    assert (
        f"at one a cycle: +{add['4e.b1']:.0f} % (the 3 x 3 and 5 x 5 branches of 4e "
        f"+{add['4e.b2']:.0f} % and +{add['4e.b3']:.0f} %); on 7 x 7 tiles of one pixel, "
        f"+{_span(one_pixel)} %"
    ) in PPU
    assert (
        f"4e.b4 +{add['4e.b4']:.0f} %, 5a.b4 and 5b.b4 +{add['5a.b4']:.0f} % and "
        f"+{add['5b.b4']:.0f} %"
    ) in PPU
    three = [add[n] for n, r in late.items() if r["filter"] == [3, 3]]
    assert (
        f"(inception4e.b3 +{add['4e.b3']:.0f} % with its pool, inception5a.b3 "
        f"+{add['5a.b3']:.0f} %, 5b.b3 +{add['5b.b3']:.0f} %). 3 x 3 layers: +{_span(three)} %"
    ) in PPU


def test_weight_waits_are_the_record():
    """The busiest PE waits for its first weights on every layer but the fourth branches, whose
    weights arrive during the input pool."""
    late = _late_layers()
    waits = [r["busiest_weight_wait"] for n, r in late.items() if not n.endswith(".b4")]
    assert all(r["busiest_weight_wait"] == 0 for n, r in late.items() if n.endswith(".b4"))
    assert f"arrive on time (the busiest PE waits {_span(waits)} cycles per layer" in PPU
    excess = _section("### Where GoogLeNet's excess sits", "### Speed")
    assert f"(its busiest PE waits {_span(waits)} cycles, none on the fourth branches" in excess


# --- "Where GoogLeNet's excess sits" -----------------------------------------------------------

EXCESS = _section("### Where GoogLeNet's excess sits", "### Speed")


def _kinds(network: str) -> dict[str, dict]:
    return _record("accel_scnn_excess.json")["networks"][network]["kinds"]


def test_the_fast_layers_work_reduction_is_the_record():
    g = _kinds("googlenet")
    fast = [g[k]["reduction"] for k in ("stem 56x56 3x3", "28x28 3x3", "14x14 3x3")]
    assert f"their chosen densities give them {_span(fast, 1)}x less work" in EXCESS


def test_the_branch_pools_are_the_record():
    """The fourth-branch layers' input pools: the ring of neighbour values per channel on each
    plane, their channels, the busiest PE's pool at one compare a cycle against the layers'
    work without it, and what the pools multiply those layers' cycles by; DCNN's side: the
    lines a bank holds and the values its busiest holder would receive."""
    layers = _record("accel_scnn_excess.json")["branch_pools"]["layers"]
    ring = {r["plane"][0]: r["remote_values_per_channel"] for r in layers}
    channels = [r["channels"] for r in layers]
    pools = [r["input_pool_cycles_max"]["1"] for r in layers]
    without = [r["cycles"]["none"] for r in layers]
    factor = [r["cycles"]["1"] / r["cycles"]["none"] for r in layers]
    assert f"take {_span(factor, 1)} times the cycles those layers take without them" in EXCESS
    assert (
        f"({ring[28]} a channel on the 28 x 28 planes' 4 x 4 tiles, {ring[14]} on 14 x 14, "
        f"{ring[7]} on 7 x 7) for {_span(channels)} channels and compares them at the PPU's "
        f"rate before its first group ({_span(pools)} cycles on the busiest PE, against "
        f"{_span(without)} for the layers' whole work without the pool)"
    ) in EXCESS
    lines = [-(-r["channels"] * r["plane"][0] // 64) for r in layers]  # a bank's, at most
    assert f"(a bank holds {_span(lines)} of a row's {_span(channels)} channels)" in EXCESS
    received = [r["dcnn_neighbour_values"] for r in layers]
    assert f"2 x its lines x the row width: {_span(received)} values)" in EXCESS


def test_dcnn_above_its_compute_bound_is_the_record():
    """DCNN's cycles above its compute bound per network, and the GoogLeNet kinds above a
    fifth: the 14 x 14 1 x 1 and 5 x 5 and every 7 x 7 kind."""
    g, a, v = _kinds("googlenet"), _kinds("alexnet"), _kinds("vgg16")
    high = {k for k, s in g.items() if k != "total" and s["dcnn_above_compute_bound"] > 0.2}
    assert high == {"14x14 1x1", "14x14 5x5", "7x7 1x1", "7x7 3x3", "7x7 5x5"}
    share = _span([100 * g[k]["dcnn_above_compute_bound"] for k in high])

    def total(kinds):
        return f"{100 * kinds['total']['dcnn_above_compute_bound']:.1f} %"

    assert (
        f"DCNN's cycles above its compute bound are {total(g)} of its cycles on GoogLeNet "
        f"({share} % on its 14 x 14 1 x 1 and 5 x 5 and on its 7 x 7 layers), {total(a)} on "
        f"AlexNet, {total(v)} on VGG-16"
    ) in EXCESS


def test_the_speedups_with_dcnn_at_its_compute_bound_are_the_record():
    record = _record("accel_scnn_excess.json")["networks"]
    at_bound = {}
    for network, data in record.items():
        total = data["kinds"]["total"]
        at_bound[network] = total["dcnn_compute_bound"] / total["scnn_cycles"]
        assert total["speedup_dcnn_at_compute_bound"] == pytest.approx(
            at_bound[network], abs=5e-4
        ), network
    paper = record["alexnet"]["paper_speedup"]
    under = 100 * (1 - at_bound["alexnet"] / paper)
    assert paper == 2.37 and under > 15  # outside the band's 15 %
    assert (
        f"would put GoogLeNet at {at_bound['googlenet']:.2f}x, nearer the paper, but AlexNet at "
        f"{at_bound['alexnet']:.2f}x ({under:.1f} % under the paper) and VGG-16 at "
        f"{at_bound['vgg16']:.2f}x"
    ) in EXCESS
