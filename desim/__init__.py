"""desim: discrete-event simulation of sparse DNN accelerators and their networks-on-chip.

The package imports only simpy, numpy and networkx at module level (never torch), so that sweep
workers start fast. ``desim.COMPILED`` says whether the NoC's hot path runs compiled by mypyc (see
`desim._compiled`).
"""

from desim import _compiled

__version__ = "0.1.0"

COMPILED: bool = _compiled.select()

__all__ = ["__version__", "COMPILED"]
