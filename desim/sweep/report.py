"""The summary table printed at the end of a sweep."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from desim.sweep.kinds import KINDS

__all__ = ["summary_table", "summary_line"]


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def summary_table(records: Sequence[dict[str, Any]], keys: Sequence[str]) -> str:
    """An aligned text table, one row per point: the varied ``keys``, the seed, the status, the
    kind's summary columns and the point's wall time; the errors follow the table."""
    if not records:
        return "(no points)"
    metrics = [c for c in KINDS.metadata(records[0]["kind"])["summary"]]
    columns = [*keys, "seed", "status", *metrics, "point_wall_seconds"]
    titles = [c.rsplit(".", 1)[-1] if c in keys else c for c in columns]
    titles[-1] = "wall s"
    rows = [titles] + [[_cell(r.get(c)) for c in columns] for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    errors = [
        f"  {r['seed']} {[r.get(k) for k in keys]}: {r['error']}"
        for r in records
        if r["status"] != "ok"
    ]
    return "\n".join(lines + (["errors:", *errors] if errors else []))


def summary_line(ran: int, skipped: int, lost: int, records: Sequence[dict[str, Any]]) -> str:
    """``"N points: ran R, resumed S, F failed, L lost"``."""
    failed = sum(r["status"] != "ok" for r in records)
    text = f"{len(records) + lost} points: ran {ran}, already done {skipped}, {failed} failed"
    return text + (f", {lost} lost (rerun with --resume)" if lost else "")
