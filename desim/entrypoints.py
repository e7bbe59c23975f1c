"""Installed entry points of one group, read without `importlib.metadata`.

`importlib.metadata` (with the email, zipfile and csv modules it imports) and its scan of every
installed distribution cost about 90 ms of CPU, more than the rest of ``desim --help``; desim
only needs the entry points of its own groups (``desim.commands``, ``desim.plugins``). This reads
the ``entry_points.txt`` of each ``*.dist-info`` and ``*.egg-info`` directory on `sys.path` (the
format of the Python Packaging User Guide's entry points specification: INI sections, one
``name = value`` per line), the first distribution of a name on the path winning, as
`importlib.metadata` does. ``tests/test_registry.py`` checks it against `importlib.metadata`.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, NamedTuple

__all__ = ["EntryPoint", "entry_points"]


class EntryPoint(NamedTuple):
    """One entry point: ``name = value`` of ``group``, ``value`` being ``module`` or
    ``module:attr`` (optionally followed by ``[extras]``, which are ignored)."""

    name: str
    value: str
    group: str

    @property
    def module(self) -> str:
        return self.value.partition("[")[0].partition(":")[0].strip()

    def load(self) -> Any:
        """The module, or its attribute, that the entry point names."""
        attr = self.value.partition("[")[0].partition(":")[2]
        found: Any = importlib.import_module(self.module)
        for part in filter(None, attr.strip().split(".")):
            found = getattr(found, part)
        return found


def _distribution(folder: str) -> str:
    """The normalised distribution name of a ``NAME-VERSION.dist-info`` directory."""
    name = folder.rpartition(".")[0].partition("-")[0]
    return name.lower().replace("-", "_").replace(".", "_")


def _read(path: str, group: str) -> list[EntryPoint]:
    found, section = [], None
    with open(path, encoding="utf-8") as text:
        for raw in text:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip()
            elif section == group and "=" in line:
                name, _, value = line.partition("=")
                found.append(EntryPoint(name.strip(), value.strip(), group))
    return found


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of every distribution installed on `sys.path`."""
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for directory in sys.path:
        try:
            entries = sorted(os.listdir(directory or "."))
        except OSError:  # missing, not a directory, or a zip file (no entry points read there)
            continue
        for folder in entries:
            if not folder.endswith((".dist-info", ".egg-info")):
                continue
            name = _distribution(folder)
            if name in seen:
                continue
            seen.add(name)
            path = os.path.join(directory or ".", folder, "entry_points.txt")
            if os.path.isfile(path):
                found.extend(_read(path, group))
    return found
