"""The cost-aware predictor budget (``budget="cost"``): the rank search against a brute force
through torch's predicted network on a tiny MLP, the MAC count against its formula, and the
validation split against the test set."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from workloads.predictor.budget import network_macs, search_ranks
from workloads.predictor.model import PredictedMLP
from workloads.predictor.train import (
    PredictorSpec,
    train_indices,
    train_predictor,
    validation_indices,
)
from workloads.zoo.perceptron import MLP

WIDTHS = (12, 16, 14, 4)


def _tiny(seed: int, bias: float = 0.0) -> tuple[MLP, np.ndarray, np.ndarray]:
    """A random 12-16-14-4 MLP in float64, 200 sparse non-negative inputs and labels: the
    plain network's own classes, one in four replaced at random (so that accuracy can fall)."""
    torch.manual_seed(seed)
    mlp = MLP(WIDTHS).double()
    with torch.no_grad():
        mlp.layers[0].bias += bias
    rng = np.random.default_rng(seed)
    x = np.maximum(rng.normal(size=(200, WIDTHS[0])), 0.0)
    with torch.no_grad():
        labels = mlp(torch.from_numpy(x)).argmax(1).numpy()
    noisy = rng.random(200) < 0.25
    labels[noisy] = rng.integers(0, WIDTHS[-1], noisy.sum())
    return mlp, x, labels


def _oracle(mlp: MLP, x: np.ndarray, ranks: dict[int, int]) -> tuple[float, float]:
    """MACs per input and predictions of torch's `PredictedMLP` (SVD-initialised predictors) at
    ``ranks``, counted from its masks: ``r (nnz + m)`` per predictor, ``nnz`` per computed row."""
    network = PredictedMLP(mlp, {i: r for i, r in ranks.items() if r}).eval()
    macs = torch.zeros(len(x), dtype=torch.float64)
    with torch.no_grad():
        h = torch.from_numpy(x)
        for index in range(network.hidden):
            nnz = (h != 0).sum(1)
            m = mlp.layers[index].out_features
            _, p, y = network.hidden_step(index, h)
            if p is None:
                macs += m * nnz
            else:
                macs += ranks[index] * (nnz + m) + (p > 0).sum(1) * nnz
            h = y
        macs += mlp.layers[-1].out_features * (h != 0).sum(1)
        classes = mlp.layers[-1](h).argmax(1).numpy()
    return float(macs.mean()), classes


def _numpy(mlp: MLP) -> tuple[list[np.ndarray], list[np.ndarray]]:
    return (
        [layer.weight.detach().numpy() for layer in mlp.layers],
        [layer.bias.detach().numpy() for layer in mlp.layers],
    )


@pytest.mark.parametrize(
    ("seed", "overhead", "loss"), [(0, 0.5, 0.0), (0, 0.5, 0.05), (1, 0.3, 0.02), (2, 0.6, 1.0)]
)
def test_search_equals_a_brute_force_over_every_rank_vector(seed, overhead, loss) -> None:
    mlp, x, labels = _tiny(seed)
    weights, biases = _numpy(mlp)
    found = search_ranks(weights, biases, x, labels, [0, 1], overhead, loss)
    dense = sum(w.size for w in weights)
    costs = [sum(w.shape) for w in weights[:2]]
    table = {}
    for ranks in itertools.product(range(13), range(15)):
        if ranks[0] * costs[0] + ranks[1] * costs[1] < overhead * dense:
            macs, classes = _oracle(mlp, x, dict(enumerate(ranks)))
            table[ranks] = (macs, float((classes == labels).mean()), ranks)
    plain = table[(0, 0)][1]
    allowed = [v for v in table.values() if v[1] >= plain - loss - 1e-12]
    best = min(allowed, key=lambda v: (v[0], v[2][0] * costs[0] + v[2][1] * costs[1]))
    assert found["candidates"] == len(table)
    assert found["ranks"] == {i: r for i, r in enumerate(best[2]) if r}
    assert found["macs"] == pytest.approx(best[0], rel=1e-12)
    assert found["accuracy"] == best[1] and found["accuracy_without_predictor"] == plain
    assert found["input_sparse_macs"] == pytest.approx(table[(0, 0)][0], rel=1e-12)


