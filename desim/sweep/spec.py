"""Sweep specs: a base config, a grid of dotted keys, and seeds, loaded from TOML strictly.

A spec file::

    [sweep]
    kind = "noc"                 # the point kind (desim.sweep.KINDS): noc, latency_load, ...
    seeds = [1, 2]
    name = "mesh vs torus"       # optional

    [noc]                        # the base config: the kind's sections
    injection_rate = 0.1
    sample_period_cycles = 500

    [grid]                       # Cartesian product of these dotted keys
    noc.topology = ["mesh", "torus"]

    [zip]                        # zipped together (equal lengths), then crossed with [grid]
    noc.topology_args.rows = [4, 8]
    noc.topology_args.cols = [4, 8]

Every point is resolved by its kind before any runs, so an unknown key, a wrong type, an empty
grid or a dotted key the config does not have fails at once, with a `ConfigError` naming the key.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from desim.config import from_mapping
from desim.kernel.errors import ConfigError, DesimError
from desim.limits import check_limit
from desim.sweep.kinds import KINDS, PointKind

__all__ = ["SweepSpec", "Point", "load_spec", "spec_from_mapping", "config_hash"]

MAX_SEED = 2**32 - 1
"""Seeds every kind's generators accept (numpy's legacy one and torch's, for accelerator points)."""

_SPEC_TABLES = ("sweep", "grid", "zip")

MAX_POINTS = 10_000
"""Runs (grid points x seeds) a spec may describe unless ``DESIM_NO_SIZE_LIMIT=1``: every point is
resolved and checked before any runs, and each is at least one simulation."""


@dataclass(frozen=True)
class _SweepTable:
    kind: str = "noc"
    seeds: tuple[int, ...] = (1,)
    name: str = ""
    description: str = ""


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its grid values (dotted key -> value), resolved config and seed."""

    values: dict[str, Any]
    config: dict[str, Any]
    seed: int
    config_hash: str


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: the kind, the base config, the grid and the seeds.

    Attributes
    ----------
    kind : str
        The point kind's name.
    base : dict
        The base config sections.
    grid, zipped : dict
        Dotted key -> list of values (Cartesian product; zipped together).
    seeds : tuple of int
    name : str
    """

    kind: str
    base: dict[str, Any]
    grid: dict[str, list[Any]]
    zipped: dict[str, list[Any]]
    seeds: tuple[int, ...]
    name: str = ""
    points: list[Point] = field(default_factory=list, repr=False)

    @property
    def run(self) -> PointKind:
        """The kind's ``run(config, seed)`` callable."""
        return KINDS.get(self.kind)

    @property
    def keys(self) -> list[str]:
        """The dotted keys that vary, in spec order."""
        return [*self.grid, *self.zipped]


def config_hash(kind: str, config: dict[str, Any]) -> str:
    """The canonical hash of a resolved config (16 hex digits): equal for equal runs; a NaN or
    an infinity that no check refused is a `ConfigError` (records and hashes are strict JSON)."""
    try:
        text = json.dumps([kind, config], sort_keys=True, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise ConfigError(
            f"a {kind} point's config holds nan or inf, which no config value may be: {config}"
        ) from None
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _flatten(table: dict[str, Any], name: str, prefix: str = "") -> dict[str, list[Any]]:
    """Nested TOML tables of a grid -> ``{dotted key: non-empty list of values}``."""
    if not isinstance(table, dict):  # ``grid = 3`` or ``[[grid]]``
        raise ConfigError(
            f"'{name}' must be a table of dotted keys, each with a list of values, got {table!r}"
        )
    out: dict[str, list[Any]] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name, f"{dotted}."))
        elif not isinstance(value, list):
            raise ConfigError(f"'{name}.{dotted}' must be a list of values, got {value!r}")
        elif not value:
            raise ConfigError(f"'{name}.{dotted}' is empty; give at least one value")
        else:
            out[dotted] = value
    if not out and not prefix:
        raise ConfigError(f"'{name}' is empty; give at least one dotted key and its values")
    return out


def _set_dotted(config: dict[str, Any], key: str, value: Any) -> None:
    """Set ``config[a][b][c] = value`` for ``key = "a.b.c"``, creating missing tables."""
    *tables, leaf = key.split(".")
    node = config
    for i, part in enumerate(tables):
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            where = ".".join(tables[: i + 1])
            raise ConfigError(f"'{key}': '{where}' is a value, not a table of keys")
    node[leaf] = value


