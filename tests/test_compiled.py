"""The mypyc-compiled hot path (`desim._compiled`): built, equal to its sources, documented."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from desim._compiled import MODULES
from desim.noc.measurement import NocConfig, simulate

# a small run through every compiled module: routers, allocators, arbiters, interfaces, engine
CONFIG = dict(
    topology_args={"rows": 4, "cols": 4},
    routing="odd_even",
    injection_rate=0.3,
    packet_size=3,
    sample_period_cycles=300,
    max_samples=3,
    seed=7,
)
RUN = (
    "import json, sys; from desim.noc.measurement import NocConfig, simulate; "
    "r = simulate(NocConfig(**json.loads(sys.argv[1]))).to_record(); "
    "print(json.dumps({k: v for k, v in r.items() if 'second' not in k}))"
)
DOCTESTS = (  # the modules named in argv, imported from source, their examples run
    "import doctest, importlib, json, sys; "
    "print(json.dumps({m: list(doctest.testmod(importlib.import_module(m), "
    "optionflags=doctest.ELLIPSIS)) for m in sys.argv[1:]}))"
)


def _pure_python_requested() -> bool:
    return os.environ.get("DESIM_PURE_PYTHON", "0") not in ("", "0") or (
        os.environ.get("DESIM_COMPILE") == "0"
    )


def test_the_install_runs_the_compiled_modules() -> None:
    import desim.noc.router

    if _pure_python_requested():
        assert not desim.COMPILED and desim.noc.router.__file__.endswith(".py")
    else:
        assert desim.COMPILED, "desim was installed without its compiled modules (see setup.py)"
        assert not desim.noc.router.__file__.endswith(".py")


def test_compiled_and_pure_python_runs_give_identical_results() -> None:
    compiled = {k: v for k, v in simulate(NocConfig(**CONFIG)).to_record().items()}
    compiled = json.loads(json.dumps({k: v for k, v in compiled.items() if "second" not in k}))
    env = dict(os.environ, DESIM_PURE_PYTHON="1", OMP_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(CONFIG)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout) == compiled
    assert compiled["flits_delivered"] > 1000


@pytest.fixture(scope="module")
def doctest_outcomes() -> dict[str, list[int]]:
    """(failed, attempted) examples of each compiled module, run from its source."""
    done = subprocess.run(
        [sys.executable, "-c", DOCTESTS, *MODULES],
        env=dict(os.environ, DESIM_PURE_PYTHON="1", OMP_NUM_THREADS="1"),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("name", MODULES)
def test_examples_of_compiled_modules_run_from_source(
    name: str, doctest_outcomes: dict[str, list[int]]
) -> None:
    failed, _attempted = doctest_outcomes[name]
    assert failed == 0


def test_the_documented_examples_were_found() -> None:
    done = subprocess.run(
        [sys.executable, "-c", DOCTESTS, "desim.noc.arbiters", "desim.kernel.module"],
        env=dict(os.environ, DESIM_PURE_PYTHON="1"),
        capture_output=True,
        text=True,
        check=True,
    )
    outcomes = json.loads(done.stdout.splitlines()[-1])
    assert outcomes["desim.noc.arbiters"][1] >= 8 and outcomes["desim.kernel.module"][1] >= 3
