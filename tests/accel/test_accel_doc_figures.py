"""Figures docs/accel.md quotes in its prose, each read from the page and checked against what
it comes from: DCNN's AlexNet record (`benchmarks/accel_dcnn.py`, ``accel_dcnn.md``: conv1 with
the image read from DRAM and with it in SRAM, each layer over its bound, the simulation's time)
and the partition rule's parameter (`desim.accel.dense_plan.partition`). Records, the page and
the planner only: no simulation."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from desim.accel import dcnn_agents
from desim.accel.dense_plan import ConvGeometry, partition

ROOT = Path(__file__).resolve().parents[2]
PAGE = " ".join((ROOT / "docs" / "accel.md").read_text().split())
RECORD = (ROOT / "benchmarks" / "results" / "accel_dcnn.md").read_text()
ALEXNET = RECORD[RECORD.index("## alexnet") : RECORD.index("## vgg16")]
SECTION = PAGE[PAGE.index("### AlexNet's convolutions") :]


def _layers() -> dict[str, dict[str, int]]:
    """AlexNet's table in the record, by layer (``conv1``): cycles, bound, flit-hops."""
    rows = re.findall(
        r"^\| features\.(\w+) \| \S+ \| ([\d,]+) \| ([\d,]+) \| [\d.]+ \| ([\d,]+) \|$",
        ALEXNET,
        re.M,
    )
    assert len(rows) == 5
    keys = ("cycles", "bound", "flit_hops")
    return {
        name: {key: int(value.replace(",", "")) for key, value in zip(keys, nums, strict=True)}
        for name, *nums in rows
    }


def _in_sram() -> dict[str, float]:
    """conv1 run again with the image already in its SRAM, as the record gives it."""
    found = re.search(
        r"^features\.conv1 with the network's input in SRAM \(`input_in_dram=False`\): "
        r"([\d,]+) cycles, ([\d.]+) of the bound, ([\d,]+) flit-hops$",
        ALEXNET,
        re.M,
    )
    assert found
    cycles, ratio, hops = found.groups()
    return {
        "cycles": int(cycles.replace(",", "")),
        "ratio": float(ratio),
        "flit_hops": int(hops.replace(",", "")),
    }


def _over(cycles: int, bound: int) -> float:
    """Cycles above the bound, in %."""
    return 100 * (cycles / bound - 1)


def test_conv1s_image_read_is_the_record():
    """conv1 reading the image from DRAM (the table's row) against the same layer with the
    image in SRAM (the record's line under the table): the cycles and flit-hops it adds."""
    conv1, sram = _layers()["conv1"], _in_sram()
    assert sram["ratio"] == round(sram["cycles"] / conv1["bound"], 3)
    assert sram["cycles"] < conv1["cycles"] and sram["flit_hops"] < conv1["flit_hops"]
    assert (
        f"{conv1['cycles'] - sram['cycles']:,} cycles and "
        f"{conv1['flit_hops'] - sram['flit_hops']:,} flit-hops more than when it found the image "
        f"in its SRAM ({sram['cycles']:,} cycles, {sram['cycles'] / conv1['bound']:.3f} of the "
        "bound)"
    ) in SECTION


def test_each_layer_over_its_bound_is_the_record():
    """conv2 and conv1 with the image in SRAM 2 % over their bounds, conv1 reading it 13 %,
    conv3-conv5 6-11 %: each layer's cycles over its bound, as the record's table has them."""
    layers, sram = _layers(), _in_sram()
    over = {name: _over(r["cycles"], r["bound"]) for name, r in layers.items()}
    late = [over[f"conv{n}"] for n in (3, 4, 5)]
    assert (
        f"On conv2 ({over['conv2']:.0f} % over), and on conv1 but for its image read from DRAM "
        f"({_over(sram['cycles'], layers['conv1']['bound']):.0f} % over with the image in SRAM, "
        f"{over['conv1']:.0f} % with it read), compute per round is long against that delivery; "
        f"on conv3-conv5 ({min(late):.0f}-{max(late):.0f} %)"
    ) in SECTION


def test_the_simulation_time_is_the_records():
    """The time the page quotes for simulating AlexNet's convolutions, on the record's machine."""
    seconds = re.search(r"^## alexnet: .*; simulated in ([\d.]+) s$", ALEXNET, re.M).group(1)
    cores = re.search(r" on \S+ \((\d+) cores\)", RECORD).group(1)
    assert f"`--vgg16`); {seconds} s of simulation on this {cores}-core machine" in PAGE


def test_the_partitions_slack_is_the_codes():
    """The page's "at most 2 % more work than the least possible" is `partition`'s ``slack``,
    which DCNN's PEs leave at its default; a factorisation 1.96 % over the least work that
    delivers fewer values is chosen, one 4 % over is not."""
    slack = inspect.signature(partition).parameters["slack"].default
    assert slack == 0.02
    assert f"whose busiest PE has at most {100 * slack:.0f} % more work than the least" in PAGE
    calls = [
        node
        for node in ast.walk(ast.parse(inspect.getsource(dcnn_agents)))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "partition"
    ]
    assert calls and all(
        len(c.args) <= 2 and "slack" not in {k.arg for k in c.keywords} for c in calls
    )
    # 8 x 8 outputs, 204 channels: 64 x 1 gives a PE 204 outputs (the least), 16 x 4 208 (2 %
    # over, 1.96 %) for far fewer values delivered; 4 x 4 outputs, 388 channels: 16 x 4 gives
    # 100 (the least), 8 x 8 104 (4 % over) for fewer values, which the slack refuses
    within = ConvGeometry(3, 8, 8, 204, 3, 3, 8, 8, (1, 1), (1, 1), 1)
    beyond = ConvGeometry(3, 4, 4, 388, 3, 3, 4, 4, (1, 1), (1, 1), 1)
    for geometry, least, chosen, looser in (
        (within, (64, 1), (16, 4), (16, 4)),
        (beyond, (16, 4), (16, 4), (8, 8)),
    ):
        picked = partition(geometry, 64, lanes=4)
        assert (picked.n_pos, picked.n_k) == chosen
        tight = partition(geometry, 64, slack=0, lanes=4)
        assert (tight.n_pos, tight.n_k) == least
        loose = partition(geometry, 64, slack=0.04, lanes=4)
        assert (loose.n_pos, loose.n_k) == looser
