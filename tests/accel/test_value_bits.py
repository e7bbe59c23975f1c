"""A value field is 1..32 bits wide wherever one is configured: the accelerators' datapaths and
the workloads' compressed formats (workloads record 32-bit floats; a wider field stores no more)."""

from __future__ import annotations

import pytest

from desim.accel.dcnn import DcnnConfig, DcnnOptConfig
from desim.accel.scnn import ScnnConfig
from desim.accel.sparsenn_config import SparseNNConfig
from desim.kernel.checks import MAX_VALUE_BITS
from desim.kernel.errors import ConfigError

CONFIGS = {
    "scnn": ScnnConfig,
    "dcnn": DcnnConfig,
    "dcnn-opt": DcnnOptConfig,
    "sparsenn": SparseNNConfig,
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("bits", [0, 33, 1000, True, 16.0])
def test_a_value_width_outside_1_to_32_bits_is_refused(name: str, bits: object) -> None:
    with pytest.raises(ConfigError, match=r"'value_bits' must be an integer in 1\.\.32"):
        CONFIGS[name](value_bits=bits)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_widest_value_is_accepted(name: str) -> None:
    assert CONFIGS[name](value_bits=MAX_VALUE_BITS).value_bits == MAX_VALUE_BITS
