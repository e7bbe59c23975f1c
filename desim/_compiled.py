"""The modules compiled to C by mypyc at install time, and running their Python sources instead.

The NoC's hot path (flits, arbiters, allocators, the router, the interfaces, the engine, the
network, the synthetic traffic sources and their random draws, and the measurement's sampler,
called for every packet) and the `Module` base class they derive from are
compiled by mypyc when desim is installed (``setup.py``; mypyc compiles type-annotated Python
as written, so the sources stay the reference).
Compiled and pure-Python runs give identical results.

The compiled modules are replaced, all together, by their sources when

- ``DESIM_PURE_PYTHON=1`` is set (to profile with cProfile, or to debug in Python), or
- a source changed since it was compiled (an edited editable install): desim warns once and runs the
  sources, so that an edit always takes effect; ``pip install -e .`` compiles again.

The choice is made once, when the first compiled module is imported (or ``desim.COMPILED`` is
read), not when ``desim`` is: ``desim --version`` and ``--help`` never pay for it.

This module uses the standard library only: ``setup.py`` runs it before anything is installed.
Modules only some paths need (hashing, JSON, the compiler probe) are imported where used.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

MODULES = (
    "desim.kernel.module",
    "desim.noc.flit",
    "desim.noc.arbiters",
    "desim.noc.allocators",
    "desim.noc.replication",
    "desim.noc.router",
    "desim.noc.interface",
    "desim.noc.engine",
    "desim.noc.network",
    "desim.noc.synthetic",
    "desim.noc.sampling",
    "desim.noc.draws",
)
HASHES = "_compiled_sources.json"  # written beside this file by setup.py: source digests
_ROOT = Path(__file__).resolve().parent.parent  # the directory holding the ``desim`` package


def source_path(module: str, root: Path = _ROOT) -> Path:
    """The ``.py`` file of ``module`` under ``root``."""
    return root.joinpath(*module.split(".")).with_suffix(".py")


def source_digests(root: Path = _ROOT) -> dict[str, str]:
    """SHA-256 of each compiled module's source."""
    import hashlib

    return {m: hashlib.sha256(source_path(m, root).read_bytes()).hexdigest() for m in MODULES}


def compile_plan() -> tuple[bool, str]:
    """Whether an install compiles the modules, and why not (one line; empty when it does).

    It compiles unless ``DESIM_COMPILE=0`` is set or no C compiler is found (``$CC``, else the
    compiler Python was built with), in which case it installs pure Python: same results, slower.
    """
    import shlex
    import shutil
    import sysconfig

    if os.environ.get("DESIM_COMPILE", "1") == "0":
        return False, ""
    command = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    compiler = shlex.split(command)[0] if command.strip() else "cc"
    if shutil.which(compiler) is None:
        return False, (
            f"desim: no C compiler found ({compiler!r} is not on PATH): installing pure Python "
            "(same results, slower); install gcc or clang and reinstall for the compiled build, "
            "or set DESIM_COMPILE=0 to skip compiling quietly"
        )
    return True, ""


def _extension(module: str) -> Path | None:
    base = source_path(module).with_suffix("")
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if base.with_name(base.name + suffix).exists():
            return base.with_name(base.name + suffix)
    return None


def _stale() -> list[str]:
    """The compiled modules whose source differs from the one compiled."""
    import json

    try:
        built = json.loads((_ROOT / "desim" / HASHES).read_text())
    except (OSError, ValueError):
        return list(MODULES)
    try:
        current = source_digests()
    except OSError:  # the sources were not installed: nothing to compare, nothing to fall back to
        return []
    return [m for m in MODULES if built.get(m) != current[m]]


class _Chooser:
    """A meta-path finder (first on ``sys.meta_path``) that makes the choice when the first compiled
    module is imported, then imports every compiled module from its source if that is the choice."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MODULES or select():
            return None  # not one of them, or compiled: the ordinary finders import it
        return importlib.util.spec_from_file_location(fullname, source_path(fullname))


_chosen: list[bool] = []  # the choice, once made


def install() -> None:
    """Put the chooser on the import path (``import desim`` does); idempotent."""
    if not any(isinstance(finder, _Chooser) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Chooser())


def select() -> bool:
    """Whether the compiled modules run (chosen on the first call): not when none was built,
    ``DESIM_PURE_PYTHON`` asks for the sources, or a source changed since it was compiled."""
    if not _chosen:
        _chosen.append(_choose())
    return _chosen[0]


def _choose() -> bool:
    if not any(_extension(m) for m in MODULES):
        return False
    if os.environ.get("DESIM_PURE_PYTHON", "0") not in ("", "0"):
        return False
    stale = _stale()
    if stale:
        import warnings

        warnings.warn(
            f"desim: {', '.join(stale)} changed since compiled; running all compiled modules "
            "from their Python sources (slower). Run `pip install -e .` to compile again.",
            stacklevel=2,
        )
        return False
    return True
