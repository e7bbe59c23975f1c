"""Where SCNN's speedup over DCNN departs from the paper's, layer by layer and by kind of layer.

Issue 9: SCNN's speedup over DCNN should be within 15 % of Parashar et al. (ISCA 2017): AlexNet
2.37x, GoogLeNet 2.19x, VGG-16 3.52x. From the recorded comparisons
(``benchmarks/results/accel_scnn_compare_<network>.json``, no simulation) and each layer's
shapes and densities (the calibrated workload), per layer: SCNN's and DCNN's cycles, the
non-zero work's reduction estimated from the densities, ``1 / (weight density x input
density)`` (the measure of the summaries' 4.95x for VGG-16: it counts the products that
fall on the padding too), and
exact, dense MACs over the products of two non-zero operands that land on an output
(`scnn_work.nonzero_macs`); SCNN's share of its ideal by each (those products / 1,024 over its
cycles), DCNN's compute bound (`dense_plan.compute_bound`: the
busiest PE's NFU cycles with every operand in place) and DCNN's dense-weight DRAM time (the
layer's 16-bit weights at 50 bytes per cycle). Per kind of layer (plane x kernel) the same
summed, and the *excess*: the SCNN cycles by which a kind is short of the paper's speedup,
``DCNN / paper - SCNN`` (positive: faster than the paper's ratio).

Three optional measurements (simulated or counted, one layer at a time):

``--probe``
    DCNN on every convolution of GoogLeNet and AlexNet, watching every PE's state signal: when
    the last PE's input window is in, when the last PE starts multiplying (its input window
    and its first weight round delivered), and the cycles after that: what DCNN's cycles
    above its compute bound are.
``--kc K``
    SCNN on GoogLeNet's 1 x 1 convolutions with Kc forced to ``K`` (the accumulators would hold
    all output channels of a 1 x 1 layer's small regions; a public reading note of the paper
    gives Kc = 8 on its late inception modules' 1 x 1 layers), and on every AlexNet convolution
    (whether one Kc for every layer could be the paper's rule).
``--placement``
    On small-plane layers of the three networks, SCNN's multiplier-array steps counted from the
    operands (`vector_steps`: per Kc group, input channel and PE, ceil(non-zero activations of
    the tile / I) x ceil(non-zero weights of the block / F); no bank conflicts, no code
    placeholders) with the workload's activations and with each channel's activations shuffled
    over its plane, `SHUFFLES` times (same density per channel, no spatial structure; the mean
    and the range over the shuffles): whether the calibrated
    activations' spatial structure makes SCNN faster or slower than unstructured ones would.

``--branch-pools``
    GoogLeNet's 3 x 3 / 1 max pools before each inception module's fourth branch, which the
    branch's convolution does as it starts (`LayerRecord.input_pool`; each PE receives the input
    values its windows read from its neighbours' tiles and compares them at the PPU's rate): the
    nine layers simulated without the pool and at 1, 2 and 4 compares per cycle, and what each
    puts GoogLeNet's speedup at (DCNN's pool on its read path adds no cycle).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_excess.py            # records only, seconds
    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_excess.py --branch-pools   # ~1 min
    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_excess.py --probe --kc 8   # ~7 min of CPU
    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_excess.py --placement      # ~20 s

Writes ``benchmarks/results/accel_scnn_excess.json`` (the optional parts kept from the previous
record when not re-measured; ``measured`` gives the date each was measured, ``machine`` the
run's machine) and the tables as ``accel_scnn_excess.md``, each replaced whole, and prints the
tables.
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from accel_scnn_tiling import inputs_in_dram
from accel_scnn_tiling import layer_rows as tiling_rows
from machine import machine, write_record

from desim.accel.base import PeState
from desim.accel.dcnn import DcnnConfig
from desim.accel.dense_plan import (
    ConvGeometry,
    LineStore,
    WeightRounds,
    compute_bound,
    partition,
)
from desim.accel.fabric import Fabric
from desim.accel.scnn_work import nonzero_macs
from desim.kernel.simulator import Simulator

RESULTS = Path(__file__).parent / "results"
RECORD = RESULTS / "accel_scnn_excess.json"
#: SCNN's speedup over DCNN in Parashar et al. 2017 (SCNN.md, "Headline results")
PAPER = {"alexnet": 2.37, "googlenet": 2.19, "vgg16": 3.52}
DCNN = DcnnConfig()
"""The design compared: DCNN's defaults (those of the comparison records)."""
PES = Fabric(Simulator(), DCNN.fabric).pes
MULTIPLIERS = PES * DCNN.multipliers  # SCNN's too: 64 PEs of F x I = 4 x 4


