"""SCNN's published behaviours beyond the headline: density sweep, each sparsity's share, PE size.

Parashar et al. (ISCA 2017) sweep the weight and activation density of a synthetic GoogLeNet
together from 1.0 to 0.1 and report SCNN against DCNN and DCNN-opt (their Fig. 6), compare SCNN
with SCNN-SparseA and SCNN-SparseW (Fig. 12), and run the same 1,024 multipliers as 4 PEs of
16 x 16 instead of 64 PEs of 4 x 4 (Section 6). Here: one inception module of GoogLeNet's shapes
(``inception4c``, six convolutions on 14 x 14 planes), synthetic weights and activations at
each density (`workloads.workload`, seed 0), every design on the same layers. The module sits in
the middle of the network, so no design reads its input from DRAM (each layer is run as SCNN
runs a layer after the first). The paper sweeps the whole network, whose planes are 28 x 28
(``inception3a/b``), 14 x 14 and 7 x 7: the same figures on ``inception3b`` (28 x 28) at full
density and at 0.4 show how much of each depends on the plane size (``planes`` in the record).

Writes ``benchmarks/results/accel_scnn_density.{json,md,png}``.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_density.py
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from desim.accel.dcnn import Dcnn, DcnnOpt, DcnnOptConfig
from desim.accel.fabric import FabricConfig
from desim.accel.scnn import Scnn, ScnnConfig, ScnnSparseA, ScnnSparseW
from desim.energy import EnergyReport, horowitz45

RESULTS = Path(__file__).parent / "results"
MODULE = "inception4c"
DENSITIES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1)
VARIANT_DENSITIES = (1.0, 0.8, 0.6, 0.4, 0.2)
GRANULARITY_DENSITY = 0.4
PLANE_MODULE = "inception3b"
PLANE_DENSITIES = (1.0, GRANULARITY_DENSITY)
#: Parashar et al. 2017 (Section 6 and Figs. 6, 12), as summarised in public reviews of the paper
#: (the figures' exact values are read off plots): density sweep on GoogLeNet; SCNN vs its
#: variants at 0.4 / 0.4; 64 PEs of 16 multipliers against 4 of 256.
PAPER = {
    "speedup_at_full_density": 0.79,
    "energy_vs_dcnn_at_full_density": 1 / 1.33,
    "performance_crossover_density": 0.85,
    "energy_crossover_vs_dcnn": 0.83,
    "energy_crossover_vs_dcnn_opt": 0.6,
    # the same published DCNN-opt, under the reading without the weight buffer's zero flags
    "energy_crossover_vs_dcnn_opt_gating_alone": 0.6,
    "speedup_at_0.1": 24.0,
    "energy_fraction_of_dcnn_at_0.1": 0.06,
    "speedup_over_sparsew_at_0.4": 1.7,
    "speedup_over_sparsea_at_0.4": 2.6,
    "energy_over_sparsew_at_0.4": 1.6,
    "energy_over_sparsea_at_0.4": 2.1,
    "64_pes_over_4_pes": 1.11,
}


def module_layers(density: float, module: str = MODULE) -> list[Any]:
    """The module's convolutions at ``density`` (weights and activations alike)."""
    from workloads.workload import WorkloadSpec, build_workload

    spec = WorkloadSpec(
        "googlenet", None, "synthetic", batch=1, weight_density=density,
        activation_density=density, seed=0,
    )  # fmt: skip
    return [x for x in build_workload(spec).layers if x.kind == "conv" and module in x.name]


def run(design: Any, layers: list[Any]) -> dict[str, float]:
    """Cycles, energy (pJ, 45 nm table) and CPU seconds of ``design`` over ``layers``."""
    table = horowitz45()
    start = time.process_time()
    results = [design.run_layer(layer, input_in_dram=False) for layer in layers]
    return {
        "cycles": sum(r.cycles for r in results),
        "energy_pj": sum(EnergyReport.from_counts(r.counts, table).total_pj for r in results),
        "useful_macs": sum(int(r.useful_macs) for r in results),
        "cpu_seconds": round(time.process_time() - start, 2),
    }


