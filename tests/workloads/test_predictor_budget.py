"""The network-wide predictor budget: residuals against the explicit truncation, the allocation
against a brute-force search, and the spec's option."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from desim.kernel.errors import ConfigError
from workloads.predictor.budget import allocate_ranks, residuals
from workloads.predictor.train import PredictorSpec


def test_residuals_equal_the_explicit_truncation() -> None:
    rng = np.random.default_rng(0)
    weight, inputs = rng.normal(size=(12, 7)), rng.normal(size=(50, 7))
    u, s, vh = np.linalg.svd(weight, full_matrices=False)
    exact = weight @ inputs.T
    for r, got in enumerate(residuals(weight, inputs)):
        truncated = (u[:, :r] * s[:r]) @ vh[:r] @ inputs.T
        expected = np.square(exact - truncated).sum() / np.square(exact).sum()
        assert got == pytest.approx(expected, abs=1e-12)


def test_allocation_minimises_the_largest_residual() -> None:
    """Brute force over every pair of ranks within the budget: none leaves a smaller largest
    residual than the allocation."""
    rng = np.random.default_rng(1)
    shapes = {0: (40, 8), 1: (40, 40)}
    curves = {}
    for i, (m, n) in shapes.items():
        curves[i] = residuals(
            rng.normal(size=(m, n)) * np.geomspace(1, 0.01, n), rng.random((60, n))
        )
    network = 40 * 8 + 40 * 40 + 10 * 40
    for overhead in (0.1, 0.2, 0.3):
        ranks = allocate_ranks(shapes, curves, network, overhead)
        cost = sum(ranks[i] * sum(shapes[i]) for i in ranks)
        assert cost < overhead * network
        worst = max(curves[i][ranks[i]] for i in ranks)
        best = min(
            max(curves[0][a], curves[1][b])
            for a, b in itertools.product(range(1, 9), range(1, 41))
            if a * 48 + b * 80 < overhead * network
        )
        assert worst == pytest.approx(best)


def test_allocation_without_room_for_rank_1_is_one_line() -> None:
    with pytest.raises(ConfigError, match=r"rank 1 in each predicted layer costs 2000 MACs"):
        allocate_ranks({0: (1000, 1000)}, {0: [1.0, 0.5, 0.0]}, 10_000, 0.05)


def test_budget_option_of_the_spec() -> None:
    with pytest.raises(ConfigError, match=r"budget 'model' unknown; valid: cost, layer, network"):
        PredictorSpec(budget="model")
    assert "budget" not in PredictorSpec(budget="layer").cache_config()
    assert PredictorSpec(budget="network").cache_config()["budget"] == "network"


def test_cli_budget_choices_are_the_registered_readings() -> None:
    """``desim predictor --budget`` lists the readings by name (importing them would load the
    accelerator's modules at start-up): the same names as `PREDICTOR_BUDGETS`."""
    import argparse

    from desim.accel.sparsenn_config import PREDICTOR_BUDGETS
    from workloads.cli import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    predictor = parser._subparsers._group_actions[0].choices["predictor"]  # noqa: SLF001
    (budget,) = [a for a in predictor._actions if "--budget" in a.option_strings]  # noqa: SLF001
    assert tuple(budget.choices) == PREDICTOR_BUDGETS
