"""Magnitude pruning: keep the largest-magnitude weights, per layer or over the whole network.

References
----------
.. [1] S. Han, J. Pool, J. Tran, W. Dally, "Learning both Weights and Connections for Efficient
   Neural Networks", NIPS 2015 (prune by magnitude, then retrain the survivors).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desim.config import require

__all__ = ["layer_weights", "magnitude_masks", "apply_masks", "keep_count"]

Scope = str  # "layer" or "global"


def keep_count(size: int, density: float) -> int:
    """How many of ``size`` weights a density keeps (rounded, at least one)."""
    require(0.0 < density <= 1.0, f"density must be in (0, 1], got {density}")
    return max(1, min(size, round(density * size)))


def layer_weights(model: Any) -> dict[str, Any]:
    """The weight tensors of the model's convolution and linear layers, by module name."""
    from workloads.zoo.layers import is_layer

    return {name: module.weight for name, module in model.named_modules() if is_layer(module)}


def _top_mask(magnitudes: Any, keep: int) -> Any:
    """Boolean mask of the ``keep`` largest entries (ties broken by position, so exact)."""
    import torch

    flat = magnitudes.flatten()
    mask = torch.zeros_like(flat, dtype=torch.bool)
    mask[torch.topk(flat, keep, sorted=False).indices] = True
    return mask.view_as(magnitudes)


def magnitude_masks(
    weights: Mapping[str, Any], density: float | Mapping[str, float], scope: Scope = "layer"
) -> dict[str, Any]:
    """Masks keeping the largest ``|w|``.

    Parameters
    ----------
    weights : mapping of name to tensor
        The weights to prune (see `layer_weights`).
    density : float or mapping of name to float
        Fraction of weights kept: one for all, or one per layer (``scope="layer"`` only).
    scope : {"layer", "global"}
        ``"layer"`` keeps that fraction of every layer; ``"global"`` ranks all weights together,
        so layers with many small weights lose more.
    """
    import torch

    require(scope in ("layer", "global"), f"scope must be 'layer' or 'global', got {scope!r}")
    if scope == "layer":
        per_layer = density if isinstance(density, Mapping) else dict.fromkeys(weights, density)
        return {
            name: _top_mask(w.detach().abs(), keep_count(w.numel(), per_layer[name]))
            for name, w in weights.items()
        }
    require(not isinstance(density, Mapping), "global pruning takes one density")
    flat = torch.cat([w.detach().abs().flatten() for w in weights.values()])
    mask = _top_mask(flat, keep_count(flat.numel(), float(density)))  # type: ignore[arg-type]
    sizes = [w.numel() for w in weights.values()]
    return {
        name: part.view_as(w)
        for (name, w), part in zip(weights.items(), mask.split(sizes), strict=True)
    }


def apply_masks(weights: Mapping[str, Any], masks: Mapping[str, Any]) -> None:
    """Zero the pruned weights in place (call again after every fine-tuning step)."""
    import torch

    with torch.no_grad():
        for name, mask in masks.items():
            weights[name].mul_(mask)
