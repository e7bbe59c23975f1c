"""Argument checks shared by the kernel's constructors; a failure names the value and the rule."""

from __future__ import annotations

from desim.kernel.errors import ConfigError

__all__ = [
    "check_int",
    "check_local_name",
    "check_value_bits",
    "is_int_in",
    "MAX_VALUE_BITS",
    "VALUE_BITS_RULE",
]

MAX_VALUE_BITS = 32
"""The widest value field of a compressed format or an accelerator's datapath: workloads record
float32 values (torch's default dtype), so a wider field stores no more of them. SCNN stores
16-bit values, DCNN-opt 12-bit ones, and 8-bit quantised networks need 8."""

VALUE_BITS_RULE = (
    f"an integer in 1..{MAX_VALUE_BITS} (bits per stored value; workloads record 32-bit floats)"
)
"""What a value field's width must be, in an error message."""


def is_int_in(value: object, minimum: int, maximum: int | None = None) -> bool:
    """Whether ``value`` is an ``int`` (not a bool, not a float) in ``minimum..maximum``
    (unbounded above without ``maximum``): the test every integer check here makes.

    Examples
    --------
    >>> is_int_in(3, 1), is_int_in(True, 0), is_int_in(2.0, 1), is_int_in(9, 1, 8)
    (True, False, False, False)
    """
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= minimum
        and (maximum is None or value <= maximum)
    )


def check_local_name(name: object, what: str) -> str:
    """Return ``name`` if it is a valid local name: a non-empty string without dots or whitespace.

    Raises
    ------
    ConfigError
        Naming what was being named and the offending name.
    """
    if not isinstance(name, str) or not name or "." in name or any(c.isspace() for c in name):
        raise ConfigError(
            f"{what} name must be a non-empty string without dots or whitespace, got {name!r}"
        )
    return name


def check_int(owner: str, field: str, value: object, minimum: int) -> None:
    """Require ``value`` to be an ``int`` (not a bool, not a float) of at least ``minimum``.

    Raises
    ------
    ConfigError
        ``"<owner>: <field> must be an integer >= <minimum>, got <value>"``.

    Examples
    --------
    >>> check_int("clock 'clk'", "period_cycles", 2.5, minimum=1)
    Traceback (most recent call last):
    ...
    desim.kernel.errors.ConfigError: clock 'clk': period_cycles must be an integer >= 1, got 2.5
    """
    if not is_int_in(value, minimum):
        raise ConfigError(f"{owner}: {field} must be an integer >= {minimum}, got {value!r}")


def check_value_bits(owner: str, field: str, value: object) -> None:
    """Require ``value`` to be a value field's width: an ``int`` in ``1..MAX_VALUE_BITS``.

    Examples
    --------
    >>> check_value_bits("scnn", "value_bits", 1000)
    Traceback (most recent call last):
    ...
    desim.kernel.errors.ConfigError: scnn: value_bits must be an integer in 1..32 ...got 1000
    """
    if not is_int_in(value, 1, MAX_VALUE_BITS):
        raise ConfigError(f"{owner}: {field} must be {VALUE_BITS_RULE}, got {value!r}")
