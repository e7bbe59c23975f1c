"""Ports (``sc_fifo_in`` / ``sc_fifo_out``): a module's typed access points to a channel.

A port belongs to a module, is bound exactly once to a channel (or to a port of an enclosing
module, which forwards in turn), and forwards ``get()`` / ``put()`` to it. `Simulator.elaborate`
reports any port left unbound.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

import simpy

from desim.kernel.checks import check_local_name
from desim.kernel.errors import ElaborationError
from desim.kernel.module import Module

__all__ = ["GetInterface", "PutInterface", "Port", "InPort", "OutPort"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)
I = TypeVar("I")  # noqa: E741 - the interface a port forwards to


class GetInterface(Protocol[T_co]):
    """What an `InPort` binds to: anything with a blocking ``get()`` (``sc_fifo_in_if``)."""

    def get(self) -> simpy.Event:
        """An event whose value is the next item."""
        ...


class PutInterface(Protocol[T_contra]):
    """What an `OutPort` binds to: anything with a blocking ``put(item)`` (``sc_fifo_out_if``)."""

    def put(self, item: T_contra) -> simpy.Event:
        """An event triggered once ``item`` is accepted."""
        ...


class Port(Generic[I]):
    """Common part of the ports: a name in its owner's namespace and a single binding.

    Parameters
    ----------
    name : str
        Local name; the port's path is ``owner.path + "." + name``.
    owner : Module
        The module the port belongs to; it registers the port for elaboration.
    """

    #: The method the bound object must have ("get" or "put").
    method: str = ""

    def __init__(self, name: str, owner: Module) -> None:
        check_local_name(name, "port")
        self.name = name
        self.owner = owner
        self._target: I | None = None
        owner.add_port(self)

    @property
    def path(self) -> str:
        """Hierarchical name such as ``top.pe0.out``."""
        return f"{self.owner.path}.{self.name}"

    @property
    def bound(self) -> bool:
        """Whether `bind` was called."""
        return self._target is not None

    def bind(self, target: I) -> None:
        """Bind the port to ``target``, once.

        Raises
        ------
        ElaborationError
            If the port is already bound or ``target`` lacks the port's method.
        """
        if self._target is not None:
            raise ElaborationError(
                f"port {self.path!r} is already bound to {_describe(self._target)}; a port is "
                f"bound exactly once (refusing {_describe(target)})"
            )
        if not callable(getattr(target, self.method, None)):
            raise ElaborationError(
                f"port {self.path!r} needs something with {self.method}(), got {_describe(target)}"
            )
        self._target = target

    def check_bound(self) -> None:
        """Raise `ElaborationError` naming this port if it is unbound."""
        self.target()

    def target(self) -> I:
        """What the port is bound to.

        Raises
        ------
        ElaborationError
            If the port is unbound.
        """
        if self._target is None:
            raise ElaborationError(
                f"port {self.path!r} is unbound; bind it once with {self.path}.bind(channel)"
            )
        return self._target

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path}>"


class InPort(Port[GetInterface[T]]):
    """An input port; ``item = yield port.get()`` reads from the bound channel.

    Examples
    --------
    >>> from desim.kernel import Channel, Module, Simulator
    >>> sim = Simulator()
    >>> sink = Module("sink", sim)
    >>> inp: InPort[int] = InPort("inp", sink)
    >>> sim.elaborate()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    desim.kernel.errors.ElaborationError: port 'sink.inp' is unbound; bind it once with ...
    >>> link = Channel("link", sim, capacity=2)
    >>> inp.bind(link)
    >>> sim.elaborate()
    """

    method = "get"

    def get(self) -> simpy.Event:
        """Forward to the bound channel's ``get()``."""
        return self.target().get()


class OutPort(Port[PutInterface[T]]):
    """An output port; ``yield port.put(item)`` writes to the bound channel (may block)."""

    method = "put"

    def put(self, item: T) -> simpy.Event:
        """Forward to the bound channel's ``put(item)``."""
        return self.target().put(item)


def _describe(target: object) -> str:
    path = getattr(target, "path", None)
    return repr(path) if isinstance(path, str) else repr(target)
