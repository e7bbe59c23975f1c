"""Energy: per-action tables citing their sources, action counts, and the energy report."""

from desim.energy.report import ActionCounts, EnergyReport
from desim.energy.table import ACTIONS, EnergyEntry, EnergyTable, horowitz45

__all__ = ["ACTIONS", "ActionCounts", "EnergyEntry", "EnergyReport", "EnergyTable", "horowitz45"]
