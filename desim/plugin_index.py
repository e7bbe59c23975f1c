"""The plug-in names that desim's own provider modules register, kind by kind, so that
``desim list`` can print them without importing those modules (which import numpy, networkx,
simpy and the whole simulator).

A provider not listed here (another package's entry point) is imported and listed as it
registers. ``tests/test_registry.py`` imports every listed module and checks that it registers
exactly these names: a plug-in added to desim without its name here fails that test.
"""

from __future__ import annotations

__all__ = ["BUILTIN"]

BUILTIN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (provider modules, the names they register)
    "accelerator": (
        ("desim.accel.designs",),
        (
            "dcnn",
            "dcnn-opt",
            "dense",
            "input-sparse",
            "scnn",
            "scnn-sparsea",
            "scnn-sparsew",
            "sparsenn",
        ),
    ),
    "allocator": (("desim.noc.allocators",), ("input_first", "islip", "islip2")),
    "arbiter": (
        ("desim.noc.arbiters",),
        ("fixed_priority", "matrix", "oldest_first", "round_robin"),
    ),
    "dataset": (("workloads.datasets",), ("digits", "mnist", "photos")),
    "format": (("workloads.formats",), ("bitmap", "csc", "csr", "dense", "scnn")),
    "injection": (("desim.noc.traffic",), ("bernoulli", "bursty")),
    "model": (
        ("workloads.zoo",),
        (
            "alexnet",
            "googlenet",
            "lenet5",
            "mlp",
            "mlp_tiny",
            "tiny_alexnet",
            "tiny_googlenet",
            "tiny_vgg16",
            "vgg16",
        ),
    ),
    "router": (("desim.noc.presets",), ("booksim", "simple")),
    "routing": (
        ("desim.noc.routing",),
        (
            "min_adaptive",
            "negative_first",
            "north_last",
            "odd_even",
            "table",
            "valiant",
            "west_first",
            "xy",
            "xy_static",
            "yx",
            "yx_static",
        ),
    ),
    "selection": (("desim.noc.selection",), ("first", "most_credits", "random")),
    "topology": (
        ("topologies",),
        (
            "cmesh",
            "fat_tree",
            "flattened_butterfly",
            "from_file",
            "htree",
            "mesh",
            "ring",
            "star",
            "torus",
            "tree",
        ),
    ),
    "traffic": (
        ("desim.noc.traffic",),
        (
            "bitcomp",
            "bitrev",
            "hotspot",
            "neighbor",
            "shuffle",
            "tornado",
            "transpose",
            "uniform",
        ),
    ),
}
