"""Per-link utilisation against the analytic channel load of XY routing under uniform traffic."""

from __future__ import annotations

import json

import pytest

from desim.noc import NocConfig, simulate


def xy_uniform_east_load(rate: float, k: int, x: int) -> float:
    """Flits/cycle on the eastward link from column x to x+1 of any row of a k x k mesh.

    Under XY routing a packet first travels along its source row, so the link carries the packets
    of the row's sources at columns 0..x bound for any destination in columns x+1..k-1; with
    uniform destinations over all k^2 nodes: rate * (x + 1) * (k - x - 1) * k / k^2.
    """
    return rate * (x + 1) * (k - x - 1) / k


@pytest.mark.parametrize("x", [0, 1, 2])
def test_eastward_links_carry_the_analytic_load(x: int) -> None:
    k, rate = 4, 0.2
    result = simulate(
        NocConfig(
            topology_args={"rows": k, "cols": k},
            injection_rate=rate,
            sample_period_cycles=2000,
            seed=3,
        )
    )
    loads = {(link["from"], link["to"]): link["flits_per_cycle"] for link in result.links}
    expected = xy_uniform_east_load(rate, k, x)
    measured = [loads[(y * k + x, y * k + x + 1)] for y in range(k)]
    assert sum(measured) / k == pytest.approx(expected, rel=0.08)
    assert result.max_link_utilisation == pytest.approx(max(loads.values()))


def test_detail_json_carries_links_and_routers_but_the_record_stays_flat() -> None:
    result = simulate(
        NocConfig(
            topology_args={"rows": 2, "cols": 2}, injection_rate=0.1, sample_period_cycles=200
        )
    )
    record = result.to_record()
    assert all(not isinstance(v, (list, dict)) for v in record.values())
    detail = json.loads(result.to_json(detail=True))
    assert len(detail["links"]) == 8 and len(detail["routers"]) == 4
    assert sum(r["flits_sent"] for r in detail["routers"]) == result.flit_hops


def test_cli_detail_prints_links_and_routers(capsys) -> None:
    from desim.cli import main

    status = main(
        [
            "noc",
            "--rows",
            "2",
            "--cols",
            "2",
            "--injection-rate",
            "0.1",
            "--sample-period",
            "200",
            "--json",
            "--detail",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert status == 0 and len(data["links"]) == 8 and len(data["routers"]) == 4


def test_unmodelled_speedups_are_rejected_not_ignored() -> None:
    from desim.kernel.errors import ConfigError
    from desim.noc import router_params

    with pytest.raises(ConfigError, match="'input_speedup': only 1 is modelled"):
        router_params("booksim", input_speedup=2)
    with pytest.raises(ConfigError, match="'output_speedup': only 1 is modelled"):
        router_params("booksim", output_speedup=2)
