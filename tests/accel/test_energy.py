"""Energy tables (sources, SRAM interpolation, scaling) and reports from counts."""

from __future__ import annotations

import math

import pytest

from desim.energy import ActionCounts, EnergyReport, EnergyTable, horowitz45
from desim.kernel import ConfigError


def test_published_points_are_exact_and_sources_are_cited():
    t = horowitz45()
    assert t.node_nm == 45
    for size, pj64 in ((8 * 1024, 10), (32 * 1024, 20), (1024 * 1024, 100)):
        assert t.sram_pj_per_bit(size) * 64 == pytest.approx(pj64)
    assert t.energy_pj("dram") == pytest.approx(640 / 32)  # Han et al.: 640 pJ / 32 bits
    assert t.energy_pj("mul16") == pytest.approx(0.8)  # ENERGY.md's derived 16-bit multiply
    assert all(row["source"] for row in t.rows())


def test_sram_is_interpolated_on_log_size():
    t = horowitz45()
    # 128 KB lies a third of the way from 32 KB to 1 MB on a log scale (ratios 4 and 32)
    expected = 20 + (100 - 20) * math.log(4) / math.log(32)
    assert t.sram_pj_per_bit(128 * 1024) * 64 == pytest.approx(expected)
    assert t.sram_pj_per_bit(16 * 1024) < t.sram_pj_per_bit(20 * 1024)


def test_link_energy_scales_with_link_length():
    assert horowitz45(2.0).energy_pj("link") == pytest.approx(2 * horowitz45().energy_pj("link"))


def test_scaling_multiplies_every_energy_and_says_so():
    t = horowitz45().scaled(16, 0.5, "example factor")
    assert t.node_nm == 16
    assert t.energy_pj("mul16") == pytest.approx(0.4)
    assert t.sram_pj_per_bit(8 * 1024) * 64 == pytest.approx(5)
    assert "example factor" in t.entries["dram"].source


def test_a_table_missing_an_action_is_refused():
    t = horowitz45()
    entries = {k: v for k, v in t.entries.items() if k != "router"}
    with pytest.raises(ConfigError, match="router"):
        EnergyTable(45, entries, t.sram_points, "x")


def test_report_prices_counts_by_component_and_action():
    counts = ActionCounts()
    counts.add("pe", "mul16", 10)
    counts.add("pe", "add24", 10)
    counts.add("noc", "router", 512)
    counts.add("glb", "sram_read", 64, size_bytes=32 * 1024)
    t = horowitz45()
    report = EnergyReport.from_counts(counts, t)
    pe = 10 * (t.energy_pj("mul16") + t.energy_pj("add24"))
    assert report.by_component()["pe"] == pytest.approx(pe)
    assert report.by_component()["glb"] == pytest.approx(20)
    assert report.total_pj == pytest.approx(pe + 20 + 512 * t.energy_pj("router"))
    assert report.record()["energy_pj"] == pytest.approx(report.total_pj)
    assert "total" in report.table()


def test_unknown_actions_and_negative_counts_are_refused():
    counts = ActionCounts()
    with pytest.raises(KeyError, match="valid"):
        counts.add("pe", "mul17", 1)
    with pytest.raises(ValueError, match="negative"):
        counts.add("pe", "mul16", -1)
