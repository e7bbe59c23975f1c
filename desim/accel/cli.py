"""``desim accel`` (one design on one network) and ``desim compare`` (a design against its
baselines, on the same workload).

Both build the workload (torch is imported only then), simulate every layer, check each layer's
outputs against torch's, and print a table, or with ``--json`` one JSON document. A design's
parameters come from an ``[accel]`` section of a TOML file (``--config``) and ``--set KEY=VALUE``
(dotted keys of the design's config, e.g. ``fabric.multicast=direct``), checked strictly.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import sys
from pathlib import Path
from typing import Any

from desim.accel.cli_output import comparison_rows, design_rows, plot_bars, write_csv
from desim.accel.design_configs import compared_configs, design_config
from desim.cli import SUBCOMMANDS, check_output_path
from desim.kernel.errors import ConfigError
from desim.registry import ACCELERATOR

__all__ = [
    "add_parser",
    "build_layers",
    "compare_designs",
    "comparison",
    "run_comparison",
    "first_layers",
    "design_layers",
    "check_arguments",
    "compared_baselines",
    "check_memory",
    "check_layers",
    "require_torch",
]


MAX_SEED = 2**32 - 1
"""Seeds every generator a workload uses accepts (numpy's legacy one, scikit-learn's splits)."""


def _figure_path(path: str) -> None:
    """A ``--plot`` path whose suffix names a format matplotlib writes (it takes the format from
    the suffix, and would add ``.png`` to a path without one)."""
    if importlib.util.find_spec("matplotlib") is None:
        raise ConfigError("--plot needs matplotlib, which is not installed (the 'notebooks' extra)")
    from matplotlib.backend_bases import FigureCanvasBase

    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    if Path(path).suffix.lower().lstrip(".") not in formats:
        raise ConfigError(
            f"--plot {path!r}: the figure's format is its file's suffix; allowed: "
            + ", ".join(f".{name}" for name in formats)
        )


def check_arguments(args: argparse.Namespace) -> None:
    """What ``desim accel`` and ``desim compare`` can check before building anything: the seed's
    range, the output paths, and no option the design would ignore."""
    if not 0 <= args.seed <= MAX_SEED:
        raise ConfigError(f"--seed must be in 0..{MAX_SEED}, got {args.seed}")
    if args.config == "":
        raise ConfigError("--config is empty; give a TOML file with an [accel] section")
    for option in ("csv", "plot", "vcd"):
        check_output_path(f"--{option}", getattr(args, option, None), prefix=option == "vcd")
    if getattr(args, "plot", None) is not None:
        _figure_path(args.plot)
        if args.csv is not None and Path(args.csv).resolve() == Path(args.plot).resolve():
            raise ConfigError(
                f"--csv and --plot name the same file {args.plot!r}; the figure would overwrite "
                "the table: give two paths"
            )
    entry = ACCELERATOR.metadata(args.arch)
    if getattr(args, "vcd", None) is not None and not _traces(args.arch):
        tracing = ", ".join(name for name in ACCELERATOR.names() if _traces(name))
        raise ConfigError(
            f"--vcd: {args.arch} does not trace its PEs' states; allowed with: {tracing}"
        )
    for option in ("weight_density", "activation_density"):
        density = getattr(args, option)
        if density is None:
            continue
        flag = f"--{option.replace('_', '-')}"
        if "build" in entry or "compare" in entry:  # a design that brings its own workload
            raise ConfigError(
                f"{flag}: {args.arch} runs its own workload (the trained network), so synthetic "
                "densities do not apply"
            )
        if not 0.0 <= density <= 1.0:  # NaN included
            raise ConfigError(f"{flag} must be in [0, 1] (a fraction of non-zeros), got {density}")
    _check_synthetic_dataset(args)


def _check_synthetic_dataset(args: argparse.Namespace) -> None:
    """A synthetic workload draws its inputs: ``--dataset`` then sets only the input's shape,
    of a model without its own (an MLP); with a model of fixed input shape it would be ignored."""
    from desim.registry import DATASET, MODEL

    synthetic = args.weight_density is not None or args.activation_density is not None
    if not synthetic or args.dataset is None:
        return
    DATASET.entry(args.dataset)  # an unknown name first, with the valid ones
    shape = MODEL.metadata(args.network)["input_shape"]
    if shape is not None:
        raise ConfigError(
            f"--dataset {args.dataset}: a synthetic workload (--weight-density, "
            f"--activation-density) draws its own inputs, and {args.network}'s input shape is "
            f"fixed ({'x'.join(map(str, shape))}); drop --dataset (it sets only the input shape "
            "of a model without one: " + ", ".join(_shapeless_models()) + ")"
        )


def _shapeless_models() -> list[str]:
    from desim.registry import MODEL

    return [name for name in MODEL.names() if MODEL.metadata(name)["input_shape"] is None]


def require_torch(what: str) -> None:
    """Raise `ConfigError` naming the extra to install unless torch imports (every workload is
    built, and every layer's outputs checked, with torch); ``what`` names the user."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise ConfigError(
            f"{what} needs torch, which is not installed: pip install 'desim[torch]' "
            "(with -c constraints.txt for the CPU build)"
        ) from None


