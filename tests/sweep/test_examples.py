"""The example specs are valid, and the README's main job runs the main spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from desim.sweep import load_spec, run_sweep

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_specs_are_valid(path: Path) -> None:
    assert load_spec(path).points


def test_readme_main_job_runs_the_main_spec() -> None:
    readme = (ROOT / "README.md").read_text()
    first_command = readme.split("```\n", 2)[1]
    assert "desim sweep examples/main.toml --out results/main" in first_command
    assert "desim sweep examples/noc.toml --out results/noc" in first_command


@pytest.mark.slow
def test_main_job_noc_half_runs_clean(tmp_path: Path) -> None:
    report = run_sweep(load_spec(ROOT / "examples" / "noc.toml"), tmp_path, progress=False)
    assert all(r["status"] == "ok" for r in report.records) and not report.lost
    by_key = {(r["noc.topology"], r["noc.topology_args.rows"]): r for r in report.records}
    assert by_key["torus", 8]["saturation_rate"] > by_key["mesh", 8]["saturation_rate"]
