"""Training SparseNN's predictor end to end with its MLP, caching, saving and loading it."""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desim.config import distinct_indices, from_mapping, require
from desim.kernel.errors import ConfigError
from desim.registry import DATASET, MODEL
from workloads.cache import cached
from workloads.trained import TrainedModel, TrainedSpec, trained_model
from workloads.training import TrainConfig, train

__all__ = [
    "PredictorSpec",
    "TrainedPredictor",
    "train_predictor",
    "save_predictor",
    "load_predictor",
    "train_indices",
    "validation_indices",
]


@dataclass(frozen=True)
class PredictorSpec:
    """An MLP, its training, and its predictor's rank budget and training.

    Attributes
    ----------
    model, dataset : str
        A registered MLP (``mlp``, ``mlp_tiny``) and a digits dataset.
    hidden : tuple of int or None
        Hidden widths (None: the model's default).
    overhead : float
        Rank budget: the predictor's dense MACs stay under this share of the layer's dense MACs
        (``budget="layer"``) or all predictors' under this share of the network's
        (``"network"``, ``"cost"``).
    budget : {"cost", "layer", "network"}
        How ``overhead`` is read; ``"network"`` allocates the shared ranks where the truncated
        SVD's residual on the training inputs is largest, ``"cost"`` chooses the ranks (0: the
        layer computed in full) that save the most run-time MACs within the shared budget and
        ``accuracy_loss`` on a validation split held out of the predictor's training
        (`workloads.predictor.budget.search_ranks`).
    accuracy_loss : float
        With ``budget="cost"``, the largest accuracy drop the ranks may cost on the validation
        split (0.005: the half point of the target).
    predicted_layers : tuple of int or None
        Indices of the hidden layers given a predictor (None: every hidden layer); the others
        compute every row.
    method : {"ste", "sigmoid", "aux"}
        Training signal through the step (`workloads.predictor.model`).
    aux_weight, temperature : float
        Weight of the auxiliary loss (``aux``) and the sigmoid's temperature.
    network, predictor : TrainConfig
        Training of the MLP alone, then of MLP and predictor together.
    """

    model: str = "mlp"
    dataset: str = "mnist"
    hidden: tuple[int, ...] | None = None
    overhead: float = 0.05
    budget: str = "cost"
    accuracy_loss: float = 0.005
    predicted_layers: tuple[int, ...] | None = None
    method: str = "aux"
    aux_weight: float = 0.1
    temperature: float = 1.0
    network: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=15, shift_pixels=1))
    predictor: TrainConfig = field(
        default_factory=lambda: TrainConfig(epochs=4, learning_rate=3e-4, shift_pixels=1)
    )

    def __post_init__(self) -> None:
        require(0 < self.overhead < 1, f"overhead must be in (0, 1), got {self.overhead}")
        from workloads.predictor.budget import BUDGETS

        require(
            self.budget in BUDGETS,
            f"budget {self.budget!r} unknown; valid: {', '.join(BUDGETS)}",
        )
        require(
            0 <= self.accuracy_loss < 1,
            f"accuracy_loss must be in [0, 1), got {self.accuracy_loss}",
        )
        require(self.temperature > 0, f"temperature must be > 0, got {self.temperature}")
        chosen = self.predicted_layers
        require(
            chosen is None or distinct_indices(chosen),
            f"predicted_layers must be distinct hidden layer indices >= 0, got {chosen!r}",
        )

    def cache_config(self) -> dict[str, Any]:
        """The spec as the cache's key; ``predicted_layers`` only when given, ``budget`` only
        when shared and ``accuracy_loss`` only with ``budget="cost"``, so that the key of a spec
        without them is the one it had before the options existed."""
        config = asdict(self)
        if self.budget != "cost":
            del config["accuracy_loss"]
        if self.predicted_layers is None:
            del config["predicted_layers"]
        if self.budget == "layer":
            del config["budget"]
        return config


@dataclass(frozen=True, eq=False)
class TrainedPredictor:
    """The predictor-equipped network, the plain network it started from, and the control: that
    plain network trained further on the same schedule (``spec.predictor``) with no predictor,
    so that the predictor's effect on accuracy is not confused with the extra training."""

    spec: PredictorSpec
    network: Any  # PredictedMLP
    base: TrainedModel
    from_cache: bool
    control: Any = None  # MLP


