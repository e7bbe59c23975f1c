"""Routing policies (registry ``routing``); importing this package registers the built-ins.

Built-ins: ``xy``, ``yx`` (`dor`), ``west_first``, ``north_last``, ``negative_first``,
``odd_even`` (`turns`), ``min_adaptive``, ``valiant`` (`adaptive`) and ``table`` (`table`).
`analysis` checks any policy's routes and deadlock freedom. See ``docs/routing.md``.
"""

from desim.noc.routing import adaptive, dor, table, turns
from desim.noc.routing.base import (
    Candidate,
    DeclaredRoute,
    PairRoute,
    Route,
    RouteFunction,
    RoutingContext,
    StateRoute,
    UnsupportedTopologyError,
    by_destination,
    resolve_routing,
    routing_policy,
)

__all__ = [
    "Candidate",
    "DeclaredRoute",
    "PairRoute",
    "Route",
    "RouteFunction",
    "RoutingContext",
    "StateRoute",
    "UnsupportedTopologyError",
    "adaptive",
    "by_destination",
    "dor",
    "resolve_routing",
    "routing_policy",
    "table",
    "turns",
]
