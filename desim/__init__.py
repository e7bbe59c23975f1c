"""desim: discrete-event simulation of sparse DNN accelerators and their networks-on-chip.

The package imports only simpy, numpy and networkx at module level (never torch), so that sweep
workers start fast.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
