"""``desim workload`` and ``desim predictor``.

Both print a human-readable table, or with ``--json`` one JSON document. Torch is imported only
when a command runs, never when the parser is built.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from desim.cli import check_output_path
from desim.kernel.checks import MAX_VALUE_BITS
from desim.kernel.errors import ConfigError

__all__ = ["add_parser"]

PROVENANCE_CHOICES = ("trained", "calibrated", "synthetic")
MAX_SEED = 2**32 - 1
"""Seeds numpy's legacy and torch's generators both accept."""
MAX_BATCH = 4096
"""Samples a workload may record (every activation of every layer is kept per sample)."""
MAX_WORKLOAD_BYTES = 4e9
"""Memory a workload's recorded layer inputs and outputs may take (`workloads.footprint`; VGG-16
keeps 90.7 MB a sample, so up to 44 samples), unless ``DESIM_NO_SIZE_LIMIT=1``."""
MAX_HIDDEN_WEIGHTS = 5e7
"""Weights between the hidden layers ``--hidden`` may ask for (200 MB in float32; the MNIST
MLP's 784-1000-1000-10 has 1.8e6 in all), unless ``DESIM_NO_SIZE_LIMIT=1``."""
ONLY_FOR = {
    "density": "trained",
    "scope": "trained",
    "weight_density": "synthetic",
    "activation_density": "synthetic",
    "mask": "synthetic",
}
"""Options that one provenance alone honours (None when not given)."""


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(f"--hidden takes comma-separated integers, got {text!r}") from None
    if not widths or min(widths) <= 0:
        raise ConfigError(f"--hidden widths must be positive, got {text!r}")
    return widths


def _layer_indices(text: str) -> tuple[int, ...]:
    try:
        indices = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(
            f"--predicted-layers takes comma-separated hidden layer indices, got {text!r}"
        ) from None
    if min(indices) < 0:
        raise ConfigError(f"--predicted-layers indices must be >= 0, got {text!r}")
    return indices


def _limit_threads(command: str) -> None:
    """One torch thread; without torch, a `ConfigError` naming the extra to install."""
    try:
        import torch
    except ImportError:
        raise ConfigError(
            f"desim {command} needs torch, which is not installed: pip install 'desim[torch]' "
            "(with -c constraints.txt for the CPU build)"
        ) from None
    torch.set_num_threads(1)


def _check_hidden(model: str, hidden: str | None) -> None:
    """``--hidden``: comma-separated positive widths, for a model whose widths are parameters."""
    if hidden is None:
        return
    import inspect
    from itertools import pairwise

    from desim.limits import check_limit
    from desim.registry import MODEL

    widths = _widths(hidden)
    check_limit(
        f"--hidden {hidden}: the MLP has too many weights between its hidden layers",
        sum(float(a) * b for a, b in pairwise(widths)),
        MAX_HIDDEN_WEIGHTS,
    )
    if "hidden" not in inspect.signature(MODEL.get(model)).parameters:
        takes = [n for n in MODEL.names() if "hidden" in inspect.signature(MODEL.get(n)).parameters]
        raise ConfigError(
            f"--hidden: model {model!r} has fixed widths; models taking --hidden: "
            f"{', '.join(takes)}"
        )


def _check_common(args: argparse.Namespace) -> None:
    """The seed's range and ``--hidden``, before anything is built."""
    seed = getattr(args, "seed", 0)
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"--seed must be in 0..{MAX_SEED}, got {seed}")
    _check_hidden(args.model, args.hidden)


def _check_workload(args: argparse.Namespace) -> None:
    """`_check_common`, the batch's range, and no option the provenance would ignore."""
    from workloads.workload import WorkloadSpec

    _check_common(args)
    if not 1 <= args.batch <= MAX_BATCH:
        raise ConfigError(f"--batch must be in 1..{MAX_BATCH} samples, got {args.batch}")
    if not 1 <= args.value_bits <= MAX_VALUE_BITS:
        raise ConfigError(
            f"--value-bits must be in 1..{MAX_VALUE_BITS} (bits per stored value; workloads "
            f"record 32-bit floats), got {args.value_bits}"
        )
    provenance = WorkloadSpec(args.model, provenance=args.provenance).resolved_provenance
    for name, owner in ONLY_FOR.items():
        if getattr(args, name) is not None and provenance != owner:
            option = "--" + name.replace("_", "-")
            raise ConfigError(
                f"{option} applies to {owner} workloads; this one is {provenance} (drop it, "
                f"or use --provenance {owner})"
            )
    if args.hidden is not None and provenance == "calibrated":
        raise ConfigError("--hidden: a calibrated workload has the published layer shapes")


def _check_footprint(spec: Any) -> None:
    """Refuse a batch whose recorded activations would not fit in memory, before building it."""
    from desim.limits import check_limit
    from workloads.footprint import activation_bytes

    per_sample = activation_bytes(spec.model, spec.resolved_dataset, spec.hidden)
    check_limit(
        f"--batch {spec.batch}: {spec.model} keeps every layer's inputs and outputs "
        f"({per_sample / 1e6:.3g} MB a sample), too much memory in bytes",
        float(spec.batch) * per_sample,
        MAX_WORKLOAD_BYTES,
    )


def _print(document: dict[str, Any], as_json: bool, rows: list[str]) -> None:
    print(json.dumps(document, indent=2) if as_json else "\n".join(rows))


