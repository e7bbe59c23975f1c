"""The topology schema and its validator live in desim (`desim.topology`), so that the network
never imports this package; re-exported here for the builders."""

from desim.topology import (
    DEFAULT_LATENCY_CYCLES,
    TopologyError,
    builder,
    check_int,
    validate_topology,
)

__all__ = ["TopologyError", "validate_topology", "check_int", "builder", "DEFAULT_LATENCY_CYCLES"]
