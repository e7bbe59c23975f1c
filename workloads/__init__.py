"""Workloads: PyTorch models to compressed activation streams, and SparseNN's predictor."""
