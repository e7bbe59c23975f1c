"""The PEP 517 build backend: setuptools', asking for mypy only when the build compiles.

``pyproject.toml`` names this module (``backend-path = ["."]``). mypy (mypyc) is a build
requirement only when ``desim/_compiled.py``'s `compile_plan` compiles: with ``DESIM_COMPILE=0``
or without a C compiler, installing needs neither.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

from setuptools import build_meta
from setuptools.build_meta import *  # noqa: F403  (the backend's other hooks, unchanged)

MYPY = "mypy==2.4.1"


def _mypy_if_compiling() -> list[str]:
    plan = runpy.run_path(str(Path(__file__).resolve().parent / "desim" / "_compiled.py"))
    return [MYPY] if plan["compile_plan"]()[0] else []


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    """setuptools' requirements, and mypy when compiling."""
    return build_meta.get_requires_for_build_wheel(config_settings) + _mypy_if_compiling()


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    """setuptools' requirements, and mypy when compiling."""
    return build_meta.get_requires_for_build_editable(config_settings) + _mypy_if_compiling()
