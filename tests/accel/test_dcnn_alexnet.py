"""DCNN on AlexNet's five convolutions (calibrated): within 1.2x of the dense MACs / 1,024 (the
issue's bound), at the 1.08x README and docs/accel.md quote; every layer above its compute bound
(the busiest PE's positions x ceil(channels / 4) x ceil(filter / 4) on the 4 x 4 NFU)."""

from __future__ import annotations

import pytest

from desim.accel.dcnn import Dcnn
from workloads.workload import WorkloadSpec, build_workload


def test_alexnet_convolutions_take_1_08x_the_ideal_dense_time():
    layers = [
        x for x in build_workload(WorkloadSpec("alexnet", batch=1)).layers if x.kind == "conv"
    ]
    result = Dcnn().run(layers, {"model": "alexnet"})
    ideal = sum(x.dense_macs for x in layers) / 1024
    assert ideal < result.cycles <= 1.2 * ideal
    assert result.cycles / ideal == pytest.approx(1.08, abs=0.005)
    # the busiest PE's compute, by hand: (positions, channels, filter length) of the busiest PE
    # (conv1: 55 x 55 positions in 16 runs, at most 190, x 96 / 4 channels; conv2: 27 x 27 in
    # 4 runs, 183, x 256 / 16; conv3-5: 13 x 13 in 2 or 4 runs x 384 / 32 or 256 / 16) on 4 x 4
    # NFUs: ceil(channels / 4) groups x ceil(length / 4) cycles per position (conv3's filters in
    # two slices of 1,152, the same cycles)
    busiest = [(190, 24, 363), (183, 16, 1200), (85, 12, 2304), (85, 12, 1728), (43, 16, 1728)]
    for r, (positions, channels, length) in zip(result.layers, busiest, strict=True):
        assert r.cycles >= positions * -(-channels // 4) * -(-length // 4)


def test_docs_accel_tables_are_the_record():
    """docs/accel.md's AlexNet table and VGG-16 figures are `benchmarks/accel_dcnn.py`'s record
    (benchmarks/results/accel_dcnn.md)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    record = (root / "benchmarks" / "results" / "accel_dcnn.md").read_text()
    page = (root / "docs" / "accel.md").read_text()
    alexnet, vgg16 = record.split("## vgg16")
    for line in alexnet.splitlines():
        if line.startswith("| features."):
            assert line.replace("| features.", "| ") in page, line
    total = re.search(r"^\| total \| \| ([\d,]+) \| ([\d,]+) \(MACs", alexnet, re.M)
    assert f"| total | | {total.group(1)} | {total.group(2)} (dense MACs / 1,024)" in page
    ratios = [
        float(x)
        for x in re.findall(r"^\| features\.\S+ \|[^|]*\|[^|]*\|[^|]*\| ([\d.]+) \|", vgg16, re.M)
    ]
    whole = re.search(r"vgg16: ([\d.]+)x the ideal", record).group(1)
    text = " ".join(page.split())
    low, high = min(ratios), max(ratios)
    assert f"{whole}x the ideal dense time, every layer between {low:.3f}x and {high:.3f}x" in text
