"""terminal_router, hop_distance and average_hops against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from topologies import (
    TopologyError,
    average_hops,
    cmesh,
    fat_tree,
    hop_distance,
    mesh,
    ring,
    star,
    terminal_router,
    torus,
)


def test_terminal_router_numbers_terminals_in_router_order() -> None:
    assert terminal_router(cmesh(1, 2, concentration=3)) == [0, 0, 0, 1, 1, 1]
    assert terminal_router(star(3)) == [1, 2, 3]
    assert terminal_router(fat_tree(2, 2)) == [0, 0, 1, 1]


@pytest.mark.parametrize("rows, cols", [(1, 1), (2, 3), (4, 4), (3, 5)])
def test_mesh_hops_are_manhattan(rows: int, cols: int) -> None:
    hops = hop_distance(mesh(rows, cols))
    xy = [(n % cols, n // cols) for n in range(rows * cols)]
    expected = [[abs(ax - bx) + abs(ay - by) for bx, by in xy] for ax, ay in xy]
    assert hops.tolist() == expected and hops.dtype.kind == "i"


@pytest.mark.parametrize("k", [2, 3, 4, 5, 8, 16])
def test_mesh_uniform_average_hops(k: int) -> None:
    # Uniform over all k^2 x k^2 pairs (self included): 2 (k^2 - 1) / (3k); 8x8 gives 5.25.
    assert average_hops(mesh(k, k)) == pytest.approx(2 * (k * k - 1) / (3 * k))


@pytest.mark.parametrize("k", [3, 4, 5, 8])
def test_torus_and_ring_hops(k: int) -> None:
    ring_mean = sum(min(d, k - d) for d in range(k)) / k
    assert average_hops(ring(k)) == pytest.approx(ring_mean)
    assert average_hops(torus(k, k)) == pytest.approx(2 * ring_mean)


def test_average_hops_weights_and_permutations() -> None:
    g = mesh(2, 2)
    weights = np.zeros((4, 4))
    weights[0, 3] = 3.0  # two hops
    weights[1, 1] = 1.0  # zero hops
    assert average_hops(g, weights) == pytest.approx(6 / 4)
    assert average_hops(g, lambda s: s ^ 1) == 1.0
    assert average_hops(cmesh(1, 2, concentration=2)) == pytest.approx(0.5)


def test_average_hops_rejects_bad_weights() -> None:
    with pytest.raises(TopologyError, match="pattern must be a 4 x 4 array"):
        average_hops(mesh(2, 2), np.ones((3, 3)))
    with pytest.raises(TopologyError, match="weights >= 0"):
        average_hops(mesh(2, 2), np.zeros((4, 4)))
