"""SCNN's energy: a one-PE layer's counts priced by hand; DCNN-opt's own ratio over DCNN."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from desim.accel.fabric import FabricConfig
from desim.accel.scnn import Scnn, ScnnConfig
from desim.accel.scnn_work import nonzero_macs
from desim.cli import main
from desim.energy import EnergyReport, horowitz45
from tests.accel.test_scnn import conv_layer

MUL16 = 0.2 * 4  # Horowitz: 8-bit multiply 0.2 pJ, quadratic in width
ADD24 = 0.03 + (0.1 - 0.03) * 16 / 24  # Horowitz: 8-bit 0.03, 32-bit 0.1 pJ, linear
RF_BIT = (MUL16 + ADD24) / 16  # a 16-bit register-file access costs a MAC (Eyeriss)
WIRE_BIT_UM = 310 / 256 / 10 / 1000  # Keckler: 310 pJ per 256 bits over 10 mm


def test_one_pe_layer_priced_by_hand():
    layer = conv_layer(np.random.default_rng(7), k=4, c=3, hw=(6, 6))
    config = ScnnConfig(fabric=FabricConfig(topology_args={"rows": 1, "cols": 1}))
    lr = Scnn(config).run([layer], {}).layers[0]
    products = nonzero_macs(layer)  # every one lands in the single PE's accumulators
    outputs = int(np.prod(layer.output.shape[1:]))  # drained once each (no halos on one PE)
    energy = EnergyReport.from_counts(lr.counts, horowitz45()).by_component()
    discarded = lr.extra["products_discarded"]
    assert energy["multipliers"] == pytest.approx((products + discarded) * MUL16 + products * ADD24)
    # read-modify-write of a 24-bit partial sum per product, one read per drained output, in
    # 96-byte banks: the register-file floor, not the power law's third of a MAC
    assert energy["accumulator"] == pytest.approx(24 * (2 * products + outputs) * RF_BIT)
    # value and 5-bit bank entry over one row and one column of the 0.026 mm^2 (16 nm) crossbar
    side_um = math.sqrt(0.026) * 1000 * 45 / 16
    assert energy["crossbar"] == pytest.approx(products * 29 * round(2 * side_um) * WIRE_BIT_UM)


def test_compare_shows_dcnn_opt_over_dcnn(capsys):
    argv = ["compare", "--network", "lenet5", "--weight-density", "0.4"]
    argv += ["--activation-density", "0.4", "--layers", "2"]
    argv += ["--set", 'fabric.topology_args={"rows": 2, "cols": 2}']
    assert main([*argv, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    dcnn, opt = doc["dcnn"]["energy_pj"], doc["dcnn-opt"]["energy_pj"]
    assert doc["dcnn-opt"]["dcnn_energy_ratio"] == pytest.approx(dcnn / opt)
    assert doc["dcnn-opt"]["dcnn_energy_ratio"] > 1  # gating saves energy
    assert 1 < doc["dcnn-opt"]["energy_ratio"] < doc["energy_ratio"]  # SCNN: more over DCNN
    assert "dcnn_energy_ratio" not in doc["dcnn"]
    assert main(argv) == 0
    assert "dcnn-opt vs dcnn: energy ratio" in capsys.readouterr().out
