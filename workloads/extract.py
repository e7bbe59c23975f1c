"""Layer extraction: a torch model and a batch of inputs -> a list of `LayerRecord`.

The model is traced with ``torch.fx`` and run by an interpreter that records every
``Conv2d`` / ``Linear`` call (its input and output) in execution order, and reads from the graph
whether a ReLU follows (or follows the max pool it feeds) and whether a max pool takes every use
of the output (`_pool`), for each call of a module on its own; and whether the layer reads a max
pool of a plane other layers read unpooled (`_input_pool`: an inception module's fourth branch).
What a pool that is not recorded means, and the convolutions refused, is in docs/workloads.md
("Layer records"). In-place ReLUs are read as out-of-place ones (`read_in_place`). A model that
fx cannot trace (data-dependent control flow) falls back to forward hooks, which see the same
calls but not the graph, so ``activation`` is ``"unknown"``.

References
----------
.. [1] J. K. Reed et al., "torch.fx: Practical Program Capture and Transformation for Deep
   Learning in Python", MLSys 2022.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from desim.accel.pooling import InputPool, MaxPool
from workloads.records import LayerRecord

__all__ = ["extract", "trace", "read_in_place", "InputTransform"]

# (layer name, input tensor) -> the tensor the layer should receive instead (synthetic workloads)
InputTransform = Callable[[str, Any], Any]


def _pair(value: int | tuple[int, ...]) -> tuple[int, int]:
    """torch's int or sequence of one or two ints (``MaxPool2d((2,))`` is a 2 x 2 pool)."""
    if isinstance(value, int):
        return value, value
    return int(value[0]), int(value[-1])


def _numpy(tensor: Any) -> np.ndarray:
    return tensor.detach().cpu().numpy().copy()


def _record(  # noqa: PLR0913
    name: str,
    module: Any,
    x: Any,
    y: Any,
    activation: str,
    pool: MaxPool | None = None,
    input_pool: InputPool | None = None,
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
            padding=_conv_padding(name, module),
            groups=int(module.groups),
            pool=pool,
            input_pool=input_pool,
            **common,
        )
    return LayerRecord(kind="linear", **common)


def _conv_padding(name: str, conv: Any) -> tuple[int, int]:
    """A ``Conv2d``'s zero padding on each side: numbers, ``"valid"`` or a symmetric ``"same"``.
    What a `LayerRecord` cannot say (dilation, non-zero padding, an uneven ``"same"``) is refused
    here, naming the layer, rather than found later as outputs that differ from torch's."""
    from desim.kernel.errors import ConfigError

    if set(conv.dilation) != {1}:
        raise ConfigError(
            f"conv {name!r}: dilation {tuple(conv.dilation)} is not modelled; allowed: 1"
        )
    if conv.padding_mode != "zeros":
        raise ConfigError(
            f"conv {name!r}: padding_mode {conv.padding_mode!r} is not modelled; allowed: 'zeros'"
        )
    if conv.padding == "valid":
        return 0, 0
    if conv.padding == "same":
        total = [k - 1 for k in conv.kernel_size]  # dilation 1
        if any(t % 2 for t in total):
            raise ConfigError(
                f"conv {name!r}: padding 'same' with kernel {tuple(conv.kernel_size)} pads one "
                "side more than the other, which is not modelled; allowed: odd kernels"
            )
        return total[0] // 2, total[1] // 2
    return _pair(conv.padding)


def _is_relu(node: Any, modules: dict[str, Any]) -> bool:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    if node.op == "call_module":
        return isinstance(modules[node.target], nn.ReLU)
    if node.op == "call_function":
        return node.target in (F.relu, torch.relu, torch.relu_)
    return node.op == "call_method" and node.target in ("relu", "relu_")


def _in_place(node: Any, modules: dict[str, Any]) -> bool:
    """Whether ``node`` overwrites its first argument: ``F.relu(y, inplace=True)``,
    ``torch.relu_(y)``, ``y.relu_()``, ``nn.ReLU(inplace=True)(y)`` and any other method whose
    name ends in ``_``, function called with ``inplace=True`` or module built with it."""
    if node.op == "call_module":
        return bool(getattr(modules[node.target], "inplace", False))
    if node.op == "call_method":
        return node.target.endswith("_") and not node.target.startswith("_")
    if node.op != "call_function":
        return False
    name = getattr(node.target, "__name__", "")
    return bool(node.kwargs.get("inplace")) or (name.endswith("_") and not name.startswith("_"))


