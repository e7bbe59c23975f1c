"""The NoC point kinds: ``noc`` (one `desim.noc.simulate` run) and ``latency_load`` (a
latency-load curve with its saturation throughput bisected, `desim.noc.sweep.sweep_injection`).

Both read the ``noc`` section: the fields of `desim.noc.NocConfig` except ``seed``, which is the
point's (``sweep.seeds``). Resolving a section fills in every default: the topology builder's,
traffic pattern's and injection process's parameters, and the router preset merged with its
``router_args`` into the full ``router_params`` (the preset's name is then redundant and dropped),
so that two configs describing the same run resolve, and hash, the same.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from dataclasses import dataclass
from typing import Any

from desim.config import describe, from_mapping, to_mapping
from desim.kernel.errors import ConfigError, DesimError
from desim.registry import INJECTION, ROUTER, ROUTING, TOPOLOGY, TRAFFIC, Registry
from desim.sweep.kinds import register_kind

__all__ = ["LatencyLoad", "resolve_noc", "run_noc", "resolve_latency_load", "run_latency_load"]

_SUMMARY = ("avg_packet_latency", "accepted_rate", "saturated")


@dataclass(frozen=True)
class LatencyLoad:
    """The ``latency_load`` section: offered loads (flits/node/cycle) and saturation search.

    ``rates`` is ``"START:STOP:STEP"`` or a list of loads; ``refine`` bisects the saturation
    throughput to ``tolerance`` flits/node/cycle.
    """

    rates: str | list[float] = "0.05:0.6:0.05"
    refine: bool = True
    tolerance: float = 0.005


def _plugin_args(
    registry: Registry[Any], name: Any, args: dict[str, Any], key: str, skip: int
) -> dict[str, Any]:
    """``args`` checked against the plug-in's signature (its first ``skip`` parameters are not
    configurable) and completed with its defaults."""
    try:
        func = registry.get(name)
    except DesimError as exc:
        raise ConfigError(f"'{key.rsplit('_args', 1)[0]}': {exc}") from None
    params = list(inspect.signature(func).parameters.values())[skip:]
    allowed = {p.name: p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    for arg in args:
        if arg not in allowed:
            raise ConfigError(
                f"unknown key '{key}.{arg}'; allowed: {', '.join(allowed) or '(none)'}"
            )
    missing = [n for n, p in allowed.items() if p.default is p.empty and n not in args]
    if missing:
        raise ConfigError(f"'{key}.{missing[0]}' is required by {registry.kind} {name!r}")
    defaults = {n: p.default for n, p in allowed.items() if p.default is not p.empty}
    return {**defaults, **args}


def _router_params(section: dict[str, Any]) -> dict[str, Any]:
    from desim.noc.params import RouterParams
    from desim.noc.presets import router_params

    fields = sorted(f.name for f in dataclasses.fields(RouterParams))
    for arg in section["router_args"]:
        if arg not in fields:
            raise ConfigError(f"unknown key 'noc.router_args.{arg}'; allowed: {', '.join(fields)}")
    try:
        ROUTER.get(section["router"])
    except DesimError as exc:
        raise ConfigError(f"'noc.router': {exc}") from None
    return dataclasses.asdict(router_params(section["router"], **section["router_args"]))


def _noc_section(config: dict[str, Any]) -> dict[str, Any]:
    """The full, canonical ``noc`` section of ``config`` (see the module docstring)."""
    from desim.noc.measurement import NocConfig

    section = config.get("noc", {})
    if not isinstance(section, dict):
        raise ConfigError(f"'noc' must be {describe(NocConfig)}, got {section!r}")
    data = dict(section)
    if "seed" in data:
        raise ConfigError("'noc.seed' is not allowed in a sweep; give the seeds in 'sweep.seeds'")
    full = to_mapping(from_mapping(NocConfig, data, path="noc"))
    del full["seed"]
    try:
        ROUTING.entry(full["routing"])
    except DesimError as exc:
        raise ConfigError(f"'noc.routing': {exc}") from None
    full["topology_args"] = _plugin_args(
        TOPOLOGY, full["topology"], full["topology_args"], "noc.topology_args", 0
    )
    full["traffic_args"] = _plugin_args(
        TRAFFIC, full["traffic"], full["traffic_args"], "noc.traffic_args", 2
    )
    full["injection_args"] = _plugin_args(
        INJECTION, full["injection"], full["injection_args"], "noc.injection_args", 1
    )
    full["router_params"] = _router_params(full)
    del full["router"], full["router_args"]
    return full


def _noc_config(section: dict[str, Any], seed: int, **overrides: Any) -> Any:
    """A `NocConfig` from a resolved section (the full router parameters as overrides)."""
    from desim.noc.measurement import NocConfig

    data = {k: v for k, v in section.items() if k != "router_params"}
    return NocConfig(router_args=section["router_params"], seed=seed, **{**data, **overrides})


def resolve_noc(config: dict[str, Any]) -> dict[str, Any]:
    """The resolved config of a ``noc`` point: ``{"noc": full section}``."""
    return {"noc": _noc_section(config)}


def run_noc(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """One `desim.noc.simulate` run; its flat record (NaN as None, the seed left to the sweep)."""
    from desim.noc.measurement import simulate
    from desim.noc.sweep import json_safe

    record = json_safe(simulate(_noc_config(config["noc"], seed)).to_record())
    del record["seed"]
    return record


def resolve_latency_load(config: dict[str, Any]) -> dict[str, Any]:
    """The resolved config of a ``latency_load`` point, its whole sweep checked (a
    ``noc.injection_rate``, which the sweep would not use, is refused)."""
    from desim.noc.sweep import check_sweep, parse_rates

    noc = _noc_section(config)
    del noc["injection_rate"]
    section = from_mapping(LatencyLoad, config.get("latency_load", {}), "latency_load")
    rates = parse_rates(section.rates) if isinstance(section.rates, str) else section.rates
    for rate in rates:
        if not 0.0 <= rate <= 1.0:
            raise ConfigError(f"'latency_load.rates': {rate!r} is outside [0, 1] flits/node/cycle")
    if "injection_rate" in config.get("noc", {}):
        raise ConfigError(
            "'noc.injection_rate' is not used by kind 'latency_load'; its loads are "
            "'latency_load.rates'"
        )
    check_sweep(_noc_config(noc, 0, injection_rate=0.0), rates, section.refine, section.tolerance)
    loads = {"rates": sorted(set(map(float, rates))), "refine": section.refine}
    return {"noc": noc, "latency_load": {**loads, "tolerance": section.tolerance}}


def noc_cost(config: dict[str, Any]) -> float:
    """A ``noc`` point's estimated CPU seconds (`desim.noc.validation.run_work`)."""
    from desim.noc.validation import run_work

    return run_work(_noc_config(config["noc"], 0)).cpu_seconds