def _untrained(spec: PredictorSpec) -> Any:
    """The spec's network, untrained; raises `ConfigError` unless it is an MLP."""
    from workloads.zoo.perceptron import MLP

    shape = DATASET.metadata(spec.dataset)["sample_shape"]
    options = {} if spec.hidden is None else {"hidden": spec.hidden}
    network = MODEL.get(spec.model)(shape, **options)
    if not isinstance(network, MLP):
        mlps = [n for n in MODEL.names() if n.startswith("mlp")]
        raise ConfigError(
            f"the predictor needs an MLP; model {spec.model!r} is not one; valid: {', '.join(mlps)}"
        )
    return network


def _ranks(spec: PredictorSpec, mlp: Any, base: TrainedModel | None = None) -> dict[int, int]:
    """The rank of each predicted hidden layer within ``spec.overhead``; `ConfigError` for a
    layer that is not a hidden one, or one that gets no rank.

    With ``spec.budget == "network"`` the ranks share the network's budget by the residuals of
    ``mlp``'s layers on ``base``'s training images; with ``"cost"`` they are searched on
    ``base``'s validation split (`_search`; layers given rank 0 are left out); without ``base``
    (the check, before training, that the budget affords rank 1) every predicted layer gets
    rank 1 (``"cost"``: the cheapest layer, `_cheapest`).
    """
    from workloads.predictor.budget import allocate_ranks, residuals
    from workloads.predictor.model import rank_budget

    hidden = range(len(mlp.layers) - 1)
    chosen = hidden if spec.predicted_layers is None else spec.predicted_layers
    outside = sorted(set(chosen) - set(hidden))
    if outside:
        raise ConfigError(
            f"predicted_layers {outside} are not hidden layers of {spec.model}; "
            f"valid: {', '.join(map(str, hidden))}"
        )
    if spec.budget == "layer":
        return {i: rank_budget(*mlp.layers[i].weight.shape, spec.overhead) for i in chosen}
    if spec.budget == "cost":
        if base is None:
            return _cheapest(spec, mlp, chosen)
        return _search(spec, mlp, base, tuple(chosen))
    weights = [layer.weight.detach().numpy() for layer in mlp.layers]
    curves = {i: [1.0, 0.0] for i in chosen}
    if base is not None:
        x = base.data.images[train_indices(base)].reshape(-1, weights[0].shape[1])
        for i in hidden:
            if i in chosen:
                curves[i] = residuals(weights[i], x)
            x = (x @ weights[i].T + mlp.layers[i].bias.detach().numpy()).clip(min=0)
    shapes = {i: weights[i].shape for i in chosen}
    return allocate_ranks(shapes, curves, sum(w.size for w in weights), spec.overhead)


def _cheapest(spec: PredictorSpec, mlp: Any, chosen: Sequence[int]) -> dict[int, int]:
    """Rank 1 in the layer where it is cheapest, the check before training that ``budget="cost"``
    can afford a predictor somewhere; `ConfigError` if not."""
    shapes = {i: tuple(mlp.layers[i].weight.shape) for i in chosen}
    dense = sum(layer.weight.numel() for layer in mlp.layers)
    cheapest = min(shapes, key=lambda i: sum(shapes[i]))
    m, n = shapes[cheapest]
    if m + n >= spec.overhead * dense:
        raise ConfigError(
            f"overhead {spec.overhead:g} of the network's {dense} dense MACs leaves no predictor "
            f"rank in any layer: rank 1 in the cheapest, {m} x {n}, costs {m + n} MACs; give an "
            f"overhead above {(m + n) / dense:.3g}"
        )
    return {cheapest: 1}


def _search(
    spec: PredictorSpec, mlp: Any, base: TrainedModel, chosen: tuple[int, ...]
) -> dict[int, int]:
    """`search_ranks` on ``base``'s validation split, cached (20 s of CPU on MNIST)."""
    from workloads.predictor.budget import search_ranks

    def run() -> dict[int, int]:
        split = validation_indices(base)
        layers = mlp.layers
        found = search_ranks(
            [layer.weight.detach().numpy() for layer in layers],
            [layer.bias.detach().numpy() for layer in layers],
            base.data.images[split].reshape(len(split), -1),
            base.data.labels[split],
            chosen,
            spec.overhead,
            spec.accuracy_loss,
        )
        return found["ranks"]

    key = {**spec.cache_config(), "layers": list(chosen)}
    del key["predictor"], key["method"], key["aux_weight"], key["temperature"]
    ranks, _ = cached("predictor-ranks", key, run)
    return {int(i): int(r) for i, r in ranks.items()}


