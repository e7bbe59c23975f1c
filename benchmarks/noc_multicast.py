"""The cost of desim's multicast schemes against an ideal in-router tree.

desim multicasts with unicasts sent and relayed by the interfaces (``desim/noc/multicast.py``):
``direct`` (one copy per destination from the source) or ``umesh`` (McKinley et al. 1994, the
default), or by replication in the routers along the XY tree (``tree``). This script broadcasts
one packet from a corner and from the centre of an 8x8 mesh to all 64 terminals on an otherwise
idle network, and reports the completion time and the router traversals (flit-hops) of each
scheme, beside the lower bounds of an ideal in-router tree multicast: the same flits cross each
router of a spanning tree once (64 routers x flits), and the farthest destination is reached at
the unicast zero-load latency. The ``tree`` scheme must come within 15% of both bounds.

Run::

    python benchmarks/noc_multicast.py

Results are written to ``benchmarks/results/noc_multicast.md``.
"""

from __future__ import annotations

import time
from pathlib import Path

import desim
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


def tree_speed(broadcasts: int = 400, every_cycles: int = 12, k: int = 8) -> dict:
    """Simulator speed on broadcasts alone: ``broadcasts`` tree broadcasts of 8 flits, one every
    ``every_cycles`` cycles from terminals in turn (several in flight at once); flit-hops (router
    traversals) per wall-second of the whole run."""
    sim = Simulator(seed=1)
    net = Network(sim, mesh(k, k), "xy", router_params("booksim"), multicast="tree")

    def issue():  # type: ignore[no-untyped-def]
        for n in range(broadcasts):
            net.interfaces[(n * 7) % net.terminals].send(range(net.terminals), 1024)
            yield sim.env.timeout(every_cycles)

    sim.env.process(issue())
    wall = time.perf_counter()
    sim.run()
    wall = time.perf_counter() - wall
    net.check_conservation()
    return {
        "build": "compiled" if desim.COMPILED else "pure Python",
        "flit_hops": net.flit_hops,
        "cycles": sim.now,
        "flit_hops_per_second": round(net.flit_hops / wall),
    }


def main() -> None:
    rows = [
        broadcast(src, 1024, scheme) for scheme in ("direct", "umesh", "tree") for src in (0, 27)
    ]
    for r in rows:
        if r["scheme"] == "tree":
            assert r["completion_cycles"] <= 1.15 * r["tree_completion_bound"], r
            assert r["flit_hops"] <= 1.15 * r["tree_flit_hops_bound"], r
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
    speed = tree_speed()
    lines += [
        "",
        f"Simulator speed, 400 overlapping `tree` broadcasts ({speed['build']} build): "
        f"{speed['flit_hops']:,} flit-hops in {speed['cycles']:,} cycles, "
        f"{speed['flit_hops_per_second']:,} flit-hops/s.",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "noc_multicast.md").write_text(
        "Broadcast of 1024 bits to all 64 terminals of an 8x8 mesh (booksim router, XY routing),\n"
        "interface-level (`direct`, `umesh`) and in-router (`tree`) multicast\n"
        "(`python benchmarks/noc_multicast.py`)\n\n" + text + "\n"
    )


if __name__ == "__main__":
    main()
