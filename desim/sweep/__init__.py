"""Batch sweeps: specs (a base config, a grid of dotted keys, seeds), point kinds, executors
(local processes or Dask) and a resumable SQLite store per sweep directory.

Nothing heavy is imported here (no pandas, dask or torch): sweep workers import this package.
See ``docs/sweeps.md``.

Examples
--------
>>> from desim.sweep import spec_from_mapping
>>> spec = spec_from_mapping({
...     "sweep": {"kind": "noc", "seeds": [1, 2]},
...     "noc": {"topology_args": {"rows": 2, "cols": 2}, "sample_period_cycles": 100},
...     "grid": {"noc": {"routing": ["xy", "yx"]}},
... })
>>> len(spec.points), spec.keys
(4, ['noc.routing'])
>>> spec_from_mapping({"grid": {"noc": {"routng": ["xy"]}}})
Traceback (most recent call last):
...
desim.kernel.errors.ConfigError: grid point {'noc.routng': 'xy'}: unknown key 'noc.routng'; ...
"""

from desim.sweep.kinds import KINDS, register_kind
from desim.sweep.runner import SweepReport, run_sweep
from desim.sweep.spec import Point, SweepSpec, config_hash, load_spec, spec_from_mapping
from desim.sweep.store import load

__all__ = [
    "KINDS",
    "Point",
    "SweepReport",
    "SweepSpec",
    "config_hash",
    "load",
    "load_spec",
    "register_kind",
    "run_sweep",
    "spec_from_mapping",
]
