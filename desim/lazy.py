"""Package attributes imported on first use (PEP 562), so that importing a package's light
submodules (its errors, its command line) does not import its heavy ones.

Examples
--------
In a package's ``__init__.py``::

    __getattr__, __dir__ = lazy_exports(__name__, globals(), {"Simulator": "simulator"})
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package``.

    Parameters
    ----------
    package : str
        The package's name (its ``__name__``).
    namespace : dict
        The package's ``globals()``: an attribute, once imported, is kept there.
    exports : dict
        Attribute name -> the submodule (relative to ``package``) that defines it. Any other
        name that is a submodule of ``package`` is that submodule, imported on first use.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:  # a submodule, as an eager package would have had it
            if importlib.util.find_spec(f"{package}.{name}") is None:
                raise AttributeError(f"module {package!r} has no attribute {name!r}")
            return importlib.import_module(f"{package}.{name}")
        value = getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
