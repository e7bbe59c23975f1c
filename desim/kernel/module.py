"""Hierarchical modules (``sc_module``): a name, a parent, children, ports and processes."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import simpy

from desim.kernel.simulator import Simulator

__all__ = ["Module"]


class Module:
    """A named component of the hierarchy.

    Parameters
    ----------
    name : str
        Local name; the hierarchical path joins the ancestors' names with dots.
    parent : Module or Simulator
        The enclosing module, or the simulator for a top-level module.
    """

    def __init__(self, name: str, parent: Module | Simulator) -> None:
        if not name or "." in name:
            raise ValueError(f"module name must be non-empty and without dots, got {name!r}")
        self.name = name
        self.children: list[Module] = []
        if isinstance(parent, Simulator):
            self.sim = parent
            self.parent: Module | None = None
            parent.top.append(self)
        else:
            self.sim = parent.sim
            self.parent = parent
            parent.children.append(self)
        self.env: simpy.Environment = self.sim.env

    @property
    def path(self) -> str:
        """Hierarchical name such as ``acc.noc.r3.in0``."""
        return self.name if self.parent is None else f"{self.parent.path}.{self.name}"

    def walk(self) -> Iterator[Module]:
        """This module and its descendants, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def process(self, generator: Generator[Any, Any, Any]) -> simpy.Process:
        """Start one of this module's processes (an ``SC_THREAD``)."""
        return self.env.process(generator)

    def elaborate(self) -> None:
        """Check this module before simulation; subclasses extend."""

    def trace(self) -> str:
        """One line of state."""
        return self.path

    def stats(self) -> dict[str, Any]:
        """Flat statistics of this module."""
        return {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path}>"