def latency_load_cost(config: dict[str, Any]) -> float:
    """A ``latency_load`` point's estimated CPU seconds: its grid's runs (`run_work`), a lower
    bound that ranks curves of different networks as their runs do."""
    from desim.noc.validation import network_shape, run_work

    noc = _noc_config(config["noc"], 0, injection_rate=0.0)
    shape = network_shape(noc.topology, noc.topology_args)
    return sum(run_work(noc, shape, rate).cpu_seconds for rate in config["latency_load"]["rates"])


def run_latency_load(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """A latency-load curve: saturation throughput, zero-load latency, cost, the curve itself as a
    JSON string ``curve_json`` (``[[offered, accepted, latency or null, saturated], ...]`` over the
    grid loads), and every run, grid then bisection in the order they ran, as ``runs_json``
    (``[[offered, accepted, hops, cycles, flit_hops, saturated], ...]``: what another simulator
    must run to repeat the sweep, and how long each run was)."""
    from desim.noc.sweep import sweep_injection

    loads = config["latency_load"]
    curve = sweep_injection(
        _noc_config(config["noc"], seed, injection_rate=0.0),
        loads["rates"],
        refine=loads["refine"],
        tolerance=loads["tolerance"],
    )
    runs = curve.to_dict()
    every = runs["points"] + runs["refinement"]
    first = runs["points"][0]
    points = [
        [p["offered_rate"], p["accepted_rate"], p["avg_packet_latency"], p["saturated"]]
        for p in runs["points"]
    ]
    return {
        "topology": first["topology"],
        "routing": first["routing"],
        "traffic": first["traffic"],
        "saturation_rate": curve.saturation_rate,
        "saturated": curve.saturated,
        "zero_load_latency": first["avg_packet_latency"],
        "avg_hops": first["avg_hops"],
        "runs": len(every),
        "cycles": sum(p["cycles"] for p in every),
        "flit_hops": sum(p["flit_hops"] for p in every),
        "simulation_wall_seconds": sum(p["wall_seconds"] for p in every),
        "curve_json": json.dumps(points),
        "runs_json": json.dumps(
            [
                [
                    p["offered_rate"],
                    p["accepted_rate"],
                    p["avg_hops"],
                    p["cycles"],
                    p["flit_hops"],
                    p["saturated"],
                ]
                for p in every
            ]
        ),
    }


register_kind(
    "noc", run_noc, resolve=resolve_noc, sections=("noc",), summary=_SUMMARY, cost=noc_cost
)
register_kind(
    "latency_load",
    run_latency_load,
    resolve=resolve_latency_load,
    sections=("noc", "latency_load"),
    summary=("zero_load_latency", "saturation_rate", "runs"),
    cost=latency_load_cost,
)
