"""A design's config from the command line: its defaults, a TOML file's ``[accel]`` table
(``--config``) and ``--set KEY=VALUE`` (dotted keys of the design's config, e.g.
``fabric.multicast=direct``), checked strictly; in a comparison, each design's config from the
keys it has (`compared_configs`)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from desim.config import KeyedConfigError, from_mapping, read_toml, replace_all_dotted
from desim.kernel.errors import ConfigError
from desim.registry import ACCELERATOR

__all__ = ["compared_configs", "design_config"]


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _accel_table(config_file: str | None) -> dict[str, Any]:
    """The ``[accel]`` table of TOML file ``config_file`` (empty without a file)."""
    if config_file is None:
        return {}
    document = read_toml(config_file)
    unknown = sorted(set(document) - {"accel"})
    if unknown:
        raise ConfigError(f"{config_file}: unknown sections {unknown}; allowed: accel")
    return document.get("accel", {})


def design_config(
    arch: str, config_file: str | None, assignments: list[str], table: Any = None
) -> Any:
    """The config of design ``arch``: defaults, the file's ``[accel]`` table (or ``table``,
    already read), then ``--set``."""
    cls = ACCELERATOR.get(arch).Config
    data = _accel_table(config_file) if table is None else table
    config = from_mapping(cls, data, path="accel")
    pairs = []
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set takes KEY=VALUE, got {item!r}")
        pairs.append((key, _parse_value(value)))
    return replace_all_dotted(config, pairs)  # validated together: --set a=.. --set b=.. agree


def _settable(config: type) -> set[str]:
    """The keys a design's config takes in a comparison: its fields but those another design
    sets (``FOREIGN_FIELDS``: DCNN-opt's zero gating and flags, which DCNN's config refuses)."""
    foreign = set(getattr(config, "FOREIGN_FIELDS", ()))
    return {f.name for f in dataclasses.fields(config)} - foreign


def compared_configs(
    names: list[str], config_file: str | None, assignments: list[str]
) -> dict[str, Any]:
    """Each compared design's config (`design_config`), with the keys it has of the file's
    ``[accel]`` table and of ``--set``: a key of one design (SCNN's ``ppu_compares_per_cycle``)
    leaves the others alone; a key none of them has is refused, naming the keys they have."""
    fields = {name: _settable(ACCELERATOR.get(name).Config) for name in names}

    def top(item: str) -> str:
        return item.partition("=")[0].split(".")[0]

    known = set().union(*fields.values())

    def refuse(where: str, key: str) -> None:
        raise ConfigError(
            f"{where} {key!r}: none of {', '.join(names)} has it; allowed: "
            + ", ".join(sorted(known))
        )

    table = _accel_table(config_file)
    if not isinstance(table, dict):
        raise ConfigError(
            f"{config_file}: 'accel' must be a table of the keys of {', '.join(names)}, got "
            f"{table!r}"
        )
    for key in table:
        if key not in known:
            refuse(f"{config_file}: [accel]", key)
    for item in assignments:
        if "=" in item and top(item) not in known:
            refuse("--set", top(item))
    configs = {}
    for name in names:
        try:
            configs[name] = design_config(
                name,
                None,
                [a for a in assignments if "=" not in a or top(a) in fields[name]],
                {key: value for key, value in table.items() if key in fields[name]},
            )
        except ConfigError as exc:  # which of the compared designs refuses it
            if len(names) == 1:
                raise
            said = f"{name} refuses it, of the compared {', '.join(names)}"
            if isinstance(exc, KeyedConfigError):  # still named as the user spelt the key
                raise KeyedConfigError(exc.key, f"{exc.message} ({said})") from None
            raise ConfigError(f"{exc} ({said})") from None
    return configs
