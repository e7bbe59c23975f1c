"""Would a static row-to-PE mapping balance SparseNN's kept rows? Busiest PE against the mean.

SparseNN's PEs own fixed rows (their weights are resident), so the rows a PE computes in an
inference are its own rows the predictor keeps. With rows interleaved (EIE's mapping) the busiest
PE of MNIST's layer 1 keeps about 1.5x the mean (docs/sparsenn.md). A static mapping can only
balance what is known offline: each row's kept frequency over the training images. This script
deals rows to PEs by that frequency (sorted, dealt back and forth over the PEs, so every PE gets
the same number of rows and nearly the same expected kept rows) and counts, on held-out images,
each PE's kept rows under both mappings. If the imbalance is per image (which rows live depends
on the image) rather than per row, the static mapping cannot remove it. For scale, the same
count for rows that live independently of each other with their training frequencies (random
draws, interleaved mapping): the imbalance chance alone gives.

Writes ``benchmarks/results/sparsenn_row_balance.json``.

Usage: ``python benchmarks/sparsenn_row_balance.py [--pes 64] [--images 200]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from desim.accel.sparsenn_plan import owners

RESULTS = Path(__file__).parent / "results"


def imbalance(masks: np.ndarray, owner: np.ndarray, pes: int) -> dict[str, float]:
    """Mean over images of the busiest PE's kept rows, the mean PE's, and their ratio."""
    kept = np.stack([np.bincount(owner, weights=m, minlength=pes) for m in masks.astype(float)])
    return {
        "busiest": float(kept.max(1).mean()),
        "mean": float(kept.mean()),
        "busiest_over_mean": float((kept.max(1) / kept.mean(1)).mean()),
    }


def masks(trained: Any, indices: np.ndarray) -> list[np.ndarray]:
    """Each predicted hidden layer's kept rows on ``indices`` (images x rows)."""
    import torch

    network, out = trained.network, []
    with torch.no_grad():
        x = torch.from_numpy(trained.base.data.images[indices]).flatten(1)
        for index in range(network.hidden):
            _, p, x = network.hidden_step(index, x)
            out.append((p > 0).numpy())
    return out


def main() -> None:
    from workloads.predictor.train import PredictorSpec, train_indices, train_predictor

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pes", type=int, default=64)
    parser.add_argument("--images", type=int, default=200)
    args = parser.parse_args()
    record: dict[str, Any] = {"pes": args.pes, "test_images": args.images, "layers": []}
    for dataset in ("mnist", "digits"):
        trained = train_predictor(PredictorSpec("mlp", dataset))
        train_masks = masks(trained, np.array(train_indices(trained.base)))
        test_masks = masks(trained, trained.base.test_indices[: args.images])
        for index, (seen, held) in enumerate(zip(train_masks, test_masks, strict=True)):
            rows = seen.shape[1]
            row = {
                "dataset": dataset,
                "layer": index,
                "interleaved": imbalance(held, owners(rows, args.pes, "interleaved"), args.pes),
                "by_frequency": imbalance(
                    held, owners(rows, args.pes, "frequency", seen.mean(0)), args.pes
                ),
            }
            frequency = seen.mean(0)
            draws = np.random.default_rng(0).random((args.images, rows)) < frequency
            interleaved = owners(rows, args.pes, "interleaved")
            row["independent_rows"] = imbalance(draws, interleaved, args.pes)
            record["layers"].append(row)
            print(row, flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sparsenn_row_balance.json").write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
