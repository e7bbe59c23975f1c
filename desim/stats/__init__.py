"""Counters, histograms and time-weighted levels, each summarised as a flat record for pandas.

Examples
--------
>>> from desim.stats import Counter, Histogram
>>> flits, latency = Counter("flits"), Histogram("latency", percentiles=(50,))
>>> flits.add(2); latency.extend([4, 6])
>>> record = {**flits.to_record(), **latency.to_record()}
>>> record["flits"], record["latency.mean"], record["latency.p50"]
(2, 5.0, 5.0)
"""

# The kernel's channels use these statistics and these raise the kernel's errors: importing the
# kernel first lets it import the submodules below while this package is still initialising.
import desim.kernel  # noqa: F401  (import order, see above)
from desim.stats.counter import Counter
from desim.stats.histogram import Histogram
from desim.stats.level import TimeWeighted

__all__ = ["Counter", "Histogram", "TimeWeighted"]
