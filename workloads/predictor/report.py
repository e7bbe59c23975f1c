"""Measuring a trained predictor: per-layer cost, densities and error rates; accuracies.

For a hidden layer ``W`` of ``m x n`` with rank ``r``, over the held-out inputs it actually
receives (previous layers predicted too): true non-zeros ``h = W x + b > 0``, predicted
``p = U V x + b > 0``; false-negative rate ``|true & ~pred| / |true|`` (live outputs skipped:
costs accuracy), false-positive rate ``|~true & pred| / |~true|`` (rows computed for nothing).
Costs per sample: predictor ``r (n + m)`` MACs dense, ``r nnz(x) + m r`` over non-zero inputs;
feed-forward ``m n`` dense, ``m nnz(x)`` input-sparse. A layer without a predictor computes
every row: rank 0, every output predicted live.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workloads.training import accuracy, predict

__all__ = ["layer_report", "predictor_report", "paired_stderr"]


def _layer(index: int, layer: Any, rank: int, x: Any, h: Any, p: Any) -> dict[str, Any]:
    m, n = layer.weight.shape
    live = (h > 0).numpy()
    guessed = np.ones_like(live) if p is None else (p > 0).numpy()
    nnz = float((x != 0).sum(1).float().mean())
    return {
        "layer": index,
        "shape": [m, n],
        "predicted": p is not None,
        "rank": rank,
        "overhead_vs_dense": rank * (m + n) / (m * n),
        "overhead_vs_input_sparse": (rank * nnz + m * rank) / (m * nnz) if nnz else 0.0,
        "input_density": nnz / n,
        "true_output_density": float(live.mean()),
        "predicted_output_density": float(guessed.mean()),
        "false_negative_rate": float((live & ~guessed).sum() / max(1, live.sum())),
        "false_positive_rate": float((~live & guessed).sum() / max(1, (~live).sum())),
    }


def paired_stderr(before: np.ndarray, after: np.ndarray) -> float:
    """Standard error of ``mean(after) - mean(before)`` for two classifiers on the same test
    images (``before``, ``after``: whether each image is classified correctly).

    Only the discordant images count: with ``b`` lost and ``c`` gained out of ``n``, the
    variance of the paired difference is ``(b + c - (b - c)^2 / n) / n^2`` (the estimator
    behind McNemar's test).

    Examples
    --------
    >>> ok = np.ones(100, dtype=bool)
    >>> paired_stderr(ok, ok)
    0.0
    >>> round(paired_stderr(ok, np.r_[np.zeros(4, bool), np.ones(96, bool)]), 4)
    0.0196

    References
    ----------
    .. [1] A. Agresti, "Categorical Data Analysis", 3rd ed., Wiley 2013, sec. 11.1.
    """
    n = len(before)
    lost = int((before & ~after).sum())
    gained = int((~before & after).sum())
    return float(np.sqrt(max(0.0, lost + gained - (lost - gained) ** 2 / n)) / n)


def layer_report(network: Any, images: np.ndarray) -> list[dict[str, Any]]:
    """Per-hidden-layer rank, overheads, densities and error rates on ``images`` (rank 0 and
    every row computed where a layer has no predictor)."""
    import torch

    rows = []
    with torch.no_grad():
        network.eval()
        x = torch.from_numpy(images).flatten(1)
        for index in range(network.hidden):
            h, p, y = network.hidden_step(index, x)
            predictor = network.predictors[str(index)] if p is not None else None
            rank = predictor.rank if predictor is not None else 0
            rows.append(_layer(index, network.mlp.layers[index], rank, x, h, p))
            x = y
    return rows


def predictor_report(trained: Any) -> dict[str, Any]:
    """Per-layer figures and the accuracies: plain network, and with and without the predictor.

    ``accuracy`` is the network as trained without any predictor;
    ``accuracy_with_predictor`` the jointly trained network computing only predicted rows;
    ``accuracy_without_predictor`` that same network computing every row;
    ``images_lost`` / ``images_gained`` the test images the predictor's network gets wrong where
    the plain one was right / the reverse, and ``accuracy_change_stderr`` the standard error of
    the accuracy change they make (`paired_stderr`); ``accuracy_same_training`` the control's
    (the plain network trained further on the predictor's schedule, with no predictor: the
    fair reference, since the extra training alone changes the accuracy) and the standard error
    of the change against it.
    """
    network, base = trained.network, trained.base
    images, labels = base.data.images[base.test_indices], base.data.labels[base.test_indices]
    plain = predict(base.model, images) == labels
    control = predict(trained.control, images) == labels
    network.use_predictor = True
    masked = predict(network, images) == labels
    network.use_predictor = False
    without = accuracy(network, images, labels)
    network.use_predictor = True
    layers = layer_report(network, images)
    dense = sum(layer.weight.numel() for layer in network.mlp.layers)
    return {
        "model": trained.spec.model,
        "dataset": trained.spec.dataset,
        "widths": list(network.mlp.widths),
        "method": trained.spec.method,
        "test_samples": int(len(labels)),
        "accuracy": base.accuracy,
        "accuracy_with_predictor": float(masked.mean()),
        "accuracy_change_stderr": paired_stderr(plain, masked),
        "images_lost": int((plain & ~masked).sum()),
        "images_gained": int((~plain & masked).sum()),
        "accuracy_same_training": float(control.mean()),
        "accuracy_same_training_change_stderr": paired_stderr(control, masked),
        "accuracy_without_predictor": without,
        "overhead_vs_dense_network": sum(r["rank"] * sum(r["shape"]) for r in layers) / dense,
        "layers": layers,
        "from_cache": trained.from_cache,
    }
