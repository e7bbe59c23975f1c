"""Workloads: PyTorch models to compressed activation streams, and SparseNN's predictor.

Importing it imports desim, which pins torch's CPU kernels to AVX2 (`desim._reproducible`).
"""

import desim  # noqa: F401 - pins torch's CPU kernels before any workload imports torch
