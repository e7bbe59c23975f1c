"""On-disk cache of trained artefacts, keyed by the config that produced them.

The directory is ``$DESIM_CACHE_DIR`` (default ``~/.cache/desim``). An entry is a file named by
a hash of its config (and of `CACHE_VERSION`, bumped whenever training code changes what a config
yields); it is written to a temporary file and moved into place with ``os.replace``, so a reader
never sees half an entry and concurrent writers of one key are harmless.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["cache_dir", "cache_key", "cached", "CACHE_VERSION"]

CACHE_VERSION = 3  # 3: trained with torch's ATen kernels pinned to AVX2 (desim._reproducible)
T = TypeVar("T")


def cache_dir() -> Path:
    """``$DESIM_CACHE_DIR`` or ``~/.cache/desim``."""
    return Path(os.environ.get("DESIM_CACHE_DIR") or Path.home() / ".cache" / "desim")


def cache_key(kind: str, config: dict[str, Any]) -> str:
    """A stable file name for ``config``: ``kind-<sha256 prefix>``."""
    text = json.dumps({"version": CACHE_VERSION, **config}, sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:20]}"


def _save(path: Path, value: Any) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(handle)
    try:
        torch.save(value, temporary)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def cached(kind: str, config: dict[str, Any], build: Callable[[], T]) -> tuple[T, bool]:
    """The cached value for ``config``, or ``build()`` saved under it.

    Values are torch-serialisable (state dicts, tensors, plain containers of them).

    Returns
    -------
    value, hit
        ``hit`` tells whether the value came from the cache.
    """
    import torch

    path = cache_dir() / f"{cache_key(kind, config)}.pt"
    if path.exists():
        return torch.load(path, weights_only=True), True
    value = build()
    _save(path, value)
    return value, False
