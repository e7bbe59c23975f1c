"""The plug-in registries: lookup by name, callable or "module:attr"; loud failures."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from desim.plugin_index import BUILTIN
from desim.registry import (
    DuplicatePluginError,
    Registry,
    RegistryError,
    UnknownPluginError,
    kinds,
    plugin_entry_points,
    registry,
)


def double(x: int) -> int:
    return 2 * x


def test_lookup_by_name_callable_and_import_string() -> None:
    reg: Registry = Registry("thing", "test")
    reg.register("double", double, claim=True)
    assert reg.get("double")(4) == 8
    assert reg.get(double) is double
    assert reg.metadata(double) == {"claim": True}
    from desim.noc.arbiters import RoundRobinArbiter

    assert reg.get("desim.noc.arbiters:RoundRobinArbiter") is RoundRobinArbiter
    assert reg.names() == ["double"] and "double" in reg


def test_unknown_name_lists_the_valid_ones() -> None:
    reg: Registry = Registry("thing", "test")
    reg.register("b", double)
    reg.register("a", lambda x: x)
    with pytest.raises(UnknownPluginError, match=r"unknown thing 'c'; valid names: a, b"):
        reg.get("c")


def test_reregistering_the_same_function_is_fine_a_different_one_is_not() -> None:
    reg: Registry = Registry("thing", "test")
    reg.register("double", double)
    reg.register("double", double)  # a re-run notebook cell

    def impostor(x: int) -> int:
        return x

    with pytest.raises(DuplicatePluginError, match="already registered"):
        reg.register("double", impostor)


def test_bad_import_strings_and_non_callables() -> None:
    reg: Registry = Registry("thing", "test")
    with pytest.raises(UnknownPluginError, match="cannot import"):
        reg.get("no_such_module_xyz:f")
    with pytest.raises(UnknownPluginError, match="has no 'nope'"):
        reg.get("desim.noc.arbiters:nope")
    with pytest.raises(RegistryError, match="must be callable"):
        reg.register("x", 42)


def test_decorator_form_and_builtin_kinds() -> None:
    reg: Registry = Registry("thing", "test")

    @reg.register("sq")
    def square(x: int) -> int:
        return x * x

    assert reg.get("sq")(3) == 9
    assert {"routing", "topology", "traffic", "arbiter", "selection"} <= set(kinds())
    assert "xy" in registry("routing").names()
    with pytest.raises(UnknownPluginError, match="valid kinds: .*routing"):
        registry("nonsense")


def test_the_plugin_index_lists_what_importing_its_modules_registers() -> None:
    """`desim.plugin_index` names exactly the plug-ins that importing its modules registers, kind
    by kind, and covers every kind's providers (desim's own and the installed entry points); the
    listing ``desim list`` prints from it, importing none of them, is the same."""
    code = (
        "import importlib, json, sys\n"
        "from desim.plugin_index import BUILTIN\n"
        "from desim.registry import PLUGIN_GROUP, kinds, plugin_entry_points, registry\n"
        "listed = {k: registry(k).listed_names() for k in kinds()}\n"
        "modules = [m for ms, _ in BUILTIN.values() for m in ms]\n"
        "early = [m for m in modules if m in sys.modules]\n"
        "for module in modules:\n"
        "    importlib.import_module(module)\n"
        "print(json.dumps([listed, early, {k: [sorted(registry(k)._entries), "
        "[*registry(k)._providers, *(p.module for p in plugin_entry_points(PLUGIN_GROUP, k))]] "
        "for k in kinds()}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    listed, imported_to_list, registered = json.loads(done.stdout)
    assert imported_to_list == []
    assert set(BUILTIN) == set(registered)
    for kind, (names, providers) in registered.items():
        assert list(BUILTIN[kind][1]) == names == listed[kind], kind
        assert set(providers) <= set(BUILTIN[kind][0]), kind


def test_the_listing_without_desims_entry_points_names_only_what_loads() -> None:
    """A source checkout without its ``dist-info`` has no entry points: ``desim list`` then names
    what loading registers (desim's declared providers' plug-ins, e.g. the routing functions; no
    topologies, models, datasets nor formats, which only the entry points bring), not the whole
    static index."""
    code = (
        "import json, desim.registry as r\n"
        "r.plugin_entry_points = lambda group, name=None: []  # no dist-info\n"
        "listed = {k: r.registry(k).listed_names() for k in r.kinds()}\n"
        "print(json.dumps([listed, {k: r.registry(k).names() for k in r.kinds()}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    listed, loaded = json.loads(done.stdout)
    assert listed == loaded
    assert not any(loaded[k] for k in ("topology", "model", "dataset", "format"))
    assert "xy" in loaded["routing"]


@pytest.mark.parametrize("group", ["desim.plugins", "desim.commands", "console_scripts"])
def test_entry_points_are_read_as_importlib_metadata_reads_them(group: str) -> None:
    from importlib.metadata import entry_points as reference

    mine = sorted((p.name, p.value) for p in plugin_entry_points(group))
    assert mine == sorted((p.name, p.value) for p in reference(group=group))
    assert mine or group == "desim.commands"
