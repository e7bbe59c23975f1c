"""DCNN over in-router (``tree``) multicast: same outputs, fewer router traversals than U-mesh."""

from __future__ import annotations

from desim.accel import FabricConfig
from desim.accel.dcnn import Dcnn, DcnnConfig
from workloads.workload import WorkloadSpec, build_workload


def test_dcnn_on_tree_multicast_matches_torch_with_fewer_flit_hops() -> None:
    workload = build_workload(WorkloadSpec("lenet5", provenance="synthetic", batch=1))
    records = {}
    for scheme in ("umesh", "tree"):
        fabric = FabricConfig(
            topology_args={"rows": 4, "cols": 4}, multicast=scheme, max_packet_flits=8
        )
        result = Dcnn(DcnnConfig(fabric=fabric)).run(workload.layers, {"model": "lenet5"})
        records[scheme] = result.record()
    assert records["tree"]["check_passed"]
    assert records["tree"]["noc_flit_hops"] < records["umesh"]["noc_flit_hops"]
