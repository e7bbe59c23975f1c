"""Property tests: any ``desim noc`` command line and any `NocConfig` either runs or fails with a
`ConfigError` (one line on stderr, exit status 2): never a traceback, never a hang.

The values are drawn from what a user mistypes (bools, floats for integers, negatives, NaN, huge
numbers, words, JSON) around the valid ones; every run is kept short (a tiny grid, short sample
periods) so the whole file stays within about a minute.
"""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desim.cli import main
from desim.kernel.errors import ConfigError
from desim.kernel.simulator import Simulator
from desim.noc import NocConfig
from desim.noc.measurement import build_network

SECONDS_PER_INPUT = 20.0
WEIRD = st.sampled_from(
    [True, False, None, -1, 0, 1, 2, 1.5, -0.5, math.nan, math.inf, 10**12, "x", "", [], {}, [1]]
)
WORDS = ["-1", "0", "1", "2", "3", "0.5", "1.5", "nan", "inf", "1e12", "true", "x", "[1,2]", "{}"]


def _option(name: str, values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.sampled_from(values).map(lambda value: [name, value])


def _assignment(name: str, keys: list[str]) -> st.SearchStrategy[list[str]]:
    pairs = st.tuples(st.sampled_from(keys), st.sampled_from(WORDS))
    return pairs.map(lambda kv: [name, f"{kv[0]}={kv[1]}"])


OPTIONS = st.one_of(
    _option("--rows", ["-1", "0", "1", "2", "3", "99999"]),
    _option("--cols", ["0", "2", "3", "99999"]),
    _option("--topology", ["mesh", "torus", "ring", "star", "fat_tree", "tree", "nope"]),
    _assignment("--topology-arg", ["n", "k", "levels", "terminals", "depth", "branching", "x"]),
    _option("--routing", ["xy", "yx", "table", "odd_even", "valiant", "nope", "os:getcwd"]),
    _option("--traffic", ["uniform", "transpose", "bitrev", "tornado", "hotspot", "nope"]),
    _assignment("--traffic-arg", ["nodes", "dims", "spots", "fraction", "x"]),
    _option("--injection", ["bernoulli", "bursty", "nope"]),
    _assignment("--injection-arg", ["rate", "alpha", "beta", "x"]),
    _option("--injection-rate", ["0", "0.0001", "0.3", "1", "1.5", "-0.1", "nan"]),
    _option("--sweep-rates", ["0.1,0.2", "0:0.2:0.1", "0:1:1e-9", "a", "0.2:0.1:0.1", "nan"]),
    _option("--packet-size", ["1", "4", "0", "1000000", "[[1,1],[2,1]]", "x", "true"]),
    _option("--vcs", ["0", "1", "2", "100000"]),
    _option("--vc-buffer", ["0", "1", "4"]),
    _assignment(
        "--router-arg",
        [
            "vcs",
            "wait_for_tail_credit",
            "arbiter",
            "routing_delay_cycles",
            "credit_delay_cycles",
            "selection",
            "x",
        ],
    ),
    _option("--seed", ["-1", "0", "7", "99999999999"]),
    _option("--sample-period", ["0", "1", "40", "1.5"]),
    _option("--warmup-periods", ["-1", "0", "1"]),
    _option("--max-samples", ["0", "1", "3", "4"]),
    _option("--tolerance", ["0", "-1", "0.05", "nan"]),
    st.just(["--json"]),
    st.just(["--detail"]),
    st.just(["--no-refine"]),
)
QUICK = [
    "--rows",
    "3",
    "--cols",
    "3",
    "--sample-period",
    "40",
    "--warmup-periods",
    "1",
    "--max-samples",
    "3",
]


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(OPTIONS, max_size=4))
def test_any_noc_command_runs_or_is_one_line_and_exit_2(capsys, options: list[list[str]]) -> None:
    argv = ["noc", *QUICK, *(word for option in options for word in option)]
    start = time.perf_counter()
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse: a value of the wrong type
        status = exc.code
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert status in (0, 2), (argv, err)
    if status == 2:
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (argv, err)
    else:
        assert out and not err, (argv, err)
    assert elapsed < SECONDS_PER_INPUT, (argv, elapsed)


FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "topology": st.sampled_from(["mesh", "ring", "nope", 3, None]),
        "topology_args": st.one_of(
            st.fixed_dictionaries({"rows": WEIRD, "cols": WEIRD}),
            st.just({"rows": 2, "cols": 2, "x": 1}),
            WEIRD,
        ),
        "routing": st.sampled_from(["xy", "table", "nope", "os:getcwd", 1]),
        "traffic": st.sampled_from(["uniform", "hotspot", "nope", True]),
        "traffic_args": st.one_of(
            st.dictionaries(st.sampled_from(["nodes", "fraction"]), WEIRD), WEIRD
        ),
        "injection_args": st.one_of(
            st.dictionaries(st.sampled_from(["rate", "alpha"]), WEIRD), WEIRD
        ),
        "injection_rate": WEIRD,
        "packet_size": WEIRD,
        "router_args": st.one_of(
            st.dictionaries(
                st.sampled_from(["vcs", "wait_for_tail_credit", "arbiter", "y"]), WEIRD
            ),
            WEIRD,
        ),
        "seed": WEIRD,
        "warmup_periods": WEIRD,
        "sample_period_cycles": WEIRD,
        "max_samples": WEIRD,
        "convergence_threshold": WEIRD,
        "latency_threshold_cycles": WEIRD,
        "backlog_growth_threshold": WEIRD,
        "deadlock_cycles": WEIRD,
    },
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(FIELDS)
def test_any_noc_config_is_valid_or_a_config_error(fields: dict) -> None:
    base = {"topology_args": {"rows": 2, "cols": 2}}
    try:
        config = NocConfig(**{**base, **fields})
        build_network(config, Simulator(seed=config.seed))
    except ConfigError:
        return


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("injection_rate", True),
        ("sample_period_cycles", 1.5),
        ("warmup_periods", 1.5),
        ("convergence_threshold", math.nan),
        ("convergence_threshold", -0.1),
        ("latency_threshold_cycles", 0.0),
        ("deadlock_cycles", 0),
        ("seed", -1),
        ("seed", 1.5),
        ("max_samples", 1),
        ("router_args", {"vcs": True}),
        ("topology_args", {"rows": 2, "cols": 2, "layers": 1}),
        ("traffic_args", {"nodes": 5}),
    ],
)
def test_each_listed_api_input_is_a_config_error(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=field.split("_args")[0].split("_")[0]):
        NocConfig(**{"topology_args": {"rows": 2, "cols": 2}, field: value})