def kind(network: str, name: str, g: ConvGeometry) -> str:
    """``"PxQ RxS"``, GoogLeNet's stem marked."""
    label = f"{g.P}x{g.Q} {g.R}x{g.S}"
    return f"stem {label}" if network == "googlenet" and name.startswith("stem.") else label


def dcnn_compute_bound(g: ConvGeometry, config: DcnnConfig = DCNN, pes: int = PES) -> int:
    """The busiest PE's NFU cycles with every operand in place (a round: half of the
    double-buffered weight buffer)."""
    lanes, width = config.lanes
    half_bits = config.weight_buffer_bytes * 8 // 2
    rounds = WeightRounds.plan(
        g.filter_size, config.value_bits, half_bits, lanes=lanes, width=width
    )
    return compute_bound(partition(g, pes, lanes=lanes), rounds, lanes, width)


def layer_rows(network: str) -> list[dict[str, Any]]:
    """One row per recorded convolution of ``network``."""
    from workloads.workload import WorkloadSpec, build_workload

    compare = json.loads((RESULTS / f"accel_scnn_compare_{network}.json").read_text())
    recorded = {row["layer"]: row for row in compare["per_layer"]}
    workload = build_workload(WorkloadSpec(model=network, batch=1))
    rows = []
    for layer in workload.layers:
        if layer.kind != "conv":
            continue
        g = ConvGeometry.of(layer)
        wd = np.count_nonzero(layer.weight) / layer.weight.size
        ad = np.count_nonzero(layer.input[0]) / layer.input[0].size
        dense = g.K * g.filter_size * g.P * g.Q
        exact = nonzero_macs(layer)
        row = recorded[layer.name]
        rows.append(
            {
                "layer": layer.name,
                "kind": kind(network, layer.name, g),
                "C": g.C,
                "K": g.K,
                "dense_macs": dense,
                "weight_density": round(float(wd), 4),
                "input_density": round(float(ad), 4),
                "reduction": round(1 / (wd * ad), 3),
                "nonzero_macs": exact,
                "exact_reduction": round(dense / exact, 3),
                "scnn_cycles": row["cycles"],
                "dcnn_cycles": row["baseline_cycles"],
                "dcnn_compute_bound": dcnn_compute_bound(g),
                "dcnn_dram_weight_cycles": round(
                    g.K * g.filter_size * DCNN.value_bits / 8 / DCNN.dram_bandwidth_bytes_per_cycle
                ),
                "speedup": round(row["baseline_cycles"] / row["cycles"], 3),
                "scnn_share_of_ideal": round(dense * wd * ad / MULTIPLIERS / row["cycles"], 3),
                "scnn_share_of_exact_ideal": round(exact / MULTIPLIERS / row["cycles"], 3),
            }
        )
    return rows


