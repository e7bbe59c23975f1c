"""desim: discrete-event simulation of sparse DNN accelerators and their networks-on-chip.

The package imports only simpy, numpy and networkx at module level (never torch), so that sweep
workers start fast. ``desim.COMPILED`` says whether the NoC's hot path runs compiled by mypyc (see
`desim._compiled`; the choice is made when the first compiled module is imported). Importing it
pins torch's CPU kernels to AVX2 on x86-64 (`desim._reproducible`), so that trained results are
the same on every machine.
"""

from desim import _compiled, _reproducible

__version__ = "0.1.0"

_reproducible.pin_cpu_kernels()  # before anything imports torch: same numbers on every x86-64

_compiled.install()  # the compiled modules or their sources: chosen on the first one's import

__all__ = ["__version__", "COMPILED"]


def __getattr__(name: str) -> bool:
    """``COMPILED``: whether the NoC's hot path runs compiled (`desim._compiled.select`)."""
    if name == "COMPILED":
        return _compiled.select()
    raise AttributeError(f"module 'desim' has no attribute {name!r}")
