"""Layer extraction: a torch model and a batch of inputs -> a list of `LayerRecord`.

The model is traced with ``torch.fx`` and run by an interpreter that records every
``Conv2d`` / ``Linear`` call (its input and output) in execution order, and reads from the graph
whether a ReLU follows and whether a max pool takes every use of the output (`_pool`).
A model that fx cannot trace (data-dependent control flow) falls back to
forward hooks, which see the same calls but not the graph, so ``activation`` is ``"unknown"``.

References
----------
.. [1] J. K. Reed et al., "torch.fx: Practical Program Capture and Transformation for Deep
   Learning in Python", MLSys 2022.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from desim.accel.pooling import MaxPool
from workloads.records import LayerRecord

__all__ = ["extract", "trace", "InputTransform"]

# (layer name, input tensor) -> the tensor the layer should receive instead (synthetic workloads)
InputTransform = Callable[[str, Any], Any]


def _pair(value: int | tuple[int, ...]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _numpy(tensor: Any) -> np.ndarray:
    return tensor.detach().cpu().numpy().copy()


def _record(
    name: str, module: Any, x: Any, y: Any, activation: str, pool: MaxPool | None = None
) -> LayerRecord:
    import torch.nn as nn

    bias = None if module.bias is None else _numpy(module.bias)
    common = dict(
        name=name,
        weight=_numpy(module.weight),
        bias=bias,
        input=_numpy(x),
        output=_numpy(y),
        activation=activation,
    )
    if isinstance(module, nn.Conv2d):
        return LayerRecord(
            kind="conv",
            stride=_pair(module.stride),
            padding=_pair(module.padding),
            groups=int(module.groups),
            pool=pool,
            **common,
        )
    return LayerRecord(kind="linear", **common)


def _is_relu(node: Any, modules: dict[str, Any]) -> bool:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    if node.op == "call_module":
        return isinstance(modules[node.target], nn.ReLU)
    if node.op == "call_function":
        return node.target in (F.relu, torch.relu, torch.relu_)
    return node.op == "call_method" and node.target in ("relu", "relu_")


def _activation(node: Any, modules: dict[str, Any]) -> str:
    users = list(node.users)
    return "relu" if users and all(_is_relu(u, modules) for u in users) else "none"


def keeps_zeros(node: Any, modules: dict[str, Any]) -> bool:
    """Whether ``node`` keeps its input's zero pattern, channel by channel: a ReLU, a local
    response normalisation (AlexNet's, between ReLU and pool), dropout, or a concatenation (an
    inception module's branches)."""
    import torch
    import torch.nn as nn

    if _is_relu(node, modules):
        return True
    if node.op == "call_module":
        return isinstance(modules[node.target], (nn.LocalResponseNorm, nn.Dropout))
    return node.op == "call_function" and node.target in (torch.cat, torch.concat)


def max_pool(node: Any, modules: dict[str, Any]) -> MaxPool | None:
    """The geometry of a max pool node (module or ``F.max_pool2d``), else None."""
    import torch.nn as nn
    import torch.nn.functional as F

    if node.op == "call_module" and isinstance(modules[node.target], nn.MaxPool2d):
        m = modules[node.target]
        args = (m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode)
    elif node.op == "call_function" and node.target is F.max_pool2d:
        names = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
        given = dict(zip(names, node.args[1:], strict=False)) | {
            k: v for k, v in node.kwargs.items() if k in names
        }
        defaults = {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False}
        kernel, stride, padding, dilation, ceil_mode = (
            given.get(k, defaults.get(k)) for k in names
        )
        args = (kernel, stride or kernel, padding, dilation, ceil_mode)
    else:
        return None
    kernel, stride, padding, dilation, ceil_mode = args
    return MaxPool(_pair(kernel), _pair(stride), _pair(padding), _pair(dilation), bool(ceil_mode))


def _pool(node: Any, modules: dict[str, Any]) -> MaxPool | None:
    """The max pool every use of ``node``'s output reaches through ReLUs, normalisations and
    concatenations, if all of them reach the same one; else None (some use needs the output
    unpooled, e.g. an inception module's input feeding its 1 x 1 branches and its pool branch)."""
    pools, frontier, seen = set(), list(node.users), set()
    while frontier:
        user = frontier.pop()
        if user in seen:
            continue
        seen.add(user)
        pool = max_pool(user, modules)
        if pool is not None:
            pools.add(pool)
        elif keeps_zeros(user, modules) and user.users:
            frontier.extend(user.users)
        else:
            return None
    return pools.pop() if len(pools) == 1 else None


def _extract_fx(
    graph_module: Any, inputs: Any, transform: InputTransform | None
) -> list[LayerRecord]:
    import torch.fx as fx

    from workloads.zoo.layers import is_layer

    modules = dict(graph_module.named_modules())
    node_of = {n.target: n for n in graph_module.graph.nodes if n.op == "call_module"}
    records: list[LayerRecord] = []

    class Recorder(fx.Interpreter):
        def call_module(self, target: Any, args: Any, kwargs: Any) -> Any:
            module = modules[target]
            if not is_layer(module):
                return super().call_module(target, args, kwargs)
            x = transform(target, args[0]) if transform else args[0]
            y = module(x)
            node = node_of[target]
            records.append(
                _record(target, module, x, y, _activation(node, modules), _pool(node, modules))
            )
            return y

    Recorder(graph_module).run(inputs)
    return records


def trace(model: Any) -> Any:
    """``torch.fx.symbolic_trace(model)``, or None when the model cannot be traced."""
    import torch.fx as fx

    try:
        return fx.symbolic_trace(model)
    except Exception:  # noqa: BLE001 - any tracing failure means: fall back to hooks
        return None


def _extract_hooks(model: Any, inputs: Any, transform: InputTransform | None) -> list[LayerRecord]:
    from workloads.zoo.layers import is_layer

    records: list[LayerRecord] = []
    handles = []
    for name, module in model.named_modules():
        if not is_layer(module):
            continue
        if transform is not None:
            handles.append(
                module.register_forward_pre_hook(
                    lambda m, args, name=name: (transform(name, args[0]),)
                )
            )
        handles.append(
            module.register_forward_hook(
                lambda m, args, out, name=name: records.append(
                    _record(name, m, args[0], out, "unknown")
                )
            )
        )
    try:
        model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    return records


def extract(
    model: Any, inputs: Any, *, method: str = "auto", transform: InputTransform | None = None
) -> list[LayerRecord]:
    """Run ``model`` on ``inputs`` and record every convolution and linear layer.

    Parameters
    ----------
    model : torch.nn.Module
        Any model; put in eval mode by the caller if it has dropout or batch norm.
    inputs : torch.Tensor
        One batch.
    method : {"auto", "fx", "hooks"}
        ``"auto"`` traces with fx and falls back to forward hooks if tracing fails.
    transform : callable, optional
        ``transform(name, x)`` replaces the input a layer receives (synthetic activations).

    Returns
    -------
    list of LayerRecord
        In execution order; a module called twice yields two records.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    >>> [(r.name, r.kind, r.activation) for r in extract(net, torch.ones(2, 4))]
    [('0', 'linear', 'relu'), ('2', 'linear', 'none')]
    """
    from desim.kernel.errors import ConfigError

    if method not in ("auto", "fx", "hooks"):
        raise ConfigError(f"unknown extraction method {method!r}; valid: auto, fx, hooks")
    import torch

    graph_module = None if method == "hooks" else trace(model)
    if graph_module is None and method == "fx":
        raise ConfigError(f"{type(model).__name__} cannot be traced by torch.fx; use hooks")
    with torch.no_grad():
        if graph_module is None:
            return _extract_hooks(model, inputs, transform)
        return _extract_fx(graph_module, inputs, transform)