def coarse_pes(ppu_scale: int = 16) -> ScnnConfig:
    """The same 1,024 multipliers as 4 PEs (2 x 2 mesh) of 16 x 16, each with 16 times the
    accumulator banks (A = 2 F I = 512, address-mod hash: DNNsim's xor hash is for 32 banks),
    16 times the activation RAMs and, by default, a post-processing unit 16 times as fast (the
    same hardware regrouped, all three rates; ``ppu_scale=1`` keeps one value per cycle per PE)."""
    base = ScnnConfig()
    return replace(
        base,
        fabric=FabricConfig(topology_args={"rows": 2, "cols": 2}),
        multipliers_f=16,
        multipliers_i=16,
        accumulator_banks=512,
        bank_hash="linear",
        iaram_bytes=16 * base.iaram_bytes,
        oaram_bytes=16 * base.oaram_bytes,
        ppu_reads_per_cycle=ppu_scale * base.ppu_reads_per_cycle,
        ppu_adds_per_cycle=ppu_scale * base.ppu_adds_per_cycle,
        ppu_compares_per_cycle=ppu_scale * base.ppu_compares_per_cycle,
    )


def point(density: float, module: str = MODULE) -> dict[str, Any]:
    """Every design of the sweep on ``module`` at ``density`` (on the plane module: SCNN and
    DCNN, and at 0.4 SCNN-SparseW and the 4-PE designs)."""
    layers = module_layers(density, module)
    out: dict[str, Any] = {"density": density}
    designs = {"scnn": Scnn(), "dcnn": Dcnn()}
    if module == MODULE:
        designs["dcnn-opt"] = DcnnOpt()
        designs["dcnn-opt-gating-alone"] = DcnnOpt(DcnnOptConfig(weight_zero_flags=False))
    if module == MODULE and density in VARIANT_DENSITIES:
        designs.update({"scnn-sparsea": ScnnSparseA(), "scnn-sparsew": ScnnSparseW()})
    if density == GRANULARITY_DENSITY:
        designs["scnn-sparsew"] = ScnnSparseW()
        designs["scnn-4pe"] = Scnn(coarse_pes())
        designs["scnn-4pe-ppu1"] = Scnn(coarse_pes(ppu_scale=1))
    for name, design in designs.items():
        out[name] = run(design, layers)
        print(module, density, name, out[name], flush=True)
    return out


def main() -> None:
    sweep: list[dict[str, Any]] = []
    planes = [point(density, PLANE_MODULE) for density in PLANE_DENSITIES]
    for density in DENSITIES:  # written after each density: a long run keeps what finished
        sweep.append(point(density))
        write(sweep, planes)


def crossover(sweep: list[dict[str, Any]], ratio: Any) -> float | None:
    """The density where ``ratio(point)`` (a baseline over SCNN) crosses 1, interpolated
    linearly between the two points around it (densities falling)."""
    for a, b in zip(sweep, sweep[1:], strict=False):
        ra, rb = ratio(a), ratio(b)
        if ra < 1 <= rb:
            return a["density"] + (1 - ra) / (rb - ra) * (b["density"] - a["density"])
    return None


