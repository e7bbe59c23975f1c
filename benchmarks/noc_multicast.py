"""The cost of desim's interface-level multicast schemes against an ideal in-router tree.

desim multicasts with unicasts sent and relayed by the interfaces (``desim/noc/multicast.py``):
``direct`` (one copy per destination from the source) or ``umesh`` (McKinley et al. 1994, the
default). This script broadcasts one packet from a corner and from the centre of an 8x8 mesh to
all 64 terminals on an otherwise idle network, and reports the completion time and the router
traversals (flit-hops) of each scheme, beside the lower bounds of an ideal in-router tree
multicast: the same flits cross each router of a spanning tree once (64 routers x flits), and the
farthest destination is reached at the unicast zero-load latency.

Run::

    python benchmarks/noc_multicast.py

Results are written to ``benchmarks/results/noc_multicast.md``.
"""

from __future__ import annotations

from pathlib import Path

from desim.kernel import Simulator
from desim.noc import Network, router_params
from topologies import mesh

RESULTS = Path(__file__).with_name("results")


def broadcast(source: int, size_bits: int, scheme: str, k: int = 8) -> dict:
    """Broadcast ``size_bits`` from terminal ``source`` to every terminal of a k x k mesh."""
    sim = Simulator(seed=1)
    params = router_params("booksim")
    net = Network(sim, mesh(k, k), "xy", params, multicast=scheme)
    done = net.interfaces[source].send(range(net.terminals), size_bits, payload="weights")
    sim.run()
    assert done.triggered and done.value == "weights"
    net.check_conservation()
    flits = -(-size_bits // params.flit_width_bits)
    far = max(abs(source % k - t % k) + abs(source // k - t // k) for t in range(k * k))
    return {
        "scheme": scheme,
        "source": source,
        "flits_per_copy": flits,
        "completion_cycles": sim.now,
        "flit_hops": net.flit_hops,
        "flits_injected": net.counters.flits_injected,
        "tree_flit_hops_bound": flits * k * k,
        "tree_completion_bound": 6 + 4 * far + flits - 1,
    }


def main() -> None:
    rows = [broadcast(src, 1024, scheme) for scheme in ("direct", "umesh") for src in (0, 27)]
    lines = [
        "| scheme | source | flits/copy | completion (cycles) | tree bound | flit-hops "
        "| tree bound |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['scheme']} | {r['source']} | {r['flits_per_copy']} | "
            f"{r['completion_cycles']} | {r['tree_completion_bound']} | {r['flit_hops']} | "
            f"{r['tree_flit_hops_bound']} |"
        )
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "noc_multicast.md").write_text(
        "Broadcast of 1024 bits to all 64 terminals of an 8x8 mesh (booksim router, XY routing),\n"
        "interface-level multicast (`python benchmarks/noc_multicast.py`)\n\n" + text + "\n"
    )


if __name__ == "__main__":
    main()