def _workload(args: argparse.Namespace) -> int:
    _check_workload(args)
    _limit_threads("workload")
    from workloads.workload import WorkloadSpec, build_workload

    given = {n: getattr(args, n) for n in ONLY_FOR if getattr(args, n) is not None}
    spec = WorkloadSpec(
        args.model,
        args.dataset,
        args.provenance,
        batch=args.batch,
        hidden=_widths(args.hidden) if args.hidden is not None else None,
        seed=args.seed,
        **given,
    )
    _check_footprint(spec)
    summary = build_workload(spec).summary(args.value_bits)
    rows = [
        f"{summary['model']} on {summary['dataset']}: {summary['provenance']}"
        + (f", accuracy {summary['accuracy']:.4f}" if "accuracy" in summary else "")
    ]
    rows += [
        f"  {layer['name']:28s} {layer['kind']:6s} in {layer['input_shape']} "
        f"w {layer['weight_density']:.3f} a {layer['input_density']:.3f} "
        f"scnn {layer['input_bits']['scnn']} bits"
        for layer in summary["layers"]
    ]
    _print(summary, args.json, rows)
    return 0


def _predictor(args: argparse.Namespace) -> int:
    _check_common(args)
    check_output_path("--save", args.save)
    _limit_threads("predictor")
    from workloads.predictor.report import predictor_report
    from workloads.predictor.train import PredictorSpec, save_predictor, train_predictor

    spec = PredictorSpec(
        args.model,
        args.dataset,
        hidden=_widths(args.hidden) if args.hidden is not None else None,
        overhead=args.overhead,
        budget=args.budget,
        predicted_layers=(
            _layer_indices(args.predicted_layers) if args.predicted_layers is not None else None
        ),
        method=args.method,
    )
    trained = train_predictor(spec)
    if args.save:
        save_predictor(trained, args.save)
    report = predictor_report(trained)
    rows = [
        f"{report['model']} {report['widths']} on {report['dataset']}: accuracy "
        f"{report['accuracy']:.4f}, with predictor {report['accuracy_with_predictor']:.4f} "
        f"(+- {report['accuracy_change_stderr']:.4f}); same extra training without a predictor "
        f"{report['accuracy_same_training']:.4f} "
        f"(+- {report['accuracy_same_training_change_stderr']:.4f}); predictors "
        f"{report['overhead_vs_dense_network']:.3%} of the network's dense MACs"
    ]
    rows += [
        f"  layer {r['layer']}: every row computed (no predictor)"
        if not r["predicted"]
        else f"  layer {r['layer']}: rank {r['rank']}, overhead {r['overhead_vs_dense']:.3%} "
        f"(input-sparse {r['overhead_vs_input_sparse']:.3%}), density true "
        f"{r['true_output_density']:.3f} predicted {r['predicted_output_density']:.3f}, "
        f"FN {r['false_negative_rate']:.3f} FP {r['false_positive_rate']:.3f}"
        for r in report["layers"]
    ]
    _print(report, args.json, rows)
    return 0


def _add_workload(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("workload", help="per-layer shapes, densities and compressed sizes")
    parser.add_argument("--model", required=True, help="a registered model (desim list model)")
    parser.add_argument("--dataset", help="a registered dataset (default: by the model's task)")
    parser.add_argument(
        "--provenance",
        choices=PROVENANCE_CHOICES,
        help="where sparsity comes from (default: the model's)",
    )
    parser.add_argument(
        "--batch", type=int, default=8, help=f"samples recorded, 1..{MAX_BATCH} (default 8)"
    )
    parser.add_argument(
        "--density", type=float, help="trained: fraction of weights kept by pruning (default 0.3)"
    )
    parser.add_argument(
        "--scope",
        choices=("layer", "global"),
        help="trained: prune per layer or globally (default global)",
    )
    parser.add_argument(
        "--hidden", help="trained or synthetic MLP: hidden widths, e.g. 1000,1000 (model mlp)"
    )
    parser.add_argument(
        "--weight-density", type=float, help="synthetic: weight density (default 0.5)"
    )
    parser.add_argument(
        "--activation-density", type=float, help="synthetic: input density (default 0.5)"
    )
    parser.add_argument(
        "--mask", choices=("iid", "clustered"), help="synthetic: mask kind (default iid)"
    )
    parser.add_argument("--seed", type=int, default=0, help=f"0..{MAX_SEED} (default 0)")
    parser.add_argument(
        "--value-bits",
        type=int,
        default=16,
        help=f"bits per stored value, 1..{MAX_VALUE_BITS} (default 16)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=_workload)


def _add_predictor(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("predictor", help="train and measure SparseNN's predictor on an MLP")
    parser.add_argument("--model", default="mlp", help="an MLP model (default mlp)")
    parser.add_argument("--dataset", default="mnist", help="a digits dataset (default mnist)")
    parser.add_argument("--hidden", help="hidden widths (default: the model's, 1000,1000)")
    parser.add_argument(
        "--overhead",
        type=float,
        default=0.05,
        help="rank budget as a share of the dense MACs (default 0.05): each layer's, or the "
        "network's with --budget network or cost",
    )
    parser.add_argument(
        "--budget",
        choices=("cost", "layer", "network"),  # PREDICTOR_BUDGETS, not imported: start-up
        default="cost",
        help="read --overhead per layer; or shared over the network's dense feed-forward, the "
        "ranks given where the low-rank residual is largest (network) or where they save the "
        "most run-time MACs within half a point of accuracy on a validation split (cost) "
        "(default cost)",
    )
    parser.add_argument(
        "--predicted-layers",
        help="hidden layers given a predictor, comma-separated indices from 0 (default: every "
        "hidden layer); the others compute every row",
    )
    parser.add_argument(
        "--method",
        choices=("aux", "ste", "sigmoid"),
        default="aux",
        help="training signal through the step (default aux)",
    )
    parser.add_argument("--save", help="write the trained network and predictor to this file")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=_predictor)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Attach ``desim workload`` and ``desim predictor`` to the top-level parser."""
    _add_workload(sub)
    _add_predictor(sub)
