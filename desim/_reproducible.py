"""Same seed, same numbers on every x86-64 machine: torch's CPU kernels pinned to AVX2.

torch dispatches its vectorised CPU kernels to the widest instruction set the machine has
(``torch.backends.cpu.get_cpu_capability()``). AVX-512 kernels sum in another order than AVX2
ones, so a network trained on an AVX-512 machine differs in the last digits from one trained on
an AVX2 machine, and the differences grow over training: the MNIST MLP's test accuracy was 95.7 %
on an AVX-512 machine against the recorded 95.8 % (AVX2), and the predictor's rank search chose
other ranks. AVX2 is on every x86-64 server since 2013, so desim pins torch to it
(``ATEN_CPU_CAPABILITY=avx2``) when desim is imported; torch reads it when it runs its first
kernel, so importing desim before computing anything with torch is enough. A user who sets
``ATEN_CPU_CAPABILITY`` keeps their choice. Other architectures are left alone.
"""

from __future__ import annotations

import os
import platform

__all__ = ["pin_cpu_kernels", "PINNED_CAPABILITY"]

PINNED_CAPABILITY = "avx2"


def pin_cpu_kernels() -> None:
    """Set ``ATEN_CPU_CAPABILITY`` to AVX2 on x86-64 unless the user has set it."""
    if platform.machine().lower() in ("x86_64", "amd64"):
        os.environ.setdefault("ATEN_CPU_CAPABILITY", PINNED_CAPABILITY)
