"""Explicit, loudly failing registries of plug-ins, one per kind.

A plug-in (a routing function, an arbiter, a topology builder, a traffic pattern...) is a plain
callable. Configs, sweeps and the CLI name it; Python users may also pass the callable itself, or a
``"package.module:attr"`` string for code outside desim (networkx's "name or function" convention).

Examples
--------
>>> from desim.registry import Registry
>>> shapes = Registry("shape", "a function returning an area")
>>> @shapes.register("square", sides=4)
... def square(a: float) -> float:
...     return a * a
>>> shapes.get("square")(3.0)
9.0
>>> shapes.metadata("square")["sides"]
4
>>> shapes.get("circle")
Traceback (most recent call last):
...
desim.registry.UnknownPluginError: unknown shape 'circle'; valid names: square
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any, Generic, NamedTuple, TypeVar

from desim.kernel.errors import ConfigError

T = TypeVar("T", bound=Callable[..., Any])

__all__ = [
    "Registry",
    "RegistryError",
    "UnknownPluginError",
    "DuplicatePluginError",
    "registry",
    "kinds",
]


class RegistryError(ConfigError):
    """A plug-in could not be registered or resolved (a configuration error: the CLI prints it as
    one line and exits with status 2)."""


class UnknownPluginError(RegistryError, LookupError):
    """A name that no plug-in of the kind carries."""


class DuplicatePluginError(RegistryError):
    """A different object registered under a name already taken."""


class Entry(NamedTuple, Generic[T]):
    """One registered plug-in: its name, the callable and free-form metadata.

    A named tuple rather than a dataclass: every ``desim`` command, ``--version`` included,
    imports this module, and ``dataclasses`` would bring ``inspect`` into every start-up.
    """

    name: str
    obj: T
    metadata: dict[str, Any]


def _qualified_name(obj: object) -> str:
    module = getattr(obj, "__module__", None) or type(obj).__module__
    qualname = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}.{qualname}"


class Registry(Generic[T]):
    """Named plug-ins of one kind.

    Parameters
    ----------
    kind : str
        What the plug-ins are (``"routing"``); used in every error message.
    description : str
        One line on the contract a plug-in fulfils (shown by ``desim list``).
    providers : tuple of str
        desim's modules imported on first lookup; importing them registers the built-ins. Other
        packages (desim's own ``topologies`` and ``workloads`` among them) provide plug-ins
        through entry points: ``[options.entry_points] desim.plugins = KIND = package.module``.
    """

    def __init__(self, kind: str, description: str, providers: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.description = description
        self._providers = providers
        self._loaded = False
        self._entries: dict[str, Entry[T]] = {}

    def register(self, name: str | None = None, obj: T | None = None, **metadata: Any) -> Any:
        """Register ``obj`` under ``name``; without ``obj``, return a decorator.

        Registering the same qualified function again (a re-run notebook cell) replaces the entry;
        a different object under a taken name raises `DuplicatePluginError`.
        """
        if obj is None:
            return lambda func: self.register(name, func, **metadata)
        if not callable(obj):
            raise RegistryError(f"{self.kind} plug-in {name!r} must be callable, got {obj!r}")
        key = name or getattr(obj, "__name__", None)
        if not key:
            raise RegistryError(f"{self.kind} plug-in {obj!r} needs a name")
        taken = self._entries.get(key)
        if taken is not None and _qualified_name(taken.obj) != _qualified_name(obj):
            raise DuplicatePluginError(
                f"{self.kind} {key!r} is already registered to {_qualified_name(taken.obj)}; "
                f"refusing {_qualified_name(obj)}"
            )
        self._entries[key] = Entry(key, obj, dict(metadata))
        return obj

    def _load_providers(self) -> None:
        if not self._loaded:
            self._loaded = True
            for module in self._providers:
                importlib.import_module(module)
            for point in plugin_entry_points(PLUGIN_GROUP, self.kind):
                point.load()

    def entry(self, key: str | T) -> Entry[T]:
        """Resolve a name, a ``"package.module:attr"`` string or a callable to its entry."""
        if callable(key):
            for entry in self._entries.values():
                if entry.obj is key:
                    return entry
            return Entry(getattr(key, "__name__", repr(key)), key, dict(getattr(key, "desim", {})))
        if not isinstance(key, str):
            raise RegistryError(f"{self.kind} must be a name or a callable, got {key!r}")
        if ":" in key:
            return Entry(key, _import_attr(self.kind, key), {})
        self._load_providers()
        try:
            return self._entries[key]
        except KeyError:
            valid = ", ".join(sorted(self._entries)) or "(none registered)"
            raise UnknownPluginError(f"unknown {self.kind} {key!r}; valid names: {valid}") from None

    def get(self, key: str | T) -> T:
        """The callable registered as ``key`` (see `entry`)."""
        return self.entry(key).obj

    def metadata(self, key: str | T) -> dict[str, Any]:
        """The metadata given at registration."""
        return self.entry(key).metadata

    def names(self) -> list[str]:
        """Registered names, sorted."""
        self._load_providers()
        return sorted(self._entries)

    def listed_names(self) -> list[str]:
        """Registered names, sorted, for listing: the names `names` would give, without importing
        desim's own providers where it can. Their names are read from `desim.plugin_index` when
        every module the index gives for this kind is one that loading imports (a declared
        provider, or an installed entry point: a source checkout without its ``dist-info`` has
        none, and its ``topologies`` names could not be loaded); other providers are imported."""
        if self._loaded:
            return self.names()
        from desim.plugin_index import BUILTIN

        modules, names = BUILTIN.get(self.kind, ((), ()))
        points = plugin_entry_points(PLUGIN_GROUP, self.kind)
        if not set(modules) <= {*self._providers, *(p.module for p in points)}:
            modules, names = (), ()
        for module in self._providers:
            if module not in modules:
                importlib.import_module(module)
        for point in points:
            if point.module not in modules:
                point.load()
        return sorted({*names, *self._entries})

    def __contains__(self, name: object) -> bool:
        self._load_providers()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self._entries)} entries)"


def _import_attr(kind: str, spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    if not module_name or module_name.startswith(".") or not attr:
        raise UnknownPluginError(
            f"{kind} {spec!r}: expected a registered name or 'package.module:function'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownPluginError(
            f"{kind} {spec!r}: cannot import {module_name!r} ({exc})"
        ) from None
    try:
        obj = getattr(module, attr)
    except AttributeError:
        raise UnknownPluginError(f"{kind} {spec!r}: {module_name!r} has no {attr!r}") from None
    if not callable(obj):
        raise RegistryError(f"{kind} {spec!r} is not callable")
    _LOADED.setdefault(module_name, {})[attr] = None
    return obj


_LOADED: dict[str, dict[str, None]] = {}
"""The modules plug-ins were loaded from by ``"package.module:attr"`` strings -> their attrs."""


def plugin_that_raised(exc: BaseException) -> str | None:
    """The ``"package.module:attr"`` plug-in inside whose code ``exc`` was raised, or None.

    The innermost frame in a module a plug-in was loaded from decides, over the tracebacks of
    ``exc`` and of the exceptions it was raised from (SimPy re-raises a process's exception as a
    copy whose cause holds the process's frames): the plug-in whose name starts that frame's
    qualified name (a function defined inside the factory included), else the first plug-in
    loaded from that module.
    """
    frames: list[Any] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain = []
        tb = current.__traceback__
        while tb is not None:
            chain.append(tb.tb_frame)
            tb = tb.tb_next
        frames = chain + frames  # a cause's frames are inner to its consequence's
        current = current.__cause__
    for frame in reversed(frames):
        module = frame.f_globals.get("__name__", "")
        attrs = _LOADED.get(module)
        if attrs:
            qualname = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
            named = [a for a in attrs if qualname == a or qualname.startswith(a + ".")]
            return f"{module}:{(named or list(attrs))[0]}"
    return None


#: Entry-point group of packages that register plug-ins: ``KIND = module`` (importing the module
#: registers them).
PLUGIN_GROUP = "desim.plugins"


def plugin_entry_points(group: str, name: str | None = None) -> list[Any]:
    """The installed entry points of ``group`` (named ``name``, if given), in a stable order
    (`desim.entrypoints`: read without importing `importlib.metadata`)."""
    from desim.entrypoints import entry_points

    points = entry_points(group)
    return sorted((p for p in points if name in (None, p.name)), key=lambda p: p.value)


_KINDS: dict[str, Registry[Any]] = {}


def _declare(kind: str, description: str, *providers: str) -> Registry[Any]:
    _KINDS[kind] = Registry(kind, description, providers)
    return _KINDS[kind]


# One registry per plug-in kind; the providers register the built-ins when first asked.
ROUTING = _declare(
    "routing", "route(ctx, router, packet) -> candidate (port, vcs)", "desim.noc.routing"
)
SELECTION = _declare("selection", "pick one adaptive candidate", "desim.noc.selection")
ARBITER = _declare("arbiter", "grant one of the requesters", "desim.noc.arbiters")
ALLOCATOR = _declare("allocator", "match requesters to VCs / ports", "desim.noc.allocators")
ROUTER = _declare("router", "router parameter presets", "desim.noc.presets")
TOPOLOGY = _declare("topology", "builder(**params) -> networkx graph")
TRAFFIC = _declare(
    "traffic",
    "factory(nodes, dims, **params) -> pattern(source, rng) -> destination",
    "desim.noc.traffic",
)
INJECTION = _declare(
    "injection", "factory(rate, **params) -> injector with next_gap(rng)", "desim.noc.traffic"
)
ACCELERATOR = _declare(
    "accelerator",
    "Accelerator class: Accelerator(config).run(layers, workload) -> AccelResult",
    "desim.accel.designs",
)
MODEL = _declare("model", "torch model factory")
DATASET = _declare("dataset", "offline dataset loader")
FORMAT = _declare("format", "compressed sparse format codec")


def registry(kind: str) -> Registry[Any]:
    """The registry of ``kind``; an unknown kind raises with the valid kinds."""
    try:
        return _KINDS[kind]
    except KeyError:
        raise UnknownPluginError(
            f"unknown plug-in kind {kind!r}; valid kinds: {', '.join(sorted(_KINDS))}"
        ) from None


def kinds() -> list[str]:
    """All plug-in kinds, sorted."""
    return sorted(_KINDS)
