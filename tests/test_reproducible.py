"""torch's CPU kernels are pinned to AVX2 on x86-64 by importing desim (`desim._reproducible`)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

PROBE = "import desim, torch; print(torch.backends.cpu.get_cpu_capability())"

x86 = pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64"), reason="the pin is for x86-64 only"
)


def _capability(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    if env_value is not None:
        env["ATEN_CPU_CAPABILITY"] = env_value
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@x86
def test_importing_desim_pins_torch_to_avx2() -> None:
    assert _capability(None) == "AVX2"


@x86
def test_a_users_choice_is_kept() -> None:
    assert _capability("default") == "DEFAULT"


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
