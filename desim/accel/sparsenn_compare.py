"""``desim compare --arch sparsenn``: SparseNN against a baseline on the same hardware.

The network and its trained predictor come from `workloads.predictor` (trained end to end, cached
on disk); like the CLI, this module reaches `workloads` and torch only inside its functions, so
``import desim`` stays light. Two sets of layer records are taken from the same weights on the
same held-out test images: the masked network's (each layer's input is the previous layer's
output with the predicted-dead rows zeroed: what SparseNN computes) for SparseNN, the plain
network's for the baseline. Accuracies are measured by running both networks over the whole
held-out test set, not assumed.

References
----------
.. [1] J. Zhu et al., "SparseNN", DATE 2018: 10 %-70 % more throughput and about 50 % less
   power than input-sparsity-only accelerators.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from desim.accel.fabric import FabricConfig
from desim.accel.layer import LayerRecord
from desim.accel.sparsenn_config import SparseNNConfig
from desim.accel.sparsenn_metrics import summarize
from desim.accel.sparsenn_plan import Predictor
from desim.config import require
from desim.kernel.errors import ConfigError
from desim.registry import ACCELERATOR

__all__ = [
    "compare_sparsenn",
    "predicted_workload",
    "BASELINES",
    "RATIOS",
    "compare_from_args",
    "build_from_args",
    "check_build_args",
    "check_compare_args",
]

#: The baselines SparseNN is compared with (same hardware, other flags).
BASELINES = ("input-sparse", "dense")

#: Which way each ratio of the comparison goes (the document carries it as ``ratios``).
RATIOS = {
    "throughput_gain": "baseline cycles / SparseNN cycles",
    "power_ratio": "SparseNN power / baseline power",
    "energy_ratio": "baseline energy / SparseNN energy",
}


def _records(trained: Any, images: np.ndarray, masked: bool) -> list[LayerRecord]:
    """One `LayerRecord` per layer of ``trained``'s network on ``images``."""
    import torch

    network = trained.network
    network.use_predictor = masked
    records = []
    with torch.no_grad():
        x = torch.from_numpy(images).flatten(1)
        for index, layer in enumerate(network.mlp.layers):
            hidden = index < network.hidden
            h, _, y = network.hidden_step(index, x) if hidden else (layer(x), None, None)
            records.append(
                LayerRecord(
                    f"mlp.layers.{index}",
                    "linear",
                    layer.weight.numpy().copy(),
                    layer.bias.numpy().copy(),
                    x.numpy().copy(),
                    h.numpy().copy(),
                    activation="relu" if hidden else "none",
                )
            )
            x = y if hidden else x
    network.use_predictor = True
    return records


def _row_frequency(trained: Any) -> dict[str, list[float]]:
    """Each predicted layer's kept frequency per row over the training images (the masked
    network's ``U (V x) + b > 0``): what a static row mapping can balance (``row_mapping =
    "frequency"``)."""
    import torch

    from workloads.predictor.train import train_indices

    network = trained.network
    network.use_predictor = True
    out = {}
    with torch.no_grad():
        images = trained.base.data.images[train_indices(trained.base)]
        x = torch.from_numpy(images).flatten(1)
        for index in range(network.hidden):
            _, p, x = network.hidden_step(index, x)
            if p is not None:
                out[f"mlp.layers.{index}"] = (p > 0).float().mean(0).tolist()
    return out


def predicted_workload(
    network: str = "mlp",
    dataset: str = "mnist",
    batch: int = 8,
    hidden: tuple[int, ...] | None = None,
    predicted_layers: tuple[int, ...] | None = None,
    budget: str = "cost",
) -> dict[str, Any]:
    """The trained predictor's network as layer records, masked and plain, with its predictors
    (trained for ``predicted_layers`` within the 5 % ``budget``, `PredictorSpec`).

    Returns a dict with ``masked`` and ``plain`` record lists (``batch`` held-out samples),
    ``predictors`` (layer name -> `Predictor`, for the layers that got one: of
    ``predicted_layers``, None meaning every hidden layer, those given a rank),
    ``predicted_layers`` (their indices), ``row_frequency`` (`_row_frequency`) and ``report``
    (`workloads.predictor` accuracies and per-layer rates over the whole test set).
    """
    from workloads.predictor.report import predictor_report
    from workloads.predictor.train import PredictorSpec, train_predictor

    trained = train_predictor(
        PredictorSpec(
            model=network,
            dataset=dataset,
            hidden=hidden,
            predicted_layers=predicted_layers,
            budget=budget,
        )
    )
    base = trained.base
    held_out = len(base.test_indices)
    require(
        batch <= held_out,
        f"samples = {batch} is more than the {held_out} held-out samples of {dataset} a run "
        f"draws from; allowed: 1..{held_out}",
    )
    images = base.data.images[base.test_indices[:batch]]
    predictors = {
        f"mlp.layers.{i}": Predictor(p.u.detach().numpy().copy(), p.v.detach().numpy().copy())
        for i, p in trained.network.predictors.items()
    }
    return {
        "masked": _records(trained, images, masked=True),
        "plain": _records(trained, images, masked=False),
        "predictors": predictors,
        "row_frequency": _row_frequency(trained),
        "predicted_layers": tuple(trained.network.predicted),
        "report": predictor_report(trained),
    }


