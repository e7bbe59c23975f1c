"""Routing policies (registry ``routing``); importing this package registers the built-ins."""

from desim.noc.routing import dor
from desim.noc.routing.base import (
    Candidate,
    RouteFunction,
    RoutingContext,
    UnsupportedTopologyError,
    resolve_routing,
    routing_policy,
)

__all__ = [
    "Candidate",
    "RouteFunction",
    "RoutingContext",
    "UnsupportedTopologyError",
    "dor",
    "resolve_routing",
    "routing_policy",
]
