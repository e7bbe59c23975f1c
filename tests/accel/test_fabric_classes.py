"""A user's `Router` and `NetworkInterface` subclasses, given through `FabricConfig`, are the ones
an accelerator's network is built from and steps (API only: a file or ``--set`` cannot name a
class)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from desim.accel.dcnn import Dcnn, DcnnConfig
from desim.accel.fabric import FabricConfig
from desim.accel.layer import LayerRecord
from desim.accel.scnn import Scnn, ScnnConfig
from desim.config import config_hash, replace_dotted, to_mapping
from desim.kernel.errors import ConfigError
from desim.noc.interface import NetworkInterface
from desim.noc.router import Router


class CountingRouter(Router):
    """A router that counts its steps and the routers built of it (timing unchanged)."""

    built = 0
    steps = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        type(self).built += 1

    def step(self, now: int) -> bool:
        type(self).steps += 1
        return super().step(now)


class CountingInterface(NetworkInterface):
    """An interface that counts the packets it is asked to send."""

    sends = 0

    def send(self, *args, **kwargs):
        type(self).sends += 1
        return super().send(*args, **kwargs)


@pytest.fixture(autouse=True)
def _zero_counts():
    CountingRouter.built = CountingRouter.steps = CountingInterface.sends = 0


def conv_layer() -> LayerRecord:
    rng = np.random.default_rng(3)
    w = (rng.standard_normal((6, 4, 3, 3)) * (rng.random((6, 4, 3, 3)) < 0.5)).astype(np.float32)
    x = (np.abs(rng.standard_normal((1, 4, 8, 8))) * (rng.random((1, 4, 8, 8)) < 0.5)).astype(
        np.float32
    )
    out = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    return LayerRecord("conv", "conv", w, None, x, out, (1, 1), (1, 1), 1, "relu")


@pytest.mark.parametrize(("design", "config"), [(Dcnn, DcnnConfig), (Scnn, ScnnConfig)])
def test_the_users_classes_build_and_step_the_accelerators_network(design, config):
    fabric = FabricConfig(topology_args={"rows": 2, "cols": 3})
    layer = conv_layer()
    plain = design(config(fabric=fabric)).run_layer(layer)
    assert CountingRouter.built == 0
    counted = replace(fabric, router_cls=CountingRouter, interface_cls=CountingInterface)
    mine = design(config(fabric=counted)).run_layer(layer)
    assert CountingRouter.built == 6  # one per router of the 2 x 3 mesh
    assert CountingRouter.steps > 0 and CountingInterface.sends >= mine.noc.packets > 0
    assert (mine.cycles, mine.noc) == (plain.cycles, plain.noc)  # counting changes no timing


def test_the_classes_are_checked_kept_and_left_out_of_files_and_hashes():
    with pytest.raises(ConfigError, match="'router_cls' must be desim.noc.Router or a sub"):
        FabricConfig(router_cls=dict)
    with pytest.raises(ConfigError, match="'interface_cls' must be desim.noc.NetworkInt"):
        FabricConfig(interface_cls="mine:Interface")
    counted = DcnnConfig(fabric=FabricConfig(router_cls=CountingRouter))
    assert "router_cls" not in to_mapping(counted)["fabric"]
    assert config_hash(counted) == config_hash(DcnnConfig())
    kept = replace_dotted(counted, "fabric.multicast", "direct")
    assert (kept.fabric.router_cls, kept.fabric.multicast) == (CountingRouter, "direct")
    with pytest.raises(ConfigError, match="'fabric.router_cls' is set from Python only"):
        replace_dotted(DcnnConfig(), "fabric.router_cls", "mine:Router")
