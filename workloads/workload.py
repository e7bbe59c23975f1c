"""Workloads: a model's layer records with sparsity of a stated provenance.

``trained``
    Trained here on offline data, magnitude-pruned and fine-tuned (`workloads.trained`); the
    records hold held-out test inputs; the accuracy is reported.
``calibrated``
    Real layer shapes and real photographs; weight and activation densities set to the published
    tables (`workloads.calibrate`, `workloads.published`).
``synthetic``
    Random weights and inputs with i.i.d. or clustered masks at given densities
    (`workloads.synthetic`); every layer's input is drawn independently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from desim.config import require
from desim.kernel.errors import ConfigError
from desim.registry import DATASET, MODEL
from workloads.extract import extract
from workloads.records import LayerRecord

__all__ = ["WorkloadSpec", "Workload", "build_workload", "PROVENANCES"]

DEFAULT_DATASET = {"digits": "digits", "imagenet": "photos"}


@dataclass(frozen=True)
class WorkloadSpec:
    """Everything that determines a workload (see `build_workload`).

    Attributes
    ----------
    model : str
        Registered model name.
    dataset : str or None
        Registered dataset (None: ``digits`` for digit models, ``photos`` for ImageNet ones).
    provenance : {"trained", "calibrated", "synthetic"} or None
        None: the model's default (its registry metadata).
    batch : int
        Samples whose activations are recorded.
    density, scope
        Pruning of a trained workload (`workloads.trained.TrainedSpec`).
    hidden : tuple of int or None
        MLP hidden widths of a trained or synthetic workload (None: the model's).
    weight_density, activation_density, mask
        A synthetic workload's densities and mask kind (``"iid"`` or ``"clustered"``).
    seed : int
        Initialisation, training and mask seed.
    """

    model: str
    dataset: str | None = None
    provenance: str | None = None
    batch: int = 8
    density: float | None = 0.3
    scope: str = "global"
    hidden: tuple[int, ...] | None = None
    weight_density: float = 0.5
    activation_density: float = 0.5
    mask: str = "iid"
    seed: int = 0

    def __post_init__(self) -> None:
        require(self.batch > 0, f"batch must be > 0, got {self.batch}")

    @property
    def resolved_dataset(self) -> str:
        """The dataset, defaulted from the model's task."""
        return self.dataset or DEFAULT_DATASET[MODEL.metadata(self.model)["task"]]

    @property
    def resolved_provenance(self) -> str:
        """The provenance, defaulted from the model's registry metadata."""
        return self.provenance or MODEL.metadata(self.model)["provenance"]


@dataclass(frozen=True, eq=False)
class Workload:
    """Layer records plus where their sparsity comes from."""

    spec: WorkloadSpec
    provenance: str
    layers: tuple[LayerRecord, ...]
    details: dict[str, Any]
    layer_details: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self, value_bits: int = 16) -> dict[str, Any]:
        """JSON-ready: provenance, details, and per layer shapes, densities and format sizes."""
        from workloads.sizes import layer_sizes

        layers = [
            {
                **r.summary(),
                "provenance": self.provenance,
                **self.layer_details.get(r.name, {}),
                **layer_sizes(r, value_bits),
            }
            for r in self.layers
        ]
        return {
            "model": self.spec.model,
            "dataset": self.spec.resolved_dataset,
            "provenance": self.provenance,
            **self.details,
            "layers": layers,
        }


def _trained(spec: WorkloadSpec) -> Workload:
    import torch

    from workloads.trained import TrainedSpec, trained_model
    from workloads.training import TrainConfig

    trained = trained_model(
        TrainedSpec(
            spec.model,
            spec.resolved_dataset,
            hidden=spec.hidden,
            density=spec.density,
            scope=spec.scope,
            train=TrainConfig(seed=spec.seed),
        )
    )
    inputs = torch.from_numpy(trained.data.images[trained.test_indices[: spec.batch]])
    details = {
        "accuracy": trained.accuracy,
        "dense_accuracy": trained.dense_accuracy,
        "pruning": {"density": spec.density, "scope": spec.scope},
        "test_samples": int(trained.test_indices.size),
        "data_source": trained.data.source,
        "from_cache": trained.from_cache,
    }
    return Workload(spec, "trained", tuple(extract(trained.model, inputs)), details)


def _calibrated(spec: WorkloadSpec) -> Workload:
    import torch

    from workloads.calibrate import calibrate
    from workloads.datasets import load
    from workloads.published import targets
    from workloads.trained import check_pair

    check_pair(spec.model, spec.resolved_dataset)
    table = targets(spec.model)
    shape = MODEL.metadata(spec.model)["input_shape"]
    torch.manual_seed(spec.seed)
    model = MODEL.get(spec.model)(shape, classifier=False)
    data = load(spec.resolved_dataset, shape)
    images = torch.from_numpy(data.images[: spec.batch])
    calibrate(model, images, table)
    layers = tuple(extract(model, images))
    targeted = {r.name: {f"target_{k}": v for k, v in vars(table[r.name]).items()} for r in layers}
    return Workload(spec, "calibrated", layers, {"data_source": data.source}, targeted)


def _synthetic(spec: WorkloadSpec) -> Workload:
    import torch

    from workloads.pruning import layer_weights
    from workloads.synthetic import mask

    rng = np.random.default_rng(spec.seed)
    shape = (
        MODEL.metadata(spec.model)["input_shape"]
        or DATASET.metadata(spec.resolved_dataset)["sample_shape"]
    )
    torch.manual_seed(spec.seed)
    widths = {} if spec.hidden is None else {"hidden": spec.hidden}
    model = MODEL.get(spec.model)(shape, **widths).eval()
    with torch.no_grad():
        for weight in layer_weights(model).values():
            keep = mask(spec.mask, tuple(weight.shape), spec.weight_density, rng)
            weight.mul_(torch.from_numpy(keep))

    def draw(name: str, x: Any) -> Any:
        keep = mask(spec.mask, tuple(x.shape), spec.activation_density, rng)
        values = np.abs(rng.standard_normal(x.shape)).astype(np.float32)
        return torch.from_numpy(values * keep)

    layers = tuple(extract(model, torch.zeros(spec.batch, *shape), transform=draw))
    details = {
        "weight_density": spec.weight_density,
        "activation_density": spec.activation_density,
        "mask": spec.mask,
    }
    return Workload(spec, "synthetic", layers, details)


PROVENANCES: dict[str, Callable[[WorkloadSpec], Workload]] = {
    "trained": _trained,
    "calibrated": _calibrated,
    "synthetic": _synthetic,
}


def build_workload(spec: WorkloadSpec) -> Workload:
    """Build the workload ``spec`` describes (bad names raise `ConfigError` with valid ones)."""
    MODEL.entry(spec.model)
    DATASET.entry(spec.resolved_dataset)
    try:
        builder = PROVENANCES[spec.resolved_provenance]
    except KeyError:
        raise ConfigError(
            f"unknown provenance {spec.resolved_provenance!r}; valid: {', '.join(PROVENANCES)}"
        ) from None
    return builder(spec)
