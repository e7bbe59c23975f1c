"""Action counts and the energy report computed from them after a run.

Components count what they do (`ActionCounts.add`); `EnergyReport` prices the counts with an
`EnergyTable`. Because the counts are kept, one run can be re-costed under another table.

Examples
--------
>>> from desim.energy import ActionCounts, EnergyReport, horowitz45
>>> counts = ActionCounts()
>>> counts.add("pe", "mul16", 1000)
>>> counts.add("pe", "sram_read", 64, size_bytes=8 * 1024)
>>> report = EnergyReport.from_counts(counts, horowitz45())
>>> round(report.total_pj, 1), round(report.by_component()["pe"], 1)
(810.0, 810.0)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from desim.energy.table import ACTIONS, EnergyTable

__all__ = ["ActionCounts", "EnergyReport"]

Key = tuple[str, str, int]  # (component, action, SRAM size in bytes or 0)


class ActionCounts:
    """Running totals of actions (operations or bits) per component kind.

    Components are named by kind (``"pe"``, ``"iaram"``, ``"noc"``...) rather than by instance,
    so a report stays a handful of rows on a 64-PE array.
    """

    def __init__(self) -> None:
        self._counts: defaultdict[Key, int] = defaultdict(int)

    def add(self, component: str, action: str, amount: int, size_bytes: int = 0) -> None:
        """Count ``amount`` units (operations or bits) of ``action`` by ``component``."""
        if action not in ACTIONS:
            raise KeyError(f"unknown action {action!r}; valid: {', '.join(ACTIONS)}")
        if amount < 0:
            raise ValueError(f"{component}: negative {action} count {amount}")
        self._counts[(component, action, size_bytes)] += int(amount)

    def merge(self, other: ActionCounts) -> None:
        """Add ``other``'s counts to these."""
        for key, amount in other._counts.items():
            self._counts[key] += amount

    def __iter__(self) -> Iterator[tuple[Key, int]]:
        return iter(sorted(self._counts.items()))

    def total(self, action: str, component: str | None = None) -> int:
        """Units of ``action`` counted (by ``component``, or by all)."""
        return sum(
            n for (c, a, _), n in self._counts.items() if a == action and component in (None, c)
        )

    def record(self) -> dict[str, int]:
        """Flat ``component.action[.sizeKB]`` -> count, JSON-ready."""
        return {_label(key): n for key, n in self}


def _label(key: Key) -> str:
    component, action, size = key
    return f"{component}.{action}" + (f".{size // 1024}KB" if size else "")


@dataclass(frozen=True)
class EnergyReport:
    """Energy in pJ per (component, action), priced from counts with one table."""

    rows: tuple[tuple[str, str, int, int, float], ...]  # component, action, size, count, pJ
    node_nm: int
    table_name: str

    @classmethod
    def from_counts(cls, counts: ActionCounts, table: EnergyTable) -> EnergyReport:
        """Price every counted action with ``table``."""
        rows = tuple((c, a, size, n, n * table.energy_pj(a, size)) for (c, a, size), n in counts)
        return cls(rows, table.node_nm, table.name)

    @property
    def total_pj(self) -> float:
        """Total energy, pJ."""
        return sum(r[4] for r in self.rows)

    def by_component(self) -> dict[str, float]:
        """Energy per component, pJ."""
        out: defaultdict[str, float] = defaultdict(float)
        for component, _, _, _, pj in self.rows:
            out[component] += pj
        return dict(out)

    def by_action(self) -> dict[str, float]:
        """Energy per action (all components), pJ."""
        out: defaultdict[str, float] = defaultdict(float)
        for _, action, _, _, pj in self.rows:
            out[action] += pj
        return dict(out)

    def record(self) -> dict[str, float]:
        """Flat JSON-ready record: total and per-component energies in pJ, and the node."""
        return {
            "energy_pj": self.total_pj,
            "energy_node_nm": self.node_nm,
            **{f"energy_pj.{c}": pj for c, pj in sorted(self.by_component().items())},
        }

    def table(self) -> str:
        """A fixed-width text table by component and action."""
        lines = [f"{'component':<12} {'action':<12} {'count':>14} {'energy (uJ)':>12}"]
        for component, action, size, n, pj in self.rows:
            name = action + (f"@{size // 1024}KB" if size else "")
            lines.append(f"{component:<12} {name:<12} {n:>14,} {pj / 1e6:>12.3f}")
        lines.append(f"{'total':<12} {'':<12} {'':>14} {self.total_pj / 1e6:>12.3f}")
        return "\n".join(lines)
