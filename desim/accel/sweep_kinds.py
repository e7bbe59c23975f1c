"""Accelerator points for sweeps: ``accel`` (one design on one network) and ``compare`` (a design
against its baselines on the same workload).

Both read an ``accel`` section (`AccelPoint`): the design, the network and its workload options,
and ``params``, the design's config as dotted keys (``"fabric.topology_args.rows" = 4``).
Resolving an ``accel`` point expands ``params`` into the design's full config (every default
filled in), so two points that describe the same run hash the same; a ``compare`` point's
``params`` apply to every design compared, so they are checked against each and kept as given.
A ``compare`` point's record is the comparison's top level (``speedup``, ``energy_ratio``) and
each baseline's figures as ``NAME.KEY`` columns.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from desim.config import KeyedConfigError, from_mapping, to_mapping
from desim.kernel.errors import ConfigError, DesimError
from desim.registry import ACCELERATOR, DATASET, MODEL
from desim.sweep.kinds import register_kind

__all__ = ["AccelPoint", "resolve_accel", "run_accel", "run_compare"]


@dataclass(frozen=True)
class AccelPoint:
    """The ``accel`` section of a sweep point (names as ``desim accel`` / ``desim compare``)."""

    arch: str = "dcnn"
    network: str = "lenet5"
    dataset: str | None = None
    baseline: str | None = None
    layers: int | None = None
    weight_density: float | None = None
    activation_density: float | None = None
    params: dict[str, Any] = field(default_factory=dict)


def _namespace(point: AccelPoint, seed: int) -> argparse.Namespace:
    """The arguments ``desim compare`` would have parsed for ``point``: ``params`` as dotted
    ``--set`` assignments, a nested table (``params.fabric.topology_args``, as a grid key makes
    it) flattened, so that it sets that one field instead of replacing the whole ``fabric``
    with its defaults."""
    assignments = [f"{k}={_json(v)}" for k, v in sorted(_flatten(point.params).items())]
    return argparse.Namespace(
        **{f.name: getattr(point, f.name) for f in dataclasses.fields(point)},
        config=None,
        set=assignments,
        seed=seed,
        json=True,
        csv=None,
        plot=None,
    )


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def _point(config: dict[str, Any]) -> AccelPoint:
    """The point's ``accel`` section, checked as ``desim accel`` checks its arguments before any
    run: names, ``layers``, synthetic densities and the options a design would ignore."""
    from desim.accel.cli import check_arguments

    point = from_mapping(AccelPoint, config.get("accel", {}), path="accel")
    try:
        ACCELERATOR.entry(point.arch)
        MODEL.entry(point.network)
        if point.dataset is not None:
            DATASET.entry(point.dataset)
        if point.baseline is not None:
            ACCELERATOR.entry(point.baseline)
        if point.layers is not None:
            _check_layers(point)
        check_arguments(_namespace(point, 0))
    except DesimError as exc:
        raise ConfigError(f"accel: {exc}") from None
    return point


def _check_layers(point: AccelPoint) -> None:
    """``layers`` within the network's layers of the kinds the design runs (counted from the
    model's shapes, `workloads.footprint.layer_count`, before anything is built)."""
    if point.layers is None or point.layers < 1:
        raise ConfigError(f"layers must be >= 1 (the first N layers), got {point.layers}")
    from workloads.footprint import layer_count
    from workloads.workload import WorkloadSpec

    kinds = ACCELERATOR.metadata(point.arch).get("kinds", ("conv", "linear"))
    dataset = WorkloadSpec(point.network, point.dataset).resolved_dataset
    count = layer_count(point.network, dataset, kinds)
    if point.layers > count:
        raise ConfigError(
            f"layers = {point.layers} is more than {point.network} has: {count} "
            f"{'/'.join(kinds)} layers for {point.arch}; allowed: 1..{count}"
        )


