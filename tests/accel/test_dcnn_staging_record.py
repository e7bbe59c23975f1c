"""docs/scnn.md's "DCNN's input staging" tables are `benchmarks/accel_dcnn_staging.py`'s record,
and the record holds what the page claims: DCNN's cycles unchanged by the NBin, the counted
(unsimulated) change equal to the simulated one on every layer and the same for DCNN-opt, and
AlexNet's estimated ratios equal to the measured comparison's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECORD = json.loads((ROOT / "benchmarks" / "results" / "accel_dcnn_staging.json").read_text())
PAGE = (ROOT / "docs" / "scnn.md").read_text()
SECTION = PAGE[
    PAGE.index("### DCNN's input staging, and where") : PAGE.index("### SCNN's energy by component")
]
DESIGNS = ("dcnn, no NBin", "dcnn", "dcnn-opt", "scnn")
GROUPS = {
    "weight reads": ("weight_buf/sram_read", "weight_fifo/sram_read"),
    "weight fills": ("weight_buf/sram_write", "weight_fifo/sram_write"),
    "activation reads from the bank": ("act_sram/sram_read", "iaram/"),
    "NBin and NBout": ("nbin/", "nbout/"),
    "output writes": ("act_sram/sram_write", "oaram/"),
    "multiplies": ("pe/mul16", "multipliers/mul16"),
    "adds": ("pe/add24", "multipliers/add24", "ppu/", "pool_unit/"),
    "partial sums": ("psum_buf/", "accumulator/", "crossbar/"),
    "DRAM": ("dram/",),
    "NoC": ("noc/",),
}


def _cells(label: str, exact: bool = False) -> list[float]:
    """The numbers of the row whose first cell is (or, unless ``exact``, starts with) ``label``."""
    rest = "" if exact else "[^|]*"
    row = re.search(rf"^\| {re.escape(label)}{rest} \|(.*)\|$", SECTION, re.M)
    assert row, label
    return [float(c.split()[0].strip("*x%").replace(",", "")) for c in row.group(1).split("|")]


def test_alexnet_component_table_is_the_record():
    layers = RECORD["alexnet"]["layers"].values()
    by = {d: {} for d in DESIGNS}
    for row in layers:
        for d in DESIGNS:
            for key, pj in row[d]["by_component_pj"].items():
                by[d][key] = by[d].get(key, 0.0) + pj
    matched = set()
    for label, prefixes in GROUPS.items():
        expected = []
        for d in DESIGNS:
            keys = [k for k in by[d] if k.startswith(prefixes)]
            matched.update((d, k) for k in keys)
            expected.append(sum(by[d][k] for k in keys) / 1e6)
        assert _cells(label) == pytest.approx(expected, abs=0.5), label
    assert matched == {(d, k) for d in DESIGNS for k in by[d]}  # every component in a row
    totals = [sum(by[d].values()) / 1e6 for d in DESIGNS]
    assert _cells("**total**") == pytest.approx(totals, abs=0.5)


def test_selected_layer_table_is_the_record():
    for network, label in (("vgg16", "VGG-16"), ("googlenet", "GoogLeNet")):
        for name, row in RECORD[network]["layers"].items():
            short = name.removeprefix("features.").removeprefix("inceptions.")
            a, b, o, s = (row[d]["energy_pj"] for d in DESIGNS)
            a_opt = row["dcnn-opt, no NBin"]["energy_pj"]
            weights = row["dcnn"]["by_component_pj"]["weight_buf/sram_read"] / b * 100
            expected = [a / 1e6, b / 1e6, o / 1e6, s / 1e6, a / s, b / s, a / a_opt, b / o, weights]
            cells = _cells(f"{label} {short}", exact=True)
            assert cells[:4] == pytest.approx(expected[:4], abs=0.06), name
            assert cells[4:8] == pytest.approx(expected[4:8], abs=0.006), name
            assert cells[8] == pytest.approx(expected[8], abs=0.5), name


def test_staging_saves_energy_not_cycles_and_the_count_is_the_simulation():
    for network in ("alexnet", "vgg16", "googlenet"):
        for name, row in RECORD[network]["layers"].items():
            assert row["dcnn"]["cycles"] == row["dcnn, no NBin"]["cycles"], name
            assert row["dcnn-opt"]["cycles"] == row["dcnn-opt, no NBin"]["cycles"], name
            simulated = row["dcnn"]["energy_pj"] - row["dcnn, no NBin"]["energy_pj"]
            opt = row["dcnn-opt"]["energy_pj"] - row["dcnn-opt, no NBin"]["energy_pj"]
            assert row["estimated_change_pj"] == pytest.approx(simulated, rel=1e-6, abs=1.0)
            assert opt == pytest.approx(simulated, rel=1e-6, abs=1.0)  # gating leaves it alone
            assert RECORD[network]["change_pj"][name] == pytest.approx(simulated, rel=1e-6)


def test_alexnet_estimate_is_the_measured_comparison():
    compare = json.loads(
        (ROOT / "benchmarks" / "results" / "accel_scnn_compare_alexnet.json").read_text()
    )
    estimate = RECORD["alexnet"]["estimate"]
    assert estimate["dcnn_scnn"] == pytest.approx(compare["energy_ratio"], rel=1e-3)
    assert estimate["dcnn_dcnn_opt"] == pytest.approx(
        compare["dcnn-opt"]["dcnn_energy_ratio"], rel=1e-6
    )


def test_network_estimate_table_is_the_record():
    est = {n: RECORD[n]["estimate"] for n in ("alexnet", "vgg16", "googlenet")}
    inception = RECORD["googlenet"]["inception_only"]
    assert inception["layers"] == 54
    rows = {
        "AlexNet": est["alexnet"],
        "VGG-16": est["vgg16"],
        "GoogLeNet, 57 convolutions (record's scope)": est["googlenet"],
        "GoogLeNet, 54 inception convolutions (paper's scope)": inception,
    }
    keys = ("dcnn_scnn_no_nbin", "dcnn_scnn", "dcnn_dcnn_opt_no_nbin", "dcnn_dcnn_opt")
    for label, values in rows.items():
        cells = _cells(label, exact=True)
        assert cells == pytest.approx([values[k] for k in keys], abs=0.006), label
    for scope, google in (("57", est["googlenet"]), ("54", inception)):
        means = [(est["alexnet"][k] + est["vgg16"][k] + google[k]) / 3 for k in keys]
        cells = _cells(f"mean (GoogLeNet's {scope})")
        assert cells == pytest.approx(means, abs=0.006), scope
        high = re.search(
            rf"mean \(GoogLeNet's {scope}\) \|[^|]*\| \*\*[\d.]+x\*\* \(([\d.]+) % high: (\w+)",
            SECTION,
        )
        assert float(high.group(1)) == pytest.approx(100 * (means[1] / 2.3 - 1), abs=0.05)
        inside = means[1] <= 1.15 * 2.3
        assert high.group(2) == ("inside" if inside else "outside")  # the verdict the page gives
        opt = re.search(
            rf"mean \(GoogLeNet's {scope}\) \|(?:[^|]*\|){{3}}"
            r" \*\*[\d.]+x\*\* \(([\d.]+) % high: inside",
            SECTION,
        )
        assert float(opt.group(1)) == pytest.approx(100 * (means[3] / 2.0 - 1), abs=0.05)
        assert abs(means[3] / 2.0 - 1) <= 0.15  # DCNN-opt / DCNN inside the paper's band


def test_a_smaller_weight_buffer_counterfactual_is_the_record():
    """ "The weight reads: which buffer": an 8 KB half prices a weight read at 2.5 instead of
    3.75 pJ (Horowitz's 10 and 15 pJ per 64 bits at 8 and 16 KB), a third off every weight read
    of AlexNet's DCNN and DCNN-opt, from the record's components."""
    by = {d: {} for d in ("dcnn", "dcnn-opt", "scnn")}
    for row in RECORD["alexnet"]["layers"].values():
        for d in by:
            for key, pj in row[d]["by_component_pj"].items():
                by[d][key] = by[d].get(key, 0.0) + pj
    total = {d: sum(v.values()) for d, v in by.items()}
    cheaper = {d: total[d] - by[d]["weight_buf/sram_read"] / 3 for d in ("dcnn", "dcnn-opt")}
    text = " ".join(SECTION.split())
    assert (
        f"AlexNet DCNN / SCNN would be {cheaper['dcnn'] / total['scnn']:.2f}x and DCNN / "
        f"DCNN-opt {cheaper['dcnn'] / cheaper['dcnn-opt']:.2f}x" in text
    )


def test_the_gap_paragraph_is_the_record():
    """ "Which components make the gap": DCNN's energy over SCNN's on AlexNet, component by
    component (the component table's groups), what the NBin takes off, what gating removes."""
    by = {d: {} for d in (*DESIGNS, "dcnn-opt, no NBin")}
    for row in RECORD["alexnet"]["layers"].values():
        for d in by:
            for key, pj in row[d]["by_component_pj"].items():
                by[d][key] = by[d].get(key, 0.0) + pj

    def uj(design: str, *prefixes: str) -> float:
        return sum(pj for key, pj in by[design].items() if key.startswith(prefixes)) / 1e6

    total = {d: uj(d, "") for d in DESIGNS}
    activation = ("act_sram/sram_read", "iaram/", "nbin/", "nbout/")
    gap = {
        "weights": uj("dcnn", "weight_buf/sram_read") - uj("scnn", "weight_fifo/sram_read"),
        "with": uj("dcnn", *activation) - uj("scnn", *activation),
        "without": uj("dcnn, no NBin", *activation) - uj("scnn", *activation),
        "multiplies": uj("dcnn", "pe/mul16") - uj("scnn", "multipliers/mul16"),
        "dram": uj("dcnn", "dram/") - uj("scnn", "dram/"),
        "psums": -uj("scnn", "accumulator/", "crossbar/"),
        "noc": uj("dcnn", "noc/") - uj("scnn", "noc/"),
    }
    text = " ".join(SECTION.split())
    saved = total["dcnn, no NBin"] - total["dcnn"]
    for quoted in (
        f"DCNN spends {total['dcnn'] - total['scnn']:,.0f} uJ more than SCNN",
        f"(+{gap['weights']:,.0f}: a 16-bit read",
        f"(+{gap['with']:,.0f} with the NBin, +{gap['without']:,.0f} without)",
        f"multiplies (+{gap['multiplies']:,.0f}) and DRAM (+{gap['dram']:,.0f}:",
        f"partial-sum path ({gap['psums']:,.0f}:",
        f"and NoC ({gap['noc']:,.0f}:",
        f"the NBin takes {saved:,.0f} uJ ({100 * saved / total['dcnn, no NBin']:.1f} %) off DCNN",
        f"weight reads of zero operands "
        f"({uj('dcnn', 'weight_buf/sram_read') - uj('dcnn-opt', 'weight_buf/sram_read'):,.0f} uJ:",
        f"the arithmetic of zero products ({uj('dcnn', 'pe/') - uj('dcnn-opt', 'pe/'):,.0f} uJ)",
        f"with their flags ({uj('dcnn-opt', 'weight_buf/sram_read'):,.0f} uJ)",
        f"DCNN-opt / DCNN up ({total['dcnn, no NBin'] / uj('dcnn-opt, no NBin', ''):.2f}x -> "
        f"{total['dcnn'] / total['dcnn-opt']:.2f}x)",
    ):
        assert quoted in text, quoted