def _per_layer(sparse: Any, base: Any) -> list[dict[str, Any]]:
    from desim.energy import EnergyReport, horowitz45

    def energy(layer: Any) -> float:
        return EnergyReport.from_counts(layer.counts, horowitz45()).total_pj

    rows = []
    for s, b in zip(sparse.layers, base.layers, strict=True):
        e = s.extra
        rows.append(
            {
                "layer": s.name,
                "speedup": b.cycles / s.cycles,
                "energy_ratio": energy(b) / energy(s),
                "sparsenn_cycles_per_inference": e["cycles_per_inference"],
                "baseline_cycles_per_inference": b.extra["cycles_per_inference"],
                "throughput_gain": b.cycles / s.cycles,
                "prediction_latency_per_inference": e["prediction_latency_per_inference"],
                "prediction_critical_cycles_per_inference": e[
                    "prediction_critical_cycles_per_inference"
                ],
                **{
                    k: e[k]
                    for k in (
                        "input_density",
                        "true_output_density",
                        "predicted_output_density",
                        "false_negative_rate",
                        "false_positive_rate",
                        "predictor_rank",
                        "predictor_vs_dense_macs",
                        "predictor_vs_input_sparse_macs",
                        "pe_busy_max_per_inference",
                        "noc_inputs_flit_hops",
                        "noc_prediction_flit_hops",
                    )
                },
                "baseline_pe_busy_max_per_inference": b.extra["pe_busy_max_per_inference"],
            }
        )
    return rows


def compare_sparsenn(
    network: str = "mlp",
    dataset: str = "mnist",
    baseline: str = "input-sparse",
    config: SparseNNConfig | None = None,
    fabric: FabricConfig | None = None,
    seed: int = 0,
    hidden: tuple[int, ...] | None = None,
) -> dict[str, Any]:
    """SparseNN against ``baseline`` on the same hardware; the ``desim compare`` record.

    Parameters
    ----------
    network, dataset, hidden
        The MLP and its data (`workloads.predictor.PredictorSpec`).
    baseline : {"input-sparse", "dense"}
        The design compared with (same fabric, memories and multipliers).
    config, fabric
        SparseNN's hardware (``fabric`` replaces ``config.fabric`` when given); its
        ``predicted_layers`` are the layers the predictor is trained for and SparseNN predicts
        (the others compute every row), within its ``predictor_budget``.
    seed : int
        The simulators' seed.

    Returns
    -------
    dict
        ``throughput_gain`` (baseline cycles / SparseNN's, of their means over the samples;
        ``throughput_gain_per_sample`` each sample's), ``power_ratio`` (SparseNN / baseline: the
        paper's "about 50 % lower power" is 0.5), ``energy_ratio`` (baseline / SparseNN, as
        every ``desim compare``'s: above 1 is an improvement), the three directions spelled out
        in ``ratios``; ``predictor_overhead`` (share of SparseNN's cycles the prediction phase
        adds on the critical path, `summarize`), ``predictor_vs_dense_macs``,
        ``predictor_energy_share``, ``accuracy`` (the network as trained, no predictor),
        ``accuracy_with_predictor`` (the jointly trained network computing the predicted rows),
        ``accuracy_every_row`` (that network computing every row: the baseline's workload),
        ``accuracy_change_stderr`` (the paired standard error of ``accuracy_with_predictor -
        accuracy`` over the ``test_samples`` held-out images, `predictor_report`),
        ``accuracy_same_training`` (the network trained further on the predictor's schedule
        without one: the fair reference) and that change's standard error, both designs'
        summaries and ``per_layer`` detail (``speedup`` and ``energy_ratio`` per layer as the
        top-level ``throughput_gain`` and ``energy_ratio``).
    """
    require(baseline in BASELINES, f"baseline {baseline!r} unknown; valid: {', '.join(BASELINES)}")
    config = config or SparseNNConfig()
    if fabric is not None:
        config = dataclasses.replace(config, fabric=fabric)
    flags = ACCELERATOR.get(baseline).Config()
    base_config = dataclasses.replace(
        config, predictor=flags.predictor, skip_zero_inputs=flags.skip_zero_inputs
    )
    work = predicted_workload(
        network, dataset, config.samples, hidden, config.predicted_layers, config.predictor_budget
    )
    info = {
        "model": network,
        "dataset": dataset,
        "provenance": "trained",
        "row_frequency": work["row_frequency"],
    }
    sparse = ACCELERATOR.get("sparsenn")(config, seed).run(
        work["masked"],
        {**info, "predictors": work["predictors"], "predicted_layers": work["predicted_layers"]},
    )
    base = ACCELERATOR.get(baseline)(base_config, seed).run(work["plain"], info)
    s, b = summarize(sparse), summarize(base)
    report = work["report"]
    return {
        "arch": "sparsenn",
        "baseline": baseline,
        "network": network,
        "dataset": dataset,
        "throughput_gain": b["cycles_per_inference"] / s["cycles_per_inference"],
        "throughput_gain_per_sample": [
            theirs / mine
            for mine, theirs in zip(s["cycles_per_sample"], b["cycles_per_sample"], strict=True)
        ],
        "speedup": b["cycles_per_inference"] / s["cycles_per_inference"],
        "power_ratio": s["power_mw"] / b["power_mw"],
        "energy_ratio": b["energy_pj_per_inference"] / s["energy_pj_per_inference"],
        "ratios": RATIOS,
        "predictor_overhead": s["predictor_cycle_share"],
        "predictor_vs_dense_macs": s["predictor_vs_dense_macs"],
        "predictor_energy_share": s["predictor_energy_share"],
        "accuracy": report["accuracy"],
        "accuracy_with_predictor": report["accuracy_with_predictor"],
        "accuracy_every_row": report["accuracy_without_predictor"],
        "accuracy_change_stderr": report["accuracy_change_stderr"],
        "accuracy_same_training": report["accuracy_same_training"],
        "accuracy_same_training_change_stderr": report["accuracy_same_training_change_stderr"],
        "test_samples": report["test_samples"],
        "sparsenn": s,
        "baseline_summary": b,
        "per_layer": _per_layer(sparse, base),
    }


