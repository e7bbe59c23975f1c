"""Compressed formats: exact round trips (hypothesis) and sizes against hand computations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from desim.kernel.errors import ConfigError
from desim.registry import FORMAT
from workloads.formats import ScnnCodec, codec, sizes_bits

FORMATS = ["bitmap", "csc", "csr", "dense", "scnn"]
# mostly zeros, some runs far longer than 15
sparse_values = st.one_of(
    st.just(0.0), st.just(0.0), st.just(0.0), st.floats(-1e4, 1e4, allow_nan=False, width=32)
)
tensors = arrays(
    np.float32,
    array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=40),
    elements=sparse_values,
)


def test_every_format_is_registered() -> None:
    assert FORMAT.names() == FORMATS


@pytest.mark.parametrize("name", FORMATS)
@settings(max_examples=60, deadline=None)
@given(array=tensors)
def test_round_trip_is_exact(name: str, array: np.ndarray) -> None:
    c = codec(name)
    decoded = c.decode(c.encode(array))
    assert decoded.shape == array.shape and decoded.dtype == array.dtype
    assert np.array_equal(decoded, array)


@settings(max_examples=60, deadline=None)
@given(array=tensors, block_ndim=st.integers(1, 3))
def test_scnn_round_trip_any_blocking(array: np.ndarray, block_ndim: int) -> None:
    c = ScnnCodec(block_ndim=block_ndim, run_bits=3)
    assert np.array_equal(c.decode(c.encode(array)), array)


def test_scnn_size_hand_computed_with_long_run() -> None:
    # block 1: 3 at 2 (run 2); 40 zeros; 5 at 43: run 40 = 16 + 16 + 8 -> 2 placeholders + (5, 8)
    # block 2: all zero -> count only.
    block = np.zeros(50, np.float32)
    block[2], block[43] = 3.0, 5.0
    enc = ScnnCodec(block_ndim=1).encode(np.stack([block, np.zeros(50, np.float32)]))
    assert enc.counts.tolist() == [4, 0]
    assert enc.runs.tolist() == [2, 15, 15, 8]
    assert enc.values.tolist() == [3.0, 0.0, 0.0, 5.0]
    # 2 counts x 16 bits + 4 entries x (16 value + 4 run) bits
    assert enc.size_bits == 2 * 16 + 4 * (16 + 4) == 112


def test_run_of_exactly_fifteen_needs_no_placeholder() -> None:
    block = np.zeros(17, np.float32)
    block[15] = 1.0
    enc = ScnnCodec(block_ndim=1).encode(block)
    assert enc.runs.tolist() == [15] and enc.size_bits == 16 + 20


def test_other_sizes_hand_computed() -> None:
    matrix = np.array([[0, 2, 0, 0], [1, 0, 0, 3], [0, 0, 0, 0]], dtype=np.float32)
    sizes = sizes_bits(matrix, value_bits=8)
    # CSR: 4 pointers x bits_for(3)=2, 3 x (bits_for(3)=2 column + 8)
    assert sizes["csr"] == 4 * 2 + 3 * (2 + 8)
    # CSC: 5 pointers x 2, 3 x (bits_for(2)=2 row + 8)
    assert sizes["csc"] == 5 * 2 + 3 * (2 + 8)
    assert sizes["bitmap"] == 12 + 3 * 8
    assert sizes["dense"] == 12 * 8
    # SCNN, blocks = rows of 4 (last axis only for a matrix with block_ndim=2 -> one block)
    assert sizes["scnn"] == 16 + 3 * (8 + 4)


def test_bad_parameters_and_names_are_config_errors() -> None:
    from desim.kernel.errors import ConfigError, DesimError

    with pytest.raises(ConfigError, match="run_bits"):
        ScnnCodec(run_bits=0)
    with pytest.raises(DesimError, match="valid names: bitmap, csc, csr, dense, scnn"):
        codec("rle")


@pytest.mark.parametrize("name", sorted(FORMAT.names()))
@pytest.mark.parametrize("bits", [0, 33, 1000])
def test_a_value_field_wider_than_32_bits_or_empty_is_refused(name: str, bits: int) -> None:
    with pytest.raises(ConfigError, match=r"codec: value_bits must be an integer in 1\.\.32"):
        codec(name, value_bits=bits)
