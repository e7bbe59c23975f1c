"""Packages with names imported on first use (`desim.lazy`) still give their submodules as
attributes, as the eager packages did, and name what they do not have."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import desim.noc, desim.kernel
assert callable(desim.noc.routing.resolve_routing)  # a submodule never imported before
assert desim.kernel.simulator.Simulator is desim.kernel.Simulator
try:
    desim.noc.no_such_thing
except AttributeError as error:
    print(error)
"""


def test_submodules_are_attributes_and_unknown_names_are_named() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "module 'desim.noc' has no attribute 'no_such_thing'"
