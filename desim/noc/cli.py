"""``desim noc``: one synthetic-traffic run, or a latency-load sweep, from the command line.

Examples
--------
One run of BookSim's reference configuration, as JSON::

    desim noc --topology mesh --rows 8 --cols 8 --routing xy --traffic uniform \\
        --injection-rate 0.1 --packet-size 1 --vcs 4 --vc-buffer 8 --router booksim --seed 1 --json

A latency-load curve with its saturation throughput (bisected), as a table::

    desim noc --topology torus --rows 4 --cols 4 --sweep-rates 0.05:0.6:0.05

Every bad input (an unknown name, a policy on a topology it does not support, a rate outside
[0, 1], a malformed ``NAME=VALUE``, rate list or topology file) is a `ConfigError`, which
``desim`` prints as one line before exiting with status 2.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from desim.cli import SUBCOMMANDS
from desim.kernel.errors import ConfigError

if TYPE_CHECKING:  # the simulator is imported only when a command runs
    from desim.noc.measurement import NocConfig
    from desim.noc.sweep import Sweep

__all__ = ["add_parser", "parse_assignments", "parse_value", "config_from_args", "run"]

DEFAULT_GRID = 8
"""Rows and columns of a grid topology when not given (BookSim2's 8x8 mesh)."""
DEFAULT_TOLERANCE = 0.005
"""Saturation bisection tolerance of a sweep, flits/node/cycle."""
_ROUTER_SHORTHANDS = {"vcs": "vcs", "vc_buffer": "vc_buffer_flits"}
_TABLE_COLUMNS = (
    ("offered", "offered_rate", "{:.4f}"),
    ("accepted", "accepted_rate", "{:.4f}"),
    ("min acc.", "accepted_rate_min", "{:.4f}"),
    ("pkt lat", "avg_packet_latency", "{:.2f}"),
    ("net lat", "avg_network_latency", "{:.2f}"),
    ("p99", "p99_packet_latency", "{:.0f}"),
    ("hops", "avg_hops", "{:.3f}"),
    ("status", "saturated", "{}"),
)


def parse_value(text: str) -> Any:
    """A command-line value as int, float, bool, JSON (list, object, null) or, failing those, str.

    Examples
    --------
    >>> [parse_value(v) for v in ("8", "0.5", "true", "[1, 2]", "leaves")]
    [8, 0.5, True, [1, 2], 'leaves']
    """
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for convert in (int, float, json.loads):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def parse_assignments(items: Sequence[str] | None, option: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``; a malformed item raises `ConfigError`."""
    out: dict[str, Any] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not name.isidentifier():
            raise ConfigError(f"{option} {item!r}: expected NAME=VALUE")
        out[name] = parse_value(value)
    return out


def _check_parameters(func: Any, kwargs: dict[str, Any], what: str) -> None:
    """Raise `ConfigError` unless ``func`` accepts exactly these keyword arguments."""
    import inspect  # here, not at the top: ``desim noc --help`` needs none of this

    try:
        inspect.signature(func).bind(**kwargs)
    except TypeError as exc:
        allowed = ", ".join(inspect.signature(func).parameters)
        raise ConfigError(f"{what}: {exc}; parameters: {allowed}") from None


def _topology(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    import inspect

    from desim.registry import TOPOLOGY

    topology_args = parse_assignments(args.topology_arg, "--topology-arg")
    grid = {k: v for k, v in (("rows", args.rows), ("cols", args.cols)) if v is not None}
    if args.topology_file is not None:
        if grid or topology_args:
            raise ConfigError("--topology-file takes no --rows, --cols or --topology-arg")
        return "from_file", {"path": args.topology_file}
    clash = sorted(grid.keys() & topology_args.keys())
    if clash:
        raise ConfigError(
            f"--{clash[0]} and --topology-arg {clash[0]}=... both set {clash[0]}; give one"
        )
    topology_args.update(grid)
    name = args.topology or "mesh"
    parameters = inspect.signature(TOPOLOGY.get(name)).parameters
    for key in ("rows", "cols"):  # BookSim's 8x8 mesh unless told otherwise
        if key in parameters and key not in topology_args:
            topology_args[key] = DEFAULT_GRID
    _check_parameters(TOPOLOGY.get(name), topology_args, f"topology {name!r}")
    return name, topology_args


def _router_args(args: argparse.Namespace) -> dict[str, Any]:
    import dataclasses

    from desim.noc.params import RouterParams

    router_args = parse_assignments(args.router_arg, "--router-arg")
    for option, name in _ROUTER_SHORTHANDS.items():
        if getattr(args, option) is not None:
            if name in router_args:
                raise ConfigError(
                    f"--{option.replace('_', '-')} and --router-arg {name}=... both set {name}; "
                    "give one"
                )
            router_args[name] = getattr(args, option)
    fields = sorted(f.name for f in dataclasses.fields(RouterParams))
    unknown = sorted(set(router_args) - set(fields))
    if unknown:
        raise ConfigError(
            f"--router-arg: unknown router parameter {unknown[0]!r}; allowed: {', '.join(fields)}"
        )
    return router_args


def _default_routing(topology: str) -> str:
    """Dimension order where it applies, else table routing (any graph)."""
    from desim.registry import ROUTING

    supported = ROUTING.metadata("xy").get("topologies")
    return "xy" if supported is None or topology in supported else "table"


def config_from_args(args: argparse.Namespace, rate: float = 0.0) -> NocConfig:
    """The `NocConfig` the parsed command line describes (at offered load ``rate``)."""
    from desim.noc.measurement import NocConfig

    _check_output_options(args)
    topology, topology_args = _topology(args)
    optional = {
        key: value
        for key, value in (
            ("sample_period_cycles", args.sample_period),
            ("warmup_periods", args.warmup_periods),
            ("max_samples", args.max_samples),
        )
        if value is not None
    }
    return NocConfig(
        topology=topology,
        topology_args=topology_args,
        routing=args.routing or _default_routing(topology),
        traffic=args.traffic,
        traffic_args=parse_assignments(args.traffic_arg, "--traffic-arg"),
        injection=args.injection,
        injection_args=parse_assignments(args.injection_arg, "--injection-arg"),
        injection_rate=rate,
        packet_size=parse_value(args.packet_size),
        router=args.router,
        router_args=_router_args(args),
        seed=args.seed,
        **optional,
    )


def _check_output_options(args: argparse.Namespace) -> None:
    """Options that only mean something together with another one, or with tqdm installed."""
    if args.sweep_rates is None:
        for option, given in (("--tolerance", args.tolerance), ("--no-refine", args.no_refine)):
            if given not in (None, False):
                raise ConfigError(
                    f"{option} sets how a sweep bisects saturation; add --sweep-rates"
                )
    elif args.no_refine and args.tolerance is not None:
        raise ConfigError("--tolerance sets the bisection that --no-refine turns off; give one")
    if args.detail and not args.json:
        raise ConfigError(
            "--detail adds per-link and per-router statistics to --json output; add --json"
        )
    if args.progress:
        if args.sweep_rates is None:
            raise ConfigError("--progress shows a sweep's progress; add --sweep-rates")
        import importlib.util

        if importlib.util.find_spec("tqdm") is None:
            raise ConfigError(
                "--progress needs tqdm, which is not installed (pip install tqdm, or the "
                "'notebooks' extra)"
            )


def _cell(record: dict[str, Any], key: str, fmt: str) -> str:
    value = record[key]
    if key == "saturated":
        return "saturated" if value else "stable"
    return "-" if value is None else fmt.format(value)


def format_table(records: Sequence[dict[str, Any]]) -> str:
    """Results as an aligned text table (one row per run; latencies in cycles)."""
    rows = [[title for title, _, _ in _TABLE_COLUMNS]]
    rows += [[_cell(r, key, fmt) for _, key, fmt in _TABLE_COLUMNS] for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows
    )


def _describe(config: NocConfig) -> str:
    return (
        f"{config.topology} {config.topology_args}, routing {config.routing}, traffic "
        f"{config.traffic}, router {config.router} {config.router_args}, seed {config.seed}"
    )


def run(args: argparse.Namespace) -> int:
    """Run what the parsed command line asks for; print JSON or a table; return the exit code."""
    from desim.noc.measurement import simulate
    from desim.noc.sweep import json_safe, parse_rates, sweep_injection

    if args.sweep_rates is None:
        config = config_from_args(args, args.injection_rate)
        result = simulate(config)
        record = json_safe(result.to_record())
        if args.detail:  # per-link and per-router statistics (JSON only)
            record.update(links=result.links, routers=result.routers)
        text = json.dumps(record, allow_nan=False) if args.json else _single_report(config, record)
    else:
        config = config_from_args(args, 0.0)
        curve = sweep_injection(
            config,
            parse_rates(args.sweep_rates),
            refine=not args.no_refine,
            tolerance=DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance,
            progress=args.progress,
        )
        text = curve.to_json() if args.json else _sweep_report(config, curve)
    print(text)
    return 0


def _single_report(config: NocConfig, record: dict[str, Any]) -> str:
    tail = (
        f"{record['cycles']} cycles, {record['flits_delivered']} flits delivered, "
        f"{record['wall_seconds']:.2f} s wall, "
        f"{record['flit_hops_per_second']:.0f} flit-hops/s"
    )
    return f"{_describe(config)}\n{format_table([record])}\n{tail}"


def _sweep_report(config: NocConfig, curve: Sweep) -> str:
    records = curve.to_dict()
    if not curve.saturated:
        verdict = f"no saturation up to {curve.saturation_rate:.4f} flits/node/cycle"
    else:
        verdict = f"saturation throughput {curve.saturation_rate:.4f} flits/node/cycle"
        if curve.refinement:
            verdict += f" (bisected to within {curve.tolerance})"
    runs = records["points"] + records["refinement"]  # the curve, bisection runs in place
    table = format_table(sorted(runs, key=lambda record: record["offered_rate"]))
    return f"{_describe(config)}\n{table}\n{verdict}"


def _add_topology_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("topology")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--topology", help="builder name (desim list topology; default: mesh)")
    where.add_argument("--topology-file", metavar="PATH", help="a GraphML file or an edge list")
    group.add_argument(
        "--rows",
        type=int,
        help=f"grid rows, shorthand for --topology-arg rows=R (default: {DEFAULT_GRID} for "
        "builders taking rows)",
    )
    group.add_argument(
        "--cols", type=int, help=f"grid columns (default: {DEFAULT_GRID} for builders taking cols)"
    )
    group.add_argument(
        "--topology-arg",
        action="append",
        metavar="NAME=VALUE",
        help="a builder parameter (repeatable; default: the builder's own defaults)",
    )


def _add_traffic_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("traffic (rates in flits per node per cycle)")
    group.add_argument(
        "--traffic", default="uniform", help="pattern (desim list traffic; default: %(default)s)"
    )
    group.add_argument(
        "--traffic-arg",
        action="append",
        metavar="NAME=VALUE",
        help="a pattern parameter, e.g. fraction=0.2 for hotspot (repeatable)",
    )
    group.add_argument(
        "--injection",
        default="bernoulli",
        help="bernoulli or bursty (desim list injection; default: %(default)s)",
    )
    group.add_argument(
        "--injection-arg",
        action="append",
        metavar="NAME=VALUE",
        help="e.g. alpha=0.2 for bursty (repeatable)",
    )
    rate = group.add_mutually_exclusive_group()
    rate.add_argument(
        "--injection-rate",
        type=float,
        default=0.1,
        metavar="RATE",
        help="offered load of one run (default: %(default)s)",
    )
    rate.add_argument(
        "--sweep-rates",
        metavar="START:STOP:STEP|R1,R2,...",
        help="a latency-load curve instead of one run; the saturation throughput is bisected",
    )
    group.add_argument(
        "--packet-size",
        default="1",
        help="flits per packet, or JSON [[size, weight], ...] (default: %(default)s)",
    )


def _add_router_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("routing and router")
    group.add_argument(
        "--routing", help="policy (desim list routing; default: xy where it applies, else table)"
    )
    group.add_argument(
        "--router",
        default="booksim",
        help="router preset (desim list router; default: %(default)s)",
    )
    group.add_argument(
        "--vcs", type=int, help="virtual channels per port (default: the preset's, 4)"
    )
    group.add_argument(
        "--vc-buffer",
        type=int,
        metavar="FLITS",
        help="flits per VC buffer (default: the preset's, 8)",
    )
    group.add_argument(
        "--router-arg",
        action="append",
        metavar="NAME=VALUE",
        help="any RouterParams field, e.g. credit_delay_cycles=1 (repeatable)",
    )


def _add_measurement_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("measurement and output")
    group.add_argument(
        "--seed", type=int, default=1, help="random seed >= 0 (default: %(default)s)"
    )
    group.add_argument(
        "--sample-period", type=int, metavar="CYCLES", help="sample period (default: 1000)"
    )
    group.add_argument(
        "--warmup-periods", type=int, metavar="N", help="warm-up sample periods (default: 3)"
    )
    group.add_argument(
        "--max-samples",
        type=int,
        metavar="N",
        help="sample periods at most, >= 3 (default: 10)",
    )
    group.add_argument(
        "--tolerance",
        type=float,
        help=f"saturation bisection tolerance, flits/node/cycle (default: {DEFAULT_TOLERANCE})",
    )
    group.add_argument("--no-refine", action="store_true", help="do not bisect saturation")
    group.add_argument("--json", action="store_true", help="print JSON instead of a table")
    group.add_argument(
        "--detail",
        action="store_true",
        help="with --json: add per-link utilisation and per-router statistics",
    )
    group.add_argument(
        "--progress", action="store_true", help="progress bar for sweeps (needs tqdm)"
    )


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Attach ``desim noc`` to the top-level parser."""
    parser = sub.add_parser(
        "noc",
        help=SUBCOMMANDS["noc"][1],
        description=__doc__.split("\n\n")[0].replace("``", ""),
        epilog="Every bad input is one line on stderr and exit status 2.",
    )
    _add_topology_options(parser)
    _add_traffic_options(parser)
    _add_router_options(parser)
    _add_measurement_options(parser)
    parser.set_defaults(func=run)