def summary(sweep: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures `PAPER` names, from the sweep."""

    def speedup(p: dict[str, Any], base: str = "dcnn") -> float:
        return p[base]["cycles"] / p["scnn"]["cycles"]

    def energy(p: dict[str, Any], base: str = "dcnn") -> float:
        return p[base]["energy_pj"] / p["scnn"]["energy_pj"]

    by_density = {p["density"]: p for p in sweep}
    out: dict[str, Any] = {}
    if 1.0 in by_density:
        out["speedup_at_full_density"] = speedup(by_density[1.0])
        out["energy_vs_dcnn_at_full_density"] = energy(by_density[1.0])
    out["performance_crossover_density"] = crossover(sweep, speedup)
    out["energy_crossover_vs_dcnn"] = crossover(sweep, energy)
    out["energy_crossover_vs_dcnn_opt"] = crossover(sweep, lambda p: energy(p, "dcnn-opt"))
    out["energy_crossover_vs_dcnn_opt_gating_alone"] = crossover(
        sweep, lambda p: energy(p, "dcnn-opt-gating-alone")
    )
    if 0.1 in by_density:
        out["speedup_at_0.1"] = speedup(by_density[0.1])
        out["energy_fraction_of_dcnn_at_0.1"] = 1 / energy(by_density[0.1])
    mid = by_density.get(GRANULARITY_DENSITY)
    if mid is not None and "scnn-sparsew" in mid:
        for variant in ("sparsew", "sparsea"):
            out[f"speedup_over_{variant}_at_0.4"] = speedup(mid, f"scnn-{variant}")
            out[f"energy_over_{variant}_at_0.4"] = energy(mid, f"scnn-{variant}")
    if mid is not None and "scnn-4pe" in mid:
        out["64_pes_over_4_pes"] = speedup(mid, "scnn-4pe")
    return out


def plane_summary(planes: list[dict[str, Any]]) -> dict[str, float]:
    """On the plane module: SCNN's speedup over DCNN at full density, over SCNN-SparseW at 0.4,
    and 64 PEs over 4 (the PPU scaled, and not)."""
    full, mid = planes
    return {
        "speedup_at_full_density": full["dcnn"]["cycles"] / full["scnn"]["cycles"],
        "speedup_over_sparsew_at_0.4": mid["scnn-sparsew"]["cycles"] / mid["scnn"]["cycles"],
        "64_pes_over_4_pes": mid["scnn-4pe"]["cycles"] / mid["scnn"]["cycles"],
        "64_pes_over_4_pes_ppu1": mid["scnn-4pe-ppu1"]["cycles"] / mid["scnn"]["cycles"],
    }


def write(sweep: list[dict[str, Any]], planes: list[dict[str, Any]]) -> None:
    RESULTS.mkdir(exist_ok=True)
    document = {
        "module": MODULE,
        "paper": PAPER,
        "summary": summary(sweep),
        "sweep": sweep,
        "plane_module": PLANE_MODULE,
        "plane_summary": plane_summary(planes),
        "planes": planes,
    }
    (RESULTS / "accel_scnn_density.json").write_text(json.dumps(document, indent=1) + "\n")
    (RESULTS / "accel_scnn_density.md").write_text(tables(sweep, planes) + "\n")
    plot(sweep)


def tables(sweep: list[dict[str, Any]], planes: list[dict[str, Any]]) -> str:
    """The sweep, the figures against the paper's, and the figures on both modules, as markdown
    tables (docs/scnn.md quotes them)."""
    lines = [
        "| density | SCNN cycles | DCNN / SCNN cycles | DCNN / SCNN energy | "
        "DCNN-opt / SCNN energy | SparseA / SCNN cycles | SparseW / SCNN cycles |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in sweep:
        s = p["scnn"]
        cells = [
            f"{p['density']:.1f}",
            f"{s['cycles']:,}",
            f"{p['dcnn']['cycles'] / s['cycles']:.2f}x",
            f"{p['dcnn']['energy_pj'] / s['energy_pj']:.2f}x",
            f"{p['dcnn-opt']['energy_pj'] / s['energy_pj']:.2f}x",
        ]
        for variant in ("scnn-sparsea", "scnn-sparsew"):
            cells.append(f"{p[variant]['cycles'] / s['cycles']:.2f}x" if variant in p else "")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| figure | ours | paper |", "|---|---|---|"]
    for key, value in summary(sweep).items():
        ours = "none in the range" if value is None else f"{value:.3g}"
        lines.append(f"| {key} | {ours} | {PAPER[key]:.3g} |")
    mid = next((p for p in sweep if p["density"] == GRANULARITY_DENSITY), None)
    if mid is None:  # a partial run
        return "\n".join(lines)
    lines += ["", f"| figure | {MODULE} (14 x 14) | {PLANE_MODULE} (28 x 28) | paper |"]
    lines.append("|---|---|---|---|")
    ours = summary(sweep) | {
        "64_pes_over_4_pes_ppu1": mid["scnn-4pe-ppu1"]["cycles"] / mid["scnn"]["cycles"]
    }
    for key, value in plane_summary(planes).items():
        paper = PAPER[key.removesuffix("_ppu1")]
        lines.append(f"| {key} | {ours[key]:.3g} | {value:.3g} | {paper:.3g} |")
    return "\n".join(lines)


def plot(sweep: list[dict[str, Any]]) -> None:
    """Speedup and energy ratio over DCNN (and energy over DCNN-opt) against density."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = [p["density"] for p in sweep]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(d, [p["dcnn"]["cycles"] / p["scnn"]["cycles"] for p in sweep], "o-", label="speedup")
    for base, style in (("dcnn", "s-"), ("dcnn-opt", "^-")):
        ratios = [p[base]["energy_pj"] / p["scnn"]["energy_pj"] for p in sweep]
        ax.plot(d, ratios, style, label=f"energy, {base} / scnn")
    ax.axhline(1, color="grey", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.invert_xaxis()
    ax.set_xlabel("weight and activation density")
    ax.set_ylabel("baseline / SCNN")
    ax.set_title(f"GoogLeNet {MODULE}, synthetic densities")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "accel_scnn_density.png", dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