def test_a_predictor_that_cannot_pay_for_itself_gets_rank_0() -> None:
    """Layer 0 with every output live (a large bias): a predictor would keep every row and only
    add its own MACs, so the search leaves the layer to be computed in full."""
    mlp, x, labels = _tiny(3, bias=100.0)
    weights, biases = _numpy(mlp)
    found = search_ranks(weights, biases, x, labels, [0, 1], 0.5, 1.0)
    assert 0 not in found["ranks"]
    # and network_macs agrees with the oracle on the vector found and on the plain network
    for ranks in (found["ranks"], {}):
        macs, logits = network_macs(weights, biases, x, ranks)
        assert macs == pytest.approx(_oracle(mlp, x, ranks)[0], rel=1e-12)
        assert (logits.argmax(1) == _oracle(mlp, x, ranks)[1]).all()


def test_validation_split_is_disjoint_from_the_test_set_and_out_of_training(monkeypatch) -> None:
    """``budget="cost"``: the ranks are searched on a fifth of the training split, never the
    test set, and the predictor is trained on the rest."""
    import workloads.predictor.train as module

    seen: list[int] = []
    real = module.train

    def spy(network, images, labels, config, **options):
        seen.append(len(images))
        return real(network, images, labels, config, **options)

    monkeypatch.setattr(module, "train", spy)
    trained = train_predictor(PredictorSpec("mlp_tiny", "digits", budget="cost"))
    base = trained.base
    split = validation_indices(base)
    train = train_indices(base)
    assert not set(split) & set(base.test_indices.tolist())
    assert set(split) <= set(train) and len(split) == round(0.2 * len(train))
    if not trained.from_cache:
        assert seen[0] == len(train) - len(split)
    assert all(r > 0 for r in (p.rank for p in trained.network.predictors.values()))


# docs/sparsenn.md, The cost-aware budget: MACs per validation input (SVD predictors, before
# training) of the chosen ranks and of the other readings', and the rank vectors searched
VALIDATION = {
    "mnist": {
        "candidates": 1176,
        "chosen": (16, 9),
        "macs": {
            (0, 0): 410367,
            (16, 9): 149156,
            (21, 24): 187940,
            (34, 14): 195183,
            (0, 9): 275486,
        },
    },
    "digits": {
        "candidates": 716,
        "chosen": (27, 8),
        "macs": {(0, 0): 543783, (27, 8): 230905, (3, 24): 209981, (33, 9): 281778, (0, 8): 273210},
    },
}


@pytest.mark.parametrize("dataset", sorted(VALIDATION))
def test_documented_search_on_the_validation_split(dataset: str) -> None:
    from pathlib import Path

    from workloads.trained import TrainedSpec, trained_model

    spec = PredictorSpec("mlp", dataset)
    base = trained_model(TrainedSpec("mlp", dataset, density=None, train=spec.network))
    split = validation_indices(base)
    weights, biases = _numpy(base.model)
    x, labels = base.data.images[split].reshape(len(split), -1), base.data.labels[split]
    found = search_ranks(weights, biases, x, labels, [0, 1])
    documented = VALIDATION[dataset]
    assert found["candidates"] == documented["candidates"]
    assert found["ranks"] == dict(enumerate(documented["chosen"]))
    docs = " ".join((Path(__file__).parents[2] / "docs" / "sparsenn.md").read_text().split())
    for ranks, macs in documented["macs"].items():
        measured, logits = network_macs(weights, biases, x, dict(enumerate(ranks)))
        assert abs(measured - macs) <= 0.5, ranks  # to the integer shown
        assert f"{macs:,}" in docs
    if dataset == "digits":  # the per-layer ranks lose 8.7 points on the split: refused
        _, logits = network_macs(weights, biases, x, {0: 3, 1: 24})
        lost = found["accuracy_without_predictor"] - float((logits.argmax(1) == labels).mean())
        assert round(100 * lost, 1) == 8.7 and "8.7 points" in docs