def _mutated(node: Any) -> Any:
    """The value an in-place node overwrites: its first argument."""
    return node.args[0] if node.args else next(iter(node.kwargs.values()), None)


def read_in_place(graph: Any, modules: dict[str, Any]) -> None:
    """Rewrite ``graph`` so that it says what its in-place ReLUs do: every use of a value after
    an in-place ReLU of it reads the ReLU's node (the same tensor, now rectified), so that
    ``F.relu(y, inplace=True)`` as a statement, ``y`` used after it, reads as ``y = F.relu(y)``.
    Uses before the ReLU keep reading the value (they ran before it was rectified). Any other
    in-place operation on a value read after it is refused (`ConfigError`, naming the node):
    its effect is not modelled. Aliases the graph does not show are checked as the graph runs
    (`_refuse_aliases`).

    Examples
    --------
    >>> import torch, torch.fx as fx
    >>> class Net(torch.nn.Module):
    ...     def forward(self, x):
    ...         torch.nn.functional.relu(x, inplace=True)
    ...         return x * 2
    >>> traced = fx.symbolic_trace(Net())
    >>> read_in_place(traced.graph, {})
    >>> [(n.name, list(n.users)) for n in traced.graph.nodes][1:3]
    [('relu', [mul]), ('mul', [output])]
    """
    from desim.kernel.errors import ConfigError

    order = {node: index for index, node in enumerate(graph.nodes)}
    for node in list(graph.nodes):
        source = _mutated(node) if _in_place(node, modules) else None
        if not hasattr(source, "users"):
            continue
        later = [user for user in source.users if order[user] > order[node]]
        if later and not _is_relu(node, modules):
            raise ConfigError(
                f"in-place {node.name!r} changes {source.name!r}, which is read after it; "
                "the change is not modelled; allowed: an out-of-place operation or an in-place ReLU"
            )
        for user in later:
            user.replace_input_with(source, node)


def _refuse_aliases(node: Any, env: dict[Any, Any], modules: dict[str, Any]) -> None:
    """Refuse an in-place ReLU whose value shares memory with another value still to be read
    (a view, or a dropout's or flatten's result): the ReLU changes that one too, which the
    graph does not show (`read_in_place` follows the graph's edges only)."""
    from desim.kernel.errors import ConfigError

    source = _mutated(node) if _in_place(node, modules) else None
    target = env.get(source) if hasattr(source, "users") else None
    if target is None or not hasattr(target, "untyped_storage") or target.numel() == 0:
        return
    memory = target.untyped_storage().data_ptr()
    for other, value in env.items():
        if (
            other is not source
            and hasattr(value, "untyped_storage")
            and value.numel() > 0
            and value.untyped_storage().data_ptr() == memory
        ):
            raise ConfigError(
                f"in-place ReLU {node.name!r} also changes {other.name!r} (the same memory as "
                f"{source.name!r}), which the graph does not show; allowed: an out-of-place ReLU"
            )


def _all_relu(nodes: Any, modules: dict[str, Any]) -> bool:
    nodes = list(nodes)
    return bool(nodes) and all(_is_relu(n, modules) for n in nodes)