def build_layers(args: argparse.Namespace, kinds: tuple[str, ...]) -> tuple[list[Any], dict]:
    """The workload's layers of the kinds a design runs, and the workload's description (a
    synthetic one's with the densities it was drawn at, given or defaulted)."""
    import torch

    from workloads.workload import WorkloadSpec, build_workload

    torch.set_num_threads(1)
    synthetic = args.weight_density is not None or args.activation_density is not None
    spec = WorkloadSpec(
        args.network,
        args.dataset,
        "synthetic" if synthetic else None,
        batch=1,
        weight_density=0.5 if args.weight_density is None else args.weight_density,
        activation_density=0.5 if args.activation_density is None else args.activation_density,
        seed=args.seed,
    )
    workload = build_workload(spec)
    layers = first_layers([layer for layer in workload.layers if layer.kind in kinds], args.layers)
    info = {"model": args.network, "provenance": workload.provenance}
    info["dataset"] = spec.resolved_dataset
    if synthetic:
        info.update(weight_density=spec.weight_density, activation_density=spec.activation_density)
    return layers, info


def first_layers(layers: list[Any], count: int | None) -> list[Any]:
    """The first ``count`` layers (all if None); ``--layers`` out of range is a `ConfigError`."""
    if count is None:
        return layers
    if not 1 <= count <= len(layers):
        raise ConfigError(f"--layers must be in 1..{len(layers)}, got {count}")
    return layers[:count]


