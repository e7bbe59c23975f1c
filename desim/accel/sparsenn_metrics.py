"""SparseNN's metrics: per layer (densities, false negatives and positives, predictor cost, NoC
traffic per phase, load balance) and per run (per-inference cycles, throughput, energy, power,
the predictor's share of cycles and energy).

Totals of a run are for the ``samples`` inferences it simulated, one after the other;
``*_per_inference`` figures are their mean. Power is energy over time: pJ per ns is mW.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from desim.accel.layer import LayerRecord
from desim.accel.result import AccelResult
from desim.accel.sparsenn_config import SparseNNConfig
from desim.accel.sparsenn_plan import MaskedCheck, Predictor
from desim.energy import EnergyTable, horowitz45

__all__ = ["layer_extra", "summarize", "PREDICTOR_COMPONENTS"]

#: Energy components that exist only for the predictor (its NoC share is added by phase).
PREDICTOR_COMPONENTS = ("predictor", "predictor_sram")


def layer_extra(
    config: SparseNNConfig,
    layer: LayerRecord,
    predictor: Predictor | None,
    runs: list[tuple[Any, Any]],
    checks: list[MaskedCheck],
) -> dict[str, Any]:
    """JSON-ready SparseNN figures of one layer over its simulated samples."""
    samples = len(runs)
    m, n = layer.weight.shape
    live = sum(c.live for c in checks)
    predicted = sum(c.predicted for c in checks)
    fn = sum(c.false_negatives for c in checks)
    fp = sum(c.false_positives for c in checks)
    nnz = sum(int(np.count_nonzero(job.x)) for job, _ in runs) / samples
    predictor_macs = sum(run.counts.total("mul16", "predictor") for _, run in runs) / samples
    busy = np.array([run.busy for _, run in runs], dtype=float)
    extra: dict[str, Any] = {
        "check_passed": True,
        "samples": samples,
        "cycles_per_inference": sum(run.cycles for _, run in runs) / samples,
        "cycles_per_sample": [run.cycles for _, run in runs],
        "prediction_latency_per_inference": sum(r.prediction_latency for _, r in runs) / samples,
        "prediction_critical_cycles_per_inference": sum(r.prediction_critical for _, r in runs)
        / samples,
        "pe_busy_max_per_inference": float(busy.max(axis=1).mean()),
        "pe_busy_mean_per_inference": float(busy.mean()),
        "input_density": nnz / n,
        "true_output_density": live / (m * samples),
        "predicted_output_density": predicted / (m * samples),
        "false_negatives": fn,
        "false_positives": fp,
        "false_negative_rate": fn / live if live else 0.0,
        "false_positive_rate": fp / (m * samples - live) if m * samples > live else 0.0,
        "predictor_rank": predictor.rank if predictor is not None else 0,
        "predictor_macs_per_inference": predictor_macs,
        "feed_forward_macs_per_inference": sum(r.counts.total("mul16", "pe") for _, r in runs)
        / samples,
        "predictor_vs_dense_macs": predictor_macs / (m * n),
        "predictor_vs_input_sparse_macs": predictor_macs / (m * nnz) if nnz else 0.0,
    }
    for phase in ("load", "inputs", "prediction", "outputs"):
        flits = sum(run.phases.get(phase, [0, 0])[0] for _, run in runs)
        hops = sum(run.phases.get(phase, [0, 0])[1] for _, run in runs)
        extra[f"noc_{phase}_flits"] = flits
        extra[f"noc_{phase}_flit_hops"] = hops
    return extra


def _predictor_energy(result: AccelResult, table: EnergyTable) -> float:
    """The predictor's own components, plus the NoC energy in proportion of its flit-hops."""
    by_component = result.energy(table).by_component()
    own = sum(by_component.get(c, 0.0) for c in PREDICTOR_COMPONENTS)
    hops = sum(layer.noc.flit_hops for layer in result.layers)
    predicted_hops = sum(layer.extra["noc_prediction_flit_hops"] for layer in result.layers)
    return own + by_component.get("noc", 0.0) * (predicted_hops / hops if hops else 0.0)


def summarize(result: AccelResult, table: EnergyTable | None = None) -> dict[str, Any]:
    """Per-inference cycles (their mean, and each sample's), throughput, energy and power by
    component, predictor overhead.

    ``predictor_cycle_share`` is the cycles the prediction phase adds on the critical path
    (each layer's ``prediction_critical_cycles``: how much later its last PE finishes than it
    would have with its mask known at its start, same arrivals) over all cycles;
    ``predictor_vs_dense_macs`` the predictor's MACs over the dense feed-forward's.
    """
    table = table or horowitz45()
    samples = result.layers[0].extra["samples"]
    cycles = result.cycles / samples
    energy = result.energy(table)
    time_ns = cycles / result.clock_ghz
    energy_pj = energy.total_pj / samples
    dense = sum(layer.dense_macs for layer in result.layers) / samples
    predictor_macs = sum(x.extra["predictor_macs_per_inference"] for x in result.layers)
    prediction = sum(x.extra["prediction_critical_cycles_per_inference"] for x in result.layers)
    return {
        "arch": result.arch,
        "samples": samples,
        "cycles_per_inference": cycles,
        "cycles_per_sample": [
            sum(x)
            for x in zip(
                *(layer.extra["cycles_per_sample"] for layer in result.layers), strict=True
            )
        ],
        "throughput_inferences_per_s": 1e9 / time_ns,
        "energy_pj_per_inference": energy_pj,
        "power_mw": energy_pj / time_ns,
        "energy_pj_by_component": {
            k: v / samples for k, v in sorted(energy.by_component().items())
        },
        "power_mw_by_component": {
            k: v / samples / time_ns for k, v in sorted(energy.by_component().items())
        },
        "predictor_cycle_share": prediction / cycles,
        "predictor_energy_share": _predictor_energy(result, table) / energy.total_pj,
        "predictor_vs_dense_macs": predictor_macs / dense,
    }