def summary(rows: list[dict[str, Any]], target: float) -> dict[str, dict[str, float]]:
    """Per kind of layer and in total: cycles, work, speedups and the excess over ``target``."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        for key in (row["kind"], "total"):
            s = sums[key]
            s["layers"] += 1
            s["scnn_cycles"] += row["scnn_cycles"]
            s["dcnn_cycles"] += row["dcnn_cycles"]
            s["dcnn_compute_bound"] += row["dcnn_compute_bound"]
            s["dense_macs"] += row["dense_macs"]
            s["estimated_macs"] += row["dense_macs"] / row["reduction"]
            s["nonzero_macs"] += row["nonzero_macs"]
    out = {}
    for key, s in sums.items():
        out[key] = {
            "layers": int(s["layers"]),
            "scnn_cycles": int(s["scnn_cycles"]),
            "dcnn_cycles": int(s["dcnn_cycles"]),
            "dcnn_compute_bound": int(s["dcnn_compute_bound"]),
            "reduction": round(s["dense_macs"] / s["estimated_macs"], 3),
            "exact_reduction": round(s["dense_macs"] / s["nonzero_macs"], 3),
            "speedup": round(s["dcnn_cycles"] / s["scnn_cycles"], 3),
            "speedup_dcnn_at_compute_bound": round(s["dcnn_compute_bound"] / s["scnn_cycles"], 3),
            "dcnn_share_of_dense_bound": round(s["dense_macs"] / MULTIPLIERS / s["dcnn_cycles"], 3),
            "dcnn_above_compute_bound": round(1 - s["dcnn_compute_bound"] / s["dcnn_cycles"], 3),
            "scnn_share_of_ideal": round(s["estimated_macs"] / MULTIPLIERS / s["scnn_cycles"], 3),
            "scnn_share_of_exact_ideal": round(
                s["nonzero_macs"] / MULTIPLIERS / s["scnn_cycles"], 3
            ),
            "excess_scnn_cycles": round(s["dcnn_cycles"] / target - s["scnn_cycles"]),
        }
    return out


def probe_layer(layer: Any, config: DcnnConfig, input_in_dram: bool = False) -> dict[str, Any]:
    """One DCNN layer simulated, every PE's state watched (see the module docstring);
    ``input_in_dram`` as `Dcnn.run_layer`'s."""
    from desim.accel.dcnn_agents import DcnnLayer

    sim = Simulator(seed=0)
    plan = DcnnLayer(sim, layer, config, input_in_dram)
    first_busy: dict[int, int] = {}
    windows_in = [0]

    def started(pe: int, now: int, value: int) -> None:
        if value == PeState.BUSY:
            first_busy.setdefault(pe, now)

    def window_in(event: Any) -> Any:
        yield event
        windows_in[0] = max(windows_in[0], int(plan.env.now))

    for tile in plan.tiles:
        tile.state.watch(functools.partial(started, tile.pe))
        if tile.missing:
            plan.env.process(window_in(tile.inputs_in))
    sim.elaborate()
    sim.run()
    cycles = max(plan.last_write, int(sim.now))
    start = max(first_busy.values())
    bound = dcnn_compute_bound(plan.g, config, plan.fabric.pes)
    return {
        "layer": layer.name,
        "cycles": cycles,
        "compute_bound": bound,
        "last_window_in": windows_in[0],
        "last_pe_starts": start,
        "after_start_above_bound": cycles - start - bound,
    }


def probe_dcnn(network: str) -> list[dict[str, Any]]:
    """`probe_layer` on every convolution of ``network``."""
    from workloads.workload import WorkloadSpec, build_workload

    convs = [
        x for x in build_workload(WorkloadSpec(model=network, batch=1)).layers if x.kind == "conv"
    ]
    rows = []
    for layer in convs:
        rows.append(probe_layer(layer, DCNN, input_in_dram=layer is convs[0]))  # as `Dcnn.run`
        print(json.dumps(rows[-1]), flush=True)
    return rows


