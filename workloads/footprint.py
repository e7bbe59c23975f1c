"""The memory a workload takes per sample, estimated from the model's shapes before it is built.

Every conv and linear layer of a workload keeps its input and its output for the whole batch
(`desim.accel.layer.LayerRecord`, float32), so a workload holds
``batch x sum over layers of (input + output elements) x 4`` bytes, whatever its provenance. The
shapes come from one forward pass on torch's ``meta`` device: no weight is allocated and nothing
is computed, so the estimate costs milliseconds even for VGG-16.

Examples
--------
>>> activation_bytes("mlp", "mnist", hidden=(1000, 1000))  # 4 x (784 + 2 x 1000 + 2 x 1000 + 10)
19176
>>> weight_bytes("mlp", "mnist", hidden=(1000, 1000))  # 4 x (785 x 1000 + 1001 x 1000 + 1001 x 10)
7184040
>>> layer_count("lenet5", "mnist", ("conv",)), layer_count("lenet5", "mnist", ("conv", "linear"))
(2, 5)
"""

from __future__ import annotations

from desim.registry import DATASET, MODEL

__all__ = ["activation_bytes", "layer_count", "weight_bytes", "VALUE_BYTES"]

VALUE_BYTES = 4
"""Bytes of one recorded value (float32)."""


def _layer_shapes(
    model: str, dataset: str, hidden: tuple[int, ...] | None = None
) -> list[tuple[str, int, int]]:
    """Each conv and linear layer of one sample's forward pass, in order: its kind (``conv`` or
    ``linear``, as `desim.accel.layer.LayerRecord` names it), its input plus output elements and
    its weight and bias elements."""
    import torch
    from torch import nn

    shape = MODEL.metadata(model)["input_shape"] or DATASET.metadata(dataset)["sample_shape"]
    widths = {} if hidden is None else {"hidden": hidden}
    with torch.device("meta"):
        network = MODEL.get(model)(shape, **widths)
    layers: list[tuple[str, int, int]] = []

    def record(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        kind = "conv" if isinstance(module, nn.Conv2d) else "linear"
        weights = sum(p.numel() for p in module.parameters(recurse=False))
        layers.append((kind, inputs[0].numel() + output.numel(), weights))

    for module in network.modules():
        if isinstance(module, nn.Conv2d | nn.Linear):
            module.register_forward_hook(record)
    with torch.no_grad():
        network(torch.zeros(1, *shape, device="meta"))
    return layers


def activation_bytes(model: str, dataset: str, hidden: tuple[int, ...] | None = None) -> int:
    """Bytes of the layer inputs and outputs one sample of ``model`` on ``dataset`` records."""
    return sum(elements for _, elements, _ in _layer_shapes(model, dataset, hidden)) * VALUE_BYTES


def weight_bytes(model: str, dataset: str, hidden: tuple[int, ...] | None = None) -> int:
    """Bytes of the conv and linear layers' weights and biases (recorded once, whatever the
    batch)."""
    return sum(weights for _, _, weights in _layer_shapes(model, dataset, hidden)) * VALUE_BYTES


def layer_count(model: str, dataset: str, kinds: tuple[str, ...] = ("conv", "linear")) -> int:
    """Layers of ``kinds`` a workload of ``model`` on ``dataset`` records (what ``--layers``
    counts), known before anything is built."""
    return sum(kind in kinds for kind, _, _ in _layer_shapes(model, dataset))
