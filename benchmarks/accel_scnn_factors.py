"""Where SCNN's cycles go on AlexNet's convolutions, as a product of factors.

SCNN's cycles on a layer, without the post-processing unit's own cycles, are the non-zero work's
ideal times five factors (Parashar et al., ISCA 2017, name the first three as SCNN's losses):

``cycles = ideal x frag x imbalance x conflicts x events``

- ``ideal``: non-zero MACs / 1,024 (`desim.accel.scnn_work.nonzero_macs`);
- ``frag``: the mean PE's multiplier-array steps over ``ideal`` (partly filled F and I vectors,
  stride classes, the code's placeholders); steps are cycles with ``conflict_model="none"``;
- ``imbalance``: the busiest PE's steps per Kc group, summed (the barrier waits for it), over the
  mean PE's;
- ``conflicts``: the busiest PE's cycles per Kc group, summed, with the accumulator banks'
  conflicts (``queue``, the default; ``max`` beside it), over its steps;
- ``events``: the simulated layer's cycles (PPU rates 0) over those bulk cycles: what the agents
  add (the input from DRAM, weights not yet in, the last group's halo exchange).

``vs dense bound`` is the dense MACs / 1,024 over the simulated cycles, i.e. ``dense / ideal``
divided by the five factors: the speedup over a dense design that never stalls.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_factors.py

Also conv1's cycles with the weights in ``rsk`` and ``krs`` order under each conflict model
(``conv1_weight_order``). Writes ``benchmarks/results/accel_scnn_factors.{json,md}`` (the
network's first layer reads its input from DRAM, as in `desim.accel.scnn.Scnn.run`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from machine import machine, write_record

from desim.accel.scnn import Scnn, ScnnConfig
from desim.accel.scnn_plan import plan_conv
from desim.accel.scnn_work import conv_work, nonzero_macs

RESULTS = Path(__file__).parent / "results"
RECORD = RESULTS / "accel_scnn_factors.json"
MULTIPLIERS = 1024  # 64 PEs of 4 x 4
NO_PPU = ScnnConfig(ppu_reads_per_cycle=0, ppu_adds_per_cycle=0, ppu_compares_per_cycle=0)


def factors(layer: Any, first: bool) -> dict[str, Any]:
    """The factors of one convolution (see the module docstring)."""
    pe_cycles = {}
    for model in ("none", "queue", "max"):
        config = replace(NO_PPU, conflict_model=model)
        pe = config.pe_array()
        plan = plan_conv(layer, (8, 8), pe.accumulator_entries)
        pe_cycles[model] = conv_work(layer, plan, pe, config.streams()).cycles
    steps = pe_cycles["none"]
    pes = steps.shape[1]
    ideal = nonzero_macs(layer) / MULTIPLIERS
    mean_steps = steps.sum() / pes
    busiest_steps = steps.max(axis=1).sum()
    busiest = {m: int(pe_cycles[m].max(axis=1).sum()) for m in ("queue", "max")}
    simulated = Scnn(NO_PPU).run_layer(layer, input_in_dram=first).cycles
    return {
        "layer": layer.name,
        "dense_macs": layer.dense_macs,
        "nonzero_macs": nonzero_macs(layer),
        "mean_steps": float(mean_steps),
        "busiest_steps": int(busiest_steps),
        "busiest_cycles": busiest,
        "cycles": simulated,
        "dense_over_ideal": layer.dense_macs / MULTIPLIERS / ideal,
        "frag": mean_steps / ideal,
        "imbalance": busiest_steps / mean_steps,
        "conflicts": busiest["queue"] / busiest_steps,
        "conflicts_max": busiest["max"] / busiest_steps,
        "events": simulated / busiest["queue"],
        "vs_dense_bound": layer.dense_macs / MULTIPLIERS / simulated,
    }


def weight_orders(layer: Any) -> dict[str, dict[str, int]]:
    """``layer``'s cycles (the network's first: its input from DRAM) with the weights in ``rsk``
    and ``krs`` order, under each conflict model that charges conflicts."""
    return {
        model: {
            order: Scnn(ScnnConfig(conflict_model=model, weight_order=order))
            .run_layer(layer, input_in_dram=True)
            .cycles
            for order in ("rsk", "krs")
        }
        for model in ("queue", "max")
    }


def report(rows: list[dict[str, Any]]) -> str:
    """The factors as the Markdown table docs/scnn.md shows."""
    lines = [
        "| layer | dense / ideal | frag | imbalance | conflicts `queue` (`max`) | events "
        "| vs dense bound |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['layer'].split('.')[-1]} | {r['dense_over_ideal']:.2f}x | {r['frag']:.2f} "
            f"| {r['imbalance']:.2f} | {r['conflicts']:.2f} ({r['conflicts_max']:.2f}) "
            f"| {r['events']:.2f} | {r['vs_dense_bound']:.2f}x |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    from workloads.workload import WorkloadSpec, build_workload

    convs = [x for x in build_workload(WorkloadSpec("alexnet", batch=1)).layers if x.kind == "conv"]
    rows = [factors(layer, layer is convs[0]) for layer in convs]
    record = {
        "network": "alexnet",
        "machine": machine(),
        "layers": rows,
        "conv1_weight_order": weight_orders(convs[0]),
    }
    write_record(RECORD, record, report(rows))


if __name__ == "__main__":
    main()
