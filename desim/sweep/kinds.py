"""Point kinds (registry ``sweep kind``): what one sweep point runs.

A kind is a callable ``run(config, seed) -> record``: ``config`` is the point's resolved config (a
dict of sections such as ``{"noc": {...}}``, JSON values only) and the record a flat dict of JSON
scalars (str, int, float, bool, None). It is a pure function of its arguments: the same config and
seed give the same record on any machine and any executor, except the timing columns (names ending
in ``_seconds`` or ``_per_second``).

Each kind is registered with

``resolve(config) -> config``
    Check a point's config (unknown keys, wrong types, values not allowed) and return it in full:
    every default filled in, presets expanded, so that two configs describing the same run are equal
    (the canonical form hashed by `config_hash`). Raises `ConfigError` naming the dotted key.
``sections``
    The config sections it reads (``("noc",)``); a spec giving another section is malformed.
``summary``
    The record columns shown in the summary table.
``cost(config) -> float`` (optional)
    A point's estimated CPU seconds, from its resolved config: the sweep hands the most costly
    points to its workers first (the longest-processing-time rule), so that a long point started
    last does not keep one worker busy after the others are done. Records do not depend on it.

Another package adds a kind with one call; the accelerator package, for example::

    from desim.sweep import register_kind
    register_kind("accel", run_accel_point, resolve=resolve_accel, sections=("accel", "workload"),
                  summary=("cycles", "energy_pj"))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from desim.registry import Registry

__all__ = ["KINDS", "Cost", "PointKind", "Resolver", "register_kind"]

PointKind = Callable[[dict[str, Any], int], dict[str, Any]]
Resolver = Callable[[dict[str, Any]], dict[str, Any]]
Cost = Callable[[dict[str, Any]], float]

KINDS: Registry[PointKind] = Registry(
    "sweep kind",
    "run(config: dict, seed: int) -> flat record",
    ("desim.sweep.noc_kinds", "desim.accel.sweep_kinds"),
)


def register_kind(
    name: str,
    run: PointKind,
    *,
    resolve: Resolver,
    sections: Sequence[str],
    summary: Sequence[str] = (),
    cost: Cost | None = None,
) -> PointKind:
    """Register the point kind ``name``.

    Parameters
    ----------
    name : str
        What a spec's ``sweep.kind`` names.
    run : callable
        ``run(config, seed) -> record`` (see the module docstring). It must be importable by
        module and name: worker processes receive it by reference.
    resolve : callable
        ``resolve(config) -> config``, the full canonical config; raises `ConfigError`.
    sections : sequence of str
        The top-level config sections the kind reads.
    summary : sequence of str
        Record columns for the summary table.
    cost : callable, optional
        ``cost(config) -> float``, a point's estimated CPU seconds (workers take the costliest
        points first); without it, points go to the workers in spec order.

    Returns
    -------
    callable
        ``run``, so that the call can be used as a decorator's body.
    """
    KINDS.register(
        name, run, resolve=resolve, sections=tuple(sections), summary=tuple(summary), cost=cost
    )
    return run
