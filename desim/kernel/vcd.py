"""Value change dump (IEEE 1364 VCD) of signals and chosen values, viewable in GTKWave.

Signals are written when their update commits a change; other values (any callable returning an
integer, e.g. a channel's level) are sampled at the end of every timestep in which something
happened, and written only when they differ from the last value written. Each dotted path becomes
nested ``$scope module`` sections; names without a dot go under the scope ``desim``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

from desim import __version__
from desim.kernel.checks import check_int
from desim.kernel.errors import ConfigError, ElaborationError

__all__ = ["VcdWriter", "Watchable"]

ROOT_SCOPE = "desim"
_TIMESCALE = re.compile(r"^(1|10|100)\s*(s|ms|us|ns|ps|fs)$")
_FIRST_CODE, _CODES = 33, 94  # identifier codes use the printable ASCII characters ! .. ~


@runtime_checkable
class Watchable(Protocol):
    """A traced source that reports its own changes (a `Signal`)."""

    path: str

    def read(self) -> Any:
        """The current value."""

    def watch(self, watcher: Callable[[int, Any], None]) -> None:
        """Call ``watcher(now, value)`` at every change."""


@dataclass
class _Var:
    """One VCD variable: where it is declared, how to read it, what was last written."""

    code: str
    scope: tuple[str, ...]
    name: str
    width: int
    read: Callable[[], Any]
    sampled: bool
    last: str | None = None

    def encode(self, value: Any) -> str:
        """The value-change line body, e.g. ``1!`` or ``b101 !``."""
        try:
            number = operator.index(value)
        except TypeError:
            raise ConfigError(
                f"traced value {self.name!r} must be an integer or bool, got {value!r}"
            ) from None
        low = -(1 << (self.width - 1)) if self.width > 1 else 0
        if not low <= number < 1 << self.width:
            raise ConfigError(
                f"traced value {self.name!r} = {number} does not fit in {self.width} bits "
                f"(allowed {low}..{(1 << self.width) - 1})"
            )
        bits = number & ((1 << self.width) - 1)
        return f"{bits}{self.code}" if self.width == 1 else f"b{bits:b} {self.code}"


class VcdWriter:
    """Writes a VCD file; register every value with `add` before the first run.

    Usually made by `Simulator.trace_vcd`, which samples it at the end of each timestep; close it
    (or use it as a context manager) when the simulation is over.

    Parameters
    ----------
    path : str or Path
        File to write.
    timescale : str
        What one cycle is shown as: 1, 10 or 100 followed by s, ms, us, ns, ps or fs.
    """

    def __init__(self, path: str | Path, timescale: str = "1 ns") -> None:
        match = _TIMESCALE.match(timescale.strip())
        if match is None:
            raise ConfigError(
                f"VCD timescale {timescale!r} is not allowed; use 1, 10 or 100 followed by "
                "s, ms, us, ns, ps or fs (e.g. '1 ns')"
            )
        self.timescale = f"{match.group(1)} {match.group(2)}"
        self.path = Path(path)
        self._vars: list[_Var] = []
        self._declared: set[tuple[tuple[str, ...], str]] = set()
        self._file = open(self.path, "w", encoding="ascii")  # closed by close()
        self._time: int | None = None  # the last '#time' written; None until the header is

    def add(
        self, source: Watchable | Callable[[], int], name: str | None = None, width: int = 1
    ) -> str:
        """Trace a signal, or a callable sampled at the end of each timestep.

        Parameters
        ----------
        source : Signal or callable
            A `Watchable` (its path is the default name) or a function returning an int.
        name : str, optional
            Dotted path of the variable, e.g. ``"top.ch.level"``; required for a callable.
        width : int
            Bits; negative values are written in two's complement.

        Returns
        -------
        str
            The variable's identifier code in the file.
        """
        if self._time is not None:
            raise ElaborationError(
                f"cannot add {name or source!r} to {self.path}: its header is already written; "
                "add every traced value before the first run"
            )
        check_int(f"VCD variable {name or source!r}", "width", width, minimum=1)
        watched = isinstance(source, Watchable)
        path = name if name is not None else getattr(source, "path", None)
        if path is None or not (watched or callable(source)):
            raise ConfigError(
                f"VCD source {source!r} must be a signal, or a callable given a name; got {name!r}"
            )
        var = self._declare(path, width, source.read if watched else source, not watched)
        if watched:
            source.watch(lambda now, value: self._change(now, var, value))
        return var.code

    def _declare(self, path: str, width: int, read: Callable[[], Any], sampled: bool) -> _Var:
        scope_path, _, leaf = path.rpartition(".")
        scope = tuple(scope_path.split(".")) if scope_path else (ROOT_SCOPE,)
        if not leaf or "" in scope or any(c.isspace() for c in path):
            raise ConfigError(f"VCD variable name {path!r} must be a dotted path without spaces")
        if (scope, leaf) in self._declared:
            raise ElaborationError(f"{path!r} is already traced in {self.path}")
        self._declared.add((scope, leaf))
        var = _Var(_code(len(self._vars)), scope, leaf, width, read, sampled)
        self._vars.append(var)
        return var

    def sample(self, now: int) -> None:
        """Write the header (first call), then every sampled value that changed."""
        if self._time is None:
            self._write_header(now)
            return
        for var in self._vars:
            if var.sampled:
                self._change(now, var, var.read())

    def flush(self, now: int) -> None:
        """Mark the time ``now`` (the end of a run) and flush the file."""
        if self._file.closed:
            return
        if self._time is None:
            self._write_header(now)
        self._stamp(now)
        self._file.flush()

    def close(self) -> None:
        """Flush and close the file; later changes are ignored."""
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> VcdWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _change(self, now: int, var: _Var, value: Any) -> None:
        if self._file.closed:
            return
        if self._time is None:
            self._write_header(now)
        line = var.encode(value)
        if line != var.last:
            self._stamp(now)
            self._file.write(line + "\n")
            var.last = line

    def _stamp(self, now: int) -> None:
        if now != self._time:
            self._file.write(f"#{now}\n")
            self._time = now

    def _write_header(self, now: int) -> None:
        lines = [
            f"$version desim {__version__} $end",
            f"$timescale {self.timescale} $end",
            *self._scope_lines(),
            "$enddefinitions $end",
            f"#{now}",
            "$dumpvars",
        ]
        for var in self._vars:
            var.last = var.encode(var.read())
            lines.append(var.last)
        lines.append("$end")
        self._file.write("\n".join(lines) + "\n")
        self._time = now

    def _scope_lines(self) -> list[str]:
        """Nested ``$scope`` sections; sorting by scope makes every scope contiguous."""
        lines: list[str] = []
        opened: tuple[str, ...] = ()
        for var in sorted(self._vars, key=lambda v: v.scope):
            common = 0
            while common < min(len(opened), len(var.scope)) and opened[common] == var.scope[common]:
                common += 1
            lines += ["$upscope $end"] * (len(opened) - common)
            lines += [f"$scope module {part} $end" for part in var.scope[common:]]
            opened = var.scope
            lines.append(f"$var wire {var.width} {var.code} {var.name} $end")
        lines += ["$upscope $end"] * len(opened)
        return lines


def _code(index: int) -> str:
    """Identifier code number ``index``: base-94 digits over ``!`` .. ``~``."""
    digits = ""
    while True:
        index, digit = divmod(index, _CODES)
        digits += chr(_FIRST_CODE + digit)
        if index == 0:
            return digits
