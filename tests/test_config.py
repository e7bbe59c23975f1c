"""Strict configuration loading: unknown keys and bad values are named, never ignored."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desim.config import (
    config_hash,
    from_mapping,
    load_toml,
    replace_all_dotted,
    replace_dotted,
    require,
    to_mapping,
)
from desim.kernel.errors import ConfigError


@dataclass(frozen=True)
class Link:
    latency_cycles: int = 1
    width_bits: int = 128

    def __post_init__(self) -> None:
        require(self.latency_cycles >= 1, f"latency_cycles must be >= 1, got {self.latency_cycles}")


@dataclass(frozen=True)
class Noc:
    rows: int = 8
    link: Link = field(default_factory=Link)
    routing: str = "xy"


def test_nested_tables_build_frozen_dataclasses() -> None:
    cfg = from_mapping(Noc, {"rows": 4, "link": {"latency_cycles": 2}})
    assert cfg == Noc(rows=4, link=Link(latency_cycles=2))


def test_unknown_key_is_named_with_its_dotted_path_and_the_allowed_keys() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown key 'link.latency'; allowed: latency_cycles, width_bits"
    ):
        from_mapping(Noc, {"link": {"latency": 2}})


def test_bad_types_and_values_are_named() -> None:
    with pytest.raises(ConfigError, match=r"'rows' must be an integer, got '8'"):
        from_mapping(Noc, {"rows": "8"})
    with pytest.raises(ConfigError, match="latency_cycles must be >= 1, got 0"):
        from_mapping(Noc, {"link": {"latency_cycles": 0}})
    with pytest.raises(ConfigError, match=r"'rows' must be an integer, got True$"):
        from_mapping(Noc, {"rows": True})


@pytest.mark.parametrize("data", [3, [{"rows": 4}], "rows"])
def test_a_value_where_a_table_belongs_is_named(data) -> None:
    # a TOML file's ``accel = 3``, or ``[[accel]]`` (an array of tables), given to from_mapping
    with pytest.raises(
        ConfigError, match=r"^'accel' must be a table of keys \(link, routing, rows\), got "
    ):
        from_mapping(Noc, data, path="accel")


def test_sweep_sections_that_are_not_tables_are_named() -> None:
    from desim.sweep.spec import spec_from_mapping

    with pytest.raises(
        ConfigError,
        match=r"^'sweep' must be a table of keys \(description, kind, name, seeds\), got 3$",
    ):
        spec_from_mapping({"sweep": 3})
    with pytest.raises(ConfigError, match=r"^'latency_load' must be a table of keys \("):
        spec_from_mapping({"sweep": {"kind": "latency_load"}, "noc": {}, "latency_load": 3})
    for noc in (3, [{"rows": 4}]):  # ``noc = 3``, ``[[noc]]``
        with pytest.raises(ConfigError, match=r"^'noc' must be a table of keys \(.*\), got "):
            spec_from_mapping({"sweep": {"kind": "latency_load"}, "noc": noc})


def test_a_numpy_integer_is_refused_saying_how_to_pass_it() -> None:
    # a notebook's seeds from np.arange: refused (configs hash as JSON), with the conversion
    import numpy as np

    from desim.noc import NocConfig

    with pytest.raises(ConfigError, match=r"got np.int64\(3\): a Python int \(int\(value\)"):
        NocConfig(seed=np.int64(3))


def test_toml_round_trip_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('rows = 16\nrouting = "yx"\n[link]\nwidth_bits = 64\n')
    cfg = load_toml(good, Noc)
    assert cfg.rows == 16 and cfg.link.width_bits == 64 and cfg.routing == "yx"
    typo = tmp_path / "typo.toml"
    typo.write_text("[link]\nwidht_bits = 64\n")
    with pytest.raises(ConfigError, match="unknown key 'link.widht_bits'"):
        load_toml(typo, Noc)
    broken = tmp_path / "broken.toml"
    broken.write_text("rows = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_toml(broken, Noc)
    with pytest.raises(ConfigError, match="cannot read config"):
        load_toml(tmp_path / "missing.toml", Noc)


def test_dotted_replacement_and_stable_hash() -> None:
    cfg = Noc()
    changed = replace_dotted(cfg, "link.latency_cycles", 3)
    assert changed.link.latency_cycles == 3 and cfg.link.latency_cycles == 1
    assert to_mapping(changed)["link"] == {"latency_cycles": 3, "width_bits": 128}
    assert config_hash(cfg) == config_hash(Noc()) != config_hash(changed)
    with pytest.raises(ConfigError, match="unknown key 'link.speed'"):
        replace_dotted(cfg, "link.speed", 1)


def test_settings_that_only_make_sense_together_are_validated_together() -> None:
    """A ring's arguments are not a mesh's: setting the topology, then its arguments, must not
    be checked half-way (each alone is refused), and the order does not matter."""
    from desim.accel.scnn import ScnnConfig

    base = ScnnConfig()
    ring = [("fabric.topology", "ring"), ("fabric.topology_args", {"n": 16})]
    direct = ("fabric.multicast", "direct")  # the default tree multicast is a mesh's
    for items in ([*ring, direct], [direct, *ring[::-1]]):
        config = replace_all_dotted(base, items)
        assert (config.fabric.topology, dict(config.fabric.topology_args)) == ("ring", {"n": 16})
    for key, value in ring:
        with pytest.raises(ConfigError, match="topology"):
            replace_dotted(base, key, value)
    with pytest.raises(ConfigError, match="unknown key 'fabric.topology_arg'"):
        replace_all_dotted(base, [("fabric.topology_arg", {"n": 4}), ring[0]])


@dataclass(frozen=True)
class _Needs:
    name: str
    width: int = 1


def test_a_missing_required_key_is_named_without_the_class() -> None:
    with pytest.raises(ConfigError, match=r"^'part.name' is required; it has no default$"):
        from_mapping(_Needs, {"width": 2}, path="part")
