"""Synthetic sparsity: masks drawn at a given density, for density sweeps.

``iid``
    Every entry kept independently with probability ``density`` (Bernoulli).
``clustered``
    Gaussian-smoothed noise over the last two axes, thresholded at its order statistic: exactly
    ``round(density * n)`` entries kept, in spatial clusters of about ``sigma`` entries across.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from desim.config import require
from desim.kernel.errors import ConfigError

__all__ = ["iid_mask", "clustered_mask", "mask", "MASKS"]


def iid_mask(shape: tuple[int, ...], density: float, rng: np.random.Generator) -> np.ndarray:
    """Bernoulli(``density``) mask of ``shape``."""
    require(0 <= density <= 1, f"density must be in [0, 1], got {density}")
    return rng.random(shape) < density


def clustered_mask(
    shape: tuple[int, ...], density: float, rng: np.random.Generator, sigma: float = 1.5
) -> np.ndarray:
    """A mask with exactly ``round(density * size)`` entries set, clustered in the last two axes."""
    from scipy.ndimage import gaussian_filter

    require(0 <= density <= 1, f"density must be in [0, 1], got {density}")
    noise = rng.standard_normal(shape)
    sigmas = [0.0] * max(0, len(shape) - 2) + [sigma] * min(2, len(shape))
    field = gaussian_filter(noise, sigmas, mode="wrap") if noise.ndim else noise
    keep = round(density * noise.size)
    flat = np.zeros(noise.size, dtype=bool)
    flat[np.argsort(-field.reshape(-1), kind="stable")[:keep]] = True
    return flat.reshape(shape)


MASKS: dict[str, Callable[[tuple[int, ...], float, np.random.Generator], np.ndarray]] = {
    "iid": iid_mask,
    "clustered": clustered_mask,
}


def mask(kind: str, shape: tuple[int, ...], density: float, rng: np.random.Generator) -> np.ndarray:
    """A mask of the named ``kind`` (unknown kinds raise with the valid ones)."""
    try:
        draw = MASKS[kind]
    except KeyError:
        raise ConfigError(f"unknown mask {kind!r}; valid: {', '.join(MASKS)}") from None
    return draw(shape, density, rng)
