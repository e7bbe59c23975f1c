"""The standard figures of a sweep, as PNG files (matplotlib, Agg backend).

* ``latency_load.png``: average packet latency vs offered load, one line per topology / policy /
  size (every varied key but the load and the seed), the saturation throughput marked with a
  star. From ``latency_load`` points (their curves), or ``noc`` points varying
  ``noc.injection_rate`` (the first saturated load marked).
* ``vs_size.png``: metrics vs network size (routers, from ``noc.topology_args.rows`` and
  ``cols``), one line per other varied key: saturation throughput and zero-load latency (or
  latency and accepted load), and the simulator's wall time per point.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "FIGURE_KINDS",
    "plot_sweep",
    "latency_load_axes",
    "size_axes",
    "varied_keys",
    "network_size",
]

FIGURE_KINDS = ("latency_load", "noc", "compare")
"""The point kinds a standard figure is drawn for (``accel`` points have none: compare designs
with a ``compare`` sweep, or plot the CSV)."""

_ROWS, _COLS, _RATE = "noc.topology_args.rows", "noc.topology_args.cols", "noc.injection_rate"
_SIZE_METRICS = {
    "latency_load": ("saturation_rate", "zero_load_latency", "point_wall_seconds"),
    "noc": ("avg_packet_latency", "accepted_rate", "point_wall_seconds"),
}


def varied_keys(frame: pd.DataFrame) -> list[str]:
    """The dotted config keys the sweep varied (its grid columns)."""
    return [c for c in frame.columns if "." in c]


def network_size(frame: pd.DataFrame) -> pd.Series:
    """Routers per point (rows x cols where both vary, else rows)."""
    size = frame[_ROWS]
    return size * frame[_COLS] if _COLS in frame else size


def _label(row: Any, keys: list[str]) -> str:
    return ", ".join(f"{k.rsplit('.', 1)[-1]}={row[k]}" for k in keys) or "all"


def _groups(frame: pd.DataFrame, exclude: set[str]) -> list[tuple[str, pd.DataFrame]]:
    keys = [k for k in varied_keys(frame) if k not in exclude]
    if frame["seed"].nunique() > 1:
        keys.append("seed")
    if not keys:
        return [("all", frame)]
    return [(_label(g.iloc[0], keys), g) for _, g in frame.groupby(keys, sort=False)]


def latency_load_axes(frame: pd.DataFrame, ax: Axes) -> None:
    """Draw latency vs offered load on ``ax`` (see the module docstring)."""
    if frame["kind"].iloc[0] == "latency_load":
        for label, group in _groups(frame, set()):
            row = group.iloc[0]
            curve = [p for p in json.loads(row["curve_json"]) if p[2] is not None]
            (line,) = ax.plot([p[0] for p in curve], [p[2] for p in curve], "o-", label=label)
            if row["saturated"] and curve:
                ax.plot(row["saturation_rate"], curve[-1][2], "*", ms=14, color=line.get_color())
    else:
        for label, group in _groups(frame, {_RATE}):
            stable = group[~group["saturated"].astype(bool)].sort_values(_RATE)
            (line,) = ax.plot(stable[_RATE], stable["avg_packet_latency"], "o-", label=label)
            saturated = group[group["saturated"].astype(bool)]
            if len(saturated) and len(stable):
                top = stable["avg_packet_latency"].max()
                ax.plot(saturated[_RATE].min(), top, "*", ms=14, color=line.get_color())
    ax.set_xlabel("offered load (flits/node/cycle)")
    ax.set_ylabel("average packet latency (cycles)")
    ax.set_title("latency vs offered load (star: saturation)")
    ax.legend(fontsize="small")


def size_axes(frame: pd.DataFrame, metric: str, ax: Axes) -> None:
    """Draw ``metric`` vs network size (routers) on ``ax``, one line per other varied key."""
    frame = frame.assign(routers=network_size(frame))
    for label, group in _groups(frame, {_ROWS, _COLS, "seed"}):
        means = group.groupby("routers")[metric].mean()
        ax.plot(means.index, means.values, "o-", label=label)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("routers")
    ax.set_ylabel(metric)
    ax.legend(fontsize="small")


def comparison_axes(frame: Any, ax: Any) -> None:
    """Bars of each point's speedup and energy ratio (baseline / design) of a ``compare`` sweep."""
    import numpy as np

    network = next(c for c in ("accel.network", "network", "workload.model") if c in frame)
    labels = [
        "\n".join([f"{row['arch']} vs {row['baseline']}", str(row[network]), *varied])
        for (_, row), varied in zip(frame.iterrows(), _compare_varied(frame), strict=True)
    ]
    x = np.arange(len(frame))
    ax.bar(x - 0.2, frame["speedup"], 0.4, label="speedup")
    ax.bar(x + 0.2, frame["energy_ratio"], 0.4, label="energy ratio")
    ax.axhline(1, color="grey", linewidth=0.8)
    ax.set_xticks(x, labels, fontsize="small")
    ax.set_ylabel("baseline / design")
    ax.legend(fontsize="small")


def _compare_varied(frame: Any) -> list[list[str]]:
    """Per point of a ``compare`` sweep, ``key=value`` of each grid key that varies but the
    design, baseline and network (in the label already), and the seed when several: what tells
    its bars from the others'."""
    shown = {"accel.arch", "accel.baseline", "accel.network"}
    keys = [c for c in frame.columns if c.startswith("accel.") and c not in shown] + ["seed"] * (
        "seed" in frame
    )
    keys = [k for k in keys if frame[k].astype(str).nunique() > 1]
    short = {k: k.removeprefix("accel.params.").removeprefix("accel.") for k in keys}
    return [[f"{short[k]}={row[k]}" for k in keys] for _, row in frame.iterrows()]


def plot_sweep(directory: str | Path) -> list[Path]:
    """Write the figures that apply to the sweep in ``directory``; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from desim.sweep.store import load

    directory = Path(directory)
    frame = load(directory)
    frame = frame[frame["status"] == "ok"] if len(frame) else frame
    if frame.empty:
        return []
    written = []
    kind = frame["kind"].iloc[0]
    if kind == "latency_load" or (kind == "noc" and _RATE in frame):
        fig, ax = plt.subplots(figsize=(7, 4.5))
        latency_load_axes(frame, ax)
        written.append(_save(fig, directory / "latency_load.png"))
    if kind == "compare":
        fig, ax = plt.subplots(figsize=(max(5, 1.6 * len(frame)), 4))
        comparison_axes(frame, ax)
        written.append(_save(fig, directory / "comparison.png"))
    if _ROWS in frame and kind in _SIZE_METRICS:
        metrics = _SIZE_METRICS[kind]
        fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 4))
        for metric, ax in zip(metrics, axes, strict=True):
            size_axes(frame, metric, ax)
        written.append(_save(fig, directory / "vs_size.png"))
    return written


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
