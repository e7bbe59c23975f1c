"""The ``desim`` command skeleton: version, plug-in listing, one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

import desim
from desim.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"desim {desim.__version__}"


def test_list_prints_every_kind_with_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    assert "xy" in lines["routing"].split(", ")
    assert "mesh" in lines["topology"].split(", ")
    assert "uniform" in lines["traffic"].split(", ")
    assert main(["list", "arbiter"]) == 0
    assert capsys.readouterr().out.startswith("arbiter: ")


def test_unknown_kind_exits_2_naming_the_valid_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "nonsense"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "unknown plug-in kind 'nonsense'" in err and "routing" in err and "topology" in err


def test_bad_arguments_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_console_script_and_no_torch_at_import() -> None:
    code = (
        "import sys, desim, desim.cli, desim.noc, desim.kernel, topologies, workloads.cli; "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    done = subprocess.run(
        [sys.executable, "-m", "desim.cli", "list", "nonsense"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
