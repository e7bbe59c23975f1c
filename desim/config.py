"""Frozen-dataclass configuration: validated on construction, loaded from TOML strictly.

A config is a tree of frozen dataclasses whose field names carry their unit (``latency_cycles``,
``width_bits``). `from_mapping` builds one from nested dicts (a TOML file, a sweep point) and
rejects an unknown key with its dotted path and the allowed keys; a typo never falls back to a
default.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Link:
...     latency_cycles: int = 1
...     width_bits: int = 128
>>> from_mapping(Link, {"latency_cycle": 2}, path="noc.link")
Traceback (most recent call last):
...
desim.kernel.errors.ConfigError: unknown key 'noc.link.latency_cycle'; allowed: ...
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import numbers
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from desim.kernel.errors import ConfigError

__all__ = [
    "ConfigError",
    "from_mapping",
    "load_toml",
    "read_toml",
    "to_mapping",
    "replace_dotted",
    "replace_all_dotted",
    "config_hash",
    "require",
    "distinct_indices",
    "check_fields",
    "KeyedConfigError",
    "API_ONLY",
    "describe",
]

C = TypeVar("C")

API_ONLY = {"api_only": True}
"""Metadata of a field set from Python only (a class, say): `from_mapping` refuses it, `to_mapping`
and `config_hash` leave it out, and `replace_dotted` keeps it."""


def _api_only(item: dataclasses.Field[Any]) -> bool:
    return bool(item.metadata.get("api_only"))


def require(condition: bool, message: str) -> None:
    """Raise `ConfigError` with ``message`` unless ``condition`` holds (for ``__post_init__``)."""
    if not condition:
        raise ConfigError(message)


def distinct_indices(value: Any) -> bool:
    """Whether ``value`` is a non-empty sequence of distinct integers >= 0 (booleans are not
    integers here), e.g. a selection of layers."""
    return (
        isinstance(value, (list, tuple))
        and len(value) > 0
        and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value)
        and len(set(value)) == len(value)
    )


class KeyedConfigError(ConfigError):
    """A `ConfigError` about one dotted key of a config, raised while the config validates
    itself; `from_mapping` names the key with its full path (``noc.topology_args.rowz``), as a
    file or ``--set`` spells it. A message that is a rule about the key (``"must be ..."``)
    follows it as a sentence, ``'rows' must be ...``; any other follows a colon."""

    def __init__(self, key: str, message: str) -> None:
        joiner = " " if message.startswith("must ") else ": "
        super().__init__(f"'{key}'{joiner}{message}")
        self.key = key
        self.message = message

    def under(self, path: str) -> KeyedConfigError:
        """The same error with ``path`` in front of its key."""
        return KeyedConfigError(_join(path, self.key), self.message)


def check_fields(config: Any, path: str = "") -> None:
    """Raise `ConfigError` unless every field of the dataclass instance ``config`` has its
    annotated type (for ``__post_init__``): a bool is not a number, a float is not an integer.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Link:
    ...     latency_cycles: int = 1
    ...     def __post_init__(self) -> None:
    ...         check_fields(self, "link")
    >>> Link(1.5)
    Traceback (most recent call last):
    ...
    desim.config.KeyedConfigError: 'link.latency_cycles' must be an integer, got 1.5
    """
    hints = typing.get_type_hints(type(config))
    for item in dataclasses.fields(config):
        if item.init:
            _coerce(hints[item.name], getattr(config, item.name), _join(path, item.name))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_WORDS: dict[Any, str] = {
    int: "an integer",
    float: "a number",
    str: "a string",
    bool: "true or false",
    type(None): "left out",
    dict: "a table",
}
_PLURALS: dict[Any, str] = {
    int: "integers",
    float: "numbers",
    str: "strings",
    bool: "true or false values",
    dict: "tables",
}


def describe(tp: Any) -> str:
    """What a value of the annotation ``tp`` is, in a config file's words, never a class name.

    Examples
    --------
    >>> describe(int | None)
    'an integer or left out'
    >>> describe(tuple[int, ...] | None)
    'a list of integers or left out'
    >>> describe(typing.Literal["mesh", "torus"])
    "one of 'mesh', 'torus'"
    """
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return f"a table of keys ({', '.join(sorted(_file_fields(tp)))})"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(option) for option in typing.get_args(tp))
    if origin is typing.Literal:
        return f"one of {', '.join(map(repr, typing.get_args(tp)))}"
    if origin in (tuple, list) or tp in (tuple, list):
        items = {arg for arg in typing.get_args(tp) if arg is not Ellipsis}
        kind = _PLURALS.get(items.pop()) if len(items) == 1 else None
        return f"a list of {kind}" if kind else "a list"
    if origin in (dict, Mapping):
        return "a table"
    return _WORDS.get(tp, "any value" if tp is Any else f"a {getattr(tp, '__name__', tp)}")


def _file_fields(cls: type) -> list[str]:
    """The keys a file or ``--set`` may give ``cls``: its init fields not set from Python only."""
    return [f.name for f in dataclasses.fields(cls) if f.init and not _api_only(f)]


def _wrong(tp: Any, value: Any, path: str) -> KeyedConfigError:
    return KeyedConfigError(path, f"must be {describe(tp)}, got {value!r}")


def _coerce(tp: Any, value: Any, path: str) -> Any:
    """Check ``value`` against the annotation ``tp``; build nested dataclasses. A wrong value
    raises `KeyedConfigError` naming ``path``."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise _wrong(tp, value, path)
        return from_mapping(tp, value, path)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(tp):
            if option is type(None) and value is None:
                return None
            try:
                return _coerce(option, value, path)
            except ConfigError:
                pass
        raise _wrong(tp, value, path)
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            raise _wrong(tp, value, path)
        return value
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise _wrong(tp, value, path)
        args = typing.get_args(tp)
        item = args[0] if args else Any
        return tuple(_coerce(item, v, f"{path}[{i}]") for i, v in enumerate(value))
    if origin in (dict, Mapping):
        if not isinstance(value, dict):
            raise _wrong(tp, value, path)
        return dict(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(tp, value, path)
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            numpy_int = isinstance(value, numbers.Integral) and not isinstance(value, bool)
            hint = ": a Python int (int(value) converts a numpy one)" if numpy_int else ""
            raise KeyedConfigError(path, f"must be an integer, got {value!r}{hint}")
        return value
    if isinstance(tp, type) and not isinstance(value, tp):
        raise _wrong(tp, value, path)
    return value


def from_mapping(cls: type[C], data: dict[str, Any], path: str = "") -> C:
    """Build the dataclass ``cls`` from nested dicts, strictly.

    Unknown keys and ill-typed values raise `ConfigError` naming the dotted key and what is
    allowed; missing keys take the dataclass defaults; ``__post_init__`` validation runs as usual.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    if not isinstance(data, dict):  # a TOML key or an array of tables where a table belongs
        raise ConfigError(f"'{path or 'the config'}' must be {describe(cls)}, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in sorted(set(data) & {name for name, f in fields.items() if _api_only(f)}):
        raise ConfigError(
            f"'{_join(path, key)}' is set from Python only (a class), not from a file or --set"
        )
    unknown = sorted(set(data) - set(fields))
    if unknown:
        allowed = ", ".join(sorted(_file_fields(cls)))
        raise ConfigError(f"unknown key '{_join(path, unknown[0])}'; allowed: {allowed}")
    missing = [
        name
        for name, f in fields.items()
        if name not in data
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"'{_join(path, missing[0])}' is required; it has no default")
    kwargs = {key: _coerce(hints[key], value, _join(path, key)) for key, value in data.items()}
    try:
        return cls(**kwargs)
    except KeyedConfigError as exc:  # from __post_init__: name the key with its full path
        raise exc.under(path) from None


def read_toml(path: str | Path) -> dict[str, Any]:
    """The tables of a TOML file (UTF-8, a leading byte-order mark allowed); an unreadable file,
    bytes that are not UTF-8 or a syntax error raise `ConfigError`."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
        return tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config {path} is not UTF-8 text (byte {exc.start}); TOML files are UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from None


def load_toml(path: str | Path, cls: type[C]) -> C:
    """Load ``cls`` from a TOML file; syntax errors and unknown keys raise `ConfigError`."""
    return from_mapping(cls, read_toml(path))


def to_mapping(config: Any) -> dict[str, Any]:
    """Nested plain dicts of a config (tuples become lists), suitable for TOML/JSON; fields set
    from Python only (`API_ONLY`) are left out."""
    return json.loads(json.dumps(_plain(config)))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not _api_only(f)
        }
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def replace_dotted(config: C, key: str, value: Any) -> C:
    """A copy of ``config`` with the dotted ``key`` (``"noc.rows"``) set to ``value``, validated.

    A key inside a table field (``"fabric.topology_args.rows"``) sets that one entry of the table.
    """
    return replace_all_dotted(config, [(key, value)])