def _combinations(spec: SweepSpec) -> Iterator[dict[str, Any]]:
    lengths = {key: len(values) for key, values in spec.zipped.items()}
    if len(set(lengths.values())) > 1:
        raise ConfigError(
            f"the lists of 'zip' must have equal lengths, got "
            f"{', '.join(f'{k}: {n}' for k, n in lengths.items())}"
        )
    zipped = list(zip(*spec.zipped.values(), strict=True)) or [()]
    for crossed in itertools.product(*spec.grid.values()):
        for together in zipped:
            yield dict(zip(spec.keys, (*crossed, *together), strict=True))


def _resolve(spec: SweepSpec, values: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(spec.base)
    for key, value in values.items():
        section = key.split(".", 1)[0]
        if "." not in key or section not in KINDS.metadata(spec.kind)["sections"]:
            raise ConfigError(_section_error(spec.kind, key))
        _set_dotted(config, key, value)
    return KINDS.metadata(spec.kind)["resolve"](config)


def _section_error(kind: str, key: str) -> str:
    sections = KINDS.metadata(kind)["sections"]
    return f"unknown key '{key}' for kind {kind!r}; keys start with one of: {', '.join(sections)}"


def _expand(spec: SweepSpec) -> list[Point]:
    points: dict[str, Point] = {}
    for values in _combinations(spec):
        try:
            config = _resolve(spec, values)
        except ConfigError as exc:
            if not values:  # a spec without a grid: its one point is the spec itself
                raise
            raise ConfigError(f"grid point {values}: {exc}") from None
        digest = config_hash(spec.kind, config)
        if digest in points:
            raise ConfigError(
                f"grid points {points[digest].values} and {values} describe the same run "
                f"(config hash {digest}); drop one of the values"
            )
        points[digest] = Point(values, config, spec.seeds[0], digest)
    return [replace(p, seed=seed) for p in points.values() for seed in spec.seeds]


def spec_from_mapping(data: dict[str, Any]) -> SweepSpec:
    """Build and validate a `SweepSpec` (every point resolved) from nested dicts."""
    table = from_mapping(_SweepTable, data.get("sweep", {}), path="sweep")
    try:
        sections = KINDS.metadata(table.kind)["sections"]
    except DesimError as exc:  # an unknown kind: the message lists the valid ones
        raise ConfigError(f"'sweep.kind': {exc}") from None
    for key in data:
        if key not in _SPEC_TABLES and key not in sections:
            allowed = ", ".join((*_SPEC_TABLES, *sections))
            raise ConfigError(f"unknown key '{key}' for kind {table.kind!r}; allowed: {allowed}")
    if not table.seeds or any(not 0 <= seed <= MAX_SEED for seed in table.seeds):
        raise ConfigError(
            f"'sweep.seeds' must be a non-empty list of integers in 0..{MAX_SEED}, got "
            f"{list(table.seeds)}"
        )
    repeated = sorted(seed for seed, times in Counter(table.seeds).items() if times > 1)
    if repeated:
        raise ConfigError(
            f"'sweep.seeds' lists seed {repeated[0]} more than once; each point runs once per seed"
        )
    grid = _flatten(data["grid"], "grid") if "grid" in data else {}
    zipped = _flatten(data["zip"], "zip") if "zip" in data else {}
    for key in set(grid) & set(zipped):
        raise ConfigError(f"'{key}' is in both 'grid' and 'zip'; give it in one of them")
    spec = SweepSpec(
        kind=table.kind,
        base={k: v for k, v in data.items() if k in sections},
        grid=grid,
        zipped=zipped,
        seeds=tuple(table.seeds),
        name=table.name,
    )
    runs = math.prod(len(values) for values in grid.values())
    runs *= len(next(iter(zipped.values()))) if zipped else 1
    check_limit(
        "the sweep spec describes too many runs (grid values multiplied, times zip rows, times "
        "seeds)",
        runs * len(spec.seeds),
        MAX_POINTS,
    )
    spec.points.extend(_expand(spec))
    return spec


def load_spec(path: str | Path) -> SweepSpec:
    """Load and validate a sweep spec from a TOML file (see the module docstring)."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read sweep spec {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"sweep spec {path} is not valid TOML: {exc}") from None
    if "sweep" not in data:
        raise ConfigError(
            f"sweep spec {path} has no [sweep] table; it needs one, naming the point kind and the "
            'seeds (kind = "noc" and seeds = [1] when not given), and a [grid] or [zip] of the '
            "values to sweep (docs/sweeps.md)"
        )
    return spec_from_mapping(data)
