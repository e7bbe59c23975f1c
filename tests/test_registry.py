"""The plug-in registries: lookup by name, callable or "module:attr"; loud failures."""

from __future__ import annotations

import pytest

from desim.registry import (
    DuplicatePluginError,
    Registry,
    RegistryError,
    UnknownPluginError,
    kinds,
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