def _activation(node: Any, modules: dict[str, Any]) -> str:
    """``"relu"`` when every use of the output is a ReLU, or when it is pooled (`_pool`) and
    every use of the pool is a ReLU (``relu(max_pool2d(conv(x)))``: the two commute)."""
    if _all_relu(node.users, modules):
        return "relu"
    pools = _pool_nodes(node, modules)
    return "relu" if pools and all(_all_relu(p.users, modules) for p in pools) else "none"


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
    """The geometry of a max pool node (``nn.MaxPool2d``, ``F.max_pool2d`` or
    ``torch.max_pool2d``), else None; also None for a pool that returns its indices (an output
    the accelerators do not produce)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    if node.op == "call_module" and isinstance(modules[node.target], nn.MaxPool2d):
        m = modules[node.target]
        if m.return_indices:
            return None
        args = (m.kernel_size, m.stride or m.kernel_size, m.padding, m.dilation, m.ceil_mode)
    elif node.op == "call_function" and node.target in (F.max_pool2d, torch.max_pool2d):
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
    if any(_computed(value) for value in args):
        return None  # a geometry computed from the tensor (a global pool's size): unknown here
    kernel, stride, padding, dilation, ceil_mode = args
    return MaxPool(_pair(kernel), _pair(stride), _pair(padding), _pair(dilation), bool(ceil_mode))


def _computed(value: Any) -> bool:
    """Whether a traced argument is (or holds) a value computed in the graph, not a constant."""
    import torch.fx as fx

    if isinstance(value, (list, tuple)):
        return any(_computed(item) for item in value)
    return isinstance(value, fx.Node)


def on_channels(node: Any) -> bool:
    """Whether a concatenation joins along the batch or channel axis of ``(B, C, H, W)``
    tensors, so that a max pool after it pools each input's plane on its own (joined along the
    height or width, windows would straddle two inputs)."""
    if node.op != "call_function" or node.target not in _concatenations():
        return True
    dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", node.kwargs.get("axis", 0))
    return isinstance(dim, int) and dim in (0, 1, -3, -4)


def _concatenations() -> tuple[Any, ...]:
    import torch

    return (torch.cat, torch.concat)


def _pool_nodes(node: Any, modules: dict[str, Any]) -> list[Any] | None:
    """The max pool nodes every use of ``node``'s output reaches through ReLUs, normalisations
    and channel concatenations, if all of them have one geometry; else None."""
    pools, frontier, seen = [], list(node.users), set()
    while frontier:
        user = frontier.pop()
        if user in seen:
            continue
        seen.add(user)
        if max_pool(user, modules) is not None:
            pools.append(user)
        elif keeps_zeros(user, modules) and on_channels(user) and user.users:
            frontier.extend(user.users)
        else:
            return None
    return pools if len({max_pool(p, modules) for p in pools}) == 1 else None


def _pool(node: Any, modules: dict[str, Any]) -> MaxPool | None:
    """The max pool every use of ``node``'s output reaches through ReLUs, normalisations and
    channel concatenations, if all of them reach the same one; else None (some use needs the
    output unpooled, e.g. an inception module's input feeding its 1 x 1 branches and its pool
    branch, or a concatenation along the height or width comes first)."""
    pools = _pool_nodes(node, modules)
    return None if pools is None else max_pool(pools[0], modules)


def _input_pool(
    node: Any,
    modules: dict[str, Any],
    shapes: dict[Any, tuple[int, ...]],
    claimed: set[Any],
) -> InputPool | None:
    """The max pool ``node`` reads its input through (directly, or through ReLUs,
    normalisations and dropout, which keep the pooled plane's zeros), when the plane it pools
    has other uses that read it unpooled (so no producer's output path writes it pooled:
    `_pool` gives the producers None). Only the first layer to read a pool gets it: later
    readers find the plane pooled. ``shapes`` holds the shapes of the values the interpreter
    computed; ``claimed`` the pool nodes already taken (updated)."""
    source = node.args[0] if node.args else None
    while (
        hasattr(source, "op")
        and max_pool(source, modules) is None
        and keeps_zeros(source, modules)
        and not (source.op == "call_function" and source.target in _concatenations())
    ):
        source = source.args[0]
    pool = None if not hasattr(source, "op") else max_pool(source, modules)
    if pool is None or source in claimed or _pool_nodes(source.args[0], modules) is not None:
        return None
    claimed.add(source)
    height, width = shapes[source.args[0]][-2:]
    return InputPool(pool, (height, width))


def _extract_fx(
    graph_module: Any, inputs: Any, transform: InputTransform | None
) -> list[LayerRecord]:
    import torch.fx as fx

    from workloads.zoo.layers import is_layer

    modules = dict(graph_module.named_modules())
    read_in_place(graph_module.graph, modules)
    records: list[LayerRecord] = []

    class Recorder(fx.Interpreter):
        def __init__(self, module: Any) -> None:
            super().__init__(module)
            self.node: Any = None  # the node being run: a module called twice has two
            self.shapes: dict[Any, tuple[int, ...]] = {}  # of every value computed
            self.pooled: set[Any] = set()  # the input pools already taken

        def run_node(self, n: Any) -> Any:
            self.node = n
            _refuse_aliases(n, self.env, modules)
            value = super().run_node(n)
            if hasattr(value, "shape"):
                self.shapes[n] = tuple(value.shape)
            return value

        def call_module(self, target: Any, args: Any, kwargs: Any) -> Any:
            module = modules[target]
            if not is_layer(module):
                return super().call_module(target, args, kwargs)
            x = transform(target, args[0]) if transform else args[0]
            y = module(x)
            node = self.node
            records.append(
                _record(
                    target,
                    module,
                    x,
                    y,
                    _activation(node, modules),
                    _pool(node, modules),
                    _input_pool(node, modules, self.shapes, self.pooled),
                )
            )
            return y

    recorder = Recorder(graph_module)
    recorder.extra_traceback = False  # a refusal (ConfigError) stays one line
    recorder.run(inputs)
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
