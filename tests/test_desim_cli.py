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


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """The choice: argparse's convention for a missing required argument, the short usage and
    one error line on stderr with exit code 2 (as `desim noc --rows` without its value does),
    rather than pip's full help on stdout with exit code 0. Help is what --help asks for."""
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "usage: desim [-h] [--version] COMMAND ...",
        "desim: error: a COMMAND is required (desim --help lists them)",
    ]


@pytest.mark.parametrize("kind", ["nonsense", ""])
def test_unknown_kind_exits_2_naming_the_valid_kinds(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty kind is an unknown one (it used to list every kind)."""
    assert main(["list", kind]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"unknown plug-in kind '{kind}'" in err and "routing" in err and "topology" in err


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


HEAVY = (
    "numpy",
    "networkx",
    "simpy",
    "torch",
    "scipy",
    "pandas",
    "matplotlib",
    "importlib.metadata",
    "desim.noc.measurement",
    "topologies",
)


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["--help"],
        ["list"],
        ["list", "model"],
        ["list", "nonsense"],
        ["frobnicate"],
        ["noc", "--help"],
        ["sweep", "--help"],
        ["noc", "--rows", "0"],
    ],
)
def test_start_up_imports_only_what_the_command_needs(argv: list[str]) -> None:
    """``--version``, ``--help``, ``list``, a subcommand's ``--help`` and a bad command import
    none of the heavy libraries (nor `importlib.metadata`, nor the simulator); a ``noc`` run
    imports the NoC (numpy, networkx) but never torch."""
    code = (
        "import sys\n"
        "from desim.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('imported:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    listed = done.stdout.rsplit("imported:", 1)[1].strip()
    imported = set(filter(None, listed.split(",")))
    if argv == ["noc", "--rows", "0"]:
        assert "torch" not in imported and "numpy" in imported
    else:
        assert imported == set(), imported


def test_every_subcommand_is_listed_by_help_without_its_module(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from desim.cli import SUBCOMMANDS

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name, (_, summary) in SUBCOMMANDS.items():
        assert summary in out, name
    assert "workload" in out  # plug-in commands too


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["frobnicate"]])
def test_console_script_answers_version_alone_before_loading_the_cli(argv: list[str]) -> None:
    """The console script (`desim.launch`) answers ``--version`` without importing `desim.cli`
    or argparse, with the same output as ``desim.cli``; every other command goes to
    `desim.cli.main` unchanged (same output and exit code)."""
    code = (
        "import sys\n"
        f"sys.argv = ['desim', *{argv!r}]\n"
        "from desim.launch import main\n"
        "try:\n"
        "    status = main()\n"
        "except SystemExit as exit_:\n"
        "    status = exit_.code\n"
        "names = ('desim.cli', 'argparse')\n"
        "print('loaded:' + ','.join(m for m in names if m in sys.modules))\n"
        "sys.exit(status)\n"
    )
    launched = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    direct = subprocess.run(
        [sys.executable, "-c", f"import sys; from desim.cli import main; sys.exit(main({argv!r}))"],
        capture_output=True,
        text=True,
    )
    out, loaded = launched.stdout.rsplit("loaded:", 1)
    assert (out, launched.stderr, launched.returncode) == (
        direct.stdout,
        direct.stderr,
        direct.returncode,
    )
    if argv == ["--version"]:
        assert out.strip() == f"desim {desim.__version__}" and loaded.strip() == ""
    else:
        assert "desim.cli" in loaded


PLUGIN = """
def even_only(rows: int = 2, cols: int = 2):
    raise ValueError(f"rows must be even, got {rows}")


def stubborn(ctx):
    def route(router, in_port, packet):
        raise RuntimeError("no route\\nhere")

    return route
"""


@pytest.fixture
def plugin_module(tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "desim_test_raising_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("DESIM_DEBUG", raising=False)
    return "desim_test_raising_plugin"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--topology", ":even_only", "--rows", "3"], ":even_only raised ValueError: rows must be"),
        (  # raised at simulation time, inside the function the factory returned
            ["--routing", ":stubborn", "--rows", "2", "--cols", "2"],
            ":stubborn raised RuntimeError: no route here",
        ),
    ],
)
def test_a_plugin_that_raises_is_named_in_one_line(
    plugin_module: str,
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = ["noc", *(plugin_module + a if a.startswith(":") else a for a in argv)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"desim: error: {plugin_module}{message}")
    assert err.count("\n") == 1
    monkeypatch.setenv("DESIM_DEBUG", "1")  # the traceback, for the plug-in's author
    with pytest.raises((ValueError, RuntimeError)):
        main(argv)


def test_an_error_outside_plugins_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import desim.cli

    def broken(args: object) -> int:
        raise ZeroDivisionError("a bug in desim")

    monkeypatch.setattr(desim.cli, "_list", broken)
    with pytest.raises(ZeroDivisionError):
        main(["list"])


def test_the_help_says_how_to_see_a_plugins_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "DESIM_DEBUG=1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["accel", "--arch", "scnn", "--arch", "dcnn", "--network", "lenet5"], "--arch"),
        (["accel", "--arch", "dcnn", "--network", "a", "--network", "b"], "--network"),
        (["compare", "--network", "lenet5", "--layers", "1", "--layers=2"], "--layers"),
        (["noc", "--rows", "2", "--rows", "3"], "--rows"),
        (["sweep", "spec.toml", "--out", "a", "--out", "b"], "--out"),
    ],
)
def test_a_single_value_option_given_twice_is_refused_naming_it(capsys, argv, option):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    assert (exit_.value.code, out, err.count("\n")) == (2, "", 1)
    assert f"error: {option} given twice; give it once" in err


def test_set_is_repeatable_and_an_abbreviated_option_is_not_taken(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["accel", "--arch", "dcnn", "--net", "lenet5"])
    assert exit_.value.code == 2
    assert "--network" in capsys.readouterr().err  # --net is not --network
    from desim.cli import build_parser

    args = build_parser("accel").parse_args(
        ["accel", "--arch", "dcnn", "--network", "lenet5", "--set", "a=1", "--set", "b=2"]
    )
    assert args.set == ["a=1", "b=2"] and not hasattr(args, "_desim_given_once")


def test_a_count_beyond_a_limit_is_given_in_full(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("DESIM_NO_SIZE_LIMIT", raising=False)
    spec = tmp_path / "s.toml"
    spec.write_text('[sweep]\nkind = "noc"\n')
    code = main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "1000"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "more processes than this machine can run: an estimated 1000, beyond the limit" in err
