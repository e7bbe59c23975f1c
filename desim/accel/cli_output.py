"""What ``desim accel`` and ``desim compare`` write besides their tables: per-layer CSV files
(written atomically, a table's entries as columns of their own) and the comparison's per-layer
speedup and energy bars."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from desim.kernel.errors import ConfigError

__all__ = ["comparison_rows", "csv_cells", "design_rows", "plot_bars", "write_csv"]


def design_rows(document: dict[str, Any], network: str) -> list[dict[str, Any]]:
    """``desim accel``'s per-layer rows, each naming the design and ``network`` (so several
    runs' files concatenated stay apart)."""
    named = {"arch": document["arch"], "network": network}
    return [{**named, **row} for row in document["per_layer"]]


def comparison_rows(
    document: dict[str, Any], baselines: list[str], network: str
) -> list[dict[str, Any]]:
    """Each of ``baselines``' per-layer rows, in that order, each naming its baseline, the
    design and ``network``: the rows at the top level are those of the baseline the document
    names ``baseline``; any other's are under its name (`compare_designs`)."""
    named = {"arch": document["arch"], "network": network}
    rows = []
    for name in baselines:
        source = document if name == document["baseline"] else document[name]
        rows += [{"baseline": name, **named, **row} for row in source["per_layer"]]
    return rows


def csv_cells(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``row`` as CSV cells a pandas user reads as they are: a table's entries become columns
    of their own named ``key.entry`` (as the energy's ``energy_pj.dram``), a list a JSON array.

    Examples
    --------
    >>> csv_cells({"busiest_pe_waits_cycles": {"weights": 3, "buffer": 0}, "runs": [1, 2]})
    {'busiest_pe_waits_cycles.weights': 3, 'busiest_pe_waits_cycles.buffer': 0, 'runs': '[1, 2]'}
    """
    cells: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            cells.update(csv_cells(value, f"{prefix}{key}."))
        elif isinstance(value, list | tuple):
            cells[f"{prefix}{key}"] = json.dumps(value)
        else:
            cells[f"{prefix}{key}"] = value
    return cells


def write_csv(path: str, rows: list[dict[str, Any]]) -> None:
    target = Path(path)
    tmp = target.with_suffix(target.suffix + ".tmp")
    cells = [csv_cells(row) for row in rows]
    try:
        with open(tmp, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(cells[0]))
            writer.writeheader()
            writer.writerows(cells)
        tmp.replace(target)
    except OSError as exc:  # e.g. the file system filled up or was unmounted during the run
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"--csv: cannot write {path!r} ({exc.strerror})") from None


def plot_bars(path: str, document: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = document["per_layer"]
    names = [row["layer"].split(".")[-1] for row in rows]
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(max(6, len(rows) * 0.5), 4))
    ax.bar(x - 0.2, [r["speedup"] for r in rows], 0.4, label="speedup")
    ax.bar(x + 0.2, [r["energy_ratio"] for r in rows], 0.4, label="energy improvement")
    ax.axhline(1, color="grey", linewidth=0.8)
    ax.set_xticks(x, names, rotation=60, ha="right")
    ax.set_ylabel(f"{document['baseline']} / {document['arch']}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