def replace_all_dotted(config: C, items: Iterable[tuple[str, Any]]) -> C:
    """A copy of ``config`` with every dotted ``(key, value)`` of ``items`` set, in order, then
    validated once: settings that only make sense together (``fabric.topology=ring`` with
    ``fabric.topology_args={n=64}``) can be given one after the other. Fields set from Python
    only (`API_ONLY`) are kept, at every level.

    Raises
    ------
    ConfigError
        Naming an unknown or too-deep key and what is allowed there, or what the validation of
        the whole found wrong.
    """
    data = to_mapping(config)
    for key, value in items:
        _assign(config, data, key, value)
    return _keep_api_only(from_mapping(type(config), data), config)


def _assign(config: Any, data: dict[str, Any], key: str, value: Any, path: str = "") -> None:
    """Set the dotted ``key`` in ``data`` (``config`` as nested dicts), checking it names a field
    of ``config`` (or an entry of one of its tables)."""
    head, _, rest = key.partition(".")
    names = {f.name for f in dataclasses.fields(config)}
    full = _join(path, key)
    if head not in names:
        raise ConfigError(
            f"unknown key '{full}'; allowed at this level: {', '.join(sorted(names))}"
        )
    current = getattr(config, head)
    if not rest:
        data[head] = value
    elif dataclasses.is_dataclass(current):
        _assign(current, data[head], rest, value, _join(path, head))
    elif isinstance(current, Mapping) and "." not in rest:
        data[head] = {**data[head], rest: value}
    else:
        kind = "a table of names to values" if isinstance(current, Mapping) else "not a table"
        raise ConfigError(
            f"key '{full}' goes too deep: '{_join(path, head)}' is {kind}; "
            f"set '{_join(path, head)}{'.NAME' if isinstance(current, Mapping) else ''}'"
        )


def _keep_api_only(new: C, old: Any) -> C:
    """``new`` with ``old``'s fields set from Python only, in it and in its nested configs."""
    changes = {}
    for f in dataclasses.fields(new):  # type: ignore[arg-type]
        value = getattr(old, f.name)
        if _api_only(f):
            changes[f.name] = value
        elif dataclasses.is_dataclass(value) and type(getattr(new, f.name)) is type(value):
            changes[f.name] = _keep_api_only(getattr(new, f.name), value)
    return dataclasses.replace(new, **changes) if changes else new


def config_hash(config: Any) -> str:
    """A stable hash of a config's content (the sweep store's key)."""
    text = json.dumps(to_mapping(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
