"""Hierarchical modules (``sc_module``): a name, a parent, children, ports and processes."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import simpy
from mypy_extensions import mypyc_attr

from desim.kernel.checks import check_local_name
from desim.kernel.errors import ElaborationError
from desim.kernel.simulator import Simulator

if TYPE_CHECKING:
    from desim.kernel.port import Port

__all__ = ["Module", "child_path"]


def child_path(parent: Module | Simulator, name: str) -> str:
    """The path a child called ``name`` of ``parent`` will have (for messages before it exists)."""
    return f"{parent.path}.{name}" if isinstance(parent, Module) else name


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled (desim._compiled); users subclass it
class Module:
    """A named component of the hierarchy.

    Parameters
    ----------
    name : str
        Local name; the hierarchical path joins the ancestors' names with dots. Siblings (child
        modules and ports of one parent) have distinct names.
    parent : Module or Simulator
        The enclosing module, or the simulator for a top-level module.

    Examples
    --------
    >>> sim = Simulator()
    >>> acc = Module("acc", sim)
    >>> pe = Module("pe0", acc)
    >>> pe.path, [m.path for m in sim.modules()]
    ('acc.pe0', ['acc', 'acc.pe0'])
    >>> Module("pe0", acc)
    Traceback (most recent call last):
    ...
    desim.kernel.errors.ElaborationError: 'acc' already has a child or port named 'pe0'
    """

    def __init__(self, name: object, parent: Module | Simulator) -> None:
        self.name = name = check_local_name(name, "module")
        self.children: list[Module] = []
        self._module_ports: list[Port[Any]] = []
        # the local names taken by children and ports (a dictionary's keys: an empty dictionary
        # takes under a third of an empty set's memory, and thousands of routers hold none)
        self._local_names: dict[str, None] = {}
        if isinstance(parent, Simulator):
            if any(module.name == name for module in parent.top):
                raise ElaborationError(f"simulator already has a top-level module named {name!r}")
            self.sim = parent
            self.parent: Module | None = None
            parent.top.append(self)
        else:
            parent._claim(name)
            self.sim = parent.sim
            self.parent = parent
            parent.children.append(self)
        self.env: simpy.Environment = self.sim.env

    def _claim(self, name: str) -> None:
        if name in self._local_names:
            raise ElaborationError(f"{self.path!r} already has a child or port named {name!r}")
        self._local_names[name] = None

    def add_port(self, port: Port[Any]) -> None:
        """Register ``port`` (done by the port's constructor) so that `elaborate` checks it."""
        self._claim(port.name)
        self._module_ports.append(port)

    def iter_ports(self) -> Iterator[Port[Any]]:
        """This module's ports, in creation order."""
        return iter(self._module_ports)

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
        """Check this module before simulation: every port bound exactly once.

        Subclasses that add checks call ``super().elaborate()``.

        Raises
        ------
        ElaborationError
            Naming the first unbound port.
        """
        for port in self._module_ports:
            port.check_bound()

    def trace(self) -> str:
        """One line of state."""
        return self.path

    def stats(self) -> dict[str, Any]:
        """Flat statistics of this module."""
        return {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path}>"