def resolve_accel(config: dict[str, Any]) -> dict[str, Any]:
    """The point's full ``accel`` section: the design's whole config in ``params``."""
    from desim.accel.cli import check_memory, require_torch
    from desim.accel.design_configs import design_config

    require_torch("a sweep of kind 'accel'")
    point = _point(config)
    if point.baseline is not None:
        raise ConfigError(
            "'accel.baseline' is read by kind 'compare'; kind 'accel' runs one design (drop it, "
            'or set sweep.kind = "compare")'
        )
    args = _namespace(point, 0)
    _check_design_args(point.arch, "check_build", args)
    with _named_as_params():
        design = design_config(point.arch, None, args.set)
    check_memory(args, {point.arch: design}, "a sweep of kind 'accel'")
    full = to_mapping(design)
    return {"accel": {**to_mapping(point), "params": _flatten(full)}}


def resolve_compare(config: dict[str, Any]) -> dict[str, Any]:
    """A comparison's ``accel`` section: ``params`` (applied to every design compared) checked
    against the design and each of its baselines, and kept as given, since the designs' full
    configs differ."""
    from desim.accel.cli import check_memory, compared_baselines, require_torch
    from desim.accel.design_configs import compared_configs

    require_torch("a sweep of kind 'compare'")
    point = _point(config)
    try:
        baselines = compared_baselines(point.arch, point.baseline, "accel.baseline")
    except ConfigError as exc:
        raise ConfigError(f"accel: {exc}") from None
    args = _namespace(point, 0)
    _check_design_args(point.arch, "check_compare", args)
    with _named_as_params():  # each design takes the keys it has, as desim compare gives them
        configs = compared_configs([point.arch, *baselines], None, args.set)
    check_memory(args, configs, "a sweep of kind 'compare'")
    return {"accel": to_mapping(point)}


@contextmanager
def _named_as_params() -> Iterator[None]:
    """A value a design's config refuses is named as the spec spells its key
    (``accel.params.accumulator_banks``)."""
    try:
        yield
    except KeyedConfigError as exc:
        raise exc.under("accel.params") from None


def _check_design_args(arch: str, hook: str, args: argparse.Namespace) -> None:
    """The design's own checks of its ``desim accel`` (``check_build``) or ``desim compare``
    (``check_compare``) arguments, registered with it (SparseNN's: an MLP with a trained
    predictor, its baselines), run on the point before any point runs."""
    check = ACCELERATOR.metadata(arch).get(hook)
    if check is not None:
        try:
            check(args)
        except ConfigError as exc:
            raise ConfigError(f"accel: {exc}") from None


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and key.rsplit(".", 1)[-1] not in (
            "topology_args",
            "router_args",
        ):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def run_accel(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """One design on one network: the run's totals (`AccelResult.record`)."""
    from desim.accel.cli import check_layers, design_layers
    from desim.accel.design_configs import design_config

    point = from_mapping(AccelPoint, config["accel"], path="accel")
    args = _namespace(point, seed)
    layers, info = design_layers(args)
    params = design_config(point.arch, None, args.set)
    check_layers({point.arch: params}, layers)
    design = ACCELERATOR.get(point.arch)(params, seed)
    return design.run(layers, info).record()


def run_compare(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """A design against its baselines: the comparison's scalar top level."""
    from desim.accel.cli import comparison

    point = from_mapping(AccelPoint, config["accel"], path="accel")
    document = comparison(_namespace(point, seed))
    record = {}
    for key, value in document.items():  # the top level, and one level of per-baseline tables
        if isinstance(value, dict):
            record.update({f"{key}.{k}": v for k, v in value.items() if _scalar(v)})
        elif _scalar(value):
            record[key] = value
    return record


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


_SUMMARY = ("cycles", "energy_pj", "multiplier_utilisation")
register_kind("accel", run_accel, resolve=resolve_accel, sections=("accel",), summary=_SUMMARY)
register_kind(
    "compare",
    run_compare,
    resolve=resolve_compare,
    sections=("accel",),
    summary=("speedup", "energy_ratio"),
)
