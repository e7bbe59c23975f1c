"""torch's CPU kernels are pinned to AVX2 on x86-64 by importing desim (`desim._reproducible`)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

PROBE = (
    "import os, desim, torch; "
    "print(os.environ.get('ATEN_CPU_CAPABILITY'), torch.backends.cpu.get_cpu_capability())"
)


def _child(env_value: str | None) -> tuple[str, str]:
    """``ATEN_CPU_CAPABILITY`` and torch's capability in a fresh process that imports desim."""
    env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    if env_value is not None:
        env["ATEN_CPU_CAPABILITY"] = env_value
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    variable, capability = done.stdout.split()
    return variable, capability


def test_importing_desim_pins_torch_to_avx2_where_it_can() -> None:
    """On an x86-64 CPU with AVX2 the pin is set and torch runs AVX2 kernels; elsewhere desim
    leaves the variable unset (the platform decides which branch this machine checks)."""
    from desim import _reproducible

    variable, capability = _child(None)
    x86 = platform.machine().lower() in ("x86_64", "amd64")
    if x86 and _reproducible._has_avx2():
        assert (variable, capability) == ("avx2", "AVX2")
    else:
        assert variable == "None"


def test_a_users_choice_is_kept() -> None:
    assert _child("default") == ("default", "DEFAULT")


@pytest.mark.parametrize(
    ("machine", "avx2", "pinned"),
    [
        ("x86_64", True, "avx2"),
        ("x86_64", False, None),
        ("arm64", True, None),
        ("AMD64", True, "avx2"),
    ],
)
def test_pinned_only_on_an_x86_64_cpu_with_avx2(monkeypatch, machine, avx2, pinned) -> None:
    """A CPU without AVX2 would crash in torch's AVX2 kernels; other architectures have none."""
    from desim import _reproducible

    monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
    monkeypatch.setattr(_reproducible.platform, "machine", lambda: machine)
    monkeypatch.setattr(_reproducible, "_has_avx2", lambda: avx2)
    _reproducible.pin_cpu_kernels()
    assert os.environ.get("ATEN_CPU_CAPABILITY") == pinned


def test_the_cpu_feature_table_is_readable() -> None:
    """numpy's private feature table is where the check looks; if it moved, nothing is pinned."""
    from desim import _reproducible

    assert isinstance(_reproducible._has_avx2(), bool)
