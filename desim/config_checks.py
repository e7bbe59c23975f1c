"""Checks a config makes of its own fields in ``__post_init__``, each raising
`desim.config.KeyedConfigError` about the field, so that `desim.config.from_mapping` names it
with its path as a file or ``--set`` spells it (``'fabric.flit_width_bits' must be ...``).

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Buffer:
...     entries: int = 8
...     def __post_init__(self) -> None:
...         check_key_int("entries", self.entries, 1)
>>> Buffer(0)
Traceback (most recent call last):
...
desim.config.KeyedConfigError: 'entries' must be an integer >= 1, got 0
"""

from __future__ import annotations

import math
from typing import Any

from desim.config import KeyedConfigError
from desim.kernel.checks import MAX_VALUE_BITS, VALUE_BITS_RULE, is_int_in

__all__ = ["require_key", "check_key_int", "check_key_number", "check_key_value_bits"]


def require_key(condition: bool, key: str, message: str) -> None:
    """Raise `KeyedConfigError` about field ``key`` unless ``condition`` holds (for
    ``__post_init__``: `from_mapping` puts the config's path in front of ``key``).

    Examples
    --------
    >>> require_key(False, "kc", "must be an integer >= 1, got 0")
    Traceback (most recent call last):
    ...
    desim.config.KeyedConfigError: 'kc' must be an integer >= 1, got 0
    """
    if not condition:
        raise KeyedConfigError(key, message)


def check_key_int(key: str, value: Any, minimum: int, maximum: int | None = None) -> None:
    """Require field ``key``'s ``value`` to be an ``int`` (not a bool, not a float) of at least
    ``minimum`` (and at most ``maximum``); else `KeyedConfigError` naming the key and the range.

    Examples
    --------
    >>> check_key_int("index_bits", 9, 1, 8)
    Traceback (most recent call last):
    ...
    desim.config.KeyedConfigError: 'index_bits' must be an integer in 1..8, got 9
    """
    rule = f">= {minimum}" if maximum is None else f"in {minimum}..{maximum}"
    require_key(
        is_int_in(value, minimum, maximum),
        key,
        f"must be an integer {rule}, got {value!r}",
    )


def check_key_number(key: str, value: Any) -> None:
    """Require field ``key``'s ``value`` to be a finite number > 0 (a bool is not a number);
    else `KeyedConfigError`."""
    require_key(
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0,
        key,
        f"must be a finite number > 0, got {value!r}",
    )


def check_key_value_bits(key: str, value: Any) -> None:
    """Require field ``key``'s ``value`` to be a value field's width (`VALUE_BITS_RULE`); else
    `KeyedConfigError`."""
    require_key(
        is_int_in(value, 1, MAX_VALUE_BITS),
        key,
        f"must be {VALUE_BITS_RULE}, got {value!r}",
    )