def _spec_args(args: Any) -> tuple[str, str]:
    """The network and dataset of a ``desim`` command, checked: SparseNN's designs run its
    trained MLP; another network is refused naming the designs that run any network."""
    from workloads.workload import WorkloadSpec

    others = [name for name in ACCELERATOR.names() if "build" not in ACCELERATOR.metadata(name)]
    require(
        args.network == "mlp",
        f"--network {args.network!r}: --arch {args.arch} runs SparseNN's trained fully "
        f"connected network only; allowed: mlp (--arch values for other networks: "
        f"{', '.join(others)})",
    )
    return args.network, WorkloadSpec(args.network, args.dataset).resolved_dataset


def build_from_args(args: Any) -> tuple[list[LayerRecord], dict[str, Any]]:
    """``desim accel``'s workload for SparseNN's designs: the trained predictor's network (masked
    records and its predictors for ``sparsenn``, the plain records for the baselines)."""
    from desim.accel.cli import first_layers
    from desim.accel.design_configs import design_config

    network, dataset = _spec_args(args)
    config = design_config(args.arch, args.config, args.set)
    predicted = config.predicted_layers if config.predictor else None
    work = predicted_workload(
        network,
        dataset,
        config.samples,
        predicted_layers=predicted,
        budget=config.predictor_budget,
    )
    info: dict[str, Any] = {
        "model": network,
        "dataset": dataset,
        "provenance": "trained",
        "row_frequency": work["row_frequency"],
    }
    if config.predictor:
        info["predictors"] = work["predictors"]
        info["predicted_layers"] = work["predicted_layers"]
    layers = first_layers(work["masked" if config.predictor else "plain"], args.layers)
    return layers, info


def check_build_args(args: Any) -> None:
    """What `build_from_args` refuses, checked before anything is built (a sweep's points)."""
    _spec_args(args)


def check_compare_args(args: Any) -> tuple[str, str, str]:
    """The network, dataset and baseline of ``desim compare --arch sparsenn``, checked before
    anything is built: no ``--layers`` (accuracy is the whole network's), a baseline of
    `BASELINES`."""
    network, dataset = _spec_args(args)
    require(
        args.layers is None,
        "--layers is not supported by the SparseNN comparison (accuracy is the whole network's)",
    )
    baseline = "input-sparse" if args.baseline is None else args.baseline
    if baseline not in BASELINES and baseline in ACCELERATOR.names():
        raise ConfigError(
            f"--baseline {baseline} is not a baseline of {args.arch}; allowed: "
            + ", ".join(BASELINES)
        )
    require(
        baseline in BASELINES, f"--baseline {baseline!r} unknown; valid: {', '.join(BASELINES)}"
    )
    return network, dataset, baseline


def compare_from_args(args: Any) -> dict[str, Any]:
    """``desim compare --arch sparsenn``: `compare_sparsenn` with the command's options."""
    from desim.accel.design_configs import design_config

    network, dataset, baseline = check_compare_args(args)
    config = design_config(args.arch, args.config, args.set)
    return compare_sparsenn(network, dataset, baseline, config, seed=args.seed)
