"""Size limits: refuse, before anything is allocated or run, work whose estimated size is beyond
reason, with the estimate and how to override it (``DESIM_NO_SIZE_LIMIT=1``).

The limits themselves live beside what they bound: networks, runs and sweeps in
`desim.noc.validation`, sweep workers in `desim.sweep.executors`, model widths in
``workloads.cli``.

Examples
--------
>>> check_limit("a grid has too many points", 20, 10)
Traceback (most recent call last):
...
desim.kernel.errors.ConfigError: a grid has too many points: an estimated 20, beyond the limit ...
"""

from __future__ import annotations

import os

from desim.kernel.errors import ConfigError

__all__ = ["OVERRIDE", "check_limit"]

OVERRIDE = "DESIM_NO_SIZE_LIMIT"
"""The environment variable that lifts every limit when set to anything but 0 or empty."""


def _limited() -> bool:
    return os.environ.get(OVERRIDE, "0") in ("", "0")


def check_limit(what: str, estimate: float, limit: float) -> None:
    """Raise `ConfigError` with the estimate and the override when ``estimate > limit``."""
    if estimate > limit and _limited():
        raise ConfigError(
            f"{what}: an estimated {_number(estimate)}, beyond the limit of {_number(limit)}; "
            f"set {OVERRIDE}=1 to run it anyway"
        )


def _number(value: float) -> str:
    """``value`` to 3 significant figures, but a whole number below a million in full (a count
    of 1000 workers is not ``1e+03``).

    Examples
    --------
    >>> _number(1000), _number(2.16e9), _number(0.5)
    ('1000', '2.16e+09', '0.5')
    """
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.3g}"
