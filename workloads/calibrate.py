"""Calibrated sparsity: real layer shapes and real images, densities from the published tables.

For networks whose trained weights cannot be had here (AlexNet, VGG-16, GoogLeNet):

1. weights are initialised (He et al.), magnitude-pruned to each layer's published density and
   rescaled by ``1 / sqrt(density)`` so activations keep their scale through the network;
2. real photographs are propagated once; when a convolution has produced its output ``y``, its
   bias is shifted by a threshold ``t`` so that after its ReLU (and any max pool on the way) the
   input of the next convolution has exactly its target density. ``t`` is an order statistic of
   ``pool(y)``, valid because ReLU and max pooling commute with subtracting a constant.

Spatial structure comes from the image, density from the paper. The result is an ordinary
network: extracting it reproduces the densities, and every layer's output is torch's.

References
----------
.. [1] A. Parashar et al., "SCNN", ISCA 2017 (the densities, see `workloads.published`).
.. [2] K. He et al., "Delving Deep into Rectifiers", ICCV 2015 (initialisation).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from workloads.extract import keeps_zeros, max_pool, on_channels
from workloads.pruning import apply_masks, magnitude_masks
from workloads.published import LayerTarget

__all__ = ["calibrate", "consumers"]

Probe = tuple[str, list[Callable[[Any], Any]]]  # (consumer conv, pools on the way)


def _pool(node: Any, modules: dict[str, Any]) -> Callable[[Any], Any] | None:
    """The torch function of a max pool node, else None."""
    import torch.nn.functional as F

    pool = max_pool(node, modules)
    if pool is None:
        return None
    return lambda y: F.max_pool2d(
        y, pool.kernel, pool.stride, pool.padding, pool.dilation, pool.ceil_mode
    )


def consumers(graph_module: Any) -> dict[str, Probe]:
    """For each conv, the nearest conv fed by its ReLU output and the max pools in between.

    The walk goes through ReLUs, normalisations, dropout, max pools and concatenations along
    the batch or channel axis; like extraction (`workloads.extract.on_channels`), a
    concatenation along the height or width ends it (a pool after it would straddle inputs)."""
    modules = dict(graph_module.named_modules())
    found: dict[str, Probe] = {}
    for start in graph_module.graph.nodes:
        if start.op != "call_module" or not isinstance(modules[start.target], _conv_type()):
            continue
        queue = deque((user, []) for user in start.users)
        while queue:
            node, pools = queue.popleft()
            if node.op == "call_module" and isinstance(modules[node.target], _conv_type()):
                found[start.target] = (node.target, pools)
                break
            pool = _pool(node, modules)
            if (pool is not None or keeps_zeros(node, modules)) and on_channels(node):
                queue.extend((user, pools + [pool] if pool else pools) for user in node.users)
    return found


def _conv_type() -> type:
    import torch.nn as nn

    return nn.Conv2d


def _prune_and_rescale(model: Any, table: dict[str, LayerTarget]) -> None:
    import torch

    modules = dict(model.named_modules())
    weights = {name: modules[name].weight for name in table}
    masks = magnitude_masks(weights, {n: t.weight_density for n, t in table.items()})
    apply_masks(weights, masks)
    with torch.no_grad():
        for name, target in table.items():
            weights[name].mul_(target.weight_density**-0.5)
            modules[name].bias.zero_()


def _threshold(values: Any, density: float) -> float:
    """A ``t`` with exactly ``round(density * n)`` of ``values`` strictly above it, midway between
    the smallest value kept and the largest dropped: the layer re-run with its bias shifted
    rounds differently from ``y - t`` (and from machine to machine: the convolution kernel
    differs), and a threshold at a value itself would let that rounding flip it."""
    flat = values.flatten().double().sort(descending=True).values
    keep = round(density * flat.numel())
    if keep >= flat.numel():
        return float(flat[-1]) - 1.0
    if keep == 0:
        return float(flat[0]) + 1.0
    return float(flat[keep - 1] + flat[keep]) / 2


def _shift_hook(
    target: float, pools: list[Callable[[Any], Any]], shifts: dict[str, float], name: str
) -> Callable[..., Any]:
    def hook(module: Any, args: Any, output: Any) -> Any:
        probe = output
        for pool in pools:
            probe = pool(probe)
        shift = _threshold(probe, target)
        shifts[name] = shift
        module.bias.data -= shift
        return output - shift

    return hook


def calibrate(model: Any, images: Any, table: dict[str, LayerTarget]) -> dict[str, float]:
    """Prune ``model`` to ``table``'s weight densities and set its biases for its input densities.

    Parameters
    ----------
    model : torch.nn.Module
        An fx-traceable network whose conv layers are all in ``table``; changed in place.
    images : torch.Tensor
        The calibration batch (real photographs).
    table : dict of str to LayerTarget
        Target densities per qualified conv name (see `workloads.published.targets`).

    Returns
    -------
    dict of str to float
        The threshold subtracted from each calibrated conv's bias.
    """
    import torch
    import torch.fx as fx

    _prune_and_rescale(model, table)
    shifts: dict[str, float] = {}
    handles = []
    modules = dict(model.named_modules())
    for producer, (consumer, pools) in consumers(fx.symbolic_trace(model)).items():
        density = table[consumer].input_density
        if density is not None:
            hook = _shift_hook(density, pools, shifts, producer)
            handles.append(modules[producer].register_forward_hook(hook))
    try:
        with torch.no_grad():
            model.eval()(images)
    finally:
        for handle in handles:
            handle.remove()
    return shifts
