"""Same seed, same trained numbers on x86-64 machines: torch's ATen CPU kernels pinned to AVX2.

torch dispatches its vectorised ATen CPU kernels to the widest instruction set the machine has
(``torch.backends.cpu.get_cpu_capability()``). AVX-512 kernels sum in another order than AVX2
ones, so a network trained on an AVX-512 machine differs in the last digits from one trained on
an AVX2 machine, and the differences grow over training: the MNIST MLP's test accuracy was 95.7 %
on an AVX-512 machine against the recorded 95.8 % (AVX2), and the predictor's rank search chose
other ranks; with the pin both machines give the recorded figures. desim therefore sets
``ATEN_CPU_CAPABILITY=avx2`` when it is imported, if the CPU has AVX2 and FMA (numpy's CPU feature
table; torch would otherwise run AVX2 code on a CPU without it and crash), on x86-64 only, and
only if the user has not set the variable. torch reads it when it runs its first kernel, so
importing desim before computing anything with torch is enough; child processes (sweep workers)
inherit it.

What it does not cover: convolutions and large matrix products run in oneDNN, which picks its
own instruction set (``ONEDNN_MAX_CPU_ISA``), so a convolution's output can differ in its last
bits between machines. The calibrated workloads are made robust to that instead: their
thresholds sit midway between the values kept and dropped (`workloads.calibrate`).
"""

from __future__ import annotations

import os
import platform

__all__ = ["pin_cpu_kernels", "PINNED_CAPABILITY"]

PINNED_CAPABILITY = "avx2"


def _has_avx2() -> bool:
    """Whether the CPU runs AVX2 and FMA code (numpy's runtime CPU feature detection)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # numpy moved its private table: do not guess
        return False
    return bool(features.get("AVX2") and features.get("FMA3"))


def pin_cpu_kernels() -> None:
    """Set ``ATEN_CPU_CAPABILITY`` to AVX2 on an x86-64 CPU that has it, unless the user has set
    the variable."""
    if "ATEN_CPU_CAPABILITY" in os.environ:
        return
    if platform.machine().lower() in ("x86_64", "amd64") and _has_avx2():
        os.environ["ATEN_CPU_CAPABILITY"] = PINNED_CAPABILITY