def forced_kc(
    kc: int, network: str = "googlenet", kernel: tuple[int, int] | None = (1, 1)
) -> list[dict[str, Any]]:
    """SCNN on ``network``'s convolutions with an R x S ``kernel`` (every one if None) with Kc
    forced to ``kc``."""
    from desim.accel.scnn import Scnn, ScnnConfig
    from desim.accel.scnn_plan import plan_conv
    from workloads.workload import WorkloadSpec, build_workload

    workload = build_workload(WorkloadSpec(model=network, batch=1))
    convs = [layer for layer in workload.layers if layer.kind == "conv"]
    in_dram = inputs_in_dram(tiling_rows(network, ScnnConfig()))
    rows = []
    for index, layer in enumerate(convs):
        if kernel is not None and layer.weight.shape[2:] != kernel:
            continue
        cpu = time.process_time()
        result = Scnn(ScnnConfig(kc=kc)).run_layer(layer, input_in_dram=in_dram[index])
        rows.append(
            {
                "layer": layer.name,
                "default_kc": plan_conv(layer, (8, 8), 1024).kc,
                "cycles": result.cycles,
                "cpu_s": round(time.process_time() - cpu, 1),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


#: small-plane layers compared by `--placement`
PLACEMENT_LAYERS = {
    "alexnet": ("features.conv3", "features.conv4", "features.conv5"),
    "googlenet": (
        "inceptions.inception4c.b2",
        "inceptions.inception4e.b1",
        "inceptions.inception4e.b2",
        "inceptions.inception5b.b2",
    ),
    "vgg16": ("features.conv5_1", "features.conv5_3"),
}


def vector_steps(
    active: np.ndarray, weights: np.ndarray, plan: Any, f: int = 4, i: int = 4
) -> tuple[np.ndarray, int]:
    """SCNN's F x I steps from the operands: ``(steps per Kc group and PE, non-zero products)``.

    ``active``: which inputs ``(C, H, W)`` are non-zero; ``weights``: which weights
    ``(K, C / groups, R, S)`` are; ``plan``: the layer's `ConvPlan`. A PE's steps for a group
    and an input channel are ceil(its tile's non-zero activations / ``i``) x ceil(the block's
    non-zero weights / ``f``).
    """
    per_group = weights.shape[1]
    steps = np.zeros((len(plan.groups), plan.pes), dtype=np.int64)
    products = 0
    for g, (conv_group, k0, k1) in enumerate(plan.groups):
        nw = weights[k0:k1].sum(axis=(0, 2, 3))  # per input channel of the block
        channels = active[conv_group * per_group : (conv_group + 1) * per_group]
        for pe, (r0, r1, c0, c1) in enumerate(plan.input_tiles):
            na = channels[:, r0:r1, c0:c1].sum(axis=(1, 2))
            steps[g, pe] = int((-(-na // i) * -(-nw // f)).sum())
            products += int((na * nw).sum())
    return steps, products


SHUFFLES = 10
"""Shuffles of each layer's activations in `placement` (seeds 0 to 9): a shuffle is one random
placement, and the counts move by a few per cent from one to the next."""


def _measures(active: np.ndarray, weights: np.ndarray, plan: Any) -> dict[str, float]:
    """Steps over the ideal: the mean PE's (fragmentation) and the busiest PE's per Kc group,
    summed (`vector_steps`)."""
    steps, products = vector_steps(active, weights, plan)
    ideal = products / MULTIPLIERS
    return {
        "fragmentation": float(steps.sum(axis=0).mean()) / ideal,
        "busiest_per_group": float(steps.max(axis=1).sum()) / ideal,
    }


def placement() -> list[dict[str, Any]]:
    """`vector_steps` with the workload's activations and with them shuffled per channel, over
    `SHUFFLES` shuffles: each measure's value on the real activations, and its mean, lowest and
    highest over the shuffles."""
    from desim.accel.scnn_plan import plan_conv
    from workloads.workload import WorkloadSpec, build_workload

    rows = []
    for network, names in PLACEMENT_LAYERS.items():
        workload = build_workload(WorkloadSpec(model=network, batch=1))
        for layer in workload.layers:
            if layer.name not in names:
                continue
            plan = plan_conv(layer, (8, 8), 1024)
            active, weights = layer.input[0] != 0, layer.weight != 0

            shuffles = []
            for seed in range(SHUFFLES):
                rng = np.random.default_rng(seed)
                flat = active.reshape(active.shape[0], -1).copy()
                for channel in flat:
                    rng.shuffle(channel)
                shuffles.append(_measures(flat.reshape(active.shape), weights, plan))
            row: dict[str, Any] = {
                "network": network,
                "layer": layer.name,
                "real": {k: round(v, 3) for k, v in _measures(active, weights, plan).items()},
                "shuffled": {
                    k: round(float(np.mean([m[k] for m in shuffles])), 3) for k in shuffles[0]
                },
                "shuffled_range": {
                    k: [
                        round(min(m[k] for m in shuffles), 3),
                        round(max(m[k] for m in shuffles), 3),
                    ]
                    for k in shuffles[0]
                },
                "shuffles": SHUFFLES,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


#: the PPU's compare rates the fourth-branch layers are simulated at (values per cycle)
BRANCH_POOL_RATES = (1, 2, 4)


def dcnn_neighbour_values(layer: Any, pes: int = PES) -> int:
    """The most values one DCNN holder would receive to pool its lines of ``layer``'s input pool
    (an unpooled ``C x H`` lines of ``W`` values, spread over the banks as `LineStore` holds a
    layer's input): the lines one row above and below each of its lines, when another bank holds
    them (the pool's 3 x 3 window; its horizontal taps are in the line itself)."""
    channels, _, width = layer.input_shape
    height = layer.input_pool.plane[0]
    store = LineStore(channels, height, width, pes, height * channels)
    most = 0
    for bank in range(pes):
        a, b = store.held(bank)
        rows, cols = np.divmod(np.arange(a, b), channels)
        needed = set()
        for step in (-1, 1):
            row = rows + step
            lines = row[(row >= 0) & (row < height)] * channels + cols[(row >= 0) & (row < height)]
            needed.update(lines[(lines < a) | (lines >= b)].tolist())
        most = max(most, len(needed) * width)
    return most


def branch_pools() -> dict[str, Any]:
    """GoogLeNet's fourth-branch layers, which pool their input as they start
    (`LayerRecord.input_pool`), simulated without the pool and with it at each of
    `BRANCH_POOL_RATES` compares per cycle (each layer's input where the network run has it);
    per layer the neighbour values a PE receives per channel (the most over the PEs); and
    GoogLeNet's speedup with the nine layers' cycles at each setting in place of the record's
    (which has them at one compare a cycle), with each layer at the longer of its cycles
    without the pool and its pool's (the most a pool overlapped with the multiplies could
    save), and with DCNN's holders comparing the neighbouring lines they would receive at one
    value a cycle, as SCNN's PPU, added to DCNN's cycles (none of it hidden; DCNN's model pools
    at no cycle)."""
    from dataclasses import replace

    from desim.accel.scnn import Scnn, ScnnConfig
    from desim.accel.scnn_plan import plan_conv
    from workloads.workload import WorkloadSpec, build_workload

    workload = build_workload(WorkloadSpec(model="googlenet", batch=1))
    convs = [layer for layer in workload.layers if layer.kind == "conv"]
    in_dram = inputs_in_dram(tiling_rows("googlenet", ScnnConfig()))
    rows = []
    for index, layer in enumerate(convs):
        if layer.input_pool is None:
            continue
        areas = plan_conv(layer, (8, 8), 1024).input_pool_areas
        runs = {"none": Scnn().run_layer(replace(layer, input_pool=None), in_dram[index])}
        for rate in BRANCH_POOL_RATES:
            config = ScnnConfig(ppu_compares_per_cycle=rate)
            runs[str(rate)] = Scnn(config).run_layer(layer, in_dram[index])
        rows.append(
            {
                "layer": layer.name,
                "channels": int(layer.input_shape[0]),
                "plane": list(layer.input_pool.plane),
                "remote_values_per_channel": int(areas.sum(axis=0).max()),
                "cycles": {key: run.cycles for key, run in runs.items()},
                "input_pool_cycles_max": {
                    key: run.extra["input_pool_cycles_max"] for key, run in runs.items()
                },
                "dcnn_neighbour_values": dcnn_neighbour_values(layer),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    compare = json.loads((RESULTS / "accel_scnn_compare_googlenet.json").read_text())
    recorded = {row["layer"]: row["cycles"] for row in compare["per_layer"]}
    others = compare["cycles"] - sum(recorded[row["layer"]] for row in rows)
    # a PE that pooled channel c + 1 while multiplying channel c: at best the longer of the two
    overlapped = sum(max(r["cycles"]["none"], r["input_pool_cycles_max"]["1"]) for r in rows)
    return {
        "layers": rows,
        "speedup": round(compare["speedup"], 4),
        "speedup_overlapped_bound": round(compare["dcnn"]["cycles"] / (others + overlapped), 4),
        "speedup_dcnn_compares_bound": round(
            (compare["dcnn"]["cycles"] + sum(r["dcnn_neighbour_values"] for r in rows))
            / compare["cycles"],
            4,
        ),
        "speedup_with": {
            key: round(
                compare["dcnn"]["cycles"] / (others + sum(row["cycles"][key] for row in rows)), 4
            )
            for key in rows[0]["cycles"]
        },
    }


def report(record: dict[str, Any]) -> str:
    """The per-kind tables as Markdown."""
    lines = [
        f"SCNN against DCNN by kind of layer ({record['machine']['date']}; calibrated workloads)"
    ]
    for network, data in record["networks"].items():
        lines += [
            "",
            f"{network} (the paper: {data['paper_speedup']}x)",
            "",
            "| kind | layers | DCNN cycles | SCNN cycles | speedup | work reduction, estimated "
            "| exact | SCNN / its ideal, estimated | exact | DCNN above its compute bound "
            "| speedup, DCNN at its compute bound | short of the paper |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for key, s in data["kinds"].items():
            lines.append(
                f"| {key} | {s['layers']} | {s['dcnn_cycles']:,} | {s['scnn_cycles']:,} "
                f"| {s['speedup']:.2f}x | {s['reduction']:.2f}x | {s['exact_reduction']:.2f}x "
                f"| {s['scnn_share_of_ideal']:.1%} | {s['scnn_share_of_exact_ideal']:.1%} "
                f"| {s['dcnn_above_compute_bound']:.1%} "
                f"| {s['speedup_dcnn_at_compute_bound']:.2f}x | {s['excess_scnn_cycles']:,} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--probe", action="store_true", help="simulate DCNN's layers (GoogLeNet, AlexNet)"
    )
    parser.add_argument("--kc", type=int, help="simulate SCNN on GoogLeNet's 1x1 layers at this Kc")
    parser.add_argument(
        "--placement", action="store_true", help="count SCNN's steps, real and shuffled inputs"
    )
    parser.add_argument(
        "--branch-pools",
        action="store_true",
        help="simulate GoogLeNet's fourth-branch layers at each compare rate",
    )
    args = parser.parse_args(argv)
    if args.kc is not None and args.kc < 1:
        parser.error(f"--kc must be at least 1 (output channels per group), got {args.kc}")
    previous = json.loads(RECORD.read_text()) if RECORD.exists() else {}
    stamp = machine()
    record: dict[str, Any] = {
        "workload": "calibrated",
        "machine": stamp,
        "measured": dict(previous.get("measured", {})),
        "networks": {},
    }
    for network, target in PAPER.items():
        rows = layer_rows(network)
        kinds = summary(rows, target)
        record["networks"][network] = {
            "paper_speedup": target,
            "kinds": dict(sorted(kinds.items(), key=lambda kv: kv[0] == "total")),
            "layers": rows,
        }
    for part, wanted, measure in (
        ("dcnn_probe", args.probe, lambda: {n: probe_dcnn(n) for n in ("googlenet", "alexnet")}),
        ("forced_kc", args.kc is not None, lambda: {"kc": args.kc, "layers": forced_kc(args.kc)}),
        (
            "forced_kc_alexnet",
            args.kc is not None,
            lambda: {"kc": args.kc, "layers": forced_kc(args.kc, "alexnet", kernel=None)},
        ),
        ("placement", args.placement, placement),
        ("branch_pools", args.branch_pools, branch_pools),
    ):
        if wanted:
            record[part] = measure()
            record["measured"][part] = stamp["date"]
        elif part in previous:
            record[part] = previous[part]
    write_record(RECORD, record, report(record))


if __name__ == "__main__":
    main()
