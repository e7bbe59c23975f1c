"""The mypyc-compiled hot path (`desim._compiled`): built, equal to its sources, documented."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from desim._compiled import MODULES
from desim.noc.measurement import NocConfig, simulate

# small runs through every compiled module and path: routers (contended and contention-free
# allocation, adaptive selection, wait-for-tail-credit, age-based arbiters, dateline VCs, table
# routing), interfaces (multi-flit packets), the engine and the measurement
_SMALL = dict(topology_args={"rows": 4, "cols": 4}, sample_period_cycles=300, max_samples=3)
CONFIGS = [
    dict(_SMALL, routing="odd_even", injection_rate=0.3, packet_size=3, seed=7),
    dict(_SMALL, routing="min_adaptive", injection_rate=0.45, packet_size=2),
    dict(_SMALL, injection_rate=0.3, packet_size=5, router_args={"wait_for_tail_credit": True}),
    dict(_SMALL, topology="torus", injection_rate=0.4, router_args={"arbiter": "oldest_first"}),
    dict(
        _SMALL,
        topology="fat_tree",
        topology_args={"k": 2, "levels": 3},
        routing="table",
        traffic="bitcomp",
        injection_rate=0.3,
    ),
]
RUN = (
    "import json, sys; from desim.noc.measurement import NocConfig, simulate; "
    "records = [simulate(NocConfig(**c)).to_record() for c in json.loads(sys.argv[1])]; "
    "import desim; assert not desim.COMPILED; "
    "print(json.dumps([{k: v for k, v in r.items() if 'second' not in k} for r in records]))"
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
        assert desim.COMPILED, (
            "desim runs without its compiled modules (see setup.py); when testing an install "
            "made with DESIM_COMPILE=0, set DESIM_COMPILE=0 here too"
        )
        assert not desim.noc.router.__file__.endswith(".py")


def test_the_choice_waits_for_the_first_compiled_module() -> None:
    """``import desim`` and ``desim --version`` neither read nor hash the compiled sources, nor
    import dataclasses (start-up); importing a compiled module makes the choice, which
    ``desim.COMPILED`` reports."""
    code = (
        "import sys, contextlib, io; import desim; from desim import _compiled\n"
        "from desim.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--version'])\n"
        "print(bool(_compiled._chosen), 'hashlib' in sys.modules, 'dataclasses' in sys.modules)\n"
        "import desim.noc.router as router\n"
        "print(bool(_compiled._chosen), desim.COMPILED == (not router.__file__.endswith('.py')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False", "False", "True", "True"]


def test_compiled_and_pure_python_runs_give_identical_results() -> None:
    import desim

    if not desim.COMPILED:  # an install made with DESIM_COMPILE=0, or DESIM_PURE_PYTHON=1
        pytest.skip(
            "compares the compiled modules with their sources, but this install runs the "
            "sources: nothing compiled to compare"
        )
    records = [simulate(NocConfig(**config)).to_record() for config in CONFIGS]
    here = json.loads(
        json.dumps([{k: v for k, v in r.items() if "second" not in k} for r in records])
    )
    env = dict(os.environ, DESIM_PURE_PYTHON="1", OMP_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(CONFIGS)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout) == here
    assert all(r["flits_delivered"] > 1000 for r in here)


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
