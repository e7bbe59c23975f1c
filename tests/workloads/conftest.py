"""Shared set-up: one thread, and a cache directory shared by the whole test session."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ["DESIM_CACHE_DIR"] = str(tmp_path_factory.mktemp("desim-cache"))
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)