def _build(spec: PredictorSpec, mlp: Any, ranks: dict[int, int]) -> Any:
    from workloads.predictor.model import PredictedMLP

    return PredictedMLP(mlp, ranks, spec.method, spec.temperature)


def train_indices(base: TrainedModel) -> list[int]:
    """The training split: every image but the held-out test ones."""
    return sorted(set(range(len(base.data.images))) - set(base.test_indices.tolist()))


def validation_indices(base: TrainedModel) -> list[int]:
    """The validation split of ``budget="cost"``: a fifth of the training split, seeded (the
    plain network was trained on it; the rank search measures on it and the predictor is not
    trained on it; the test set is never used)."""
    from workloads.predictor.budget import validation_indices as split

    return split(train_indices(base), 0.2, seed=base.spec.train.seed)


def _fit(spec: PredictorSpec, network: Any, base: TrainedModel, task_only: bool = False) -> Any:
    """Train ``network`` on the training split with ``spec.predictor``'s schedule: the task loss
    plus the auxiliary one, or (``task_only``, the control) the task loss alone."""
    import torch.nn.functional as F

    def loss(model: Any, x: Any, y: Any) -> Any:
        return F.cross_entropy(model(x), y) + spec.aux_weight * model.aux_loss

    train_idx = train_indices(base)
    if spec.budget == "cost" and not task_only:
        held_out = set(validation_indices(base))
        train_idx = [i for i in train_idx if i not in held_out]
    train(
        network,
        base.data.images[train_idx],
        base.data.labels[train_idx],
        spec.predictor,
        **({} if task_only else {"loss_fn": loss}),
    )
    return network.state_dict()


def train_predictor(spec: PredictorSpec) -> TrainedPredictor:
    """Train (or load from the cache) ``spec``'s MLP, then its predictor with it, end to end, and
    the control (the MLP alone, trained on the same extra schedule).

    Raises
    ------
    ConfigError
        Before any training: a model that is not an MLP, or an overhead budget too small for
        rank 1 in some hidden layer.
    """
    _ranks(spec, _untrained(spec))
    base = trained_model(
        TrainedSpec(spec.model, spec.dataset, hidden=spec.hidden, density=None, train=spec.network)
    )
    network = _build(spec, copy.deepcopy(base.model), _ranks(spec, base.model, base))
    state, hit = cached("predictor", spec.cache_config(), lambda: _fit(spec, network, base))
    network.load_state_dict(state)
    control = copy.deepcopy(base.model)
    same = {k: v for k, v in asdict(spec).items() if k in ("model", "dataset", "hidden")}
    key = {**same, "network": asdict(spec.network), "predictor": asdict(spec.predictor)}
    control_state, _ = cached(
        "predictor-control", key, lambda: _fit(spec, control, base, task_only=True)
    )
    control.load_state_dict(control_state)
    return TrainedPredictor(spec, network.eval(), base, hit, control.eval())


def save_predictor(trained: TrainedPredictor, path: str | Path) -> None:
    """Write the spec and the weights of network and predictor to ``path`` (atomically)."""
    import torch

    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent or ".", suffix=".tmp")
    os.close(handle)
    torch.save({"spec": asdict(trained.spec), "state": trained.network.state_dict()}, temporary)
    os.replace(temporary, path)


def load_predictor(path: str | Path) -> Any:
    """The `PredictedMLP` saved by `save_predictor`, in eval mode (each predictor's rank read
    from its saved factors)."""
    import torch

    saved = torch.load(path, weights_only=True)
    spec = from_mapping(PredictorSpec, saved["spec"])
    ranks = {
        int(key.split(".")[1]): int(value.shape[1])
        for key, value in saved["state"].items()
        if key.startswith("predictors.") and key.endswith(".u")
    }
    network = _build(spec, _untrained(spec), ranks)
    network.load_state_dict(saved["state"])
    return network.eval()