def _progress(total_label: str) -> Any:
    if not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    bar = tqdm(desc=total_label, unit="layer", file=sys.stderr)

    def update(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.set_postfix_str(name)
        bar.update(done - bar.n)
        if done == total:
            bar.close()

    return update


def _traces(arch: str) -> bool:
    """Whether design ``arch`` can write its PEs' states as VCD (its ``run`` takes ``vcd``)."""
    return "vcd" in inspect.signature(ACCELERATOR.get(arch).run).parameters


def _run(
    arch: str, config: Any, layers: list[Any], info: dict, seed: int, vcd: str | None = None
) -> Any:
    design = ACCELERATOR.get(arch)(config, seed)
    if vcd is None:
        return design.run(layers, info, _progress(arch))
    return design.run(layers, info, _progress(arch), vcd=vcd)


def design_layers(args: argparse.Namespace) -> tuple[list[Any], dict]:
    """The layers design ``args.arch`` runs: its own ``build`` hook (SparseNN: the network with
    its trained predictor), or the workload's layers of the kinds it runs."""
    entry = ACCELERATOR.metadata(args.arch)
    if "build" in entry:
        return entry["build"](args)
    return build_layers(args, entry.get("kinds", ("conv", "linear")))


def check_memory(args: argparse.Namespace, configs: dict[str, Any], what: str) -> None:
    """Refuse, before anything is built, a design of ``configs`` (name -> config, run one after
    the other) whose run would need more memory than `desim.accel.footprint.MAX_ACCEL_BYTES`:
    first its network and PEs (before torch is imported), then with the workload's tensors
    (torch needed: `require_torch` names ``what``)."""
    from desim.accel.footprint import check_design_memory

    for arch, config in configs.items():
        check_design_memory(arch, config)
    require_torch(what)
    from workloads.footprint import activation_bytes, weight_bytes
    from workloads.workload import WorkloadSpec

    dataset = WorkloadSpec(args.network, args.dataset).resolved_dataset
    per_sample = activation_bytes(args.network, dataset)
    weights = weight_bytes(args.network, dataset)
    for arch, config in configs.items():
        samples = getattr(config, "samples", 1)  # SparseNN runs a batch of samples
        check_design_memory(arch, config, samples * per_sample + weights)


def check_layers(configs: dict[str, Any], layers: list[Any]) -> None:
    """Let each design of ``configs`` (name -> config) that checks a workload's layers (its
    ``check_layers``: SCNN's work memory and forced ``kc``) refuse ``layers`` before any runs."""
    for arch, config in configs.items():
        cls = ACCELERATOR.get(arch)
        if hasattr(cls, "check_layers"):
            cls(config).check_layers(layers)


def _accel(args: argparse.Namespace) -> int:
    check_arguments(args)
    config = design_config(args.arch, args.config, args.set)
    check_memory(args, {args.arch: config}, "desim accel")
    layers, info = design_layers(args)
    check_layers({args.arch: config}, layers)
    result = _run(args.arch, config, layers, info, args.seed, args.vcd)
    document = result.to_json()
    if args.csv:
        write_csv(args.csv, design_rows(document, args.network))
    if args.json:
        print(json.dumps(document, indent=2))
        return 0
    print(
        f"{args.arch} on {info['model']} ({info['provenance']}): {document['cycles']:,} cycles, "
        f"{document['energy_pj'] / 1e6:.2f} uJ at {document['energy_node_nm']} nm, "
        f"useful-MAC utilisation {document['multiplier_utilisation']:.3f} (non-zero products per "
        "multiplier-cycle), outputs match torch"
    )
    width = _name_width(document["per_layer"])
    for row in document["per_layer"]:
        print(
            f"  {row['layer']:{width}s} {row['cycles']:>11,} cycles  useful util "
            f"{row['multiplier_utilisation']:.3f}  {row['energy_pj'] / 1e6:9.3f} uJ  "
            f"{row['noc_flit_hops']:>10,} flit-hops"
        )
    return 0


def _name_width(rows: list[dict[str, Any]]) -> int:
    """The width of a text table's layer-name column: the longest name's (GoogLeNet's run to
    32 characters)."""
    return max(len(row["layer"]) for row in rows)


def compare_designs(
    arch: str,
    baselines: list[str],
    configs: dict[str, Any],
    layers: list[Any],
    info: dict,
    seed: int = 0,
) -> dict[str, Any]:
    """Run ``arch`` and each baseline on ``layers``; speedups and energy ratios per layer and in
    total (baseline / design), under a key per baseline, and DCNN's (or the first's) at the top;
    each design's energy per layer and by component (so a record can be re-scoped or re-priced).
    When DCNN is among the baselines, every other baseline also carries ``dcnn_energy_ratio``:
    DCNN's energy over that baseline's (DCNN-opt's own improvement over DCNN)."""
    runs = {name: _run(name, configs[name], layers, info, seed) for name in [arch, *baselines]}
    design = runs[arch]
    energy = {name: run.energy() for name, run in runs.items()}
    document: dict[str, Any] = {"arch": arch, **{f"workload.{k}": v for k, v in info.items()}}
    for name in baselines:
        base = runs[name]
        per_layer = []
        for mine, theirs in zip(design.layers, base.layers, strict=True):
            per_layer.append(
                {
                    "layer": mine.name,
                    "cycles": mine.cycles,
                    "baseline_cycles": theirs.cycles,
                    "speedup": theirs.cycles / mine.cycles,
                    "energy_ratio": _energy(theirs) / _energy(mine),
                    "energy_pj": _energy(mine),
                    "baseline_energy_pj": _energy(theirs),
                }
            )
        document[name] = {
            "speedup": base.cycles / design.cycles,
            "energy_ratio": energy[name].total_pj / energy[arch].total_pj,
            "cycles": base.cycles,
            "energy_pj": energy[name].total_pj,
            "energy_by_component_pj": energy[name].by_component(),
            "per_layer": per_layer,
        }
        if name != "dcnn" and "dcnn" in baselines:  # e.g. DCNN-opt's own improvement over DCNN
            document[name]["dcnn_energy_ratio"] = energy["dcnn"].total_pj / energy[name].total_pj
    first = "dcnn" if "dcnn" in baselines else baselines[0]
    document.update(
        baseline=first,
        speedup=document[first]["speedup"],
        energy_ratio=document[first]["energy_ratio"],
        cycles=design.cycles,
        energy_pj=energy[arch].total_pj,
        energy_by_component_pj=energy[arch].by_component(),
        per_layer=document[first]["per_layer"],
    )
    return document


def _energy(layer: Any) -> float:
    from desim.energy import EnergyReport, horowitz45

    return EnergyReport.from_counts(layer.counts, horowitz45()).total_pj


def compared_baselines(arch: str, baseline: str | None, option: str = "--baseline") -> list[str]:
    """The designs ``arch`` is compared against: ``baseline``, else the design's own list. None
    at all, the design itself, or a design that brings its own comparison (SparseNN) is refused
    (``option`` names where the baseline was given). A design with its own comparison checks
    its baselines itself."""
    entry = ACCELERATOR.metadata(arch)
    baselines = list(entry.get("baselines", ())) if baseline is None else [baseline]
    if "compare" in entry:
        return baselines
    if not baselines:
        raise ConfigError(f"{arch} names no baselines; pick one with {option}")
    for name in baselines:
        if "compare" in ACCELERATOR.metadata(name):  # its comparison runs it as the design
            raise ConfigError(
                f"{option} {name} brings its own comparison (accuracy, power); "
                f"run desim compare --arch {name} --baseline {arch}"
            )
    if arch in baselines:
        raise ConfigError(f"{option} {arch} is the design itself; pick another design")
    return baselines


def comparison(args: argparse.Namespace) -> dict[str, Any]:
    """The comparison ``desim compare`` prints, from its parsed arguments."""
    return run_comparison(args)[0]


def run_comparison(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """The comparison document and the baselines it ran, in the order they were requested (a
    design with its own comparison, SparseNN, runs the one its document names ``baseline``)."""
    entry = ACCELERATOR.metadata(args.arch)
    if "compare" in entry:  # a design with its own comparison (SparseNN: accuracy, power)
        config = design_config(args.arch, args.config, args.set)
        check_memory(args, {args.arch: config}, "desim compare")
        document = entry["compare"](args)
        return document, [document["baseline"]]
    baselines = compared_baselines(args.arch, args.baseline)
    configs = compared_configs([args.arch, *baselines], args.config, args.set)
    check_memory(args, configs, "desim compare")
    layers, info = build_layers(args, entry.get("kinds", ("conv", "linear")))
    check_layers(configs, layers)
    return compare_designs(args.arch, baselines, configs, layers, info, args.seed), baselines


def _compare(args: argparse.Namespace) -> int:
    check_arguments(args)
    document, baselines = run_comparison(args)
    if args.csv:
        write_csv(args.csv, comparison_rows(document, baselines, args.network))
    if args.plot:
        plot_bars(args.plot, document)
    if args.json:
        print(json.dumps(document, indent=2))
        return 0
    print(
        f"{args.arch} vs {document.get('baseline')}: speedup {document['speedup']:.2f}x, "
        f"energy ratio {document['energy_ratio']:.2f}x"
    )
    for name, entry in document.items():
        if isinstance(entry, dict) and "dcnn_energy_ratio" in entry:
            print(
                f"{args.arch} vs {name}: speedup {entry['speedup']:.2f}x, energy ratio "
                f"{entry['energy_ratio']:.2f}x ({name} vs dcnn: energy ratio "
                f"{entry['dcnn_energy_ratio']:.2f}x)"
            )
    width = _name_width(document["per_layer"])
    for row in document["per_layer"]:  # against the headline baseline (all: --json, --csv)
        speedup, energy = row["speedup"], row["energy_ratio"]
        print(
            f"  {row['layer']:{width}s}  vs {document['baseline']}: speedup {speedup:6.2f}x  "
            f"energy {energy:6.2f}x"
        )
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--network", required=True, help="a registered model (desim list model)")
    parser.add_argument("--dataset", help="a registered dataset (default: by the model's task)")
    parser.add_argument(
        "--weight-density",
        type=float,
        help="synthetic workload of the same shapes, its weights' density in [0, 1] "
        "(0.5 when only --activation-density is given)",
    )
    parser.add_argument(
        "--activation-density",
        type=float,
        help="synthetic workload's inputs' density in [0, 1] "
        "(0.5 when only --weight-density is given)",
    )
    parser.add_argument("--layers", type=int, help="simulate only the first N layers")
    parser.add_argument("--config", help="TOML file with an [accel] section")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a design parameter, e.g. fabric.multicast=direct (repeatable)",
    )
    parser.add_argument("--seed", type=int, default=0, help="workload and run seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--csv", help="write the per-layer table to this CSV file")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Attach ``accel`` and ``compare`` to the ``desim`` command."""
    accel = sub.add_parser("accel", help=SUBCOMMANDS["accel"][1])
    accel.add_argument("--arch", required=True, help="a registered design (desim list accelerator)")
    _common(accel)
    accel.add_argument(
        "--vcd",
        metavar="PREFIX",
        help="trace every PE's state (0 stalled on the NoC, 1 busy, 2 at a barrier, 3 done) "
        "to PREFIX.<layer>.vcd for GTKWave",
    )
    accel.set_defaults(func=_accel)
    compare = sub.add_parser("compare", help=SUBCOMMANDS["compare"][1])
    compare.add_argument("--arch", default="scnn", help="the design (default scnn)")
    compare.add_argument("--baseline", help="one baseline (default: the design's list)")
    compare.add_argument(
        "--plot",
        help="write per-layer speedup and energy bars to this figure (.png, .pdf, .svg, ...)",
    )
    _common(compare)
    compare.set_defaults(func=_compare)
